"""StyledText -> openzca markers: what openzca 0.1.58 makes of them is exactly the StyledText.

The oracle is zca-sim's model of openzca's parser (``simulator.textfmt``), which
tests/simulator/test_conformance.py checks against the real tool; tests/transport/
test_markers_real.py runs the same cases through a real openzca when ``ZALOUSER_REAL_ZCA`` names one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errbot_zalouser.model import Target
from errbot_zalouser.richtext.card import card_markdown
from errbot_zalouser.richtext.markdown import from_markdown
from errbot_zalouser.richtext.styled import (
    BIG,
    BOLD,
    GREEN,
    INDENT,
    ITALIC,
    ORANGE,
    ORDERED_LIST,
    RED,
    STRIKE,
    UNDERLINE,
    UNORDERED_LIST,
    YELLOW,
    StyledText,
    StyleRange,
)
from errbot_zalouser.simulator import nodejs, textfmt, textsend
from errbot_zalouser.transport.markers import (
    JS_SPACE,
    NotExpressible,
    fits_one_request,
    openzca_styles,
    request_estimate,
    to_markers,
)

DM = Target("2947718306652210431")
GROUP = Target("7031928374650192837", is_group=True)
TAGS = (RED, ORANGE, YELLOW, GREEN, BIG, UNDERLINE)  # in the order the serialiser keeps one of them
NOT_DOT = "\r\u2028\u2029"


def parsed(markers: str) -> tuple[str, list[frozenset[str]]]:
    """What openzca makes of ``markers``: the chat text and each character's styles."""
    result = textfmt.parse(markers)
    text = nodejs.from_units(result.text)
    units = [set[str]() for _ in result.text]
    for style in result.styles:
        name = f"ind_{style['indentSize']}" if style["st"] == INDENT else style["st"]
        for index in range(style["start"], style["start"] + style["len"]):
            units[index].add(name)
    return text, _per_char(text, units)


def _per_char(text: str, units: list[set[str]]) -> list[frozenset[str]]:
    out, position = [], 0
    for ch in text:
        out.append(frozenset(units[position]))
        position += 2 if ord(ch) > 0xFFFF else 1
    return out


def expected(styled: StyledText) -> list[frozenset[str]]:
    """The styles the chat should show per character: the StyledText's, less what the module
    docstring says cannot be sent (styles on a line's leading whitespace and on \\r/U+2028/U+2029,
    line styles of a line holding one of those, all tags after the first; a line that is bold and
    big as a whole is a heading, which frees its tag)."""
    text = styled.text
    result: list[frozenset[str]] = []
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        stylable = not any(ch in NOT_DOT for ch in line)
        lead = line_start + len(line) - len(line.lstrip("".join(JS_SPACE)))
        whole = {s.style for s in styled.styles if s.start <= line_start and s.end >= line_end}
        heading = stylable and {BOLD, BIG} <= whole and not whole & {INDENT, ORDERED_LIST, UNORDERED_LIST}
        for index in range(line_start, line_end):
            here = {s for s in styled.styles if s.start <= index < s.end}
            names = {f"ind_{s.indent_size}" if s.style == INDENT else s.style
                     for s in here if s.style in (INDENT, ORDERED_LIST, UNORDERED_LIST) and stylable}
            names |= {BOLD, BIG} if heading else set()
            if index >= lead and text[index] not in NOT_DOT:
                inline = {s.style for s in here if s.style in (BOLD, ITALIC, STRIKE, *TAGS)}
                tags = [t for t in TAGS if t in inline and not (heading and t == BIG)]
                names |= (inline - set(TAGS)) | set(tags[:1])
            result.append(frozenset(names))
        result.append(frozenset())  # the newline
        line_start = line_end + 1
    return result[: len(text)]


def starts_a_line_with_a_separator(text: str) -> bool:
    """True when a line's leading whitespace holds \\r, U+2028 or U+2029 (see NotExpressible)."""
    spaces = "".join(JS_SPACE)
    return any(c in NOT_DOT for line in text.split("\n") for c in line[: len(line) - len(line.lstrip(spaces))])


def assert_round_trip(styled: StyledText) -> None:
    try:
        markers = to_markers(styled)
    except NotExpressible:
        assert starts_a_line_with_a_separator(styled.text)
        return
    text, styles = parsed(markers)
    assert text == styled.text
    assert styles == expected(styled)


