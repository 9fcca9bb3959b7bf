"""The operator CLI beside a running bot: same stores, same answers, no second bot."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.e2e.conftest import STRANGER, BotProcess, start_bot


def _cli(bot: BotProcess, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "errbot_zalouser", *args, "-c", str(bot.workdir / "bot_config.py")],
                          capture_output=True, text=True, timeout=120, cwd=bot.workdir, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, ZCA_SIM_HOME=str(bot.sim.home)))


def _code_for_the_stranger(bot: BotProcess) -> str:
    bot.sim.inject_dm(STRANGER, "hi")
    found = re.search(r"Pairing code: ([A-Z2-9]{8})", bot.replies_to(STRANGER)[0]["text"])
    assert found
    return found.group(1)


@pytest.fixture
def bot(tmp_path, sim, zca_sim_path):
    running = start_bot(tmp_path, sim, zca_sim_path)
    yield running
    running.stop()


def test_a_code_the_bot_handed_out_is_approved_from_a_shell(bot):
    code = _code_for_the_stranger(bot)
    listing = _cli(bot, "pairing", "list")
    assert listing.returncode == 0 and code in listing.stdout
    approved = _cli(bot, "pairing", "approve", code)
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout == f"Approved {STRANGER} on account default; they have been told.\n"
    assert bot.replies_to(STRANGER, 2)[1]["text"] == "Your pairing request has been approved."
    assert "No pending pairing requests." in _cli(bot, "pairing", "list").stdout
    assert bot.proc.poll() is None


def test_the_running_bot_serves_a_sender_approved_from_a_shell(bot):
    code = _code_for_the_stranger(bot)
    assert _cli(bot, "pairing", "approve", code).returncode == 0
    bot.sim.inject_dm(STRANGER, "!echo served")
    assert bot.replies_to(STRANGER, 3, timeout=10)[2]["text"] == "served"
