"""Pending pairing requests: policy.pairing's rules applied to a PairingStore, one update at a time."""

from __future__ import annotations

import math

from errbot_zalouser.model import PairingRequest
from errbot_zalouser.policy import pairing as rules
from errbot_zalouser.stores.base import PairingStore


class PairingBook:
    """The pairing operations the service and the OpenClaw import need, each one atomic.

    Times are epoch seconds; ``ttl``, ``max_pending``, ``scope`` and ``cooldown`` come from the
    account's PairingSettings. Codes are compared case-insensitively. Reads write nothing (a full
    disk does not stop ``!pair list``); expired records are dropped at the next change.
    """

    def __init__(self, store: PairingStore) -> None:
        self._store = store

    def upsert(self, account: str, user_id: str, name: str, now: float, *,
               ttl: float, max_pending: int, scope: str, cooldown: float = 0.0,
               ) -> tuple[PairingRequest | None, bool]:
        """(request, created): a new request, the (bumped) pending one, the record of a sender
        cooling down (not live), or (None, False) at the cap."""

        def change(current: rules.Requests) -> tuple[rules.Requests, tuple[PairingRequest | None, bool]]:
            new, request, created = rules.upsert(current, account=account, user_id=user_id, name=name, now=now,
                                                 ttl=ttl, max_pending=max_pending, scope=scope, cooldown=cooldown)
            return new, (request, created)

        return self._store.update(change)

    def list(self, account: str | None, now: float, ttl: float) -> list[PairingRequest]:
        """Pending requests (of one account, or all for None), oldest first."""
        pending = rules.live(self._store.load(), now, ttl)
        return sorted((r for r in pending if account is None or r.account == account), key=lambda r: r.created_at)

    def cooling(self, account: str | None, now: float, ttl: float, cooldown: float) -> rules.Requests:
        """Denied or expired requests whose senders get no new code yet, soonest free first."""
        found = [r for r in self._store.load() if (account is None or r.account == account)
                 and rules.is_cooling(r, now, ttl, cooldown)]
        return tuple(sorted(found, key=lambda r: r.cooldown_ends(ttl, cooldown)))

    def pending(self, account: str, user_id: str, now: float, ttl: float) -> PairingRequest | None:
        """The live request of this sender."""
        return next((r for r in rules.live(self._store.load(), now, ttl)
                     if r.account == account and r.user_id == user_id), None)

    def find(self, code: str, account: str | None, now: float, ttl: float) -> PairingRequest | None:
        """The live request with this code, without removing it."""
        return rules.find(self._store.load(), code, account=account, now=now, ttl=ttl)

    def take(self, code: str, account: str | None, now: float, ttl: float,
             cooldown: float = 0.0) -> PairingRequest | None:
        """Remove and return the live request with this code (an approval)."""
        return self._store.update(lambda current: rules.take(current, code, account=account, now=now, ttl=ttl,
                                                             cooldown=cooldown))

    def deny(self, code: str, account: str | None, now: float, ttl: float, cooldown: float) -> PairingRequest | None:
        """Mark the live request with this code denied; its sender cools down for ``cooldown``."""
        return self._store.update(lambda current: rules.deny(current, code, account=account, now=now, ttl=ttl,
                                                             cooldown=cooldown))

    def insert(self, request: PairingRequest, *, now: float, ttl: float, cooldown: float = math.inf) -> bool:
        """Add an existing request as it is (imports). False if expired, or its code or sender is pending.
        Records of senders cooling down are kept (the import does not know the cooldown: the gate
        drops them when it next changes the file)."""
        return self._store.update(lambda current: rules.insert(current, request, now=now, ttl=ttl,
                                                               cooldown=cooldown))
