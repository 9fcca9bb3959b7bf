"""The backend's inbound path in this process: listen-event dicts -> the dispatch loop -> the gate
-> an errbot Message -> the plugins, and a command's reply back out through `zca msg send`.

The end-to-end tests (tests/e2e) run a real `errbot` process on zca-sim; these run the same
backend, service and errbot plugin manager in-process on the fake transport of
tests/fake_transport.py, so each step of the path can be looked at. Events come from zca-sim's
own builders (the `listen -r` format); every wait is bounded.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from errbot.backends.base import Message

from errbot_zalouser.backend.backend import _MAX_BUFFERED
from errbot_zalouser.backend.identifiers import ZaloOccupant, ZaloPerson, ZaloRoom
from errbot_zalouser.model import InboundEvent
from errbot_zalouser.simulator import events as sim_events
from errbot_zalouser.simulator import seed
from tests.backend.conftest import ADMIN, FRIEND, OTHER_GROUP, STRANGER, WORK_CHAT

BOT_NAME = "Sim Bot"  # the simulated account's display name (seed.me_row)


def dm(sender: str, text: str, name: str = "", **extra: Any) -> dict[str, Any]:
    return sim_events.dm_event(sender, text, sender_name=name, extra=extra or None)


def group(group_id: str, sender: str, text: str, *, mention: bool = False) -> dict[str, Any]:
    mentions = [{"uid": seed.BOT_ID, "pos": 0, "len": len(BOT_NAME) + 1, "type": 0}] if mention else None
    return sim_events.group_event(group_id, sender, text, sender_name="Alice Smith", group_name="Work Chat",
                                  mentions=mentions)


def wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# --- buffering until the plugins are active ----------------------------------------------------


def test_events_before_the_listener_connects_wait_for_the_plugins(make_harness, caplog):
    caplog.set_level(logging.WARNING, logger="errbot_zalouser.backend.backend")
    h = make_harness()
    h.feed(*(dm(FRIEND, f"early {i}") for i in range(_MAX_BUFFERED + 1)))
    assert wait_for(lambda: "buffer full" in caplog.text), "the last event never met a full buffer"
    assert h.recorder.messages == [] and not h.recorder.is_activated

    h.listener.connect()
    got = h.wait_messages(_MAX_BUFFERED)
    assert [m.body for m in got] == [f"early {i}" for i in range(_MAX_BUFFERED)]
    h.feed(dm(FRIEND, "live"))
    bodies = [m.body for m in h.wait_messages(_MAX_BUFFERED + 1)]
    assert bodies[-1] == "live" and f"early {_MAX_BUFFERED}" not in bodies  # the overflow was dropped


def test_a_second_connect_does_not_reactivate_or_replay(make_harness):
    h = make_harness()
    h.feed(dm(FRIEND, "once"))
    h.listener.connect()
    h.wait_messages(1)
    h.listener.connect()  # a reconnect after a recycle: plugins stay active, nothing is replayed
    h.feed(dm(FRIEND, "twice"))
    assert [m.body for m in h.wait_messages(2)] == ["once", "twice"]


# --- _to_message: what a plugin receives ---------------------------------------------------------


def test_a_dm_reaches_plugins_as_a_message_from_its_sender(make_harness):
    h = make_harness()
    h.listener.connect()
    event = dm(FRIEND, "hello", name="Alice Smith")
    h.feed(event)
    (msg,) = h.wait_messages(1)
    assert type(msg.frm) is ZaloPerson and msg.is_direct
    assert (msg.frm.user_id, msg.frm.fullname, msg.frm.account) == (FRIEND, "Alice Smith", "default")
    assert msg.to == h.bot.bot_identifier and msg.to.account == "default"
    parsed = InboundEvent.from_json(event)
    assert msg.extras == {
        "account": "default",
        "msg_id": event["msgId"],
        "cli_msg_id": event["cliMsgId"],
        "timestamp": parsed.timestamp,
        "thread_id": FRIEND,
        "zalouser_event": event,
        "msg_type": "",
        "attachments": (),
        "quote": None,
    }


def test_a_group_message_comes_from_an_occupant_of_the_room(make_harness):
    h = make_harness()
    h.listener.connect()
    h.feed(group(WORK_CHAT, FRIEND, "hello all"))
    (msg,) = h.wait_messages(1)
    assert type(msg.frm) is ZaloOccupant and msg.is_group
    assert msg.frm.user_id == FRIEND and msg.frm.aclattr == f"zalouser:{FRIEND}"
    assert msg.to == ZaloRoom(WORK_CHAT) and msg.to.name == "Work Chat" and msg.frm.room is msg.to
    assert msg.extras["thread_id"] == WORK_CHAT and msg.extras["account"] == "default"
    assert h.recorder.mentions == []


def test_an_attachment_is_in_the_extras(make_harness):
    h = make_harness()
    h.listener.connect()
    link = {"action": "recommened.link", "title": "Docs", "href": "https://example.invalid/docs"}
    h.feed(sim_events.dm_event(FRIEND, link))
    (msg,) = h.wait_messages(1)
    (attachment,) = msg.extras["attachments"]
    assert (attachment.kind, attachment.url, attachment.name) == ("link", "https://example.invalid/docs", "Docs")
    assert msg.body == "[link: Docs]"


def test_a_mention_of_the_bot_calls_callback_mention(make_harness):
    h = make_harness()
    h.listener.connect()
    h.feed(group(WORK_CHAT, FRIEND, f"@{BOT_NAME} status?", mention=True), dm(FRIEND, f"hey @{BOT_NAME}"))
    (group_msg, dm_msg) = h.wait_messages(2)
    mentions = h.wait_mentions(2)
    assert [m for m, _ in mentions] == [group_msg, dm_msg]
    assert all(people == [h.bot.bot_identifier] for _, people in mentions)
    assert (group_msg.body, dm_msg.body) == ("status?", f"hey @{BOT_NAME}")  # a leading @bot is taken off


# --- the gate ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refused", "why"),
    [
        (dm(seed.BOT_ID, "an echo of our own reply"), "own message"),
        (group(OTHER_GROUP, FRIEND, "not an allowlisted group"), "groupPolicy=allowlist"),
        (group(WORK_CHAT, seed.BOT_ID, "own message in a group"), "own message"),
    ],
)
def test_the_gate_drops_before_any_plugin(make_harness, caplog, refused, why):
    caplog.set_level(logging.INFO, logger="errbot_zalouser.backend.backend")
    h = make_harness()
    h.listener.connect()
    h.feed(refused, dm(FRIEND, "sentinel"))
    assert [m.body for m in h.wait_messages(1)] == ["sentinel"]  # in order: the refused one came first
    assert why in caplog.text


def test_a_stranger_is_challenged_and_admins_are_told(make_harness):
    h = make_harness()
    h.listener.connect()
    h.feed(dm(STRANGER, "hi", name="Người Lạ"), dm(FRIEND, "sentinel"))
    assert [m.body for m in h.wait_messages(1)] == ["sentinel"]
    (reply,) = h.sent_to(STRANGER)
    assert "Pairing code:" in reply["text"] and STRANGER in reply["text"]
    code = h.bot.zalouser.pairing_requests()[0].code
    # warn_admins -> send_message -> the outbox; this harness loads no companion plugin, so the admin
    # was first told that nothing answers !pair approve
    notices = [r["text"] for r in h.sent_to(ADMIN, 2)]
    assert any(code in text and "Người Lạ" in text for text in notices), notices

    h.bot.zalouser.approve_pairing(code, approver=f"zalouser:{ADMIN}")
    h.feed(dm(STRANGER, "now I may"))
    assert h.wait_messages(2)[-1].body == "now I may"


def test_a_gate_failure_drops_the_message(make_harness, caplog):
    h = make_harness()
    h.listener.connect()
    h.bot._on_event("no-such-account", InboundEvent.from_json(dm(FRIEND, "lost")))  # admit raises NotFound
    h.feed(dm(FRIEND, "sentinel"))
    assert [m.body for m in h.wait_messages(1)] == ["sentinel"]
    assert "gate failed; message" in caplog.text


# --- replies go back out through zca ---------------------------------------------------------------


@pytest.mark.parametrize(("event", "thread"), [
    (dm(FRIEND, "!ping"), FRIEND),
    (group(WORK_CHAT, FRIEND, "!ping"), WORK_CHAT),
])
def test_a_command_reply_is_sent_to_the_conversation(make_harness, event, thread):
    h = make_harness()
    h.listener.connect()
    h.feed(event)
    (sent,) = h.sent_to(thread)
    assert sent["text"] == "pong"
    assert sent.get("isGroup", False) is (thread == WORK_CHAT)
    # the fake records a command once the simulator has run it, a moment after the row above
    assert wait_for(lambda: "msg send" in h.zca.commands)


# --- _account_of ----------------------------------------------------------------------------------


def _message(extras: dict[str, Any] | None = None, to: Any = None, frm: Any = None) -> Message:
    return Message("x", frm=frm, to=to, extras=extras)


ROOM_ON_WORK = ZaloRoom(WORK_CHAT, "Work Chat", "work")


@pytest.mark.parametrize(
    ("msg", "expected"),
    [
        (_message({"account": "work"}, to=ZaloPerson(FRIEND, account="other")), "work"),
        (_message({}, to=ROOM_ON_WORK, frm=ZaloPerson(FRIEND, account="other")), "work"),
        (_message(None, to=ZaloPerson(FRIEND), frm=ZaloOccupant(FRIEND, ROOM_ON_WORK)), "work"),
        (_message({"account": ""}, to=ZaloPerson(FRIEND), frm=ZaloPerson(FRIEND)), "default"),
        (_message(), "default"),
    ],
    ids=["extras first", "then the recipient", "then the sender", "empty values fall through", "default"],
)
def test_account_of(make_harness, msg, expected):
    h = make_harness(serve=False)
    assert h.bot._account_of(msg) == expected


def test_a_reply_to_a_group_message_stays_on_its_account(make_harness):
    h = make_harness(serve=False)
    incoming = _message({"account": "work"}, to=ROOM_ON_WORK, frm=ZaloOccupant(FRIEND, ROOM_ON_WORK, "Alice"))
    reply = h.bot.build_reply(incoming, "ok")
    assert reply.to == ROOM_ON_WORK and reply.extras["account"] == "work"
    private = h.bot.build_reply(incoming, "ok", private=True)
    assert type(private.to) is ZaloPerson and private.to.user_id == FRIEND and private.to.account == "work"
