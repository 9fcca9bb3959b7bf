"""What the service needs from persistent access state: three small store protocols.

Implementations (``memory``, ``jsonfile``) pass one shared contract test suite. All are
thread-safe. Stores decide nothing: times are epoch seconds passed in by the caller (stores read
no clock), and who may be approved or paired is the policy's business.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

from errbot_zalouser.model import ApprovedEntry, GroupAllowEntry, PairingRequest

Requests = tuple[PairingRequest, ...]
R = TypeVar("R")


@runtime_checkable
class PairingStore(Protocol):
    """Pending DM pairing requests, kept as one tuple.

    The store knows no pairing rule (expiry, the pending cap, codes): ``service.pairing`` applies
    ``policy.pairing``'s through ``update``.
    """

    def load(self) -> Requests:
        """The requests as last saved (expired ones included)."""
        ...

    def update(self, change: Callable[[Requests], tuple[Requests, R]]) -> R:
        """Apply ``change`` to the current requests and save its result when it differs, as one
        step that no other update interleaves with; returns the second item ``change`` returned.
        When ``change`` or the save raises, nothing is changed."""
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

    def signature(self) -> object:
        """A cheap token that changes whenever the entries may have changed, by this process or
        by anyone else (a file edited by hand): what a cache of derived values compares."""
        ...


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

    def signature(self) -> object:
        """As ``ApprovedStore.signature``."""
        ...


@dataclass(frozen=True)
class Stores:
    """The three stores the service uses, opened together."""

    pairing: PairingStore
    approved: ApprovedStore
    group_allow: GroupAllowStore
