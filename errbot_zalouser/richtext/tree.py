"""A Python-Markdown element tree -> StyledText: what each element of errbot's Markdown becomes.

See ``richtext.markdown`` for the rules; ``TreeWalker`` is their code. Raw HTML and fenced code
come out of Python-Markdown's stash (``stash``), where the converter put them.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterable
from typing import Any

from markdown.util import HTML_PLACEHOLDER_RE

from errbot_zalouser.richtext.builder import TextBuilder
from errbot_zalouser.richtext.styled import (
    BIG,
    BOLD,
    COLOURS,
    ITALIC,
    ORDERED_LIST,
    UNORDERED_LIST,
    StyledText,
)

RULE = "─" * 10
MARKER = "data-zalouser-marker"  # the attribute in which an emphasis element keeps its marker
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "hr",
                     "table", "dl", "div"})
_NEWLINE_INDENT = re.compile(r"\n[ \t]+")


def styled_from_tree(root: etree.Element, stash: list[Any]) -> StyledText:
    """The StyledText of a finished Markdown tree."""
    walker = TreeWalker(stash)
    walker.blocks(list(root), depth=0)
    return walker.finish()


class TreeWalker(TextBuilder):
    """Walks blocks and inline elements into the text being built."""

    def __init__(self, stash: list[Any]) -> None:
        super().__init__()
        self._stash = stash

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
            marker = element.get(MARKER)
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
            self.line_style(start, colour)


def _code_text(element: etree.Element) -> str:
    """The text of a code block (``<pre>`` from a fence, or ``<pre><code>`` from indentation)."""
    code = element.find("code")
    raw = code.text if code is not None else element.text
    return html.unescape(raw or "").rstrip("\n")


def _flat_text(element: etree.Element) -> str:
    return html.unescape("".join(element.itertext()))


def _has_text(element: etree.Element) -> bool:
    return bool("".join(element.itertext()).strip())
