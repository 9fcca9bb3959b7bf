"""Benchmark: seconds from `errbot -c` process start to its first listener connected.

The simulator runs at latency 0. Each run spawns the real bot (config as tests/e2e writes it,
the config template's plugins, BOT_LOG_LEVEL INFO) on the same data dir and simulator profile, as a
restart would (a first start, not counted, creates the data dir), and takes the time of
zca-sim's ``listen.log`` entry, which the listener writes right after printing its "Connected"
banner (``SimControl.wait_listener``'s signal). The clock starts just before ``Popen``. Median of
5 runs; each bot is then stopped with SIGTERM (the stop time is reported too).

Break-down per run, from calls.jsonl (each ``ts`` is taken in zca-sim's ``main()``, i.e. after
its own ~30-50 ms of Python start-up):

* to_first_zca_call: errbot's start-up before the backend's preflight (imports, config, storage)
* preflight: the capabilities probe (`--version`, then four `--help` side by side), `auth status`,
  `me info`
* to_listen_call: then plugin loading and ``service.start`` until the listener's zca-sim is in main()
* listen_to_connected: its banners and listen.log entry

    python -m bench startup
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import (
    UNBOUND_OUTBOUND,
    ZCA_SIM,
    BotProcess,
    load_average,
    new_sim,
    r,
    workdir,
    write_config,
)

RUNS = 5


def one_run(base: Path, sim: Any, config: Path, index: int) -> dict[str, Any]:
    calls_before = len(sim.calls())
    bot = BotProcess.start(base, config, sim)
    try:
        entry = bot.wait_listener(index + 1, timeout=30)
        connected = entry["ts"] - bot.started_at
    finally:
        stop_started = time.monotonic()
        code = bot.stop()
        stopped = time.monotonic() - stop_started
    calls = sim.calls()[calls_before:]
    by_command: dict[str, dict[str, Any]] = {}
    for call in calls:
        if "--help" not in call.get("argv", ()):  # the probe's `listen --help` is not the listener
            by_command.setdefault(call.get("command", ""), call)
    figures: dict[str, Any] = {"connected_s": connected, "stop_s": stopped, "exit_code": code}
    first = min((c["ts"] for c in calls), default=None)
    listen = by_command.get("listen")
    me = by_command.get("me info")
    if first is not None:
        figures["to_first_zca_call_s"] = first - bot.started_at
    if me is not None and first is not None:
        figures["preflight_s"] = me["ts"] + me.get("duration_ms", 0) / 1000 - first  # approx end of me info
    if listen is not None and me is not None:
        figures["preflight_end_to_listen_call_s"] = listen["ts"] - (me["ts"] + me.get("duration_ms", 0) / 1000)
        figures["listen_call_to_connected_s"] = entry["ts"] - listen["ts"]
    return figures


def run(runs: int = RUNS) -> dict[str, Any]:
    load_before = load_average()
    with workdir("startup") as base:
        sim = new_sim(base)
        config = write_config(base, ZCA_SIM, {"outbound": UNBOUND_OUTBOUND})
        first = one_run(base, sim, config, 0)  # creates the data dir; may compile bytecode: not counted
        results = [one_run(base, sim, config, i) for i in range(1, runs + 1)]

    def med(key: str) -> float | None:
        values = [x[key] for x in results if key in x]
        return r(statistics.median(values), 3) if values else None

    figures = {
        "runs": runs,
        "load_average_before": load_before,
        "median_s": med("connected_s"),
        "all_s": [r(x["connected_s"], 3) for x in results],
        "first_start_s_not_counted": r(first["connected_s"], 3),
        "median_to_first_zca_call_s": med("to_first_zca_call_s"),
        "median_preflight_s": med("preflight_s"),
        "median_preflight_end_to_listen_call_s": med("preflight_end_to_listen_call_s"),
        "median_listen_call_to_connected_s": med("listen_call_to_connected_s"),
        "median_stop_s": med("stop_s"),
        "exit_codes": [x["exit_code"] for x in results],
        "note": "calls.jsonl ts is zca-sim's main(), after its own Python start-up; the listen "
                "figure therefore includes zca-sim's start-up (the real zca's start-up differs)",
        "targets": [],
    }
    return figures


def summary(figures: dict[str, Any]) -> str:
    return (
        f"startup: median {figures['median_s']} s to the first listener connected (runs {figures['all_s']}); "
        f"errbot before preflight {figures['median_to_first_zca_call_s']} s, preflight (7 zca calls) "
        f"{figures['median_preflight_s']} s, then to listen {figures['median_preflight_end_to_listen_call_s']} s, "
        f"listen to connected {figures['median_listen_call_to_connected_s']} s; stop {figures['median_stop_s']} s"
    )
