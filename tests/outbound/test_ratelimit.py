"""TokenBucket with a fake clock: burst, refill, timeouts, debt ordering, thread safety."""

from __future__ import annotations

import threading

import pytest

from errbot_zalouser.outbound.ratelimit import TokenBucket
from tests.outbound.conftest import FakeClock


def test_burst_then_empty(clock: FakeClock) -> None:
    bucket = TokenBucket(2.0, 3, clock=clock, sleep=clock.sleep)
    assert [bucket.try_acquire() for _ in range(4)] == [True, True, True, False]
    assert bucket.delay() == pytest.approx(0.5)


def test_refills_at_rate_up_to_burst(clock: FakeClock) -> None:
    bucket = TokenBucket(2.0, 3, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        assert bucket.try_acquire()
    clock.advance(0.5)
    assert bucket.try_acquire()
    assert not bucket.try_acquire()
    clock.advance(100)  # never more than burst
    assert [bucket.try_acquire() for _ in range(4)] == [True, True, True, False]


def test_acquire_sleeps_exactly_the_missing_time(clock: FakeClock) -> None:
    bucket = TokenBucket(4.0, 1, clock=clock, sleep=clock.sleep)
    assert bucket.acquire()
    assert clock.sleeps == []
    assert bucket.acquire()
    assert clock.sleeps == [pytest.approx(0.25)]
    assert bucket.acquire()
    assert clock.sleeps == [pytest.approx(0.25), pytest.approx(0.25)]


def test_acquire_timeout_returns_false_without_taking(clock: FakeClock) -> None:
    bucket = TokenBucket(1.0, 1, clock=clock, sleep=clock.sleep)
    assert bucket.acquire(timeout=0)
    assert bucket.acquire(timeout=0.5) is False
    assert clock.sleeps == []
    assert bucket.acquire(timeout=1.0) is True
    assert clock.sleeps == [pytest.approx(1.0)]


def test_reservations_queue_up(clock: FakeClock) -> None:
    """Callers arriving together each reserve the next token: waits grow 1/rate apart."""
    waits: list[float] = []
    bucket = TokenBucket(2.0, 1, clock=clock, sleep=waits.append)  # sleep does not move the clock
    for _ in range(4):
        assert bucket.acquire()
    assert waits == [pytest.approx(0.5), pytest.approx(1.0), pytest.approx(1.5)]
    assert bucket.delay() == pytest.approx(2.0)


@pytest.mark.parametrize("rate", [0, -1.0])
def test_non_positive_rate_disables(rate: float, clock: FakeClock) -> None:
    bucket = TokenBucket(rate, 0, clock=clock, sleep=clock.sleep)
    assert not bucket.enabled
    assert all(bucket.try_acquire() for _ in range(100))
    assert all(bucket.acquire(timeout=0) for _ in range(100))
    assert bucket.delay() == 0.0
    assert clock.sleeps == []


def test_burst_must_be_positive_when_enabled() -> None:
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(1.0, 0)


def test_thread_safe_under_contention(clock: FakeClock) -> None:
    bucket = TokenBucket(1.0, 50, clock=clock, sleep=clock.sleep)
    granted: list[bool] = []
    lock = threading.Lock()

    def grab() -> None:
        for _ in range(20):
            ok = bucket.try_acquire()
            with lock:
                granted.append(ok)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    assert granted.count(True) == 50  # the clock never moved: exactly the burst


def test_real_clock_smoke() -> None:
    bucket = TokenBucket(1000.0, 1)
    assert bucket.acquire(timeout=1.0)
    assert bucket.acquire(timeout=1.0)
