"""StyledText -> the Markdown-like markers openzca's ``msg send`` parses (0.1.45 and later).

openzca turns its input into plain text plus Zalo styles: ``**b**``, ``*i*``, ``~~s~~``,
``{red}..{/red}`` (and orange, yellow, green, big, underline), ``# `` headings, ``- ``/``1. ``
list lines, leading spaces as indents. ``to_markers`` writes a StyledText in that syntax so that
what the chat shows is exactly the StyledText:

- every character openzca would read as syntax is escaped (a backslash before each of
  ``* _ ~ # \\ { } > + -``, which openzca removes);
- what has no escape is kept literal with ``{small}..{/small}``, which openzca 0.1.45+ removes
  without adding a style: a line's leading whitespace (else read as an indent), the number of a
  line that starts ``1. `` (else a list item whose number is dropped), a leading triple backtick
  (else a code fence) and a ``[ ]`` task box after a list marker. Fences are never used: openzca
  keys line styles by input line, so every list or heading after a fence loses its style;
- each run of text with one set of inline styles is written on its own, inside a tag (its colour,
  size or underline tag, else ``{small}``): openzca reads tags first, so the ``*`` of one run can
  never pair with the ``*`` of another. A tag cannot hold another tag, so of several colour, size
  or underline styles on one run only the first is kept (the text always is);
- a line that contains ``\\r``, U+2028 or U+2029 cannot carry a line style (openzca's line
  patterns stop there) and is sent without one; a line that *starts* with one cannot be kept
  literal at all (it would be read as an indent and no marker can hold it): ``to_markers`` raises
  ``NotExpressible`` and the text goes with ``--raw``.

``request_estimate`` mirrors openzca's estimate of the request size, by which it splits a text
itself; the outbox keeps every chunk under it so that the tool never needs to.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from errbot_zalouser.model import Target
from errbot_zalouser.richtext.styled import (
    BIG,
    BOLD,
    COLOURS,
    INDENT,
    ITALIC,
    ORDERED_LIST,
    STRIKE,
    UNDERLINE,
    UNORDERED_LIST,
    StyledText,
    StyleRange,
    utf16_length,
    utf16_offsets,
)

ESCAPABLE = frozenset("*_~#\\{}>+-")
# JavaScript's \s, and the characters its "." does not match (openzca's patterns stop at them).
JS_SPACE = frozenset("\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                     "\u2028\u2029\u202f\u205f\u3000\ufeff")
_NOT_DOT = frozenset("\r\u2028\u2029")
_TAG_NAMES = {colour: name for name, colour in COLOURS.items()} | {BIG: "big", UNDERLINE: "underline"}
_INLINE = frozenset({*_TAG_NAMES, BOLD, ITALIC, STRIKE})
_OPEN = {BOLD: "**", ITALIC: "*", STRIKE: "~~"}  # outermost first: "***x***" is bold and italic
_ORDERED_START = re.compile(r"[0-9]+\.")
_TASK_BOX = re.compile(r"\[[ xX]\]")
_GUARD = "{{small}}{}{{/small}}"

#: openzca's limits (OPENZCA_TEXT_MESSAGE_MAX_LENGTH, OPENZCA_TEXT_REQUEST_PARAMS_MAX_ESTIMATE).
MAX_RENDERED_LENGTH = 2000
MAX_REQUEST_ESTIMATE = 4000
# The placeholders openzca's estimate uses for the fields that do not come from the text.
_CLIENT_ID = 1_700_000_000_000
_IMEI = "0" * 15


# --- the serialiser --------------------------------------------------------------------------------


def to_markers(styled: StyledText) -> str:
    """``styled`` in openzca's marker syntax (see the module docstring)."""
    return "\n".join(line.markers for line in _plan(styled))


def openzca_styles(styled: StyledText) -> list[tuple[int, int, str]]:
    """The style entries openzca makes of ``to_markers(styled)``, as (start, length, code) in UTF-16
    units: one per style of each run, and the line styles (``ind_<n>0`` for indents)."""
    offsets = utf16_offsets(_text(styled))
    entries = []
    for line in _plan(styled):
        if line.start == line.end:
            continue
        for code in line.line_styles:
            entries.append((offsets[line.start], offsets[line.end] - offsets[line.start], code))
        for low, high, styles in line.runs:
            entries += [(offsets[low], offsets[high] - offsets[low], code) for code in styles]
    return entries


