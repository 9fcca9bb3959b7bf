"""Benchmark (preview): one send on the zca-js engine against one `zca msg send` process.

Both sides run with the same simulated network latency (LATENCY_MS per Zalo call):

* engine: the real engine program (engine.mjs under Node) on tests/transport/engine/fake_zca, driven
  through ``EngineClient``; FakeZca.set_latency delays every zca-js call. After a warm-up (start,
  login, a few sends), SERIAL sends one after another give the wall latency of a send and the
  engine process's CPU per send (/proc/<pid>/stat utime+stime, before and after); processes started
  per 100 sends is ``Engine.stats.starts`` after minus before (100 sends / SERIAL scaled).
* cli: ``ZcaClient`` on zca-sim (``SimControl.set_latency``), one process per send: wall latency,
  the children's CPU per send (os.times), and one start per send (calls.jsonl).
* zca-js itself: the peak RSS of a Node process that only loads the installed, pinned zca-js
  (when one is installed: the stand-in is lighter than the real package).
* memory: CONVERSATIONS threads send PER_CONVERSATION messages each at once; a sampler adds up
  the RSS of the processes doing the sending every 5 ms (engine: the one Node process; cli: every
  live zca-sim child of this process) and keeps the peak. Run with 1 conversation and with
  CONVERSATIONS, to show whether memory grows with concurrency.

zca-sim is a Python stand-in, cheaper than openzca (which loads zca-js and logs in for every
process): the CLI column is a floor, not openzca's cost. The bot's own (Python) CPU per send is
reported for both, from this process's CPU time. Nothing here asserts.

    python -m bench engine
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import ZCA_SIM, children_cpu_seconds, new_sim, percentile, proc_status_kb, r, sim_env, target, workdir
from errbot_zalouser.errors import EngineNotInstalled
from errbot_zalouser.model import Target
from errbot_zalouser.simulator import seed
from errbot_zalouser.transport.client import ZcaClient
from errbot_zalouser.transport.engine.client import EngineClient
from errbot_zalouser.transport.engine.engine import Engine, EngineSettings
from errbot_zalouser.transport.engine.install import default_folder, pinned_version, zca_js_dir
from errbot_zalouser.transport.runner import CliRunner

LATENCY_MS = 150
SERIAL = 100
CLI_SERIAL = 30
CONVERSATIONS = 8
PER_CONVERSATION = 5
CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of one process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def child_pids() -> list[int]:
    me = str(os.getpid())
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == me:
                    pids.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return pids


class RssSampler:
    """Peak of the summed VmRSS (kB) of ``pids()`` sampled every 5 ms while running."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self._pids = pids
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            total = sum(proc_status_kb(pid, "VmRSS") or 0 for pid in self._pids())
            self.peak_kb = max(self.peak_kb, total)


def targets_list() -> list[Target]:
    friends = [Target(f["userId"]) for f in seed.default_friends()]
    groups = [Target(g["groupId"], is_group=True) for g in seed.default_groups()]
    return (friends + groups)[:CONVERSATIONS]


def timed_sends(send: Callable[[Target, str], Any], count: int, tag: str) -> list[float]:
    convo = targets_list()
    walls = []
    for i in range(count):
        started = time.perf_counter()
        send(convo[i % len(convo)], f"{tag} {i}")
        walls.append((time.perf_counter() - started) * 1000)
    return walls


def concurrent_sends(send: Callable[[Target, str], Any], conversations: int, per: int, tag: str) -> float:
    convo = targets_list()[:conversations]
    errors: list[BaseException] = []

    def worker(target: Target) -> None:
        try:
            for k in range(per):
                send(target, f"{tag} {target.thread_id} {k}")
        except BaseException as exc:  # noqa: BLE001 - reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in convo]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise RuntimeError(f"{len(errors)} concurrent send(s) failed: {errors[0]!r}")
    return time.perf_counter() - started


def latency_figures(walls: list[float]) -> dict[str, Any]:
    return {"median_ms": r(statistics.median(walls)), "p95_ms": r(percentile(walls, 0.95)), "n": len(walls)}


def run_engine(base: Path, node: str) -> dict[str, Any]:
    from tests.transport.engine.fakezca import FakeZca

    fake = FakeZca.create(base / "fake")
    fake.set_latency(LATENCY_MS)
    settings = EngineSettings(zca_js=fake.module, node=node, openzca_home=str(fake.openzca_home), env=fake.env())
    engine = Engine("default", settings, name="bench")
    client = EngineClient(engine, "default")
    try:
        first = time.perf_counter()
        client.is_authenticated()
        start_to_ready = time.perf_counter() - first
        timed_sends(client.send_text, 5, "warm-up")
        pid = engine.pid
        assert pid is not None
        starts, cpu, own = engine.stats.starts, proc_cpu_seconds(pid), time.process_time()
        walls = timed_sends(client.send_text, SERIAL, "serial")
        node_cpu, own_cpu = proc_cpu_seconds(pid) - cpu, time.process_time() - own
        started_during = engine.stats.starts - starts
        memory = {}
        for conversations in (1, CONVERSATIONS):
            with RssSampler(lambda: [p for p in [engine.pid] if p]) as sampler:
                concurrent_sends(client.send_text, conversations, PER_CONVERSATION, f"rss{conversations}")
            memory[conversations] = round(sampler.peak_kb / 1024, 1)
        return {
            "start_to_logged_in_ms": r(start_to_ready * 1000),
            "latency": latency_figures(walls),
            "engine_cpu_ms_per_send": r(node_cpu / SERIAL * 1000, 3),
            "bot_cpu_ms_per_send": r(own_cpu / SERIAL * 1000, 3),
            "process_starts_per_100_sends": r(started_during * 100 / SERIAL, 2),
            "peak_rss_mb": memory,
            "engine_vmhwm_mb": round((proc_status_kb(pid, "VmHWM") or 0) / 1024, 1),
            "logins": len(fake.logins()),
            "sent": len(fake.sent()),
        }
    finally:
        engine.stop()


