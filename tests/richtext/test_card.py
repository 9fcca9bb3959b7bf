"""card_markdown: an errbot card as lines a phone shows well."""

from __future__ import annotations

from errbot_zalouser.richtext.card import card_markdown
from errbot_zalouser.richtext.markdown import from_markdown


def test_a_full_card() -> None:
    styled = from_markdown(card_markdown(
        summary="Build finished", title="errbot-zalouser #42", link="https://ci.example.com/build/42",
        body="All 1,019 tests passed in *3 min*.", image="https://ci.example.com/badge.png",
        fields=(("branch", "zca-today"), ("commit", "`940da69`")), color="green"))
    assert styled.text == ("Build finished\n\nerrbot-zalouser #42 (https://ci.example.com/build/42)\n\n"
                           "https://ci.example.com/badge.png\n\nAll 1,019 tests passed in 3 min.\n\n"
                           "branch: zca-today\ncommit: 940da69")
    summary = {s.style for s in styled.styles if s.start == 0}
    assert summary == {"b", "c_15a85f"}


def test_an_empty_card_is_empty_and_odd_colours_are_ignored() -> None:
    assert card_markdown() == ""
    assert card_markdown(summary="x", color="blue") == "**x**"
    assert card_markdown(link="https://x.y") == "<https://x.y>"
