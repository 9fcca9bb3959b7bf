"""The outbound queues: one FIFO per conversation, handed to workers one conversation at a time.

A conversation (account + target) is either waiting for a worker (``ready``), in flight (one of
its items is being delivered: no other worker may take it), or idle. ``take`` blocks until a
conversation is ready, ``release`` puts it back (its item finished, or back at the head of the
queue when a stop interrupted it). Every item gets a sequence number so ``drain`` can wait for
all items submitted before it. The per-account counters (``DispatcherStats``) are kept here,
under the same lock as the queues they count.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from errbot_zalouser.outbound.item import OutboundItem


@dataclass(frozen=True)
class DispatcherStats:
    """A snapshot. ``queued``: items waiting (not in flight); ``last_sent_at``: epoch seconds."""

    queued: int = 0
    in_flight: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    dropped: int = 0  # refused: the conversation's or the account's queue was full
    expired: int = 0  # dropped unsent: older than the age limit, or past its own end
    last_sent_at: float | None = None
    last_error: str = ""
    paused_until: float | None = None  # epoch seconds: a rate limit holds every send of the account


@dataclass(frozen=True)
class QueueLimits:
    """Bounds on what waits: a reply is refused when its conversation already has
    ``per_conversation`` items waiting, or when the account has ``per_account`` waiting and the
    conversation has any (a conversation's first reply always gets in, so a flood elsewhere never
    silences it); an item older than ``max_age`` seconds, or past its own ``expires_at``, is
    dropped unsent. None means no bound."""

    per_conversation: int | None = None
    per_account: int | None = None
    max_age: float | None = None


@dataclass(frozen=True)
class Entry:
    """One queued item and its submission number."""

    seq: int
    item: OutboundItem


class ConversationQueues:
    """Per-conversation FIFOs and their counters. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # a conversation became ready, or closing
        self._idle = threading.Condition(self._lock)  # an item finished, or closing
        self._queues: dict[str, deque[Entry]] = {}
        self._ready: deque[str] = deque()
        self._scheduled: set[str] = set()
        self._busy: set[str] = set()
        self._next_seq = 0
        self._unfinished: list[int] = []
        self._finished: set[int] = set()
        self._stats: dict[str, DispatcherStats] = {}
        self._total = DispatcherStats()
        self._closed = False

    # --- opening and closing -------------------------------------------------------------------

    def open(self) -> None:
        """Let workers take items again (after ``close``)."""
        with self._lock:
            self._closed = False

    def close(self) -> None:
        """Wake every waiting ``take`` (it returns None) and ``drain`` (it returns False)."""
        with self._lock:
            self._closed = True
            self._work.notify_all()
            self._idle.notify_all()

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._closed

    # --- items -----------------------------------------------------------------------------------

    def add(self, items: Iterable[OutboundItem], *, front: bool = False) -> None:
        """Queue ``items`` behind (or, with ``front``, ahead of) their conversations' items, in order."""
        with self._lock:
            for item in reversed(list(items)) if front else items:
                self._enqueue(item, front=front)

    def fits(self, item: OutboundItem, limits: QueueLimits) -> bool:
        """Whether a new reply to ``item``'s conversation is within ``limits``. Only workers run
        between this and the ``add`` that follows under the dispatcher's submit lock, and they only
        shorten the queues: the answer still holds then."""
        with self._lock:
            waiting = len(self._queues.get(item.conversation_key, ()))
            if limits.per_conversation is not None and waiting >= limits.per_conversation:
                return False
            queued = self._stats.get(item.account, DispatcherStats()).queued
            return limits.per_account is None or waiting == 0 or queued < limits.per_account

    def waiting(self, key: str) -> int:
        """Items of conversation ``key`` waiting (not in flight)."""
        with self._lock:
            return len(self._queues.get(key, ()))

    def queued_ids(self) -> set[str]:
        """The ids of the items waiting in the queues (not those in flight)."""
        with self._lock:
            return {entry.item.id for queue in self._queues.values() for entry in queue}

    def take(self) -> Entry | None:
        """The head item of the next ready conversation, which is then in flight; None once closed."""
        with self._lock:
            while not self._closed and not self._ready:
                self._work.wait()
            if self._closed:
                return None
            key = self._ready.popleft()
            self._scheduled.discard(key)
            entry = self._queues[key].popleft()
            self._busy.add(key)
            self._bump(entry.item.account, queued=-1, in_flight=1)
            return entry

    def release(self, entry: Entry, finished: bool) -> None:
        """The worker is done with ``entry``: finished (sent or failed for good), or interrupted by
        a stop, in which case it goes back to the head of its conversation."""
        key = entry.item.conversation_key
        with self._lock:
            self._busy.discard(key)
            self._bump(entry.item.account, in_flight=-1)
            if finished:
                self._finished.add(entry.seq)
            else:
                self._queues.setdefault(key, deque()).appendleft(entry)
                self._bump(entry.item.account, queued=1)
            if self._queues.get(key):
                self._schedule(key)
            else:
                self._queues.pop(key, None)
            self._idle.notify_all()

    def drain(self, timeout: float | None) -> bool:
        """Wait until every item added before this call has finished; False on timeout or close."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            target = self._next_seq - 1
            while not self._finished_through(target):
                if self._closed:
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(remaining)
            return True

    # --- counters --------------------------------------------------------------------------------

    @property
    def total(self) -> DispatcherStats:
        with self._lock:
            return self._total

    def of(self, account: str) -> DispatcherStats:
        with self._lock:
            return self._stats.get(account, DispatcherStats())

    def count(self, account: str, **deltas: int) -> None:
        """Add ``deltas`` to the account's counters and to the totals."""
        with self._lock:
            self._bump(account, **deltas)

    def note(self, account: str, **fields: Any) -> None:
        """Set ``last_*`` fields for the account and the totals."""
        with self._lock:
            self._stats[account] = replace(self._stats.get(account, DispatcherStats()), **fields)
            self._total = replace(self._total, **fields)

    # --- internals (the caller holds the lock) -----------------------------------------------------

    def _enqueue(self, item: OutboundItem, *, front: bool) -> None:
        entry = Entry(self._next_seq, item)
        self._next_seq += 1
        heapq.heappush(self._unfinished, entry.seq)
        queue = self._queues.setdefault(item.conversation_key, deque())
        if front:
            queue.appendleft(entry)
        else:
            queue.append(entry)
        self._bump(item.account, queued=1)
        self._schedule(item.conversation_key)

    def _schedule(self, key: str) -> None:
        """Make ``key`` pickable unless it is in flight or already waiting for a worker."""
        if key in self._busy or key in self._scheduled or not self._queues.get(key):
            return
        self._scheduled.add(key)
        self._ready.append(key)
        self._work.notify()

    def _finished_through(self, seq: int) -> bool:
        while self._unfinished and self._unfinished[0] in self._finished:
            self._finished.discard(heapq.heappop(self._unfinished))
        return not self._unfinished or self._unfinished[0] > seq

    def _bump(self, account: str, **deltas: int) -> None:
        current = self._stats.get(account, DispatcherStats())
        self._stats[account] = replace(current, **{k: getattr(current, k) + d for k, d in deltas.items()})
        self._total = replace(self._total, **{k: getattr(self._total, k) + d for k, d in deltas.items()})
