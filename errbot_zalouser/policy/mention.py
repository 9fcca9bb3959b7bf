"""Is the bot mentioned, and does a message begin by addressing it? Pure functions over the event
and the bot's identity: no I/O, no clock.

A mention of the bot is its user id among the event's mentions (what the Zalo app sends when
someone picks the bot from the @ list), or ``@`` typed before the bot's whole display name or
whole user id: at the start of the text or after a space or one of ``([{<",;:``, and followed by
the end of the text, a space, one of ``,;:!?)]}>"`` or a full stop that ends a sentence (the
boundaries openzca uses for mentions). Names compare by ``ids.name_key``, the one rule for names
(case and diacritics do not matter), and only whole: a bot named "An" is not mentioned by
``@Anh``.

``addressed_text`` answers the question errbot needs in a group: a message that *begins* with a
mention of the bot (``@Bot !echo hi``) is a command to it, and the command is what follows.
"""

from __future__ import annotations

from errbot_zalouser.ids import name_key
from errbot_zalouser.model import InboundEvent

_START = frozenset('([{<",;:')
_END = frozenset(',;:!?)]}>"')
_SEPARATORS = " \t\n\r\u00a0\u2060,:"
_MAX_STARTS = 100  # mentions looked at in one message (a hostile text may hold thousands)
_MAX_SIGNS = 1000  # "@" signs looked at in one message


def is_mentioned(event: InboundEvent, self_id: str, self_name: str) -> bool:
    """True when ``event`` mentions the account whose id and display name are given."""
    if self_id and self_id in event.mention_ids:
        return True
    text = event.content
    return any(_typed_mention_end(text, at, self_id, self_name) is not None
               for at in _mention_starts(text))


def addressed_text(event: InboundEvent, self_id: str, self_name: str) -> str | None:
    """The text after a mention of the bot that begins ``event`` (separators after it removed),
    or None when the message does not begin with one."""
    text = event.content
    start = len(text) - len(text.lstrip())
    end = next((m.pos + m.length for m in event.mentions
                if m.user_id == self_id and m.pos == start and m.length), None) if self_id else None
    if end is None and text.startswith("@", start):
        end = _typed_mention_end(text, start, self_id, self_name)
    if end is None:
        return None
    return text[end:].lstrip(_SEPARATORS)


def _mention_starts(text: str) -> list[int]:
    """Where the first ``_MAX_STARTS`` mention-like ``@`` among the first ``_MAX_SIGNS`` are."""
    starts: list[int] = []
    at = text.find("@")
    for _ in range(_MAX_SIGNS):
        if at < 0 or len(starts) == _MAX_STARTS:
            break
        if at == 0 or text[at - 1].isspace() or text[at - 1] in _START:
            starts.append(at)
        at = text.find("@", at + 1)
    return starts


def _typed_mention_end(text: str, at: int, self_id: str, self_name: str) -> int | None:
    """Where a typed ``@<bot id>`` or ``@<bot name>`` starting at ``text[at]`` ends, or None."""
    label = at + 1
    if self_id and text.startswith(self_id, label) and _ends_mention(text, label + len(self_id)):
        return label + len(self_id)
    wanted = name_key(self_name)
    if not wanted:
        return None
    longest = 2 * len(self_name) + 8  # case folding and diacritics change a name's length a little
    for end in range(label + 1, min(len(text), label + longest) + 1):
        if _ends_mention(text, end) and name_key(text[label:end]) == wanted:
            return end
    return None


def _ends_mention(text: str, end: int) -> bool:
    if end >= len(text):
        return True
    char = text[end]
    if char.isspace() or char in _END:
        return True
    return char == "." and (end + 1 == len(text) or text[end + 1].isspace())
