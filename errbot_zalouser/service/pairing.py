"""Pending pairing requests: policy.pairing's rules applied to a PairingStore, one update at a time."""

from __future__ import annotations

from errbot_zalouser.model import PairingRequest
from errbot_zalouser.policy import pairing as rules
from errbot_zalouser.stores.base import PairingStore


class PairingBook:
    """The pairing operations the service and the OpenClaw import need, each one atomic.

    Times are epoch seconds; ``ttl``, ``max_pending`` and ``scope`` come from the account's
    PairingSettings. Codes are compared case-insensitively.
    """

    def __init__(self, store: PairingStore) -> None:
        self._store = store

    def upsert(self, account: str, user_id: str, name: str, now: float, *,
               ttl: float, max_pending: int, scope: str) -> tuple[PairingRequest | None, bool]:
        """(request, created): a new request, the bumped pending one, or (None, False) at the cap."""

        def change(current: rules.Requests) -> tuple[rules.Requests, tuple[PairingRequest | None, bool]]:
            new, request, created = rules.upsert(current, account=account, user_id=user_id, name=name, now=now,
                                                 ttl=ttl, max_pending=max_pending, scope=scope)
            return new, (request, created)

        return self._store.update(change)

    def list(self, account: str | None, now: float, ttl: float) -> list[PairingRequest]:
        """Live requests (of one account, or all for None), oldest first. Reading writes nothing
        (a full disk does not stop ``!pair list``); expired ones are left for the next change."""
        live = rules.prune(self._store.load(), now, ttl)
        return sorted((r for r in live if account is None or r.account == account), key=lambda r: r.created_at)

    def pending(self, account: str, user_id: str, now: float, ttl: float) -> PairingRequest | None:
        """The live request of this sender, read without writing."""
        return next((r for r in rules.prune(self._store.load(), now, ttl)
                     if r.account == account and r.user_id == user_id), None)

    def find(self, code: str, account: str | None, now: float, ttl: float) -> PairingRequest | None:
        """The live request with this code, without removing it."""
        return rules.find(self._store.load(), code, account=account, now=now, ttl=ttl)

    def take(self, code: str, account: str | None, now: float, ttl: float) -> PairingRequest | None:
        """Remove and return the live request with this code."""
        return self._store.update(lambda current: rules.take(current, code, account=account, now=now, ttl=ttl))

    def insert(self, request: PairingRequest, *, now: float, ttl: float) -> bool:
        """Add an existing request as it is (imports). False if expired, or its code or sender is pending."""
        return self._store.update(lambda current: rules.insert(current, request, now=now, ttl=ttl))
