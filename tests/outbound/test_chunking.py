"""Table tests for chunk_text and media_kind."""

from __future__ import annotations

import unicodedata

import pytest

from errbot_zalouser.outbound.chunking import chunk_text, media_kind

FENCE = "```"


def _code_block(info: str, lines: int) -> str:
    body = "\n".join(f"x = {i:03d}" for i in range(lines))
    return f"{FENCE}{info}\n{body}\n{FENCE}"


# --- basic length mode ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("hello", 20, ["hello"]),
        ("exactly twenty chars", 20, ["exactly twenty chars"]),
        ("\n\nhello  \n\n", 20, ["hello"]),
        ("   indented stays", 20, ["   indented stays"]),
        # newline: the last one in the window wins, and it is consumed
        ("first line\nsecond\nthird line is long", 20, ["first line\nsecond", "third line is long"]),
        # leading newlines of the next chunk are dropped
        ("x" * 15 + "\n\n\n" + "y" * 10, 20, ["x" * 15, "y" * 10]),
        # no newline: the last whitespace
        ("alpha beta gamma delta epsilon", 20, ["alpha beta gamma", "delta epsilon"]),
        # tabs are whitespace too
        ("alpha\tbeta\tgamma\tdelta\tepsilon", 20, ["alpha\tbeta\tgamma", "delta\tepsilon"]),
        # no whitespace at all: hard cuts at the limit, nothing consumed
        ("a" * 45, 20, ["a" * 20, "a" * 20, "a" * 5]),
        # a long word after a short one: the space is used, then a hard cut
        ("ab " + "c" * 30, 20, ["ab", "c" * 20, "c" * 10]),
        # CRLF is treated as LF
        ("first line\r\nsecond line here", 20, ["first line", "second line here"]),
        ("one two three four five six seven eight", 2000, ["one two three four five six seven eight"]),
    ],
)
def test_length_mode(text: str, limit: int, expected: list[str]) -> None:
    assert chunk_text(text, limit) == expected


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\n \n"])
def test_blank_input_gives_no_chunks(text: str) -> None:
    assert chunk_text(text) == []
    assert chunk_text(text, mode="newline") == []


@pytest.mark.parametrize("limit", [19, 0, -5])
def test_limit_too_small(limit: int) -> None:
    with pytest.raises(ValueError, match="at least 20"):
        chunk_text("hello", limit)


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match="unknown chunk mode"):
        chunk_text("hello", mode="paragraph")


def test_limit_boundary_exact_and_one_over() -> None:
    assert chunk_text("a" * 2000) == ["a" * 2000]
    assert chunk_text("a" * 2001) == ["a" * 2000, "a"]
    assert chunk_text("a" * 1999 + " b") == ["a" * 1999, "b"]


def test_default_limit_is_2000() -> None:
    words = " ".join(["lorem"] * 1000)  # 5999 characters
    chunks = chunk_text(words)
    assert all(len(c) <= 2000 for c in chunks)
    assert [len(c) for c in chunks] == [1997, 1997, 1997, 5]  # 333 words fit in 2000
    assert " ".join(chunks) == words


# --- code fences ---------------------------------------------------------------------------------


def test_fence_is_closed_and_reopened_with_info_string() -> None:
    text = _code_block("python", 6)
    chunks = chunk_text(text, 40)
    assert chunks == [
        "```python\nx = 000\nx = 001\nx = 002\n```",
        "```python\nx = 003\nx = 004\nx = 005\n```",
    ]
    assert all(len(c) <= 40 for c in chunks)


def test_tilde_fence_reopened_with_same_marker() -> None:
    text = "~~~~ js\n" + "\n".join(f"let v{i} = {i};" for i in range(8)) + "\n~~~~"
    chunks = chunk_text(text, 45)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.startswith("~~~~ js\n")
        assert chunk.endswith("\n~~~~")
        assert len(chunk) <= 45


def test_limit_holds_with_fence_lines_at_minimum_limit() -> None:
    text = FENCE + "\n" + "\n".join("abcdefghijk" for _ in range(6)) + "\n" + FENCE
    chunks = chunk_text(text, 20)
    assert chunks == ["```\nabcdefghijk\n```"] * 6


def test_newline_outside_fence_preferred_to_one_inside() -> None:
    text = "intro text\n" + _code_block("", 8) + "\nafter"
    chunks = chunk_text(text, 60)
    assert chunks[0] == "intro text"
    assert chunks[1].startswith("```\nx = 000")
    assert chunks[-1].endswith("after")


def test_no_empty_code_block_before_a_closing_fence() -> None:
    # The closing line (with trailing spaces) ends past the window; cutting right before it
    # would leave the next chunk an empty re-opened block, so the cut goes one line earlier.
    text = "```\n" + "aaaaaaa\nbbbbbbb\n" + "```     \nzz"
    chunks = chunk_text(text, 24)
    assert chunks == ["```\naaaaaaa\n```", "```\nbbbbbbb\n```     \nzz"]


def test_long_code_line_inside_fence_falls_back_to_space_then_hard_cut() -> None:
    text = "```\n" + "word " * 10 + "\n```"
    chunks = chunk_text(text, 24)
    for chunk in chunks:
        assert len(chunk) <= 24
        assert chunk.startswith("```\n")
        assert chunk.endswith("```")
    assert "".join(c.replace("```", "").replace("\n", "").replace(" ", "") for c in chunks) == "word" * 10


