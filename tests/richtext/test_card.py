"""card_markdown, card_picture, zalo_colour: an errbot card as one message a phone shows well."""

from __future__ import annotations

import pytest

from errbot_zalouser.richtext.card import card_markdown, card_picture, zalo_colour
from errbot_zalouser.richtext.markdown import from_markdown
from errbot_zalouser.richtext.plain import plain_form
from errbot_zalouser.richtext.styled import BOLD, GREEN, RED


def test_a_full_card() -> None:
    styled = from_markdown(card_markdown(
        summary="Build finished", title="errbot-zalouser #42", link="https://ci.example.com/build/42",
        body="All 1,019 tests passed in *3 min*.", image="https://ci.example.com/badge.png",
        fields=(("branch", "zca-today"), ("commit", "`940da69`")), color="green"))
    assert styled.text == ("Build finished\n\nerrbot-zalouser #42 (https://ci.example.com/build/42)\n\n"
                           "All 1,019 tests passed in 3 min.\n\nbranch: zca-today\ncommit: 940da69")
    assert {s.style for s in styled.styles if s.start == 0} == {BOLD, GREEN}
    keys = [styled.text[s.start:s.end] for s in styled.styles if s.style == BOLD and s.start > 60]
    assert keys == ["branch", "commit"]
    assert "https://ci.example.com/build/42" in plain_form(styled).text  # the link stays visible, so clickable


def test_without_a_summary_the_title_takes_the_colour() -> None:
    styled = from_markdown(card_markdown(title="Deploy failed", link="https://x.example/d/1", color="#d9342b"))
    assert styled.text == "Deploy failed (https://x.example/d/1)"
    assert {(s.start, s.length, s.style) for s in styled.styles} == {(0, 37, BOLD), (0, 37, RED)}


def test_the_picture_is_sent_as_media_and_only_when_it_is_http() -> None:
    assert card_picture(image="https://x.example/a.png", thumbnail="https://x.example/t.png") == "https://x.example/a.png"
    assert card_picture(thumbnail=" https://x.example/t.png ") == "https://x.example/t.png"
    assert card_picture(image="/etc/passwd") is None and card_picture() is None
    text = from_markdown(card_markdown(summary="s", image="/etc/passwd", thumbnail="file:///x")).text
    assert text == "s\n\nfile:///x\n\n/etc/passwd"  # shown as text, never sent as a file


def test_an_empty_card_is_empty() -> None:
    assert card_markdown() == ""
    assert card_markdown(summary="x", color="blue") == "**x**"
    assert card_markdown(link="https://x.y") == "<https://x.y>"


@pytest.mark.parametrize(("color", "zalo"), [
    ("green", "green"), ("RED", "red"), (" orange ", "orange"), ("gold", "yellow"), ("#15a85f", "green"),
    ("#f00", "red"), ("#00ff00", "green"), ("#0000ff", None), ("blue", None), ("#777777", None), ("", None),
    (None, None), ("#12345", None), ("javascript:alert(1)", None)])
def test_zalo_colour(color, zalo) -> None:
    assert zalo_colour(color) == zalo
