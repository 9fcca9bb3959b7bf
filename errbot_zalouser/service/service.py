"""ZalouserService: the application behind the Errbot backend (no errbot import here).

A thin facade over the parts that do the work, one file each:

- ``account.py``: ``Accounts``, one ``AccountRuntime`` per configured account (its transport,
  directory cache, listener, start-up name resolution);
- ``transports.py``: how each account reaches Zalo, the `zca` tool or the zca-js engine (its
  ``engine`` setting), behind one client interface;
- ``access.py``: ``AccessControl``, the gate (where a stranger's message is refused), the
  side-effect-free check, pairing and allowlist edits, and the cache of effective lists;
- ``outbox.py``: ``Outbox``, where every reply, file and reaction is queued (chunking, send pool,
  journal; ``outgoing.py`` stages files from streams);
- ``media.py``: each account's folder of received files (paths vetted, old files swept);
- ``seen.py``: the messages each thread showed the bot lately (what a reaction or quote refers to);
- ``status.py``: what ``!zalouser status`` reports.

It implements ``ZalouserApi`` (``api.py``) for the companion plugins, and the life cycle the
backend drives: ``from_bot_config``, ``preflight``, ``start(on_event, on_state)``, ``admit`` for
every event, ``stop``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from errbot_zalouser import untrusted
from errbot_zalouser.config import load_settings
from errbot_zalouser.config.admins import admin_user_ids, check_admins
from errbot_zalouser.errors import NotFound, ZalouserError
from errbot_zalouser.locks import claim_instance
from errbot_zalouser.model import (
    ApprovedEntry,
    GroupAllowEntry,
    Inbound,
    InboundEvent,
    InboundReaction,
    PairingRequest,
    Target,
    ZaloGroup,
    ZaloUser,
)
from errbot_zalouser.policy.access import Decision, Outcome
from errbot_zalouser.service.access import AccessControl, Admission
from errbot_zalouser.service.account import AccountRuntime, Accounts
from errbot_zalouser.service.api import AccountStatus, AllowlistView, PairingWaitlist, SearchResult, ZalouserApi
from errbot_zalouser.service.directory import DirectoryCache
from errbot_zalouser.service.health import DataFolderHealth, tell_login_change
from errbot_zalouser.service.media import MediaFolders
from errbot_zalouser.service.outbox import Done, Outbox
from errbot_zalouser.service.preflight import StartupError, check_account, learn_zca
from errbot_zalouser.service.replay import ReplayGuard
from errbot_zalouser.service.status import account_status
from errbot_zalouser.service.transports import ListenerFactory, ListenerHandle, account_transport, listener_settings
from errbot_zalouser.settings import AccountConfig, EngineKind, Settings
from errbot_zalouser.stores.base import Stores
from errbot_zalouser.stores.jsonfile import open_stores
from errbot_zalouser.transport.capabilities import TOOL_ENV, Capabilities
from errbot_zalouser.transport.client import Runner
from errbot_zalouser.transport.listener import Listener, ListenerState
from errbot_zalouser.transport.runner import CliRunner

log = logging.getLogger(__name__)

_EVERYTHING = 10_000  # rows asked of the directory when a caller wants a whole list


@dataclass(frozen=True)
class ListenerChange:
    """An account's listener changed state: ``state`` is stopped, starting, connected, backoff
    or stopping; ``detail`` says why (empty when there is nothing to add)."""

    state: str
    detail: str = ""

    @property
    def connected(self) -> bool:
        return self.state == ListenerState.CONNECTED.value


EventSink = Callable[[str, Inbound], None]
StateSink = Callable[[str, ListenerChange], None]


class ZalouserService:
    """Accounts, gate, directory, outbox. See service/api.py for the plugin-facing part."""

    def __init__(
        self,
        settings: Settings,
        data_dir: str | Path,
        *,
        runner: Runner | None = None,
        stores: Stores | None = None,
        notify_admins: Callable[[str], None] | None = None,
        command_prefix: str = "!",
        clock: Callable[[], float] = time.time,
        directory_ttl: float = 300.0,
        admin_ids: frozenset[str] = frozenset(),
        listener_factory: ListenerFactory = Listener,
        exclusive: bool = False,
        journal_dir: Path | None = None,
        engines: bool = True,
    ) -> None:
        """``exclusive``: this is the bot, so take the instance locks first (AlreadyRunning when
        another bot holds the data folder or a profile). ``journal_dir``: where the outbox keeps
        its journal (default ``<data_dir>/zalouser``, the bot's; the operator CLI uses its own).
        ``engines``: False makes every account use the `zca` tool whatever its ``engine`` (the
        operator CLI: the bot's engine holds the account's one session). Raises EngineNotInstalled
        when an account needs the zca-js engine and it is not installed."""
        self.settings = settings
        self.default_account = settings.default_account
        self._claim = claim_instance(Path(data_dir), self._profiles(settings)) if exclusive else None
        runner = runner or CliRunner(settings.zca, env=TOOL_ENV)
        self._runner = runner
        self.capabilities = Capabilities.oldest()  # what the zca binary supports; probed by preflight
        self._listener_factory = listener_factory
        self._engines = engines
        try:
            self.accounts = Accounts((self._runtime(a, directory_ttl) for a in settings.accounts),
                                     settings.default_account)
        except ZalouserError:
            self._release_claim()
            raise
        notify_admins = notify_admins or _log_notice
        self._notify = notify_admins
        self.health = DataFolderHealth(Path(data_dir) / "zalouser", notify_admins, clock)
        self.replay = ReplayGuard(Path(data_dir) / "zalouser", settings.listener.max_event_age_seconds, clock)
        self.outbox = Outbox(self.accounts, settings.outbound, journal_dir or Path(data_dir) / "zalouser", clock=clock,
                             health=self.health, notify_admins=notify_admins)
        self.access = AccessControl(
            self.accounts, stores or open_stores(Path(data_dir)), self.outbox,
            notify_admins=notify_admins, command_prefix=command_prefix,
            admin_ids=admin_ids, clock=clock, health=self.health,
        )
        self.media = MediaFolders(Path(settings.media.folder or Path(data_dir) / "zalouser" / "media"),
                                  self.accounts.ids(), settings.media.retention_hours, clock=clock)
        self._started = False

    @classmethod
    def from_bot_config(cls, bot_config: Any, *, notify_admins: Callable[[str], None] | None = None,
                        **options: Any) -> ZalouserService:
        """The service errbot's config.py describes: ``ZALOUSER``/``ZALOUSER_CONFIG``/``ZALOUSER_ZCA``,
        ``BOT_DATA_DIR``, ``BOT_PREFIX`` and ``BOT_ADMINS`` (whose Zalo ids always pass the DM gate).
        By default it is the bot's, holding the instance locks (``exclusive``). Raises ConfigError,
        AlreadyRunning. ``options`` go to the constructor."""
        bot_admins = getattr(bot_config, "BOT_ADMINS", ())
        notes = check_admins(bot_admins)
        settings = load_settings(bot_config)
        if notes:
            settings = replace(settings, warnings=settings.warnings + tuple(notes))
        options.setdefault("exclusive", True)
        options.setdefault("admin_ids", admin_user_ids(bot_admins))
        return cls(settings, bot_config.BOT_DATA_DIR, notify_admins=notify_admins,
                   command_prefix=getattr(bot_config, "BOT_PREFIX", "!"), **options)

    @staticmethod
    def _profiles(settings: Settings) -> list[str]:
        return [a.profile for a in settings.accounts if a.enabled]

    def _runtime(self, config: AccountConfig, ttl: float) -> AccountRuntime:
        transport = account_transport(config, self.settings, self._runner, listener_factory=self._listener_factory,
                                      engines=self._engines)
        client = transport.client
        directory = DirectoryCache(client.friend_list, client.group_list, client.group_members, client.me_info, ttl=ttl)
        return AccountRuntime(config=config, transport=transport, directory=directory)

    # --- life cycle ---------------------------------------------------------------------------

    def preflight(self) -> None:
        """Learn what the zca binary supports, check every enabled account's login and learn each
        account's own user id."""
        for warning in self.settings.warnings:
            log.warning("zalouser config: %s", warning)
        if not self.accounts.enabled:
            raise StartupError("no enabled Zalouser account: set enabled: true in the ZALOUSER block")
        if any(rt.transport.kind is EngineKind.CLI for rt in self.accounts.enabled):
            self.learn_zca()
        for rt in self.accounts.enabled:
            check_account(rt, self.settings.zca)

    def learn_zca(self) -> Capabilities:
        """Probe what the zca binary supports (once per binary and version) and give the answer to
        every account that uses it (an engine account's client describes itself; see
        service.preflight). StartupError when the executable is missing."""
        self.capabilities = learn_zca(self._runner, self.settings.zca, self.accounts)
        return self.capabilities

    def start(self, on_event: EventSink, on_state: StateSink | None = None) -> None:
        """Resolve configured names, start the send pool, then one listener per enabled account."""
        if self._started:
            return
        self._started = True
        for rt in self.accounts.enabled:
            rt.resolve_names()
            self.access.invalidate(rt.account_id)
            self.access.lists(rt.account_id)  # built now: a store that cannot be read stops the start
        self.outbox.start()
        self.media.start(rt.account_id for rt in self.accounts.enabled)
        for rt in self.accounts.enabled:
            rt.listener = self._make_listener(rt, on_event, on_state)
            rt.listener.start()

    def _make_listener(self, rt: AccountRuntime, on_event: EventSink, on_state: StateSink | None) -> ListenerHandle:
        cfg = self.settings.listener
        account = rt.account_id
        media = self.media[account]

        def event_arrived(event: Inbound) -> None:
            on_event(account, media.vet(event) if isinstance(event, InboundEvent) else event)

        def state_changed(state: ListenerState, detail: str) -> None:
            if detail and state is not ListenerState.CONNECTED:
                rt.activity.last_error = detail
            tell_login_change(rt, state, self._notify, cfg.logged_out_retry_seconds)
            if on_state:
                on_state(account, ListenerChange(state.value, detail))

        supervised = self.capabilities.supervised and self.capabilities.heartbeat_ms
        return rt.transport.listen(event_arrived, state_changed, listener_settings(cfg, supervised=supervised),
                                   media.listener_env(rt.config.media_max_bytes))

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listeners, give queued sends a moment, stop the pool (the journal keeps the rest),
        then end what the transports run (the engines, which sent until then)."""
        for rt in self.accounts:
            if rt.listener is not None:
                rt.listener.stop(timeout=timeout)
        self.media.stop(timeout)
        if self._started:
            self.outbox.stop(timeout)
        self.replay.close()
        self._started = False
        for rt in self.accounts:
            rt.transport.close(timeout)
        self._release_claim()

    def _release_claim(self) -> None:
        if self._claim is not None:
            self._claim.release()
            self._claim = None

    # --- for the backend ----------------------------------------------------------------------

    def admit(self, account: str, event: InboundEvent) -> Admission:
        """The gate: a replayed or stale event is dropped (ReplayGuard), then AccessControl.admit.
        A message that passes is remembered, so that plugins may react to it and quote it."""
        stale = self.replay.check(account, event)
        if stale:
            return Admission(Outcome.DROP, stale)
        admission = self.access.admit(account, event)
        if admission.dispatch:
            self.outbox.remember(account, event)
        return admission

    def admit_reaction(self, account: str, reaction: InboundReaction) -> Admission:
        """Whether a reaction may reach Errbot: not a replay (ReplayGuard), then AccessControl.admit_reaction."""
        stale = self.replay.check(account, reaction)
        return Admission(Outcome.DROP, stale) if stale else self.access.admit_reaction(account, reaction)

    def self_ids(self) -> frozenset[str]:
        return self.accounts.self_ids()

    def self_user(self, account: str | None = None) -> ZaloUser | None:
        return self.accounts.get(account).self_user

    def drain(self, timeout: float) -> bool:
        """Wait until every queued reply is sent or failed; False when ``timeout`` passed first."""
        return self.outbox.drain(timeout)

    def find_group(self, group: str, account: str | None = None) -> ZaloGroup:
        """A group by id, `group:<id>` or exact name (NotFound, AmbiguousName)."""
        return self.accounts.get(account).find_group(group)

    def group_exists(self, group_id: str, account: str | None = None) -> bool:
        """True when the account is a member of the group (its group list, cached, has the id).
        A failing `zca` raises its ZcaError: "cannot tell" is not "no"."""
        rt = self.accounts.get(account)
        try:
            rt.directory.resolve_group(group_id, strict=True)
        except NotFound:
            return False
        return True

    def list_groups(self, account: str | None = None) -> list[ZaloGroup]:
        return list(self.accounts.get(account).directory.groups("", _EVERYTHING).rows)

    def members_of(self, group_id: str, account: str | None = None) -> list[ZaloUser]:
        return list(self.accounts.get(account).directory.members(group_id, _EVERYTHING).rows)

    # --- ZalouserApi: sending -----------------------------------------------------------------

    def send_text(self, account: str | None, target: Target, text: str, *, mentions: Sequence[str] = (),
                  reply_to: str | None = None) -> int:
        """Queue literal text (shown exactly as given), split into chunks; returns the number of
        chunks queued. In a group, ``mentions`` (user ids) are mentioned in front of the text.
        ``reply_to``: the message id of ``target`` it answers, quoted where the zca binary can."""
        return self.outbox.send_text(account, target, text, mentions=mentions, reply_to=reply_to)

    def send_markdown(self, account: str | None, target: Target, markdown: str, *,
                      mentions: Sequence[str] = (), reply_to: str | None = None) -> int:
        """Queue an Errbot Markdown reply (as Zalo styles where the account's zca has them)."""
        return self.outbox.send_markdown(account, target, markdown, mentions=mentions, reply_to=reply_to)

    def send_card(self, account: str | None, target: Target, **card: Any) -> int:
        """Queue an Errbot card (the keyword arguments of ``richtext.card.card_markdown``): its text,
        then its picture as a photo."""
        return self.outbox.send_card(account, target, **card)

    def send_stream(self, account: str | None, target: Target, source: Any, *, name: str | None,
                    stream_type: str | None = None, size: int | None = None, on_done: Done | None = None) -> None:
        """Stage a binary stream as a private file (at most the account's ``mediaMaxMb``) and queue
        it as a photo, video, voice message or file (see ``service.outgoing.file_kind``);
        ``on_done(None or error)`` is called once it is sent or has failed for good. Raises
        MediaError, before anything is queued, when the stream cannot be sent."""
        self.outbox.send_stream(account, target, source, name=name, stream_type=stream_type, size=size,
                                on_done=on_done)

    def react(self, account: str | None, target: Target, message_id: str, reaction: str) -> None:
        """Queue a reaction to a message of ``target`` the bot was shown (see Outbox.react)."""
        self.outbox.react(account, target, message_id, reaction)

    def send_url(self, account: str | None, target: Target, url: str, caption: str = "") -> None:
        """Queue an http(s) URL as media chosen by its ending (image, video, voice, file), with a
        caption; ValueError for any other URL (see Outbox.send_url)."""
        self.outbox.send_url(account, target, url, caption)

    def send_link(self, account: str | None, target: Target, url: str) -> None:
        """Queue a URL for `msg link` (a link preview)."""
        self.outbox.send_link(account, target, url)

    # --- ZalouserApi: pairing, allowlist, policy ----------------------------------------------

    def account_ids(self) -> list[str]:
        return self.accounts.ids()

    def pairing_requests(self, account: str | None = None) -> list[PairingRequest]:
        return self.access.pairing_requests(account)

    def pairing_ttl(self, account: str | None = None) -> float:
        return self.access.pairing_ttl(account)

    def pairing_waitlist(self, account: str | None = None) -> PairingWaitlist:
        return self.access.pairing_waitlist(account)

    def approve_pairing(self, code: str, *, account: str | None = None, approver: str = "") -> PairingRequest:
        return self.access.approve_pairing(code, account=account, approver=approver)

    def deny_pairing(self, code: str, *, account: str | None = None) -> PairingRequest:
        return self.access.deny_pairing(code, account=account)

    def revoke(self, user: str, *, account: str | None = None) -> ApprovedEntry:
        return self.access.revoke(user, account=account)

    def allowlist(self, account: str | None = None) -> AllowlistView:
        return self.access.allowlist(account)

    def allow_user(self, user: str, *, account: str | None = None, by: str = "") -> ApprovedEntry:
        return self.access.allow_user(user, account=account, by=by)

    def disallow_user(self, user: str, *, account: str | None = None) -> ApprovedEntry:
        return self.access.disallow_user(user, account=account)

    def allow_group(self, group: str, *, account: str | None = None, by: str = "") -> GroupAllowEntry:
        return self.access.allow_group(group, account=account, by=by)

    def disallow_group(self, group: str, *, account: str | None = None) -> GroupAllowEntry:
        return self.access.disallow_group(group, account=account)

    def check(self, account: str | None, sender_id: str, group_id: str | None = None) -> Decision:
        return self.access.check(account, sender_id, group_id)

    # --- ZalouserApi: directory and status ----------------------------------------------------

    def directory_self(self, account: str | None = None, *, refresh: bool = False) -> ZaloUser:
        return self.accounts.get(account).directory.self_info(refresh=refresh)

    def search_peers(self, query: str, *, account: str | None = None, limit: int = 20,
                     refresh: bool = False) -> SearchResult[ZaloUser]:
        return self.accounts.get(account).directory.peers(query, limit, refresh=refresh)

    def search_groups(self, query: str, *, account: str | None = None, limit: int = 20,
                      refresh: bool = False) -> SearchResult[ZaloGroup]:
        return self.accounts.get(account).directory.groups(query, limit, refresh=refresh)

    def group_members(self, group: str, *, account: str | None = None, limit: int = 50,
                      refresh: bool = False) -> tuple[ZaloGroup, SearchResult[ZaloUser]]:
        rt = self.accounts.get(account)
        found = rt.find_group(group)
        return found, rt.directory.members(found.group_id, limit, refresh=refresh)

    def status(self, *, probe: bool = False) -> list[AccountStatus]:
        extra = tuple(w for w in (self.health.warning,) if w)
        statuses = []
        for rt in self.accounts:
            status = account_status(rt, self.outbox.stats(rt.account_id), zca=self.settings.zca, probe=probe,
                                    extra_warnings=extra, first_contacts=self.access.first_contacts(rt.account_id))
            counts = self.replay.counts(rt.account_id)
            statuses.append(replace(status, old_events=counts.old, replayed_events=counts.replayed))
        return statuses


def _log_notice(text: str) -> None:
    log.warning("admin notice: %s", untrusted.for_log(text))


if TYPE_CHECKING:  # mypy proves what tests/service/test_api.py checks at run time

    def _implements_api(service: ZalouserService) -> ZalouserApi:
        return service
