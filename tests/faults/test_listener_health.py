"""Issue 10, item 6: the listener follows the tool's own health signals (the real ``Listener`` on
`zca-sim` playing openzca 0.1.58, with and without ``--supervised``).

- ``--supervised``: heartbeats are followed; a process that stops beating (wedged, or silent
  after a close 1006) is replaced; a close that ends the process is a clean restart.
- ``-k``: a close the tool does not restart itself (1006, 3003) is seen from the close line and
  replaced at once; a 1000 the tool reconnects by itself is left alone.
- Exit 75 (the tool's planned recycle) restarts at once and is no fault; a second listener's
  lock makes ours wait and retry, never in a hot loop, and says so; SIGTERM (exit 143) is a
  clean stop; a heartbeat line with fields we do not know is not fatal.
Every bound is generous: the tests assert what happens, the benchmark measures how fast.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import replace

import pytest

from errbot_zalouser.transport.listener import Listener, ListenerSettings, ListenerState
from tests.faults.conftest import FRIEND, wait_until
from tests.transport.conftest import Recorder

HEALTH = ListenerSettings(backoff_initial=0.05, backoff_max=0.2, stall_seconds=None, closed_grace_seconds=30.0,
                          assume_connected_seconds=0.5, kill_grace=1.0, heartbeat_seconds=0.3,
                          lock_retry_seconds=2.0, logged_out_retry_seconds=0.5)
SUPERVISED = replace(HEALTH, supervised=True)


@pytest.fixture
def listen(sim, zca_sim_path):
    made: list[Listener] = []

    def make(settings: ListenerSettings) -> tuple[Listener, Recorder]:
        recorder = Recorder()
        listener = Listener(zca_sim_path, sim.profile, recorder.on_event, on_state=recorder.on_state,
                            settings=settings, name=f"health{len(made)}")
        made.append(listener)
        listener.start()
        return listener, recorder

    yield make
    for listener in made:
        listener.stop()


def _replaced(sim, rec: Recorder, starts: int, text: str, msg_id: str) -> None:
    """A new child came up and delivers again."""
    sim.wait_listener(timeout=15, min_starts=starts + 1)
    sim.inject_dm(FRIEND, text, msg_id=msg_id)
    assert wait_until(lambda: text in rec.texts(), timeout=15), rec.states[-5:]


def _connected(listener: Listener) -> bool:
    return listener.stats.state is ListenerState.CONNECTED


def test_supervised_argv_and_heartbeats(listen, sim):
    listener, _rec = listen(SUPERVISED)
    sim.wait_listener(timeout=10)
    assert listener.argv[-4:] == ["-r", "--supervised", "--heartbeat-ms", "300"]
    assert wait_until(lambda: listener.stats.heartbeat_at is not None, timeout=10)
    time.sleep(1.5)  # five periods: a healthy process is never recycled
    assert sim.listener_starts() == 1 and _connected(listener)


@pytest.mark.parametrize("hang", ["frozen", "alive"])
def test_supervised_silent_after_close_1006_is_replaced(listen, sim, hang):
    listener, rec = listen(SUPERVISED)
    sim.wait_listener(timeout=10)
    assert wait_until(lambda: _connected(listener), timeout=10)
    sim.close_connection(1006, "abnormal closure", hang=hang)
    _replaced(sim, rec, 1, "after the 1006", "9100")
    reason = "no heartbeat" if hang == "frozen" else "and no exit within"
    assert any(reason in d for d in rec.details(ListenerState.BACKOFF)), rec.states


def test_supervised_close_that_exits_is_a_clean_restart(listen, sim):
    listener, rec = listen(SUPERVISED)
    sim.wait_listener(timeout=10)
    sim.close_connection(1006)
    _replaced(sim, rec, 1, "after the exit", "9101")
    [ended] = rec.details(ListenerState.BACKOFF)  # supervised: a close ends the process with exit 0
    assert "exited with code 0 after Listener closed (1006)" in ended and listener.stats.last_exit_code == 0


def test_keepalive_silent_close_is_seen_from_the_close_line(listen, sim):
    _listener, rec = listen(HEALTH)
    sim.wait_listener(timeout=10)
    sim.close_connection(3003, "kicked")  # the tool stays alive and silent until its 30-min recycle
    _replaced(sim, rec, 1, "after the 3003", "9102")
    assert any("no reconnect within 2s" in d for d in rec.details(ListenerState.BACKOFF)), rec.states


def test_keepalive_close_1000_is_left_to_the_tool(listen, sim):
    _listener, rec = listen(HEALTH)
    sim.wait_listener(timeout=10)
    sim.close_connection(1000)  # openzca reconnects by itself after 2 s
    sim.inject_dm(FRIEND, "after the tool's own reconnect", msg_id="9103")
    assert wait_until(lambda: "after the tool's own reconnect" in rec.texts(), timeout=15)
    assert sim.listener_starts() == 1


def test_exit_75_is_a_planned_recycle(listen, sim):
    listener, rec = listen(HEALTH)
    sim.wait_listener(timeout=10)
    sim.exit_listener(75)
    _replaced(sim, rec, 1, "after the recycle", "9104")
    stats = listener.stats
    assert stats.recycles == 1 and stats.last_error == "" and stats.last_exit_code == 75


def test_sigterm_143_is_a_clean_stop(listen, sim):
    listener, rec = listen(HEALTH)
    pid = sim.wait_listener(timeout=10)
    assert wait_until(lambda: _connected(listener), timeout=10)
    os.kill(pid, signal.SIGTERM)  # our own child: someone stopped it cleanly
    _replaced(sim, rec, 1, "after the SIGTERM", "9105")
    assert listener.stats.last_exit_code == 143 and listener.stats.last_error == ""
    assert any("stopped by SIGTERM" in d for d in rec.details(ListenerState.BACKOFF))


def test_another_listeners_lock_means_wait_and_retry_never_a_hot_loop(listen, sim, zca_sim_path):
    other = subprocess.Popen([zca_sim_path, "--profile", sim.profile, "listen", "-r", "-k"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    try:
        assert wait_until(lambda: sim.listener_owner() is not None, timeout=10)
        listener, rec = listen(HEALTH)
        assert wait_until(lambda: listener.stats.state is ListenerState.WAITING, timeout=10), rec.states
        time.sleep(4)
        tries = sum(1 for c in sim.calls() if "listen" in c.get("argv", []) and c.get("pid") != other.pid)
        assert tries <= 5, tries  # 1 s, 2 s, then 2 s apart: a handful, not hundreds
        assert "already owns profile" in rec.details(ListenerState.WAITING)[0]
        assert listener.stats.restarts == 0
    finally:
        other.terminate()  # the process this test started, by its pid
        other.wait(timeout=10)
    _replaced(sim, rec, 1, "after the lock", "9106")


def test_a_lifecycle_line_with_unknown_fields_is_not_fatal(listen, sim):
    listener, rec = listen(SUPERVISED)
    sim.wait_listener(timeout=10)
    sim.inject_raw('{"kind":"lifecycle","event":"heartbeat","session_id":"x","profile":"default",'
                   '"timestamp":"not a number","load":{"cpu":[1,2]},"new_field":null}\n')
    sim.inject_raw('{"kind":"lifecycle","event":"something_new","data":[1,2,3]}\n')
    sim.inject_raw('{"kind":"lifecycle"}\n')
    sim.inject_dm(FRIEND, "still here", msg_id="9107")
    assert wait_until(lambda: "still here" in rec.texts(), timeout=10)
    assert sim.listener_starts() == 1 and _connected(listener)
