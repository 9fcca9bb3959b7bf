"""An in-memory ZalouserApi for plugin tests, attached as ``testbot.bot.zalouser``.

Directory lookups go through a real DirectoryCache over fixed lists, so the plugins' output is
that of the real search. ``fail[method] = exc`` makes a method raise; ``calls`` records calls.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from errbot_zalouser import ids
from errbot_zalouser.errors import AmbiguousName, NotFound, PolicyError
from errbot_zalouser.model import ApprovedEntry, GroupAllowEntry, PairingRequest, Target, ZaloGroup, ZaloUser
from errbot_zalouser.policy.access import Decision, Outcome
from errbot_zalouser.service.api import (
    AccountStatus,
    AllowEntryView,
    AllowlistView,
    PairingWaitlist,
    ProbeResult,
    SearchResult,
)
from errbot_zalouser.service.directory import DirectoryCache

FRIENDS = (
    ZaloUser("1001", "Nguyễn Văn An", phone="84912345678"),
    ZaloUser("1002", "Nguyễn Thị Bích", zalo_name="Bich Nguyen"),
    ZaloUser("1003", "Đào Minh Đức"),
    ZaloUser("1004", "ĐẶNG Thu Hà"),
    ZaloUser("1005", "Trần Nguyên"),
    ZaloUser("1006", "Lê Văn Nguyện"),
    ZaloUser("1007", "Phạm *Star* _x_"),
    ZaloUser("1008", "Hà"),
    ZaloUser("1009", "Hà"),
)
GROUPS = (
    ZaloGroup("5001", "Gia đình", total_member=3),
    ZaloGroup("5002", "Công việc", total_member=12),
    ZaloGroup("5003", "Đội bóng"),
    ZaloGroup("5004", "Gia Đình", total_member=2),
)
MEMBERS = {"5001": ("1001", "1003", "1004"), "5002": ("1002",), "5003": (), "5004": ("1005", "1006")}
ME = ZaloUser("9999", "Bot Zalo")


class FakeApi:
    """ZalouserApi over in-memory state. Times are epoch seconds from ``now()``."""

    def __init__(self, accounts: Iterable[str] = ("default",), *, now: Any = time.time) -> None:
        self.accounts = list(accounts)
        self.default_account = self.accounts[0]
        self.now = now
        self.requests: list[PairingRequest] = []
        self.approved: list[ApprovedEntry] = []
        self.config_dm: dict[str, list[AllowEntryView]] = {a: [] for a in self.accounts}
        self.config_groups: dict[str, list[AllowEntryView]] = {a: [] for a in self.accounts}
        self.chat_groups: list[GroupAllowEntry] = []
        self.policies = {a: ("pairing", "allowlist") for a in self.accounts}
        self.statuses: list[AccountStatus] = [_status(a) for a in self.accounts]
        self.fail: dict[str, Exception] = {}
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.told: list[str] = []
        self.waitlist = PairingWaitlist()
        self.fetches: Counter[str] = Counter()
        self.directory = DirectoryCache(self._friends, self._groups, self._members, self._me)

    # -- helpers for tests ---------------------------------------------------------------------

    def add_request(
        self, code: str, user_id: str, name: str = "", account: str = "default", age: float = 300.0
    ) -> None:
        created = self.now() - age
        self.requests.append(PairingRequest(code, user_id, account, created, created, name))

    def _record(self, method: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((method, args, kwargs))
        if method in self.fail:
            raise self.fail[method]

    def _account(self, account: str | None) -> str:
        chosen = account or self.default_account
        if chosen not in self.accounts:
            raise PolicyError(f"unknown account {chosen}")
        return chosen

    def _friends(self) -> list[ZaloUser]:
        self.fetches["friends"] += 1
        return list(FRIENDS)

    def _groups(self) -> list[ZaloGroup]:
        self.fetches["groups"] += 1
        return list(GROUPS)

    def _members(self, group_id: str) -> list[ZaloUser]:
        self.fetches["members"] += 1
        by_id = {u.user_id: u for u in FRIENDS}
        return [by_id[i] for i in MEMBERS.get(group_id, ())]

    def _me(self) -> ZaloUser:
        self.fetches["self"] += 1
        return ME

    # -- ZalouserApi ---------------------------------------------------------------------------

    def account_ids(self) -> list[str]:
        return list(self.accounts)

    def send_text(self, account: str | None, target: Target, text: str, *, mentions: Sequence[str] = (),
                  reply_to: str | None = None) -> int:
        self._record("send_text", account, target, text, mentions=tuple(mentions), reply_to=reply_to)
        self._account(account)
        return 1 if text.strip() else 0

    def send_markdown(self, account: str | None, target: Target, markdown: str, *,
                      mentions: Sequence[str] = (), reply_to: str | None = None) -> int:
        self._record("send_markdown", account, target, markdown, mentions=tuple(mentions), reply_to=reply_to)
        self._account(account)
        return 1 if markdown.strip() else 0

    def react(self, account: str | None, target: Target, message_id: str, reaction: str) -> None:
        self._record("react", account, target, message_id, reaction)
        self._account(account)

    def send_url(self, account: str | None, target: Target, url: str, caption: str = "") -> None:
        self._record("send_url", account, target, url, caption)
        self._account(account)

    def send_link(self, account: str | None, target: Target, url: str) -> None:
        self._record("send_link", account, target, url)
        self._account(account)

    def pairing_requests(self, account: str | None = None) -> list[PairingRequest]:
        self._record("pairing_requests", account)
        return [r for r in self.requests if account is None or r.account == account]

    def pairing_ttl(self, account: str | None = None) -> float:
        return 3600.0

    def pairing_waitlist(self, account: str | None = None) -> PairingWaitlist:
        self._record("pairing_waitlist", account)
        return PairingWaitlist(
            tuple(n for n in self.waitlist.turned_away if account is None or n.account == account),
            tuple(c for c in self.waitlist.cooling if account is None or c.account == account))

    def check(self, account: str | None, sender_id: str, group_id: str | None = None) -> Decision:
        # The policy itself is tested in tests/policy; here every sender passes the companion gate.
        return Decision(Outcome.DISPATCH, "fake: admitted")

    def approve_pairing(self, code: str, *, account: str | None = None, approver: str = "") -> PairingRequest:
        self._record("approve_pairing", code, account=account, approver=approver)
        request = self._take(code, account)
        entry = ApprovedEntry(request.user_id, request.account, "pairing", self.now(), request.name, approver)
        self.approved.append(entry)
        self.told.append(request.user_id)
        return request

    def deny_pairing(self, code: str, *, account: str | None = None) -> PairingRequest:
        self._record("deny_pairing", code, account=account)
        return self._take(code, account)

    def _take(self, code: str, account: str | None) -> PairingRequest:
        for request in self.pairing_requests(account):
            if request.code == code.strip().upper():
                self.requests.remove(request)
                return request
        raise NotFound(f"No pending pairing request found for code: {code.strip().upper()}")

    def revoke(self, user: str, *, account: str | None = None) -> ApprovedEntry:
        self._record("revoke", user, account=account)
        acc = self._account(account)
        mine = [e for e in self.approved if e.account == acc]
        user_id = ids.user_id(user)
        matches = [e for e in mine if e.user_id == user_id] if user_id else [
            e for e in mine if ids.name_key(e.name) == ids.name_key(user)
        ]
        if len(matches) > 1:
            raise AmbiguousName(user, [(e.user_id, e.name) for e in matches])
        if not matches:
            if any(v.id == user for v in self.config_dm[acc]):
                raise PolicyError(f"{user} is in the configuration (allowFrom); remove it there and restart.")
            raise NotFound(f"{user} is not an approved sender on account {acc}.")
        self.approved.remove(matches[0])
        return matches[0]

    def allowlist(self, account: str | None = None) -> AllowlistView:
        self._record("allowlist", account)
        acc = self._account(account)
        dm = tuple(self.config_dm[acc]) + tuple(
            AllowEntryView(e.user_id, e.source, e.name) for e in self.approved if e.account == acc
        )
        groups = tuple(self.config_groups[acc]) + tuple(
            AllowEntryView(g.group_id, "chat", g.name) for g in self.chat_groups if g.account == acc
        )
        dm_policy, group_policy = self.policies[acc]
        return AllowlistView(acc, dm_policy, group_policy, dm, groups)

    def allow_user(self, user: str, *, account: str | None = None, by: str = "") -> ApprovedEntry:
        self._record("allow_user", user, account=account, by=by)
        acc = self._account(account)
        found = self._resolve_user(user)
        entry = ApprovedEntry(found.user_id, acc, "chat", self.now(), found.display_name, by)
        self.approved.append(entry)
        return entry

    def disallow_user(self, user: str, *, account: str | None = None) -> ApprovedEntry:
        return self.revoke(user, account=account)

    def allow_group(self, group: str, *, account: str | None = None, by: str = "") -> GroupAllowEntry:
        self._record("allow_group", group, account=account, by=by)
        acc = self._account(account)
        found = self.directory.resolve_group(group)
        entry = GroupAllowEntry(found.group_id, acc, self.now(), found.name, by)
        self.chat_groups.append(entry)
        return entry

    def disallow_group(self, group: str, *, account: str | None = None) -> GroupAllowEntry:
        self._record("disallow_group", group, account=account)
        acc = self._account(account)
        found = self.directory.resolve_group(group)
        for entry in self.chat_groups:
            if entry.group_id == found.group_id and entry.account == acc:
                self.chat_groups.remove(entry)
                return entry
        if any(v.id == found.group_id for v in self.config_groups[acc]):
            raise PolicyError(f"group {found.group_id} is in the configuration (groups); remove it there and restart.")
        raise NotFound(f"group {found.group_id} was not added from chat on account {acc}.")

    def _resolve_user(self, user: str) -> ZaloUser:
        user_id = ids.user_id(user)
        if user_id:
            return ZaloUser(user_id)
        matches = self.directory.find_users_exact(user)
        if len(matches) > 1:
            raise AmbiguousName(user, [(u.user_id, u.name) for u in matches])
        if not matches:
            raise NotFound(f'No friend named "{user}"; use the Zalo id.')
        return matches[0]

    def directory_self(self, account: str | None = None, *, refresh: bool = False) -> ZaloUser:
        self._record("directory_self", account, refresh=refresh)
        return self.directory.self_info(refresh=refresh)

    def search_peers(self, query: str, *, account: str | None = None, limit: int = 20,
                     refresh: bool = False) -> SearchResult[ZaloUser]:
        self._record("search_peers", query, account=account, limit=limit, refresh=refresh)
        return self.directory.peers(query, limit, refresh=refresh)

    def search_groups(self, query: str, *, account: str | None = None, limit: int = 20,
                      refresh: bool = False) -> SearchResult[ZaloGroup]:
        self._record("search_groups", query, account=account, limit=limit, refresh=refresh)
        return self.directory.groups(query, limit, refresh=refresh)

    def group_members(self, group: str, *, account: str | None = None, limit: int = 50,
                      refresh: bool = False) -> tuple[ZaloGroup, SearchResult[ZaloUser]]:
        self._record("group_members", group, account=account, limit=limit, refresh=refresh)
        found = self.directory.resolve_group(group)
        return found, self.directory.members(found.group_id, limit, refresh=refresh)

    def status(self, *, probe: bool = False) -> list[AccountStatus]:
        self._record("status", probe=probe)
        if not probe:
            return list(self.statuses)
        return [_with_probe(s) for s in self.statuses]


def _status(account: str) -> AccountStatus:
    now = time.time()
    return AccountStatus(
        account=account, profile=account, enabled=True, zca_version="1.4.2", logged_in=True,
        listener_state="running", restarts=1, last_error="", last_inbound_at=now - 120,
        last_outbound_at=now - 7200, queue_depth=2, failed_sends=0, dm_policy="pairing",
        group_policy="allowlist", zca_kind="openzca", capabilities=("raw", "native_formatting", "upload"),
    )


def _with_probe(status: AccountStatus) -> AccountStatus:
    probe = ProbeResult(True, ME) if status.logged_in else ProbeResult(False, error="not logged in")
    return replace(status, probe=probe)
