"""Property tests for chunk_text: limits, no lost or reordered content, balanced fences."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errbot_zalouser.outbound.chunking import chunk_text

# Ordinary text never contains ` or ~, so every fence-looking line in a chunk is a real fence line.
_LETTERS = "abcxyzABC0123456789.,;:!?()[]-_'\"/ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợứừửữựíìỉĩịýỳỷỹỵ😀🎉👍🏽❤️中文"
_FENCE_LINES = ("```", "~~~", "```py", "~~~~", "````")
_FENCE_LIKE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^`~\s]*\s*$")

words = st.text(alphabet=_LETTERS, min_size=1, max_size=12)
word_line = st.lists(words, min_size=1, max_size=12).map(" ".join)
long_word = st.text(alphabet=_LETTERS, min_size=20, max_size=150)
blank_line = st.sampled_from(["", "", "  ", "\t"])
fence_line = st.sampled_from(_FENCE_LINES)
line = st.one_of(word_line, word_line, long_word, blank_line, fence_line)
documents = st.lists(line, min_size=0, max_size=40).map("\n".join)
limits = st.integers(min_value=24, max_value=240)
modes = st.sampled_from(["length", "newline"])


def _content(text: str) -> str:
    """Non-whitespace characters of the non-fence lines, in order."""
    kept = [ln for ln in text.split("\n") if not _FENCE_LIKE.match(ln)]
    return re.sub(r"\s+", "", "".join(kept))


def _open_fence_at_end(text: str) -> str | None:
    """CommonMark-style scan: the marker of the fence still open at the end of ``text``."""
    open_marker: str | None = None
    for ln in text.split("\n"):
        match = re.match(r"^ {0,3}(`{3,}|~{3,})(.*)$", ln)
        if match is None:
            continue
        marker, rest = match.groups()
        if open_marker is None:
            if not (marker[0] == "`" and "`" in rest):
                open_marker = marker
        elif marker[0] == open_marker[0] and len(marker) >= len(open_marker) and not rest.strip():
            open_marker = None
    return open_marker


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=documents, limit=limits, mode=modes)
def test_chunks_respect_limit_and_keep_content(text: str, limit: int, mode: str) -> None:
    chunks = chunk_text(text, limit, mode)
    for chunk in chunks:
        assert 0 < len(chunk) <= limit
        assert chunk.strip()
    assert "".join(_content(c) for c in chunks) == _content(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=documents, limit=limits, mode=modes)
def test_fences_balanced_in_every_chunk(text: str, limit: int, mode: str) -> None:
    chunks = chunk_text(text, limit, mode)
    for chunk in chunks[:-1]:
        assert _open_fence_at_end(chunk) is None, chunk
    if chunks:
        assert (_open_fence_at_end(chunks[-1]) is None) == (_open_fence_at_end(text) is None)


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
        assert all(0 < len(c) <= limit and c.strip() for c in chunks)
        assert bool(chunks) == bool(text.strip())


@settings(max_examples=100, deadline=None)
@given(text=documents)
def test_newline_mode_never_merges_paragraphs(text: str) -> None:
    for chunk in chunk_text(text, 2000, "newline"):
        if not any(_FENCE_LIKE.match(ln) for ln in chunk.split("\n")):
            assert not re.search(r"\n[ \t]*\n", chunk)


small_fence_documents = st.lists(
    st.one_of(word_line, long_word, blank_line, st.sampled_from(["```", "~~~"])), max_size=30
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(text=small_fence_documents, limit=st.integers(min_value=20, max_value=23), mode=modes)
def test_smallest_limits_still_hold_fences(text: str, limit: int, mode: str) -> None:
    chunks = chunk_text(text, limit, mode)
    assert all(0 < len(c) <= limit for c in chunks)
    assert "".join(_content(c) for c in chunks) == _content(text)
    for chunk in chunks[:-1]:
        assert _open_fence_at_end(chunk) is None, chunk
