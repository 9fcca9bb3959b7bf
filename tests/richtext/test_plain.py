"""plain_form: marks written out in nesting order, styles dropped, mentions moved along."""

from __future__ import annotations

from errbot_zalouser.richtext.markdown import from_markdown
from errbot_zalouser.richtext.plain import plain_form
from errbot_zalouser.richtext.styled import BOLD, Mark, MentionRange, StyledText, StyleRange


def test_without_marks_only_the_styles_go() -> None:
    styled = StyledText("hi", (StyleRange(0, 2, BOLD),), (MentionRange(0, 2, "1"),))
    assert plain_form(styled) == StyledText("hi", (), (MentionRange(0, 2, "1"),))


def test_marks_nest_outer_first_and_close_inner_first() -> None:
    styled = StyledText("ab", marks=(Mark(0, 2, "**", "**", rank=1), Mark(0, 1, "_", "_", rank=2),
                                     Mark(0, 0, "• ", rank=0)))
    assert plain_form(styled).text == "• **_a_b**"


def test_touching_marks_close_before_they_open() -> None:
    styled = StyledText("ab", marks=(Mark(0, 1, "*", "*"), Mark(1, 2, "**", "**")))
    assert plain_form(styled).text == "*a***b**"


def test_a_mention_moves_past_a_bullet_at_its_start() -> None:
    styled = StyledText("@An hi", (), (MentionRange(0, 3, "7"),), (Mark(0, 0, "• "),))
    assert plain_form(styled) == StyledText("• @An hi", (), (MentionRange(2, 3, "7"),))


def test_nested_list_in_a_quote() -> None:
    assert plain_form(from_markdown("> - a\n>     - b\n> - c")).text == "> • a\n>   • b\n> • c"
