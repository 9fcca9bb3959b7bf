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


def inspect(value: Any) -> str:
    """Node's ``util.inspect`` layout (what ``console.log(obj)`` prints): an object or array goes on
    one line when it fits in 80 columns and holds at most two more levels of non-empty objects
    after it (Node's ``compact: 3``), else one entry per line, indented by two."""
    return _Inspector().format(value, 0)


class _Inspector:
    def __init__(self) -> None:
        self.current_depth = 0  # Node's ctx.currentDepth: the depth of the last container entered

    def format(self, value: Any, indent: int, depth: int = 0) -> str:
        if isinstance(value, dict):
            if not value:
                return "{}"
            return self._container(value.items(), "{", "}", indent, depth, keyed=True)
        if isinstance(value, (list, tuple)):
            if not value:
                return "[]"
            return self._container(enumerate(value), "[", "]", indent, depth, keyed=False)
        return _scalar(value)

    def _container(self, items: Any, open_: str, close: str, indent: int, depth: int, *, keyed: bool) -> str:
        depth += 1
        self.current_depth = depth
        entries = []
        for key, item in items:
            text = self.format(item, indent + 2, depth)
            entries.append(f"{_key(key)}: {text}" if keyed else text)
        start = len(entries) + indent + len(open_) + 10
        single = all("\n" not in entry for entry in entries)
        fits = start + sum(len(entry) for entry in entries) + len(entries) <= _BREAK_LENGTH
        if self.current_depth - depth < _COMPACT and single and fits:
            return f"{open_} {', '.join(entries)} {close}"
        pad = " " * (indent + 2)
        return open_ + "\n" + ",\n".join(pad + entry for entry in entries) + "\n" + " " * indent + close


_COMPACT = 3


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


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """``console.table(rows, columns)``: a box-drawn table with an ``(index)`` column."""
    header = ["(index)", *columns]
    body = [[str(i), *(inspect(row.get(c)) if c in row else "" for c in columns)] for i, row in enumerate(rows)]
    widths = [max(len(r[i]) for r in [header, *body]) + 2 for i in range(len(header))]

    def line(left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * w for w in widths) + right

    def cells(values: list[str]) -> str:
        return "│" + "│".join(f" {v}".ljust(w) for v, w in zip(values, widths, strict=False)) + "│"

    out = [line("┌", "┬", "┐"), cells(header), line("├", "┼", "┤")]
    out += [cells(r) for r in body]
    out.append(line("└", "┴", "┘"))
    return "\n".join(out) + "\n"
