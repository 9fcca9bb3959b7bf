"""Readable plain text for a chat that shows no styles.

``plain_form`` applies a StyledText's marks (the writer's ``*``/``_`` around emphasis, ``• `` and
``1. `` before list items, ``> `` before quoted lines, indentation) and drops its styles, so the
meaning stays readable and no character the writer typed is lost. Mentions are moved along with
the text they cover.
"""

from __future__ import annotations

from dataclasses import replace

from errbot_zalouser.richtext.styled import Mark, StyledText


def plain_form(styled: StyledText) -> StyledText:
    """``styled`` as text only: marks written out, styles gone, mentions kept (rebased)."""
    if not styled.marks:
        return styled.without_styles() if styled.styles else styled
    inserts = _insertions(styled.marks)
    parts: list[str] = []
    previous = 0
    for position, text in inserts:
        parts += [styled.text[previous:position], text]
        previous = position
    parts.append(styled.text[previous:])
    mentions = tuple(replace(m, start=m.start + _inserted_up_to(inserts, m.start)) for m in styled.mentions)
    return StyledText("".join(parts), (), mentions)


def _insertions(marks: tuple[Mark, ...]) -> list[tuple[int, str]]:
    """(offset, text) in the order they go into the text.

    At one offset, closing texts come before opening ones; closings inner first (highest rank,
    then latest start), openings outer first (lowest rank, then latest end).
    """
    events: list[tuple[int, int, int, int, str]] = []
    for index, mark in enumerate(marks):
        if mark.after and mark.end > mark.start:
            events.append((mark.end, 0, -mark.rank, -mark.start * 1_000_000 - index, mark.after))
        if mark.before:
            events.append((mark.start, 1, mark.rank, -mark.end * 1_000_000 + index, mark.before))
    events.sort(key=lambda e: e[:4])
    merged: list[tuple[int, str]] = []
    for position, _kind, _rank, _order, text in events:
        if merged and merged[-1][0] == position:
            merged[-1] = (position, merged[-1][1] + text)
        else:
            merged.append((position, text))
    return merged


def _inserted_up_to(inserts: list[tuple[int, str]], offset: int) -> int:
    """Characters inserted at or before ``offset`` (a mention that starts where a bullet goes
    comes after the bullet)."""
    return sum(len(text) for position, text in inserts if position <= offset)
