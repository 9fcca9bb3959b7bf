"""OutboundDispatcher: ordering, bounded parallelism, retries, failures, journal replay, shutdown.

Real threads, fake sends. Every wait is bounded (WAIT seconds); nothing asserts on timing.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import random
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from errbot_zalouser.errors import (
    EngineLost,
    EngineUnavailable,
    ZcaBlocked,
    ZcaCommandFailed,
    ZcaRateLimited,
    ZcaTimeout,
    ZcaUnreachable,
)
from errbot_zalouser.model import SendResult, Target
from errbot_zalouser.outbound.dispatcher import DispatcherStats, OutboundDispatcher, OutboundItem
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.outbound.ratelimit import TokenBucket
from tests.outbound.conftest import FakeClock

WAIT = 10.0


def _always(exc: Exception) -> Callable[[OutboundItem, int], None]:
    """A FakeSend behaviour that raises ``exc`` on every attempt."""

    def behaviour(item: OutboundItem, attempt: int) -> None:
        raise exc

    return behaviour


def _first_attempt_fails(exc: Exception) -> Callable[[OutboundItem, int], None]:
    """A FakeSend behaviour that raises ``exc`` on the first attempt only."""

    def behaviour(item: OutboundItem, attempt: int) -> None:
        if attempt == 1:
            raise exc

    return behaviour


def _item(conv: str, n: int, account: str = "a", group: bool = False) -> OutboundItem:
    return OutboundItem(account=account, target=Target(conv, group), kind="text", text=f"{conv}#{n}")


class FakeSend:
    """A thread-safe fake `send`: records calls, tracks concurrency, runs a per-call behaviour."""

    def __init__(self, behaviour: Callable[[OutboundItem, int], None] | None = None) -> None:
        self.behaviour = behaviour
        self.cond = threading.Condition()
        self.calls: list[OutboundItem] = []
        self.sent: list[OutboundItem] = []
        self.attempts: dict[str, int] = defaultdict(int)
        self.active = 0
        self.max_active = 0
        self.active_keys: set[str] = set()
        self.overlaps: list[str] = []
        self.threads: set[str] = set()

    def __call__(self, item: OutboundItem) -> SendResult:
        key = item.conversation_key
        with self.cond:
            self.calls.append(item)
            self.attempts[item.id] += 1
            attempt = self.attempts[item.id]
            if key in self.active_keys:
                self.overlaps.append(key)
            self.active_keys.add(key)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.threads.add(threading.current_thread().name)
            self.cond.notify_all()
        try:
            if self.behaviour is not None:
                self.behaviour(item, attempt)
            with self.cond:
                self.sent.append(item)
            return SendResult(message_id=f"m-{item.id[:6]}")
        finally:
            with self.cond:
                self.active -= 1
                self.active_keys.discard(key)
                self.cond.notify_all()

    def wait_for(self, predicate: Callable[[], bool]) -> None:
        with self.cond:
            assert self.cond.wait_for(predicate, timeout=WAIT), "condition not reached in time"

    def texts(self) -> list[str]:
        with self.cond:
            return [i.text for i in self.sent]


@pytest.fixture
def dispatchers():
    """Dispatchers created through this fixture are always stopped."""
    created: list[OutboundDispatcher] = []

    def make(send: Callable[[OutboundItem], SendResult], **kwargs: object) -> OutboundDispatcher:
        kwargs.setdefault("sleep", lambda seconds: None)
        dispatcher = OutboundDispatcher(send, **kwargs)  # type: ignore[arg-type]  # each test passes its own options
        created.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in created:
        assert dispatcher.stop(timeout=WAIT)


# --- ordering and parallelism --------------------------------------------------------------------


def test_order_within_each_conversation_under_concurrency(dispatchers) -> None:
    rng = random.Random(7)
    delays = {}

    def jitter(item: OutboundItem, attempt: int) -> None:
        threading.Event().wait(delays[item.id])

    send = FakeSend(jitter)
    dispatcher = dispatchers(send, workers=4)
    dispatcher.start()
    plan = {f"c{c}": [_item(f"c{c}", n, group=c % 2 == 0) for n in range(12)] for c in range(25)}
    for items in plan.values():
        for item in items:
            delays[item.id] = rng.uniform(0, 0.002)

    def submitter(keys: list[str]) -> None:
        for n in range(0, 12, 3):
            for key in keys:
                if n % 2:
                    dispatcher.submit_many(plan[key][n : n + 3])
                else:
                    for item in plan[key][n : n + 3]:
                        dispatcher.submit(item)

    keys = list(plan)
    threads = [threading.Thread(target=submitter, args=(keys[i::5],)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    assert dispatcher.drain(timeout=WAIT)
    assert send.overlaps == []
    assert 1 <= send.max_active <= 4
    assert len(send.threads) <= 4
    by_conversation = defaultdict(list)
    for item in send.sent:
        by_conversation[item.target.thread_id].append(item.text)
    assert by_conversation == {key: [i.text for i in items] for key, items in plan.items()}
    assert dispatcher.stats == DispatcherStats(sent=300, last_sent_at=dispatcher.stats.last_sent_at)


def test_parallelism_is_bounded_by_workers(dispatchers) -> None:
    gate = threading.Event()
    send = FakeSend(lambda item, attempt: gate.wait(WAIT))
    dispatcher = dispatchers(send, workers=3)
    dispatcher.start()
    for conv in range(8):
        dispatcher.submit(_item(f"c{conv}", 0))
    send.wait_for(lambda: send.active == 3)
    stats = dispatcher.stats
    assert (stats.in_flight, stats.queued) == (3, 5)
    gate.set()
    assert dispatcher.drain(timeout=WAIT)
    assert send.max_active == 3
    assert len(send.threads) == 3
    assert dispatcher.stats.sent == 8


def test_slow_conversation_does_not_hold_up_others(dispatchers) -> None:
    gate = threading.Event()
    send = FakeSend(lambda item, attempt: gate.wait(WAIT) if item.target.thread_id == "slow" else None)
    dispatcher = dispatchers(send, workers=2)
    dispatcher.start()
    dispatcher.submit_many([_item("slow", n) for n in range(3)])
    dispatcher.submit_many([_item("fast", n) for n in range(5)])
    send.wait_for(lambda: sum(i.target.thread_id == "fast" for i in send.sent) == 5)
    assert [i.text for i in send.calls if i.target.thread_id == "slow"] == ["slow#0"]  # in flight, alone
    gate.set()
    assert dispatcher.drain(timeout=WAIT)
    assert [t for t in send.texts() if t.startswith("slow")] == ["slow#0", "slow#1", "slow#2"]


def test_same_thread_id_in_different_accounts_or_kinds_is_a_different_conversation(dispatchers) -> None:
    gate = threading.Event()
    send = FakeSend(lambda item, attempt: gate.wait(WAIT))
    dispatcher = dispatchers(send, workers=4)
    dispatcher.start()
    dispatcher.submit(_item("42", 0, account="a"))
    dispatcher.submit(_item("42", 0, account="b"))
    dispatcher.submit(_item("42", 0, account="a", group=True))
    send.wait_for(lambda: send.active == 3)
    gate.set()
    assert dispatcher.drain(timeout=WAIT)


# --- retries and failures ------------------------------------------------------------------------


def test_retryable_error_is_retried_with_backoff_then_succeeds(dispatchers) -> None:
    def flaky(item: OutboundItem, attempt: int) -> None:
        if item.text == "c#0" and attempt <= 2:
            raise ZcaUnreachable("zca msg send failed: connect ECONNREFUSED")

    send = FakeSend(flaky)
    waits: list[float] = []
    dispatcher = dispatchers(send, workers=2, sleep=waits.append, retry_base=1.0, retry_max=30.0)
    dispatcher.start()
    dispatcher.submit_many([_item("c", 0), _item("c", 1)])
    assert dispatcher.drain(timeout=WAIT)
    assert [i.text for i in send.calls] == ["c#0", "c#0", "c#0", "c#1"]  # c#1 waited its turn
    assert len(waits) == 2
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0
    stats = dispatcher.stats
    assert (stats.sent, stats.failed, stats.retried) == (2, 0, 2)


def test_backoff_is_capped(dispatchers) -> None:
    send = FakeSend(_always(ZcaRateLimited("221")))
    waits: list[float] = []
    dispatcher = dispatchers(send, workers=1, sleep=waits.append, max_attempts=6, retry_base=1.0, retry_max=3.0)
    dispatcher.start()
    dispatcher.submit(_item("c", 0))
    assert dispatcher.drain(timeout=WAIT)
    ceilings = [1.0, 2.0, 3.0, 3.0, 3.0]
    assert len(waits) == 5
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling


def test_retries_exhausted_then_failed_and_next_item_proceeds(dispatchers, caplog) -> None:
    def limited(item: OutboundItem, attempt: int) -> None:
        if item.text == "c#0":
            raise ZcaRateLimited("rate limited", stderr="Vượt quá số request cho phép")

    failures: list[tuple[OutboundItem, Exception]] = []
    send = FakeSend(limited)
    dispatcher = dispatchers(send, workers=1, max_attempts=3, on_failed=lambda i, e: failures.append((i, e)))
    dispatcher.start()
    with caplog.at_level(logging.WARNING, logger="errbot_zalouser.outbound.dispatcher"):
        dispatcher.submit_many([_item("c", 0), _item("c", 1)])
        assert dispatcher.drain(timeout=WAIT)
    assert send.attempts[failures[0][0].id] == 3
    assert send.texts() == ["c#1"]
    assert isinstance(failures[0][1], ZcaRateLimited)
    stats = dispatcher.stats
    assert (stats.sent, stats.failed, stats.retried) == (1, 1, 2)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "after 3 attempt(s)" in errors[0].getMessage()
    assert "Vượt quá số request cho phép" in errors[0].getMessage()


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (ZcaTimeout("zca msg send failed: read ETIMEDOUT"), False),  # it may be in the chat already
        (EngineLost("the engine died with the send in flight"), False),
        (ZcaUnreachable("connect ECONNREFUSED"), True),  # nothing was sent
        (EngineUnavailable("engine restarting"), True),
        (ZcaRateLimited("221"), True),
        (ZcaBlocked("123"), False),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_only_sends_known_not_to_have_arrived_are_retried_by_default(dispatchers, error, retried) -> None:
    send = FakeSend(_first_attempt_fails(error))
    dispatcher = dispatchers(send, workers=1, sleep=lambda s: None)
    dispatcher.start()
    dispatcher.submit(_item("c", 0))
    assert dispatcher.drain(timeout=WAIT)
    assert len(send.calls) == (2 if retried else 1)
    assert (dispatcher.stats.sent, dispatcher.stats.failed) == ((1, 0) if retried else (0, 1))


def test_retry_unknown_delivery_retries_a_timed_out_send(dispatchers) -> None:
    send = FakeSend(_first_attempt_fails(ZcaTimeout("timed out")))
    dispatcher = dispatchers(send, workers=1, sleep=lambda s: None, retry_unknown_delivery=True)
    dispatcher.start()
    dispatcher.submit(_item("c", 0))
    assert dispatcher.drain(timeout=WAIT)
    assert len(send.calls) == 2 and dispatcher.stats.sent == 1


def test_a_timed_out_send_says_why_it_was_not_retried(dispatchers, caplog) -> None:
    dispatcher = dispatchers(FakeSend(_always(ZcaTimeout("timed out"))), workers=1, sleep=lambda s: None)
    dispatcher.start()
    with caplog.at_level(logging.ERROR, logger="errbot_zalouser.outbound.dispatcher"):
        dispatcher.submit(_item("c", 0))
        assert dispatcher.drain(timeout=WAIT)
    assert "may have reached the chat" in caplog.text and "retryUnknownDelivery" in caplog.text


def test_non_retryable_failure_is_logged_counted_and_the_next_item_sent(dispatchers, caplog) -> None:
    def blocked(item: OutboundItem, attempt: int) -> None:
        if item.text == "c#0":
            raise ZcaBlocked("zca msg send failed", stderr="Không thể nhận tin nhắn từ bạn.\n")

    failures: list[tuple[OutboundItem, Exception]] = []
    send = FakeSend(blocked)
    dispatcher = dispatchers(send, workers=2, on_failed=lambda i, e: failures.append((i, e)))
    dispatcher.start()
    with caplog.at_level(logging.ERROR, logger="errbot_zalouser.outbound.dispatcher"):
        dispatcher.submit_many([_item("c", 0), _item("c", 1)])
        assert dispatcher.drain(timeout=WAIT)
    assert [i.text for i in send.calls] == ["c#0", "c#1"]  # one attempt only
    assert send.texts() == ["c#1"]
    assert [f[0].text for f in failures] == ["c#0"]
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "Không thể nhận tin nhắn từ bạn." in record.getMessage()
    assert "ZcaBlocked" in record.getMessage()
    assert record.exc_info is None
    stats = dispatcher.stats
    assert (stats.sent, stats.failed, stats.retried) == (1, 1, 0)
    assert stats.last_error.startswith("ZcaBlocked")
    assert dispatcher.account_stats("a").failed == 1


def test_foreign_exception_is_not_retried_and_logged_with_traceback(dispatchers, caplog) -> None:
    class Weird(RuntimeError):
        retryable = True  # not a ZalouserError: ignored

    def broken(item: OutboundItem, attempt: int) -> None:
        if item.text == "c#0":
            raise Weird("boom")

    send = FakeSend(broken)
    dispatcher = dispatchers(send, workers=1)
    dispatcher.start()
    with caplog.at_level(logging.ERROR, logger="errbot_zalouser.outbound.dispatcher"):
        dispatcher.submit_many([_item("c", 0), _item("c", 1)])
        assert dispatcher.drain(timeout=WAIT)
    assert [i.text for i in send.calls] == ["c#0", "c#1"]
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None and record.exc_info[0] is Weird
    assert dispatcher.stats.failed == 1


def test_zca_command_failed_is_not_retried(dispatchers) -> None:
    send = FakeSend(_always(ZcaCommandFailed("bad id")))
    dispatcher = dispatchers(send, workers=1)
    dispatcher.start()
    dispatcher.submit(_item("c", 0))
    assert dispatcher.drain(timeout=WAIT)
    assert len(send.calls) == 1
    assert dispatcher.stats.failed == 1


def test_callback_errors_do_not_kill_workers(dispatchers, caplog) -> None:
    def bad_callback(item: OutboundItem, result: SendResult) -> None:
        raise ValueError("callback bug")

    send = FakeSend()
    dispatcher = dispatchers(send, workers=1, on_sent=bad_callback)
    dispatcher.start()
    with caplog.at_level(logging.ERROR):
        dispatcher.submit_many([_item("c", n) for n in range(3)])
        assert dispatcher.drain(timeout=WAIT)
    assert send.texts() == ["c#0", "c#1", "c#2"]
    assert "callback bug" in caplog.text


def test_on_sent_gets_the_send_result(dispatchers) -> None:
    results: list[tuple[str, str | None]] = []
    dispatcher = dispatchers(FakeSend(), on_sent=lambda i, r: results.append((i.text, r.message_id)))
    dispatcher.start()
    item = _item("c", 0)
    dispatcher.submit(item)
    assert dispatcher.drain(timeout=WAIT)
    assert results == [("c#0", f"m-{item.id[:6]}")]


# --- rate limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("as_callable", [False, True])
def test_rate_limit_per_account(dispatchers, clock: FakeClock, as_callable: bool) -> None:
    bucket = TokenBucket(2.0, 1, clock=clock, sleep=clock.sleep)
    sent_at: dict[str, list[float]] = defaultdict(list)

    def send(item: OutboundItem) -> SendResult:
        sent_at[item.account].append(clock())
        return SendResult()

    limits = (lambda account: bucket if account == "a" else None) if as_callable else {"a": bucket}
    dispatcher = dispatchers(send, workers=1, rate_limits=limits, sleep=clock.sleep)
    dispatcher.start()
    dispatcher.submit_many([_item("x", n) for n in range(3)] + [_item("y", n) for n in range(2)])
    dispatcher.submit_many([_item("z", n, account="b") for n in range(4)])
    assert dispatcher.drain(timeout=WAIT)
    times = sent_at["a"]
    assert len(times) == 5 and len(sent_at["b"]) == 4
    assert all(later - earlier >= 0.5 - 1e-9 for earlier, later in itertools.pairwise(times))
    assert sum(clock.sleeps) == pytest.approx(2.0)


# --- journal -------------------------------------------------------------------------------------


def test_journal_replay_after_stop_and_restart(tmp_path: Path, dispatchers) -> None:
    path = tmp_path / "outbound.jsonl"
    gate = threading.Event()
    first = FakeSend(lambda item, attempt: gate.wait(WAIT) if item.text == "a#0" else None)
    journal = Journal(path)
    dispatcher = OutboundDispatcher(first, workers=2, journal=journal)
    dispatcher.start()
    dispatcher.submit_many([_item("a", n) for n in range(3)])
    dispatcher.submit(_item("b", 0))
    first.wait_for(lambda: first.texts() == ["b#0"] and first.active == 1)

    assert dispatcher.stop(timeout=0) is False  # requests the stop; a#0 is still in flight
    gate.set()  # a#0 finishes after the stop request: it still counts as sent
    assert dispatcher.stop(timeout=WAIT) is True
    assert sorted(first.texts()) == ["a#0", "b#0"]
    assert dispatcher.stats.queued == 2
    journal.close()

    second = FakeSend()
    reopened = Journal(path)
    assert [i.text for i in reopened.pending()] == ["a#1", "a#2"]
    restarted = dispatchers(second, workers=2, journal=reopened)
    restarted.start()
    restarted.submit(_item("a", 3))
    assert restarted.drain(timeout=WAIT)
    assert second.texts() == ["a#1", "a#2", "a#3"]
    assert reopened.pending() == []


def test_submit_before_start_is_not_sent_twice(tmp_path: Path, dispatchers) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    leftover = _item("a", 0)
    journal.add(leftover)
    send = FakeSend()
    dispatcher = dispatchers(send, workers=2, journal=journal)
    dispatcher.submit(_item("a", 1))
    assert dispatcher.stats.queued == 1
    dispatcher.start()
    assert dispatcher.drain(timeout=WAIT)
    assert send.texts() == ["a#0", "a#1"]  # the journal's older item first, each once
    assert journal.pending() == []


def test_failed_items_are_marked_done_in_the_journal(tmp_path: Path, dispatchers) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    send = FakeSend(_always(ZcaBlocked("blocked")))
    dispatcher = dispatchers(send, journal=journal)
    dispatcher.start()
    dispatcher.submit(_item("a", 0))
    assert dispatcher.drain(timeout=WAIT)
    assert journal.pending() == []


def test_journal_write_failure_still_sends(tmp_path: Path, dispatchers, caplog) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.close()
    send = FakeSend()
    dispatcher = dispatchers(send, journal=journal)
    dispatcher.start()
    with caplog.at_level(logging.ERROR):
        dispatcher.submit(_item("a", 0))
        assert dispatcher.drain(timeout=WAIT)
    assert send.texts() == ["a#0"]
    assert "could not journal" in caplog.text


def test_stop_interrupts_a_backoff_and_keeps_the_item(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    send = FakeSend(_always(ZcaRateLimited("221")))
    dispatcher = OutboundDispatcher(send, workers=1, journal=journal, retry_base=600.0, retry_max=600.0)
    dispatcher.start()
    dispatcher.submit(_item("a", 0))
    send.wait_for(lambda: len(send.calls) == 1 and send.active == 0)
    assert dispatcher.stop(timeout=WAIT)
    assert len(send.calls) == 1
    assert [i.text for i in journal.pending()] == ["a#0"]
    assert dispatcher.stats.queued == 1
    assert dispatcher.stats.failed == 0


def test_stop_interrupts_a_rate_limit_wait() -> None:
    bucket = TokenBucket(0.001, 1)  # one token, then ~17 minutes to the next
    send = FakeSend()
    dispatcher = OutboundDispatcher(send, workers=1, rate_limits={"a": bucket})
    dispatcher.start()
    dispatcher.submit_many([_item("a", 0), _item("a", 1)])
    send.wait_for(lambda: len(send.sent) == 1)
    assert not dispatcher.drain(timeout=0.05)
    assert dispatcher.stop(timeout=WAIT)
    assert send.texts() == ["a#0"]


# --- drain, stop, lifecycle, stats ---------------------------------------------------------------


def test_drain_is_bounded(dispatchers) -> None:
    gate = threading.Event()
    dispatcher = dispatchers(FakeSend(lambda item, attempt: gate.wait(WAIT)))
    dispatcher.start()
    assert dispatcher.drain(timeout=0)  # nothing queued
    dispatcher.submit(_item("a", 0))
    assert dispatcher.drain(timeout=0.05) is False
    gate.set()
    assert dispatcher.drain(timeout=WAIT) is True


def test_drain_before_start_times_out_and_after_stop_returns_false(dispatchers) -> None:
    dispatcher = dispatchers(FakeSend())
    dispatcher.submit(_item("a", 0))
    assert dispatcher.drain(timeout=0.01) is False
    assert dispatcher.stop(timeout=WAIT)
    assert dispatcher.drain(timeout=WAIT) is False


def test_lifecycle_stop_before_start_double_start_and_restart(dispatchers) -> None:
    send = FakeSend()
    dispatcher = dispatchers(send)
    assert dispatcher.stop(timeout=WAIT)
    dispatcher.submit(_item("a", 0))  # waits for the next start
    dispatcher.start()
    with pytest.raises(RuntimeError, match="already running"):
        dispatcher.start()
    assert dispatcher.drain(timeout=WAIT)
    assert dispatcher.stop(timeout=WAIT)
    dispatcher.submit(_item("a", 1))
    assert dispatcher.stats.queued == 1
    dispatcher.start()
    assert dispatcher.drain(timeout=WAIT)
    assert send.texts() == ["a#0", "a#1"]


def test_restart_keeps_order_of_items_left_by_stop(tmp_path: Path, dispatchers) -> None:
    gate = threading.Event()
    send = FakeSend(lambda item, attempt: gate.wait(WAIT) if item.text == "a#0" else None)
    journal = Journal(tmp_path / "j.jsonl")
    dispatcher = dispatchers(send, workers=2, journal=journal)
    dispatcher.start()
    dispatcher.submit_many([_item("a", n) for n in range(3)])
    send.wait_for(lambda: send.active == 1)
    assert dispatcher.stop(timeout=0) is False
    with pytest.raises(RuntimeError, match="still busy"):
        dispatcher.start()
    gate.set()
    assert dispatcher.stop(timeout=WAIT)
    dispatcher.submit(_item("a", 3))
    dispatcher.start()
    assert dispatcher.drain(timeout=WAIT)
    assert send.texts() == ["a#0", "a#1", "a#2", "a#3"]
    assert journal.pending() == []


def test_stop_returns_false_when_a_send_is_stuck() -> None:
    gate = threading.Event()
    send = FakeSend(lambda item, attempt: gate.wait(WAIT))
    dispatcher = OutboundDispatcher(send, workers=1)
    dispatcher.start()
    dispatcher.submit(_item("a", 0))
    send.wait_for(lambda: send.active == 1)
    assert dispatcher.stop(timeout=0.05) is False
    gate.set()
    assert dispatcher.stop(timeout=WAIT) is True
    assert send.texts() == ["a#0"]


@pytest.mark.parametrize(
    "kwargs",
    [{"workers": 0}, {"max_attempts": 0}, {"retry_base": -1.0}, {"retry_base": 5.0, "retry_max": 1.0}],
)
def test_invalid_settings(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        OutboundDispatcher(FakeSend(), **kwargs)


def test_submit_rejects_non_items(dispatchers) -> None:
    dispatcher = dispatchers(FakeSend())
    with pytest.raises(TypeError):
        dispatcher.submit("hello")  # type: ignore[arg-type]  # the wrong type on purpose
    dispatcher.submit_many([])
    assert dispatcher.stats == DispatcherStats()


def test_stats_are_frozen_snapshots_per_account(dispatchers) -> None:
    dispatcher = dispatchers(FakeSend(), wall_clock=lambda: 1234.5)
    dispatcher.start()
    dispatcher.submit_many([_item("x", 0, account="a"), _item("y", 0, account="b"), _item("y", 1, account="b")])
    assert dispatcher.drain(timeout=WAIT)
    stats = dispatcher.stats
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.sent = 0  # type: ignore[misc]  # frozen: the assignment must fail
    assert stats == DispatcherStats(sent=3, last_sent_at=1234.5)
    assert dispatcher.account_stats("b").sent == 2
    assert dispatcher.account_stats("nobody") == DispatcherStats()
