"""What every command shares: help text, the backend check and the admin gate (with ACLs)."""

from __future__ import annotations

import logging

import pytest

from errbot_zalouser.plugins.support import NEEDS_BACKEND
from tests.plugins.conftest import COMMANDS, CONFIG, PLUGIN_DIR, as_stranger
from tests.plugins.fake_api import FakeApi

extra_plugin_dir = PLUGIN_DIR
extra_config = CONFIG
loglevel = logging.WARNING

PLUGINS = ("ZalouserPairing", "ZalouserDirectory", "ZalouserAllowlist", "ZalouserStatus")


@pytest.mark.parametrize(("words", "args"), COMMANDS)
def test_help_text_with_usage(testbot, words: str, args: str) -> None:
    reply = testbot.exec_command(f"!help {words}")
    assert f"!{words}" in reply
    assert f"Usage: !{words}" in reply


@pytest.mark.parametrize("plugin", PLUGINS)
def test_plugin_help_lists_its_commands(testbot, plugin: str) -> None:
    reply = testbot.exec_command(f"!help {plugin}")
    assert "(bot admins only)" in reply.splitlines()[1]
    assert "undocumented" not in reply


@pytest.mark.parametrize(("words", "args"), COMMANDS)
def test_other_backends_get_a_clear_reply(testbot, words: str, args: str) -> None:
    assert not hasattr(testbot.bot, "zalouser")
    assert testbot.exec_command(f"!{words} {args}") == NEEDS_BACKEND


@pytest.mark.parametrize(("words", "args"), COMMANDS)
def test_non_admin_is_refused_by_acls(testbot, api: FakeApi, words: str, args: str) -> None:
    as_stranger(testbot)
    assert testbot.exec_command(f"!{words} {args}") == "This command requires bot-admin privileges"
    assert api.calls == []


def test_command_names_are_kept(testbot) -> None:
    """A clash with a core command would rename ours to <Plugin>-<command> and warn the admins."""
    assert {words.replace(" ", "_") for words, _args in COMMANDS} <= set(testbot.bot.all_commands)
    assert not [name for name in testbot.bot.all_commands if name.startswith("Zalouser")]
    assert testbot.bot.outgoing_message_queue.empty()
