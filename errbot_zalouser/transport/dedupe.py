"""Dropping inbound messages seen shortly before (reconnect replays, a second listener)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cachetools import TTLCache


class RecentMessages:
    """The dedupe keys (``InboundEvent.dedupe_keys``) of the last ``size`` messages, for ``ttl`` seconds."""

    def __init__(self, size: int, ttl: float, clock: Callable[[], float]) -> None:
        self._seen: TTLCache[str, bool] = TTLCache(maxsize=size, ttl=ttl, timer=clock)

    def seen_before(self, keys: Iterable[str]) -> bool:
        """True when any key was seen within the window; every key is remembered (again) either way."""
        keys = tuple(keys)
        duplicate = any(key in self._seen for key in keys)
        for key in keys:
            self._seen[key] = True
        return duplicate
