"""Benchmark: the `zca` tool against the zca-js engine: the same workloads, the same simulated latency.

Each transport runs on its stand-in, with LATENCY_MS of simulated Zalo per call:

* cli: zca-sim for `zca` (``SimControl.set_latency``: a zca-sim process lasts at least LATENCY_MS
  from its start, its own start-up included), one process per message;
* engine: the real engine program (engine.mjs under Node) on the zca-js stand-in
  (tests/transport/engine/fake_zca; ``FakeZca.set_latency``: each zca-js call waits LATENCY_MS),
  one process per account.

Workloads, the same for both:

* outbound (as bench_outbound): a ZalouserService in this process, configured as the bot would
  be; 5 replies to each of 8 conversations submitted at once; default workers (8), rate limit
  unbound; timed until ``drain()``. CPU per reply: this process (the service's threads) plus the
  transport's processes (cli: the zca-sim children, reaped; engine: the Node process, /proc),
  summed over REPEATS runs (/proc counts in 10 ms ticks: one run of the engine is a few ticks). Process starts per 100 replies: pids in the stand-in's call log that
  were not there before the run. Peak RSS of the transport's processes, sampled every 5 ms in
  separate runs (the sampler's CPU is not counted), for 1 conversation (5 replies) and for 8
  (40 replies, 8 at once).
* latency (as bench_latency, from 8 senders): the real bot (`errbot -c`), EVENTS DMs ``!echo``
  at each of RATES a second (the first rate's figures make the ratios). Latency: the DM written to the stand-in's inbox -> the stand-in recorded the
  reply as sent (both poll their inbox, every 15 and 20 ms, and both include the send's
  LATENCY_MS). CPU per reply (bot + children): the bot's utime+stime+cutime+cstime plus its live
  descendants' (/proc: the `zca listen` child or the engine), over the run; the same over IDLE_S
  before it is reported as the idle rate (the stand-ins poll their inboxes). Peak RSS: the bot and
  its descendants during the run. Process starts: pids in the stand-ins' call logs, per 100 replies.

zca-sim is a Python stand-in, lighter than openzca, which loads zca-js and logs in to Zalo in
every process: so the cli figures are a floor. ``openzca_floor`` measures what every openzca
process pays at least, where the pinned zca-js is installed (`engine install`, or the tests'
copy): a Node process that only loads it (CPU and peak RSS, median of 5).

    python -m bench engine
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.common import (
    UNBOUND_OUTBOUND,
    ZCA_SIM,
    BotProcess,
    children_cpu_seconds,
    new_sim,
    percentile,
    r,
    target,
    wait_for,
    workdir,
    write_config,
)
from bench.procstat import RssSampler, cpu_seconds, descendants, tree_cpu_seconds
from errbot_zalouser.config import load_settings
from errbot_zalouser.errors import EngineNotInstalled
from errbot_zalouser.model import Target
from errbot_zalouser.service.service import ZalouserService
from errbot_zalouser.simulator import seed
from errbot_zalouser.simulator.control import SimControl
from errbot_zalouser.transport.engine.install import default_folder, pinned_version, zca_js_dir

LATENCY_MS = 150
CONVERSATIONS = 8
PER_CONVERSATION = 5
REPEATS = 5
RATES = (10.0, 50.0)
EVENTS = 120
IDLE_S = 5.0
TARGET_CPU_RATIO = 20.0
SENDERS = [str(4_400_000_000_000_000_000 + i * 9_999_991) for i in range(CONVERSATIONS)]


@dataclass
class Transport:
    """One transport under test: ``tool`` plays Zalo (SimControl or FakeZca) and records what is
    sent; ``zca`` is the zca-sim both configs name (the engine's bot must not run it); ``block``
    goes into ZALOUSER; ``env`` into the environment of the processes started."""

    name: str
    tool: Any
    zca: SimControl
    block: dict[str, Any]
    env: dict[str, str]

    def sent_at(self, row: dict[str, Any]) -> float:
        """When the stand-in recorded a send (epoch seconds)."""
        return float(row["ts"]) if self.name == "cli" else float(row["at"]) / 1000

    def call_pids(self, since: float = 0.0) -> set[int]:
        """Pids of the processes that made the stand-ins' calls since ``since`` (epoch seconds)."""
        rows = [*self.tool.calls(), *(self.zca.calls() if self.zca is not self.tool else [])]
        return {int(row["pid"]) for row in rows if _call_time(row) >= since}


def _call_time(row: dict[str, Any]) -> float:
    return float(row["ts"]) if "ts" in row else float(row.get("at", 0)) / 1000


def make_transports(base: Path, node: str) -> list[Transport]:
    from tests.transport.engine.fakezca import FakeZca

    sim = new_sim(base / "cli")
    sim.set_latency(LATENCY_MS)
    fake = FakeZca.create(base / "engine")
    fake.set_latency(LATENCY_MS)
    unused = new_sim(base / "engine-zca")
    block = {"engine": "zca-js", "zcaJs": {"package": fake.module, "node": node, "openzcaHome": str(fake.openzca_home)}}
    return [Transport("cli", sim, sim, {}, {"ZCA_SIM_HOME": str(sim.home)}),
            Transport("engine", fake, unused, block, {**fake.env(), "ZCA_SIM_HOME": str(unused.home)})]


@contextmanager
def exported(env: dict[str, str]) -> Iterator[None]:
    """``env`` in os.environ (for the children this process starts), restored afterwards."""
    old = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def conversations() -> list[Target]:
    friends = [Target(f["userId"]) for f in seed.default_friends()][:6]
    groups = [Target(g["groupId"], is_group=True) for g in seed.default_groups()][:2]
    return friends + groups


# --- outbound, in this process -------------------------------------------------------------------


def outbound_service(t: Transport, base: Path) -> ZalouserService:
    block = {"outbound": {"ratePerSecond": 50, "burst": 100}, **t.block}
    settings = load_settings(SimpleNamespace(ZALOUSER=block, ZALOUSER_ZCA=ZCA_SIM))
    service = ZalouserService(settings, base / f"data-{t.name}-{time.monotonic_ns()}")
    service.accounts.get(None).client.is_authenticated()  # the engine starts and logs in here, untimed
    service.outbox.start()
    return service


def engine_pid(service: ZalouserService) -> int | None:
    engine = getattr(service.accounts.get(None).client, "engine", None)
    return engine.pid if engine is not None else None


def transport_pids(service: ZalouserService) -> list[int]:
    """The processes doing the sending: the engine, or this process's zca-sim children."""
    pid = engine_pid(service)
    return [pid] if pid else descendants(os.getpid())


def outbound_run(t: Transport, service: ZalouserService, count: int, tag: str) -> dict[str, Any]:
    targets = conversations()[:count]
    plan = [(c, f"{tag}-c{c}-m{k}") for k in range(PER_CONVERSATION) for c in range(count)]
    pid = engine_pid(service)
    before, started_at = t.call_pids(), time.time()
    cpu = (time.process_time(), children_cpu_seconds(), cpu_seconds(pid) if pid else 0.0)
    started = time.perf_counter()
    for c, text in plan:
        service.send_text(None, targets[c], text)
    drained = service.drain(120)
    elapsed = time.perf_counter() - started
    own, kids = time.process_time() - cpu[0], children_cpu_seconds() - cpu[1]
    transport = kids + ((cpu_seconds(pid) - cpu[2]) if pid else 0.0)
    sent = [row for row in t.tool.sent() if row.get("text", "").startswith(f"{tag}-")]
    in_order = all([row["text"] for row in sent if row["threadId"] == tgt.thread_id]
                   == [text for c, text in plan if c == i] for i, tgt in enumerate(targets))
    return {"seconds": elapsed, "drained": drained, "delivered": len(sent), "order_intact": in_order,
            "bot_cpu_ms_per_reply": own / len(plan) * 1000, "transport_cpu_ms_per_reply": transport / len(plan) * 1000,
            "new_processes": len(t.call_pids(started_at) - before)}


def outbound(t: Transport, base: Path) -> dict[str, Any]:
    with exported(t.env):
        service = outbound_service(t, base)
        try:
            outbound_run(t, service, CONVERSATIONS, f"{t.name}-warm")
            runs = [outbound_run(t, service, CONVERSATIONS, f"{t.name}-r{i}") for i in range(REPEATS)]
            rss = {}
            for count in (1, CONVERSATIONS):
                with RssSampler(lambda: transport_pids(service)) as sampler:
                    outbound_run(t, service, count, f"{t.name}-rss{count}")
                rss[count] = sampler.peak_mb
        finally:
            service.stop(timeout=5)
    replies = CONVERSATIONS * PER_CONVERSATION
    bot = statistics.mean(x["bot_cpu_ms_per_reply"] for x in runs)  # runs of equal size: the sum's share
    transport = statistics.mean(x["transport_cpu_ms_per_reply"] for x in runs)
    return {
        "replies_per_run": replies,
        "drain_seconds": r(statistics.median(x["seconds"] for x in runs), 3),
        "bot_cpu_ms_per_reply": r(bot, 3),
        "transport_cpu_ms_per_reply": r(transport, 3),
        "cpu_ms_per_reply": r(bot + transport, 3),
        "process_starts_per_100_replies": r(sum(x["new_processes"] for x in runs) * 100 / (replies * REPEATS), 1),
        "transport_peak_rss_mb": {"1_conversation": rss[1], f"{CONVERSATIONS}_conversations": rss[CONVERSATIONS]},
        "all_delivered_in_order": all(x["drained"] and x["order_intact"] and x["delivered"] == replies for x in runs),
    }


# --- latency, the whole bot ------------------------------------------------------------------------


def start_bot(t: Transport, base: Path) -> BotProcess:
    block = {"dmPolicy": "allowlist", "allowFrom": SENDERS, "outbound": UNBOUND_OUTBOUND, **t.block}
    bot = BotProcess.start(base, write_config(base, ZCA_SIM, block), t.tool if t.name == "cli" else None, env=t.env)
    try:
        t.tool.wait_listener(timeout=60)
        t.tool.inject_dm(SENDERS[0], "!echo warm-up")
        wait_for(lambda: any(row.get("text") == "warm-up" for row in t.tool.sent()), 60)
    except BaseException:
        print(bot.describe_failure())
        bot.stop()
        raise
    return bot


def latency(t: Transport, base: Path) -> dict[str, Any]:
    """The bot's idle CPU, then one run per rate (the first rate is the one the ratios use)."""
    bot = start_bot(t, base)
    try:
        idle0 = (tree_cpu_seconds(bot.pid), cpu_seconds(bot.pid))
        time.sleep(IDLE_S)
        idle = ((tree_cpu_seconds(bot.pid) - idle0[0]) / IDLE_S, (cpu_seconds(bot.pid) - idle0[1]) / IDLE_S)
        runs = {f"{rate:g}_per_second": latency_run(t, bot, rate, idle) for rate in RATES}
    finally:
        bot.stop()
    return {"idle_cpu_ms_per_second": r(idle[0] * 1000, 2),
            "children_idle_cpu_ms_per_second": r((idle[0] - idle[1]) * 1000, 2), **runs}


def latency_run(t: Transport, bot: BotProcess, rate: float, idle: tuple[float, float]) -> dict[str, Any]:
    """EVENTS DMs at ``rate``; ``idle``: the bot tree's and the bot's own idle CPU (s per s)."""
    before, started_at = t.call_pids(), time.time()
    cpu0, own0 = tree_cpu_seconds(bot.pid), cpu_seconds(bot.pid)
    injected: dict[str, float] = {}
    with RssSampler(lambda: [bot.pid, *descendants(bot.pid)]) as sampler:
        schedule = time.monotonic()
        for i in range(EVENTS):
            time.sleep(max(0.0, schedule + i / rate - time.monotonic()))
            text = f"lat-{rate:g}-{i:04}"
            injected[text] = time.time()
            t.tool.inject_dm(SENDERS[i % len(SENDERS)], f"!echo {text}")
        wait_for(lambda: sum(row.get("text") in injected for row in t.tool.sent()) >= EVENTS, 180)
        time.sleep(0.3)
    elapsed = time.time() - started_at
    cpu, own = tree_cpu_seconds(bot.pid) - cpu0, cpu_seconds(bot.pid) - own0
    started = t.call_pids(started_at) - before
    waits = [(t.sent_at(row) - injected[row["text"]]) * 1000 for row in t.tool.sent() if row.get("text") in injected]
    idle_tree, idle_children = idle[0] * elapsed, (idle[0] - idle[1]) * elapsed

    def per_reply(seconds: float) -> float | None:
        return r(max(0.0, seconds) / EVENTS * 1000, 2)

    return {
        "events": EVENTS, "seconds": r(elapsed, 1),
        "median_ms": r(statistics.median(waits), 1), "p95_ms": r(percentile(waits, 0.95), 1),
        "cpu_ms_per_reply": per_reply(cpu),
        "bot_cpu_ms_per_reply": per_reply(own),
        "children_cpu_ms_per_reply": per_reply(cpu - own),
        "cpu_ms_per_reply_less_idle": per_reply(cpu - idle_tree),
        "children_cpu_ms_per_reply_less_idle": per_reply(cpu - own - idle_children),
        "process_starts_per_100_replies": r(len(started) * 100 / EVENTS, 1),
        "peak_rss_mb_bot_and_children": sampler.peak_mb,
    }


# --- what every openzca process pays ---------------------------------------------------------------


def openzca_floor(node: str) -> dict[str, Any] | None:
    """CPU and peak RSS of a Node process that only loads the pinned zca-js (None when not installed)."""
    for folder in (default_folder(), Path.home() / ".cache" / "errbot-zalouser" / "test-engine" / pinned_version()):
        try:
            package = zca_js_dir(folder)
        except EngineNotInstalled:
            continue
        code = (f"await import({json.dumps((package / 'dist' / 'index.js').as_uri())});"
                "const s = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');"
                "const u = process.cpuUsage();"
                "console.log(JSON.stringify({cpu: (u.user + u.system) / 1000, hwm: +s.match(/VmHWM:\\s+(\\d+)/)[1]}));")
        runs = []
        for _ in range(5):
            done = subprocess.run([node, "--input-type=module", "-e", code], capture_output=True, text=True,
                                  timeout=60, check=False)
            if done.returncode != 0:
                return None
            runs.append(json.loads(done.stdout))
        return {"zca_js": str(package), "cpu_ms": r(statistics.median(x["cpu"] for x in runs), 1),
                "peak_rss_mb": r(statistics.median(x["hwm"] for x in runs) / 1024, 1)}
    return None


def run() -> dict[str, Any]:
    node = shutil.which("node")
    if not node:
        return {"skipped": "Node.js is not installed: the engine benchmark needs node 18+ on PATH"}
    figures: dict[str, Any] = {"latency_ms_per_zalo_call": LATENCY_MS}
    with workdir("engine") as base:
        for t in make_transports(base, node):
            figures[t.name] = {"outbound": outbound(t, base / f"{t.name}-out"),
                               "latency": latency(t, base / f"{t.name}-lat")}
    floor = openzca_floor(node)
    figures["openzca_floor_per_process"] = floor
    cli, eng = figures["cli"], figures["engine"]
    first = f"{RATES[0]:g}_per_second"
    cli_lat, eng_lat = cli["latency"][first], eng["latency"][first]
    pairs = {
        "outbound_transport": (cli["outbound"], eng["outbound"], "transport_cpu_ms_per_reply"),
        "outbound_bot_and_transport": (cli["outbound"], eng["outbound"], "cpu_ms_per_reply"),
        "latency_children": (cli_lat, eng_lat, "children_cpu_ms_per_reply"),
        "latency_children_less_idle": (cli_lat, eng_lat, "children_cpu_ms_per_reply_less_idle"),
        "latency_bot_and_children": (cli_lat, eng_lat, "cpu_ms_per_reply"),
        "latency_bot_and_children_less_idle": (cli_lat, eng_lat, "cpu_ms_per_reply_less_idle"),
    }
    ratio = {key: r(a[m] / b[m], 1) if b[m] else None for key, (a, b, m) in pairs.items()}
    if floor:  # every reply's `zca` process costing openzca's floor instead of zca-sim's CPU
        openzca = cli_lat["bot_cpu_ms_per_reply"] + floor["cpu_ms"]
        ratio["latency_bot_and_children_openzca_floor"] = r(openzca / eng_lat["cpu_ms_per_reply"], 1)
    figures["cpu_ratio_cli_to_engine"] = ratio
    rss = eng["outbound"]["transport_peak_rss_mb"]
    growth = r(rss[f"{CONVERSATIONS}_conversations"] / rss["1_conversation"], 2) if rss["1_conversation"] else None
    figures["engine_rss_growth_1_to_8"] = growth
    starts = eng["outbound"]["process_starts_per_100_replies"] + sum(
        run["process_starts_per_100_replies"] for run in eng["latency"].values() if isinstance(run, dict))
    figures["targets"] = [
        target("CPU per reply in the transport's processes (outbound), zca-sim / engine", ratio["outbound_transport"],
               TARGET_CPU_RATIO, ">="),
        target("CPU per reply, whole bot + children (latency), zca-sim / engine", ratio["latency_bot_and_children"],
               TARGET_CPU_RATIO, ">="),
        target("CPU per reply, whole bot + children, a `zca` process at openzca's floor / engine",
               ratio.get("latency_bot_and_children_openzca_floor"), TARGET_CPU_RATIO, ">="),
        target("engine process starts per 100 replies (outbound + latency)", starts, 0, "=="),
        target("engine peak RSS, 8 conversations at once / 1", growth, 1.2, "<="),
    ]
    return figures


def summary(figures: dict[str, Any]) -> str:
    if "engine" not in figures:
        return ""
    parts = []
    for name in ("cli", "engine"):
        o, lat = figures[name]["outbound"], figures[name]["latency"]
        rss = o["transport_peak_rss_mb"]
        rates = ", ".join(f"{key.split('_')[0]}/s median {run['median_ms']} ms (p95 {run['p95_ms']}), "
                          f"{run['cpu_ms_per_reply']} ms CPU/reply, peak RSS {run['peak_rss_mb_bot_and_children']} MB"
                          for key, run in lat.items() if isinstance(run, dict))
        parts.append(
            f"{name}: outbound {o['cpu_ms_per_reply']} ms CPU/reply ({o['transport_cpu_ms_per_reply']} in the "
            f"transport), drain {o['drain_seconds']} s, {o['process_starts_per_100_replies']} starts/100, RSS "
            f"{rss['1_conversation']} -> {rss[f'{CONVERSATIONS}_conversations']} MB (1 -> {CONVERSATIONS} "
            f"conversations); whole bot {rates}")
    return "; ".join(parts) + f"; ratios {figures['cpu_ratio_cli_to_engine']}"
