"""The tolerant field readers: a field of the wrong type reads as empty, never as an exception."""

from __future__ import annotations

import pytest

from errbot_zalouser.model.wire import EMPTY, first_text, mapping, text, timestamp, whole_number


@pytest.mark.parametrize(("value", "expected"), [("a", "a"), (12, "12"), (True, ""), (1.5, ""), (None, ""),
                                                 ({"a": 1}, "")])
def test_text(value, expected):
    assert text(value) == expected


def test_first_text_skips_blank_and_odd_values():
    assert first_text(None, "  ", False, 0, "x") == "0" and first_text(None, []) == ""


@pytest.mark.parametrize(("value", "expected"), [
    (5, 5), ("48213", 48213), (" 7 ", 7), (3.0, 3), (-1, None), (3.5, None), (True, None), ("1e3", None),
    ("9" * 19, None), (float("inf"), None), (None, None)])
def test_whole_number(value, expected):
    assert whole_number(value) == expected


def test_mapping_decodes_a_json_object_in_a_string_and_nothing_else():
    assert mapping('{"hd": "https://x"}') == {"hd": "https://x"}
    assert mapping({"a": 1}) == {"a": 1}
    for value in ('["a"]', "{not json", "[" * 5000 + "]" * 5000, "{" + " " * 200_000 + "}", 5, None):
        assert mapping(value) is EMPTY


@pytest.mark.parametrize(("value", "expected"), [(1774152480, 1774152480.0), (1774152480556, 1774152480.556),
                                                 ("1774152480", 0.0), (float("nan"), 0.0), (True, 0.0)])
def test_timestamp(value, expected):
    assert timestamp(value) == expected
