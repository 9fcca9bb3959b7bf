"""The dispatcher's use of its journal: record, mark done, replay; a journal failure is logged
and never stops a send."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from errbot_zalouser.errors import StoreError
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.journal import Journal

log = logging.getLogger(__name__)


JournalOutcome = tuple[Callable[[], None], Callable[[str, StoreError], None]]


class JournalLink:
    """An optional ``Journal``: without one every call does nothing. ``on_outcome``, when given, is
    (written, refused(what, error)): told of every write, it is what reports a full disk (and
    then no traceback is logged here)."""

    def __init__(self, journal: Journal | None, on_outcome: JournalOutcome | None = None) -> None:
        self.journal = journal
        self._on_outcome = on_outcome

    def __bool__(self) -> bool:
        return self.journal is not None

    def add(self, items: list[OutboundItem]) -> None:
        if self.journal is None:
            return
        try:
            self.journal.add_many(items)
        except StoreError as exc:
            self._refused(f"{len(items)} queued repl{'y' if len(items) == 1 else 'ies'} (sent anyway)", exc)
            return
        self._written()

    def done(self, item: OutboundItem) -> None:
        if self.journal is None:
            return
        try:
            self.journal.mark_done(item.id)
        except StoreError as exc:
            self._refused(f"the end of reply {item.id} (it may be sent again after a restart)", exc)

    def _written(self) -> None:
        if self._on_outcome is not None:
            self._on_outcome[0]()

    def _refused(self, what: str, exc: StoreError) -> None:
        if self._on_outcome is None:
            log.error("outbound: could not journal %s: %s", what, exc)
        else:
            self._on_outcome[1](what, exc)

    def replayable(self, known: Collection[str]) -> list[OutboundItem]:
        """What a previous run left unsent, in order, less the ids already queued."""
        if self.journal is None:
            return []
        replayed = [item for item in self.journal.pending() if item.id not in known]
        if replayed:
            log.info("outbound: re-queueing %d unsent item(s) from %s", len(replayed), self.journal.path)
        return replayed
