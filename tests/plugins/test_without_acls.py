"""Without the ACLs core plugin `admin_only` means nothing: the plugins' own check still refuses."""

from __future__ import annotations

import logging

import pytest

from tests.plugins.conftest import ADMIN, COMMANDS, PLUGIN_DIR, as_stranger
from tests.plugins.fake_api import FakeApi

extra_plugin_dir = PLUGIN_DIR
extra_config = {
    "BOT_ADMINS": ("zalouser:1*",),
    "CORE_PLUGINS": ("Help", "CommandNotFoundFilter", "Utils"),
    "AUTOINSTALL_DEPS": False,
}
loglevel = logging.WARNING


@pytest.mark.parametrize(("words", "args"), COMMANDS)
def test_non_admin_is_refused_by_the_plugin(testbot, api: FakeApi, words: str, args: str) -> None:
    as_stranger(testbot)
    assert testbot.exec_command(f"!{words} {args}") == f"Only bot admins can use !{words}."
    assert api.calls == []


def test_admin_globs_match(testbot, api: FakeApi) -> None:
    testbot.bot.sender = testbot.bot.build_identifier(ADMIN)  # matches "zalouser:1*"
    assert testbot.exec_command("!pair list") == "No pending pairing requests."
