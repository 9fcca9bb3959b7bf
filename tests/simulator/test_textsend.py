"""The 0.1.58 text pipeline in process: invariants of splitting and of the parser's fast path.

The exact outputs are pinned by the conformance table (test_conformance.py); here hypothesis
looks for inputs that break what must always hold.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errbot_zalouser.simulator import nodejs, textfmt, textsend

MEMBERS = [{"userId": "111", "displayName": "An", "zaloName": "An Nguyễn"},
           {"userId": "222", "displayName": "Bình", "zaloName": "Binh"}]
pieces = st.sampled_from(["**b**", "*i*", "_u_", "~~s~~", "{red}r{/red}", "@An", "@Bình", " ", "\n", "- ", "# ",
                          "1. ", "> ", "  ", "```", "\\*", "😀", "chữ", "a_b", "5*3", "x" * 7])
texts_ = st.lists(pieces, max_size=60).map("".join)


def _check_chunks(payload: Any, chunks: list[Any], limit: int) -> None:
    whole = textsend.as_object(payload)
    objects = [textsend.as_object(c) for c in chunks]
    assert "".join(o["msg"] for o in objects) == whole["msg"]
    offset = 0
    for obj in objects:
        assert 0 < len(obj["msg"]) <= limit
        for style in obj.get("styles") or ():
            assert style["start"] >= 0 and style["len"] > 0 and style["start"] + style["len"] <= len(obj["msg"])
        for mention in obj.get("mentions") or ():
            assert obj["msg"][mention["pos"]:mention["pos"] + mention["len"]].lower() == \
                whole["msg"][offset + mention["pos"]:offset + mention["pos"] + mention["len"]].lower()
        offset += len(obj["msg"])
    kept = sum(len(o.get("mentions") or ()) for o in objects)
    assert kept == len(whole.get("mentions") or ())  # a split never falls inside a mention


@settings(max_examples=150, deadline=None)
@given(text=texts_, limit=st.integers(min_value=8, max_value=40), raw=st.booleans())
def test_chunks_cover_the_text_within_the_limit(text: str, limit: int, raw: bool) -> None:
    units = nodejs.to_units(text)
    payload = textsend.build_payload(units, raw=raw, group=True, members=lambda: MEMBERS)
    if not textsend.as_object(payload)["msg"]:
        return
    chunks = textsend.plan_chunks(payload, group=True, thread_id="1", max_length=limit)
    _check_chunks(payload, chunks, limit)


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_the_fast_path_never_skips_a_change(text: str) -> None:
    """format_units skips the parser only where the parser would change nothing."""
    units = nodejs.to_units(text)
    assert textsend.format_units(units) == tuple(textfmt.parse_units(units))


@given(text=st.text(max_size=30))
def test_utf16_units_round_trip(text: str) -> None:
    units = nodejs.to_units(text)
    assert len(units) == len(text.encode("utf-16-le", "surrogatepass")) // 2
    if not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        assert nodejs.from_units(units) == text


def test_a_split_emoji_shows_as_a_replacement_character() -> None:
    assert nodejs.from_units(nodejs.to_units("a😀")[:2]) == "a\ufffd"


@pytest.mark.parametrize(
    "text, expected",
    [("hi @an", [{"pos": 3, "len": 3, "uid": "111"}]), ("hi @An Nguyễn!", [{"pos": 3, "len": 10, "uid": "111"}]),
     ("a@An", []), ("@An.b", []), ("@An.", [{"pos": 0, "len": 3, "uid": "111"}]), ("@", []), ("@Binh, @222", [
         {"pos": 0, "len": 5, "uid": "222"}, {"pos": 7, "len": 4, "uid": "222"}])],
)
def test_mention_boundaries(text: str, expected: list[dict[str, Any]]) -> None:
    assert textsend.resolve_mentions(nodejs.to_units(text), MEMBERS) == expected


def test_mentions_need_a_candidate_after_the_at() -> None:
    assert not textsend.might_mention("a@b @ c") and textsend.might_mention("(@b") and textsend.might_mention("@b")
