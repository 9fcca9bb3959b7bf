"""Errbot ACLs on zalouser ids compose with the policy gate; replies leave through the right account."""

from __future__ import annotations

from errbot_zalouser.simulator.control import SimControl
from tests.e2e.conftest import ADMIN, FRIEND, STRANGER, WORK_CHAT

ACLS = f"""
ACCESS_CONTROLS = {{
    "Utils:echo": {{"allowmuc": False}},
    "Health:*": {{"allowusers": ("zalouser:{ADMIN}",)}},
}}
"""


def test_acl_denies_a_command_in_groups_but_not_in_dms(bot_factory):
    bot = bot_factory({"groupPolicy": "open", "allowFrom": [FRIEND]}, extra=ACLS)
    bot.sim.inject_group(WORK_CHAT, FRIEND, "!echo in a group")
    denial = bot.replies_to(WORK_CHAT)[-1]["text"]
    assert "not allowed" in denial.lower() or "private" in denial.lower() or "direct message" in denial.lower()
    bot.sim.inject_dm(FRIEND, "!echo in a DM")
    assert bot.replies_to(FRIEND)[-1]["text"] == "in a DM"


def test_acl_allowusers_matches_zalouser_ids(bot_factory):
    bot = bot_factory({"dmPolicy": "allowlist", "allowFrom": [FRIEND]}, extra=ACLS)
    bot.sim.inject_dm(FRIEND, "!uptime")
    assert "not allowed" in bot.replies_to(FRIEND)[-1]["text"]
    bot.sim.inject_dm(ADMIN, "!uptime")
    assert "up for" in bot.replies_to(ADMIN)[-1]["text"].lower()


def test_policy_runs_before_acls(bot_factory):
    bot = bot_factory({"dmPolicy": "allowlist", "allowFrom": [FRIEND]}, extra=ACLS)
    bot.sim.inject_dm(STRANGER, "!echo let me in")
    bot.sim.inject_dm(FRIEND, "!echo marker")
    bot.replies_to(FRIEND)
    assert [r for r in bot.sim.sent() if r["threadId"] == STRANGER] == []


def test_reply_leaves_through_the_account_that_received(bot_factory, sim_home):
    work = SimControl.create(sim_home, "work")
    bot = bot_factory({
        "defaultAccount": "default",
        "accounts": {"default": {"profile": "default"}, "work": {"profile": "work"}},
        "dmPolicy": "allowlist",
        "allowFrom": [FRIEND],
    })
    work.wait_listener(timeout=30)
    work.inject_dm(FRIEND, "!echo via work")
    rows = work.wait_sent(1, timeout=15)
    assert rows[-1]["text"] == "via work" and rows[-1]["threadId"] == FRIEND
    assert [r for r in bot.sim.sent() if r["text"] == "via work"] == []


def test_directory_query_over_vietnamese_names(bot_factory):
    bot = bot_factory()
    bot.sim.inject_dm(ADMIN, "!directory peers nguyen")
    assert "Nguyễn Văn An" in bot.replies_to(ADMIN)[-1]["text"]
    bot.sim.inject_dm(ADMIN, "!directory peers dao")
    text = bot.replies_to(ADMIN, 2)[-1]["text"]
    assert "Đào Thị Bích" in text and "3318205567419902764" in text
