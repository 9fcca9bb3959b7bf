"""Crash safety: a child appending to the journal is SIGKILLed at random moments, 20 times.

Every item the child acknowledged (printed after ``add`` returned) must be pending afterwards,
unless the child had started marking it done; an item whose ``mark_done`` returned must not be
pending; the file must load every time.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from errbot_zalouser.outbound.journal import Journal

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

KILLS = 20
READY_TIMEOUT = 20.0

CHILD = r"""
import sys
from errbot_zalouser.model import Target
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.journal import Journal

journal = Journal(sys.argv[1], compact_threshold=int(sys.argv[3]))
run = sys.argv[2]
out = sys.stdout
out.write("ready\n")
out.flush()
n = 0
while True:
    batch = [
        OutboundItem(account="acc", target=Target(str(n % 5)), kind="text", text=f"{run}-{n}-{k} " + "ư" * (n % 40))
        for k in range(1 + n % 3)
    ]
    journal.add_many(batch)
    out.write("".join(f"Q {item.id}\n" for item in batch))
    out.flush()
    if n % 2:
        out.write(f"W {batch[0].id}\n")  # about to mark it done: it may or may not be pending
        out.flush()
        journal.mark_done(batch[0].id)
        out.write(f"D {batch[0].id}\n")
        out.flush()
    if n % 25 == 24:
        journal.compact()
    n += 1
"""


def _wait_ready(proc: subprocess.Popen[bytes]) -> bytes:
    """Read until the child's "ready" line; bounded by READY_TIMEOUT."""
    assert proc.stdout is not None
    buffer = b""
    deadline = time.monotonic() + READY_TIMEOUT
    while b"ready\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            proc.kill()
            pytest.fail("journal child did not start in time")
        readable, _, _ = select.select([proc.stdout], [], [], remaining)
        if readable:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                pytest.fail(f"journal child exited early: {proc.wait(timeout=5)}")
            buffer += chunk
    return buffer.split(b"ready\n", 1)[1]


def _run_and_kill(path: Path, run: int, rng: random.Random) -> dict[str, set[str]]:
    """Start a child, kill it at a random moment; return the ids it printed, by op."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(run), str(rng.choice([7, 50, 1000]))],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        bufsize=0,
    )
    try:
        early = _wait_ready(proc)
        time.sleep(rng.uniform(0.0, 0.08))
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    seen: dict[str, set[str]] = {"Q": set(), "W": set(), "D": set()}
    for line in (early + rest).split(b"\n")[:-1]:  # the part after the last newline is torn
        op, _, item_id = line.decode().partition(" ")
        seen[op].add(item_id)
    return seen


def test_sigkill_never_loses_an_acknowledged_item(tmp_path: Path) -> None:
    path = tmp_path / "outbound.jsonl"
    rng = random.Random(20240611)
    acked_queued: set[str] = set()
    maybe_done: set[str] = set()
    acked_done: set[str] = set()
    for run in range(KILLS):
        seen = _run_and_kill(path, run, rng)
        acked_queued |= seen["Q"]
        maybe_done |= seen["W"]
        acked_done |= seen["D"]
        with Journal(path) as journal:  # loads (and repairs) after every crash
            pending = {item.id for item in journal.pending()}
        assert acked_queued - maybe_done <= pending
        assert not pending & acked_done
    assert len(acked_queued) > KILLS  # the children really were writing when killed
    assert not list(tmp_path.glob("*.corrupt-*"))
