"""``StyledText``: a reply as the chat should show it, independent of how it is sent.

Plain text plus Zalo style ranges, mention ranges and *marks*. Ranges are Python string indices
(code points); Zalo counts UTF-16 code units, and each sender converts (``utf16_length``, and the
engine protocol's ``text_args``). Marks are the readable text that stands in for a style in a chat
that shows none (``**`` around bold, ``• `` before a list item); ``richtext.plain.plain_form``
applies them, the native serialisers ignore them.

The value is immutable. Everything that builds or cuts one keeps these invariants: every range
lies inside the text and is non-empty; line styles (lists, indents) never cover a newline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

# Zalo's style codes (zca-js TextStyle); a colour is "c_" and six hex digits.
BOLD, ITALIC, UNDERLINE, STRIKE = "b", "i", "u", "s"
BIG, SMALL = "f_18", "f_13"
UNORDERED_LIST, ORDERED_LIST, INDENT = "lst_1", "lst_2", "ind_$"
RED, ORANGE, YELLOW, GREEN = "c_db342e", "c_f27806", "c_f7b503", "c_15a85f"
COLOURS = {"red": RED, "orange": ORANGE, "yellow": YELLOW, "green": GREEN}
LINE_STYLES = frozenset({UNORDERED_LIST, ORDERED_LIST, INDENT})


@dataclass(frozen=True)
class StyleRange:
    """A Zalo text style over ``text[start:start + length]`` (Python indices)."""

    start: int
    length: int
    style: str
    indent_size: int | None = None  # only with "ind_$"

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class MentionRange:
    """``text[start:start + length]`` mentions ``user_id`` (a group member, or "-1" for everyone)."""

    start: int
    length: int
    user_id: str

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class Mark:
    """Readable text standing in for a style: ``before`` goes in front of ``text[start]``, ``after``
    behind ``text[end - 1]``. ``start == end`` is an insertion (a list bullet). ``rank`` orders marks
    at one position: the outer (lower rank) opens first and closes last."""

    start: int
    end: int
    before: str = ""
    after: str = ""
    rank: int = 0


@dataclass(frozen=True)
class StyledText:
    """Text, its Zalo styles, its mentions and its marks (see the module docstring)."""

    text: str
    styles: tuple[StyleRange, ...] = ()
    mentions: tuple[MentionRange, ...] = ()
    marks: tuple[Mark, ...] = ()

    def __post_init__(self) -> None:
        size = len(self.text)
        ranges: tuple[StyleRange | MentionRange, ...] = (*self.styles, *self.mentions)
        for item in ranges:
            if item.start < 0 or item.length <= 0 or item.end > size:
                raise ValueError(f"{item!r} lies outside the text (length {size})")
        for mark in self.marks:
            if not 0 <= mark.start <= mark.end <= size:
                raise ValueError(f"{mark!r} lies outside the text (length {size})")

    @classmethod
    def literal(cls, text: str) -> StyledText:
        """Text shown exactly as given, with no style."""
        return cls(text)

    def __len__(self) -> int:
        return len(self.text)

    @property
    def rendered_length(self) -> int:
        """The length the chat counts: UTF-16 code units."""
        return utf16_length(self.text)

    def slice(self, start: int, end: int) -> StyledText:
        """``text[start:end]`` with every range clipped to it and rebased. A range cut by the slice
        keeps its style (and its marks, both halves) on the part inside: a bold run split across two
        messages is bold, and in plain text starred, in both."""
        start, end = max(0, start), min(len(self.text), end)
        if start >= end:
            return StyledText("")
        return StyledText(
            self.text[start:end],
            tuple(_clip(s, start, end) for s in self.styles if s.start < end and s.end > start),
            tuple(replace(m, start=m.start - start) for m in self.mentions if m.start >= start and m.end <= end),
            tuple(_clip_mark(m, start, end) for m in self.marks if _mark_inside(m, start, end, len(self.text))),
        )

    def without_styles(self) -> StyledText:
        return StyledText(self.text, (), self.mentions, self.marks)

    def insert(self, insertions: Iterable[tuple[int, str]]) -> StyledText:
        """This text with each (offset, text) inserted before ``self.text[offset]``. Ranges move with
        the text around them (one that covers the offset grows); marks and mentions too."""
        ordered = sorted(insertions)
        parts, previous = [], 0
        for offset, text in ordered:
            parts += [self.text[previous:offset], text]
            previous = offset
        parts.append(self.text[previous:])

        def moved(offset: int, *, at_end: bool = False) -> int:
            return offset + sum(len(t) for o, t in ordered if (o < offset if at_end else o <= offset))

        return StyledText(
            "".join(parts),
            tuple(replace(s, start=moved(s.start), length=moved(s.end, at_end=True) - moved(s.start))
                  for s in self.styles),
            tuple(replace(m, start=moved(m.start)) for m in self.mentions),
            tuple(replace(k, start=moved(k.start), end=moved(k.end, at_end=k.end > k.start)) for k in self.marks),
        )


def utf16_length(text: str) -> int:
    """How many UTF-16 code units ``text`` takes (what JavaScript's ``length`` and Zalo count)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_offsets(text: str) -> list[int]:
    """``offsets[i]`` = UTF-16 length of ``text[:i]``, for i in 0..len(text)."""
    offsets = [0] * (len(text) + 1)
    total = 0
    for i, ch in enumerate(text):
        total += 2 if ord(ch) > 0xFFFF else 1
        offsets[i + 1] = total
    return offsets


def line_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of every non-empty line of ``text[start:end]``, as offsets into ``text``."""
    end = len(text) if end is None else end
    spans = []
    position = start
    while position < end:
        stop = text.find("\n", position, end)
        stop = end if stop < 0 else stop
        if stop > position:
            spans.append((position, stop))
        position = stop + 1
    return spans


def styles_by_char(styled: StyledText) -> list[frozenset[str]]:
    """The set of styles on each character (indent sizes folded in as ``ind_<n>``); two texts with
    the same list look the same in the chat, however their ranges are cut."""
    sets: list[set[str]] = [set() for _ in styled.text]
    for s in styled.styles:
        name = f"ind_{s.indent_size}" if s.style == INDENT else s.style
        for index in range(s.start, s.end):
            sets[index].add(name)
    return [frozenset(s) for s in sets]


def _clip(style: StyleRange, start: int, end: int) -> StyleRange:
    low, high = max(style.start, start), min(style.end, end)
    return replace(style, start=low - start, length=high - low)


def _mark_inside(mark: Mark, start: int, end: int, size: int) -> bool:
    if mark.start == mark.end:  # an insertion belongs to the text that follows it
        return start <= mark.start < end or mark.start == end == size
    return mark.start < end and mark.end > start


def _clip_mark(mark: Mark, start: int, end: int) -> Mark:
    return replace(mark, start=max(mark.start, start) - start, end=min(mark.end, end) - start)
