"""Suite 7: an unknown sender reaches no plugin, codes need an admin, names grant nothing.

The bot runs with the companion plugins plus tests/faults/plugins/faultrecorder, which writes
every ``callback_message`` it is given to a file. Each test ends with a positive control (a
message that must reach the plugins and be answered) so that "nothing recorded" cannot come
from a recorder that never ran, and so that every earlier event has passed the gate (events
go through it in order).
"""

from __future__ import annotations

import json
import re

import pytest

from errbot_zalouser.simulator import seed
from tests.faults.conftest import (
    ADMIN,
    FRIEND,
    STRANGER,
    WORK_CHAT,
    read_jsonl,
    recorder_config,
    sent_texts,
    wait_until,
)

CODE = re.compile(r"Pairing code: ([A-Z2-9]{8})")
ADMIN_NAME = next(f["displayName"] for f in seed.default_friends() if f["userId"] == ADMIN)
FRIEND_NAME = next(f["displayName"] for f in seed.default_friends() if f["userId"] == FRIEND)
UNKNOWN_TEXTS = ["hello", "!echo let me in", "!pair approve ABCDEFGH", "!help", "!zalouser status", "--help"]


def _approved(bot) -> set[str]:
    path = bot.workdir / "data" / "zalouser" / "approved.json"
    try:
        return {e["userId"] for e in json.loads(path.read_text())["entries"]}
    except FileNotFoundError:
        return set()


def _dm_senders(record) -> set[str]:
    return {r["frm"] for r in read_jsonl(record) if not r["is_group"]}


@pytest.mark.parametrize("policy", ["pairing", "allowlist", "disabled"])
def test_unknown_sender_reaches_no_plugin(bot_factory, tmp_path, policy):
    record = tmp_path / "record.jsonl"
    block = {"dmPolicy": policy, "groupPolicy": "open", "allowFrom": [FRIEND_NAME]}
    bot = bot_factory(block, extra=recorder_config(record))
    sim = bot.sim
    for text in UNKNOWN_TEXTS:
        sim.inject_dm(STRANGER, text)
        # The same stranger wearing an allowlisted friend's name, and the admin's.
        sim.inject_dm(STRANGER, text, sender_name=FRIEND_NAME)
        sim.inject_dm(STRANGER, text, sender_name=ADMIN_NAME)
    if policy == "disabled":  # DMs are off for everyone: the control goes through a group
        sim.inject_group(WORK_CHAT, FRIEND, "!echo control")
        control = WORK_CHAT
    else:  # FRIEND is admitted by the name in allowFrom, resolved to its id at start-up
        sim.inject_dm(FRIEND, "!echo control")
        control = FRIEND
    assert wait_until(lambda: "control" in sent_texts(sim, control), timeout=20), bot.log[-3000:]
    senders = _dm_senders(record)
    assert STRANGER not in senders
    assert senders == (set() if policy == "disabled" else {FRIEND})
    assert {r["frm"] for r in read_jsonl(record)} <= {FRIEND}
    if policy == "pairing":  # a code, once; nothing else
        assert wait_until(lambda: sent_texts(sim, STRANGER), timeout=10)
        [code_reply] = sent_texts(sim, STRANGER)
        assert CODE.search(code_reply)
    else:
        assert sent_texts(sim, STRANGER) == []
    assert STRANGER not in _approved(bot)


def test_a_non_admin_cannot_approve_pairing_codes(bot_factory, tmp_path):
    record = tmp_path / "record.jsonl"
    bot = bot_factory({"dmPolicy": "pairing"}, extra=recorder_config(record))
    sim = bot.sim

    def code_for(uid: str) -> str:
        assert wait_until(lambda: any(CODE.search(t) for t in sent_texts(sim, uid)), timeout=15), bot.log[-3000:]
        return next(CODE.search(t).group(1) for t in sent_texts(sim, uid) if CODE.search(t))

    sim.inject_dm(STRANGER, "hi")
    stranger_code = code_for(STRANGER)
    sim.inject_dm(FRIEND, "hi")
    friend_code = code_for(FRIEND)
    sim.inject_dm(ADMIN, f"!pair approve {friend_code}")  # FRIEND becomes an approved non-admin
    assert wait_until(lambda: FRIEND in _approved(bot), timeout=15)

    # The approved non-admin, the stranger itself and the stranger wearing the admin's name try.
    sim.inject_dm(FRIEND, f"!pair approve {stranger_code}")
    sim.inject_dm(FRIEND, f"!allowlist add {STRANGER}")
    sim.inject_dm(STRANGER, f"!pair approve {stranger_code}")
    sim.inject_dm(STRANGER, f"!pair approve {stranger_code}", sender_name=ADMIN_NAME)
    sim.inject_dm(FRIEND, "!echo control")
    assert wait_until(lambda: "control" in sent_texts(sim, FRIEND), timeout=20), bot.log[-3000:]
    assert wait_until(lambda: len(sent_texts(sim, FRIEND)) >= 5, timeout=10)  # refusals + approval + control

    assert _approved(bot) == {FRIEND}
    assert STRANGER not in _dm_senders(record)
    refusals = [t for t in sent_texts(sim, FRIEND) if "requires bot-admin" in t]
    assert len(refusals) == 2, sent_texts(sim, FRIEND)  # !pair approve and !allowlist add, both refused
    sim.inject_dm(ADMIN, "!pair list")
    assert wait_until(lambda: any(stranger_code in t and "Pairing requests" in t for t in sent_texts(sim, ADMIN)),
                      timeout=15), sent_texts(sim, ADMIN)
    assert len(sent_texts(sim, STRANGER)) == 1  # just the code: no "approved" notice
