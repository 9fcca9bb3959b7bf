"""The dispatcher's use of its journal: record, mark done, replay; a journal failure is logged
and never stops a send."""

from __future__ import annotations

import logging
from collections.abc import Collection

from errbot_zalouser.errors import StoreError
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.journal import Journal

log = logging.getLogger(__name__)


class JournalLink:
    """An optional ``Journal``: without one every call does nothing."""

    def __init__(self, journal: Journal | None) -> None:
        self.journal = journal

    def __bool__(self) -> bool:
        return self.journal is not None

    def add(self, items: list[OutboundItem]) -> None:
        if self.journal is None:
            return
        try:
            self.journal.add_many(items)
        except StoreError:
            log.exception("outbound: could not journal %d item(s); sending them anyway", len(items))

    def done(self, item: OutboundItem) -> None:
        if self.journal is None:
            return
        try:
            self.journal.mark_done(item.id)
        except StoreError:
            log.exception("outbound: could not mark %s done in the journal (may be re-sent)", item.id)

    def replayable(self, known: Collection[str]) -> list[OutboundItem]:
        """What a previous run left unsent, in order, less the ids already queued."""
        if self.journal is None:
            return []
        replayed = [item for item in self.journal.pending() if item.id not in known]
        if replayed:
            log.info("outbound: re-queueing %d unsent item(s) from %s", len(replayed), self.journal.path)
        return replayed
