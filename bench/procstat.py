"""CPU and memory of a process tree, read from /proc (Linux): for the benchmarks that compare
transports by what their processes cost.

* ``cpu_seconds(pid, children=True)``: utime + stime of ``pid``, plus cutime + cstime (the
  children it has reaped) when ``children``.
* ``descendants(pid)``: the live processes below ``pid`` (children, their children...).
* ``tree_cpu_seconds(pid)``: ``pid`` with its reaped children, plus every live descendant's own
  utime + stime; the difference of two readings is what the tree spent in between, provided the
  processes that ended in between were reaped by a process of the tree.
* ``RssSampler``: the peak of the summed VmRSS of a set of pids, sampled every 5 ms on a thread
  (its own CPU lands in this process: do not sample while measuring this process's CPU).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from bench.common import proc_status_kb

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """utime + stime of ``pid`` (0.0 once it is gone), plus cutime + cstime with ``children``."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def descendants(pid: int) -> list[int]:
    """Live processes below ``pid`` (zombies excluded)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in parents.items() if ppid == parent]
        found.extend(kids)
        frontier.extend(kids)
    return found


def tree_cpu_seconds(pid: int) -> float:
    """``pid`` with the children it reaped, plus each live descendant's own CPU."""
    return cpu_seconds(pid, children=True) + sum(cpu_seconds(child) for child in descendants(pid))


def rss_kb(pids: list[int]) -> int:
    return sum(proc_status_kb(pid, "VmRSS") or 0 for pid in pids)


class RssSampler:
    """Peak of the summed VmRSS (kB) of ``pids()`` sampled every 5 ms while running (a context manager)."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self._pids = pids
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-rss")

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kb / 1024, 1)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak_kb = max(self.peak_kb, rss_kb(self._pids()))
