"""Benchmark: how long a dead listener connection goes unnoticed, with the default settings.

The real ``Listener`` on `zca-sim` (openzca 0.1.58 surface), default ``ListenerSettings``
except the mode. Each case breaks the connection one way, then a message is injected at once;
the figure is the time from the break to that message being delivered by a new child (so it
includes the detection, the restart and the new child's start-up).

* supervised_silent_after_1006: ``--supervised``, a close 1006 after which the process neither
  exits nor beats (a wedged event loop): found from the closed line (supervised promises an
  exit), 5 s after it.
* supervised_alive_after_1006: the same close, the process still beating but not exiting: the same.
* supervised_wedged_without_a_close: the process stops beating with no line at all: found by the
  missed heartbeat window (3 x 30 s).
* keepalive_silent_after_1006: ``-k``, a close 1006, which openzca never restarts by itself:
  found from the close line.

Issue 10's target: under two minutes for the first. ``python -m bench health``.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace
from typing import Any

from bench.common import ZCA_SIM, new_sim, r, sim_env, workdir
from errbot_zalouser.model import InboundEvent
from errbot_zalouser.transport.listener import Listener, ListenerSettings, ListenerState

FRIEND = "6634210987765540123"
CASES = (
    ("supervised_silent_after_1006", True, "frozen"),
    ("supervised_alive_after_1006", True, "alive"),
    ("supervised_wedged_without_a_close", True, "wedge"),
    ("keepalive_silent_after_1006", False, ""),
)
TARGET_SECONDS = 120.0


def _one(name: str, supervised: bool, hang: str) -> float:
    with workdir(f"health-{name}") as base:
        sim = new_sim(base)
        with sim_env(sim.home):
            got = threading.Event()

            def on_event(event: InboundEvent) -> None:
                if event.content == "after the break":
                    got.set()

            settings = replace(ListenerSettings(), supervised=supervised)
            listener = Listener(ZCA_SIM, sim.profile, on_event, settings=settings, name=name)
            listener.start()
            try:
                sim.wait_listener(timeout=30)
                deadline = time.monotonic() + 30
                while listener.stats.state is not ListenerState.CONNECTED and time.monotonic() < deadline:
                    time.sleep(0.05)
                broken = time.monotonic()
                if hang == "wedge":
                    sim.sleep(3600)  # the process blocks: no line, no heartbeat
                else:
                    sim.close_connection(1006, "abnormal closure", hang=hang)
                sim.inject_dm(FRIEND, "after the break", msg_id="9900000000001")
                if not got.wait(TARGET_SECONDS * 2):
                    raise RuntimeError(f"{name}: not replaced within {TARGET_SECONDS * 2:g} s")
                return time.monotonic() - broken
            finally:
                listener.stop()


def run() -> dict[str, Any]:
    os.environ.pop("ZCA_SIM_SURFACE", None)
    figures: dict[str, Any] = {"heartbeat_seconds": ListenerSettings().heartbeat_seconds,
                               "heartbeat_misses": ListenerSettings().heartbeat_misses}
    for name, supervised, hang in CASES:
        figures[f"{name}_seconds"] = r(_one(name, supervised, hang), 1)
    worst = max(figures["supervised_silent_after_1006_seconds"], figures["supervised_wedged_without_a_close_seconds"])
    figures["targets"] = [{"what": "a silent --supervised listener (after a close 1006, or wedged): replaced within",
                           "target": f"< {TARGET_SECONDS:g} s", "value": f"{worst} s", "met": worst < TARGET_SECONDS}]
    return figures


def summary(figures: dict[str, Any]) -> str:
    return ", ".join(f"{name}: {figures[f'{name}_seconds']} s" for name, _s, _h in CASES)
