"""Benchmark: inbound events per second through the backend's whole inbound path, on one core.

In-process. A real ``ZalouserBackend`` is built with errbot's ``setup_bot`` against the simulator
(preflight runs `zca-sim --version`, `auth status`, `me info`), ``serve_once`` runs on its own
thread as errbot's main loop would, and the simulator's real listener connects, which activates
the plugins (the companion plugins, errbot's core plugins as the config template lists them, and a
``BenchNoop`` plugin whose ``!noop`` command does nothing). The real listener is then stopped, and
pre-generated ``listen -r`` lines (made by the simulator's own event and JSON functions, with the
pty's CRLF line ends) are fed in 64 KiB reads through ``Listener._feed`` of a listener built by the
service's own ``_make_listener`` (so ``on_event`` is the backend's ``_on_event``): line split,
ANSI strip, ``json.loads``, ``InboundEvent.from_json``, dedupe, the backend inbox queue, the
dispatch loop, the gate (``ZalouserService.admit``), ``Message`` construction, errbot's
``callback_message`` (command parsing, ACL filters, the thread pool) and the no-op command.

The clock runs from the first line fed to the moment the no-op command has run for the last
expected event. Every thread of the process is pinned to one CPU while measuring. The machine is
shared with other work, so the rate is events per CPU-second of this process over that span (the
capacity of one dedicated core; wall-clock rates are reported too); the DM set runs twice and the
better run counts.

    python -m bench inbound
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from typing import Any

from bench.common import (
    Deadline,
    config_module,
    new_sim,
    pinned,
    r,
    sim_env,
    target,
    wait_for,
    workdir,
    write_noop_plugin,
)
from errbot_zalouser import plugins_dir
from errbot_zalouser.backend.inbound import to_message
from errbot_zalouser.model import InboundEvent
from errbot_zalouser.simulator import events as sim_events
from errbot_zalouser.simulator import render
from errbot_zalouser.transport.lines import LineBuffer
from errbot_zalouser.transport.listener import Listener, Session

EVENTS = 20_000
TARGET_EVENTS_PER_S = 5_000
READ_SIZE = 65536  # what Listener reads from the pty at a time
SET_TIMEOUT = 25.0

ALLOWED_SENDERS = [str(4_200_000_000_000_000_000 + i * 7_777_777) for i in range(100)]
STRANGERS = [str(8_300_000_000_000_000_000 + i * 3_333_331) for i in range(200)]
ALLOWED_GROUPS = [str(6_900_000_000_000_000_000 + i * 1_000_003) for i in range(5)]
OTHER_GROUPS = [str(6_950_000_000_000_000_000 + i * 1_000_003) for i in range(20)]

ZALOUSER = {
    "dmPolicy": "allowlist",
    "allowFrom": ALLOWED_SENDERS,
    "groupPolicy": "allowlist",
    "groups": {gid: {"allow": True} for gid in ALLOWED_GROUPS},
}


class _Ids:
    """Message ids, and client ids that are the sending client's clock in ms: the events are
    stamped now (the bot drops events older than ``listener.maxEventAgeSeconds`` as replays)."""

    def __init__(self) -> None:
        self.n = 0
        self.started_ms = int(time.time() * 1000)

    def next(self) -> tuple[str, str]:
        self.n += 1
        return str(7_100_000_000_000_000_000 + self.n), str(self.started_ms + self.n)


def _dm(ids: _Ids, sender: str, text: str) -> str:
    msg_id, cli = ids.next()
    event = sim_events.dm_event(sender, text, sender_name=f"Người dùng {sender[-4:]}", msg_id=msg_id, cli_msg_id=cli)
    return render.compact_json(event)


def _group(ids: _Ids, group: str, sender: str, text: str) -> str:
    msg_id, cli = ids.next()
    event = sim_events.group_event(group, sender, text, sender_name=f"Thành viên {sender[-4:]}",
                                   group_name=f"Nhóm {group[-3:]}", msg_id=msg_id, cli_msg_id=cli)
    return render.compact_json(event)


def dm_set(ids: _Ids, count: int) -> tuple[list[str], int]:
    """``count`` DM commands from allowlisted senders; all are dispatched."""
    lines = [_dm(ids, ALLOWED_SENDERS[i % len(ALLOWED_SENDERS)], f"!noop dm {i}") for i in range(count)]
    return lines, count


def mixed_set(ids: _Ids, count: int, seed: int = 5) -> tuple[list[str], int, dict[str, int]]:
    """50% allowlisted DMs, 15% allowed groups, 10% other groups (dropped), 20% strangers'
    DMs (dropped by dmPolicy allowlist), 5% repeated lines (dropped by dedupe)."""
    rng = random.Random(seed)
    lines: list[str] = []
    kinds = {"dm_allowed": 0, "group_allowed": 0, "group_dropped": 0, "dm_dropped": 0, "duplicate": 0}
    for i in range(count):
        roll = rng.random()
        if roll < 0.05 and lines:
            lines.append(lines[rng.randrange(max(0, len(lines) - 200), len(lines))])
            kinds["duplicate"] += 1
        elif roll < 0.55:
            lines.append(_dm(ids, rng.choice(ALLOWED_SENDERS), f"!noop mixed {i}"))
            kinds["dm_allowed"] += 1
        elif roll < 0.70:
            lines.append(_group(ids, rng.choice(ALLOWED_GROUPS), rng.choice(STRANGERS + ALLOWED_SENDERS),
                                f"!noop group {i}"))
            kinds["group_allowed"] += 1
        elif roll < 0.80:
            lines.append(_group(ids, rng.choice(OTHER_GROUPS), rng.choice(ALLOWED_SENDERS), f"!noop other {i}"))
            kinds["group_dropped"] += 1
        else:
            lines.append(_dm(ids, rng.choice(STRANGERS), f"!noop stranger {i}"))
            kinds["dm_dropped"] += 1
    return lines, kinds["dm_allowed"] + kinds["group_allowed"], kinds


def chunks(lines: list[str]) -> list[bytes]:
    """The lines as the pty delivers them (CRLF), cut into reads of at most READ_SIZE bytes."""
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    return [data[i:i + READ_SIZE] for i in range(0, len(data), READ_SIZE)]


def new_session() -> Session:
    now = time.monotonic()
    return Session(child=None, started=now, last_output=now, lines=LineBuffer(1_048_576))


class Harness:
    """The backend running its dispatch loop on a thread, and a listener to feed."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.rt = bot.zalouser.accounts.get(None)
        self.plugin = bot.plugin_manager.get_plugin_obj_by_name("BenchNoop")
        self.feeder: Listener = bot.zalouser._make_listener(self.rt, bot._on_event, bot._on_state)
        self.session = new_session()

    def run_set(self, data: list[bytes], goal: int, timeout: float = SET_TIMEOUT) -> dict[str, Any]:
        """Feed ``data``; wait until the no-op command ran ``goal`` times. Seconds and counts."""
        self.plugin.bench_reset(goal)
        before = self.feeder.stats
        cpu_started = time.process_time()
        started = time.perf_counter()
        deadline = Deadline(timeout)
        fed = 0
        for block in data:
            self.feeder._feed(self.session, block)
            fed += 1
            if deadline.passed():
                break
        fed_at = time.perf_counter()
        while self.plugin.bench_done_at is None and not deadline.passed():
            time.sleep(0.002)
        done_at = self.plugin.bench_done_at
        cpu_seconds = time.process_time() - cpu_started
        time.sleep(0.1)  # anything dispatched beyond the goal would show up in the count now
        after = self.feeder.stats
        return {
            "complete": done_at is not None,
            "seconds": (done_at if done_at is not None else time.perf_counter()) - started,
            "cpu_seconds": cpu_seconds,
            "feed_seconds": fed_at - started,
            "commands_run": self.plugin.bench_count,
            "events_parsed": after.events - before.events,
            "duplicates": after.duplicates - before.duplicates,
            "fed_reads": fed,
        }


