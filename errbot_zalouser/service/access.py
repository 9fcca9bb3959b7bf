"""Access control: who may reach the bot, and the chat commands that change it.

- ``admit`` is the gate every inbound event passes before Errbot sees it: the bot's own
  messages are dropped, then ``policy.access`` decides over the account's effective lists, and an
  unknown DM sender under ``dmPolicy=pairing`` is challenged (a code is stored, sent to them and
  announced to the admins). This is where a stranger's message is refused.
- ``check`` is the same decision without side effects (the companion command filter uses it).
- Pairing (``pairing_requests``, ``approve_pairing``, ``deny_pairing``, ``revoke``) and allowlist
  edits (``allow_user``, ``allow_group``...) change the stores the lists are built from.

The effective lists of an account (config ids, names resolved at start-up, approved senders and
chat-added groups, BOT_ADMINS ids) are cached here, with the stores' ``signature()`` they were
built from: a change to a store file by anyone (an edit by hand, a restored backup, an import
run beside the bot) is seen at the next message, for the price of a stat per store. Whatever
changes the start-up resolution calls ``invalidate``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from errbot_zalouser import ids
from errbot_zalouser.errors import AmbiguousName, NotFound, PolicyError, StoreError
from errbot_zalouser.model import (
    ApprovedEntry,
    GroupAllowEntry,
    InboundEvent,
    InboundReaction,
    PairingRequest,
    Target,
    ZaloUser,
)
from errbot_zalouser.policy.access import (
    AccessLists,
    Decision,
    Outcome,
    decide_dm,
    decide_group,
)
from errbot_zalouser.policy.mention import addressed_text, is_mentioned
from errbot_zalouser.policy.pairing import normalize_code, render_approved_text
from errbot_zalouser.service import lists as effective
from errbot_zalouser.service.account import AccountRuntime, Accounts
from errbot_zalouser.service.api import AllowlistView, PairingWaitlist
from errbot_zalouser.service.health import DataFolderHealth
from errbot_zalouser.service.newcomers import PairingDesk
from errbot_zalouser.service.outbox import Outbox
from errbot_zalouser.service.pairing import PairingBook
from errbot_zalouser.stores.base import Stores

log = logging.getLogger(__name__)


class Admission(NamedTuple):
    """The gate's answer for one inbound event, in the terms the backend acts on (a tuple: one
    is made per inbound message, and a tuple is the cheapest immutable value to build)."""

    outcome: Outcome
    reason: str  # short, for the drop log
    mentioned: bool = False  # a dispatched event that mentions the bot (errbot's callback_mention)
    text: str = ""  # what Errbot reads: the text after a leading mention of the bot, else the whole

    @property
    def dispatch(self) -> bool:
        """Hand the event to Errbot."""
        return self.outcome is Outcome.DISPATCH


#: How long ``check`` (the companion command filter's re-check of a message the gate has just
#: admitted) trusts lists the gate validated: without it every command would stat the stores
#: twice more, and each of those system calls hands the GIL to errbot's threads (about 50 µs a
#: command under load, a fifth of the inbound path). The gate itself always looks.
RECHECK_TRUST_SECONDS = 0.5


class AccessControl:
    """The gate, the side-effect-free check, pairing and allowlist edits, over cached lists."""

    def __init__(
        self,
        accounts: Accounts,
        stores: Stores,
        outbox: Outbox,
        *,
        notify_admins: Callable[[str], None],
        command_prefix: str = "!",
        admin_ids: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.time,
        health: DataFolderHealth | None = None,
    ) -> None:
        self._accounts = accounts
        self._stores = stores
        self._pairing = PairingBook(stores.pairing)
        self._outbox = outbox
        self._notify_admins = notify_admins
        self._prefix = command_prefix
        self._admin_ids = admin_ids  # BOT_ADMINS ids: always admitted to DMs, so they can approve codes
        self._clock = clock
        self._health = health or DataFolderHealth(Path("."), notify_admins, clock)
        self._desk = PairingDesk(self._pairing, outbox, notify_admins, prefix=command_prefix, clock=clock,
                                 health=self._health)
        self._lists: dict[str, tuple[object, AccessLists]] = {}
        self._validated: dict[str, float] = {}  # account -> time.monotonic() the lists last matched the stores
        self._lock = threading.Lock()

    # --- the effective lists ------------------------------------------------------------------

    def lists(self, account: str, *, trust_for: float = 0.0) -> AccessLists:
        """The account's effective lists, rebuilt when a store changed since they were built.
        ``trust_for``: lists validated against the stores that many seconds ago or less are
        returned without looking at the stores again."""
        cached = self._lists.get(account)
        validated = self._validated.get(account)
        if cached is not None and validated is not None and time.monotonic() - validated < trust_for:
            return cached[1]
        signature = (self._stores.approved.signature(), self._stores.group_allow.signature())
        if cached is not None and cached[0] == signature:
            self._validated[account] = time.monotonic()
            return cached[1]
        with self._lock:  # builds and invalidations do not interleave: no stale list outlives a change
            cached = self._lists.get(account)
            if cached is None or cached[0] != signature:
                lists = effective.build_access_lists(self._accounts.get(account), self._stores.approved,
                                                     self._stores.group_allow, self._admin_ids)
                cached = (signature, lists)
                self._lists[account] = cached
            self._validated[account] = time.monotonic()
            return cached[1]

    def invalidate(self, account: str | None = None) -> None:
        """Forget the cached lists of ``account`` (of every account for None)."""
        with self._lock:
            if account is None:
                self._lists.clear()
                self._validated.clear()
            else:
                self._lists.pop(account, None)
                self._validated.pop(account, None)

    # --- the gate -----------------------------------------------------------------------------

    def admit(self, account: str, event: InboundEvent) -> Admission:
        """Decide whether an inbound event may reach Errbot; the pairing challenge is sent here."""
        rt = self._accounts.get(account)
        rt.activity.last_inbound_at = self._clock()
        if event.sender_id in self._accounts.self_ids():
            return Admission(Outcome.DROP, "own message")
        lists = self.lists(rt.account_id)
        if event.is_group:
            addressed = addressed_text(event, rt.self_id, self._self_name(rt))
            mentioned = addressed is not None or self._mentioned(rt, event)
            decision = decide_group(rt.config, event.thread_id, event.thread_name, event.sender_id,
                                    mentioned=mentioned, lists=lists)
            return Admission(decision.outcome, decision.reason, decision.dispatch and mentioned,
                             event.content if addressed is None else addressed)
        decision = decide_dm(rt.config, event.sender_id, lists)
        if decision.outcome is Outcome.CHALLENGE:
            decision = self._challenge(rt, event, decision)
        return Admission(decision.outcome, decision.reason, decision.dispatch and self._mentioned(rt, event),
                         event.content)

    def admit_reaction(self, account: str, reaction: InboundReaction) -> Admission:
        """Whether a reaction may reach Errbot: its sender must be one who may use the bot there
        (no pairing reply, no mention needed); the bot's own reactions are dropped."""
        rt = self._accounts.get(account)
        if reaction.sender_id in self._accounts.self_ids():
            return Admission(Outcome.DROP, "own reaction")
        decision = self.check(rt.account_id, reaction.sender_id, reaction.thread_id if reaction.is_group else None)
        if decision.outcome is Outcome.CHALLENGE:
            return Admission(Outcome.DROP, f"{decision.reason}; reactions get no pairing reply")
        return Admission(decision.outcome, decision.reason)

    def check(self, account: str | None, sender_id: str, group_id: str | None = None) -> Decision:
        """The policy decision for a sender, without side effects (no pairing reply, no request).
        A mention requirement is not re-checked: this answers who may use the bot, not when."""
        rt = self._accounts.get(account)
        lists = self.lists(rt.account_id, trust_for=RECHECK_TRUST_SECONDS)
        if group_id is not None:
            return decide_group(rt.config, group_id, "", sender_id, mentioned=True, lists=lists)
        return decide_dm(rt.config, sender_id, lists)

    @staticmethod
    def _mentioned(rt: AccountRuntime, event: InboundEvent) -> bool:
        return is_mentioned(event, rt.self_id, AccessControl._self_name(rt))

    @staticmethod
    def _self_name(rt: AccountRuntime) -> str:
        return rt.self_user.display_name or rt.self_user.zalo_name if rt.self_user else ""

    def _challenge(self, rt: AccountRuntime, event: InboundEvent, decision: Decision) -> Decision:
        return self._desk.challenge(rt, event, decision)

    # --- pairing ------------------------------------------------------------------------------

    def pairing_requests(self, account: str | None = None) -> list[PairingRequest]:
        if account is not None:
            self._accounts.get(account)
        requests = self._pairing.list(account, self._clock(), self.pairing_ttl(account))
        return [r for r in requests if not self._is_approved(r)]

    def _is_approved(self, request: PairingRequest) -> bool:
        """A request whose sender is approved is spent, whatever pairing.json still says."""
        return request.user_id in self._stores.approved.ids(request.account)

    def pairing_ttl(self, account: str | None = None) -> float:
        """Seconds a pending pairing request lives, counted from its creation."""
        return self._accounts.get(account).config.pairing.ttl_seconds

    def approve_pairing(self, code: str, *, account: str | None = None, approver: str = "") -> PairingRequest:
        """Grant, then remove the request. The grant is the one commit point: when it cannot be
        written (StoreError) nothing changed; once it is, the sender is admitted and the code is
        spent (``_is_approved``) even if pairing.json cannot be updated afterwards."""
        request = self._find_request(code, account)
        rt = self._accounts.get(request.account)
        self._stores.approved.add(ApprovedEntry(request.user_id, request.account, "pairing", self._clock(),
                                                request.name, approver))
        self.invalidate(request.account)
        self._health.accepted()
        try:
            self._pairing.take(request.code, request.account, self._clock(), self.pairing_ttl(request.account),
                               rt.config.pairing.cooldown_seconds)
        except StoreError as exc:
            log.warning("zalouser %s: pairing %s approved, but its request could not be removed from the "
                        "pairing file (%s); it stays void because the sender is approved",
                        request.account, request.code, exc)
        log.info("zalouser %s: pairing %s approved for %s by %s", request.account, request.code,
                 request.user_id, approver or "?")
        text = render_approved_text(rt.config.pairing, request.user_id, request.name, prefix=self._prefix)
        if text.strip():
            self._outbox.send_text(rt.account_id, Target(request.user_id), text)
        return request

    def deny_pairing(self, code: str, *, account: str | None = None) -> PairingRequest:
        """Void the code; its sender gets no new code for the cooldown (``pairing.cooldownSeconds``)."""
        request = self._find_request(code, account)
        pairing = self._accounts.get(request.account).config.pairing
        denied = self._pairing.deny(request.code, request.account, self._clock(), pairing.ttl_seconds,
                                    pairing.cooldown_seconds)
        return denied or request

    def pairing_waitlist(self, account: str | None = None) -> PairingWaitlist:
        rt = self._accounts.get(account) if account is not None else None
        return self._desk.waitlist(rt, self._accounts.enabled)

    def first_contacts(self, account: str) -> tuple[int, bool]:
        """(pairing replies to strangers in the last hour, whether pairing replies are paused)."""
        rt = self._accounts.get(account)
        return self._desk.first_contacts(rt.account_id, rt.config.pairing.first_contacts_per_hour)

    def _find_request(self, code: str, account: str | None) -> PairingRequest:
        if account is not None:
            self._accounts.get(account)  # an unknown account is NotFound too
        request = self._pairing.find(code, account, self._clock(), self.pairing_ttl(account))
        if request is None or self._is_approved(request):
            raise NotFound(f"No pending pairing request found for code: {normalize_code(code)}")
        return request

    def revoke(self, user: str, *, account: str | None = None) -> ApprovedEntry:
        rt = self._accounts.get(account)
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
            if text in effective.configured_user_ids(rt, rt.config.allow_from):
                raise PolicyError(f"{text} is in the configuration (allowFrom); remove it there and restart.")
            raise NotFound(f"{user} is not an approved sender on account {rt.account_id}.")
        removed = self._stores.approved.remove(rt.account_id, matches[0].user_id)
        self.invalidate(rt.account_id)
        return removed or matches[0]

    # --- allowlist ----------------------------------------------------------------------------

    def allowlist(self, account: str | None = None) -> AllowlistView:
        rt = self._accounts.get(account)
        return AllowlistView(
            account=rt.account_id,
            dm_policy=rt.config.dm_policy,
            group_policy=rt.config.group_policy,
            dm=effective.dm_view(rt, self._stores.approved, self._admin_ids),
            groups=effective.group_view(rt, self._stores.group_allow),
        )

    def allow_user(self, user: str, *, account: str | None = None, by: str = "") -> ApprovedEntry:
        rt = self._accounts.get(account)
        found = self._resolve_user(rt, user)
        entry = ApprovedEntry(found.user_id, rt.account_id, "chat", self._clock(), _known_name(found), by)
        if not self._stores.approved.add(entry):
            raise PolicyError(f"{found.user_id} is already approved on account {rt.account_id}.")
        self.invalidate(rt.account_id)
        return entry

    def disallow_user(self, user: str, *, account: str | None = None) -> ApprovedEntry:
        return self.revoke(user, account=account)

    def allow_group(self, group: str, *, account: str | None = None, by: str = "") -> GroupAllowEntry:
        rt = self._accounts.get(account)
        found = rt.find_group(group)
        entry = GroupAllowEntry(found.group_id, rt.account_id, self._clock(), found.name, by)
        if not self._stores.group_allow.add(entry):
            raise PolicyError(f"group {found.group_id} is already allowlisted on account {rt.account_id}.")
        self.invalidate(rt.account_id)
        return entry

    def disallow_group(self, group: str, *, account: str | None = None) -> GroupAllowEntry:
        rt = self._accounts.get(account)
        found = rt.find_group(group)
        removed = self._stores.group_allow.remove(rt.account_id, found.group_id)
        if removed is None:
            configured = {ids.group_id(k) or ids.name_key(ids.strip_scheme(k)) for k in rt.config.groups}
            configured |= {gid for _name, gid in rt.groups.resolved}
            if found.group_id in configured or ids.name_key(found.name) in configured:
                raise PolicyError(f"group {found.group_id} is in the configuration (groups); "
                                  "remove it there and restart.")
            raise NotFound(f"group {found.group_id} was not added from chat on account {rt.account_id}.")
        self.invalidate(rt.account_id)
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



def _known_name(user: ZaloUser) -> str:
    """The user's name if the directory knew one ("" for an id typed by hand; ``.name`` falls back to the id)."""
    return user.display_name or user.zalo_name or user.username
