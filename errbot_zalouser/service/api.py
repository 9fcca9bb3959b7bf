"""The interface the companion plugins use: ``self._bot.zalouser`` implements ZalouserApi.

Everything a plugin may call is here; the rest of the service is internal. Methods raise
``PolicyError`` subclasses (``NotFound``, ``AmbiguousName``) for refusals a user should read,
and ``ZcaError`` subclasses when `zca` itself fails. ``account=None`` means the default account
(for pairing codes: any account, codes being unique across accounts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from errbot_zalouser.model import (
    ApprovedEntry,
    GroupAllowEntry,
    PairingRequest,
    Target,
    ZaloGroup,
    ZaloUser,
)
from errbot_zalouser.policy.access import Decision

T = TypeVar("T")


@dataclass(frozen=True)
class SearchResult(Generic[T]):
    """Best matches first; ``total`` counts all matches, ``omitted`` those cut by the limit."""

    rows: tuple[T, ...]
    total: int

    @property
    def omitted(self) -> int:
        return self.total - len(self.rows)


@dataclass(frozen=True)
class AllowEntryView:
    """One line of the effective allowlist. source: config | resolved | unresolved | wildcard |
    pairing | chat | import (DM); config | resolved | unresolved | wildcard | chat (groups)."""

    id: str
    source: str  # also "admin": a BOT_ADMINS id, always admitted to DMs
    name: str = ""


@dataclass(frozen=True)
class AllowlistView:
    account: str
    dm_policy: str
    group_policy: str
    dm: tuple[AllowEntryView, ...]
    groups: tuple[AllowEntryView, ...]


@dataclass(frozen=True)
class Newcomer:
    """A stranger turned away because the pending pairing requests were full (no code, no record
    on disk: kept in memory for a day after their last message). ``name`` is cleaned Zalo text."""

    user_id: str
    account: str
    name: str
    first_seen: float
    last_seen: float
    messages: int


@dataclass(frozen=True)
class CoolingDown:
    """A requester whose code was denied or expired: no new code until ``until`` (epoch seconds)."""

    user_id: str
    account: str
    name: str
    reason: str  # "denied" | "expired"
    until: float


@dataclass(frozen=True)
class PairingWaitlist:
    turned_away: tuple[Newcomer, ...] = ()
    cooling: tuple[CoolingDown, ...] = ()


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    user: ZaloUser | None = None
    error: str = ""


@dataclass(frozen=True)
class AccountStatus:
    account: str
    profile: str
    enabled: bool
    zca_version: str | None
    logged_in: bool | None
    listener_state: str
    restarts: int
    last_error: str
    last_inbound_at: float | None
    last_outbound_at: float | None
    queue_depth: int
    failed_sends: int
    dm_policy: str
    group_policy: str
    warnings: tuple[str, ...] = ()
    probe: ProbeResult | None = None
    zca_kind: str = ""  # "openzca" or "zca-cli-or-unknown", as the start-up probe found it
    capabilities: tuple[str, ...] = ()  # what the bot uses of it (see transport.capabilities)
    # account safety: pairing replies to strangers in the last hour against the cap, and a
    # Zalo rate limit holding every send of the account (epoch seconds)
    first_contacts: int = 0
    first_contacts_cap: int = 0
    pairing_replies_paused: bool = False
    sending_paused_until: float | None = None
    # the bounded outbox and the inbound replay guard
    dropped_replies: int = 0  # refused because a queue was full
    expired_replies: int = 0  # dropped because they waited too long
    old_events: int = 0  # inbound events older than the age limit, dropped
    replayed_events: int = 0  # inbound events seen before, dropped


class ZalouserApi(Protocol):
    """What ``self._bot.zalouser`` offers a plugin (tests/service/test_api.py checks that the
    service and the plugin tests' fake both implement every method with these signatures)."""

    default_account: str

    def account_ids(self) -> list[str]: ...

    # sending (queued on the send pool; a Target is a user id, or a group id with is_group=True).
    # send_text: literal text, shown exactly as given; send_markdown: Errbot Markdown, shown with
    # Zalo styles where the account's zca has them. In a group, every "@" in the text stays plain
    # text (it never mentions anyone, and never fails as an ambiguous mention); ``mentions`` are
    # user ids (group members: NotFound otherwise) mentioned as "@name" in front of the text, which
    # notifies them where the zca binary resolves group mentions (openzca 0.1.43 and later).
    # ``reply_to`` is the id (msgId or cliMsgId, as in msg.extras) of a message of that thread the
    # reply answers: it is quoted where the zca binary can (openzca's --reply-message), and the
    # reply goes plain where it cannot or the bot no longer remembers that message.
    # send_url takes http(s) URLs only (ValueError otherwise: zca would read a path and send that file).
    def send_text(self, account: str | None, target: Target, text: str, *, mentions: Sequence[str] = (),
                  reply_to: str | None = None) -> int: ...
    def send_markdown(self, account: str | None, target: Target, markdown: str, *,
                      mentions: Sequence[str] = (), reply_to: str | None = None) -> int: ...
    def send_url(self, account: str | None, target: Target, url: str, caption: str = "") -> None: ...
    def send_link(self, account: str | None, target: Target, url: str) -> None: ...

    # reactions: react to a message of ``target`` the bot was shown (its msgId or cliMsgId, as in
    # msg.extras), with an emoji (❤️ 👍 😆 😮 😭 😡), a Zalo reaction name (HEART, LIKE, HAHA...; see
    # model.reaction.REACTIONS) or NONE to take it back. Queued like a reply. NotFound for a message
    # the bot never saw (or no longer remembers: the last 100 of each of its 200 latest chats),
    # ValueError for an unknown reaction, NotSupported when the zca binary has no `msg react`.
    def react(self, account: str | None, target: Target, message_id: str, reaction: str) -> None: ...

    # pairing
    def pairing_requests(self, account: str | None = None) -> list[PairingRequest]: ...
    def pairing_ttl(self, account: str | None = None) -> float: ...
    def pairing_waitlist(self, account: str | None = None) -> PairingWaitlist: ...
    def approve_pairing(self, code: str, *, account: str | None = None, approver: str = "") -> PairingRequest: ...
    def deny_pairing(self, code: str, *, account: str | None = None) -> PairingRequest: ...
    def revoke(self, user: str, *, account: str | None = None) -> ApprovedEntry: ...

    # allowlist
    def allowlist(self, account: str | None = None) -> AllowlistView: ...
    def allow_user(self, user: str, *, account: str | None = None, by: str = "") -> ApprovedEntry: ...
    def disallow_user(self, user: str, *, account: str | None = None) -> ApprovedEntry: ...
    def allow_group(self, group: str, *, account: str | None = None, by: str = "") -> GroupAllowEntry: ...
    def disallow_group(self, group: str, *, account: str | None = None) -> GroupAllowEntry: ...

    # directory (cached; refresh=True bypasses the cache)
    def directory_self(self, account: str | None = None, *, refresh: bool = False) -> ZaloUser: ...
    def search_peers(self, query: str, *, account: str | None = None, limit: int = 20,
                     refresh: bool = False) -> SearchResult[ZaloUser]: ...
    def search_groups(self, query: str, *, account: str | None = None, limit: int = 20,
                      refresh: bool = False) -> SearchResult[ZaloGroup]: ...
    def group_members(self, group: str, *, account: str | None = None, limit: int = 50,
                      refresh: bool = False) -> tuple[ZaloGroup, SearchResult[ZaloUser]]: ...

    # policy, without side effects (the companion command filter re-checks with it)
    def check(self, account: str | None, sender_id: str, group_id: str | None = None) -> Decision: ...

    # status
    def status(self, *, probe: bool = False) -> list[AccountStatus]: ...
