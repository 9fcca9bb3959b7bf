"""openzca 0.1.58's Markdown-like formatting of ``msg send`` text: plain text plus Zalo style ranges.

Loaded only by the commands that format text (``msg send``, ``msg analyze-text``), so that other
invocations do not pay for compiling these expressions.

The real tool is TypeScript running on JavaScript strings, so everything here works the way it does
there, quirks included:

* Offsets and lengths count **UTF-16 code units** (an emoji outside the BMP counts 2). Text is
  converted to that representation on the way in (``nodejs.to_units``) and back on the way out
  (``nodejs.from_units``).
* Regular expressions use JavaScript's classes: ``.`` stops at ``\\n``, ``\\r``, U+2028 and U+2029,
  ``\\w`` is ASCII only (so ``é_x_`` italicises ``x``: an accented letter is not a word character),
  ``\\s`` is JavaScript's whitespace set, ``\\d`` is ASCII digits.
* Line styles are keyed by the *input* line number while they are applied to the *output* lines, so
  after a fenced code block (whose fence lines are dropped) they land on later lines. The real tool
  does this; so does the model.

The passes, in order: escapes (a backslash before one of ``* _ ~ # \\ { } > + -`` hides that
character from every later pass), line constructs (fences, headings ``#``..``####``, quotes ``>``,
leading-space indents, task items left alone, ordered ``1.`` and unordered ``-``/``*``/``+`` lists),
inline markers (colour/size/underline tags, ``***``, ``**``, ``__``, ``*``, ``_``, ``~~``), a second
pass that turns any remaining single ``*…*`` pair on one line into italics, then the escapes are put
back and the line styles are laid over the final lines.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from errbot_zalouser.simulator.nodejs import SPACE, to_units

Style = dict[str, Any]

# Zalo's style codes (zca-js TextStyle)
BOLD, ITALIC, UNDERLINE, STRIKE = "b", "i", "u", "s"
RED, ORANGE, YELLOW, GREEN = "c_db342e", "c_f27806", "c_f7b503", "c_15a85f"
BIG = "f_18"
UNORDERED_LIST, ORDERED_LIST, INDENT = "lst_1", "lst_2", "ind_$"

TAG_STYLES: dict[str, str | None] = {
    "red": RED,
    "orange": ORANGE,
    "yellow": YELLOW,
    "green": GREEN,
    "small": None,  # tags removed, no style
    "big": BIG,
    "underline": UNDERLINE,
}

# JavaScript regular-expression classes, spelled out for Python's engine.
_S = f"[{SPACE}]"
_DOT = "[^\n\r\u2028\u2029]"
_W = "[A-Za-z0-9_]"

ESCAPABLE = "*_~#\\{}>+-"
_ESCAPE = re.compile(r"\\([*_~#\\{}>+\-])")
_PLACEHOLDER = re.compile("\x01([0-9]+)\x02")
_CODE_MARKERS = re.compile(r"[*_~{}]")
_FENCE = re.compile("^```")
_HEADING = re.compile(f"^(#{{1,4}}){_S}({_DOT}*)\\Z")
_QUOTE = re.compile(f"^(>+){_S}?({_DOT}*)\\Z")
_INDENT = re.compile(f"^({_S}+)({_DOT}*)\\Z")
_TASK = re.compile(f"^[-*+]{_S}\\[[ xX]\\]{_S}")
_ORDERED = re.compile(f"^([0-9]+)\\.{_S}({_DOT}*)\\Z")
_UNORDERED = re.compile(f"^[-*+]{_S}({_DOT}*)\\Z")
_CODE_LEADING = re.compile("^[ \t]+")
_ORPHAN = re.compile(r"\*([^*\n]+?)\*")


class Marker(NamedTuple):
    pattern: re.Pattern[str]
    styles: tuple[str, ...]  # empty for the tag pattern: its style comes from the tag name
    is_tag: bool = False


INLINE_MARKERS: tuple[Marker, ...] = (
    Marker(re.compile(f"\\{{({'|'.join(TAG_STYLES)})\\}}({_DOT}+?)\\{{/\\1\\}}"), (), True),
    Marker(re.compile(f"\\*\\*\\*({_DOT}+?)\\*\\*\\*"), (BOLD, ITALIC)),
    Marker(re.compile(f"\\*\\*({_DOT}+?)\\*\\*"), (BOLD,)),
    Marker(re.compile(f"(?<!{_W})__({_DOT}+?)__(?!{_W})"), (BOLD,)),
    Marker(re.compile(f"\\*({_DOT}+?)\\*"), (ITALIC,)),
    Marker(re.compile(f"(?<!{_W})_({_DOT}+?)_(?!{_W})"), (ITALIC,)),
    Marker(re.compile(f"~~({_DOT}+?)~~"), (STRIKE,)),
)


class Formatted(NamedTuple):
    """The result of parsing: plain text and style ranges, both in UTF-16 units."""

    text: str  # UTF-16 unit string (see to_units)
    styles: list[Style]


class FormatCrash(Exception):
    """The real tool throws a TypeError here (a literal \\x01N\\x02 in the input); the message is Node's."""


class _LineStyle(NamedTuple):
    line: int
    style: str
    indent: int = 0


# --- the parser ---------------------------------------------------------------------------------------


def parse(text: str) -> Formatted:
    """Format ``text`` (a normal Python string) the way ``msg send`` does without ``--raw``."""
    return parse_units(to_units(text))


