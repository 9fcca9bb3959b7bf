"""Fixtures for the companion plugin tests (errbot's `testbot` plus a fake ZalouserApi)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.fake_api import FakeApi

PLUGIN_DIR = str(Path(__file__).resolve().parents[2] / "plugins")
ADMIN = "zalouser:111"
STRANGER = "zalouser:333"
CONFIG = {
    "BOT_ADMINS": (ADMIN,),
    "CORE_PLUGINS": ("ACLs", "Help", "CommandNotFoundFilter", "Utils"),
    "AUTOINSTALL_DEPS": False,
}


@pytest.fixture
def api(testbot) -> FakeApi:
    """A FakeApi attached to the test bot as ``bot.zalouser``."""
    fake = FakeApi()
    testbot.bot.zalouser = fake
    return fake


def as_stranger(testbot) -> None:
    """Make the following messages come from a non-admin sender."""
    testbot.bot.sender = testbot.bot.build_identifier(STRANGER)


# Every command (its words) with a valid argument, for tests that run them all.
COMMANDS = (
    ("pair list", ""),
    ("pair approve", "ABCD2345"),
    ("pair deny", "ABCD2345"),
    ("pair revoke", "1001"),
    ("directory self", ""),
    ("directory peers", "an"),
    ("directory groups", "gia"),
    ("directory members", "5001"),
    ("allowlist", ""),
    ("allowlist add", "1001"),
    ("allowlist remove", "1001"),
    ("allowlist group add", "5001"),
    ("allowlist group remove", "5001"),
    ("zalouser status", ""),
)
