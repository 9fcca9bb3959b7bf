"""An Errbot card as one message that reads well on a phone, plus its picture.

Errbot's own card template lays the fields out as a table whose rows its template engine glues
into one line. Here a card is its summary (bold, in the card's colour), its title (bold, with its
link written after it so that the chat makes it clickable), its body, then one ``**key**: value``
line per field; ``card_markdown`` gives that Markdown, which the outbox turns into Zalo styles or
readable text like any reply. Zalo has four text colours (red, orange, yellow, green):
``zalo_colour`` maps a card's colour name or ``#rrggbb`` to the one of them its hue falls in, or to
none (a blue, purple or grey card gets no colour). When there is no summary, the title takes the colour.

The picture (``image``, else ``thumbnail``) is not text: ``card_picture`` gives the http(s) URL to
send as a photo after the message. A picture that is not an http(s) URL would make `zca` send a
file of the bot's own machine: it is written into the message as text instead.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Iterable

from errbot_zalouser.richtext.styled import COLOURS

_HTTP = re.compile(r"https?://\S+\Z", re.IGNORECASE)
_HEX = re.compile(r"#?([0-9a-f]{3}|[0-9a-f]{6})\Z")
#: Hue ranges (degrees) of Zalo's four colours; a colour with less saturation or value is grey.
_HUES = ((0, 18, "red"), (18, 40, "orange"), (40, 70, "yellow"), (70, 170, "green"), (330, 360, "red"))
_GREY = 0.3
_NAMED = {"crimson": "red", "darkred": "red", "tomato": "red", "gold": "yellow", "lime": "green",
          "darkgreen": "green", "forestgreen": "green", "darkorange": "orange"}


def card_markdown(*, summary: str | None = None, title: str | None = None, link: str | None = None,
                  body: str | None = None, image: str | None = None, thumbnail: str | None = None,
                  fields: Iterable[tuple[object, object]] = (), color: str | None = None) -> str:
    """The Markdown of a card's text; every part is optional. Summary, title and field keys are
    taken as Markdown, as errbot's template takes them. A picture that is not an http(s) URL is
    written as text (``card_picture`` gives the one to send)."""
    colour = zalo_colour(color)
    blocks: list[str] = []
    if summary:
        blocks.append(_coloured(f"**{summary}**", colour))
    if title:
        heading = f"**[{title}]({link})**" if link else f"**{title}**"
        blocks.append(heading if summary else _coloured(heading, colour))
    elif link:
        blocks.append(f"<{link}>")
    if body:
        blocks.append(body)
    lines = [f"**{key}**: {value}" for key, value in fields]
    if lines:
        blocks.append("  \n".join(lines))
    blocks += [f"`{picture}`" for picture in (thumbnail, image) if picture and not _HTTP.match(picture.strip())]
    return "\n\n".join(blocks)


def card_picture(*, image: str | None = None, thumbnail: str | None = None) -> str | None:
    """The http(s) URL of the card's picture to send as a photo: its image, else its thumbnail."""
    for picture in (image, thumbnail):
        if picture and _HTTP.match(picture.strip()):
            return picture.strip()
    return None


def zalo_colour(color: str | None) -> str | None:
    """The Zalo colour (red, orange, yellow, green) a card colour stands for, or None."""
    name = (color or "").strip().lower()
    name = _NAMED.get(name, name)
    if name in COLOURS:
        return name
    match = _HEX.match(name)
    if not match:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    red, green, blue = (int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))
    hue, saturation, value = colorsys.rgb_to_hsv(red, green, blue)
    if saturation < _GREY or value < _GREY:
        return None
    degrees = hue * 360
    return next((colour for low, high, colour in _HUES if low <= degrees < high), None)


def _coloured(markdown: str, colour: str | None) -> str:
    return f"{markdown}{{: color='{colour}'}}" if colour else markdown
