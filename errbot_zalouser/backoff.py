"""The one backoff rule, for everything that waits before trying again (listener restarts, sends)."""

from __future__ import annotations

import random
from collections.abc import Callable

Backoff = Callable[[int], float]
"""``retry -> seconds to wait`` (``retry`` counts from 0)."""


def backoff_delay(retry: int, initial: float, maximum: float, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number ``retry`` (0 for the first).

    ``initial * 2**retry``, capped at ``maximum``, then jittered down by up to a quarter: waiting
    callers spread out, and no wait is longer than the cap. ``rng`` returns a float in [0, 1).
    """
    ceiling = min(maximum, initial * 2.0 ** min(max(retry, 0), 32))
    return max(0.0, ceiling * (1.0 - 0.25 * rng()))


def exponential_backoff(initial: float, maximum: float, rng: Callable[[], float] = random.random) -> Backoff:
    """:func:`backoff_delay` with its limits bound."""
    return lambda retry: backoff_delay(retry, initial, maximum, rng)
