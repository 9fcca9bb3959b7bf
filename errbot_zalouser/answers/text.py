"""Plain-text formatting for command answers: Markdown escaping, columns, durations.

Answers are Markdown (errbot renders them to plain text), so user-controlled text goes through
``md_escape``; ``table`` escapes its cells itself.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Sequence

from errbot_zalouser import untrusted


def md_escape(text: str) -> str:
    """Escape Markdown so user text (names...) renders literally."""
    return untrusted.markdown_literal(text)


def width(text: str) -> int:
    """Display width: combining marks take no room, wide East Asian characters take two."""
    total = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def one_line(text: str, limit: int = 60) -> str:
    """Text from Zalo or the tool for an answer: one line, no control, ANSI, bidi or zero-width
    characters, cut at ``limit`` (see errbot_zalouser.untrusted)."""
    return untrusted.display(text, limit)


def table(rows: Sequence[Sequence[str]], headers: Sequence[str] | None = None) -> str:
    """Left-aligned columns separated by two spaces, cells Markdown-escaped, no trailing blanks."""
    grid = [list(headers)] if headers else []
    grid += [[one_line(str(cell)) for cell in row] for row in rows]
    if not grid:
        return ""
    widths = [max(width(row[i]) for row in grid if i < len(row)) for i in range(max(map(len, grid)))]
    lines = []
    for row in grid:
        cells = [md_escape(cell) + " " * (widths[i] - width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def duration(seconds: float) -> str:
    """A compact duration: 45s, 5m, 2h05m, 3d04h."""
    total = round(max(seconds, 0.0))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m"
    if total < 86400:
        return f"{total // 3600}h{total % 3600 // 60:02d}m"
    return f"{total // 86400}d{total % 86400 // 3600:02d}h"


def ago(timestamp: float | None, now: float | None = None) -> str:
    """``5m ago`` for an epoch timestamp, ``never`` for None."""
    if not timestamp:
        return "never"
    return f"{duration((time.time() if now is None else now) - timestamp)} ago"

