"""Text from Zalo made harmless wherever it lands: chat replies, admin notices, status and logs.

Display names, group names, message text and the tool's error output are chosen by whoever
writes to the bot. Shown as they are, they can forge structure: a newline starts a fake line in
a notice or in errbot.log, ANSI escapes recolour or erase a terminal, bidi overrides reorder what
is read, zero-width characters make two names look alike, and a long name pushes the real text
out of sight.

- ``display(text, limit)`` for people: every control, format and invisible character removed
  (line breaks and tabs become spaces), ANSI sequences removed, blanks collapsed, cut at
  ``limit`` characters with an ellipsis.
- ``for_log(text, limit)`` for log lines: nothing removed, but every such character escaped
  (``\\n``, ``\\x1b``, ``\\u202e``), so one event stays one line and the escape shows what was sent.
- ``markdown_literal(text)`` text placed in a Markdown reply or notice, escaped so that it
  renders as written.
- ``zalo_name(name, user_id)`` the way a name is always shown: next to the id it belongs to,
  quoted and marked as what Zalo reports, e.g. ``3318205567419902764 (Zalo name "Alice")``.
"""

from __future__ import annotations

import re
import unicodedata

NAME_LIMIT = 64
LOG_LIMIT = 500

# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and 2-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
# Separators and invisible characters that unicodedata does not file under Cc/Cf.
_SPACES = frozenset("\u2028\u2029\u0085")
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u034f\u17b4\u17b5")  # Hangul fillers, CGJ, Khmer vowels
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|{}>])")  # what errbot's Markdown reads, and unescapes
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _hidden(char: str) -> bool:
    """Control (Cc), format (Cf: bidi marks and overrides, zero-width, tags), surrogate, private,
    unassigned, or one of the blank-looking letters above."""
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") or char in _INVISIBLE


def display(text: str, limit: int = NAME_LIMIT) -> str:
    """``text`` for a person to read: one line, nothing hidden, at most ``limit`` characters."""
    text = _ANSI.sub("", str(text))
    kept = []
    for char in text:
        if char.isspace() or char in _SPACES:
            kept.append(" ")
        elif not _hidden(char):
            kept.append(char)
    flat = " ".join("".join(kept).split())
    return flat if len(flat) <= limit else flat[: max(limit - 1, 0)] + "…"


def for_log(text: str, limit: int = LOG_LIMIT) -> str:
    """``text`` for a log line: every control, format or invisible character escaped; cut at
    ``limit`` characters (the count of what was cut is said)."""
    text = str(text)
    cut = len(text) - limit if len(text) > limit else 0
    shown = []
    for char in text[:limit] if cut else text:
        if char == "\\":
            shown.append("\\\\")
        elif char != " " and (_hidden(char) or char.isspace() or char in _SPACES):
            shown.append(_escape(char))
        else:
            shown.append(char)
    return "".join(shown) + (f"…(+{cut} chars)" if cut else "")


def _escape(char: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def markdown_literal(text: str) -> str:
    """``text`` with every character errbot's Markdown would act on escaped (a backslash before it)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def zalo_name(name: str, user_id: str, limit: int = NAME_LIMIT) -> str:
    """``<id> (Zalo name "<name>")``, or the id alone when Zalo reported no usable name.

    Double quotes inside the name become single ones, so the quoted part cannot be closed early.
    """
    shown = display(name, limit).replace('"', "'")
    return f'{user_id} (Zalo name "{shown}")' if shown else user_id
