"""`pairing list|approve|deny` and `allowlist show|add|remove` from a shell, on the bot's stores."""

from __future__ import annotations

import time

import pytest

from errbot_zalouser.model import PairingRequest
from errbot_zalouser.simulator import seed
from errbot_zalouser.stores.jsonfile import open_stores

STRANGER = seed.STRANGER_ID
ALICE = "6634210987765540123"
CODE = "ABCD2345"


@pytest.fixture
def stores(tmp_path, bot_config):
    return open_stores(tmp_path / "data")


@pytest.fixture
def pending(stores):
    now = time.time()
    stores.pairing.update(lambda current: ((*current, PairingRequest(CODE, STRANGER, "default", now - 90, now,
                                                                     "Người Lạ")), None))


def test_list_shows_the_requests_and_how_to_answer_them_from_a_shell(cli, bot_config, pending):
    result = cli("pairing", "list", "-c", bot_config)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Pairing requests (1)"
    assert lines[1].split()[:6] == [CODE, STRANGER, "Zalo", "name", '"Người', 'Lạ"'] and "age 1m  expires in 58m" in lines[1]
    assert lines[2] == ("Approve with python -m errbot_zalouser pairing approve <code>, refuse with "
                        "python -m errbot_zalouser pairing deny <code>.")


def test_list_without_requests(cli, bot_config):
    assert cli("pairing", "list", "-c", bot_config).stdout == "No pending pairing requests.\n"


def test_approve_grants_consumes_and_tells_the_user(cli, sim, bot_config, stores, pending):
    result = cli("pairing", "approve", CODE.lower(), "-c", bot_config)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f'Approved {STRANGER} (Zalo name "Người Lạ") on account default; they have been told.\n'
    assert STRANGER in stores.approved.ids("default") and stores.pairing.load() == ()
    [entry] = stores.approved.entries("default")
    assert entry.source == "pairing" and entry.added_by.startswith("shell:")
    assert [r["text"] for r in sim.sent() if r["threadId"] == STRANGER] == ["Your pairing request has been approved."]


def test_approve_with_zca_failing_keeps_the_approval_and_warns(cli, sim, bot_config, stores, pending):
    sim.set_logged_in(False)
    result = cli("pairing", "approve", CODE, "-c", bot_config)
    assert result.returncode == 0
    assert "the notice could not be sent" in result.stderr and "the change itself stands" in result.stderr
    assert STRANGER in stores.approved.ids("default")


@pytest.mark.parametrize(("args", "sentence"), [
    (("pairing", "approve", "ZZZZ2345"), "No pending pairing request found for code: ZZZZ2345"),
    (("pairing", "deny", "zzzz2345"), "No pending pairing request found for code: ZZZZ2345"),
    (("pairing", "approve", CODE, "--account", "work"), "unknown account 'work'; accounts: default"),
    (("allowlist", "add", "Trần", "Minh"), '"Trần Minh" is ambiguous'),
    (("allowlist", "add", "Nobody Here"), 'No friend named "Nobody Here" on account default'),
    (("allowlist", "remove", ALICE), "is in the configuration (allowFrom); remove it there and restart."),
    (("allowlist", "add", "--group", "Work Chat"), '"Work Chat" is ambiguous'),
])
def test_refusals_are_the_chat_sentences_on_stderr(cli, bot_config, pending, args, sentence):
    result = cli(*args, "-c", bot_config)
    assert result.returncode == 1 and result.stdout == ""
    assert sentence in result.stderr and "Traceback" not in result.stderr


def test_deny(cli, bot_config, stores, pending):
    result = cli("pairing", "deny", CODE, "-c", bot_config)
    assert result.stdout == (f'Denied pairing request {CODE} from {STRANGER} (Zalo name "Người Lạ") on account default; '
                             "they get no new code during the cooldown.\n")
    [denied] = stores.pairing.load()  # kept, denied, while its sender cools down (issue 12)
    assert denied.code == CODE and denied.denied_at is not None


def test_allowlist_add_show_remove_by_name(cli, sim, bot_config, stores):
    added = cli("allowlist", "add", "Lê", "Quốc", "Bảo", "-c", bot_config)
    assert added.stdout == "Added Lê Quốc Bảo (7745318260094413377) to the DM allowlist of account default.\n"
    shown = cli("allowlist", "show", "-c", bot_config).stdout.splitlines()
    assert shown[0] == "DM allowlist (dmPolicy=pairing)"
    assert shown[1].split() == ["2947718306652210431", "[admin]"]
    assert shown[2].split() == [ALICE, "[config]"]
    assert shown[3].split() == ["7745318260094413377", "Lê", "Quốc", "Bảo", "[chat]"]
    removed = cli("allowlist", "remove", "le quoc bao", "-c", bot_config)  # the one name rule: any case, no marks
    assert removed.stdout == "Removed Lê Quốc Bảo (7745318260094413377) from the DM allowlist of account default.\n"
    assert stores.approved.ids("default") == frozenset()


def test_allowlist_groups(cli, bot_config, stores):
    added = cli("allowlist", "add", "--group", "Gia", "đình", "-c", bot_config)
    assert added.stdout == ("Added group Gia đình (6920154873301128374) to the group allowlist "
                            "of account default.\n")
    assert stores.group_allow.ids("default") == {"6920154873301128374"}
    cli("allowlist", "remove", "--group", "group:6920154873301128374", "-c", bot_config)
    assert stores.group_allow.ids("default") == frozenset()


def test_without_a_config_the_local_data_folder_is_used(cli, tmp_path):
    result = cli("pairing", "list")
    assert result.returncode == 0
    assert f"note: no config.py; using the stores in {tmp_path / 'data'}" in result.stderr
