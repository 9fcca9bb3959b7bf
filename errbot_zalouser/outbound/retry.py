"""When a failed send is tried again, and after how long: chosen by the error's type."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from errbot_zalouser.backoff import backoff_delay
from errbot_zalouser.errors import ZalouserError


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` attempts in all; waits grow from ``base`` to ``cap`` seconds. A failure after
    which the message may be in the chat already (``delivery_unknown``: a timeout) is retried only
    with ``retry_unknown_delivery``: a second attempt could show it twice."""

    max_attempts: int = 4
    base: float = 1.0
    cap: float = 30.0
    retry_unknown_delivery: bool = False
    _random: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1 (got {self.max_attempts})")
        if self.base < 0 or self.cap < self.base:
            raise ValueError(f"need 0 <= retry_base <= retry_max (got {self.base}, {self.cap})")

    def should_retry(self, exc: Exception, attempt: int) -> bool:
        """A ``ZalouserError`` whose class says ``retryable``, with attempts left, that cannot have
        reached the chat (or may be retried anyway)."""
        retryable = isinstance(exc, ZalouserError) and getattr(exc, "retryable", False) is True
        return retryable and not self.unknown_not_retried(exc) and attempt < self.max_attempts

    def unknown_not_retried(self, exc: Exception) -> bool:
        """The failure may have delivered the message, and such failures are not retried."""
        return getattr(exc, "delivery_unknown", False) is True and not self.retry_unknown_delivery

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (1 for the first): see errbot_zalouser.backoff."""
        return backoff_delay(attempt - 1, self.base, self.cap, self._random.random)
