"""Identifiers: text forms, round trips, equality on ids only, and the ACL attributes."""

from __future__ import annotations

import pytest
from errbot.backends.base import RoomDoesNotExistError, RoomError
from hypothesis import given
from hypothesis import strategies as st

from errbot_zalouser.backend.identifiers import ZaloOccupant, ZaloPerson, ZaloRoom, ZaloRoomError, parse_identifier
from errbot_zalouser.errors import ZcaTimeout

ids = st.from_regex(r"\A[1-9][0-9]{0,19}\Z")


@pytest.mark.parametrize(
    ("text", "kind", "canonical"),
    [
        ("zalouser:123", ZaloPerson, "zalouser:123"),
        ("ZaloUser:123", ZaloPerson, "zalouser:123"),
        ("zlu:123", ZaloPerson, "zalouser:123"),
        ("123", ZaloPerson, "zalouser:123"),
        (" zalouser:123 ", ZaloPerson, "zalouser:123"),
        ("zalouser:group:456", ZaloRoom, "zalouser:group:456"),
        ("group:456", ZaloRoom, "zalouser:group:456"),
        ("zalouser:group:456/123", ZaloOccupant, "zalouser:group:456/123"),
        # The rest of ids.py's grammar, as everywhere else: the form logs print, repeated schemes.
        ("user:123", ZaloPerson, "zalouser:123"),
        ("zalouser:zlu:123", ZaloPerson, "zalouser:123"),
    ],
)
def test_accepted_forms(text, kind, canonical):
    found = parse_identifier(text)
    assert type(found) is kind
    assert str(found) == canonical


@pytest.mark.parametrize(
    "text",
    ["", "zalouser:", "zalouser:abc", "@alice", "#room", "zalouser:group:", "zalouser:group:1/",
     "zalouser:1/2", "zalouser:group:1/2/3", "zalo:123", "12a", "zalouser:group:x/1", None, 123,
     "zalouser:" + "1234567890" * 4, "zalouser:٤٢"],
)
def test_garbage_is_a_value_error(text):
    with pytest.raises(ValueError):
        parse_identifier(text)


@given(uid=ids, gid=ids)
def test_round_trip(uid, gid):
    room = ZaloRoom(gid)
    for identifier in (ZaloPerson(uid), room, ZaloOccupant(uid, room)):
        again = parse_identifier(str(identifier))
        assert again == identifier
        assert hash(again) == hash(identifier)


def test_names_and_accounts_are_decoration():
    assert ZaloPerson("1", "Alice", "work") == ZaloPerson("1", "Mallory", "home")
    assert ZaloPerson("1", "Alice") != ZaloPerson("2", "Alice")
    assert len({ZaloRoom("5", "A"), ZaloRoom("5", "B")}) == 1


def test_acl_attributes_use_ids():
    room = ZaloRoom("456", "Work Chat")
    occupant = ZaloOccupant("123", room, "Bob")
    assert occupant.aclattr == "zalouser:123" == occupant.person
    assert occupant.room.aclattr == "zalouser:group:456"
    assert occupant.nick == "Bob"
    assert ZaloPerson("9").fullname == "9"


def test_foreign_types_are_not_equal():
    assert ZaloPerson("1") != "zalouser:1"
    assert ZaloPerson("1") != ZaloOccupant("1", ZaloRoom("2"))
    assert ZaloRoom("1") != ZaloPerson("1")


# --- the Room API ------------------------------------------------------------------------------


class GroupsBackend:
    """What ZaloRoom asks its backend: whether the account is in a group (or `zca` failing)."""

    def __init__(self, groups: set[str], failure: Exception | None = None) -> None:
        self.groups = groups
        self.failure = failure
        self.asked: list[str] = []

    def group_exists(self, group_id: str) -> bool:
        self.asked.append(group_id)
        if self.failure is not None:
            raise self.failure
        return group_id in self.groups


def test_joining_a_group_of_the_account_does_nothing():
    backend = GroupsBackend({"456"})
    room = parse_identifier("zalouser:group:456", backend=backend)
    assert room.exists and room.joined
    room.join()
    assert backend.asked == ["456", "456", "456"]


def test_joining_another_group_is_errbots_room_does_not_exist_error():
    room = ZaloRoom("789", backend=GroupsBackend({"456"}))
    with pytest.raises(RoomDoesNotExistError, match="not a group of this Zalo account"):
        room.join()


def test_a_zca_failure_is_an_error_not_a_no():
    room = ZaloRoom("456", backend=GroupsBackend({"456"}, failure=ZcaTimeout("zca group list timed out")))
    with pytest.raises(ZcaTimeout):
        room.exists  # noqa: B018 - the property is what is tested
    with pytest.raises(ZaloRoomError, match="cannot tell whether zalouser:group:456 is a group") as caught:
        room.join()
    assert isinstance(caught.value.__cause__, ZcaTimeout)


@pytest.mark.parametrize("operation", ["leave", "create", "destroy", "invite"])
def test_unsupported_operations_raise_errbots_room_error(operation):
    with pytest.raises(RoomError, match="not supported"):  # what a plugin catches
        getattr(ZaloRoom("456", backend=GroupsBackend({"456"})), operation)()
