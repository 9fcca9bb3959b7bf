"""openzca's group mentions, from the sending side.

openzca 0.1.43+ scans every group text (``--raw`` or not) for ``@label`` at a mention boundary and
resolves the label against the group's members (their user id, display name and Zalo name,
ignoring case, the longest match winning); a label two members share makes the whole send fail.
So a reply that quotes ``@Minh`` back into a group could fail on every retry.

``neutralise`` puts an invisible WORD JOINER (U+2060) before every ``@`` openzca would try to
resolve, except where the StyledText asks for a mention: the chat shows the same text, nothing
is resolved, nothing can fail. ``mention_label`` picks the label that resolves to exactly one
member, and ``with_mentions`` writes the ``@label`` a plugin asked for in front of a text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from errbot_zalouser.model import ZaloUser
from errbot_zalouser.richtext.styled import MentionRange, StyledText
from errbot_zalouser.transport.markers import JS_SPACE

JOINER = "\u2060"
_START_BOUNDARY = frozenset('([{<",;:')


def neutralise(styled: StyledText) -> StyledText:
    """``styled`` with a joiner before every ``@`` openzca would resolve, except its own mentions."""
    text = styled.text
    wanted = {m.start for m in styled.mentions}
    positions = [i for i, ch in enumerate(text)
                 if ch == "@" and i not in wanted and _starts_mention(text, i)
                 and i + 1 < len(text) and text[i + 1] not in JS_SPACE]
    return styled.insert([(p, JOINER) for p in positions]) if positions else styled


def _starts_mention(text: str, index: int) -> bool:
    return index == 0 or text[index - 1] in JS_SPACE or text[index - 1] in _START_BOUNDARY


def mention_label(user_id: str, members: Sequence[ZaloUser]) -> str:
    """The label to write after ``@`` so that openzca mentions ``user_id`` and nobody else: the
    member's display name (else Zalo name) when no other member has a label that starts with it,
    else the user id itself (unique, but shown as digits)."""
    others = [label.lower() for m in members if m.user_id != user_id for label in _labels(m)]
    member = next((m for m in members if m.user_id == user_id), None)
    for label in _labels(member) if member else ():
        if label == user_id or len(label.lower()) != len(label):
            continue
        if not any(other.startswith(label.lower()) for other in others):
            return label
    return user_id


def _labels(member: ZaloUser) -> list[str]:
    return [label for label in (member.display_name.strip(), member.zalo_name.strip(), member.user_id) if label]


def with_mentions(styled: StyledText, mentions: Sequence[tuple[str, str]]) -> StyledText:
    """``@label`` for each (label, user id), separated by spaces, in front of ``styled``."""
    if not mentions:
        return styled
    prefix = ""
    ranges = []
    for label, user_id in mentions:
        ranges.append(MentionRange(len(prefix), len(label) + 1, user_id))
        prefix += f"@{label} "
    shifted = styled.insert([(0, prefix)])
    return replace(shifted, mentions=(*ranges, *shifted.mentions))