def run_cli(base: Path) -> dict[str, Any]:
    sim = new_sim(base)
    sim.set_latency(LATENCY_MS)
    client = ZcaClient(CliRunner(ZCA_SIM), "default")
    with sim_env(sim.home):
        timed_sends(client.send_text, 2, "warm-up")
        calls, cpu, own = len(sim.calls()), children_cpu_seconds(), time.process_time()
        walls = timed_sends(client.send_text, CLI_SERIAL, "serial")
        child_cpu, own_cpu = children_cpu_seconds() - cpu, time.process_time() - own
        started = len(sim.calls()) - calls
        memory = {}
        for conversations in (1, CONVERSATIONS):
            with RssSampler(child_pids) as sampler:
                concurrent_sends(client.send_text, conversations, 3, f"rss{conversations}")
            memory[conversations] = round(sampler.peak_kb / 1024, 1)
    return {
        "latency": latency_figures(walls),
        "zca_cpu_ms_per_send": r(child_cpu / CLI_SERIAL * 1000, 3),
        "bot_cpu_ms_per_send": r(own_cpu / CLI_SERIAL * 1000, 3),
        "process_starts_per_100_sends": r(started * 100 / CLI_SERIAL, 2),
        "peak_rss_mb": memory,
    }


def real_zca_js_rss_mb(node: str) -> float | None:
    """Peak RSS of a Node process that loads the installed, pinned zca-js (None when not installed)."""
    for folder in (default_folder(), Path.home() / ".cache" / "errbot-zalouser" / "test-engine" / pinned_version()):
        try:
            package = zca_js_dir(folder)
        except EngineNotInstalled:
            continue
        code = (f"await import({json.dumps((package / 'dist' / 'index.js').as_uri())});"
                "const s = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');"
                "console.log(s.match(/VmHWM:\\s+(\\d+)/)[1]);")
        run = subprocess.run([node, "--input-type=module", "-e", code], capture_output=True, text=True, timeout=60,
                             check=False)
        return round(int(run.stdout.strip()) / 1024, 1) if run.returncode == 0 else None
    return None


def run() -> dict[str, Any]:
    node = shutil.which("node")
    if not node:
        return {"skipped": "Node.js is not installed: the engine benchmark needs node 18+ on PATH"}
    with workdir("engine") as base:
        engine = run_engine(base / "engine", node)
        cli = run_cli(base / "cli")
    engine["node_with_real_zca_js_loaded_rss_mb"] = real_zca_js_rss_mb(node)
    engine_cpu, cli_cpu = engine["engine_cpu_ms_per_send"], cli["zca_cpu_ms_per_send"]
    ratio = r(cli_cpu / engine_cpu, 1) if engine_cpu else None
    growth = r(engine["peak_rss_mb"][CONVERSATIONS] / engine["peak_rss_mb"][1], 2) if engine["peak_rss_mb"][1] else None
    return {
        "latency_ms_per_call": LATENCY_MS,
        "engine": engine,
        "cli_zca_sim": cli,
        "cpu_ratio_cli_to_engine": ratio,
        "engine_rss_growth_1_to_8": growth,
        "targets": [
            target("sending CPU, zca-sim process / engine (preview, >= 20x wanted vs openzca)", ratio, 20, ">="),
            target("engine process starts per 100 sends", engine["process_starts_per_100_sends"], 0, "=="),
            target("engine peak RSS, 8 conversations / 1", growth, 1.2, "<="),
        ],
    }


def summary(figures: dict[str, Any]) -> str:
    if "engine" not in figures:
        return ""
    e, c = figures["engine"], figures["cli_zca_sim"]
    n = CONVERSATIONS
    return (
        f"engine: {e['latency']['median_ms']} ms/send (p95 {e['latency']['p95_ms']}), "
        f"{e['engine_cpu_ms_per_send']} ms Node CPU + {e['bot_cpu_ms_per_send']} ms bot CPU per send, "
        f"{e['process_starts_per_100_sends']} starts/100, peak RSS {e['peak_rss_mb'][1]} MB (1) / "
        f"{e['peak_rss_mb'][n]} MB ({n}); zca-sim: {c['latency']['median_ms']} ms/send, "
        f"{c['zca_cpu_ms_per_send']} ms child CPU + {c['bot_cpu_ms_per_send']} ms bot CPU per send, "
        f"{c['process_starts_per_100_sends']} starts/100, peak RSS {c['peak_rss_mb'][1]} MB (1) / "
        f"{c['peak_rss_mb'][n]} MB ({n}); at {figures['latency_ms_per_call']} ms per Zalo call"
    )
