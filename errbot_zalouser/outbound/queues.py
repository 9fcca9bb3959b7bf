"""The dispatcher's queueing: one FIFO per conversation, served round-robin, and its counters.

Not locked itself: ``OutboundDispatcher`` calls every method with its lock held.
"""

from __future__ import annotations

import heapq
from collections import deque
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
    expired: int = 0  # dropped unsent: older than the age limit
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
    """A queued item and its submission number (drain waits by it)."""

    seq: int
    item: OutboundItem


class Conversations:
    """Per-conversation FIFOs: a conversation is *ready* when it has items and none in flight."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Entry]] = {}
        self._ready: deque[str] = deque()
        self._scheduled: set[str] = set()
        self._busy: set[str] = set()
        self._next_seq = 0
        self._unfinished: list[int] = []
        self._finished: set[int] = set()
        self._stats: dict[str, DispatcherStats] = {}
        self.total = DispatcherStats()

    # --- items ----------------------------------------------------------------------------------

    def enqueue(self, item: OutboundItem, *, front: bool = False) -> bool:
        """Queue ``item`` (at the head of its conversation when ``front``); True when its
        conversation became ready and a worker should be woken."""
        entry = Entry(self._next_seq, item)
        self._next_seq += 1
        heapq.heappush(self._unfinished, entry.seq)
        queue = self._queues.setdefault(item.conversation_key, deque())
        if front:
            queue.appendleft(entry)
        else:
            queue.append(entry)
        self.bump(item.account, queued=1)
        return self._schedule(item.conversation_key)

    @property
    def has_ready(self) -> bool:
        return bool(self._ready)

    def take(self) -> Entry:
        """The head item of the next ready conversation, now in flight."""
        key = self._ready.popleft()
        self._scheduled.discard(key)
        entry = self._queues[key].popleft()
        self._busy.add(key)
        self.bump(entry.item.account, queued=-1, in_flight=1)
        return entry

    def release(self, entry: Entry, finished: bool) -> bool:
        """The in-flight ``entry`` is done (``finished``) or goes back to the head of its queue
        (interrupted by stop). True when its conversation is ready again."""
        key = entry.item.conversation_key
        self._busy.discard(key)
        self.bump(entry.item.account, in_flight=-1)
        if finished:
            self._finished.add(entry.seq)
        else:
            self._queues.setdefault(key, deque()).appendleft(entry)
            self.bump(entry.item.account, queued=1)
        if self._queues.get(key):
            return self._schedule(key)
        self._queues.pop(key, None)
        return False

    def refuses(self, key: str, account: str, limits: QueueLimits) -> bool:
        """Whether a new reply for conversation ``key`` is over the limits."""
        waiting = len(self._queues.get(key, ()))
        if limits.per_conversation is not None and waiting >= limits.per_conversation:
            return True
        return limits.per_account is not None and waiting > 0 and self.stats(account).queued >= limits.per_account

    def waiting(self, key: str) -> int:
        return len(self._queues.get(key, ()))

    def queued_ids(self) -> set[str]:
        return {entry.item.id for queue in self._queues.values() for entry in queue}

    @property
    def last_seq(self) -> int:
        """The number of the last item submitted (-1 before any)."""
        return self._next_seq - 1

    def finished_through(self, seq: int) -> bool:
        """Every item up to submission number ``seq`` is finished."""
        while self._unfinished and self._unfinished[0] in self._finished:
            self._finished.discard(heapq.heappop(self._unfinished))
        return not self._unfinished or self._unfinished[0] > seq

    def _schedule(self, key: str) -> bool:
        """Make ``key`` pickable unless it is in flight or already waiting for a worker."""
        if key in self._busy or key in self._scheduled or not self._queues.get(key):
            return False
        self._scheduled.add(key)
        self._ready.append(key)
        return True

    # --- counters -------------------------------------------------------------------------------

    def stats(self, account: str) -> DispatcherStats:
        return self._stats.get(account, DispatcherStats())

    def bump(self, account: str, **deltas: int) -> None:
        """Add ``deltas`` to the account's counters and to the totals."""
        current = self.stats(account)
        self._stats[account] = replace(current, **{k: getattr(current, k) + d for k, d in deltas.items()})
        self.total = replace(self.total, **{k: getattr(self.total, k) + d for k, d in deltas.items()})

    def note(self, account: str, **fields: Any) -> None:
        """Set ``last_*`` fields for the account and the totals."""
        self._stats[account] = replace(self.stats(account), **fields)
        self.total = replace(self.total, **fields)