def _text(styled: StyledText) -> str:
    return styled.text.replace("\x01", "\ufffd")  # openzca's own escape placeholders start with \x01


class NotExpressible(ValueError):
    """openzca's syntax cannot carry this text exactly; send it with ``--raw`` instead."""


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    style: str


@dataclass(frozen=True)
class _Line:
    """One line as it is sent: its markers, and what openzca will make of them."""

    start: int
    end: int
    markers: str
    line_styles: tuple[str, ...]
    runs: tuple[tuple[int, int, tuple[str, ...]], ...]


def _plan(styled: StyledText) -> list[_Line]:
    text = _text(styled)
    lines = []
    start = 0
    for raw in text.split("\n"):
        lines.append(_line(text, start, start + len(raw), styled.styles))
        start += len(raw) + 1
    return lines


def _line(text: str, start: int, end: int, styles: tuple[StyleRange, ...]) -> _Line:
    if start == end:
        return _Line(start, end, "", (), ())
    touching = [s for s in styles if s.start < end and s.end > start]
    inline = [_Span(max(s.start, start), min(s.end, end), s.style) for s in touching if s.style in _INLINE]
    can_style_line = not any(ch in _NOT_DOT for ch in text[start:end])
    prefix, line_styles, listed, inline = _line_form(touching, inline, start, end, can_style_line)
    lead = start
    while lead < end and text[lead] in JS_SPACE:
        lead += 1
    if any(ch in _NOT_DOT for ch in text[start:lead]):
        raise NotExpressible("a line starts with \\r, U+2028 or U+2029, which no marker can keep literal")
    if lead == start:
        guarded_lead = ""
    elif listed or not can_style_line:
        guarded_lead = text[start:lead]  # after a list marker (or on a line no pattern reads) spaces stay
    else:
        guarded_lead = _GUARD.format(text[start:lead])  # else they would be read as an indent
    runs = _runs(text, lead, end, [s for s in inline if s.end > lead])
    guard = _guard_start if not guarded_lead and prefix != "# " else None
    body, styled_runs = _body(text, runs, guard, listed)
    return _Line(start, end, prefix + guarded_lead + body, line_styles, tuple(styled_runs))


def _line_form(touching: list[StyleRange], inline: list[_Span], start: int, end: int,
               can_style_line: bool) -> tuple[str, tuple[str, ...], bool, list[_Span]]:
    """(prefix, line styles, listed, the inline styles left) for one line: a ``# `` heading when
    the whole line is bold and big, else list markers and indent spaces."""
    listed = next((s.style for s in touching if s.style in (ORDERED_LIST, UNORDERED_LIST)), None)
    indent = min(5, max((s.indent_size or 1 for s in touching if s.style == INDENT), default=0))
    if not can_style_line:
        return "", (), False, inline
    if _is_heading(inline, start, end) and not listed and not indent:
        rest = [s for s in inline if not (s.style in (BOLD, BIG) and (s.start, s.end) == (start, end))]
        return "# ", (BOLD, BIG), False, rest
    prefix = "  " * indent + ("1. " if listed == ORDERED_LIST else "- " if listed else "")
    styles = ((f"ind_{indent}0",) if indent else ()) + ((listed,) if listed else ())
    return prefix, styles, listed is not None, inline


Run = tuple[int, int, tuple[str, ...]]  # start, end, styles (outermost first)
Guard = Callable[[str, bool], str]


def _body(text: str, runs: list[Run], guard: Guard | None, listed: bool) -> tuple[str, list[Run]]:
    """The markers of a line's runs, and the styled segments openzca will find in them.

    Every styled run stands alone inside a tag: its own colour, size or underline tag, else
    ``{small}``, which openzca removes without a style. openzca reads tags first, so each run is
    a segment of its own and no ``*`` of one run can pair with a ``*`` of the next.
    """
    out: list[str] = []
    for index, (low, high, styles) in enumerate(runs):
        piece = text[low:high]
        if not styles:
            out.append(guard(piece, listed) if guard and index == 0 else _escape(piece))
            continue
        literal = _escape(piece)
        for style in reversed([s for s in styles if s in _OPEN]):
            literal = f"{_OPEN[style]}{literal}{_OPEN[style]}"
        tag = next((_TAG_NAMES[s] for s in styles if s in _TAG_NAMES), "small")
        out.append(f"{{{tag}}}{literal}{{/{tag}}}")
    return "".join(out), [r for r in runs if r[2]]


