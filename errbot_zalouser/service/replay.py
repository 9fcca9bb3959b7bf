"""Replay protection by time: an inbound message runs once, and an old one never runs as new.

- An event stamped more than ``max_age`` seconds ago (by Zalo's clock, against ours) is dropped
  and counted: the tool may deliver a stale backlog, or a line may be replayed, and a command
  that old is not what anyone asked for now. Events without a stamp are not aged.
- An event whose dedupe key (message id, or sender + client message id) was seen within
  ``window`` seconds is dropped and counted, however many others came in between; the keys live
  in ``stores.seen.SeenLog`` so a restart remembers them. ``window`` is at least twice
  ``max_age``, so anything younger than the age limit is still remembered.

Per account: two accounts in the same group both see the same message, and both may answer.
Memory holds at most ``MAX_KEYS`` keys; past that the oldest are forgotten with one warning.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from errbot_zalouser.model import Inbound
from errbot_zalouser.stores.seen import SeenLog

log = logging.getLogger(__name__)

MAX_KEYS = 500_000
MIN_WINDOW = 1200.0


@dataclass
class ReplayCounts:
    old: int = 0
    replayed: int = 0


class ReplayGuard:
    """Thread-safe; ``check`` is called for every inbound event, so it is a dict lookup and a
    buffered append."""

    def __init__(self, folder: Path | None, max_age: float | None, clock: Callable[[], float]) -> None:
        self.max_age = max_age
        self.window = max(MIN_WINDOW, 2 * max_age) if max_age else MIN_WINDOW
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._counts: dict[str, ReplayCounts] = {}
        self._warned_full = False
        self._log = SeenLog(folder / "seen.jsonl", self.window, clock()) if folder else None
        if self._log is not None:
            for account, key, when in self._log.load(clock()):
                self._seen[(account, key)] = when

    def check(self, account: str, event: Inbound) -> str:
        """Why the event must be dropped ("" when it is new)."""
        now = self._clock()
        if self.max_age and event.timestamp and now - event.timestamp > self.max_age:
            with self._lock:
                self._count(account).old += 1
            return f"stamped {now - event.timestamp:.0f} s ago (older than {self.max_age:g} s)"
        keys = [(account, dedupe_key) for dedupe_key in event.dedupe_keys]
        with self._lock:
            self._expire(now)
            seen = any(key in self._seen for key in keys)
            for key in keys:
                self._seen[key] = now
                self._seen.move_to_end(key)
            if seen:
                self._count(account).replayed += 1
        if self._log is not None and not seen:
            for dedupe_key in event.dedupe_keys:
                self._log.add(account, dedupe_key, now)
        return "seen before (a replay)" if seen else ""

    def counts(self, account: str) -> ReplayCounts:
        with self._lock:
            found = self._counts.get(account, ReplayCounts())
            return ReplayCounts(found.old, found.replayed)

    def close(self) -> None:
        if self._log is not None:
            self._log.flush(self._clock())

    def _count(self, account: str) -> ReplayCounts:
        return self._counts.setdefault(account, ReplayCounts())

    def _expire(self, now: float) -> None:
        """Drop keys older than the window, and the oldest past MAX_KEYS (caller holds the lock)."""
        while self._seen:
            key, when = next(iter(self._seen.items()))
            if now - when < self.window and len(self._seen) <= MAX_KEYS:
                break
            if now - when < self.window and not self._warned_full:
                self._warned_full = True
                log.warning("more than %d messages in %.0f s: the oldest are forgotten early; a replay of one "
                            "of them would not be caught", MAX_KEYS, self.window)
            del self._seen[key]
