"""Errbot's Markdown -> ``StyledText``.

Errbot writes replies in Markdown (Python-Markdown with the "extra" extensions, as its own text
renderers read it). This module reads them the same way and walks the element tree into text,
Zalo styles and marks:

- ``**strong**`` bold, ``*em*`` italic (marks: the writer's own ``*``/``_`` markers, so a chat
  without styles shows ``5*3*2``, never ``532``); headings bold (``#`` also big), as lines of
  their own; list items ``lst_1``/``lst_2`` (marks ``• ``/``1. ``; errbot's Markdown numbers an
  ordered list from 1 whatever its first number, and so does Zalo), nested items and quotes
  indented (marks: two spaces, ``> ``); ``{:color='red'}`` and the other three Zalo colours;
- code spans and fenced or indented code blocks: their text exactly, with no style and no
  backticks or fence lines (a chat has no monospace);
- links ``label (url)``, images ``alt (src)``, rules a short line, entities decoded, ``<br/>`` a
  line break, soft line breaks kept (errbot's renderers keep them too);
- tables as key/value lines, readable on a phone: two columns give a bold header line and one
  ``key: value`` line per row; more give one ``header: value`` line per cell, a blank line between
  rows.

Everything errbot leaves literal (``\\*``, ``a_b``, ``{red}``, ``1\\. x``) is plain text here; how
it stays literal on the way out is the serialisers' job. Python-Markdown converters are not
thread-safe, so each thread builds its own. A document the converter cannot read is sent as it is.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Iterable
from typing import Any

from markdown import Markdown
from markdown.extensions.extra import ExtraExtension
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.inlinepatterns import AsteriskProcessor, SubstituteTagPattern, UnderscoreProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE

from errbot_zalouser.richtext.styled import (
    BIG,
    BOLD,
    COLOURS,
    INDENT,
    ITALIC,
    ORDERED_LIST,
    UNORDERED_LIST,
    Mark,
    StyledText,
    StyleRange,
    line_spans,
)

log = logging.getLogger(__name__)

RULE = "─" * 10
_MARKER = "data-zalouser-marker"
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "hr",
                     "table", "dl", "div"})
_NEWLINE_INDENT = re.compile(r"\n[ \t]+")


def from_markdown(markdown: str) -> StyledText:
    """The StyledText errbot's Markdown ``markdown`` stands for (see the module docstring)."""
    if not markdown.strip():
        return StyledText("")
    try:
        return _converter().convert_styled(markdown)
    except Exception:  # Python-Markdown on input it cannot read: the text, unrendered, is better than nothing
        log.warning("could not read a reply as Markdown; sending it as it is", exc_info=True)
        return StyledText(markdown.strip())


# --- the converter: Python-Markdown as errbot sets it up, plus a tree walk of our own ---------------


_local = threading.local()


def _converter() -> _Converter:
    converter: _Converter | None = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = _Converter()
    return converter


class _Converter:
    """One Markdown instance (per thread) whose last tree processor builds the StyledText."""

    def __init__(self) -> None:
        self._md = Markdown(extensions=[ExtraExtension()])
        md = self._md
        # As errbot: fenced blocks without highlighting (kept in the stash, see _CodeFences), <br/> a break.
        md.preprocessors.register(_CodeFences(md, {}), "fenced_code_block", 25)
        md.inlinePatterns.register(SubstituteTagPattern(r"<br/>", "br"), "br", 95)
        md.inlinePatterns.register(_MarkedAsterisk(r"\*"), "em_strong", 60)
        md.inlinePatterns.register(_MarkedUnderscore(r"_"), "em_strong2", 50)
        md.treeprocessors.deregister("prettify")  # it adds line breaks after <br/> (errbot drops it too)
        self._walker = _Walk(md)
        md.treeprocessors.register(self._walker, "zalouser_styled", -100)

    def convert_styled(self, markdown: str) -> StyledText:
        try:
            self._md.convert(markdown)
            return self._walker.result
        finally:
            self._md.reset()


