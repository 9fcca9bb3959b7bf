"""backend/defaults.py: what the backend adds to errbot's config before errbot reads it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

import errbot_zalouser
from errbot_zalouser.backend.defaults import ROOM_RULE, add_companion_plugins, add_room_rule, complete_config
from errbot_zalouser.errors import ConfigError

OURS = str(Path(errbot_zalouser.plugins_dir()).resolve())
ADMINS = ("zalouser:123",)


@pytest.mark.parametrize(("configured", "expected"), [
    (None, [OURS]),
    ("/srv/my-plugins", ["/srv/my-plugins", OURS]),
    (["/a", "/b"], ["/a", "/b", OURS]),
    (("/a",), ["/a", OURS]),
    (OURS, OURS),  # already there: left as written
    ([OURS, "/a"], [OURS, "/a"]),
    (str(Path(OURS).parent), str(Path(OURS).parent)),  # a parent folder: errbot walks into ours
])
def test_the_companion_plugins_are_added_once(configured, expected):
    config = SimpleNamespace(BOT_EXTRA_PLUGIN_DIR=configured)
    add_companion_plugins(config)
    dirs = config.BOT_EXTRA_PLUGIN_DIR
    assert dirs == expected


def test_a_config_without_the_key_gets_one():  # errbot reads BOT_EXTRA_PLUGIN_DIR unguarded
    config = SimpleNamespace()
    add_companion_plugins(config)
    assert config.BOT_EXTRA_PLUGIN_DIR == [OURS]


@pytest.mark.parametrize(("configured", "expected"), [("/a", "/a"), (None, None)])
def test_companion_plugins_can_be_left_out(configured, expected):
    config = SimpleNamespace(BOT_EXTRA_PLUGIN_DIR=configured, ZALOUSER_COMPANION_PLUGINS=False)
    add_companion_plugins(config)
    dirs = config.BOT_EXTRA_PLUGIN_DIR
    assert dirs == expected


@pytest.mark.parametrize("value", ["no", 0, None, "False"])
def test_the_switch_must_be_a_bool(value):
    with pytest.raises(ConfigError, match="ZALOUSER_COMPANION_PLUGINS: must be True or False"):
        add_companion_plugins(SimpleNamespace(ZALOUSER_COMPANION_PLUGINS=value))


def test_the_room_rule_goes_first():
    mine = {"*": {"allowusers": ("zalouser:*",)}, "Utils:echo": {"allowmuc": False}}
    config = SimpleNamespace(BOT_ADMINS=ADMINS, ACCESS_CONTROLS=mine)
    add_room_rule(config)
    assert list(config.ACCESS_CONTROLS) == [ROOM_RULE, "*", "Utils:echo"]
    assert config.ACCESS_CONTROLS[ROOM_RULE] == {"allowusers": ADMINS, "allowmuc": False}


@pytest.mark.parametrize("key", ["ChatRoom:*", "chatroom:room_list", "ChatRoom:room_occupants", " ChatRoom :x"])
def test_a_rule_of_the_users_own_for_chatroom_is_left_alone(key):
    config = SimpleNamespace(BOT_ADMINS=ADMINS, ACCESS_CONTROLS={key: {}})
    add_room_rule(config)
    rules = config.ACCESS_CONTROLS
    assert rules == {key: {}}


def test_a_config_without_acls_gets_the_rule():
    config = SimpleNamespace(BOT_ADMINS=ADMINS)
    add_room_rule(config)
    assert config.ACCESS_CONTROLS == {ROOM_RULE: {"allowusers": ADMINS, "allowmuc": False}}


def test_leaving_out_the_acls_plugin_is_warned_about():
    warnings = complete_config(SimpleNamespace(BOT_ADMINS=ADMINS, CORE_PLUGINS=("Help", "Utils")))
    assert any("CORE_PLUGINS leaves out ACLs" in w for w in warnings)
    assert complete_config(SimpleNamespace(BOT_ADMINS=ADMINS, CORE_PLUGINS=("ACLs",))) == []
    assert complete_config(SimpleNamespace(BOT_ADMINS=ADMINS)) == []  # None: every core plugin
