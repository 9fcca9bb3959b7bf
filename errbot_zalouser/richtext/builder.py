"""``TextBuilder``: a StyledText written piece by piece (used by the Markdown tree walk)."""

from __future__ import annotations

from errbot_zalouser.richtext.styled import INDENT, Mark, StyledText, StyleRange, line_spans


class TextBuilder:
    """Text under construction, with the styles, indents and marks laid over it. Offsets are
    positions in the text written so far (``position``); a line style or mark covers the
    non-empty lines written since an offset."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._tail = ""  # the last characters written (for line and blank-line checks)
        self._styles: list[StyleRange] = []
        self._marks: list[Mark] = []
        self._indents: list[tuple[int, int]] = []  # (start, end): one indent level over these lines

    def write(self, text: str) -> None:
        if text:
            self._parts.append(text)
            self._length += len(text)
            self._tail = (self._tail + text)[-2:]

    @property
    def position(self) -> int:
        return self._length

    def newline(self) -> None:
        """Start a new line unless at the start of one."""
        if self._length and self._tail[-1:] != "\n":
            self.write("\n")

    def blank_line(self) -> None:
        """Leave one empty line before what follows (none at the very start)."""
        if self._length:
            self.newline()
            if self._tail != "\n\n":
                self.write("\n")

    def style(self, start: int, style: str) -> None:
        if self._length > start:
            self._styles.append(StyleRange(start, self._length - start, style))

    def _lines(self, start: int, which: str) -> list[tuple[int, int]]:
        """The non-empty lines written since ``start``: "all", the "first" or the "rest"."""
        lines = line_spans(self._text(), start, self._length)
        return {"all": lines, "first": lines[:1], "rest": lines[1:]}[which]

    def line_style(self, start: int, style: str, which: str = "all") -> None:
        for low, high in self._lines(start, which):
            self._styles.append(StyleRange(low, high - low, style))

    def line_marks(self, start: int, prefix: str, rank: int, which: str = "all") -> None:
        for low, _high in self._lines(start, which):
            self._marks.append(Mark(low, low, prefix, "", rank))

    def indent(self, start: int, which: str = "all") -> None:
        self._indents.extend(self._lines(start, which))

    def mark(self, start: int, before: str, after: str, rank: int) -> None:
        if self._length > start:
            self._marks.append(Mark(start, self._length, before, after, rank))

    def finish(self) -> StyledText:
        text = self._text()
        styles = list(self._styles)
        levels: dict[tuple[int, int], int] = {}
        for span in self._indents:
            levels[span] = levels.get(span, 0) + 1
        styles += [StyleRange(low, high - low, INDENT, min(5, level)) for (low, high), level in levels.items()]
        whole = StyledText(text, tuple(sorted(styles, key=lambda s: (s.start, s.style))), (), tuple(self._marks))
        start = len(text) - len(text.lstrip())
        end = len(text.rstrip())
        return whole.slice(start, end) if (start, end) != (0, len(text)) else whole

    def _text(self) -> str:
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""
