"""The ZalouserGate command filter: a second check of the policy before any command runs."""

from __future__ import annotations

import time

import pytest

from errbot_zalouser.policy.access import Decision, Outcome
from tests.plugins.conftest import CONFIG, PLUGIN_DIR

extra_plugin_dir = PLUGIN_DIR
extra_config = CONFIG


class PolicyStub:
    """Only what the filter uses: check(account, sender_id, group_id)."""

    def __init__(self, admitted: set[str]) -> None:
        self.admitted = admitted
        self.calls: list[tuple] = []

    def check(self, account, sender_id, group_id=None):
        self.calls.append((account, sender_id, group_id))
        if sender_id in self.admitted:
            return Decision(Outcome.DISPATCH, "allowlisted")
        return Decision(Outcome.CHALLENGE, "unknown sender")


@pytest.fixture
def stub(testbot) -> PolicyStub:
    testbot.bot.zalouser = stub = PolicyStub({"111"})
    return stub


def test_admitted_sender_runs_commands(testbot, stub):
    assert "hello" in testbot.exec_command("!echo hello")
    assert stub.calls[-1][1] == "111"


def test_rejected_sender_gets_nothing(testbot, stub):
    testbot.bot.sender = testbot.bot.build_identifier("zalouser:333")
    testbot.push_message("!echo let me in")
    testbot.push_message("!echo second try")
    # The test backend reads `sender` when it processes a message: wait until both were checked.
    deadline = time.monotonic() + 10
    while [c[1] for c in stub.calls].count("333") < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    testbot.bot.sender = testbot.bot.build_identifier("zalouser:111")
    assert "marker" in testbot.exec_command("!echo marker")
    assert [c[1] for c in stub.calls].count("333") == 2


def test_non_zalouser_identities_are_left_to_other_filters(testbot, stub):
    testbot.bot.sender = testbot.bot.build_identifier("@someone")
    assert "plain" in testbot.exec_command("!echo plain")
    assert stub.calls == []
