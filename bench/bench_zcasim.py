"""Benchmark: what one `zca-sim` call costs (every reply chunk the bot sends is one such process).

Variants, run interleaved so that other work on the machine hits them alike: ``--version``,
``msg send`` of plain text and of a Markdown document on the 0.1.58 surface, the same with
``--raw``, and plain text on the legacy surface. Per call: the wall time and the CPU time of the
child (user + system, from ``wait4``, so the parent's own work is not counted); medians over
``CALLS`` calls per variant. Bytecode is cached as for any install (``prepare_environment``).

Target: the 0.1.58 surface's plain send costs at most 15% more CPU than the legacy surface's
(the Markdown parser is loaded only by the commands that format text).

    python -m bench zcasim
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from typing import Any

from bench.common import ZCA_SIM, load_average, new_sim, r, target, workdir

CALLS = 40
USER = "2947718306652210431"
MARKDOWN = ("## Báo cáo\n\n1. **Doanh thu**: 5*3=15 triệu\n2. _Chi phí_: ~~10~~ 8 triệu\n\n"
            "> Ghi chú: xem https://ex.com/a_b?x=*y*\n\n```\ntotal = a_b * 2\n```")
VARIANTS: dict[str, tuple[list[str], dict[str, str]]] = {
    "version": (["--version"], {}),
    "send_plain": (["msg", "send", USER, "hello there"], {}),
    "send_markdown": (["msg", "send", USER, MARKDOWN], {}),
    "send_raw": (["msg", "send", "--raw", USER, MARKDOWN], {}),
    "send_plain_legacy": (["msg", "send", USER, "hello there"], {"ZCA_SIM_SURFACE": "legacy"}),
}


def one_call(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall ms, child CPU ms) of one zca-sim process."""
    started = time.perf_counter()
    proc = subprocess.Popen([ZCA_SIM, *argv], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"zca-sim {argv[:2]} exited {proc.returncode}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def run(calls: int = CALLS) -> dict[str, Any]:
    load_before = load_average()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    with workdir("zcasim") as base:
        sim = new_sim(base)
        env = {**os.environ, "ZCA_SIM_HOME": str(sim.home), "ZCA_SIM_LATENCY_MS": "0"}
        for argv, extra in VARIANTS.values():  # warm-up: bytecode and page cache, not counted
            one_call(argv, {**env, **extra})
        for _ in range(calls):
            for name, (argv, extra) in VARIANTS.items():
                samples[name].append(one_call(argv, {**env, **extra}))
    figures: dict[str, Any] = {"calls_per_variant": calls, "load_average_before": load_before,
                               "load_average_after": load_average()}
    for name, values in samples.items():
        figures[f"{name}_wall_ms"] = r(statistics.median(v[0] for v in values), 1)
        figures[f"{name}_cpu_ms"] = r(statistics.median(v[1] for v in values), 1)
    ratio = figures["send_plain_cpu_ms"] / figures["send_plain_legacy_cpu_ms"]
    figures["plain_send_cpu_ratio_0158_to_legacy"] = r(ratio, 3)
    figures["targets"] = [target("0.1.58 plain send CPU / legacy plain send CPU", r(ratio, 3), 1.15, "<=")]
    return figures


def summary(figures: dict[str, Any]) -> str:
    parts = [f"{name}: {figures[f'{name}_cpu_ms']} ms CPU / {figures[f'{name}_wall_ms']} ms wall" for name in VARIANTS]
    return "; ".join(parts)