def json_baseline(lines: list[str], rounds: int = 3) -> float:
    """Best-of-``rounds`` CPU seconds for json.loads over the lines."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for line in lines:
            json.loads(line)
        best = min(best, time.process_time() - started)
    return best


def stage_costs(bot: Any, lines: list[str], data: list[bytes]) -> dict[str, float]:
    """Microseconds per event of parts of the path, each measured alone on the same lines."""
    n = len(lines)
    out: dict[str, float] = {}
    sink = Listener("unused", "default", lambda event: None, settings=bot.zalouser._make_listener(
        bot.zalouser.accounts.get(None), bot._on_event, bot._on_state).settings)
    session = new_session()
    started = time.process_time()
    for block in data:
        sink._feed(session, block)
    out["listener_parse_dedupe_us"] = (time.process_time() - started) / n * 1e6
    events = [InboundEvent.from_json(json.loads(line)) for line in lines]
    started = time.process_time()
    for event in events:
        bot.zalouser.admit("default", event)
    out["gate_admit_us"] = (time.process_time() - started) / n * 1e6
    me = bot._identity_on("default")

    def message(event: InboundEvent) -> Any:
        return to_message(event, "default", event.content, me=me, backend=bot)

    started = time.process_time()
    for event in events:
        message(event)
    out["message_build_us"] = (time.process_time() - started) / n * 1e6
    messages = [message(event) for event in events]
    # errbot alone: callback_message on ready Messages (no listener, queue or gate), same command.
    plugin = bot.plugin_manager.get_plugin_obj_by_name("BenchNoop")
    plugin.bench_reset(n)
    deadline = Deadline(SET_TIMEOUT)
    started = time.process_time()
    for message in messages:
        bot.callback_message(message)
    while plugin.bench_done_at is None and not deadline.passed():
        time.sleep(0.002)
    if plugin.bench_done_at is not None:
        out["errbot_callback_message_us"] = (time.process_time() - started) / n * 1e6
    return out


def run(events: int = EVENTS) -> dict[str, Any]:
    with workdir("inbound") as base:
        sim = new_sim(base)
        with sim_env(sim.home):
            return _run(base, events)


def _run(base, events: int) -> dict[str, Any]:
    from errbot.bootstrap import setup_bot
    from errbot.logs import console_hdlr

    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    config = config_module(base, ZALOUSER, plugin_dirs=[plugins_dir(), write_noop_plugin(base)])
    built = time.perf_counter()
    console_level = console_hdlr.level
    console_hdlr.setLevel(logging.WARNING)  # setup_bot adds it to the root logger; keep INFO in the file
    try:
        bot = setup_bot("Zalouser", root, config)
    except SystemExit as exc:
        raise RuntimeError(f"setup_bot failed: {exc}; see {base / 'errbot.log'}") from None
    finally:
        root.removeHandler(console_hdlr)
        console_hdlr.setLevel(console_level)
    loop = threading.Thread(target=bot.serve_once, name="bench-serve-once", daemon=True)
    try:
        loop.start()
        wait_for(lambda: bot._connected and getattr(bot.plugin_manager.get_plugin_obj_by_name("BenchNoop"),
                                                    "is_activated", False), timeout=30)
        startup_s = time.perf_counter() - built
        harness = Harness(bot)
        harness.rt.listener.stop(timeout=5)  # from now on only our feeder produces lines

        ids = _Ids()
        warm_lines, warm_goal = dm_set(ids, 1000)
        dm_lines, dm_goal = dm_set(ids, events)
        dm_lines_2, _ = dm_set(ids, events)  # fresh ids: a repeat is not dropped as duplicates
        mixed_lines, mixed_goal, kinds = mixed_set(ids, events)
        with pinned() as cpu:
            harness.run_set(chunks(warm_lines), warm_goal, timeout=15)
            dm_runs = [harness.run_set(chunks(dm_lines), dm_goal), harness.run_set(chunks(dm_lines_2), dm_goal)]
            dm = min(dm_runs, key=lambda x: (not x["complete"], x["cpu_seconds"]))
            mixed = harness.run_set(chunks(mixed_lines), mixed_goal)
            json_s = json_baseline(dm_lines)
            json_mixed_s = json_baseline(mixed_lines)
            stages_ids = _Ids()
            stage_lines, _ = dm_set(stages_ids, min(events, 10_000))
            stages = stage_costs(bot, stage_lines, chunks(stage_lines))
    finally:
        bot.stop_serving()
        loop.join(timeout=5)
        try:
            bot.shutdown()
        finally:
            pool = getattr(bot, "thread_pool", None)
            if pool is not None:
                pool.close()
                pool.join()
            for handler in list(root.handlers):
                if handler not in saved_handlers:
                    root.removeHandler(handler)
                    handler.close()
            root.setLevel(saved_level)

    dm_rate = events / dm["cpu_seconds"] if dm["complete"] else None
    dm_wall_rate = events / dm["seconds"] if dm["complete"] else None
    mixed_rate = events / mixed["cpu_seconds"] if mixed["complete"] else None
    dm_per_event_us = dm["cpu_seconds"] / events * 1e6
    json_us = json_s / events * 1e6
    own = sum(v for k, v in stages.items() if k != "errbot_callback_message_us")
    figures: dict[str, Any] = {
        "events": events,
        "pinned_cpu": cpu,
        "log_level": "INFO",
        "plugins": "core (config template) + companion + BenchNoop",
        "backend_startup_s": r(startup_s, 3),
        "measure": "events per CPU-second of this process, pinned to one CPU (other sessions share "
                   "the machine; wall-clock rates are given too)",
        "dm_events_per_s": r(dm_rate, 0),
        "dm_events_per_wall_s": r(dm_wall_rate, 0),
        "dm_runs_events_per_s": [r(events / x["cpu_seconds"], 0) for x in dm_runs],
        "dm_runs_events_per_wall_s": [r(events / x["seconds"], 0) for x in dm_runs],
        "dm_us_per_event": r(dm_per_event_us, 1),
        "dm_feed_seconds": r(dm["feed_seconds"], 3),
        "dm_complete": dm["complete"],
        "mixed_events_per_s": r(mixed_rate, 0),
        "mixed_events_per_wall_s": r(events / mixed["seconds"], 0) if mixed["complete"] else None,
        "mixed_dispatched": mixed_goal,
        "mixed_kinds": kinds,
        "mixed_duplicates_dropped": mixed["duplicates"],
        "mixed_complete": mixed["complete"],
        "dispatched_as_expected": dm["commands_run"] == dm_goal and mixed["commands_run"] == mixed_goal,
        "json_loads_us_per_line": r(json_us, 2),
        "ratio_to_json_loads": r(dm_per_event_us / json_us, 1),
        "mixed_ratio_to_json_loads": r(mixed["cpu_seconds"] / json_mixed_s, 1) if mixed["complete"] else None,
        "stage_us_per_event": {k: r(v, 1) for k, v in stages.items()},
        "zalouser_own_us_per_event": r(own, 1),
        "zalouser_own_share": r(own / dm_per_event_us, 3),
        "handoff_us_per_event": r(dm_per_event_us - own - stages.get("errbot_callback_message_us", 0.0), 1),
        "stages_note": "each stage timed alone on the same DM lines: listener = line split, decode, "
                       "json.loads, InboundEvent.from_json, dedupe, stats; gate = ZalouserService.admit; "
                       "Message = backend.inbound.to_message; errbot = callback_message on ready "
                       "Messages (command parsing, ACL filters, thread pool, plugin callbacks, !noop); "
                       "handoff = whole path minus the stages (inbox queue, dispatch loop, thread switches)",
    }
    if not dm["complete"]:
        figures["dm_partial"] = dm
    if not mixed["complete"]:
        figures["mixed_partial"] = mixed
    figures["targets"] = [target("DM events/s on one core", figures["dm_events_per_s"], TARGET_EVENTS_PER_S, ">=")]
    return figures


def summary(figures: dict[str, Any]) -> str:
    st = figures["stage_us_per_event"]
    return (
        f"inbound: {figures['dm_events_per_s']} DM events per CPU-second on one core "
        f"(wall {figures['dm_events_per_wall_s']}/s) "
        f"({figures['dm_us_per_event']} us/event, {figures['ratio_to_json_loads']}x json.loads); "
        f"mixed set {figures['mixed_events_per_s']} events/s. Stages (us/event): listener "
        f"{st['listener_parse_dedupe_us']}, gate {st['gate_admit_us']}, Message {st['message_build_us']}, "
        f"errbot callback_message {st.get('errbot_callback_message_us')}, hand-offs {figures['handoff_us_per_event']}"
    )
