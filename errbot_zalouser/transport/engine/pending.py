"""Requests written to an engine child and not yet answered."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from errbot_zalouser.transport.engine.protocol import Response


@dataclass
class Pending:
    """One request under way. ``done`` is set once it has a ``response`` or was ``lost`` (why)."""

    request_id: str
    op: str
    generation: int  # which child it was written to
    callback: Callable[[Pending], None] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    response: Response | None = None
    lost: str = ""

    def finish(self) -> None:
        self.done.set()
        if self.callback is not None:
            self.callback(self)


class PendingTable:
    """Thread-safe: request ids are ``<generation>-<n>``, unique for the table's life."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Pending] = {}
        self._ids = itertools.count(1)

    def add(self, op: str, generation: int, callback: Callable[[Pending], None] | None = None) -> Pending:
        pending = Pending(f"{generation}-{next(self._ids)}", op, generation, callback)
        with self._lock:
            self._items[pending.request_id] = pending
        return pending

    def take(self, request_id: str) -> Pending | None:
        with self._lock:
            return self._items.pop(request_id, None)

    def take_generation(self, generation: int) -> list[Pending]:
        with self._lock:
            gone = [p for p in self._items.values() if p.generation == generation]
            for pending in gone:
                del self._items[pending.request_id]
        return gone
