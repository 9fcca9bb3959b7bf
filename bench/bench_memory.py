"""Benchmark: peak RSS of the bot with 10,000 contacts and 500 groups cached, vs errbot's Text backend.

Three `errbot -c` processes, each with the same config.py shape (the config template's
CORE_PLUGINS, the companion plugins, BOT_LOG_LEVEL INFO, PYTHONUNBUFFERED=1):

1. Zalouser on a simulator profile seeded with 10,000 friends and 500 groups. The admin sends
   ``!directory peers a`` and ``!directory groups a`` as DMs, which fills the directory cache
   (one `friend list`, one `group list`); after both replies and an ``!echo``, VmHWM and VmRSS
   are read from /proc/<pid>/status.
2. The same on the default 8-friend, 3-group profile (baseline: what the cache itself costs).
3. errbot's Text backend (``errbot -c config.py -T``) with the same plugins, fed ``!echo``,
   ``!directory peers a`` and ``!directory groups a`` (which answer that they need the Zalouser
   backend) through stdin; read the same way after the last reply.

The ratio is (1) / (3). Simulator processes are separate and not counted.

    python -m bench memory
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from bench.common import (
    ADMIN,
    UNBOUND_OUTBOUND,
    ZCA_SIM,
    BotProcess,
    Deadline,
    friend_rows,
    group_rows,
    load_average,
    new_sim,
    r,
    target,
    workdir,
    write_config,
)
from errbot_zalouser.simulator import seed

CONTACTS = 10_000
GROUPS = 500
TARGET_RATIO = 1.3
ENV = {"PYTHONUNBUFFERED": "1"}
COMMANDS = ("!directory peers a", "!directory groups a", "!echo bench-memory-done")


def zalouser_bot(base: Path, contacts: int | None, groups: int | None) -> dict[str, Any]:
    base.mkdir(parents=True, exist_ok=True)
    if contacts is None:
        sim = new_sim(base)
    else:
        friends = seed.default_friends()
        friends += friend_rows(contacts - len(friends))
        ids = [f["userId"] for f in friends]
        sim = new_sim(base, friends=friends, groups=group_rows(groups or 0, ids), members={})
    config = write_config(base, ZCA_SIM, {"outbound": UNBOUND_OUTBOUND})
    bot = BotProcess.start(base, config, sim, env=ENV)
    try:
        bot.wait_listener(1, timeout=30)
        replies = []
        for index, command in enumerate(COMMANDS, start=1):
            sim.inject_dm(ADMIN, command)
            deadline = Deadline(30)
            while not deadline.passed():
                rows = [row for row in sim.sent() if row.get("threadId") == ADMIN]
                if len(rows) >= index:
                    break
                time.sleep(0.05)
            rows = [row for row in sim.sent() if row.get("threadId") == ADMIN]
            if len(rows) < index:
                raise RuntimeError(f"no reply to {command!r}\n" + bot.describe_failure())
            replies.append(rows[index - 1]["text"].splitlines()[0][:80])
        time.sleep(0.3)
        figures = {"vmhwm_kb": bot.status_kb("VmHWM"), "vmrss_kb": bot.status_kb("VmRSS"),
                   "first_reply_lines": replies[:2]}
    finally:
        bot.stop()
    return figures


def text_bot(base: Path) -> dict[str, Any]:
    base.mkdir(parents=True, exist_ok=True)
    # The Text backend's user is BOT_ADMINS[0] and must look like "@name".
    config = write_config(base, ZCA_SIM, {"outbound": UNBOUND_OUTBOUND}, admins=("@bench_admin",))
    bot = BotProcess.start(base, config, None, args=("-T",), stdin=subprocess.PIPE, env=ENV)
    stdin = bot.proc.stdin
    try:
        stdin.write(b"!echo bench-memory-ready\n")
        stdin.flush()
        deadline = Deadline(30)
        while "bench-memory-ready" not in bot.output() and not deadline.passed():
            if bot.proc.poll() is not None:
                raise RuntimeError("the Text bot exited\n" + bot.describe_failure())
            time.sleep(0.05)
        for command in COMMANDS:
            stdin.write(command.encode() + b"\n")
            stdin.flush()
        deadline = Deadline(30)
        while "bench-memory-done" not in bot.output() and not deadline.passed():
            time.sleep(0.05)
        if "bench-memory-done" not in bot.output():
            raise RuntimeError("the Text bot did not answer\n" + bot.describe_failure())
        time.sleep(0.3)
        output = bot.output()
        figures = {"vmhwm_kb": bot.status_kb("VmHWM"), "vmrss_kb": bot.status_kb("VmRSS"),
                   "needs_zalouser_replies": output.count("needs the Zalouser backend")}
    finally:
        try:
            stdin.close()  # EOF: the Text backend shuts down by itself
            bot.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        bot.stop()
    return figures


def run() -> dict[str, Any]:
    load_before = load_average()
    with workdir("memory") as base:
        big = zalouser_bot(base / "zalouser-10k", CONTACTS, GROUPS)
        small = zalouser_bot(base / "zalouser-seed", None, None)
        text = text_bot(base / "text")
    ratio = big["vmhwm_kb"] / text["vmhwm_kb"] if big["vmhwm_kb"] and text["vmhwm_kb"] else None
    figures = {
        "contacts": CONTACTS,
        "groups": GROUPS,
        "load_average_before": load_before,
        "zalouser_10k_vmhwm_mb": r(big["vmhwm_kb"] / 1024, 1),
        "zalouser_10k_vmrss_mb": r(big["vmrss_kb"] / 1024, 1),
        "zalouser_seed_vmhwm_mb": r(small["vmhwm_kb"] / 1024, 1),
        "zalouser_seed_vmrss_mb": r(small["vmrss_kb"] / 1024, 1),
        "text_vmhwm_mb": r(text["vmhwm_kb"] / 1024, 1),
        "text_vmrss_mb": r(text["vmrss_kb"] / 1024, 1),
        "ratio_vmhwm_10k_to_text": r(ratio, 3),
        "ratio_vmhwm_seed_to_text": r(small["vmhwm_kb"] / text["vmhwm_kb"], 3),
        "cache_cost_vmhwm_mb": r((big["vmhwm_kb"] - small["vmhwm_kb"]) / 1024, 1),
        "zalouser_replies": big["first_reply_lines"],
        "text_needs_zalouser_replies": text["needs_zalouser_replies"],
    }
    figures["targets"] = [target("VmHWM ratio Zalouser(10k+500 cached) / Text", figures["ratio_vmhwm_10k_to_text"],
                                 TARGET_RATIO, "<=")]
    return figures


def summary(figures: dict[str, Any]) -> str:
    return (
        f"memory: VmHWM Zalouser with {figures['contacts']} contacts + {figures['groups']} groups cached "
        f"{figures['zalouser_10k_vmhwm_mb']} MB, on the default seed {figures['zalouser_seed_vmhwm_mb']} MB, "
        f"Text backend {figures['text_vmhwm_mb']} MB: ratio {figures['ratio_vmhwm_10k_to_text']}x "
        f"(seed {figures['ratio_vmhwm_seed_to_text']}x)"
    )
