"""Issue 12, item 9: no `zca` descendant outlives its listener, even one that detached.

A fake `zca listen` starts a helper that leaves its process group and session (a double fork
and ``setsid``, as a daemonising tool would), then dies, again and again. After 8 listener
restarts and a stop, none of the 8 helpers is alive.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from errbot_zalouser.transport.listener import Listener, ListenerSettings
from tests.faults.conftest import pid_alive, wait_until
from tests.transport.conftest import Recorder

RESTARTS = 8
DETACHING_ZCA = r"""
import os, sys, time
helpers = os.environ["FAKE_HELPERS"]
if os.fork() == 0:  # the helper: double fork and setsid, out of our group and session
    os.setsid()
    if os.fork() == 0:
        with open(helpers, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        time.sleep(120)
    os._exit(0)
os.write(1, b"Listening... Press Ctrl+C to stop.\r\nConnected to Zalo websocket.\r\n")
time.sleep(0.3)
sys.exit(1)  # the listener dies: the supervisor restarts it
"""


def _helpers(path: Path) -> list[int]:
    try:
        return [int(line) for line in path.read_text().split()]
    except FileNotFoundError:
        return []


def test_detached_descendants_do_not_outlive_the_listener(tmp_path):
    exe = tmp_path / "zca"
    exe.write_text(f"#!{sys.executable}\n{DETACHING_ZCA}")
    exe.chmod(0o755)
    helpers = tmp_path / "helpers"
    settings = ListenerSettings(backoff_initial=0.05, backoff_max=0.1, stall_seconds=None, kill_grace=1.0)
    listener = Listener(str(exe), "default", Recorder().on_event, settings=settings, name="orphans",
                        env={"FAKE_HELPERS": str(helpers)})
    listener.start()
    try:
        assert wait_until(lambda: listener.stats.restarts >= RESTARTS and len(_helpers(helpers)) >= RESTARTS,
                          timeout=30)
    finally:
        listener.stop()
    started = _helpers(helpers)
    try:
        assert wait_until(lambda: not [p for p in started if pid_alive(p)], timeout=5), \
            [p for p in started if pid_alive(p)]
    finally:
        for pid in started:  # the helpers this test's fake started, if the fix ever regresses
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
