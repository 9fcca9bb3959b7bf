"""OutboundItem: validation, JSON round trip, conversation key."""

from __future__ import annotations

import dataclasses
import json

import pytest

from errbot_zalouser.model import Target
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.richtext.styled import BOLD, INDENT, MentionRange, StyledText, StyleRange


def test_defaults_and_round_trip() -> None:
    item = OutboundItem(
        account="main", target=Target("123", True), kind="image", url="https://x/y.png", caption="Ảnh 😀"
    )
    assert len(item.id) == 32 and int(item.id, 16) >= 0
    assert item.created_at > 0
    again = OutboundItem.from_json(json.loads(json.dumps(item.to_json())))
    assert again == item


def test_ids_are_unique() -> None:
    ids = {OutboundItem(account="a", target=Target("1"), kind="text", text="x").id for _ in range(100)}
    assert len(ids) == 100


def test_frozen() -> None:
    item = OutboundItem(account="a", target=Target("1"), kind="text", text="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.text = "y"  # type: ignore[misc]  # frozen: the assignment must fail


def test_conversation_key_separates_accounts_and_thread_kinds() -> None:
    keys = {
        OutboundItem(account=a, target=Target("1", g), kind="text", text="x").conversation_key
        for a in ("a", "b")
        for g in (False, True)
    }
    assert keys == {"a/user:1", "a/group:1", "b/user:1", "b/group:1"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "sticker", "text": "x"},
        {"kind": "text", "text": "  "},
        {"kind": "image"},
        {"kind": "link", "text": "no url"},
        {"kind": "text", "text": "x", "account": ""},
        {"kind": "text", "text": "x", "id": ""},
        {"kind": "file", "url": "https://x/r.pdf", "path": "/d/r.pdf"},  # both
        {"kind": "file", "path": "relative/r.pdf"},
        {"kind": "reaction", "text": "/-heart", "msg_id": "7"},  # no cliMsgId
        {"kind": "reaction", "text": "/-heart"},
    ],
)
def test_invalid_items(kwargs: dict) -> None:
    base = {"account": "a", "target": Target("1")}
    with pytest.raises(ValueError):
        OutboundItem(**{**base, **kwargs})


@pytest.mark.parametrize(
    "obj",
    [
        None,
        [],
        {"id": "x", "account": "a", "kind": "text", "text": "t"},
        {"id": "x", "account": "a", "kind": "text", "text": "t", "target": {"thread_id": 1}},
        {"id": "x", "account": "a", "kind": "text", "text": "t", "target": {"thread_id": "1", "is_group": "no"}},
        {"id": "x", "account": "a", "kind": "text", "text": 5, "target": {"thread_id": "1"}},
        {"id": "x", "account": "a", "kind": "text", "text": "t", "target": {"thread_id": "1"}, "created_at": "now"},
        {"id": "x", "account": "a", "kind": "text", "text": "t", "target": {"thread_id": "1"}, "styles": "b"},
        {"id": "x", "account": "a", "kind": "text", "text": "t", "target": {"thread_id": "1"},
         "styles": [[0, 1, "b"]]},
        {"id": "x", "account": "a", "kind": "text", "text": "t", "target": {"thread_id": "1"},
         "styles": [[0, 9, "b", None]]},  # outside the text
        {"id": "x", "account": "a", "kind": "text", "text": "t", "target": {"thread_id": "1"},
         "styles": [[True, 1, "b", None]]},
        {"id": "x", "account": "a", "kind": "text", "text": "t", "target": {"thread_id": "1"},
         "mentions": [[0, 1, 7]]},
    ],
)
def test_from_json_rejects_bad_objects(obj: object) -> None:
    with pytest.raises(ValueError):
        OutboundItem.from_json(obj)


def test_styles_and_mentions_round_trip_and_old_lines_still_read() -> None:
    item = OutboundItem(account="a", target=Target("1", True), kind="text", text="@An hi there",
                        styles=(StyleRange(4, 2, BOLD), StyleRange(0, 12, INDENT, 2)),
                        mentions=(MentionRange(0, 3, "2947718306652210431"),))
    assert OutboundItem.from_json(item.to_json()) == item
    old = {k: v for k, v in item.to_json().items() if k not in ("styles", "mentions")}  # before styles were sent
    assert OutboundItem.from_json(old).styled == StyledText("@An hi there")


@pytest.mark.parametrize("item", [
    OutboundItem(account="a", target=Target("1", True), kind="file", path="/data/zalouser/outgoing/x/r.pdf"),
    OutboundItem(account="a", target=Target("1"), kind="reaction", text="", msg_id="7", cli_msg_id="8"),
    OutboundItem(account="a", target=Target("1"), kind="text", text="ok", quote='{"msgId": "7"}'),
], ids=["file", "reaction", "quote"])
def test_files_reactions_and_quotes_round_trip_and_old_lines_still_read(item: OutboundItem) -> None:
    assert OutboundItem.from_json(json.loads(json.dumps(item.to_json()))) == item
    old = {k: v for k, v in OutboundItem(account="a", target=Target("1"), kind="text", text="x").to_json().items()
           if k not in ("path", "quote", "msg_id", "cli_msg_id")}  # written before these fields
    assert OutboundItem.from_json(old).quote == ""
