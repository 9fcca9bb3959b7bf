"""In-memory stores: same contract as the JSON-file ones, nothing survives a restart.

Useful for tests and for a bot that keeps no state (``memory_stores()``).
"""

from __future__ import annotations

from typing import Any

from errbot_zalouser.stores._logic import ApprovedLogic, GroupAllowLogic, PairingLogic
from errbot_zalouser.stores.base import Stores


class _Memory:
    """Holds the items tuple in an attribute."""

    _items: tuple[Any, ...]
    _version: int = 0

    def _load(self) -> tuple[Any, ...]:
        return self._items

    def _save(self, items: tuple[Any, ...]) -> None:
        self._items = tuple(items)
        self._version += 1

    def signature(self) -> object:
        return self._version


class MemoryPairingStore(_Memory, PairingLogic):
    def __init__(self) -> None:
        super().__init__()
        self._items = ()


class MemoryApprovedStore(_Memory, ApprovedLogic):
    def __init__(self) -> None:
        super().__init__()
        self._items = ()


class MemoryGroupAllowStore(_Memory, GroupAllowLogic):
    def __init__(self) -> None:
        super().__init__()
        self._items = ()


def memory_stores() -> Stores:
    """A fresh bundle of in-memory stores."""
    return Stores(MemoryPairingStore(), MemoryApprovedStore(), MemoryGroupAllowStore())
