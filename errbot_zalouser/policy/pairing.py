"""DM pairing: codes, pure operations over the tuple of pending requests, and the texts sent.

Semantics (OpenClaw's pairing, kept as its users know it): 8-character codes from a 32-symbol alphabet
without 0/O/1/I, drawn with a CSPRNG and unique among pending codes; a request lives ``ttl``
seconds from its creation, and later messages from the same sender only bump ``last_seen_at``;
at most ``max_pending`` requests are pending, and a new sender beyond that is ignored.

A request is identified by (account, user id). ``scope`` only decides how the cap counts:
"channel" counts every account's requests together (seed), "account" counts per account.
Codes are unique across all accounts, so a code alone finds its request.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from errbot_zalouser.errors import PolicyError
from errbot_zalouser.model import PairingRequest
from errbot_zalouser.settings import PairingScope, PairingSettings

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LAST_SEEN_EVERY = 60.0  # seconds: a pending sender's last-seen is rewritten at most this often
CODE_LENGTH = 8
MAX_ATTEMPTS = 500

Requests = tuple[PairingRequest, ...]
Choice = Callable[[Sequence[str]], str]


def new_code(taken: Iterable[str], *, length: int = CODE_LENGTH, choice: Choice = secrets.choice) -> str:
    """A fresh code not in ``taken`` (compared case-insensitively). PolicyError after 500 tries."""
    used = {normalize_code(t) for t in taken}
    for _ in range(MAX_ATTEMPTS):
        code = "".join(choice(ALPHABET) for _ in range(length))
        if code not in used:
            return code
    raise PolicyError("failed to generate unique pairing code")


def normalize_code(text: str) -> str:
    """What a user typed -> the stored form: trimmed and upper-cased."""
    return text.strip().upper()


def is_live(request: PairingRequest, now: float, ttl: float) -> bool:
    """Alive iff created less than ``ttl`` ago. A bad or far-future created_at counts as expired."""
    created = request.created_at
    return math.isfinite(created) and created - ttl < now < created + ttl


def prune(requests: Iterable[PairingRequest], now: float, ttl: float) -> Requests:
    """Drop expired requests, keeping order."""
    return tuple(r for r in requests if is_live(r, now, ttl))


def _in_scope(request: PairingRequest, account: str, scope: str) -> bool:
    return scope != PairingScope.ACCOUNT or request.account == account


def _trim(requests: Requests, account: str, max_pending: int, scope: str) -> Requests:
    """Keep only the ``max_pending`` most recently seen requests of the scope (a lowered cap)."""
    counted = [r for r in requests if _in_scope(r, account, scope)]
    if len(counted) <= max_pending:
        return requests
    newest = sorted(counted, key=lambda r: r.last_seen_at, reverse=True)[:max_pending]
    dropped = {id(r) for r in counted} - {id(r) for r in newest}
    return tuple(r for r in requests if id(r) not in dropped)


def upsert(
    requests: Iterable[PairingRequest],
    *,
    account: str,
    user_id: str,
    name: str,
    now: float,
    ttl: float,
    max_pending: int,
    scope: str = PairingScope.CHANNEL,
    choice: Choice = secrets.choice,
) -> tuple[Requests, PairingRequest | None, bool]:
    """Record that ``user_id`` wrote to ``account`` without access.

    Returns (new requests, the request or None, created). A pending sender gets its request
    back with ``last_seen_at`` bumped once ``LAST_SEEN_EVERY`` has passed (never a new code, never
    a longer life; in between nothing changes, so nothing is written); at the cap a new sender
    gets ``None`` and nothing is recorded. Expired requests are pruned first.
    """
    live = prune(requests, now, ttl)
    for index, request in enumerate(live):
        if request.account == account and request.user_id == user_id:
            if now - request.last_seen_at < LAST_SEEN_EVERY:
                return _trim(live, account, max_pending, scope), request, False
            bumped = replace(request, last_seen_at=max(request.last_seen_at, now), name=name or request.name)
            return _trim((*live[:index], bumped, *live[index + 1:]), account, max_pending, scope), bumped, False
    live = _trim(live, account, max_pending, scope)
    if sum(1 for r in live if _in_scope(r, account, scope)) >= max_pending:
        return live, None, False
    code = new_code((r.code for r in live), choice=choice)
    created = PairingRequest(code=code, user_id=user_id, account=account, created_at=now, last_seen_at=now, name=name)
    return (*live, created), created, True


def find(requests: Iterable[PairingRequest], code: str, *, account: str | None = None,
         now: float, ttl: float) -> PairingRequest | None:
    """The live request with this code (case-insensitive), optionally only on ``account``."""
    wanted = normalize_code(code)
    for request in prune(requests, now, ttl):
        if request.code.upper() == wanted and (account is None or request.account == account):
            return request
    return None


def take(requests: Iterable[PairingRequest], code: str, *, account: str | None = None,
         now: float, ttl: float) -> tuple[Requests, PairingRequest | None]:
    """Remove and return the live request with this code; expired requests are pruned too."""
    live = prune(requests, now, ttl)
    found = find(live, code, account=account, now=now, ttl=ttl)
    if found is None:
        return live, None
    return tuple(r for r in live if r is not found), found


def insert(requests: Iterable[PairingRequest], request: PairingRequest, *, now: float,
           ttl: float) -> tuple[Requests, bool]:
    """Add an existing request as it is (an import). Refused (False) when it has expired, or when
    its code or its sender (on its account) is already pending. Expired requests are pruned."""
    live = prune(requests, now, ttl)
    clash = any(normalize_code(r.code) == normalize_code(request.code)
                or (r.account, r.user_id) == (request.account, request.user_id) for r in live)
    if clash or not is_live(request, now, ttl):
        return live, False
    return (*live, request), True


# --- texts -------------------------------------------------------------------------------------


def render_pairing_reply(settings: PairingSettings, user_id: str, code: str, name: str = "",
                         prefix: str = "!") -> str:
    """The text sent to an unknown DM sender. ``prefix`` is errbot's BOT_PREFIX. "" = no reply."""
    return settings.reply_template.format(user_id=user_id, code=code, name=name, prefix=prefix)


def render_approved_text(settings: PairingSettings, user_id: str, name: str = "", prefix: str = "!") -> str:
    """The notice sent to a sender whose pairing request was approved."""
    return settings.approved_text.format(user_id=user_id, name=name, prefix=prefix)
