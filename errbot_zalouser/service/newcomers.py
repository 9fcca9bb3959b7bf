"""The pairing challenge: what happens when an unknown sender writes under ``dmPolicy=pairing``.

- A sender with no request gets one (a code, a reply, one admin notice), unless the account's
  pending cap is full: then they are *turned away* (kept in memory for ``WAITING_SECONDS``) and
  the admins get one summary per ``summaryIntervalSeconds`` ("N newcomers waiting"), never a
  notice per message.
- A pending sender gets nothing new; a sender whose request was denied or expired waits the
  cooldown (``policy.pairing``) in silence.
- First contacts: a pairing reply goes to someone the account has never written to, and Zalo
  blocks accounts that write to too many strangers. After ``firstContactsPerHour`` replies in
  the last hour, requests are still recorded and announced but no reply is sent, and the admins
  are told once until the hour has room again.
- A pairing file that refuses writes (a full disk) is reported through ``DataFolderHealth``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from errbot_zalouser import untrusted
from errbot_zalouser.errors import StoreError
from errbot_zalouser.model import InboundEvent, PairingRequest, Target
from errbot_zalouser.policy.access import Decision, Outcome
from errbot_zalouser.policy.pairing import is_live, render_pairing_reply
from errbot_zalouser.service.account import AccountRuntime
from errbot_zalouser.service.api import CoolingDown, Newcomer, PairingWaitlist
from errbot_zalouser.service.health import DataFolderHealth
from errbot_zalouser.service.outbox import Outbox
from errbot_zalouser.service.pairing import PairingBook

WAITING_SECONDS = 86400.0  # a turned-away newcomer is listed this long after their last message
MAX_WAITING = 200  # turned-away newcomers remembered per account (the oldest are forgotten)
HOUR = 3600.0


@dataclass
class _AccountDesk:
    """Per account: who was turned away, the last summary, recent first contacts."""

    waiting: dict[str, Newcomer]
    last_summary_at: float | None = None
    contacts: deque[float] | None = None
    silent_notified: bool = False


class PairingDesk:
    """Thread-safe (one lock over the in-memory books; store updates are atomic on their own)."""

    def __init__(self, book: PairingBook, outbox: Outbox, notify_admins: Callable[[str], None], *,
                 prefix: str, clock: Callable[[], float], health: DataFolderHealth) -> None:
        self._book = book
        self._outbox = outbox
        self._notify = notify_admins
        self._prefix = prefix
        self._clock = clock
        self._health = health
        self._lock = threading.Lock()
        self._desks: dict[str, _AccountDesk] = {}

    def challenge(self, rt: AccountRuntime, event: InboundEvent, decision: Decision) -> Decision:
        """Handle an unknown sender's DM; the decision is always CHALLENGE (never dispatched)."""
        pairing, now = rt.config.pairing, self._clock()
        try:
            request, created = self._book.upsert(
                rt.account_id, event.sender_id, event.sender_name, now, ttl=pairing.ttl_seconds,
                max_pending=pairing.max_pending, scope=pairing.scope, cooldown=pairing.cooldown_seconds)
        except StoreError as exc:
            return self._unsaved(rt, event, decision, exc)
        if created:
            self._health.accepted()
        if request is None:
            self._turned_away(rt, event, now)
            return Decision(Outcome.CHALLENGE, f"{decision.reason}; pending cap reached, no reply")
        if not created:
            why = "code already sent" if is_live(request, now, pairing.ttl_seconds) else "cooling down"
            return Decision(Outcome.CHALLENGE, f"{decision.reason}; {why}, no reply")
        self._forget_waiting(rt.account_id, event.sender_id)
        replied = self._reply(rt, event, request, now)
        sender = untrusted.markdown_literal(untrusted.zalo_name(event.sender_name, event.sender_id))
        # Ours first, Zalo's last: the name is cleaned, quoted and marked, and cannot move the command.
        self._notify(f"Zalo pairing request on account {rt.account_id}: approve with {self._prefix}pair approve "
                     f"{request.code} (or deny with {self._prefix}pair deny {request.code}). From {sender}."
                     + ("" if replied else " No code was sent to them (pairing replies are paused)."))
        return Decision(Outcome.CHALLENGE, f"{decision.reason}; pairing code {'sent' if replied else 'recorded'}")

    # --- replies and first contacts --------------------------------------------------------------

    def _reply(self, rt: AccountRuntime, event: InboundEvent, request: PairingRequest, now: float) -> bool:
        """Send the code unless the hour's first contacts are used up; True when sent (or silent by
        configuration: an empty replyText)."""
        pairing = rt.config.pairing
        reply = render_pairing_reply(pairing, event.sender_id, request.code, untrusted.display(event.sender_name),
                                     prefix=self._prefix)
        if not reply.strip():  # an empty replyText is the silent mode: record, notify admins, say nothing
            return True
        with self._lock:
            desk = self._desk(rt.account_id)
            contacts = desk.contacts if desk.contacts is not None else deque()
            desk.contacts = contacts
            while contacts and contacts[0] <= now - HOUR:
                contacts.popleft()
            allowed = len(contacts) < pairing.first_contacts_per_hour
            if allowed:
                contacts.append(now)
                desk.silent_notified = False
            tell = not allowed and not desk.silent_notified
            if tell:
                desk.silent_notified = True
        if allowed:  # never sent after the code it carries has expired
            self._outbox.send_text(rt.account_id, Target(event.sender_id), reply,
                                   expires_at=request.expires_at(pairing.ttl_seconds))
        elif tell:
            self._notify(f"Pairing replies are paused on account {rt.account_id}: "
                         f"{pairing.first_contacts_per_hour} strangers got a code in the last hour, and Zalo "
                         "blocks accounts that write to too many strangers. New requests are still recorded "
                         f"({self._prefix}pair list); replies resume within the hour.")
        return allowed

    def first_contacts(self, account: str, cap: int) -> tuple[int, bool]:
        """(pairing replies in the last hour, whether replies are paused)."""
        now = self._clock()
        with self._lock:
            desk = self._desks.get(account)
            count = sum(1 for t in (desk.contacts or ()) if t > now - HOUR) if desk else 0
        return count, count >= cap

    # --- the waiting room -------------------------------------------------------------------------

    def _turned_away(self, rt: AccountRuntime, event: InboundEvent, now: float) -> None:
        with self._lock:
            desk = self._desk(rt.account_id)
            self._expire(desk, now)
            known = desk.waiting.pop(event.sender_id, None)
            desk.waiting[event.sender_id] = Newcomer(
                event.sender_id, rt.account_id, untrusted.display(event.sender_name) or (known.name if known else ""),
                known.first_seen if known else now, now, (known.messages if known else 0) + 1)
            while len(desk.waiting) > MAX_WAITING:
                desk.waiting.pop(next(iter(desk.waiting)))
            interval = rt.config.pairing.summary_interval_seconds
            due = desk.last_summary_at is None or now - desk.last_summary_at >= interval
            if due:
                desk.last_summary_at = now
            count = len(desk.waiting)
        if due:
            cap = rt.config.pairing.max_pending
            self._notify(f"{count} newcomer{'s' if count != 1 else ''} waiting on account {rt.account_id}: the "
                         f"pending pairing requests are full ({cap}), so they got no code. See {self._prefix}pair "
                         f"list; approve or deny pending codes, or {self._prefix}allowlist add <id>. "
                         "(One such summary at most every "
                         f"{_duration(rt.config.pairing.summary_interval_seconds)}.)")

    def _forget_waiting(self, account: str, user_id: str) -> None:
        with self._lock:
            desk = self._desks.get(account)
            if desk:
                desk.waiting.pop(user_id, None)

    def waitlist(self, rt: AccountRuntime | None, accounts: list[AccountRuntime]) -> PairingWaitlist:
        """Turned-away newcomers and requesters cooling down, of one account or of all."""
        now = self._clock()
        chosen = [rt] if rt is not None else accounts
        waiting: list[Newcomer] = []
        cooling: list[CoolingDown] = []
        for account in chosen:
            pairing = account.config.pairing
            with self._lock:
                desk = self._desk(account.account_id)
                self._expire(desk, now)
                waiting.extend(desk.waiting.values())
            for request in self._book.cooling(account.account_id, now, pairing.ttl_seconds, pairing.cooldown_seconds):
                cooling.append(CoolingDown(
                    request.user_id, request.account, request.name,
                    "denied" if request.denied_at is not None else "expired",
                    request.cooldown_ends(pairing.ttl_seconds, pairing.cooldown_seconds)))
        return PairingWaitlist(tuple(sorted(waiting, key=lambda n: n.first_seen)), tuple(cooling))

    def _desk(self, account: str) -> _AccountDesk:
        """The account's books (caller holds the lock)."""
        desk = self._desks.get(account)
        if desk is None:
            desk = self._desks[account] = _AccountDesk(waiting={})
        return desk

    @staticmethod
    def _expire(desk: _AccountDesk, now: float) -> None:
        for user_id in [u for u, n in desk.waiting.items() if now - n.last_seen >= WAITING_SECONDS]:
            del desk.waiting[user_id]

    # --- a pairing file that refuses writes -------------------------------------------------------

    def _unsaved(self, rt: AccountRuntime, event: InboundEvent, decision: Decision, exc: StoreError) -> Decision:
        """A pending sender stays pending (their last-seen waits); a newcomer gets no code (it could
        not be approved), and the admins hear of it once."""
        if self._book.pending(rt.account_id, event.sender_id, self._clock(), rt.config.pairing.ttl_seconds):
            return Decision(Outcome.CHALLENGE, f"{decision.reason}; code already sent, no reply")
        self._health.refused(f"a pairing request from {untrusted.zalo_name(event.sender_name, event.sender_id)}",
                             exc)
        return Decision(Outcome.CHALLENGE, f"{decision.reason}; pairing file not writable, no code")


def _duration(seconds: float) -> str:
    if seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{int(seconds // 60)} minutes"
