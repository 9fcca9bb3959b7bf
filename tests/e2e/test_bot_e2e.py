"""The real backend under `errbot -c`, on the simulator: DMs, groups, pairing, shutdown.

Tests that take the ``surface`` fixture run on both zca-sim surfaces (openzca 0.1.58 and the old binary).
"""

from __future__ import annotations

import re
import signal

from tests.e2e.conftest import ADMIN, FRIEND, STRANGER, WORK_CHAT

CODE = re.compile(r"Pairing code: ([A-Z2-9]{8})")


def test_echo_and_help_round_trip_in_a_dm(bot_factory, surface):
    bot = bot_factory()
    bot.sim.inject_dm(ADMIN, "!echo xin chào")
    assert bot.replies_to(ADMIN)[-1]["text"] == "xin chào"
    bot.sim.inject_dm(ADMIN, "!help")
    help_text = bot.replies_to(ADMIN, 2)[-1]["text"]
    assert "echo" in help_text and "help" in help_text
    assert all(not r["isGroup"] for r in bot.sim.sent())


def test_echo_and_help_round_trip_in_a_group(bot_factory, surface):
    bot = bot_factory({"groupPolicy": "open"})
    bot.sim.inject_group(WORK_CHAT, FRIEND, "!echo hello group")
    reply = bot.replies_to(WORK_CHAT)[-1]
    assert reply["isGroup"] is True and reply["text"] == "hello group"
    bot.sim.inject_group(WORK_CHAT, FRIEND, "!help")
    assert "echo" in bot.replies_to(WORK_CHAT, 2)[-1]["text"]


def test_option_like_texts_are_sent_literally(bot_factory, surface):
    bot = bot_factory({"groupPolicy": "open"})
    texts = ["--help", "-g", "--profile x", "-- x"]
    for text in texts:
        bot.sim.inject_dm(ADMIN, f"!echo {text}")
    # errbot runs each command on its own pool thread, so replies to separate commands may interleave.
    assert sorted(r["text"] for r in bot.replies_to(ADMIN, len(texts))) == sorted(texts)
    for text in texts:
        bot.sim.inject_group(WORK_CHAT, FRIEND, f"!echo {text}")
    rows = bot.replies_to(WORK_CHAT, len(texts))
    assert sorted(r["text"] for r in rows) == sorted(texts) and all(r["isGroup"] for r in rows)


def test_pairing_flow_from_zalo_dms(bot_factory):
    bot = bot_factory({"dmPolicy": "pairing"})
    bot.sim.inject_dm(STRANGER, "hi bot")
    challenge = bot.replies_to(STRANGER)[-1]["text"]
    code = CODE.search(challenge).group(1)
    assert STRANGER in challenge and f"!pair approve {code}" in challenge
    notice = bot.replies_to(ADMIN)[-1]["text"]
    assert code in notice

    bot.sim.inject_dm(STRANGER, "!echo still waiting")  # a repeat: no second code, not dispatched
    bot.sim.inject_dm(ADMIN, f"!pair approve {code.lower()}")
    approved = bot.replies_to(STRANGER, 2)
    assert approved[-1]["text"] == "Your pairing request has been approved."
    assert len([r for r in approved if CODE.search(r["text"])]) == 1

    bot.sim.inject_dm(STRANGER, "!echo now I am in")
    assert bot.replies_to(STRANGER, 3)[-1]["text"] == "now I am in"


def test_sigterm_shuts_down_cleanly(bot_factory):
    bot = bot_factory()
    pid = bot.sim.listener_pid()
    assert pid is not None
    assert bot.stop(signal.SIGTERM) == 0
    assert bot.sim.listener_pid() is None
    assert "Traceback" not in bot.output
