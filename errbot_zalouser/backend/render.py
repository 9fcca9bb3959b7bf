"""Markdown (Errbot's reply format) to Zalo plain text.

Prose goes through errbot's text renderer; fenced code blocks are kept verbatim so that code
survives and the chunker can close and reopen fences. Python-Markdown converters are not
thread-safe and replies are rendered from errbot's worker threads, so each thread gets its own.
"""

from __future__ import annotations

import re
import threading

from errbot.rendering import text as text_converter

_FENCED = re.compile(r"^(?P<fence>```|~~~)[^\n]*\n.*?^(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL)


class MarkdownRenderer:
    def __init__(self) -> None:
        self._local = threading.local()

    def render(self, markdown: str) -> str:
        parts: list[str] = []
        position = 0
        for block in _FENCED.finditer(markdown):
            parts.append(self._prose(markdown[position : block.start()]))
            parts.append(block.group(0))
            position = block.end()
        parts.append(self._prose(markdown[position:]))
        return "\n".join(p for p in parts if p).strip("\n")

    def _prose(self, markdown: str) -> str:
        if not markdown.strip():
            return ""
        converter = getattr(self._local, "converter", None)
        if converter is None:
            converter = self._local.converter = text_converter()
        try:
            rendered = converter.convert(markdown)
        finally:
            converter.reset()
        return "\n".join(line.removeprefix(" ") for line in rendered.splitlines()).strip("\n")