# --- the literals of issue 10's "Done means", and errbot's outputs -------------------------------------

LITERALS = [
    "5*3*2 and a*b",
    r"\*lit\* \_x\_ a\b",
    "a_b snake_case_name __init__",
    "{red}not red{/red} {big}x{/big} {small}y{/small} {blue}z{/blue}",
    "https://ex.com/a_b_c?x=*y*&z=~~q~~",
    "- a leading dash\n+ plus\n* star\n> quote\n# hash\n## two\n##### five",
    "1. first\n2) second\n10. tenth\n1.5 kg",
    "```\ncode fence opener\n```js",
    "    four leading spaces\n\tleading tab\n\u00a0nbsp",
    "- [ ] not a task\n[x] box",
    "backslash at the end \\",
    "\\- escaped in the source",
    "Vietnamese: Nguyễn Văn An, Đào, tiếng Việt *có dấu*",
    "emoji 👍🏽 and 🇻🇳 *stars*",
    "control \x01 0\x02 and \x01x",
]


@pytest.mark.parametrize("text", LITERALS)
def test_literal_text_arrives_exactly(text: str) -> None:
    styled = StyledText(text.replace("\x01", "\ufffd"))
    assert parsed(to_markers(styled)) == (styled.text, [frozenset()] * len(styled.text))


def test_the_openzca_placeholder_character_never_reaches_the_tool() -> None:
    assert "\x01" not in to_markers(StyledText("a \x01 0\x02 b"))


def lines(*parts: tuple[str, tuple[StyleRange, ...]]) -> StyledText:
    """A StyledText from (line, styles relative to the line) pairs."""
    text, styles, offset = [], [], 0
    for line, line_styles in parts:
        styles += [StyleRange(s.start + offset, s.length, s.style, s.indent_size) for s in line_styles]
        text.append(line)
        offset += len(line) + 1
    return StyledText("\n".join(text), tuple(styles))


STYLED_CASES = {
    "bold with italic inside": lines(("bold it bold", (StyleRange(0, 12, BOLD), StyleRange(5, 2, ITALIC)))),
    "italic with bold inside": lines(("it bold it", (StyleRange(0, 10, ITALIC), StyleRange(3, 4, BOLD)))),
    "crossing bold and italic": lines(("abcdef", (StyleRange(0, 4, BOLD), StyleRange(2, 4, ITALIC)))),
    "italic then bold, touching": lines(("ab", (StyleRange(0, 1, ITALIC), StyleRange(1, 1, BOLD)))),
    "bold then italic, touching": lines(("ab", (StyleRange(0, 1, BOLD), StyleRange(1, 1, ITALIC)))),
    "strike across bold": lines(("a b c", (StyleRange(0, 5, STRIKE), StyleRange(2, 1, BOLD)))),
    "colour inside bold": lines(("a b c", (StyleRange(0, 5, BOLD), StyleRange(2, 1, RED)))),
    "two tags on one run": lines(("x", (StyleRange(0, 1, RED), StyleRange(0, 1, UNDERLINE)))),
    "heading": lines(("Title *x*", (StyleRange(0, 9, BOLD), StyleRange(0, 9, BIG)))),
    "heading in a list": lines(("Title", (StyleRange(0, 5, BOLD), StyleRange(0, 5, BIG),
                                          StyleRange(0, 5, UNORDERED_LIST)))),
    "nested lists": lines(("a", (StyleRange(0, 1, UNORDERED_LIST),)),
                          ("1. b", (StyleRange(0, 4, ORDERED_LIST), StyleRange(0, 4, INDENT, 1))),
                          ("  c", (StyleRange(0, 3, INDENT, 2),))),
    "literal number after an indent": lines(("1. x", (StyleRange(0, 4, INDENT, 1),))),
    "task box in a list": lines(("[ ] x", (StyleRange(0, 5, UNORDERED_LIST),))),
    "styled leading number": lines(("1. x", (StyleRange(0, 2, BOLD),))),
    "styled leading space": lines(("  x", (StyleRange(0, 3, ITALIC),))),
    "carriage return in a list line": lines(("a\rb", (StyleRange(0, 3, UNORDERED_LIST), StyleRange(0, 3, BOLD)))),
}


