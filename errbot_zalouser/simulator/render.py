"""How `zca` prints values: pretty JSON (``-j``), Node's ``util.inspect`` dump, ``console.table``."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

_IDENT_RE = re.compile(r"^[A-Za-z_$][\w$]*$")
_BREAK_LENGTH = 80


class Literal:
    """Text printed as-is by :func:`inspect` (e.g. a msgId that Node prints as a bare number)."""

    def __init__(self, text: str) -> None:
        self.text = text


def to_json(value: Any) -> str:
    """``JSON.stringify(value, null, 2)``: 2-space indent, non-ASCII kept, newline added."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def compact_json(value: Any) -> str:
    """One-line JSON (the ``listen -r`` format), without the newline."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def inspect(value: Any, indent: int = 0) -> str:
    """An approximation of Node's ``util.inspect`` (what ``console.log(obj)`` prints)."""
    if isinstance(value, dict):
        items = [f"{_key(k)}: {inspect(v, indent + 2)}" for k, v in value.items()]
        return _braces(items, "{", "}", indent)
    if isinstance(value, (list, tuple)):
        return _braces([inspect(v, indent + 2) for v in value], "[", "]", indent)
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Literal):
        return value.text
    return _quote(str(value))


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("\n", "\\n")
    if "'" in text and '"' not in text:
        return f'"{escaped}"'
    return "'" + escaped.replace("'", "\\'") + "'"


def _key(key: Any) -> str:
    text = str(key)
    return text if _IDENT_RE.match(text) else _quote(text)


def _braces(items: list[str], open_: str, close: str, indent: int) -> str:
    if not items:
        return open_ + close
    start = len(items) + indent + len(open_) + 10
    single = all("\n" not in item for item in items)
    if single and start + sum(len(item) for item in items) + len(items) <= _BREAK_LENGTH:
        return f"{open_} {', '.join(items)} {close}"
    pad = " " * (indent + 2)
    return open_ + "\n" + ",\n".join(pad + item for item in items) + "\n" + " " * indent + close


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """``console.table(rows, columns)``: a box-drawn table with an ``(index)`` column."""
    header = ["(index)", *columns]
    body = [[str(i), *(inspect(row.get(c)) if c in row else "" for c in columns)] for i, row in enumerate(rows)]
    widths = [max(len(r[i]) for r in [header, *body]) + 2 for i in range(len(header))]

    def line(left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * w for w in widths) + right

    def cells(values: list[str]) -> str:
        return "│" + "│".join(f" {v}".ljust(w) for v, w in zip(values, widths)) + "│"

    out = [line("┌", "┬", "┐"), cells(header), line("├", "┼", "┤")]
    out += [cells(r) for r in body]
    out.append(line("└", "┴", "┘"))
    return "\n".join(out) + "\n"