def test_unclosed_fence_stays_unclosed_in_the_last_chunk() -> None:
    text = "```sh\n" + "\n".join(f"echo {i}" for i in range(10))
    chunks = chunk_text(text, 30)
    assert all(c.endswith("\n```") for c in chunks[:-1])
    assert not chunks[-1].endswith("```")
    assert chunks[-1].startswith("```sh\n")


def test_tilde_line_inside_backtick_fence_is_content() -> None:
    text = "```\n~~~\ninside\n~~~\n```\nafter the block"
    assert chunk_text(text, 2000) == [text]
    chunks = chunk_text(text + " " + "z" * 30, 30)
    assert chunks[0] == "```\n~~~\ninside\n~~~\n```"


def test_fence_with_info_too_long_to_reopen_is_plain_text() -> None:
    # limit 20 leaves 5 characters for a re-open line: "```python" is then ordinary text.
    text = "```python\n" + "y = 1\n" * 5
    chunks = chunk_text(text, 20)
    assert all(len(c) <= 20 for c in chunks)
    assert chunks[0] == "```python\ny = 1"
    assert not any(c.startswith("```python") for c in chunks[1:])


def test_indented_fence_reopened_without_indentation() -> None:
    text = "  ```py\n" + "\n".join("line" for _ in range(10)) + "\n  ```"
    chunks = chunk_text(text, 30)
    assert chunks[0].startswith("  ```py\n")
    assert all(c.startswith("```py\n") for c in chunks[1:])


def test_backtick_info_with_backtick_is_not_a_fence() -> None:
    text = "```a`b\n" + "word " * 8
    chunks = chunk_text(text, 20)
    assert not any(c.endswith("\n```") for c in chunks)


# --- newline mode --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one\n\ntwo", ["one", "two"]),
        ("one\ntwo", ["one\ntwo"]),
        ("one\n  \t\ntwo\n\n\n\nthree", ["one", "two", "three"]),
        ("\n\nlead\n\n", ["lead"]),
        ("text\n\n```\ncode\n\nmore code\n```\n\nend", ["text", "```\ncode\n\nmore code\n```", "end"]),
    ],
)
def test_newline_mode_paragraphs(text: str, expected: list[str]) -> None:
    assert chunk_text(text, mode="newline") == expected


def test_newline_mode_applies_length_rule_to_each_paragraph() -> None:
    text = "short\n\n" + "alpha beta gamma delta epsilon"
    assert chunk_text(text, 20, mode="newline") == ["short", "alpha beta gamma", "delta epsilon"]


def test_length_mode_keeps_short_paragraphs_together() -> None:
    assert chunk_text("one\n\ntwo") == ["one\n\ntwo"]


# --- Unicode -------------------------------------------------------------------------------------


def test_vietnamese_text_breaks_at_spaces() -> None:
    text = "Xin chào các bạn, hôm nay trời đẹp quá. Chúng ta đi uống cà phê nhé!"
    chunks = chunk_text(text, 25)
    assert all(len(c) <= 25 for c in chunks)
    assert " ".join(chunks) == text


def test_emoji_text() -> None:
    text = "Chúc mừng năm mới 🎉🎊 " * 10
    chunks = chunk_text(text, 30)
    assert all(len(c) <= 30 for c in chunks)
    assert " ".join(chunks) == text.strip()


def test_hard_cut_does_not_split_combining_marks() -> None:
    word = unicodedata.normalize("NFD", "Nguyễn") * 6  # base letters followed by combining marks
    chunks = chunk_text(word, 20)
    assert "".join(chunks) == word
    for chunk in chunks[1:]:
        assert not unicodedata.combining(chunk[0])


def test_hard_cut_does_not_split_zwj_sequence_or_skin_tone() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 5 code points
    thumbs = "\U0001f44d\U0001f3fd"
    text = "a" * 17 + family + thumbs * 5
    chunks = chunk_text(text, 20)
    assert "".join(chunks) == text
    assert chunks[0] == "a" * 17
    assert chunks[1].startswith(family)
    for chunk in chunks:
        assert not chunk.startswith(("\u200d", "\U0001f3fd"))
        assert not chunk.endswith("\u200d")


# --- media_kind ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://example.com/a.mp4", "video"),
        ("https://example.com/a.MOV", "video"),
        ("https://example.com/a.avi", "video"),
        ("https://example.com/clip.webm?token=abc", "video"),
        ("https://example.com/a.mp3", "voice"),
        ("https://example.com/a.wav#t=10", "voice"),
        ("https://example.com/a.OGG", "voice"),
        ("https://example.com/a.m4a?x=1#frag", "voice"),
        ("https://example.com/photo.jpg", "image"),
        ("https://example.com/photo.png?v=.mp4", "image"),
        ("https://example.com/doc.pdf", "image"),
        ("https://example.com/path.mp4/", "image"),
        ("https://example.com/noext", "image"),
        ("/local/file.webm", "video"),
        ("", "image"),
    ],
)
def test_media_kind(url: str, kind: str) -> None:
    assert media_kind(url) == kind
