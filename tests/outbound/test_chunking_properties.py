"""Property tests for chunk_styled / chunk_text: limits, no lost or reordered content or style."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errbot_zalouser.outbound.chunking import chunk_styled, chunk_text
from errbot_zalouser.richtext.styled import BOLD, ITALIC, MentionRange, StyledText, StyleRange, styles_by_char

_LETTERS = "abcxyzABC0123456789.,;:!?()[]-_'\"/ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợứừửữựíìỉĩịýỳỷỹỵ😀🎉👍🏽❤️中文`~"

words = st.text(alphabet=_LETTERS, min_size=1, max_size=12)
word_line = st.lists(words, min_size=1, max_size=12).map(" ".join)
long_word = st.text(alphabet=_LETTERS, min_size=20, max_size=150)
blank_line = st.sampled_from(["", "", "  ", "\t"])
line = st.one_of(word_line, word_line, long_word, blank_line)
documents = st.lists(line, min_size=0, max_size=40).map("\n".join)
limits = st.integers(min_value=24, max_value=240)
modes = st.sampled_from(["length", "newline"])


def _content(text: str) -> str:
    """The non-whitespace characters, in order."""
    return re.sub(r"\s+", "", text)


def _mentionable(label: str) -> bool:
    """Like "@Minh Anh": short, on one line, no space at either end."""
    return len(label) < 12 and "\n" not in label and label == label.strip()


@st.composite
def styled_documents(draw: st.DrawFn) -> StyledText:
    text = draw(documents)
    styles: list[StyleRange] = []
    mentions: list[MentionRange] = []
    for _ in range(draw(st.integers(0, 8)) if text else 0):
        start = draw(st.integers(0, len(text) - 1))
        length = draw(st.integers(1, min(30, len(text) - start)))
        if draw(st.booleans()):
            styles.append(StyleRange(start, length, draw(st.sampled_from([BOLD, ITALIC]))))
        elif _mentionable(text[start:start + length]) and not any(m.start < start + length and start < m.end
                                                                  for m in mentions):
            mentions.append(MentionRange(start, length, "2947718306652210431"))
    return StyledText(text, tuple(styles), tuple(mentions))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=documents, limit=limits, mode=modes)
def test_chunks_respect_limit_and_keep_content(text: str, limit: int, mode: str) -> None:
    chunks = chunk_text(text, limit, mode)
    for chunk in chunks:
        assert 0 < StyledText(chunk).rendered_length <= limit
        assert chunk.strip()
    assert "".join(_content(c) for c in chunks) == _content(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(styled=styled_documents(), limit=limits, mode=modes)
def test_every_character_keeps_its_styles_and_mentions_stay_whole(styled: StyledText, limit: int, mode: str) -> None:
    chunks = chunk_styled(styled, limit, mode)
    kept = [(ch, style) for chunk in chunks for ch, style in zip(chunk.text, styles_by_char(chunk), strict=True)
            if not ch.isspace()]
    original = [(ch, style) for ch, style in zip(styled.text, styles_by_char(styled), strict=True)
                if not ch.isspace()]
    assert kept == original
    assert sum(len(c.mentions) for c in chunks) == len(styled.mentions)
    for chunk in chunks:
        assert 0 < chunk.rendered_length <= limit or any(m.length > limit for m in styled.mentions)


@settings(max_examples=200, deadline=None)
@given(text=documents, limit=limits)
def test_a_chunk_is_a_fixed_point(text: str, limit: int) -> None:
    for chunk in chunk_text(text, limit):
        assert chunk_text(chunk, limit) == [chunk]


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=0, max_size=3000), limit=st.integers(min_value=20, max_value=500))
def test_arbitrary_text_never_breaks_the_limit(text: str, limit: int) -> None:
    for mode in ("length", "newline"):
        chunks = chunk_text(text, limit, mode)
        assert all(0 < StyledText(c).rendered_length <= limit and c.strip() for c in chunks)
        assert bool(chunks) == bool(text.strip())


@settings(max_examples=100, deadline=None)
@given(text=documents)
def test_newline_mode_never_merges_paragraphs(text: str) -> None:
    for chunk in chunk_text(text, 2000, "newline"):
        assert not re.search(r"\n[ \t]*\n", chunk)
