"""Table tests for chunk_styled / chunk_text and media_kind."""

from __future__ import annotations

import unicodedata

import pytest

from errbot_zalouser.outbound.chunking import chunk_styled, chunk_text, media_kind
from errbot_zalouser.richtext.styled import BOLD, Mark, MentionRange, StyledText, StyleRange

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


# --- styled text ----------------------------------------------------------------------------------


def test_the_limit_counts_utf16_units_as_zalo_does() -> None:
    text = "👍" * 15  # 15 characters, 30 UTF-16 units
    chunks = chunk_styled(StyledText(text), 20)
    assert [c.text for c in chunks] == ["👍" * 10, "👍" * 5]
    assert all(c.rendered_length <= 20 for c in chunks)


def test_styles_and_marks_are_cut_with_their_text() -> None:
    styled = StyledText("alpha beta gamma delta epsilon", (StyleRange(11, 11, BOLD),), (),
                        (Mark(11, 22, "**", "**"),))
    first, second = chunk_styled(styled, 20)
    assert first == StyledText("alpha beta gamma", (StyleRange(11, 5, BOLD),), (), (Mark(11, 16, "**", "**"),))
    assert second == StyledText("delta epsilon", (StyleRange(0, 5, BOLD),), (), (Mark(0, 5, "**", "**"),))


def test_a_mention_is_never_cut() -> None:
    mention = MentionRange(14, 12, "2947718306652210431")  # "@Nguyen Van A"
    styled = StyledText("a" * 13 + " @NguyenVanAn hello", (), (mention,))
    chunks = chunk_styled(styled, 20)
    assert chunks[0].text == "a" * 13
    assert chunks[1].mentions == (MentionRange(0, 12, "2947718306652210431"),)


def test_a_fits_test_makes_chunks_shorter() -> None:
    text = " ".join(["word"] * 30)
    chunks = chunk_styled(StyledText(text), 2000, fits=lambda c: len(c.text) <= 50)
    assert all(len(c.text) <= 50 for c in chunks)
    assert " ".join(c.text for c in chunks) == text


def test_a_fits_test_that_never_passes_still_ends() -> None:
    chunks = chunk_styled(StyledText("abc def"), 20, fits=lambda c: False)
    assert "".join(c.text for c in chunks).replace(" ", "") == "abcdef"


# --- newline mode --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one\n\ntwo", ["one", "two"]),
        ("one\ntwo", ["one\ntwo"]),
        ("one\n  \t\ntwo\n\n\n\nthree", ["one", "two", "three"]),
        ("\n\nlead\n\n", ["lead"]),
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
        ("https://example.com/photo.webp", "image"),
        ("https://example.com/path.mp4/", "image"),
        ("https://example.com/noext", "image"),
        ("/local/file.webm", "video"),
        ("", "image"),
    ],
)
def test_media_kind(url: str, kind: str) -> None:
    assert media_kind(url) == kind


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://example.com/doc.pdf", "file"),
        ("https://example.com/a.ZIP?dl=1", "file"),
        ("https://example.com/photo.jpg", "image"),
        ("https://example.com/noext", "image"),
        ("https://example.com/a.mp4", "video"),
    ],
)
def test_media_kind_where_files_can_be_uploaded(url: str, kind: str) -> None:
    assert media_kind(url, files=True) == kind
