"""Start-up problems stop the bot with one line that says what to do, never a traceback."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import start_bot


def _failed_start(tmp_path, sim, zca, zalouser=None):
    bot = start_bot(tmp_path, sim, zca, zalouser, wait=False)
    assert bot.proc.wait(timeout=60) != 0
    return bot.output


def test_missing_zca(tmp_path, sim):
    out = _failed_start(tmp_path, sim, str(tmp_path / "no-such-zca"))
    assert "zca executable" in out and "not found" in out and "ZALOUSER_ZCA" in out
    assert "Traceback" not in out


def test_profile_not_logged_in(tmp_path, sim, zca_sim_path):
    sim.set_logged_in(False)
    out = _failed_start(tmp_path, sim, zca_sim_path)
    assert "is not logged in" in out and "python -m errbot_zalouser login --account default" in out
    assert "Traceback" not in out
    assert sim.listener_pid() is None


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({"dmPolicy": "appairage"}, 'did you mean "pairing"?'),
        ({"groupPolicy": "closed"}, "groupPolicy"),
        ({"textChunkLimit": "many"}, "textChunkLimit"),
    ],
)
def test_invalid_configuration_names_the_key(tmp_path, sim, zca_sim_path, block, expected):
    out = _failed_start(tmp_path, sim, zca_sim_path, block)
    assert expected in out
    assert "Traceback" not in out


def test_the_example_admin_id_stops_the_start(tmp_path, sim, zca_sim_path):
    bot = start_bot(tmp_path, sim, zca_sim_path, extra='BOT_ADMINS = ("zalouser:1000000000000000001",)\n', wait=False)
    assert bot.proc.wait(timeout=60) != 0
    assert "BOT_ADMINS: still holds the example id zalouser:1000000000000000001" in bot.output
    assert "Traceback" not in bot.output
