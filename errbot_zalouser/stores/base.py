"""What the service needs from persistent access state: three small store protocols.

Implementations (``memory``, ``jsonfile``) pass one shared contract test suite. All are
thread-safe. Times are epoch seconds passed in by the caller (stores read no clock), and
``ttl``/``max_pending``/``scope`` come from the account's PairingSettings.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from errbot_zalouser.model import ApprovedEntry, GroupAllowEntry, PairingRequest


@runtime_checkable
class PairingStore(Protocol):
    """Pending DM pairing requests (see policy.pairing for the rules)."""

    def upsert(self, account: str, user_id: str, name: str, now: float, *,
               ttl: float, max_pending: int, scope: str) -> tuple[PairingRequest | None, bool]:
        """(request, created): a new request, the bumped pending one, or (None, False) at the cap."""
        ...

    def list(self, account: str | None, now: float, ttl: float) -> builtins.list[PairingRequest]:
        """Live requests (of one account, or all for None), oldest first."""
        ...

    def find(self, code: str, account: str | None, now: float, ttl: float) -> PairingRequest | None:
        """The live request with this code (case-insensitive), without removing it."""
        ...

    def take(self, code: str, account: str | None, now: float, ttl: float) -> PairingRequest | None:
        """Remove and return the live request with this code (case-insensitive)."""
        ...

    def insert(self, request: PairingRequest, *, now: float, ttl: float) -> bool:
        """Add an existing request as it is (imports). False if expired, or its code or sender is pending."""
        ...


@runtime_checkable
class ApprovedStore(Protocol):
    """DM senders admitted outside the config (pairing, chat, import), per account."""

    def add(self, entry: ApprovedEntry) -> bool:
        """False (and no change) if that user is already approved on that account."""
        ...

    def remove(self, account: str, user_id: str) -> ApprovedEntry | None: ...

    def entries(self, account: str | None) -> builtins.list[ApprovedEntry]:
        """In the order added; None = every account."""
        ...

    def ids(self, account: str) -> frozenset[str]: ...


@runtime_checkable
class GroupAllowStore(Protocol):
    """Groups admitted from chat under groupPolicy=allowlist, per account."""

    def add(self, entry: GroupAllowEntry) -> bool:
        """False (and no change) if that group is already allowed on that account."""
        ...

    def remove(self, account: str, group_id: str) -> GroupAllowEntry | None: ...

    def entries(self, account: str | None) -> builtins.list[GroupAllowEntry]:
        """In the order added; None = every account."""
        ...

    def ids(self, account: str) -> frozenset[str]: ...


@dataclass(frozen=True)
class Stores:
    """The three stores the service uses, opened together."""

    pairing: PairingStore
    approved: ApprovedStore
    group_allow: GroupAllowStore
