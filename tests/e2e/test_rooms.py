"""Errbot's !room commands on Zalo: directory data for admins only, by the backend's own default
(the config has no ACCESS_CONTROLS key for ChatRoom), and one sentence for what Zalo cannot do."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ADMIN, FRIEND, WORK_CHAT

WITH_CHATROOM = 'CORE_PLUGINS = ("ACLs", "Help", "Health", "Utils", "CommandNotFoundFilter", "ChatRoom")\n'
DENIED = "You're not allowed to access this command from this user"


@pytest.fixture
def bot(bot_factory):
    return bot_factory({"dmPolicy": "pairing", "allowFrom": [FRIEND], "groupPolicy": "open"}, extra=WITH_CHATROOM)


def _ask(bot, user: str, text: str, n: int) -> str:
    bot.sim.inject_dm(user, text)
    return bot.replies_to(user, n)[n - 1]["text"]


@pytest.mark.parametrize("command", ["!room list", f"!room occupants zalouser:group:{WORK_CHAT}",
                                     f"!room topic zalouser:group:{WORK_CHAT}", '!room occupants "Work Chat"'])
def test_a_paired_non_admin_learns_nothing_about_groups(bot, command):
    reply = _ask(bot, FRIEND, command, 1)
    assert reply == DENIED
    assert WORK_CHAT not in reply and "Work Chat" not in reply


def test_the_admin_lists_groups_and_members_in_a_dm(bot):
    assert f"zalouser:group:{WORK_CHAT}" in _ask(bot, ADMIN, "!room list", 1)
    assert f"zalouser:{FRIEND}" in _ask(bot, ADMIN, f"!room occupants zalouser:group:{WORK_CHAT}", 2)


def test_room_commands_are_not_for_groups_either(bot):
    bot.sim.inject_group(WORK_CHAT, ADMIN, "!room list")
    reply = bot.replies_to(WORK_CHAT)[0]["text"]
    assert "chatroom" in reply.lower() and WORK_CHAT not in reply.split("from")[0]


@pytest.mark.parametrize(("command", "sentence"), [
    ("!room create Team", 'no group named "Team" (the bot can neither create nor join groups'),
    (f"!room create zalouser:group:{WORK_CHAT}", "Creating a Zalo group from the bot is not supported"),
    (f"!room destroy zalouser:group:{WORK_CHAT}", "Deleting a Zalo group from the bot is not supported"),
    (f"!room leave zalouser:group:{WORK_CHAT}", "Leaving a Zalo group from the bot is not supported"),
    (f"!room invite zalouser:group:{WORK_CHAT} zalouser:{FRIEND}", "Inviting people to a Zalo group"),
    (f'!room topic zalouser:group:{WORK_CHAT} "New name"', "Renaming a Zalo group from the bot is not supported"),
    ("!room join zalouser:group:1234567890", "is not a group of this Zalo account"),
    (f"!room occupants zalouser:{FRIEND}", "is a person, not a group"),
])
def test_what_zalo_cannot_do_is_one_sentence_without_a_traceback(bot, command, sentence):
    reply = _ask(bot, ADMIN, command, 1)
    assert sentence in reply
    assert "Computer says nooo" not in reply and len(reply.splitlines()) == 1
    assert "Traceback" not in bot.log


def test_an_unknown_group_name_is_one_sentence(bot):
    reply = _ask(bot, ADMIN, '!room join "No Such Group"', 1)
    assert reply.startswith('This Zalo account has no group named "No Such Group"')
    assert "Traceback" not in bot.log