def _is_heading(inline: list[_Span], start: int, end: int) -> bool:
    whole = {s.style for s in inline if (s.start, s.end) == (start, end)}
    return BOLD in whole and BIG in whole


def _runs(text: str, start: int, end: int, spans: list[_Span]) -> list[Run]:
    """Maximal pieces of ``text[start:end]`` with one set of styles each, in emission order. Styles
    never cover the characters openzca's patterns cannot cross (\\r, U+2028, U+2029)."""
    changes: dict[int, list[tuple[str, int]]] = {start: [], end: []}
    for span in spans:
        changes.setdefault(max(span.start, start), []).append((span.style, 1))
        changes.setdefault(min(span.end, end), []).append((span.style, -1))
    for index in range(start, end):
        if text[index] in _NOT_DOT:
            changes.setdefault(index, [])
            changes.setdefault(index + 1, [])
    active: Counter[str] = Counter()
    runs: list[Run] = []
    points = sorted(p for p in changes if start <= p <= end)
    for low, high in itertools.pairwise(points):
        for style, delta in changes[low]:
            active[style] += delta
        chosen = () if text[low] in _NOT_DOT else _expressible({st for st, n in active.items() if n > 0})
        if runs and runs[-1][2] == chosen:
            runs[-1] = (runs[-1][0], high, chosen)
        else:
            runs.append((low, high, chosen))
    return runs


def _expressible(styles: set[str]) -> tuple[str, ...]:
    """The styles one run can carry, outermost first: one tag at most, then bold, italic, strike."""
    tags = [s for s in (*COLOURS.values(), BIG, UNDERLINE) if s in styles]
    rest = [s for s in (BOLD, ITALIC, STRIKE) if s in styles]
    return tuple(tags[:1] + rest)


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in ESCAPABLE else ch for ch in text)


def _guard_start(chunk: str, listed: bool) -> str:
    """Escape ``chunk`` and keep its start from being read as line syntax (see the module docstring)."""
    if listed:
        box = _TASK_BOX.match(chunk)
        if box and chunk[3:4] in JS_SPACE and len(chunk) > 3:
            return _GUARD.format("[") + _escape(chunk[1:])
        return _escape(chunk)
    number = _ORDERED_START.match(chunk)
    if number and chunk[number.end() : number.end() + 1] in JS_SPACE and len(chunk) > number.end():
        digits = number.end() - 1
        return _GUARD.format(chunk[:digits]) + _escape(chunk[digits:])
    if chunk.startswith("```"):
        return _GUARD.format("`") + _escape(chunk[1:])
    return _escape(chunk)


# --- openzca's request estimate ----------------------------------------------------------------------


def request_estimate(styled: StyledText, target: Target, *, native: bool = True) -> int:
    """openzca's estimate of the request for ``styled`` (``JSON.stringify(params).length``), sent with
    markers (``native``) or with ``--raw``. Mentions count in groups, as the tool resolves them."""
    text = _text(styled)
    offsets = utf16_offsets(text)
    request: dict[str, object] = {"message": text, "clientId": _CLIENT_ID, "ttl": 0}
    if target.is_group:
        request |= {"visibility": 0, "grid": target.thread_id}
    else:
        request |= {"imei": _IMEI, "toid": target.thread_id}
    if styled.mentions and target.is_group:
        mentions = [{"pos": offsets[m.start], "uid": m.user_id, "len": offsets[m.end] - offsets[m.start],
                     "type": 1 if m.user_id == "-1" else 0} for m in styled.mentions]
        request["mentionInfo"] = _json(mentions)
    styles = openzca_styles(styled) if native else []
    if styles:
        request["textProperties"] = _json({"styles": [{"start": a, "len": n, "st": st} for a, n, st in styles],
                                           "ver": 0})
    return utf16_length(_json(request))


def fits_one_request(styled: StyledText, target: Target, *, native: bool = True,
                     max_length: int = MAX_RENDERED_LENGTH, max_estimate: int = MAX_REQUEST_ESTIMATE) -> bool:
    """True when openzca would send ``styled`` as one message (no splitting of its own)."""
    return styled.rendered_length <= max_length and request_estimate(styled, target, native=native) <= max_estimate


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
