"""Ordered, parallel, rate-limited, retrying delivery of outbound items.

Each conversation (account + target) is a FIFO (``queues``): its items go out one at a time, in
submission order. Conversations are served round-robin by a fixed pool of worker threads, so a
slow `zca` call in one chat never delays another beyond the pool size. Before every attempt the
account's token bucket is taken. A failure is retried as ``retry.RetryPolicy`` decides by its
type (a ``ZalouserError`` with ``retryable = True``), with capped exponential backoff while the
conversation waits; any other failure, or the last attempt, is logged at ERROR (with the tool's
stderr), counted, reported to ``on_failed`` and marked done, and the conversation moves on.

With a ``Journal`` (``journaling``), ``submit`` records items durably before queueing them and
``start`` re-queues what a previous run left unsent; ``stop`` leaves unsent items in the journal.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from errbot_zalouser import untrusted
from errbot_zalouser.errors import ZalouserError
from errbot_zalouser.model import SendResult
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.outbound.journaling import JournalLink, JournalOutcome
from errbot_zalouser.outbound.queues import Conversations, DispatcherStats, Entry, QueueLimits
from errbot_zalouser.outbound.ratelimit import TokenBucket
from errbot_zalouser.outbound.retry import RetryPolicy

__all__ = ["DispatcherStats", "OutboundDispatcher", "OutboundItem"]

log = logging.getLogger(__name__)

SendFunction = Callable[[OutboundItem], SendResult]
RateLimits = Mapping[str, TokenBucket] | Callable[[str], TokenBucket | None]
_STDERR_LOG_LIMIT = 4000


class OutboundDispatcher:
    """Per-conversation FIFO delivery on a bounded worker pool. Thread-safe.

    ``send`` performs one attempt and raises on failure. ``rate_limits`` maps an account to its
    bucket (a mapping, or a callable returning a bucket or None). ``sleep``, when given, is used
    for backoff and rate-limit waits (tests pass a fake); by default waits are interruptible by
    ``stop``. ``clock`` times sends for the debug log; ``wall_clock`` stamps ``last_sent_at``.
    """

    def __init__(
        self,
        send: SendFunction,
        *,
        workers: int = 4,
        rate_limits: RateLimits | None = None,
        max_attempts: int = 4,
        retry_base: float = 1.0,
        retry_max: float = 30.0,
        journal: Journal | None = None,
        on_sent: Callable[[OutboundItem, SendResult], None] | None = None,
        on_failed: Callable[[OutboundItem, Exception], None] | None = None,
        on_journal: JournalOutcome | None = None,
        limits: QueueLimits = QueueLimits(),
        on_dropped: Callable[[OutboundItem, int], None] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        name: str = "zalouser-outbound",
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1 (got {workers})")
        self._retry = RetryPolicy(max_attempts, retry_base, retry_max)
        self._send = send
        self._workers = workers
        self._rate_limits = rate_limits
        self._journal = journal
        self._journaling = JournalLink(journal, on_journal)
        self._limits = limits
        self._on_dropped = on_dropped
        self._overflowing: dict[str, int] = {}  # conversation -> replies dropped in this overflow
        self._on_sent = on_sent
        self._on_failed = on_failed
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._name = name
        self._lifecycle_lock = threading.Lock()  # start and stop do not overlap
        self._submit_lock = threading.Lock()  # keeps journal order == queue order
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # a conversation became ready, or stop
        self._idle = threading.Condition(self._lock)  # an item finished, or stop
        self._stop_event = threading.Event()
        self._queues = Conversations()
        self._paused_until: dict[str, float] = {}  # account -> monotonic end of a rate-limit pause
        self._threads: list[threading.Thread] = []
        self._running = False
        self._stopping = False

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Re-queue the journal's pending items (in their order), then start the workers.

        A stopped dispatcher may be started again once all its workers have exited.
        """
        with self._lifecycle_lock, self._submit_lock:
            with self._lock:
                if self._running:
                    raise RuntimeError("the outbound dispatcher is already running")
                if any(thread.is_alive() for thread in self._threads):
                    raise RuntimeError("the outbound dispatcher's previous workers are still busy")
                self._running, self._stopping = True, False
                self._stop_event.clear()
            self._replay()
            self._threads = [
                threading.Thread(target=self._worker, name=f"{self._name}-{index}", daemon=True)
                for index in range(self._workers)
            ]
            for thread in self._threads:
                thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the workers, waiting up to ``timeout`` seconds for sends in progress.

        Sends in progress are not interrupted; backoff and rate-limit waits are (unless a custom
        ``sleep`` was given). Items not yet sent stay queued for a later ``start`` and in the
        journal for the next process. Returns True when every worker has exited.
        """
        with self._lifecycle_lock:
            with self._lock:
                self._running, self._stopping = False, True
                self._work.notify_all()
                self._idle.notify_all()
            self._stop_event.set()
            deadline = time.monotonic() + timeout
            for thread in self._threads:
                thread.join(max(deadline - time.monotonic(), 0.0))
            alive = sum(thread.is_alive() for thread in self._threads)
        unsent = self.stats.queued
        if unsent:
            where = "kept in the journal" if self._journaling else "no journal: lost if the process exits"
            log.warning("outbound dispatcher stopped with %d unsent item(s) (%s)", unsent, where)
        if alive:
            log.warning("outbound dispatcher: %d worker(s) still busy after %.1f s", alive, timeout)
        return alive == 0

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every item submitted before this call has been sent or has failed.

        Returns False on timeout, or at once when the dispatcher is stopped.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            target = self._queues.last_seq
            while not self._queues.finished_through(target):
                if self._stopping:
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(remaining)
            return True

    # --- submitting ------------------------------------------------------------------------------

    def submit(self, item: OutboundItem) -> None:
        """Journal ``item``, then queue it behind earlier items of its conversation.

        Never waits for a send. Before ``start`` or after ``stop`` the item waits for the next
        ``start`` (with a journal, also for the next process).
        """
        self.submit_many([item])

    def submit_many(self, items: Iterable[OutboundItem]) -> bool:
        """Journal and queue several items (one reply's chunks) at once, keeping their order.

        Returns False when the reply was refused whole because its conversation (or its account)
        has too much waiting already (see ``QueueLimits``): it is counted as dropped and logged
        once per overflow, and ``on_dropped(item, dropped so far)`` is told.
        """
        items = list(items)
        for item in items:
            if not isinstance(item, OutboundItem):
                raise TypeError(f"expected OutboundItem, got {type(item).__name__}")
        if not items:
            return True
        with self._submit_lock:
            with self._lock:
                if self._queues.refuses(items[0].conversation_key, items[0].account, self._limits):
                    dropped = self._count_drop(items)
                else:
                    dropped = 0
                    if self._stopping and not self._journaling:
                        log.warning("outbound: %d item(s) queued while stopped and without a journal", len(items))
            if dropped:
                _call(self._on_dropped, items[0], dropped)
                return False
            self._journaling.add(items)
            with self._lock:
                for item in items:
                    self._enqueue(item)
            return True

    def _count_drop(self, items: list[OutboundItem]) -> int:
        """Count a refused reply (caller holds the lock); one warning per overflow of a conversation."""
        item = items[0]
        key = item.conversation_key
        self._queues.bump(item.account, dropped=len(items))
        before = self._overflowing.get(key, 0)
        self._overflowing[key] = before + len(items)
        if before == 0:
            log.warning("outbound: %s already has %d repl(ies) waiting; new replies to it are dropped until it "
                        "drains (a flood cannot build a backlog)", key, self._queues.waiting(key))
        return self._queues.stats(item.account).dropped

    # --- stats -----------------------------------------------------------------------------------

    @property
    def stats(self) -> DispatcherStats:
        """Totals over all accounts (a frozen snapshot)."""
        with self._lock:
            return self._queues.total

    def account_stats(self, account: str) -> DispatcherStats:
        """The same numbers for one account."""
        with self._lock:
            return self._queues.stats(account)

    # --- queue (caller holds self._lock) ------------------------------------------------------------

    def _enqueue(self, item: OutboundItem, *, front: bool = False) -> None:
        if self._queues.enqueue(item, front=front):
            self._work.notify()

    def _replay(self) -> None:
        """Put the journal's pending items in front of anything submitted before start; items past
        the age limit (or their own end) are dropped unsent, with one log line."""
        with self._lock:
            known = self._queues.queued_ids()
        now = self._wall_clock()
        replayed, stale = [], []
        for item in self._journaling.replayable(known):
            (stale if item.expired(now, self._limits.max_age) else replayed).append(item)
        if stale:
            log.info("outbound: %d unsent item(s) from the journal are older than %s or past their end; "
                     "dropped unsent", len(stale), _age(self._limits.max_age))
            for item in stale:
                self._journaling.done(item)
        with self._lock:
            for item in stale:
                self._queues.bump(item.account, expired=1)
            for item in reversed(replayed):
                self._enqueue(item, front=True)

    # --- workers ---------------------------------------------------------------------------------

    def _worker(self) -> None:
        while True:
            entry = self._take()
            if entry is None:
                return
            finished = False
            try:
                finished = self._deliver(entry.item)
            except Exception as exc:  # a bug in a callback lookup, never in send (handled there)
                self._fail(entry.item, exc, attempts=1)
                finished = True
            finally:
                self._release(entry, finished)

    def _take(self) -> Entry | None:
        with self._lock:
            while not self._stopping and not self._queues.has_ready:
                self._work.wait()
            if self._stopping:
                return None
            return self._queues.take()

    def _release(self, entry: Entry, finished: bool) -> None:
        key = entry.item.conversation_key
        with self._lock:
            if self._queues.release(entry, finished):
                self._work.notify()
            elif key in self._overflowing and not self._queues.waiting(key):
                log.info("outbound: %s drained; %d repl(ies) were dropped while it was full", key,
                         self._overflowing.pop(key))
            self._idle.notify_all()

    def _deliver(self, item: OutboundItem) -> bool:
        """Send ``item`` with retries. True when finished (sent or failed for good), False when
        interrupted by stop before that."""
        attempt = 0
        while True:
            attempt += 1
            if not self._take_token(item.account):
                return False
            if item.expired(self._wall_clock(), self._limits.max_age):
                self._expire(item)
                return True
            started = self._clock()
            try:
                result = self._send(item)
            except Exception as exc:
                if not self._retry.should_retry(exc, attempt):
                    self._fail(item, exc, attempt)
                    return True
                if not self._backoff(item, exc, attempt):
                    return False
                continue
            self._succeed(item, result, self._clock() - started)
            return True

    def _backoff(self, item: OutboundItem, exc: Exception, attempt: int) -> bool:
        """Wait before the next attempt; False when stop interrupted the wait. An error whose class
        ``pauses_account`` (a rate limit) holds every conversation of the account instead: the
        wait then happens in ``_take_token``, for this item and for every other of the account."""
        delay = self._retry.delay(attempt)
        log.warning(
            "outbound %s %s to %s: attempt %d/%d failed (%s); retrying in %.1f s",
            item.kind,
            item.id,
            item.conversation_key,
            attempt,
            self._retry.max_attempts,
            untrusted.for_log(str(exc)),
            delay,
        )
        with self._lock:
            self._queues.bump(item.account, retried=1)
        if getattr(exc, "pauses_account", False) is True:
            self._pause_account(item.account, delay)
            return True
        return self._pause(delay)

    def _pause_account(self, account: str, delay: float) -> None:
        until = self._clock() + delay
        with self._lock:
            if until <= self._paused_until.get(account, 0.0):
                return
            self._paused_until[account] = until
            self._queues.note(account, paused_until=self._wall_clock() + delay)
        log.warning("outbound: account %s is rate limited by Zalo; all its sends wait %.1f s", account, delay)

    def _wait_for_pause(self, account: str) -> bool:
        """Wait out the account's rate-limit pause; False when stop interrupted the wait."""
        with self._lock:
            until = self._paused_until.get(account)
            left = until - self._clock() if until is not None else 0.0
        if left > 0 and not self._pause(left):
            return False
        if until is not None:
            with self._lock:
                if self._paused_until.get(account) == until:  # not extended meanwhile
                    del self._paused_until[account]
                    self._queues.note(account, paused_until=None)
        return True

    def _take_token(self, account: str) -> bool:
        if not self._wait_for_pause(account):
            return False
        bucket = self._bucket(account)
        if bucket is None:
            return True
        while not bucket.try_acquire():
            if not self._pause(max(bucket.delay(), 0.001)):
                return False
        return True

    def _bucket(self, account: str) -> TokenBucket | None:
        limits = self._rate_limits
        if limits is None:
            return None
        if isinstance(limits, Mapping):
            return limits.get(account)
        return limits(account)

    def _pause(self, seconds: float) -> bool:
        """Wait ``seconds``; False when the dispatcher is stopping."""
        if seconds > 0:
            if self._sleep is not None:
                self._sleep(seconds)
            else:
                self._stop_event.wait(seconds)
        return not self._stop_event.is_set()

    # --- outcomes --------------------------------------------------------------------------------

    def _expire(self, item: OutboundItem) -> None:
        log.info("outbound %s %s to %s dropped unsent: older than %s or past its end", item.kind, item.id,
                 item.conversation_key, _age(self._limits.max_age))
        self._journaling.done(item)
        with self._lock:
            self._queues.bump(item.account, expired=1)

    def _succeed(self, item: OutboundItem, result: SendResult, duration: float) -> None:
        log.debug(
            "outbound %s %s to %s sent in %.0f ms (message id %s)",
            item.kind,
            item.id,
            item.conversation_key,
            duration * 1000,
            result.message_id if isinstance(result, SendResult) else None,
        )
        self._journaling.done(item)
        with self._lock:
            self._queues.bump(item.account, sent=1)
            self._queues.note(item.account, last_sent_at=self._wall_clock())
        _call(self._on_sent, item, result)

    def _fail(self, item: OutboundItem, exc: Exception, attempts: int) -> None:
        stderr = getattr(exc, "stderr", "")
        stderr = untrusted.for_log(stderr.strip()[-_STDERR_LOG_LIMIT:]) if isinstance(stderr, str) else ""
        log.error(
            "outbound %s %s to %s failed after %d attempt(s): %s: %s; stderr: %s",
            item.kind,
            item.id,
            item.conversation_key,
            attempts,
            type(exc).__name__,
            untrusted.for_log(str(exc)),
            stderr or "(none)",
            exc_info=None if isinstance(exc, ZalouserError) else exc,
        )
        self._journaling.done(item)
        with self._lock:
            self._queues.bump(item.account, failed=1)
            self._queues.note(item.account, last_error=f"{type(exc).__name__}: {exc}")
        _call(self._on_failed, item, exc)


def _age(seconds: float | None) -> str:
    return "the age limit" if seconds is None else f"{seconds:g} s"


def _call(callback: Callable[..., Any] | None, *args: object) -> None:
    """Run a user callback; its exceptions are logged, never allowed to kill a worker."""
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:
        log.exception("outbound: %r raised", callback)
