"""!allowlist and its add/remove commands through errbot's test bot and a fake service."""

from __future__ import annotations

import logging

from errbot_zalouser.errors import StoreError
from errbot_zalouser.model import ApprovedEntry
from errbot_zalouser.service.api import AllowEntryView
from tests.plugins.conftest import CONFIG, PLUGIN_DIR
from tests.plugins.fake_api import FakeApi

extra_plugin_dir = PLUGIN_DIR
extra_config = CONFIG
loglevel = logging.WARNING


def test_view_marks_each_source(testbot, api: FakeApi) -> None:
    api.config_dm["default"] += [
        AllowEntryView("1001", "config", "Nguyễn Văn An"),
        AllowEntryView("Chị Ba", "unresolved"),
    ]
    api.approved.append(ApprovedEntry("1003", "default", "pairing", 0.0, "Đào Minh Đức"))
    api.config_groups["default"].append(AllowEntryView("5002", "resolved", "Công việc"))
    lines = testbot.exec_command("!allowlist").splitlines()
    assert lines[0] == "DM allowlist (dmPolicy=pairing)"
    assert lines[1].split() == ["1001", "Nguyễn", "Văn", "An", "[config]"]
    assert lines[2].split() == ["Chị", "Ba", "[unresolved]"]
    assert lines[3].split() == ["1003", "Đào", "Minh", "Đức", "[pairing]"]
    assert lines[4] == "Group allowlist (groupPolicy=allowlist)"
    assert lines[5].split() == ["5002", "Công", "việc", "[resolved]"]
    assert len(lines) == 6


def test_view_notes(testbot, api: FakeApi) -> None:
    api.config_dm["default"].append(AllowEntryView("*", "wildcard"))
    reply = testbot.exec_command("!allowlist")
    assert "*  [wildcard]" in reply
    assert 'Warning: "*" admits every sender, so pairing and the allowlist are bypassed.' in reply
    assert "The list is empty, so every group message is dropped." in reply
    api.policies["default"] = ("open", "open")
    reply = testbot.exec_command("!allowlist")
    assert "dmPolicy=open admits every sender; this list is not consulted." in reply
    assert "groupPolicy=open admits every group; this list is not consulted." in reply


def test_view_names_the_account_when_there_are_several(testbot) -> None:
    testbot.bot.zalouser = FakeApi(accounts=("default", "work"))
    assert testbot.exec_command("!allowlist --account work").splitlines()[0] == "Account work"


def test_add_by_id_takes_effect_at_once(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!allowlist add 1005") == "Added 1005 to the DM allowlist of account default."
    assert ("allow_user", ("1005",), {"account": None, "by": "zalouser:111"}) in api.calls
    assert "1005  [chat]" in testbot.exec_command("!allowlist")


def test_add_by_exact_name_without_accents(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!allowlist add nguyen van an") == (
        "Added Nguyễn Văn An (1001) to the DM allowlist of account default."
    )


def test_add_ambiguous_or_unknown_name_is_never_guessed(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!allowlist add Hà") == '"Hà" is ambiguous: Hà (1008), Hà (1009). Use the id.'
    assert testbot.exec_command("!allowlist add Nguyễn") == 'No friend named "Nguyễn"; use the Zalo id.'
    assert api.approved == []


def test_remove(testbot, api: FakeApi) -> None:
    api.approved.append(ApprovedEntry("1003", "default", "chat", 0.0, "Đào Minh Đức"))
    assert testbot.exec_command("!allowlist remove 1003") == (
        "Removed Đào Minh Đức (1003) from the DM allowlist of account default."
    )


def test_remove_configured_entry_says_where_to_change_it(testbot, api: FakeApi) -> None:
    api.config_dm["default"].append(AllowEntryView("1001", "config"))
    assert testbot.exec_command("!allowlist remove 1001") == (
        "1001 is in the configuration (allowFrom); remove it there and restart."
    )


def test_group_add_by_name_and_remove_by_id(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!allowlist group add cong viec") == (
        "Added group Công việc (5002) to the group allowlist of account default."
    )
    assert "5002  Công việc  [chat]" in testbot.exec_command("!allowlist")
    assert testbot.exec_command("!allowlist group remove group:5002") == (
        "Removed group Công việc (5002) from the group allowlist of account default."
    )


def test_group_add_ambiguous_name(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!allowlist group add Gia đình") == (
        '"Gia đình" is ambiguous: Gia đình (5001), Gia Đình (5004). Use the id.'
    )


def test_group_remove_configured(testbot, api: FakeApi) -> None:
    api.config_groups["default"].append(AllowEntryView("5001", "config"))
    assert testbot.exec_command("!allowlist group remove 5001") == (
        "group 5001 is in the configuration (groups); remove it there and restart."
    )


def test_arguments_are_required(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!allowlist add").startswith("Usage: !allowlist add <user> [--account A]")
    assert testbot.exec_command("!allowlist group add").startswith("Usage: !allowlist group add <group>")
    assert testbot.exec_command("!allowlist group").startswith("Usage: !allowlist [--account A]")


def test_store_failure_says_nothing_was_saved(testbot, api: FakeApi) -> None:
    api.fail["allow_user"] = StoreError("approved store: disk full")
    assert testbot.exec_command("!allowlist add 1005") == "Nothing was saved: approved store: disk full"
