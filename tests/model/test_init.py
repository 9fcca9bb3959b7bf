"""Dedupe keys: the same message twice collides, two messages in the same millisecond do not."""

from __future__ import annotations

from errbot_zalouser.model import InboundEvent


def event(sender: str, msg_id: str, cli_msg_id: str = "1736412345678") -> InboundEvent:
    return InboundEvent.from_json({"threadId": sender, "msgId": msg_id, "cliMsgId": cli_msg_id,
                                   "content": "hi", "metadata": {"fromId": sender}})


def test_client_message_ids_are_unique_per_sender_only():
    first, second = event("111", "9001"), event("222", "9002")
    assert not set(first.dedupe_keys) & set(second.dedupe_keys)


def test_a_replayed_message_has_the_same_keys():
    assert event("111", "9001").dedupe_keys == event("111", "9001").dedupe_keys
    assert set(event("111", "", "42").dedupe_keys) == {"c:111:42"}
