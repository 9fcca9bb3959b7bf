"""!directory self|peers|groups|members through errbot's test bot, a fake service and the real cache."""

from __future__ import annotations

import logging

import pytest

from errbot_zalouser.errors import ZcaCommandFailed
from tests.plugins.conftest import CONFIG, PLUGIN_DIR
from tests.plugins.fake_api import FakeApi

extra_plugin_dir = PLUGIN_DIR
extra_config = CONFIG
loglevel = logging.WARNING

PEERS_USAGE = "Usage: !directory peers [query] [--limit N] [--refresh] [--account A]"


def rows(reply: str) -> list[list[str]]:
    """The table rows of a reply (after the title and the header), as split words."""
    return [line.split() for line in reply.splitlines()[2:] if not line.startswith("…")]


def first_ids(reply: str) -> list[str]:
    return [row[0] for row in rows(reply)]


def test_peers_vietnamese_folding(testbot, api: FakeApi) -> None:
    reply = testbot.exec_command("!directory peers nguyen")
    lines = reply.splitlines()
    assert lines[0] == 'Peers matching "nguyen" (4)'
    assert lines[1].split() == ["ID", "Name", "Phone"]
    assert lines[2].split() == ["1006", "Lê", "Văn", "Nguyện"]
    assert lines[3].split() == ["1002", "Nguyễn", "Thị", "Bích", "(Bich", "Nguyen)"]
    assert lines[4].split() == ["1001", "Nguyễn", "Văn", "An", "84912345678"]
    assert lines[5].split() == ["1005", "Trần", "Nguyên"]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("dao", ["1003"]),
        ("Đào", ["1003"]),
        ("dang", ["1004"]),
        ("ĐẶNG", ["1004"]),
        ("0912345678", ["1001"]),
        ("1003", ["1003"]),
        ("ha", ["1008", "1009", "1004", "1007"]),  # exact names first, then word starts, then substrings
        ('"van an"', ["1001"]),
    ],
)
def test_peers_queries(testbot, api: FakeApi, query: str, ids: list[str]) -> None:
    assert first_ids(testbot.exec_command(f"!directory peers {query}")) == ids


def test_peers_without_query_lists_everyone_by_name(testbot, api: FakeApi) -> None:
    reply = testbot.exec_command("!directory peers")
    assert reply.splitlines()[0] == "Peers (9)"
    assert first_ids(reply)[:3] == ["1004", "1003", "1008"]


def test_peers_limit_and_omitted_count(testbot, api: FakeApi) -> None:
    reply = testbot.exec_command("!directory peers nguyen --limit 2")
    assert reply.splitlines()[0] == 'Peers matching "nguyen" (2 of 4)'
    assert first_ids(reply) == ["1006", "1002"]
    assert reply.splitlines()[-1] == "… 2 more not shown (narrow the query, or use --limit N)."
    assert ("search_peers", ("nguyen",), {"account": None, "limit": 2, "refresh": False}) in api.calls


def test_plugin_limit_setting(testbot, api: FakeApi) -> None:
    manager = testbot.bot.plugin_manager
    manager.set_plugin_configuration("ZalouserDirectory", {"LIMIT": 3})
    manager.deactivate_plugin("ZalouserDirectory")
    manager.activate_plugin("ZalouserDirectory")
    assert testbot.exec_command("!directory peers").splitlines()[0] == "Peers (3 of 9)"


def test_limit_setting_is_validated(testbot) -> None:
    from errbot import ValidationException

    plugin = testbot.bot.plugin_manager.get_plugin_obj_by_name("ZalouserDirectory")
    assert plugin.get_configuration_template() == {"LIMIT": 20}
    plugin.check_configuration({"LIMIT": 50})
    for bad in ({"LIMIT": 0}, {"LIMIT": "20"}, {"LIMIT": 10_000}):
        with pytest.raises(ValidationException):
            plugin.check_configuration(bad)


@pytest.mark.parametrize(
    ("args", "problem"),
    [("--limit x", "--limit must be a number, not 'x'"), ("--limit 0", "--limit must be between 1 and 500"),
     ("--bogus", "unknown option --bogus"), ("--limit", "--limit needs a value")],
)
def test_peers_argument_errors(testbot, api: FakeApi, args: str, problem: str) -> None:
    assert testbot.exec_command(f"!directory peers {args}") == f"{PEERS_USAGE} ({problem})"


def test_repeated_queries_cost_no_fetch_and_refresh_refetches(testbot, api: FakeApi) -> None:
    for query in ("nguyen", "dao", "ha", "an"):
        testbot.exec_command(f"!directory peers {query}")
    assert api.fetches["friends"] == 1
    testbot.exec_command("!directory peers dao --refresh")
    assert api.fetches["friends"] == 2


def test_no_match(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!directory peers zzz") == 'No peers match "zzz".'
    assert testbot.exec_command("!directory groups zzz") == 'No groups match "zzz".'


def test_markdown_in_names_is_shown_literally(testbot, api: FakeApi) -> None:
    assert rows(testbot.exec_command("!directory peers star")) == [["1007", "Phạm", "*Star*", "_x_"]]


def test_groups(testbot, api: FakeApi) -> None:
    reply = testbot.exec_command("!directory groups gia dinh")
    assert reply.splitlines()[:2] == ['Groups matching "gia dinh" (2)', "ID    Name      Members"]
    assert rows(reply) == [["5001", "Gia", "đình", "3"], ["5004", "Gia", "Đình", "2"]]
    assert rows(testbot.exec_command("!directory groups doi")) == [["5003", "Đội", "bóng", "?"]]


@pytest.mark.parametrize("group", ["5001", "group:5001"])
def test_members_by_id(testbot, api: FakeApi, group: str) -> None:
    reply = testbot.exec_command(f"!directory members {group}")
    assert reply.splitlines()[0] == "Members of Gia đình (5001) (3)"
    assert first_ids(reply) == ["1004", "1003", "1001"]


def test_members_by_name(testbot, api: FakeApi) -> None:
    reply = testbot.exec_command("!directory members cong viec --limit 1")
    assert reply.splitlines()[0] == "Members of Công việc (5002) (1)"


def test_members_ambiguous_and_unknown_group(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!directory members gia đình") == (
        '"gia đình" is ambiguous: Gia đình (5001), Gia Đình (5004). Use the id.'
    )
    assert testbot.exec_command("!directory members nowhere") == 'No group named "nowhere".'
    assert testbot.exec_command("!directory members 5003") == "No members found in Đội bóng (5003)."
    assert testbot.exec_command("!directory members").startswith("Usage: !directory members <group>")


def test_self(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!directory self") == "Self\nID    Name\n9999  Bot Zalo"
    testbot.exec_command("!directory self --refresh")
    assert api.fetches["self"] == 2


def test_zca_failure(testbot, api: FakeApi) -> None:
    api.fail["search_peers"] = ZcaCommandFailed("zca friend list failed: Không thể kết nối")
    assert testbot.exec_command("!directory peers an") == "zca failed: friend list failed: Không thể kết nối"