class _CodeFences(FencedBlockPreprocessor):
    """Fenced code blocks go to the stash as ``<pre>`` elements holding the code exactly."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        while True:
            match = self.FENCED_BLOCK_RE.search(text)
            if match is None:
                return text.split("\n")
            block = etree.Element("pre")
            block.text = match.group("code").rstrip("\n")
            placeholder = self.md.htmlStash.store(block)
            text = f"{text[:match.start()]}\n{placeholder}\n{text[match.end():]}"


class _MarkedAsterisk(AsteriskProcessor):
    """Emphasis with ``*``, remembering its marker for the plain-text form."""

    def build_element(self, m: re.Match[str], builder: str, tags: str, index: int) -> etree.Element:
        return _remember_marker(super().build_element(m, builder, tags, index), "*")


class _MarkedUnderscore(UnderscoreProcessor):
    """Emphasis with ``_``, remembering its marker for the plain-text form."""

    def build_element(self, m: re.Match[str], builder: str, tags: str, index: int) -> etree.Element:
        return _remember_marker(super().build_element(m, builder, tags, index), "_")


def _remember_marker(element: etree.Element, marker: str) -> etree.Element:
    """Mark the emphasis elements just built (the nested ones built earlier are marked already)."""
    for node in element.iter():
        if node.tag in ("em", "strong") and node.get(_MARKER) is None:
            node.set(_MARKER, marker)
    return element


# --- the walk --------------------------------------------------------------------------------------


class _Walk(Treeprocessor):
    """Builds ``self.result`` from the finished tree (the serialised HTML is not used)."""

    def __init__(self, md: Markdown) -> None:
        super().__init__(md)
        self.result = StyledText("")

    def run(self, root: etree.Element) -> None:
        out = _Builder(self.md.htmlStash.rawHtmlBlocks)
        out.blocks(list(root), depth=0)
        self.result = out.finish()


class _Builder:
    """Text under construction, with the styles, indents and marks laid over it."""

    def __init__(self, stash: list[Any]) -> None:
        self._stash = stash
        self._parts: list[str] = []
        self._length = 0
        self._tail = ""  # the last characters written (for line and blank-line checks)
        self._styles: list[StyleRange] = []
        self._marks: list[Mark] = []
        self._indents: list[tuple[int, int]] = []  # (start, end): one indent level over these lines

    # --- output -----------------------------------------------------------------------------------

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

    # --- blocks -------------------------------------------------------------------------------------

    def blocks(self, elements: Iterable[etree.Element], depth: int, *, tight: bool = False) -> None:
        for element in elements:
            if tight:
                self.newline()
            else:
                self.blank_line()
            self.block(element, depth)

    def block(self, element: etree.Element, depth: int) -> None:
        tag = element.tag
        start = self.position
        if tag == "p":
            self._paragraph(element, depth)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.inline_content(element, depth)
            self.line_style(start, BOLD)
            if tag == "h1":
                self.line_style(start, BIG)
        elif tag in ("ul", "ol"):
            self._list(element, depth)
        elif tag == "blockquote":
            self.blocks(list(element), depth + 1)
            self.indent(start)
            self.line_marks(start, "> ", depth)
        elif tag == "pre":
            self.write(_code_text(element))
        elif tag == "hr":
            self.write(RULE)
        elif tag == "table":
            self._table(element, depth)
        elif tag == "dl":
            self._definitions(element, depth)
        elif tag == "div" or any(child.tag in _BLOCKS for child in element):
            self.blocks(list(element), depth + 1)
        else:
            self.inline_content(element, depth)
        self._colour(element, start)

    def _paragraph(self, element: etree.Element, depth: int) -> None:
        stashed = self._stashed_block(element)
        if isinstance(stashed, etree.Element):
            self.write(_code_text(stashed))
        elif isinstance(stashed, str):
            self.write(html.unescape(stashed).strip("\n"))
        else:
            self.inline_content(element, depth)

    def _stashed_block(self, element: etree.Element) -> Any:
        """The stashed block (a code block, raw HTML) a paragraph stands for, if it is only that."""
        if len(element) or not element.text:
            return None
        match = HTML_PLACEHOLDER_RE.fullmatch(element.text.strip())
        if match is None:
            return None
        index = int(match.group(1))
        return self._stash[index] if index < len(self._stash) else None

    def _list(self, element: etree.Element, depth: int) -> None:
        ordered = element.tag == "ol"
        for number, item in enumerate((c for c in element if c.tag == "li"), 1):
            self.newline()
            start = self.position
            self._item(item, depth + 1)
            self.line_style(start, ORDERED_LIST if ordered else UNORDERED_LIST, "first")
            self.line_marks(start, f"{number}. " if ordered else "• ", depth, "first")
            self.indent(start, "rest")
            self.line_marks(start, "  ", depth, "rest")

    def _item(self, item: etree.Element, depth: int) -> None:
        """A list item: its inline content (or first paragraph) on the first line, then its blocks."""
        inline: list[etree.Element] = []
        blocks: list[etree.Element] = []
        for child in item:
            (blocks if blocks or child.tag in _BLOCKS else inline).append(child)
        if (item.text and item.text.strip()) or inline:
            self._inline_run(item.text, inline, depth)
        elif blocks and blocks[0].tag == "p":
            self._paragraph(blocks.pop(0), depth)
        self.blocks(blocks, depth, tight=True)

    def _table(self, table: etree.Element, depth: int) -> None:
        header = [cell for row in table.iter("tr") if any(c.tag == "th" for c in row) for cell in row][:50]
        rows = [[c for c in row if c.tag == "td"] for row in table.iter("tr") if any(c.tag == "td" for c in row)]
        columns = max([len(header), *(len(r) for r in rows)], default=0)
        if columns == 2:
            self._two_columns(header, rows, depth)
            return
        for index, row in enumerate(rows):
            if index:
                self.blank_line()
            for column, cell in enumerate(row):
                label = header[column] if column < len(header) else None
                if not _has_text(cell):
                    continue
                self.newline()
                if label is not None and _has_text(label):
                    self.inline_content(label, depth)
                    self.write(": ")
                self.inline_content(cell, depth)

    def _two_columns(self, header: list[etree.Element], rows: list[list[etree.Element]], depth: int) -> None:
        if any(_has_text(h) for h in header):
            start = self.position
            self._pair(header, depth)
            self.style(start, BOLD)
        for row in rows:
            self.newline()
            self._pair(row, depth)

    def _pair(self, cells: list[etree.Element], depth: int) -> None:
        if cells:
            self.inline_content(cells[0], depth)
        if len(cells) > 1 and _has_text(cells[1]):
            self.write(": ")
            self.inline_content(cells[1], depth)

    def _definitions(self, element: etree.Element, depth: int) -> None:
        for child in element:
            self.newline()
            start = self.position
            if child.tag == "dt":
                self.inline_content(child, depth)
                self.line_style(start, BOLD)
                continue
            if any(c.tag in _BLOCKS for c in child):
                self.blocks(list(child), depth + 1, tight=True)
            else:
                self.inline_content(child, depth)
            self.indent(start)
            self.line_marks(start, "  ", depth)

    # --- inline -------------------------------------------------------------------------------------

    def inline_content(self, element: etree.Element, depth: int) -> None:
        self._inline_run(element.text, list(element), depth)

    def _inline_run(self, text: str | None, children: list[etree.Element], depth: int) -> None:
        self._text_node(text)
        for child in children:
            self._inline(child, depth + 1)
            self._text_node(child.tail)

    def _inline(self, element: etree.Element, depth: int) -> None:
        tag = element.tag
        start = self.position
        if tag == "br":
            self.write("\n")
        elif tag == "code":
            self.write(html.unescape(element.text or ""))
        elif tag == "img":
            self._labelled(element.get("alt") or "", element.get("src") or "")
        elif tag == "a":
            self.inline_content(element, depth)
            label = _flat_text(element)
            href = element.get("href") or ""
            if href and href != label and href != f"mailto:{label}":
                self.write(f" ({href})")
        else:
            self.inline_content(element, depth)
        if tag in ("strong", "em"):
            self.style(start, BOLD if tag == "strong" else ITALIC)
            marker = element.get(_MARKER)
            if marker:
                doubled = marker * (2 if tag == "strong" else 1)
                self.mark(start, doubled, doubled, depth)
        self._colour(element, start)

    def _labelled(self, label: str, target: str) -> None:
        if label and target and label != target:
            self.write(f"{label} ({target})")
        else:
            self.write(label or target)

    def _text_node(self, text: str | None) -> None:
        if not text:
            return
        text = _NEWLINE_INDENT.sub("\n", text)
        position = 0
        for match in HTML_PLACEHOLDER_RE.finditer(text):
            self.write(text[position:match.start()])
            index = int(match.group(1))
            stashed = self._stash[index] if index < len(self._stash) else ""
            self.write(html.unescape(stashed) if isinstance(stashed, str) else _flat_text(stashed))
            position = match.end()
        self.write(text[position:])

    def _colour(self, element: etree.Element, start: int) -> None:
        colour = COLOURS.get((element.get("color") or "").strip().lower())
        if colour:
            for low, high in line_spans(self._text(), start, self.position):
                self._styles.append(StyleRange(low, high - low, colour))


def _code_text(element: etree.Element) -> str:
    """The text of a code block (``<pre>`` from a fence, or ``<pre><code>`` from indentation)."""
    code = element.find("code")
    raw = code.text if code is not None else element.text
    return html.unescape(raw or "").rstrip("\n")


def _flat_text(element: etree.Element) -> str:
    return html.unescape("".join(element.itertext()))


def _has_text(element: etree.Element) -> bool:
    return bool("".join(element.itertext()).strip())
