"""Store behaviour shared by the in-memory and JSON-file stores.

Each class keeps its items as an immutable tuple behind ``_load``/``_save`` and a lock.
A mutation computes the new tuple first and saves it; when saving raises, nothing changed.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from errbot_zalouser.model import ApprovedEntry, GroupAllowEntry, PairingRequest
from errbot_zalouser.stores.base import Requests

T = TypeVar("T")
R = TypeVar("R")


class _Items(Generic[T]):
    """A locked tuple of items with load/save hooks."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def _load(self) -> tuple[T, ...]:
        raise NotImplementedError

    def _save(self, items: tuple[T, ...]) -> None:
        raise NotImplementedError


class PairingLogic(_Items[PairingRequest]):
    """PairingStore: the pending requests as one tuple, changed only through ``update``."""

    def load(self) -> Requests:
        with self._lock:
            return self._load()

    def update(self, change: Callable[[Requests], tuple[Requests, R]]) -> R:
        with self._lock:
            current = self._load()
            new, result = change(current)
            if new != current:
                self._save(tuple(new))
            return result


E = TypeVar("E", bound=ApprovedEntry | GroupAllowEntry)


class _EntryLogic(_Items[E]):
    """ApprovedStore / GroupAllowStore: entries unique per (account, key)."""

    def _key(self, entry: E) -> str:
        raise NotImplementedError

    def add(self, entry: E) -> bool:
        with self._lock:
            current: tuple[E, ...] = self._load()
            if any(e.account == entry.account and self._key(e) == self._key(entry) for e in current):
                return False
            self._save((*current, entry))
            return True

    def _remove(self, account: str, key: str) -> E | None:
        with self._lock:
            current = self._load()
            for entry in current:
                if entry.account == account and self._key(entry) == key:
                    self._save(tuple(e for e in current if e is not entry))
                    return entry
            return None

    def entries(self, account: str | None) -> builtins.list[E]:
        with self._lock:
            return [e for e in self._load() if account is None or e.account == account]

    def ids(self, account: str) -> frozenset[str]:
        return frozenset(self._key(e) for e in self.entries(account))


class ApprovedLogic(_EntryLogic[ApprovedEntry]):
    def _key(self, entry: ApprovedEntry) -> str:
        return entry.user_id

    def remove(self, account: str, user_id: str) -> ApprovedEntry | None:
        return self._remove(account, user_id)


class GroupAllowLogic(_EntryLogic[GroupAllowEntry]):
    def _key(self, entry: GroupAllowEntry) -> str:
        return entry.group_id

    def remove(self, account: str, group_id: str) -> GroupAllowEntry | None:
        return self._remove(account, group_id)