def parse_units(source: str) -> Formatted:
    escapes: list[str] = []

    def hide(ch: str) -> str:
        escapes.append(ch)
        return f"\x01{len(escapes) - 1}\x02"

    escaped = _ESCAPE.sub(lambda m: hide(m.group(1)), source)
    lines, line_styles, code_lines = _line_pass(escaped.split("\n"))
    for index in code_lines:
        lines[index] = _CODE_MARKERS.sub(lambda m: hide(m.group(0)), lines[index])
    plain, styles = _inline_pass("\n".join(lines))
    plain = _orphan_pass(plain, styles)
    if escapes:
        plain = _restore_escapes(plain, styles, escapes)
    _apply_line_styles(plain, styles, line_styles)
    return Formatted(plain, styles)


def _line_pass(lines: list[str]) -> tuple[list[str], list[_LineStyle], list[int]]:
    out: list[str] = []
    line_styles: list[_LineStyle] = []
    code_lines: list[int] = []
    in_code = False
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            code_lines.append(len(out))
            out.append(_CODE_LEADING.sub(_nbsp, line))
            continue
        heading = _HEADING.match(line)
        if heading:
            line_styles.append(_LineStyle(number, BOLD))
            if len(heading.group(1)) == 1:
                line_styles.append(_LineStyle(number, BIG))
            out.append(heading.group(2))
            continue
        out.append(_block_line(number, line, line_styles))
    return out, line_styles, code_lines


def _block_line(number: int, line: str, line_styles: list[_LineStyle]) -> str:
    """Quotes, indents and lists of one line outside code; returns the line's remaining text."""
    base = 0
    quote = _QUOTE.match(line)
    if quote:
        base = min(5, len(quote.group(1)))
        line = quote.group(2)
    content, level = line, 0
    indent = _INDENT.match(line)
    if indent:
        level = min(5, max(1, len(indent.group(1)) // 2))
        content = indent.group(2)
    total = min(5, base + level)

    def indented() -> None:
        if total > 0:
            line_styles.append(_LineStyle(number, INDENT, total))

    if _TASK.match(content):
        indented()
        return content
    ordered = _ORDERED.match(content)
    if ordered:
        indented()
        line_styles.append(_LineStyle(number, ORDERED_LIST))
        return ordered.group(2)
    unordered = _UNORDERED.match(content)
    if unordered:
        indented()
        line_styles.append(_LineStyle(number, UNORDERED_LIST))
        return unordered.group(1)
    if total > 0:
        indented()
        return content
    return line


def _nbsp(match: re.Match[str]) -> str:
    return match.group(0).replace("\t", "\u00a0" * 4).replace(" ", "\u00a0")


def _inline_pass(text: str) -> tuple[str, list[Style]]:
    segments: list[tuple[str, list[str]]] = [(text, [])]
    for marker in INLINE_MARKERS:
        following: list[tuple[str, list[str]]] = []
        for seg_text, seg_styles in segments:
            last = 0
            for match in marker.pattern.finditer(seg_text):
                if match.start() > last:
                    following.append((seg_text[last : match.start()], list(seg_styles)))
                combined = list(seg_styles)
                if marker.is_tag:
                    inner = match.group(2)
                    style = TAG_STYLES[match.group(1)]
                    if style:
                        combined.append(style)
                else:
                    inner = match.group(1)
                    combined.extend(marker.styles)
                following.append((inner, combined))
                last = match.end()
            if last < len(seg_text):
                following.append((seg_text[last:], list(seg_styles)))
            elif last == 0:
                following.append((seg_text, seg_styles))
        segments = following
    plain_parts: list[str] = []
    styles: list[Style] = []
    offset = 0
    for seg_text, seg_styles in segments:
        for style in seg_styles:
            styles.append({"start": offset, "len": len(seg_text), "st": style})
        plain_parts.append(seg_text)
        offset += len(seg_text)
    return "".join(plain_parts), styles


def _orphan_pass(plain: str, styles: list[Style]) -> str:
    """Every remaining single ``*x*`` on one line: markers removed, ``x`` italic (last match first)."""
    for match in reversed(list(_ORPHAN.finditer(plain))):
        open_pos = match.start()
        content = match.group(1)
        close_pos = open_pos + len(content) + 1
        styles.append({"start": open_pos + 1, "len": len(content), "st": ITALIC})
        plain = plain[:close_pos] + plain[close_pos + 1 :]
        plain = plain[:open_pos] + plain[open_pos + 1 :]
        for style in styles:
            for removed in (close_pos, open_pos):
                if style["start"] > removed:
                    style["start"] -= 1
                elif style["start"] + style["len"] > removed:
                    style["len"] -= 1
    return plain


def _restore_escapes(plain: str, styles: list[Style], escapes: list[str]) -> str:
    shifts: list[tuple[int, int]] = []
    delta = 0
    for match in _PLACEHOLDER.finditer(plain):
        index = int(match.group(1))
        if index >= len(escapes):
            raise FormatCrash("Cannot read properties of undefined (reading 'length')")
        delta += len(match.group(0)) - len(escapes[index])
        shifts.append((match.end(), delta))
    for style in styles:
        start, end = style["start"], style["start"] + style["len"]
        start_delta = end_delta = 0
        for pos, shift in shifts:
            if pos <= start:
                start_delta = shift
            if pos <= end:
                end_delta = shift
        style["start"] = start - start_delta
        style["len"] -= end_delta - start_delta
    return _PLACEHOLDER.sub(lambda m: escapes[int(m.group(1))], plain)


def _apply_line_styles(plain: str, styles: list[Style], line_styles: list[_LineStyle]) -> None:
    if not line_styles:
        return
    offset = 0
    for number, line in enumerate(plain.split("\n")):
        if line:
            for line_style in line_styles:
                if line_style.line != number:
                    continue
                style: Style = {"start": offset, "len": len(line), "st": line_style.style}
                if line_style.style == INDENT:
                    style["indentSize"] = line_style.indent
                styles.append(style)
        offset += len(line) + 1
