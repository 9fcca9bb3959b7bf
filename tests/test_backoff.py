"""The one backoff rule (errbot_zalouser.backoff) used by listener restarts and send retries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errbot_zalouser.backoff import backoff_delay, exponential_backoff


@pytest.mark.parametrize(
    ("retry", "rng", "expected"),
    [
        (0, 0.0, 1.0),  # the first wait is the initial one
        (1, 0.0, 2.0),
        (3, 0.0, 8.0),
        (5, 0.0, 30.0),  # capped
        (10_000, 0.0, 30.0),  # no overflow for a listener that died very often
        (0, 0.999999, 0.75),  # jitter only shortens, by at most a quarter
        (5, 0.5, 26.25),
        (-1, 0.0, 1.0),  # a negative count is the first retry
    ],
)
def test_backoff_table(retry: int, rng: float, expected: float) -> None:
    assert backoff_delay(retry, 1.0, 30.0, lambda: rng) == pytest.approx(expected, abs=1e-5)


@given(
    retry=st.integers(0, 200),
    initial=st.floats(0.0, 100.0),
    maximum=st.floats(0.0, 1000.0),
    rng=st.floats(0.0, 1.0, exclude_max=True),
)
def test_backoff_stays_in_its_band(retry: int, initial: float, maximum: float, rng: float) -> None:
    ceiling = min(maximum, initial * 2 ** min(retry, 32))
    delay = backoff_delay(retry, initial, maximum, lambda: rng)
    assert 0.75 * ceiling - 1e-9 <= delay <= ceiling


def test_exponential_backoff_binds_the_limits() -> None:
    waits = exponential_backoff(0.5, 4.0, lambda: 0.0)
    assert [waits(n) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_listener_defaults_cap_and_jitter() -> None:
    """The listener's default limits (1 s doubling to 60 s) at both ends of the jitter."""
    longest = exponential_backoff(1.0, 60.0, rng=lambda: 0.0)
    shortest = exponential_backoff(1.0, 60.0, rng=lambda: 1.0)
    assert [longest(n) for n in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert [shortest(n) for n in range(3)] == [0.75, 1.5, 3.0]
    assert longest(10) == 60.0 and shortest(10) == 45.0
    assert longest(10_000) == 60.0