@pytest.mark.parametrize("styled", STYLED_CASES.values(), ids=STYLED_CASES.keys())
def test_styles_arrive_as_styles(styled: StyledText) -> None:
    assert_round_trip(styled)


ERRBOT = json.loads((Path(__file__).parent.parent / "richtext" / "data" / "errbot_6_2_1.json").read_text("utf-8"))
CARD = card_markdown(summary="Build finished", title="errbot-zalouser #42", link="https://ci.example.com/b/42",
                     body="All tests passed in *3 min*.", fields=(("branch", "zca-today"), ("commit", "`940da69`")),
                     color="green")
MARKDOWN = {**{f"errbot {name}": text for name, text in ERRBOT.items() if name != "about"},
            "card": CARD, "fenced code": "```py\n1. x = {'a': *args}\n  - y\n```\n# after the fence\n- still a list",
            "vietnamese": "**Xin chào** _các bạn_, tiếng Việt *có dấu*: Đào, Nguyễn\n> trích dẫn"}


@pytest.mark.parametrize("markdown", MARKDOWN.values(), ids=MARKDOWN.keys())
def test_errbot_replies_arrive_as_meant(markdown: str) -> None:
    assert_round_trip(from_markdown(markdown))


# --- any text, any styles ---------------------------------------------------------------------------------

_CHARS = st.sampled_from([*"ab1. \t*_~#\\{}>+-`[]x\u00a0é👍", "\n", "\r", "{red}", "{/red}", "```"])
_INLINE = st.sampled_from([BOLD, ITALIC, STRIKE, *TAGS])


@st.composite
def styled_texts(draw: st.DrawFn) -> StyledText:
    text = "".join(draw(st.lists(_CHARS, min_size=1, max_size=30)))
    styles: list[StyleRange] = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        styles.append(StyleRange(start, end - start, draw(_INLINE)))
    offset = 0
    for line in text.split("\n"):
        if line:
            kind = draw(st.sampled_from([None, UNORDERED_LIST, ORDERED_LIST]))
            if kind:
                styles.append(StyleRange(offset, len(line), kind))
            indent = draw(st.integers(0, 5))
            if indent:
                styles.append(StyleRange(offset, len(line), INDENT, indent))
        offset += len(line) + 1
    return StyledText(text, tuple(styles))


@settings(max_examples=400, deadline=None)
@given(styled_texts())
def test_any_styled_text_arrives_as_meant(styled: StyledText) -> None:
    assert_round_trip(styled)


# --- the request estimate -------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(styled_texts(), st.booleans())
def test_estimate_is_never_below_the_tools(styled: StyledText, group: bool) -> None:
    target = GROUP if group else DM
    if starts_a_line_with_a_separator(styled.text):
        return
    markers = to_markers(styled)
    payload = textsend.build_payload(nodejs.to_units(markers), raw=False, group=group, members=None)
    analysis = textsend.analyze(payload, group=group, thread_id=target.thread_id, raw_input_length=0)
    assert request_estimate(styled, target) >= analysis["requestParamsLengthEstimate"]


def test_estimate_with_raw_text_counts_no_styles() -> None:
    styled = StyledText("plain")
    payload = textsend.build_payload(nodejs.to_units("plain"), raw=True, group=False, members=None)
    analysis = textsend.analyze(payload, group=False, thread_id=DM.thread_id, raw_input_length=5)
    assert request_estimate(styled, DM, native=False) == analysis["requestParamsLengthEstimate"]


def test_a_heavily_styled_text_of_2000_characters_does_not_fit() -> None:
    words = ["word"] * 400
    text = " ".join(words)[:1999]
    styles = tuple(StyleRange(i * 5, 4, BOLD) for i in range(len(text) // 5))
    styled = StyledText(text, styles)
    assert styled.rendered_length <= 2000
    assert not fits_one_request(styled, DM)
    assert fits_one_request(StyledText(text), DM)


def test_openzca_styles_are_in_utf16_units() -> None:
    styled = StyledText("👍 bold", (StyleRange(2, 4, BOLD),))
    assert openzca_styles(styled) == [(3, 4, BOLD)]
