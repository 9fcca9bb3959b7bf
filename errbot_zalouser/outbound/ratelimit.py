"""A thread-safe token bucket: at most ``burst`` sends at once, refilled at ``rate_per_second``.

``acquire`` reserves a token before it waits (the bucket may go into debt), so concurrent callers
are served in arrival order and each sleeps exactly once. Callers that need an interruptible wait
use ``try_acquire`` plus ``delay`` and wait on their own terms.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Rate limiter; ``rate_per_second <= 0`` disables it (every acquire succeeds at once)."""

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second > 0 and burst < 1:
            raise ValueError(f"token bucket burst must be at least 1 (got {burst})")
        self.rate = float(rate_per_second)
        self.burst = max(int(burst), 1)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(self.burst)
        self._updated = clock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def try_acquire(self) -> bool:
        """Take a token if one is available now; never waits."""
        if not self.enabled:
            return True
        with self._lock:
            self._refill()
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False

    def acquire(self, timeout: float | None = None) -> bool:
        """Take a token, waiting for it if needed. Returns False, at once and without taking a
        token, when none can become available within ``timeout`` seconds."""
        if not self.enabled:
            return True
        with self._lock:
            self._refill()
            wait = self._wait_for(1.0)
            if timeout is not None and wait > timeout:
                return False
            self._tokens -= 1
        if wait > 0:
            self._sleep(wait)
        return True

    def delay(self) -> float:
        """Seconds until a token will be available (0.0 when one is available now)."""
        if not self.enabled:
            return 0.0
        with self._lock:
            self._refill()
            return self._wait_for(1.0)

    def _wait_for(self, tokens: float) -> float:
        missing = tokens - self._tokens
        return max(missing, 0.0) / self.rate

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(now - self._updated, 0.0)
        self._updated = now
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)

    def __repr__(self) -> str:
        return f"TokenBucket(rate_per_second={self.rate}, burst={self.burst})"
