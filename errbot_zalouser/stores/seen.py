"""The inbound messages seen lately, kept on disk so a restart does not forget them.

``<data_dir>/zalouser/seen.jsonl`` holds one line per message: ``{"a": account, "k": dedupe key,
"t": epoch seconds}``. Lines are appended in batches (at most one write a second, plus one at
``close``), never fsynced one by one: the gate must stay cheap, and what a crash can lose is the
last second, which the tool does not replay anyway. Opening keeps only the lines younger than
the window and rewrites the file atomically when that drops many; a torn or bad line is skipped.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from errbot_zalouser import durable
from errbot_zalouser.errors import StoreError

log = logging.getLogger(__name__)

FLUSH_EVERY = 1.0  # seconds between appends


class SeenLog:
    """Append-only log of (account, key, time). Thread-safe."""

    def __init__(self, path: Path, window: float, now: float) -> None:
        self.path = path
        self._window = window
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._last_flush = now
        self._kept = 0

    def load(self, now: float) -> Iterator[tuple[str, str, float]]:
        """The entries younger than the window, oldest first; compacts the file when worth it."""
        durable.remove_stale_temps(self.path)
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return iter(())
        except OSError as exc:
            log.warning("cannot read %s (%s); starting with no memory of recent messages", self.path, exc)
            return iter(())
        entries, lines = [], text.splitlines()
        for line in lines:
            try:
                record = json.loads(line)
                entry = (str(record["a"]), str(record["k"]), float(record["t"]))
            except (ValueError, KeyError, TypeError):
                continue
            if now - entry[2] < self._window:
                entries.append(entry)
        self._kept = len(entries)
        if len(lines) > 2 * len(entries) + 100:
            self._rewrite(entries)
        return iter(entries)

    def add(self, account: str, key: str, when: float) -> None:
        """Remember one key; written with the next batch."""
        line = json.dumps({"a": account, "k": key, "t": when}, separators=(",", ":"))
        with self._lock:
            self._pending.append(line)
            due = when - self._last_flush >= FLUSH_EVERY
        if due:
            self.flush(when)

    def flush(self, now: float) -> None:
        """Append what is pending. A failure is logged and the batch kept for the next try."""
        with self._lock:
            batch, self._pending = self._pending, []
            self._last_flush = now
        if not batch:
            return
        try:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write("\n".join(batch) + "\n")
            os.chmod(self.path, durable.FILE_MODE)
        except OSError as exc:
            with self._lock:
                self._pending = batch + self._pending
                self._pending = self._pending[-100_000:]
            log.debug("cannot append to %s: %s", self.path, exc)
            return
        self._kept += len(batch)
        if self._kept > 200_000:
            self._kept = 0  # the next open compacts

    def _rewrite(self, entries: list[tuple[str, str, float]]) -> None:
        data = "".join(json.dumps({"a": a, "k": k, "t": t}, separators=(",", ":")) + "\n" for a, k, t in entries)
        try:
            durable.write_atomic(self.path, data.encode("utf-8"))
        except StoreError as exc:
            log.debug("cannot compact %s: %s", self.path, exc)
