"""!pair list|approve|deny|revoke through errbot's test bot and a fake service."""

from __future__ import annotations

import logging
import time

from errbot_zalouser.errors import ZcaNotAuthenticated
from errbot_zalouser.model import ApprovedEntry
from errbot_zalouser.service.api import AllowEntryView
from tests.plugins.conftest import CONFIG, PLUGIN_DIR
from tests.plugins.fake_api import FakeApi

extra_plugin_dir = PLUGIN_DIR
extra_config = CONFIG
loglevel = logging.WARNING

APPROVE_USAGE = "Usage: !pair approve <code> [--account A]"


def test_list_empty(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!pair list") == "No pending pairing requests."


def test_list_shows_every_column(testbot, api: FakeApi) -> None:
    api.add_request("QRST2345", "1002", "Nguyễn Thị Bích", age=60)
    api.add_request("ABCD2345", "1001", "Nguyễn Văn An", age=300)
    lines = testbot.exec_command("!pair list").splitlines()
    assert lines[0] == "Pairing requests (2)"
    assert lines[1].split() == [
        "ABCD2345", "1001", "Zalo", "name", '"Nguyễn', "Văn", 'An"', "default", "age", "5m", "expires", "in", "55m"
    ]
    assert lines[2].split()[:2] == ["QRST2345", "1002"]
    assert "expires in 59m" in lines[2]
    assert lines[3].startswith("Approve with !pair approve <code>")


def test_list_uses_the_service_ttl_and_marks_expired(testbot, api: FakeApi) -> None:
    api.pairing_ttl = lambda account: 600.0
    api.add_request("ABCD2345", "1001", "An", age=300)
    api.add_request("WXYZ2345", "1003", "", age=900)
    reply = testbot.exec_command("!pair list")
    assert reply.splitlines()[1].split() == ["WXYZ2345", "1003", "(no", "name)", "default", "age", "15m", "expired"]
    assert reply.splitlines()[2].split()[-5:] == ["age", "5m", "expires", "in", "5m"]


def test_list_filters_by_account(testbot) -> None:
    api = FakeApi(accounts=("default", "work"))
    testbot.bot.zalouser = api
    api.add_request("ABCD2345", "1001", "An")
    api.add_request("WORK2345", "1002", "Bích", account="work")
    reply = testbot.exec_command("!pair list --account work")
    assert "WORK2345" in reply and "ABCD2345" not in reply
    assert ("pairing_requests", ("work",), {}) in api.calls and api.calls[-1] == ("pairing_waitlist", ("work",), {})


def test_approve_is_case_insensitive_and_tells_the_user(testbot, api: FakeApi) -> None:
    api.add_request("ABCD2345", "1001", "Nguyễn Văn An")
    reply = testbot.exec_command("!pair approve abcd2345")
    assert reply == 'Approved 1001 (Zalo name "Nguyễn Văn An") on account default; they have been told.'
    assert api.told == ["1001"]
    assert ("approve_pairing", ("ABCD2345",), {"account": None, "approver": "zalouser:111"}) in api.calls
    assert testbot.exec_command("!pair list") == "No pending pairing requests."


def test_approve_with_account(testbot) -> None:
    api = FakeApi(accounts=("default", "work"))
    testbot.bot.zalouser = api
    api.add_request("WORK2345", "1002", "", account="work")
    assert testbot.exec_command("!pair approve WORK2345 --account work") == (
        "Approved 1002 on account work; they have been told."
    )


def test_approve_unknown_code(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!pair approve nope") == "No pending pairing request found for code: NOPE"


def test_approve_argument_errors(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!pair approve").startswith(APPROVE_USAGE)
    assert testbot.exec_command("!pair approve A B").startswith(APPROVE_USAGE)
    assert testbot.exec_command("!pair approve A --force") == f"{APPROVE_USAGE} (unknown option --force)"
    assert testbot.exec_command("!pair list extra").startswith("Usage: !pair list [--account A]")
    assert not [c for c in api.calls if c[0] == "approve_pairing"]


def test_unknown_account(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!pair list --account nope") == 'Unknown account "nope". Accounts: default.'


def test_deny(testbot, api: FakeApi) -> None:
    api.add_request("ABCD2345", "1001", "Nguyễn Văn An")
    assert testbot.exec_command("!pair deny AbCd2345") == (
        'Denied pairing request ABCD2345 from 1001 (Zalo name "Nguyễn Văn An") on account default; they get no new code during the cooldown.'
    )
    assert api.requests == [] and api.approved == [] and api.told == []


def test_revoke_by_id_and_by_name(testbot, api: FakeApi) -> None:
    api.approved += [
        ApprovedEntry("1001", "default", "pairing", 0.0, "Nguyễn Văn An"),
        ApprovedEntry("1003", "default", "chat", 0.0, "Đào Minh Đức"),
    ]
    assert testbot.exec_command("!pair revoke 1001") == (
        'Revoked 1001 (Zalo name "Nguyễn Văn An") on account default; they are no longer allowed to message the bot.'
    )
    assert testbot.exec_command("!pair revoke Đào Minh Đức").startswith("Revoked 1003 (Zalo name \"Đào Minh Đức\")")
    assert api.approved == []


def test_revoke_ambiguous_name_is_reported(testbot, api: FakeApi) -> None:
    api.approved += [
        ApprovedEntry("1008", "default", "pairing", 0.0, "Hà"),
        ApprovedEntry("1009", "default", "chat", 0.0, "Hà"),
    ]
    assert testbot.exec_command("!pair revoke Hà") == '"Hà" is ambiguous: Hà (1008), Hà (1009). Use the id.'
    assert len(api.approved) == 2


def test_revoke_configured_entry_is_refused(testbot, api: FakeApi) -> None:
    api.config_dm["default"].append(AllowEntryView("1005", "config"))
    assert testbot.exec_command("!pair revoke 1005") == (
        "1005 is in the configuration (allowFrom); remove it there and restart."
    )


def test_revoke_needs_a_user(testbot, api: FakeApi) -> None:
    assert testbot.exec_command("!pair revoke").startswith("Usage: !pair revoke <user> [--account A]")


def test_zca_error_is_one_short_line(testbot, api: FakeApi) -> None:
    api.fail["pairing_requests"] = ZcaNotAuthenticated("zca auth status failed: not logged in")
    assert testbot.exec_command("!pair list") == "zca failed: auth status failed: not logged in"


def test_unexpected_error_does_not_leak_details(testbot, api: FakeApi) -> None:
    api.fail["pairing_requests"] = RuntimeError("secret internals")
    assert testbot.exec_command("!pair list") == "!pair list failed unexpectedly; see the bot log."


def test_list_shows_who_waits_and_who_cools_down(testbot) -> None:
    from errbot_zalouser.service.api import CoolingDown, Newcomer, PairingWaitlist

    api = FakeApi()
    testbot.bot.zalouser = api
    now = time.time()
    api.waitlist = PairingWaitlist(
        (Newcomer("2001", "default", "New\u202ecomer", now - 600, now - 60, 4),),
        (CoolingDown("2002", "default", "Denied one", "denied", now + 7200),),
    )
    reply = testbot.exec_command("!pair list")
    assert reply.startswith("No pending pairing requests.")
    assert "Waiting, no code" in reply and "2001" in reply and 'Zalo name "Newcomer"' in reply
    assert "4 message(s)" in reply and "allowlist add" in reply
    assert "Cooling down (1)" in reply and "2002" in reply and "denied" in reply and "new code in 2h00m" in reply
