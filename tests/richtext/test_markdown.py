"""Errbot's Markdown -> StyledText: what each construct becomes, natively and as plain text."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from errbot_zalouser.richtext import markdown as markdown_module
from errbot_zalouser.richtext.markdown import RULE, from_markdown
from errbot_zalouser.richtext.plain import plain_form
from errbot_zalouser.richtext.styled import StyledText

ERRBOT = json.loads((Path(__file__).parent / "data" / "errbot_6_2_1.json").read_text(encoding="utf-8"))


def spans(styled: StyledText) -> set[tuple[str, str]]:
    """(covered text, style) for every style; indents as ``ind_<n>``."""
    return {(styled.text[s.start:s.end], f"ind_{s.indent_size}" if s.style == "ind_$" else s.style)
            for s in styled.styles}


# (Markdown, chat text, styles as (covered text, style), plain-text form)
CASES = {
    "emphasis": ("**bold** and *it* and __b2__ and _i2_", "bold and it and b2 and i2",
                 {("bold", "b"), ("it", "i"), ("b2", "b"), ("i2", "i")}, "**bold** and *it* and __b2__ and _i2_"),
    "5*3*2 is an italic 3": ("5*3*2", "532", {("3", "i")}, "5*3*2"),
    "bold and italic": ("***x***", "x", {("x", "b"), ("x", "i")}, "***x***"),
    "escaped markers stay": (r"\*lit\* \_x\_ 1\. first \# h \- d", "*lit* _x_ 1. first # h - d", set(),
                             "*lit* _x_ 1. first # h - d"),
    "intraword underscores": ("a_b snake_case_name", "a_b snake_case_name", set(), "a_b snake_case_name"),
    "braces": ("{red}x{/red} {big}", "{red}x{/red} {big}", set(), "{red}x{/red} {big}"),
    "code span": ("run `5*3 a_b {red}` now", "run 5*3 a_b {red} now", set(), "run 5*3 a_b {red} now"),
    "code block": ("```py\n1. x\n  - y\n```", "1. x\n  - y", set(), "1. x\n  - y"),
    "indented code": ("    a*b\n    # c", "a*b\n# c", set(), "a*b\n# c"),
    "headings": ("# One\n## Two\n##### Five", "One\n\nTwo\n\nFive",
                 {("One", "b"), ("One", "f_18"), ("Two", "b"), ("Five", "b")}, "One\n\nTwo\n\nFive"),
    "list": ("- a\n- b", "a\nb", {("a", "lst_1"), ("b", "lst_1")}, "• a\n• b"),
    "ordered list": ("1. a\n2. b", "a\nb", {("a", "lst_2"), ("b", "lst_2")}, "1. a\n2. b"),
    "ordered list from 5": ("5. a\n6. b", "a\nb", {("a", "lst_2"), ("b", "lst_2")}, "1. a\n2. b"),
    "nested list": ("- a\n    - b\n- c", "a\nb\nc", {("a", "lst_1"), ("b", "lst_1"), ("b", "ind_1"), ("c", "lst_1")},
                    "• a\n  • b\n• c"),
    "item on two lines": ("- long\n  item", "long\nitem", {("long", "lst_1"), ("item", "ind_1")}, "• long\n  item"),
    "quote": ("> q\n> r", "q\nr", {("q", "ind_1"), ("r", "ind_1")}, "> q\n> r"),
    "list in a quote": ("> text\n>\n> - li", "text\n\nli", {("text", "ind_1"), ("li", "ind_1"), ("li", "lst_1")},
                        "> text\n\n> • li"),
    "link": ("see [docs](https://x.y/a_b)", "see docs (https://x.y/a_b)", set(), "see docs (https://x.y/a_b)"),
    "autolink": ("<https://x.y/a_b?q=*y*>", "https://x.y/a_b?q=*y*", set(), "https://x.y/a_b?q=*y*"),
    "image": ("![logo](https://x.y/l.png)", "logo (https://x.y/l.png)", set(), "logo (https://x.y/l.png)"),
    "rule": ("a\n\n---\n\nb", f"a\n\n{RULE}\n\nb", set(), f"a\n\n{RULE}\n\nb"),
    "entities": ("&copy; & < &amp;", "© & < &", set(), "© & < &"),
    "line breaks": ("one\ntwo<br/>three", "one\ntwo\nthree", set(), "one\ntwo\nthree"),
    "colour": ("**A**{:color='green'} = on, **B**{:color='blue'} = off", "A = on, B = off",
               {("A", "b"), ("A", "c_15a85f"), ("B", "b")}, "**A** = on, **B** = off"),
    "two-column table": ("| key | value\n| --- | ---\n| person | `@admin`\n| nick | None",
                         "key: value\nperson: @admin\nnick: None", {("key: value", "b")},
                         "key: value\nperson: @admin\nnick: None"),
    "three-column table": ("a | b | c\n--|--|--\n1 | 2 | 3\n4 | | 6", "a: 1\nb: 2\nc: 3\n\na: 4\nc: 6", set(),
                           "a: 1\nb: 2\nc: 3\n\na: 4\nc: 6"),
    "definitions": ("Term\n: meaning", "Term\nmeaning", {("Term", "b"), ("meaning", "ind_1")}, "Term\n  meaning"),
    "vietnamese": ("**Xin chào** _các bạn_, tiếng Việt có dấu", "Xin chào các bạn, tiếng Việt có dấu",
                   {("Xin chào", "b"), ("các bạn", "i")}, "**Xin chào** _các bạn_, tiếng Việt có dấu"),
}


@pytest.mark.parametrize(("markdown", "text", "styles", "plain"), CASES.values(), ids=CASES.keys())
def test_constructs(markdown: str, text: str, styles: set[tuple[str, str]], plain: str) -> None:
    styled = from_markdown(markdown)
    assert styled.text == text
    assert spans(styled) == styles
    assert plain_form(styled).text == plain


@pytest.mark.parametrize("markdown", ["", "   ", "\n\n"])
def test_blank_markdown_is_empty(markdown: str) -> None:
    assert from_markdown(markdown) == StyledText("")


def test_markdown_the_converter_cannot_read_is_sent_as_it_is(monkeypatch, caplog) -> None:
    def broken() -> None:
        raise RuntimeError("converter bug")

    monkeypatch.setattr(markdown_module, "_converter", broken)
    assert from_markdown("  **x** and *y*  ") == StyledText("**x** and *y*")
    assert "as it is" in caplog.text


@pytest.mark.parametrize("markdown", ["`" * 4000, "code: " + "`" * 40 + " end"])
def test_a_long_run_of_backticks_is_shown_as_it_is(markdown: str) -> None:
    """Python-Markdown takes time cubic in such a run; it is shown literally instead."""
    assert from_markdown(markdown) == StyledText(markdown)


def test_concurrent_conversions_give_identical_results() -> None:
    docs = [f"# Title {i}\n\nText **{i}** with `code`\n\n| a | b |\n|---|---|\n| {i} | x |" for i in range(40)]
    expected = [from_markdown(d) for d in docs]
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in range(5):
            assert list(pool.map(from_markdown, docs)) == expected


# --- errbot's own replies ---------------------------------------------------------------------------


def test_help_lists_commands_with_bold_names() -> None:
    styled = from_markdown(ERRBOT["help"])
    assert styled.text.startswith("All commands\n\nHealth\n\nCore plugin for bot lifecycle")
    assert "\n!echo - A simple echo command. Useful for encoding tests etc ...\n" in styled.text
    assert ("!echo", "b") in spans(styled) and ("All commands", "b") in spans(styled)
    assert ("!echo - A simple echo command. Useful for encoding tests etc ...", "lst_1") in spans(styled)
    assert "• **!echo** - A simple echo command." in plain_form(styled).text


def test_whoami_is_key_value_lines_without_grids_or_backticks() -> None:
    styled = from_markdown(ERRBOT["whoami"])
    assert styled.text == ("key: value\nperson: @admin\nnick: None\nfullname: None\nclient: None\nemail: None\n\n"
                           "string representation is '@admin'\nclass is 'TestPerson'")
    assert "┏" not in styled.text and "`" not in styled.text


def test_status_table_is_lines_with_coloured_states() -> None:
    styled = from_markdown(ERRBOT["status"])
    lines = styled.text.splitlines()
    assert lines[:5] == ["Yes I am alive...", "", "Plugins", "", "Status: Name"]
    assert "A: ACLs" in lines and "D: Backup" in lines
    assert ("A", "c_15a85f") in spans(styled) and ("Yes I am alive...", "b") in spans(styled)
    # errbot 6.2.1's template glues these two lines itself; the text is shown as errbot wrote it
    assert lines[-1].startswith("Load ") and "GC 0->" in lines[-1]


def test_render_test_keeps_every_character_and_drops_only_syntax() -> None:
    styled = from_markdown(ERRBOT["render test"])
    text = styled.text
    assert "image: Err is talking (http://errbot.io/_static/errbot.png)" in text
    assert "link: This is a link (http://www.errbot.io)." in text
    assert "First Header: Second Header\nContent Cell: bold" in text
    assert '{\n"employees":[\n    {"firstName":"John", "lastName":"Doe"}, ' in text
    assert "Copyright: ©\nNatural amp: &\nLess : <" in text
    assert not any(marker in text for marker in ("```", "**", "┏", "│", "{:"))
    assert {("element one", "lst_1"), ("This is an H1", "f_18"), ("italic", "i"), ("Red paragraph", "c_db342e")} \
        <= spans(styled)
