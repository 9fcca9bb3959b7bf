"""ZalouserService: the application behind the Errbot backend (no errbot import here).

It owns one AccountRuntime per configured account (zca client, directory cache, listener),
the stores, the access gate and the outbound dispatcher, and implements ZalouserApi for the
companion plugins.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from errbot_zalouser import ids
from errbot_zalouser.errors import (
    AmbiguousName,
    NotFound,
    PolicyError,
    ZalouserError,
    ZcaError,
    ZcaNotAuthenticated,
    ZcaNotFound,
)
from errbot_zalouser.model import (
    ApprovedEntry,
    GroupAllowEntry,
    InboundEvent,
    PairingRequest,
    Target,
    ZaloGroup,
    ZaloUser,
)
from errbot_zalouser.outbound.chunking import transmissible
from errbot_zalouser.outbound.compose import client_sender, reply_items
from errbot_zalouser.outbound.dispatcher import OutboundDispatcher, OutboundItem
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.outbound.ratelimit import TokenBucket
from errbot_zalouser.policy.access import (
    AccessLists,
    Decision,
    Outcome,
    decide_dm,
    decide_group,
)
from errbot_zalouser.policy.pairing import normalize_code, render_approved_text, render_pairing_reply
from errbot_zalouser.service import access
from errbot_zalouser.service.account import AccountRuntime
from errbot_zalouser.service.api import (
    AccountStatus,
    AllowlistView,
    ProbeResult,
    SearchResult,
)
from errbot_zalouser.service.directory import DirectoryCache
from errbot_zalouser.service.pairing import PairingBook
from errbot_zalouser.settings import AccountConfig, DmPolicy, Settings
from errbot_zalouser.stores.base import Stores
from errbot_zalouser.stores.jsonfile import open_stores
from errbot_zalouser.transport.client import ZcaClient
from errbot_zalouser.transport.listener import Listener, ListenerSettings, ListenerState
from errbot_zalouser.transport.runner import CliRunner

log = logging.getLogger(__name__)

EventSink = Callable[[str, InboundEvent], None]
StateSink = Callable[[str, ListenerState, str], None]


class StartupError(ZalouserError):
    """The bot cannot start; the message is one line that says what to run."""


class ZalouserService:
    """Accounts, gate, directory, outbound. See service/api.py for the plugin-facing part."""

    def __init__(
        self,
        settings: Settings,
        data_dir: str | Path,
        *,
        runner: CliRunner | None = None,
        stores: Stores | None = None,
        notify_admins: Callable[[str], None] | None = None,
        command_prefix: str = "!",
        clock: Callable[[], float] = time.time,
        directory_ttl: float = 300.0,
        admin_ids: frozenset[str] = frozenset(),
    ) -> None:
        self.settings = settings
        self.default_account = settings.default_account
        self._runner = runner or CliRunner(settings.zca)
        self._data_dir = Path(data_dir) / "zalouser"
        self._stores = stores or open_stores(Path(data_dir))
        self._pairing = PairingBook(self._stores.pairing)
        self._notify_admins = notify_admins or (lambda text: log.warning("admin notice: %s", text))
        self._prefix = command_prefix
        self._admin_ids = admin_ids  # BOT_ADMINS ids: always admitted to DMs, so they can approve codes
        self._clock = clock
        self._accounts = {a.account_id: self._runtime(a, directory_ttl) for a in settings.accounts}
        self._access: dict[str, AccessLists] = {}
        self._access_lock = threading.Lock()
        self._dispatcher = self._make_dispatcher()
        self._started = False

    # --- construction -------------------------------------------------------------------------

    def _runtime(self, config: AccountConfig, ttl: float) -> AccountRuntime:
        client = ZcaClient(self._runner, config.profile, send_timeout=self.settings.outbound.send_timeout)
        directory = DirectoryCache(client.friend_list, client.group_list, client.group_members, client.me_info, ttl=ttl)
        return AccountRuntime(config=config, client=client, directory=directory)

    def _make_dispatcher(self) -> OutboundDispatcher:
        out = self.settings.outbound
        self._data_dir.mkdir(parents=True, exist_ok=True)
        buckets = {a: TokenBucket(out.rate_per_second, out.burst) for a in self._accounts}
        return OutboundDispatcher(
            client_sender(lambda account: self._account(account).client),
            workers=out.workers,
            rate_limits=buckets,
            max_attempts=out.max_attempts,
            retry_base=out.retry_base_seconds,
            retry_max=out.retry_max_seconds,
            journal=Journal(self._data_dir / "outbox.jsonl"),
            on_sent=self._on_sent,
            on_failed=self._on_failed,
        )

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def enabled_accounts(self) -> list[AccountRuntime]:
        return [rt for rt in self._accounts.values() if rt.config.enabled]

    def preflight(self) -> None:
        """Check zca and every enabled account's login; learn each account's own user id."""
        for warning in self.settings.warnings:
            log.warning("zalouser config: %s", warning)
        if not self.enabled_accounts:
            raise StartupError("no enabled Zalouser account: set enabled: true in the ZALOUSER block")
        for rt in self.enabled_accounts:
            self._check_account(rt)

    def _check_account(self, rt: AccountRuntime) -> None:
        try:
            rt.client.version()
            if not rt.client.is_authenticated():
                raise ZcaNotAuthenticated("not logged in")
            rt.self_user = rt.client.me_info()
        except ZcaNotFound as exc:
            raise StartupError(
                f"zca executable {self.settings.zca!r} not found: install zca-cli or openzca "
                f"(npm i -g openzca), or set ZALOUSER_ZCA in config.py to its path"
            ) from exc
        except ZcaNotAuthenticated as exc:
            raise StartupError(
                f"Zalo profile {rt.config.profile!r} (account {rt.account_id!r}) is not logged in: "
                f"run `python -m errbot_zalouser login --account {rt.account_id}` and scan the QR code"
            ) from exc
        except ZcaError as exc:
            raise StartupError(f"account {rt.account_id!r}: {exc}") from exc
        log.info("zalouser account %s: profile %s, logged in as %s (%s)", rt.account_id,
                 rt.config.profile, rt.self_user.name, rt.self_user.user_id)

    def start(self, on_event: EventSink, on_state: StateSink | None = None) -> None:
        """Resolve configured names, start the send pool, then one listener per enabled account."""
        if self._started:
            return
        self._started = True
        for rt in self.enabled_accounts:
            rt.resolve_names()
            self._refresh_access(rt.account_id)
        self._dispatcher.start()
        for rt in self.enabled_accounts:
            rt.listener = self._make_listener(rt, on_event, on_state)
            rt.listener.start()

    def _make_listener(self, rt: AccountRuntime, on_event: EventSink, on_state: StateSink | None) -> Listener:
        cfg = self.settings.listener
        account = rt.account_id

        def state_changed(state: ListenerState, detail: str) -> None:
            if detail and state is not ListenerState.CONNECTED:
                rt.activity.last_error = detail
            if on_state:
                on_state(account, state, detail)

        return Listener(
            self.settings.zca,
            rt.config.profile,
            lambda event: on_event(account, event),
            on_state=state_changed,
            settings=ListenerSettings(
                stall_seconds=cfg.stall_seconds,
                closed_grace_seconds=cfg.closed_grace_seconds,
                recycle_seconds=cfg.recycle_seconds,
                backoff_initial=cfg.backoff_initial_seconds,
                backoff_max=max(cfg.backoff_max_seconds, cfg.backoff_initial_seconds),
            ),
            name=account,
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listeners, give queued sends a moment, stop the pool (the journal keeps the rest)."""
        for rt in self._accounts.values():
            if rt.listener is not None:
                rt.listener.stop(timeout=timeout)
        if self._started:
            self._dispatcher.drain(timeout=min(timeout, 2.0))
            self._dispatcher.stop(timeout=timeout)
        self._started = False

    # --- inbound gate -------------------------------------------------------------------------

    def self_ids(self) -> frozenset[str]:
        return frozenset(rt.self_id for rt in self._accounts.values() if rt.self_id)

    def self_user(self, account: str | None = None) -> ZaloUser | None:
        return self._account(account).self_user

    def admit(self, account: str, event: InboundEvent) -> Decision:
        """The gate: decide whether an inbound event may reach Errbot. Pairing replies are sent here."""
        rt = self._account(account)
        rt.activity.last_inbound_at = self._clock()
        if event.sender_id in self.self_ids():
            return Decision(Outcome.DROP, "own message")
        lists = self._access_lists(account)
        if event.is_group:
            return decide_group(rt.config, event.thread_id, event.thread_name, event.sender_id,
                                mentioned=self.is_mentioned(account, event), lists=lists)
        decision = decide_dm(rt.config, event.sender_id, lists)
        if decision.outcome is Outcome.CHALLENGE:
            return self._challenge(rt, event, decision)
        return decision

    def check(self, account: str | None, sender_id: str, group_id: str | None = None) -> Decision:
        """The policy decision for a sender, without side effects (no pairing reply, no request).
        A mention requirement is not re-checked: this answers who may use the bot, not when."""
        rt = self._account(account)
        lists = self._access_lists(rt.account_id)
        if group_id is not None:
            return decide_group(rt.config, group_id, "", sender_id, mentioned=True, lists=lists)
        return decide_dm(rt.config, sender_id, lists)

    def is_mentioned(self, account: str, event: InboundEvent) -> bool:
        rt = self._account(account)
        if rt.self_id and rt.self_id in event.mention_ids:
            return True
        name = rt.self_user.name if rt.self_user else ""
        return bool(name) and f"@{name}".casefold() in event.content.casefold()

    def _challenge(self, rt: AccountRuntime, event: InboundEvent, decision: Decision) -> Decision:
        pairing = rt.config.pairing
        request, created = self._pairing.upsert(
            rt.account_id, event.sender_id, event.sender_name, self._clock(),
            ttl=pairing.ttl_seconds, max_pending=pairing.max_pending, scope=pairing.scope,
        )
        if request is None:
            return Decision(Outcome.CHALLENGE, f"{decision.reason}; pending cap reached, no reply")
        if not created:
            return Decision(Outcome.CHALLENGE, f"{decision.reason}; code already sent, no reply")
        reply = render_pairing_reply(pairing, event.sender_id, request.code, event.sender_name, prefix=self._prefix)
        if reply.strip():  # an empty replyText is the silent mode: record, notify admins, say nothing
            self.send_text(rt.account_id, Target(event.sender_id), reply)
        who = f"{event.sender_name} ({event.sender_id})" if event.sender_name else event.sender_id
        self._notify_admins(
            f"Zalo pairing request on account {rt.account_id} from {who}. "
            f"Approve with: {self._prefix}pair approve {request.code}"
        )
        return Decision(Outcome.CHALLENGE, f"{decision.reason}; pairing code sent")

    def _access_lists(self, account: str) -> AccessLists:
        lists = self._access.get(account)
        return lists if lists is not None else self._refresh_access(account)

    def _refresh_access(self, account: str) -> AccessLists:
        with self._access_lock:
            lists = access.build_access_lists(self._account(account), self._stores.approved,
                                              self._stores.group_allow, self._admin_ids)
            self._access[account] = lists
            return lists

    # --- outbound -----------------------------------------------------------------------------

    def send_text(self, account: str | None, target: Target, text: str) -> int:
        """Queue a text reply, split into chunks; returns the number of chunks queued."""
        return self._submit(account, target, text)

    def send_url(self, account: str | None, target: Target, url: str, caption: str = "") -> None:
        """Send a URL as media chosen by its ending (msg image|video|voice, OpenClaw's routing),
        with ``caption`` as its caption when it fits (voice has none: the text goes first)."""
        self._submit(account, target, caption, (transmissible(url),))

    def send_link(self, account: str | None, target: Target, url: str) -> None:
        """Send a URL with `msg link` (a link preview)."""
        rt = self._account(account)
        self._dispatcher.submit(OutboundItem(account=rt.account_id, target=target, kind="link", url=transmissible(url)))

    def _submit(self, account: str | None, target: Target, text: str, media_urls: tuple[str, ...] = ()) -> int:
        rt = self._account(account)
        items = reply_items(rt.account_id, target, transmissible(text), media_urls,
                            limit=rt.config.text_chunk_limit, mode=rt.config.chunk_mode)
        if items:
            self._dispatcher.submit_many(items)
        return len(items)

    def drain(self, timeout: float) -> bool:
        return self._dispatcher.drain(timeout)

    def _on_sent(self, item: OutboundItem, _result) -> None:
        self._account(item.account).activity.last_outbound_at = self._clock()

    def _on_failed(self, item: OutboundItem, error: Exception) -> None:
        self._account(item.account).activity.last_error = f"send to {item.target.key} failed: {error}"

    # --- ZalouserApi: pairing ----------------------------------------------------------------

    def account_ids(self) -> list[str]:
        return list(self._accounts)

    def pairing_requests(self, account: str | None = None) -> list[PairingRequest]:
        if account is not None:
            self._account(account)
        return self._pairing.list(account, self._clock(), self.pairing_ttl(account))

    def approve_pairing(self, code: str, *, account: str | None = None, approver: str = "") -> PairingRequest:
        request = self._find_request(code, account)
        rt = self._account(request.account)
        # Grant first, consume the code after: a failed write never loses the request.
        self._stores.approved.add(ApprovedEntry(request.user_id, request.account, "pairing", self._clock(),
                                                request.name, approver))
        self._pairing.take(request.code, request.account, self._clock(), self.pairing_ttl(request.account))
        self._refresh_access(request.account)
        log.info("zalouser %s: pairing %s approved for %s by %s", request.account, request.code,
                 request.user_id, approver or "?")
        text = render_approved_text(rt.config.pairing, request.user_id, request.name, prefix=self._prefix)
        if text.strip():
            self.send_text(rt.account_id, Target(request.user_id), text)
        return request

    def deny_pairing(self, code: str, *, account: str | None = None) -> PairingRequest:
        request = self._find_request(code, account)
        self._pairing.take(request.code, request.account, self._clock(), self.pairing_ttl(request.account))
        return request

    def _find_request(self, code: str, account: str | None) -> PairingRequest:
        if account is not None:
            self._account(account)  # an unknown account is NotFound too
        request = self._pairing.find(code, account, self._clock(), self.pairing_ttl(account))
        if request is None:
            raise NotFound(f"No pending pairing request found for code: {normalize_code(code)}")
        return request

    def pairing_ttl(self, account: str | None = None) -> float:
        """Seconds a pending pairing request lives, counted from its creation."""
        return self._account(account).config.pairing.ttl_seconds

    def revoke(self, user: str, *, account: str | None = None) -> ApprovedEntry:
        rt = self._account(account)
        entries = self._stores.approved.entries(rt.account_id)
        user_id = ids.user_id(user)
        text = user_id or ids.strip_scheme(user)
        if user_id:
            matches = [e for e in entries if e.user_id == user_id]
        else:
            matches = [e for e in entries if ids.name_key(e.name) == ids.name_key(text)]
        if len(matches) > 1:
            raise AmbiguousName(user, [(e.user_id, e.name) for e in matches])
        if not matches:
            if text in access.configured_user_ids(rt, rt.config.allow_from):
                raise PolicyError(f"{text} is in the configuration (allowFrom); remove it there and restart.")
            raise NotFound(f"{user} is not an approved sender on account {rt.account_id}.")
        removed = self._stores.approved.remove(rt.account_id, matches[0].user_id)
        self._refresh_access(rt.account_id)
        return removed or matches[0]

    # --- ZalouserApi: allowlist ---------------------------------------------------------------

    def allowlist(self, account: str | None = None) -> AllowlistView:
        rt = self._account(account)
        return AllowlistView(
            account=rt.account_id,
            dm_policy=rt.config.dm_policy,
            group_policy=rt.config.group_policy,
            dm=access.dm_view(rt, self._stores.approved, self._admin_ids),
            groups=access.group_view(rt, self._stores.group_allow),
        )

    def allow_user(self, user: str, *, account: str | None = None, by: str = "") -> ApprovedEntry:
        rt = self._account(account)
        found = self._resolve_user(rt, user)
        entry = ApprovedEntry(found.user_id, rt.account_id, "chat", self._clock(), _known_name(found), by)
        if not self._stores.approved.add(entry):
            raise PolicyError(f"{found.user_id} is already approved on account {rt.account_id}.")
        self._refresh_access(rt.account_id)
        return entry

    def disallow_user(self, user: str, *, account: str | None = None) -> ApprovedEntry:
        return self.revoke(user, account=account)

    def allow_group(self, group: str, *, account: str | None = None, by: str = "") -> GroupAllowEntry:
        rt = self._account(account)
        found = self._resolve_group(rt, group)
        entry = GroupAllowEntry(found.group_id, rt.account_id, self._clock(), found.name, by)
        if not self._stores.group_allow.add(entry):
            raise PolicyError(f"group {found.group_id} is already allowlisted on account {rt.account_id}.")
        self._refresh_access(rt.account_id)
        return entry

    def disallow_group(self, group: str, *, account: str | None = None) -> GroupAllowEntry:
        rt = self._account(account)
        found = self._resolve_group(rt, group)
        removed = self._stores.group_allow.remove(rt.account_id, found.group_id)
        if removed is None:
            configured = {ids.group_id(k) or ids.name_key(ids.strip_scheme(k)) for k in rt.config.groups}
            configured |= {gid for _name, gid in rt.groups.resolved}
            if found.group_id in configured or ids.name_key(found.name) in configured:
                raise PolicyError(f"group {found.group_id} is in the configuration (groups); remove it there and restart.")
            raise NotFound(f"group {found.group_id} was not added from chat on account {rt.account_id}.")
        self._refresh_access(rt.account_id)
        return removed

    def _resolve_user(self, rt: AccountRuntime, user: str) -> ZaloUser:
        user_id = ids.user_id(user)
        if user_id:
            return ZaloUser(user_id=user_id)
        text = ids.strip_scheme(user)
        matches = rt.directory.find_users_exact(text)
        if len(matches) > 1:
            raise AmbiguousName(text, [(u.user_id, u.name) for u in matches])
        if not matches:
            raise NotFound(f'No friend named "{text}" on account {rt.account_id}; use the Zalo id '
                           f"(see {self._prefix}directory peers {text}).")
        return matches[0]

    def _resolve_group(self, rt: AccountRuntime, group: str) -> ZaloGroup:
        group_id = ids.group_id(group)
        if group_id:
            return ZaloGroup(group_id=group_id)
        return rt.directory.resolve_group(ids.strip_scheme(group))

    # --- ZalouserApi: directory ---------------------------------------------------------------

    def directory_self(self, account: str | None = None, *, refresh: bool = False) -> ZaloUser:
        return self._account(account).directory.self_info(refresh=refresh)

    def search_peers(self, query: str, *, account: str | None = None, limit: int = 20,
                     refresh: bool = False) -> SearchResult[ZaloUser]:
        return self._account(account).directory.peers(query, limit, refresh=refresh)

    def search_groups(self, query: str, *, account: str | None = None, limit: int = 20,
                      refresh: bool = False) -> SearchResult[ZaloGroup]:
        return self._account(account).directory.groups(query, limit, refresh=refresh)

    def group_members(self, group: str, *, account: str | None = None, limit: int = 50,
                      refresh: bool = False) -> tuple[ZaloGroup, SearchResult[ZaloUser]]:
        rt = self._account(account)
        found = self._resolve_group(rt, group)
        return found, rt.directory.members(found.group_id, limit, refresh=refresh)

    # --- ZalouserApi: status ------------------------------------------------------------------

    def status(self, *, probe: bool = False) -> list[AccountStatus]:
        return [self._account_status(rt, self._dispatcher.account_stats(rt.account_id), probe)
                for rt in self._accounts.values()]

    def _account_status(self, rt: AccountRuntime, stats, probe: bool) -> AccountStatus:
        version, logged_in, warnings = self._live_checks(rt)
        listener = rt.listener.stats if rt.listener else None
        return AccountStatus(
            account=rt.account_id,
            profile=rt.config.profile,
            enabled=rt.config.enabled,
            zca_version=version,
            logged_in=logged_in,
            listener_state=listener.state.name.lower() if listener else "stopped",
            restarts=listener.restarts if listener else 0,
            last_error=rt.activity.last_error or (listener.last_error if listener else "") or "",
            last_inbound_at=rt.activity.last_inbound_at,
            last_outbound_at=rt.activity.last_outbound_at,
            queue_depth=stats.queued,
            failed_sends=stats.failed,
            dm_policy=rt.config.dm_policy,
            group_policy=rt.config.group_policy,
            warnings=tuple(warnings),
            probe=self._probe(rt) if probe and rt.config.enabled and logged_in else None,
        )

    def _live_checks(self, rt: AccountRuntime) -> tuple[str | None, bool | None, list[str]]:
        warnings: list[str] = []
        version: str | None = None
        logged_in: bool | None = None
        try:
            version = rt.client.version()
            logged_in = rt.client.is_authenticated()
        except ZcaNotFound:
            warnings.append(f"zca CLI not found ({self.settings.zca}); install zca-cli or openzca, or set ZALOUSER_ZCA")
        except ZcaError as exc:
            warnings.append(f"zca check failed: {exc}")
        if logged_in is False:
            warnings.append("Not authenticated (no zca session); run: python -m errbot_zalouser login "
                            f"--account {rt.account_id}")
        if rt.config.dm_policy == DmPolicy.OPEN:
            warnings.append('dmPolicy is "open", allowing any user to message the bot without pairing; '
                            'set dmPolicy to "pairing" or "allowlist" to restrict access')
        if "*" in rt.config.allow_from and rt.config.dm_policy in (DmPolicy.PAIRING, DmPolicy.ALLOWLIST):
            warnings.append(f'allowFrom contains "*": dmPolicy={rt.config.dm_policy} admits everyone')
        return version, logged_in, warnings

    def _probe(self, rt: AccountRuntime) -> ProbeResult:
        try:
            return ProbeResult(ok=True, user=rt.client.me_info())
        except ZcaError as exc:
            return ProbeResult(ok=False, error=exc.stderr.strip() or str(exc))

    # --- helpers ------------------------------------------------------------------------------

    def _account(self, account: str | None) -> AccountRuntime:
        key = account or self.default_account
        try:
            return self._accounts[key]
        except KeyError:
            raise NotFound(f"unknown account {key!r}; accounts: {', '.join(self._accounts)}") from None

    def find_group(self, group: str, account: str | None = None) -> ZaloGroup:
        """A group by id, `group:<id>` or exact name (NotFound, AmbiguousName)."""
        return self._resolve_group(self._account(account), group)

    def group_exists(self, group_id: str, account: str | None = None) -> bool:
        """True when the account is a member of the group (its group list, cached, has the id).
        A failing `zca` raises its ZcaError: "cannot tell" is not "no"."""
        rt = self._account(account)
        try:
            rt.directory.resolve_group(group_id, strict=True)
        except NotFound:
            return False
        return True

    def list_groups(self, account: str | None = None) -> list[ZaloGroup]:
        return list(self._account(account).directory.groups("", 10_000).rows)

    def members_of(self, group_id: str, account: str | None = None) -> list[ZaloUser]:
        return list(self._account(account).directory.members(group_id, 10_000).rows)


def _known_name(user: ZaloUser) -> str:
    """The user's name if the directory knew one ("" for an id typed by hand; ``.name`` falls back to the id)."""
    return user.display_name or user.zalo_name or user.username
