"""Zalo's rate limit is per account: when one send is told to slow down (code 221), every
conversation of that account waits, not only the one that was refused."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class AccountPauses:
    """Thread-safe. ``hold`` an account for some seconds; ``wait`` (before every attempt) waits out
    what is left of its hold with the dispatcher's interruptible ``pause``. ``on_change(account,
    until)`` reports the hold in wall-clock seconds (None once it is over), for status."""

    def __init__(self, clock: Callable[[], float], wall_clock: Callable[[], float],
                 on_change: Callable[[str, float | None], None]) -> None:
        self._clock = clock
        self._wall = wall_clock
        self._on_change = on_change
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}  # account -> end of its hold (``clock``)

    def hold(self, account: str, seconds: float) -> None:
        until = self._clock() + seconds
        with self._lock:
            if until <= self._until.get(account, 0.0):
                return
            self._until[account] = until
        self._on_change(account, self._wall() + seconds)
        log.warning("outbound: account %s is rate limited by Zalo; all its sends wait %.1f s", account, seconds)

    def wait(self, account: str, pause: Callable[[float], bool]) -> bool:
        """Wait out the account's hold; False when ``pause`` was interrupted (a stop)."""
        with self._lock:
            until = self._until.get(account)
        if until is None:
            return True
        left = until - self._clock()
        if left > 0 and not pause(left):
            return False
        with self._lock:
            ended = self._until.get(account) == until  # not extended meanwhile
            if ended:
                del self._until[account]
        if ended:
            self._on_change(account, None)
        return True
