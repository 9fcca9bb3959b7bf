r"""JavaScript semantics the real `zca` relies on: strings, numbers and JSON as Node.js has them.

``to_units``/``from_units`` convert to and from JavaScript's string model (UTF-16 code units,
a character outside the BMP is two), ``parse_int`` is ``Number.parseInt(text, 10)``, ``number``
is ``Number(text)``, ``SPACE`` is the set ``\s`` and ``trim`` use, and ``json_error``
approximates V8's ``JSON.parse`` error messages (exact for the common cases: empty or truncated
input, a stray token, trailing data, a missing comma, colon or quote).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping

SPACE = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_RADIX = {"0x": 16, "0o": 8, "0b": 2}
_CONTEXT = 10


def to_units(text: str) -> str:
    """``text`` with every character outside the BMP written as its two UTF-16 surrogates."""
    if all(ord(ch) < 0x10000 for ch in text):
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x10000:
            out.append(ch)
        else:
            code -= 0x10000
            out.append(chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF)))
    return "".join(out)


def from_units(units: str) -> str:
    """Back from :func:`to_units`; a lone surrogate (a pair split by chunking) becomes U+FFFD."""
    if units.isascii():
        return units
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def parse_int(text: str) -> int | None:
    """``Number.parseInt(text, 10)``; None for NaN."""
    body = text.lstrip(SPACE)
    sign = -1 if body[:1] == "-" else 1
    if body[:1] in ("+", "-"):
        body = body[1:]
    digits = re.match(r"[0-9]*", body).group(0)  # type: ignore[union-attr]  # "[0-9]*" always matches
    return sign * int(digits) if digits else None


def number(text: str) -> float:
    """``Number(text)`` for a string: NaN when JavaScript would give NaN."""
    body = text.strip(SPACE)
    if not body:
        return 0.0
    if body in ("Infinity", "+Infinity"):
        return math.inf
    if body == "-Infinity":
        return -math.inf
    radix = _RADIX.get(body[:2].lower())
    if radix is not None:
        try:
            return float(int(body[2:], radix)) if body[2:].isalnum() else math.nan
        except ValueError:
            return math.nan
    return float(body) if _DECIMAL.match(body) else math.nan


def positive_int_env(environ: Mapping[str, str], name: str, fallback: int) -> int:
    """openzca's ``parsePositiveIntFromEnv``: a positive integer prefix, else ``fallback``."""
    raw = (environ.get(name) or "").strip(SPACE)
    if not raw:
        return fallback
    value = parse_int(raw)
    return value if value is not None and value > 0 else fallback


def bool_env(environ: Mapping[str, str], name: str, fallback: bool) -> bool:
    """openzca's strict boolean: ``1/true/yes/on`` and ``0/false/no/off``; anything else: fallback."""
    raw = (environ.get(name) or "").strip(SPACE).lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    return fallback


def json_error(text: str) -> str:
    """The message V8 gives for ``JSON.parse(text)`` ("" when the text parses)."""
    try:
        json.loads(text)
        return ""
    except json.JSONDecodeError as exc:
        return _v8_message(text, exc)
    except ValueError:  # e.g. a lone surrogate
        return "Bad Unicode escape in JSON at position 0"


def _v8_message(text: str, exc: json.JSONDecodeError) -> str:
    pos, msg = exc.pos, exc.msg
    if msg.startswith("Unterminated string"):
        return f"Unterminated string in JSON at position {len(text)}"
    if msg == "Extra data":
        return f"Unexpected non-whitespace character after JSON at position {pos}"
    if msg.startswith("Expecting property name"):
        before = text[:pos].rstrip(" \t\n\r")
        if before.endswith(","):
            return f"Expected double-quoted property name in JSON at position {pos}"
        return f"Expected property name or '}}' in JSON at position {pos}"
    if msg == "Expecting ',' delimiter":
        closer = "]" if _innermost_open(text[:pos]) == "[" else "}"
        what = "array element" if closer == "]" else "property value"
        return f"Expected ',' or '{closer}' after {what} in JSON at position {pos}"
    if msg == "Expecting ':' delimiter":
        return f"Expected ':' after property name in JSON at position {pos}"
    if msg == "Invalid control character at":
        return f"Bad control character in string literal in JSON at position {pos}"
    pos = _literal_mismatch(text, pos)
    if pos >= len(text):
        return "Unexpected end of JSON input"
    return f"Unexpected token '{text[pos]}', {_context(text, pos)} is not valid JSON"


def _literal_mismatch(text: str, pos: int) -> int:
    """Where a partial ``null``/``true``/``false`` stops matching (V8 reports that character)."""
    for word in ("null", "true", "false"):
        if text.startswith(word[0], pos):
            index = 0
            while index < len(word) and pos + index < len(text) and text[pos + index] == word[index]:
                index += 1
            return pos + index
    return pos


def _innermost_open(text: str) -> str:
    depth: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            escaped = not escaped and ch == "\\"
            in_string = escaped or ch != '"'
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth.append(ch)
        elif ch in "]}" and depth:
            depth.pop()
    return depth[-1] if depth else ""


def _context(text: str, pos: int) -> str:
    if len(text) <= 2 * _CONTEXT:
        return f'"{text}"'
    start, end = max(0, pos - _CONTEXT), min(len(text), pos + _CONTEXT)
    return ("..." if start > 0 else "") + f'"{text[start:end]}"' + ("..." if end < len(text) else "")
