"""Ordered, parallel, rate-limited, retrying, bounded delivery of outbound items.

Each conversation (account + target) is a FIFO: its items go out one at a time, in submission
order. Conversations are served round-robin by a fixed pool of worker threads, so a slow `zca`
call in one chat never delays another beyond the pool size. Before every attempt the account's
token bucket is taken. A failure is retried as ``retry.RetryPolicy`` decides by its type (a
``ZalouserError`` with ``retryable = True``), with capped exponential backoff while the
conversation waits, except a failure after which the message may already be in the chat
(``delivery_unknown``, a timeout): retrying it could show it twice, so it is retried only with
``retry_unknown_delivery``. An error whose class ``pauses_account`` (Zalo's rate limit) holds
every conversation of the account for the wait. Any other failure, or the last attempt, is
logged at ERROR (with the tool's stderr), counted, reported to ``on_failed`` and marked done,
and the conversation moves on.

Bounded (``queues.QueueLimits``): a reply whose conversation (or account) already has too much
waiting is refused whole, counted and logged once per overflow; an item older than the age
limit, or past its own end, is dropped unsent, at replay and before each attempt.

With a ``Journal`` (``journaling.JournalLink``), ``submit`` records items durably before
queueing them and ``start`` re-queues what a previous run left unsent; ``stop`` leaves unsent
items in the journal. The queues themselves (which conversation a worker may take next, the
counters) are ``queues.ConversationQueues``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping

from errbot_zalouser import untrusted
from errbot_zalouser.errors import ZalouserError
from errbot_zalouser.model import SendResult
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.outbound.journaling import JournalLink, JournalOutcome
from errbot_zalouser.outbound.pause import AccountPauses
from errbot_zalouser.outbound.queues import ConversationQueues, DispatcherStats, QueueLimits
from errbot_zalouser.outbound.ratelimit import TokenBucket
from errbot_zalouser.outbound.retry import RetryPolicy

__all__ = ["DispatcherStats", "OutboundDispatcher", "OutboundItem", "QueueLimits"]

log = logging.getLogger(__name__)

SendFunction = Callable[[OutboundItem], SendResult]
RateLimits = Mapping[str, TokenBucket] | Callable[[str], TokenBucket | None]
_STDERR_LOG_LIMIT = 4000


class OutboundDispatcher:
    """Per-conversation FIFO delivery on a bounded worker pool. Thread-safe.

    ``send`` performs one attempt and raises on failure. ``rate_limits`` maps an account to its
    bucket (a mapping, or a callable returning a bucket or None). ``sleep``, when given, is used
    for backoff and rate-limit waits (tests pass a fake); by default waits are interruptible by
    ``stop``. ``clock`` times sends, backoff and pauses; ``wall_clock`` stamps ``last_sent_at``
    and ages items. ``on_journal`` is told of the journal's writes (``JournalLink``);
    ``on_dropped(item, dropped so far)`` of each refused reply, ``on_expired(item)`` of each item
    dropped unsent for its age.
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
        retry_unknown_delivery: bool = False,
        journal: Journal | None = None,
        on_sent: Callable[[OutboundItem, SendResult], None] | None = None,
        on_failed: Callable[[OutboundItem, Exception], None] | None = None,
        on_journal: JournalOutcome | None = None,
        limits: QueueLimits = QueueLimits(),  # noqa: B008 - a frozen value, shared safely
        on_dropped: Callable[[OutboundItem, int], None] | None = None,
        on_expired: Callable[[OutboundItem], None] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        name: str = "zalouser-outbound",
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1 (got {workers})")
        self._retry = RetryPolicy(max_attempts, retry_base, retry_max, retry_unknown_delivery)
        self._send = send
        self._workers = workers
        self._rate_limits = rate_limits
        self._journal = journal
        self._journaling = JournalLink(journal, on_journal)
        self._limits = limits
        self._on_sent = on_sent
        self._on_failed = on_failed
        self._on_dropped = on_dropped
        self._on_expired = on_expired
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._name = name
        self._lifecycle_lock = threading.Lock()  # start and stop do not overlap
        self._submit_lock = threading.Lock()  # keeps journal order == queue order
        self._queues = ConversationQueues()
        self._stop_event = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running = False
        self._pauses = AccountPauses(clock, wall_clock,
                                     lambda account, until: self._queues.note(account, paused_until=until))
        self._overflow_lock = threading.Lock()
        self._overflowing: dict[str, int] = {}  # conversation -> replies dropped in its current overflow

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
            where = "kept in the journal" if self._journaling else "no journal: lost if the process exits"
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

    def submit(self, item: OutboundItem) -> bool:
        """Journal ``item``, then queue it behind earlier items of its conversation.

        Never waits for a send. Before ``start`` or after ``stop`` the item waits for the next
        ``start`` (with a journal, also for the next process). False when refused (see below).
        """
        return self.submit_many([item])

    def submit_many(self, items: Iterable[OutboundItem]) -> bool:
        """Journal and queue several items (one reply's chunks, one conversation) at once, in order.

        Returns False when the reply was refused whole because its conversation (or account) has
        too much waiting already (``QueueLimits``): it is counted as dropped, logged once per
        overflow, and ``on_dropped(item, dropped so far)`` is told.
        """
        items = list(items)
        for item in items:
            if not isinstance(item, OutboundItem):
                raise TypeError(f"expected OutboundItem, got {type(item).__name__}")
        if not items:
            return True
        with self._submit_lock:
            if self._queues.fits(items[0], self._limits):
                if self._queues.closed and not self._journaling:
                    log.warning("outbound: %d item(s) queued while stopped and without a journal", len(items))
                self._journaling.add(items)
                self._queues.add(items)
                return True
        self._dropped(items)
        return False

    def _dropped(self, items: list[OutboundItem]) -> None:
        key = items[0].conversation_key
        self._queues.count(items[0].account, dropped=len(items))
        with self._overflow_lock:
            before = self._overflowing.get(key, 0)
            self._overflowing[key] = before + len(items)
        if before == 0:
            log.warning("outbound: %s already has %d repl(ies) waiting; new replies to it are dropped until it "
                        "drains (a flood cannot build a backlog)", key, self._queues.waiting(key))
        _call(self._on_dropped, items[0], self._queues.of(items[0].account).dropped)

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
        """Put the journal's pending items in front of anything submitted before start; items past
        the age limit (or their own end) are dropped unsent, with one log line."""
        now = self._wall_clock()
        replayed: list[OutboundItem] = []
        stale: list[OutboundItem] = []
        for item in self._journaling.replayable(self._queues.queued_ids()):
            (stale if item.expired(now, self._limits.max_age) else replayed).append(item)
        if stale:
            log.info("outbound: %d unsent item(s) from the journal are older than %s or past their end; "
                     "dropped unsent", len(stale), _age(self._limits.max_age))
            for item in stale:
                self._journaling.done(item)
                self._queues.count(item.account, expired=1)
                _call(self._on_expired, item)
        self._queues.add(replayed, front=True)

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
                self._overflow_over(entry.item.conversation_key)

    def _overflow_over(self, key: str) -> None:
        """Once an overflowing conversation has drained, say how many replies it lost."""
        if key not in self._overflowing or self._queues.waiting(key):
            return
        with self._overflow_lock:
            dropped = self._overflowing.pop(key, 0)
        if dropped:
            log.info("outbound: %s drained; %d repl(ies) were dropped while it was full", key, dropped)

    def _deliver(self, item: OutboundItem) -> bool:
        """Send ``item`` with retries. True when finished (sent, failed for good or expired), False
        when interrupted by stop before that."""
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
            except Exception as exc:  # noqa: BLE001 - any failure is the item's outcome; retry is chosen by type below
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
        wait then happens in ``_take_token``, for this item and every other of the account."""
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
        self._queues.count(item.account, retried=1)
        if getattr(exc, "pauses_account", False) is True:
            self._pauses.hold(item.account, delay)
            return True
        return self._pause(delay)

    # --- waits: the account's pause, its rate limit --------------------------------------------------

    def _take_token(self, account: str) -> bool:
        if not self._pauses.wait(account, self._pause):
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
        self._queues.count(item.account, expired=1)
        _call(self._on_expired, item)

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
        self._queues.note(item.account, last_sent_at=self._wall_clock())  # before the count that waiters watch
        self._queues.count(item.account, sent=1)
        _call(self._on_sent, item, result)

    def _fail(self, item: OutboundItem, exc: Exception, attempts: int) -> None:
        stderr = getattr(exc, "stderr", "")
        stderr = untrusted.for_log(stderr.strip()[-_STDERR_LOG_LIMIT:]) if isinstance(stderr, str) else ""
        log.error(
            "outbound %s %s to %s failed after %d attempt(s): %s: %s; stderr: %s%s",
            item.kind,
            item.id,
            item.conversation_key,
            attempts,
            type(exc).__name__,
            untrusted.for_log(str(exc)),
            stderr or "(none)",
            "; it may have reached the chat, so it was not retried (outbound.retryUnknownDelivery)"
            if self._retry.unknown_not_retried(exc) else "",
            exc_info=None if isinstance(exc, ZalouserError) else exc,
        )
        self._journaling.done(item)
        self._queues.note(item.account, last_error=f"{type(exc).__name__}: {exc}")
        self._queues.count(item.account, failed=1)
        _call(self._on_failed, item, exc)


def _age(seconds: float | None) -> str:
    return "the age limit" if seconds is None else f"{seconds:g} s"


def _call(callback: Callable[..., None] | None, *args: object) -> None:
    """Run a user callback; its exceptions are logged, never allowed to kill a worker."""
    if callback is None:
        return
    try:
        callback(*args)
    except Exception:
        log.exception("outbound: %r raised", callback)
