"""One bot per data folder and per zca profile: two real `errbot -c` processes on the simulator."""

from __future__ import annotations

import signal

from tests.e2e.conftest import STRANGER, BotProcess, start_bot


def _refused(bot: BotProcess) -> str:
    assert bot.proc.wait(timeout=60) != 0
    out = bot.output
    assert "Traceback" not in out
    return out


def test_the_same_config_twice_is_refused_naming_the_first_pid(tmp_path, sim, zca_sim_path):
    first = start_bot(tmp_path, sim, zca_sim_path)
    try:
        calls = len(sim.calls())
        second = start_bot(tmp_path, sim, zca_sim_path, wait=False)  # same folder, same config.py
        out = _refused(second)
        assert f"another bot is already running on the data folder {tmp_path / 'data'}: pid {first.proc.pid}" in out
        assert f"kill {first.proc.pid}" in out
        assert len(sim.calls()) == calls  # refused before running zca at all
        sim.inject_dm(STRANGER, "hi")  # the first bot still answers
        assert "Pairing code" in first.replies_to(STRANGER)[0]["text"]
    finally:
        first.stop()


def test_another_data_folder_on_the_same_profile_is_refused(tmp_path, sim, zca_sim_path):
    first = start_bot(tmp_path / "one", sim, zca_sim_path)
    try:
        out = _refused(start_bot(tmp_path / "two", sim, zca_sim_path, wait=False))
        assert f'another bot is already running on the Zalo profile "default": pid {first.proc.pid}' in out
    finally:
        first.stop()


def test_kill_9_leaves_no_stuck_lock(tmp_path, sim, zca_sim_path):
    first = start_bot(tmp_path, sim, zca_sim_path)
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=10)
    again = start_bot(tmp_path, sim, zca_sim_path)  # waits for its listener: AssertionError if refused
    try:
        assert again.proc.poll() is None
    finally:
        again.stop()


def test_a_clean_stop_gives_the_lock_back_at_once(tmp_path, sim, zca_sim_path):
    first = start_bot(tmp_path, sim, zca_sim_path)
    assert first.stop() == 0
    again = start_bot(tmp_path, sim, zca_sim_path)
    try:
        assert again.proc.poll() is None
    finally:
        again.stop()

