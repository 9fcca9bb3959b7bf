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

This module sets Python-Markdown up as errbot does; ``richtext.tree`` walks the tree it builds.
"""

from __future__ import annotations

import logging
import re
import threading
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.extensions.extra import ExtraExtension
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.inlinepatterns import AsteriskProcessor, SubstituteTagPattern, UnderscoreProcessor
from markdown.treeprocessors import Treeprocessor

from errbot_zalouser.richtext.styled import StyledText
from errbot_zalouser.richtext.tree import MARKER, RULE, styled_from_tree

__all__ = ["RULE", "from_markdown"]

log = logging.getLogger(__name__)

_LONG_BACKTICK_RUN = re.compile("`{33,}")


def from_markdown(markdown: str) -> StyledText:
    """The StyledText errbot's Markdown ``markdown`` stands for (see the module docstring)."""
    if not markdown.strip():
        return StyledText("")
    # Python-Markdown needs time cubic in the length of one run of backticks (2,000 take 20 s of
    # CPU); no code span needs more than a few, so a long run is shown as the backticks it is.
    markdown = _LONG_BACKTICK_RUN.sub(lambda run: "\\`" * len(run.group()), markdown)
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
        if node.tag in ("em", "strong") and node.get(MARKER) is None:
            node.set(MARKER, marker)
    return element


# --- the walk --------------------------------------------------------------------------------------


class _Walk(Treeprocessor):
    """Builds ``self.result`` from the finished tree (the serialised HTML is not used)."""

    def __init__(self, md: Markdown) -> None:
        super().__init__(md)
        self.result = StyledText("")

    def run(self, root: etree.Element) -> None:
        self.result = styled_from_tree(root, self.md.htmlStash.rawHtmlBlocks)
