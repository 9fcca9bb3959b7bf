"""An Errbot card as Markdown that reads well on a phone.

Errbot's own card template lays the fields out as a table whose rows its template engine glues
into one line; here a card is its summary (bold, in the card's colour when Zalo has that colour),
its title (bold, with its link), its image, its body, then one ``key: value`` line per field.
"""

from __future__ import annotations

from collections.abc import Iterable

from errbot_zalouser.richtext.styled import COLOURS


def card_markdown(*, summary: str | None = None, title: str | None = None, link: str | None = None,
                  body: str | None = None, image: str | None = None, thumbnail: str | None = None,
                  fields: Iterable[tuple[object, object]] = (), color: str | None = None) -> str:
    """The Markdown of a card; every part is optional. Summary, title and field keys are taken as
    Markdown, as errbot's template takes them."""
    blocks: list[str] = []
    colour = (color or "").strip().lower()
    if summary:
        line = f"**{summary}**"
        blocks.append(f"{line}{{: color='{colour}'}}" if colour in COLOURS else line)
    if title:
        blocks.append(f"**[{title}]({link})**" if link else f"**{title}**")
    elif link:
        blocks.append(f"<{link}>")
    for picture in (thumbnail, image):
        if picture:
            blocks.append(f"<{picture}>")
    if body:
        blocks.append(body)
    lines = [f"{key}: {value}" for key, value in fields]
    if lines:
        blocks.append("  \n".join(lines))
    return "\n\n".join(blocks)
