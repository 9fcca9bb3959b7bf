"""Ordered, parallel, rate-limited, retrying delivery of outbound items.

Each conversation (account + target) is a FIFO: its items go out one at a time, in submission
order. Conversations are served round-robin by a fixed pool of worker threads, so a slow `zca`
call in one chat never delays another beyond the pool size. Before every attempt the account's
token bucket is taken. A failure whose exception is a ``ZalouserError`` with ``retryable = True``
is retried with capped exponential backoff (``errbot_zalouser.backoff``) while the conversation waits; any other
failure, or the last attempt, is logged at ERROR (with the tool's stderr), counted, reported to
``on_failed`` and marked done, and the conversation moves on.

With a ``Journal``, ``submit`` records items durably before queueing them and ``start`` re-queues
what a previous run left unsent; ``stop`` leaves unsent items in the journal.

The queues themselves (which conversation a worker may take next, the counters) are
``queues.ConversationQueues``; this module holds the workers, the attempts (rate limit, retry
by error type) and the journal's part.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping

from errbot_zalouser.backoff import backoff_delay
from errbot_zalouser.errors import StoreError, ZalouserError
from errbot_zalouser.model import SendResult
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.outbound.queues import ConversationQueues, DispatcherStats
from errbot_zalouser.outbound.ratelimit import TokenBucket

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
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        name: str = "zalouser-outbound",
    ) -> None:
        _check_settings(workers, max_attempts, retry_base, retry_max)
        self._send = send
        self._workers = workers
        self._rate_limits = rate_limits
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._retry_max = retry_max
        self._journal = journal
        self._on_sent = on_sent
        self._on_failed = on_failed
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._name = name
        self._random = random.Random()
        self._lifecycle_lock = threading.Lock()  # start and stop do not overlap
        self._submit_lock = threading.Lock()  # keeps journal order == queue order
        self._queues = ConversationQueues()
        self._stop_event = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running = False

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Re-queue the journal's pending items (in their order), then start the workers.

        A stopped dispatcher may be started again once all its workers have exited.
        """
        with self._lifecycle_lock, self._submit_lock:
            if self._running:
                raise RuntimeError("the outbound dispatcher is already running")
            if any(thread.is_alive() for thread in self._threads):
                raise RuntimeError("the outbound dispatcher's previous workers are still busy")
            self._running = True
            self._queues.open()
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
            self._running = False
            self._queues.close()
            self._stop_event.set()
            deadline = time.monotonic() + timeout
            for thread in self._threads:
                thread.join(max(deadline - time.monotonic(), 0.0))
            alive = sum(thread.is_alive() for thread in self._threads)
        unsent = self.stats.queued
        if unsent:
            where = "kept in the journal" if self._journal else "no journal: lost if the process exits"
            log.warning("outbound dispatcher stopped with %d unsent item(s) (%s)", unsent, where)
        if alive:
            log.warning("outbound dispatcher: %d worker(s) still busy after %.1f s", alive, timeout)
        return alive == 0

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every item submitted before this call has been sent or has failed.

        Returns False on timeout, or at once when the dispatcher is stopped.
        """
        return self._queues.drain(timeout)

    # --- submitting ------------------------------------------------------------------------------

    def submit(self, item: OutboundItem) -> None:
        """Journal ``item``, then queue it behind earlier items of its conversation.

        Never waits for a send. Before ``start`` or after ``stop`` the item waits for the next
        ``start`` (with a journal, also for the next process).
        """
        self.submit_many([item])

    def submit_many(self, items: Iterable[OutboundItem]) -> None:
        """Journal and queue several items (one reply's chunks) at once, keeping their order."""
        items = list(items)
        for item in items:
            if not isinstance(item, OutboundItem):
                raise TypeError(f"expected OutboundItem, got {type(item).__name__}")
        if not items:
            return
        with self._submit_lock:
            if self._queues.closed and self._journal is None:
                log.warning("outbound: %d item(s) queued while stopped and without a journal", len(items))
            self._journal_add(items)
            self._queues.add(items)

    # --- stats -----------------------------------------------------------------------------------

    @property
    def stats(self) -> DispatcherStats:
        """Totals over all accounts (a frozen snapshot)."""
        return self._queues.total

    def account_stats(self, account: str) -> DispatcherStats:
        """The same numbers for one account."""
        return self._queues.of(account)

    # --- the journal ----------------------------------------------------------------------------

    def _replay(self) -> None:
        """Put the journal's pending items in front of anything submitted before start."""
        if self._journal is None:
            return
        known = self._queues.queued_ids()
        replayed = [item for item in self._journal.pending() if item.id not in known]
        if not replayed:
            return
        log.info("outbound: re-queueing %d unsent item(s) from %s", len(replayed), self._journal.path)
        self._queues.add(replayed, front=True)

    def _journal_add(self, items: list[OutboundItem]) -> None:
        if self._journal is None:
            return
        try:
            self._journal.add_many(items)
        except StoreError:
            log.exception("outbound: could not journal %d item(s); sending them anyway", len(items))

    # --- workers ---------------------------------------------------------------------------------

    def _worker(self) -> None:
        while True:
            entry = self._queues.take()
            if entry is None:
                return
            finished = False
            try:
                finished = self._deliver(entry.item)
            except Exception as exc:  # noqa: BLE001 - a bug outside send (which _deliver handles) fails the item, not the worker
                self._fail(entry.item, exc, attempts=1)
                finished = True
            finally:
                self._queues.release(entry, finished)

    def _deliver(self, item: OutboundItem) -> bool:
        """Send ``item`` with retries. True when finished (sent or failed for good), False when
        interrupted by stop before that."""
        attempt = 0
        while True:
            attempt += 1
            if not self._take_token(item.account):
                return False
            started = self._clock()
            try:
                result = self._send(item)
            except Exception as exc:  # noqa: BLE001 - any failure is the item's outcome; retry is chosen by type below
                if not self._retryable(exc, attempt):
                    self._fail(item, exc, attempt)
                    return True
                if not self._backoff(item, exc, attempt):
                    return False
                continue
            self._succeed(item, result, self._clock() - started)
            return True

    def _retryable(self, exc: Exception, attempt: int) -> bool:
        retryable = isinstance(exc, ZalouserError) and getattr(exc, "retryable", False) is True
        return retryable and attempt < self._max_attempts

    def _backoff(self, item: OutboundItem, exc: Exception, attempt: int) -> bool:
        """Wait before the next attempt; False when stop interrupted the wait."""
        delay = self._retry_delay(attempt)
        log.warning(
            "outbound %s %s to %s: attempt %d/%d failed (%s); retrying in %.1f s",
            item.kind,
            item.id,
            item.conversation_key,
            attempt,
            self._max_attempts,
            exc,
            delay,
        )
        self._queues.count(item.account, retried=1)
        return self._pause(delay)

    def _retry_delay(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (1 for the first): see errbot_zalouser.backoff."""
        return backoff_delay(attempt - 1, self._retry_base, self._retry_max, self._random.random)

    def _take_token(self, account: str) -> bool:
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

    def _succeed(self, item: OutboundItem, result: SendResult, duration: float) -> None:
        log.debug(
            "outbound %s %s to %s sent in %.0f ms (message id %s)",
            item.kind,
            item.id,
            item.conversation_key,
            duration * 1000,
            result.message_id if isinstance(result, SendResult) else None,
        )
        self._journal_done(item)
        self._queues.note(item.account, last_sent_at=self._wall_clock())  # before the count that waiters watch
        self._queues.count(item.account, sent=1)
        _call(self._on_sent, item, result)

    def _fail(self, item: OutboundItem, exc: Exception, attempts: int) -> None:
        stderr = getattr(exc, "stderr", "")
        stderr = stderr.strip()[-_STDERR_LOG_LIMIT:] if isinstance(stderr, str) else ""
        log.error(
            "outbound %s %s to %s failed after %d attempt(s): %s: %s; stderr: %s",
            item.kind,
            item.id,
            item.conversation_key,
            attempts,
            type(exc).__name__,
            exc,
            stderr or "(none)",
            exc_info=None if isinstance(exc, ZalouserError) else exc,
        )
        self._journal_done(item)
        self._queues.note(item.account, last_error=f"{type(exc).__name__}: {exc}")
        self._queues.count(item.account, failed=1)
        _call(self._on_failed, item, exc)

    def _journal_done(self, item: OutboundItem) -> None:
        if self._journal is None:
            return
        try:
            self._journal.mark_done(item.id)
        except StoreError:
            log.exception("outbound: could not mark %s done in the journal (may be re-sent)", item.id)


def _check_settings(workers: int, max_attempts: int, retry_base: float, retry_max: float) -> None:
    if workers < 1:
        raise ValueError(f"workers must be at least 1 (got {workers})")
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1 (got {max_attempts})")
    if retry_base < 0 or retry_max < retry_base:
        raise ValueError(f"need 0 <= retry_base <= retry_max (got {retry_base}, {retry_max})")


def _call(callback: Callable[..., None] | None, *args: object) -> None:
    """Run a user callback; its exceptions are logged, never allowed to kill a worker."""
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:
        log.exception("outbound: %r raised", callback)
