"""!zalouser status [--probe] through errbot's test bot and a fake service."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from errbot_zalouser.errors import ZcaTimeout
from errbot_zalouser.service.api import ProbeResult
from tests.plugins.conftest import CONFIG, PLUGIN_DIR
from tests.plugins.fake_api import FakeApi

extra_plugin_dir = PLUGIN_DIR
extra_config = CONFIG
loglevel = logging.WARNING


def test_status_lines(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!zalouser status").splitlines() == [
        "Account default (profile default): zca openzca 1.4.2, logged in",
        "zca features in use: raw, native_formatting, upload",
        "listener: running, restarts 1, last error: none",
        "last inbound: 2m ago, last outbound: 2h00m ago",
        "queue depth: 2, failed sends: 0",
        "dmPolicy=pairing, groupPolicy=allowlist",
        "first contacts in the last hour: 0/0",
    ]
    assert ("status", (), {"probe": False}) in api.calls


def test_status_shows_account_safety_and_drops(testbot, api: FakeApi) -> None:
    now = time.time()
    api.statuses = [replace(api.statuses[0], first_contacts=10, first_contacts_cap=10, pairing_replies_paused=True,
                            sending_paused_until=now + 30, dropped_replies=280, expired_replies=3,
                            old_events=2, replayed_events=1)]
    lines = testbot.exec_command("!zalouser status").splitlines()
    assert "first contacts in the last hour: 10/10 (pairing replies paused)" in lines
    assert any(line.startswith("sending paused by a Zalo rate limit for 3") for line in lines)
    assert "replies dropped: 280 (queue full), 3 (waited too long)" in lines
    assert "inbound dropped: 2 too old, 1 seen before" in lines


def test_status_shows_the_service_warnings(testbot, api: FakeApi) -> None:
    api.statuses = [
        replace(
            api.statuses[0], zca_version=None, logged_in=None, dm_policy="open", last_error="zca not found",
            last_inbound_at=None, last_outbound_at=None, zca_kind="zca-cli-or-unknown", capabilities=(),
            warnings=("zca CLI not found (zca); install zca-cli", 'dmPolicy is "open", allowing any user'),
        )
    ]
    lines = testbot.exec_command("!zalouser status").splitlines()
    assert lines[0] == "Account default (profile default): zca: not available, unknown"
    assert lines[1] == "zca features in use: none of the newer options"
    assert lines[2] == "listener: running, restarts 1, last error: zca not found"
    assert lines[3] == "last inbound: never, last outbound: never"
    assert lines[-3:] == [
        "Warnings:",
        "- default: zca CLI not found (zca); install zca-cli",
        '- default: dmPolicy is "open", allowing any user',
    ]


def test_status_several_accounts_and_account_filter(testbot) -> None:
    api = FakeApi(accounts=("default", "work"))
    api.statuses[1] = replace(api.statuses[1], enabled=False, warnings=("ignored for a disabled account",))
    testbot.bot.zalouser = api
    reply = testbot.exec_command("!zalouser status")
    assert "Account work (profile work): disabled" in reply
    assert "Warnings" not in reply
    reply = testbot.exec_command("!zalouser status --account default")
    assert "Account work" not in reply and reply.startswith("Account default")


def test_probe(testbot, api: FakeApi) -> None:
    reply = testbot.exec_command("!zalouser status --probe")
    assert reply.splitlines()[-1] == "probe: ok, me info = Bot Zalo (9999)"
    assert ("status", (), {"probe": True}) in api.calls


def test_probe_failure(testbot, api: FakeApi) -> None:
    failed = replace(api.statuses[0], probe=ProbeResult(False, error="zca me info failed:\nnot logged in"))
    api.status = lambda probe=False: [failed]
    assert testbot.exec_command("!zalouser status --probe").splitlines()[-1] == (
        "probe: failed, zca me info failed: not logged in"
    )


def test_recent_times(testbot, api: FakeApi) -> None:
    api.statuses = [replace(api.statuses[0], last_inbound_at=time.time() - 5, last_outbound_at=time.time() - 90000)]
    assert "last inbound: 5s ago, last outbound: 1d01h ago" in testbot.exec_command("!zalouser status")


def test_no_accounts(testbot, api: FakeApi) -> None:
    api.statuses = []
    assert testbot.exec_command("!zalouser status") == "No Zalo accounts are configured."


def test_status_errors(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!zalouser status --probe=yes") == (
        "Usage: !zalouser status [--probe] [--account A] (unknown option --probe=yes)"
    )
    api.fail["status"] = ZcaTimeout("zca --version timed out after 5s")
    assert testbot.exec_command("!zalouser status") == "zca failed: --version timed out after 5s"
