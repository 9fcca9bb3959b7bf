"""StyledText: checked ranges, slicing and insertion move styles, mentions and marks with the text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errbot_zalouser.richtext.styled import (
    BOLD,
    ITALIC,
    Mark,
    MentionRange,
    StyledText,
    StyleRange,
    line_spans,
    styles_by_char,
    utf16_length,
    utf16_offsets,
)


@pytest.mark.parametrize("bad", [
    StyleRange(-1, 2, BOLD), StyleRange(0, 0, BOLD), StyleRange(3, 5, BOLD), MentionRange(4, 3, "1"),
])
def test_a_range_outside_the_text_is_refused(bad: StyleRange | MentionRange) -> None:
    with pytest.raises(ValueError, match="outside the text"):
        StyledText("hello", (bad,) if isinstance(bad, StyleRange) else (), (bad,) if isinstance(bad, MentionRange) else ())


def test_a_mark_outside_the_text_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the text"):
        StyledText("hi", marks=(Mark(1, 3, "*", "*"),))


def test_slice_clips_and_rebases() -> None:
    styled = StyledText("hello world", (StyleRange(3, 5, BOLD),), (MentionRange(6, 5, "1"),), (Mark(3, 8, "**", "**"),))
    assert styled.slice(0, 5) == StyledText("hello", (StyleRange(3, 2, BOLD),), (), (Mark(3, 5, "**", "**"),))
    assert styled.slice(6, 11) == StyledText("world", (StyleRange(0, 2, BOLD),), (MentionRange(0, 5, "1"),),
                                             (Mark(0, 2, "**", "**"),))
    assert styled.slice(4, 4) == StyledText("")


def test_an_insertion_mark_goes_with_the_text_after_it() -> None:
    styled = StyledText("a\nb", marks=(Mark(2, 2, "• "),))
    assert styled.slice(0, 2).marks == ()
    assert styled.slice(2, 3).marks == (Mark(0, 0, "• "),)


def test_insert_moves_everything_and_grows_a_covering_range() -> None:
    styled = StyledText("ab cd", (StyleRange(0, 5, BOLD), StyleRange(3, 2, ITALIC)), (MentionRange(3, 2, "7"),),
                        (Mark(3, 3, "• "),))
    moved = styled.insert([(3, "XY"), (0, ">")])
    assert moved.text == ">ab XYcd"
    assert moved.styles == (StyleRange(1, 7, BOLD), StyleRange(6, 2, ITALIC))
    assert moved.mentions == (MentionRange(6, 2, "7"),)
    assert moved.marks == (Mark(6, 6, "• "),)


def test_utf16_lengths() -> None:
    assert utf16_length("a👍é") == 4
    assert utf16_offsets("a👍é") == [0, 1, 3, 4]
    assert StyledText("🇻🇳").rendered_length == 4


def test_line_spans_skip_empty_lines() -> None:
    assert line_spans("ab\n\ncd\n") == [(0, 2), (4, 6)]
    assert line_spans("ab\ncd", 1, 4) == [(1, 2), (3, 4)]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=30), st.data())
def test_slices_put_back_together_keep_every_characters_styles(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    length = data.draw(st.integers(1, len(text) - start))
    styled = StyledText(text, (StyleRange(start, length, BOLD),))
    cut = data.draw(st.integers(0, len(text)))
    parts = [styled.slice(0, cut), styled.slice(cut, len(text))]
    assert "".join(p.text for p in parts) == text
    assert [s for p in parts for s in styles_by_char(p)] == styles_by_char(styled)
