"""Everything the service holds for one configured account (one zca profile)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from errbot_zalouser import ids, untrusted
from errbot_zalouser.errors import NotFound, ZcaError
from errbot_zalouser.model import ZaloGroup, ZaloUser
from errbot_zalouser.policy.resolve import (
    Resolution,
    format_resolution_log,
    group_rules_with_ids,
    resolve_groups,
    resolve_users,
)
from errbot_zalouser.service.directory import DirectoryCache
from errbot_zalouser.service.transports import AccountTransport, ListenerHandle
from errbot_zalouser.settings import AccountConfig, GroupRule
from errbot_zalouser.transport.interface import ChatClient

log = logging.getLogger(__name__)

_ALL = 1_000_000


@dataclass
class Activity:
    """Mutable timestamps for status; written from several threads, read as a snapshot."""

    last_inbound_at: float | None = None
    last_outbound_at: float | None = None
    last_error: str = ""
    logged_out_told: bool = False  # the admins know the profile is logged out


@dataclass
class AccountRuntime:
    config: AccountConfig
    transport: AccountTransport
    directory: DirectoryCache
    self_user: ZaloUser | None = None
    users: Resolution = field(default_factory=Resolution)
    groups: Resolution = field(default_factory=Resolution)
    group_rules: dict[str, GroupRule] = field(default_factory=dict)
    listener: ListenerHandle | None = None
    activity: Activity = field(default_factory=Activity)

    @property
    def account_id(self) -> str:
        return self.config.account_id

    @property
    def client(self) -> ChatClient:
        return self.transport.client

    @property
    def self_id(self) -> str:
        return self.self_user.user_id if self.self_user else ""

    def find_group(self, group: str) -> ZaloGroup:
        """A group of this account by id, ``group:<id>`` or exact name (NotFound, AmbiguousName)."""
        group_id = ids.group_id(group)
        if group_id:
            return ZaloGroup(group_id=group_id)
        return self.directory.resolve_group(ids.strip_scheme(group))

    def resolve_names(self) -> None:
        """Seed OpenClaw's start-up resolution of allowFrom names and groups keys, logged."""
        user_entries = [e for e in self.config.allow_from + self.config.group_allow_from if e != "*"]
        self.users = self._resolve("users", user_entries, ids.user_id,
                                   lambda: self.directory.peers("", _ALL).rows, resolve_users)
        group_keys = [k for k in self.config.groups if k != "*"]
        self.groups = self._resolve("groups", group_keys, ids.group_id,
                                    lambda: self.directory.groups("", _ALL).rows, resolve_groups)
        self.group_rules = dict(group_rules_with_ids(self.config.groups, dict(self.groups.resolved)))

    def _resolve(self, kind: str, entries: list[str], id_of: Callable[[str], str | None],
                 fetch: Callable[[], Sequence[Any]], resolver: Callable[[list[str], Sequence[Any]], Resolution],
                 ) -> Resolution:
        """Resolve the names among ``entries`` against the list ``fetch`` returns (not called when
        every entry is an id), logging the outcome; a failed fetch leaves every name unresolved."""
        if all(id_of(e) for e in entries):
            return resolver(entries, [])
        try:
            rows = fetch()
        except ZcaError as exc:
            log.warning("zalouser %s: %s lookup failed; using config entries as typed. %s",
                        self.account_id, kind, untrusted.for_log(exc.stderr.strip() or str(exc)))
            return resolver(entries, [])
        resolution = resolver(entries, rows)
        for line in format_resolution_log(kind, resolution):
            log.info("zalouser %s %s %s", self.account_id, kind, untrusted.for_log(line))
        return resolution


class Accounts:
    """The configured accounts by id, in configuration order; ``None`` names the default one."""

    def __init__(self, runtimes: Iterable[AccountRuntime], default_account: str) -> None:
        self._by_id = {rt.account_id: rt for rt in runtimes}
        self.default_account = default_account

    def get(self, account: str | None) -> AccountRuntime:
        """The account ``account`` (the default one for None); NotFound for an unknown id."""
        key = account or self.default_account
        try:
            return self._by_id[key]
        except KeyError:
            raise NotFound(f"unknown account {key!r}; accounts: {', '.join(self._by_id)}") from None

    def __iter__(self) -> Iterator[AccountRuntime]:
        return iter(self._by_id.values())

    def ids(self) -> list[str]:
        return list(self._by_id)

    @property
    def enabled(self) -> list[AccountRuntime]:
        return [rt for rt in self._by_id.values() if rt.config.enabled]

    def self_ids(self) -> frozenset[str]:
        """The bot's own user ids (one per logged-in account): its messages are never dispatched."""
        return frozenset(rt.self_id for rt in self._by_id.values() if rt.self_id)
