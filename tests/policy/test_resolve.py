"""Name -> id resolution: exact, case-insensitive, never guessing."""

from __future__ import annotations

import unicodedata

import pytest

from errbot_zalouser.ids import strip_scheme
from errbot_zalouser.model import ZaloGroup, ZaloUser
from errbot_zalouser.policy.resolve import (
    Resolution,
    format_resolution_log,
    group_rules_with_ids,
    resolve_groups,
    resolve_users,
)
from errbot_zalouser.settings import GroupRule

FRIENDS = [
    ZaloUser("111", display_name="Alice"),
    ZaloUser("222", display_name="Bob"),
    ZaloUser("223", display_name="bob"),
    ZaloUser("333", display_name="Nguyễn Văn An"),
    ZaloUser("444", display_name="  Đặng Thị Hoa "),
    ZaloUser("555", display_name="", zalo_name="Hidden"),
]
GROUPS = [ZaloGroup("9001", "Work Chat"), ZaloGroup("9002", "Family"), ZaloGroup("9003", "family")]


@pytest.mark.parametrize(
    ("entry", "expected_id"),
    [
        ("Alice", "111"),
        ("ALICE", "111"),
        ("  alice ", "111"),
        ("zalouser:Alice", "111"),
        ("Nguyễn Văn An", "333"),
        ("NGUYỄN VĂN AN", "333"),
        (unicodedata.normalize("NFD", "Nguyễn Văn An"), "333"),  # typed on a system that decomposes
        ("nguyễn  văn   an", "333"),
        ("đặng thị hoa", "444"),
        ("ĐẶNG THỊ HOA", "444"),
        # One name rule everywhere (ids.name_key): diacritics do not matter, as in chat commands.
        ("Nguyen Van An", "333"),
        ("nguyen van an", "333"),
        ("Dang Thi Hoa", "444"),
    ],
)
def test_names_resolve_exactly_and_case_insensitively(entry, expected_id):
    resolution = resolve_users([entry], FRIENDS)
    assert resolution.ids == (expected_id,)
    assert resolution.resolved == ((strip_scheme(entry), expected_id),)


@pytest.mark.parametrize("entry", ["Nguyễn", "Nguyen", "Ali", "Alice Smith", "Hidden", "Carol", "Dang Thi"])
def test_no_fuzzy_or_substring_matching(entry):
    resolution = resolve_users([entry], FRIENDS)
    assert resolution.ids == () and resolution.unresolved == (entry,)


def test_a_shared_name_is_ambiguous_and_resolves_to_nothing():
    resolution = resolve_users(["Bob"], FRIENDS)
    assert resolution.ids == ()
    assert resolution.ambiguous == (("Bob", ("222", "223")),)
    assert resolution.resolved == () and resolution.unresolved == ()


def test_the_same_friend_listed_twice_is_not_ambiguous():
    friends = [ZaloUser("111", "Alice"), ZaloUser("111", "Alice")]
    assert resolve_users(["Alice"], friends).ids == ("111",)


def test_ids_and_wildcard_are_kept_and_results_are_deduplicated():
    resolution = resolve_users(["123", "zlu:123", "*", "Alice", "alice", "111", "Carol"], FRIENDS)
    assert resolution.ids == ("123", "*", "111")
    assert resolution.resolved == (("Alice", "111"),)
    assert resolution.unresolved == ("Carol",)


def test_empty_input_or_empty_directory():
    assert resolve_users([], FRIENDS) == Resolution()
    assert resolve_users(["Alice", "1"], []) == Resolution(ids=("1",), unresolved=("Alice",))


def test_resolve_groups():
    resolution = resolve_groups(["group:77", "88", "work chat", "Family", "Friends", "*"], GROUPS)
    assert resolution.ids == ("77", "88", "9001", "*")
    assert resolution.resolved == (("work chat", "9001"),)
    assert resolution.ambiguous == (("Family", ("9002", "9003")),)
    assert resolution.unresolved == ("Friends",)


def test_format_resolution_log():
    resolution = Resolution(ids=("111",), resolved=(("Alice", "111"),), unresolved=("Carol",),
                            ambiguous=(("Bob", ("1", "2")),))
    assert format_resolution_log("users", resolution) == [
        "resolved: Alice -> 111",
        "unresolved: Carol",
        "ambiguous: Bob -> 1, 2 (not allowed; write the user id instead)",
    ]
    assert format_resolution_log("users", Resolution()) == []


def test_format_resolution_log_caps_each_list():
    resolution = Resolution(unresolved=tuple(f"n{i}" for i in range(9)))
    assert format_resolution_log("groups", resolution) == ["unresolved: n0, n1, n2, n3, n4, n5 (+3)"]


def test_group_rules_with_ids_copies_resolved_names_without_overwriting():
    rules = {"Work Chat": GroupRule(require_mention=True), "Family": GroupRule(allow=False),
             "9002": GroupRule(), "Unknown": GroupRule(), "*": GroupRule(allow=False)}
    result = group_rules_with_ids(rules, {"Work Chat": "9001", "Family": "9002"})
    assert result["9001"] == GroupRule(require_mention=True)
    assert result["9002"] == GroupRule()  # an existing id key wins
    assert set(result) == set(rules) | {"9001"}  # names kept, unresolved inert
    with pytest.raises(TypeError):
        result["x"] = GroupRule()  # type: ignore[index]  # read-only: the assignment must fail
