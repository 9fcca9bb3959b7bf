"""Benchmark: latency from a `listen` line written by the simulator to the reply's `msg send` start.

The real bot runs as ``errbot -c config.py`` on the simulator (latency 0 ms), as tests/e2e does,
with ``dmPolicy: allowlist`` over 10 senders and the outbound rate limit set so it cannot bind
(50/s, burst 100; the default 1/s would dominate every figure). DMs ``!echo lat-NNNN`` (errbot's
Utils plugin replies) are injected on a fixed schedule.

Measurement points (all epoch seconds on this machine's clock):

* line written: the simulator's listener writes the line to the pty, then stores its new inbox
  offset (``inbox.offset``, replaced by a rename). A thread here polls that file every ~1 ms and
  keeps each value with the file's mtime; the mtime of the offset that ends a record is the time
  its line was written (+ the few microseconds of the offset write). When two records were
  consumed between polls, the midpoint of the poll interval is used instead (counted).
* send started: ``ZALOUSER_ZCA`` is a bash wrapper that appends ``$EPOCHREALTIME $$`` and execs
  zca-sim, so the stamp is taken ~1-2 ms after the bot's fork/exec (``wrapper_exec_offset_ms``,
  calibrated here with a wrapper that execs /bin/true) and before zca-sim's own Python start-up.
  Stamps are joined to calls.jsonl rows by pid, and rows to events by the echoed text.
  ``calls.jsonl``'s own ``ts`` is taken in zca-sim's ``main()``, i.e. after its interpreter
  start-up and imports: ``sim_python_startup_median_ms`` is that difference, reported, not counted.

The simulator's listener polls its inbox every 15 ms, so injection-to-line time is the sim's and
is reported separately (``inject_to_line_median_ms``), not counted.

Each reply is one zca-sim process (~30 ms of Python start-up, ~45-60 ms CPU). At 50 replies/s
that is more CPU than two cores have, so besides the 50/s run with the default workers (the
figure the target is judged on) this reports: 10/s on the same bot (machine not saturated), 50/s
with 16 workers (does the pool size matter?), and 50/s with `msg send` answered by the bash
wrapper itself instead of zca-sim (the bot's own latency at 50/s, without the simulator's CPU).

    python -m bench latency
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import (
    UNBOUND_OUTBOUND,
    ZCA_SIM,
    BotProcess,
    Deadline,
    load_average,
    new_sim,
    percentile,
    r,
    read_stamps,
    sh_quote,
    stamping_zca,
    target,
    workdir,
    write_config,
)
from errbot_zalouser.settings import OutboundSettings

RATE = 50.0
EVENTS = 300
LOW_RATE = 10.0
LOW_EVENTS = 60
TARGET_MEDIAN_MS = 20.0
BUDGET_S = 55.0  # the optional sessions are skipped when less than OPTIONAL_SESSION_S is left
OPTIONAL_SESSION_S = 18.0
SENDERS = [str(4_400_000_000_000_000_000 + i * 9_999_991) for i in range(10)]


class OffsetWatcher(threading.Thread):
    """Polls inbox.offset (~1 ms) and records (poll time, offset, file mtime) on every change."""

    def __init__(self, path: Path) -> None:
        super().__init__(name="bench-offset-watcher", daemon=True)
        self.path = path
        self.seen: list[tuple[float, float, int, float]] = []  # (prev poll, poll, offset, mtime)
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        last = -1
        prev_poll = time.time()
        while not self._halt.is_set():
            now = time.time()
            try:
                with open(self.path, "rb") as fh:
                    mtime = os.fstat(fh.fileno()).st_mtime_ns / 1e9
                    text = fh.read().strip()
                value = int(text or 0)
            except (FileNotFoundError, ValueError):
                value = last
                mtime = 0.0
            if value != last:
                self.seen.append((prev_poll, now, value, mtime))
                last = value
            prev_poll = now
            time.sleep(0.001)


def calibrate_wrapper(base: Path, runs: int = 15) -> float:
    """Median ms from just before Popen to the stamp of a wrapper like stamping_zca's (exec /bin/true)."""
    stamps = base / "calib.stamps"
    wrapper = base / "calib-wrapper"
    wrapper.write_text("#!/bin/bash\n"
                       f"printf '%s %s\\n' \"$EPOCHREALTIME\" \"$$\" >> {sh_quote(str(stamps))}\n"
                       "exec /bin/true \"$@\"\n")
    wrapper.chmod(0o755)
    before: dict[int, float] = {}
    for _ in range(runs):
        t0 = time.time()
        proc = subprocess.Popen([str(wrapper), "msg", "send"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        proc.communicate(timeout=10)
        before[proc.pid] = t0
    got = read_stamps(stamps)
    return statistics.median((got[pid] - t0) * 1000 for pid, t0 in before.items() if pid in got)


def run_phase(bot: BotProcess, rate: float, count: int, tag: str, timeout: float = 10.0) -> dict[str, Any]:
    """Inject ``count`` DMs at ``rate``/s, wait up to ``timeout`` s more for the replies; return
    per-event times (epoch seconds; None for a reply not sent in time)."""
    sim = bot.sim
    assert sim is not None
    inbox = sim.home / "profiles" / sim.profile / "inbox.jsonl"
    start_offset = inbox.stat().st_size if inbox.exists() else 0
    watcher = OffsetWatcher(sim.home / "profiles" / sim.profile / "inbox.offset")
    watcher.start()
    cpu_before = _cpu_snapshot(bot.pid)
    texts = [f"lat-{tag}-{i:04d}" for i in range(count)]
    injected: list[float] = []
    t0 = time.monotonic() + 0.05
    for i, text in enumerate(texts):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        injected.append(time.time())
        sim.inject_dm(SENDERS[i % len(SENDERS)], f"!echo {text}", sender_name=f"Sender {i % len(SENDERS)}")
    inject_span = time.monotonic() - t0
    deadline = Deadline(timeout)
    wanted = set(texts)
    stub = bot.base / "stub.sends"
    while not deadline.passed():
        if wanted <= {row.get("text") for row in sim.sent()} | set(_stub_sends(stub)):
            break
        time.sleep(0.05)
    cpu_after = _cpu_snapshot(bot.pid)
    time.sleep(0.05)
    watcher.stop()
    watcher.join(2)

    # Line ends of the injected records, in order (only this thread appends to the inbox).
    data = inbox.read_bytes()[start_offset:]
    ends, pos = [], start_offset
    for line in data.splitlines(keepends=True):
        pos += len(line)
        ends.append(pos)
    line_at, exact = _line_times(ends[:count], watcher.seen)

    calls = [c for c in sim.calls() if c.get("command") == "msg send"]
    by_text = {}
    for call in calls:
        argv = call.get("argv") or []
        if argv and argv[-1] in wanted:
            by_text[argv[-1]] = call
    stamps = read_stamps(bot.base / "zca.stamps")
    sent = {row.get("text"): row for row in sim.sent()}
    stubbed = _stub_sends(stub)

    rows = []
    for i, text in enumerate(texts):
        call = by_text.get(text)
        stamp = stamps.get(call.get("pid")) if call else stubbed.get(text)
        rows.append({
            "injected": injected[i],
            "line": line_at[i],
            "stamp": stamp,
            "call_ts": call.get("ts") if call else None,
            "sent_ts": sent.get(text, {}).get("ts"),
        })
    return {"rows": rows, "exact_line_times": exact, "inject_span_s": inject_span, "drain_timeout": timeout,
            "cpu": _cpu_delta(cpu_before, cpu_after), "missing": len(wanted - set(sent) - set(stubbed))}


def stub_send_zca(base: Path) -> str:
    """Like stamping_zca, but `msg send` is answered by bash itself (stamp, text, a message id)
    instead of zca-sim: ~2 ms of CPU per reply instead of ~50, to see the bot without the
    simulator's CPU cost. Every other command execs zca-sim."""
    path = base / "zca-stub-send"
    sends = sh_quote(str(base / "stub.sends"))
    stamps = sh_quote(str(base / "zca.stamps"))
    path.write_text(
        "#!/bin/bash\n"
        'if [[ "$3" == "msg" && "$4" == "send" ]]; then\n'
        f"  printf '%s %s %s\\n' \"$EPOCHREALTIME\" \"$$\" \"${{@: -1}}\" >> {sends}\n"
        "  echo 'message_id: 7000000000000000001'\n"
        "  exit 0\n"
        "fi\n"
        f"printf '%s %s\\n' \"$EPOCHREALTIME\" \"$$\" >> {stamps}\n"
        f"exec {sh_quote(ZCA_SIM)} \"$@\"\n"
    )
    path.chmod(0o755)
    return str(path)


def _stub_sends(path: Path) -> dict[str, float]:
    """text -> epoch seconds from stub_send_zca's log."""
    found: dict[str, float] = {}
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return found
    for line in lines:
        parts = line.split(" ", 2)
        if len(parts) == 3:
            try:
                found[parts[2]] = float(parts[0].replace(",", "."))
            except ValueError:
                continue
    return found


def _line_times(ends: list[int], seen: list[tuple[float, float, int, float]]) -> tuple[list[float | None], int]:
    times: list[float | None] = []
    exact = 0
    for end in ends:
        found = None
        for prev_poll, poll, offset, mtime in seen:
            if offset >= end:
                if offset == end and mtime and prev_poll - 0.002 <= mtime <= poll + 0.002:
                    found = mtime
                    exact += 1
                else:
                    found = (prev_poll + poll) / 2
                break
        times.append(found)
    return times, exact


def _cpu_snapshot(pid: int) -> dict[str, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    snap = {"wall": time.monotonic()}
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        snap["bot"] = (int(fields[11]) + int(fields[12])) / ticks
        snap["children"] = (int(fields[13]) + int(fields[14])) / ticks  # reaped zca calls
    except (OSError, IndexError, ValueError):
        snap["bot"] = snap["children"] = float("nan")
    with open("/proc/stat") as fh:
        cpu = [int(x) for x in fh.readline().split()[1:]]
    snap["idle"] = (cpu[3] + cpu[4]) / ticks
    snap["total"] = sum(cpu[:8]) / ticks
    return snap


def _cpu_delta(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    total = b["total"] - a["total"]
    return {
        "wall_s": b["wall"] - a["wall"],
        "bot_cpu_s": b["bot"] - a["bot"],
        "children_cpu_s": b["children"] - a["children"],
        "machine_busy_fraction": (total - (b["idle"] - a["idle"])) / total if total > 0 else float("nan"),
    }


def summarise(phase: dict[str, Any], rate: float, offset_ms: float) -> dict[str, Any]:
    rows = phase["rows"]
    lat = [(x["stamp"] - x["line"]) * 1000 for x in rows if x["stamp"] and x["line"]]
    if len(lat) < len(rows):  # replies not sent within the drain time: count them at that bound
        bound = (phase["inject_span_s"] + phase["drain_timeout"]) * 1000
        lat += [bound] * (len(rows) - len(lat))
    lat_calls = [(x["call_ts"] - x["line"]) * 1000 for x in rows if x["call_ts"] and x["line"]]
    sim_poll = [(x["line"] - x["injected"]) * 1000 for x in rows if x["line"]]
    py_start = [(x["call_ts"] - x["stamp"]) * 1000 for x in rows if x["call_ts"] and x["stamp"]]
    inject_to_sent = [(x["sent_ts"] - x["injected"]) * 1000 for x in rows if x["sent_ts"]]
    n = len(rows)
    cpu = phase["cpu"]
    return {
        "rate_per_s": rate,
        "events": n,
        "measured": sum(1 for x in rows if x["stamp"] and x["line"]),
        "missing_replies": phase["missing"],
        "figures_are_lower_bounds": phase["missing"] > 0,
        "line_times_exact": phase["exact_line_times"],
        "median_ms": r(statistics.median(lat)) if lat else None,
        "p90_ms": r(percentile(lat, 0.90)),
        "p99_ms": r(percentile(lat, 0.99)),
        "max_ms": r(max(lat)) if lat else None,
        "median_minus_wrapper_exec_ms": r(statistics.median(lat) - offset_ms) if lat else None,
        "first_50_median_ms": r(statistics.median(lat[:50])) if lat else None,
        "last_50_median_ms": r(statistics.median(lat[-50:])) if lat else None,
        "to_calls_ts_median_ms": r(statistics.median(lat_calls)) if lat_calls else None,
        "to_calls_ts_p99_ms": r(percentile(lat_calls, 0.99)),
        "sim_python_startup_median_ms": r(statistics.median(py_start)) if py_start else None,
        "inject_to_line_median_ms": r(statistics.median(sim_poll)) if sim_poll else None,
        "inject_to_sent_logged_median_ms": r(statistics.median(inject_to_sent)) if inject_to_sent else None,
        "inject_span_s": r(phase["inject_span_s"], 2),
        "bot_cpu_ms_per_event": r(cpu["bot_cpu_s"] / n * 1000, 2) if n else None,
        "zca_calls_cpu_ms_per_reply": r(cpu["children_cpu_s"] / n * 1000, 1) if n else None,
        "machine_busy_fraction": r(cpu["machine_busy_fraction"], 3),
    }


def _session(base: Path, workers: int | None, phases: list[tuple[float, int, str]],
             stub_send: bool = False) -> list[dict[str, Any]]:
    """Start a bot (outbound.workers = ``workers``, None = default), warm it up, run the phases."""
    base.mkdir(parents=True, exist_ok=True)
    sim = new_sim(base)
    zca = stub_send_zca(base) if stub_send else stamping_zca(base, base / "zca.stamps")
    outbound = dict(UNBOUND_OUTBOUND, **({"workers": workers} if workers else {}))
    config = write_config(base, zca, {"dmPolicy": "allowlist", "allowFrom": SENDERS, "outbound": outbound})
    bot = BotProcess.start(base, config, sim)
    results = []
    try:
        bot.wait_listener(1, timeout=30)
        for i in range(3):  # warm-up: plugins active, pool threads and code paths warm
            sim.inject_dm(SENDERS[0], f"!echo warm-{i}", sender_name="Sender 0")
        deadline = Deadline(30)
        stub = base / "stub.sends"
        while len(sim.sent()) + len(_stub_sends(stub)) < 3 and not deadline.passed():
            time.sleep(0.05)
        if len(sim.sent()) + len(_stub_sends(stub)) < 3:
            raise RuntimeError("no warm-up replies\n" + bot.describe_failure())
        for rate, count, tag in phases:
            time.sleep(0.5)
            results.append(run_phase(bot, rate, count, tag))
    finally:
        bot.stop()
    return results


def run(rate: float = RATE, events: int = EVENTS) -> dict[str, Any]:
    load_before = load_average()
    budget = Deadline(BUDGET_S)
    optional: dict[str, Any] = {}
    with workdir("latency") as base:
        offset_ms = calibrate_wrapper(base)
        low, high = _session(base / "default_workers", None, [(LOW_RATE, LOW_EVENTS, "low"), (rate, events, "high")])
        for key, workers, stub in (("at_rate_stub_send", None, True), ("at_rate_workers_16", 16, False)):
            if budget.left() < OPTIONAL_SESSION_S:
                optional[key] = {"skipped": f"time budget ({BUDGET_S:g} s for this benchmark)"}
                continue
            (phase,) = _session(base / key, workers, [(rate, events, key)], stub_send=stub)
            optional[key] = summarise(phase, rate, offset_ms)
    main_figures = summarise(high, rate, offset_ms)
    figures = {
        "rate_per_s": rate,
        "events": events,
        "outbound": {**UNBOUND_OUTBOUND, "workers": f"{OutboundSettings().workers} (default)"},
        "log_level": "INFO",
        "load_average_before": load_before,
        "wrapper_exec_offset_ms": r(offset_ms),
        "median_ms": main_figures["median_ms"],
        "p99_ms": main_figures["p99_ms"],
        "at_rate": main_figures,
        **optional,
        "at_low_rate": summarise(low, LOW_RATE, offset_ms),
        "method": "line written (inbox.offset mtime) -> bash-wrapper stamp at the reply's zca exec",
    }
    figures["targets"] = [target(f"median line->send start at {rate:g}/s (ms)", figures["median_ms"],
                                 TARGET_MEDIAN_MS, "<=")]
    stub = optional.get("at_rate_stub_send", {})
    if "median_ms" in stub:
        figures["targets"].append(target(
            f"same, sends answered by a bash stub instead of zca-sim (the bot's own latency) at {rate:g}/s (ms)",
            stub["median_ms"], TARGET_MEDIAN_MS, "<="))
    return figures


def summary(figures: dict[str, Any]) -> str:
    hi, lo = figures["at_rate"], figures["at_low_rate"]
    stub, wide = figures["at_rate_stub_send"], figures["at_rate_workers_16"]
    return (
        f"latency: at {hi['rate_per_s']:g}/s median {hi['median_ms']} ms, p99 {hi['p99_ms']} ms "
        f"(machine busy {hi['machine_busy_fraction']}; with `msg send` stubbed in bash median "
        f"{stub.get('median_ms', 'skipped')} ms, p99 {stub.get('p99_ms', 'skipped')} ms; with 16 workers "
        f"median {wide.get('median_ms', 'skipped')} ms); at {lo['rate_per_s']:g}/s median {lo['median_ms']} ms, "
        f"p99 {lo['p99_ms']} ms. Not counted: sim inbox poll ~{hi['inject_to_line_median_ms']} ms, "
        f"sim Python start-up ~{hi['sim_python_startup_median_ms']} ms"
    )
