"""DM pairing: codes, pure operations over the tuple of pending requests, and the texts sent.

Semantics (OpenClaw's pairing, kept as its users know it): 8-character codes from a 32-symbol alphabet
without 0/O/1/I, drawn with a CSPRNG and unique among pending codes; a request lives ``ttl``
seconds from its creation, and later messages from the same sender only bump ``last_seen_at``;
at most ``max_pending`` requests are pending, and a new sender beyond that is ignored.

Hardened against monopolising the pending slots: a request that expires or is denied stays as a
record until its sender's ``cooldown`` has passed (from the expiry, or from the deny), and that
sender gets no new code meanwhile; the cap counts pending requests only.

A request is identified by (account, user id). ``scope`` only decides how the cap counts:
"account" counts per account (the default, as later OpenClaw), "channel" counts every account's
requests together (seed). Codes are unique across all accounts, so a code alone finds its request.
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
    """Pending: not denied, created less than ``ttl`` ago. A bad or far-future created_at counts
    as expired."""
    created = request.created_at
    return request.denied_at is None and math.isfinite(created) and created - ttl < now < created + ttl


def is_cooling(request: PairingRequest, now: float, ttl: float, cooldown: float) -> bool:
    """Denied or expired, and its sender may not have a new code yet."""
    created = request.created_at
    return (not is_live(request, now, ttl) and math.isfinite(created) and created - ttl < now
            and now < request.cooldown_ends(ttl, cooldown))


def prune(requests: Iterable[PairingRequest], now: float, ttl: float, cooldown: float = 0.0) -> Requests:
    """Drop the records that are neither pending nor cooling down, keeping order."""
    return tuple(r for r in requests if is_live(r, now, ttl) or is_cooling(r, now, ttl, cooldown))


def live(requests: Iterable[PairingRequest], now: float, ttl: float) -> Requests:
    """The pending requests only."""
    return tuple(r for r in requests if is_live(r, now, ttl))


def _in_scope(request: PairingRequest, account: str, scope: str) -> bool:
    return scope != PairingScope.ACCOUNT or request.account == account


def _trim(requests: Requests, account: str, max_pending: int, scope: str, now: float, ttl: float) -> Requests:
    """Keep only the ``max_pending`` most recently seen pending requests of the scope (a lowered cap)."""
    counted = [r for r in requests if _in_scope(r, account, scope) and is_live(r, now, ttl)]
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
    scope: str = PairingScope.ACCOUNT,
    cooldown: float = 0.0,
    choice: Choice = secrets.choice,
) -> tuple[Requests, PairingRequest | None, bool]:
    """Record that ``user_id`` wrote to ``account`` without access.

    Returns (new requests, the request or None, created). A pending sender gets its request
    back with ``last_seen_at`` bumped once ``LAST_SEEN_EVERY`` has passed (never a new code, never
    a longer life; in between nothing changes, so nothing is written). A sender whose request was
    denied or expired less than ``cooldown`` ago gets that record back (not live: no new code).
    At the cap a new sender gets ``None`` and nothing is recorded. Old records are pruned first.
    """
    kept = prune(requests, now, ttl, cooldown)
    for index, request in enumerate(kept):
        if request.account != account or request.user_id != user_id:
            continue
        if not is_live(request, now, ttl) or now - request.last_seen_at < LAST_SEEN_EVERY:
            return _trim(kept, account, max_pending, scope, now, ttl), request, False
        bumped = replace(request, last_seen_at=max(request.last_seen_at, now), name=name or request.name)
        return _trim((*kept[:index], bumped, *kept[index + 1:]), account, max_pending, scope, now, ttl), bumped, False
    kept = _trim(kept, account, max_pending, scope, now, ttl)
    if sum(1 for r in kept if _in_scope(r, account, scope) and is_live(r, now, ttl)) >= max_pending:
        return kept, None, False
    code = new_code((r.code for r in kept), choice=choice)
    created = PairingRequest(code=code, user_id=user_id, account=account, created_at=now, last_seen_at=now, name=name)
    return (*kept, created), created, True


def find(requests: Iterable[PairingRequest], code: str, *, account: str | None = None,
         now: float, ttl: float) -> PairingRequest | None:
    """The live request with this code (case-insensitive), optionally only on ``account``."""
    wanted = normalize_code(code)
    for request in live(requests, now, ttl):
        if request.code.upper() == wanted and (account is None or request.account == account):
            return request
    return None


def take(requests: Iterable[PairingRequest], code: str, *, account: str | None = None,
         now: float, ttl: float, cooldown: float = 0.0) -> tuple[Requests, PairingRequest | None]:
    """Remove and return the live request with this code (an approval); old records are pruned too."""
    kept = prune(requests, now, ttl, cooldown)
    found = find(kept, code, account=account, now=now, ttl=ttl)
    if found is None:
        return kept, None
    return tuple(r for r in kept if r is not found), found


def deny(requests: Iterable[PairingRequest], code: str, *, account: str | None = None,
         now: float, ttl: float, cooldown: float) -> tuple[Requests, PairingRequest | None]:
    """Mark the live request with this code denied: its sender cools down for ``cooldown``."""
    kept = prune(requests, now, ttl, cooldown)
    found = find(kept, code, account=account, now=now, ttl=ttl)
    if found is None:
        return kept, None
    denied = replace(found, denied_at=now)
    return tuple(denied if r is found else r for r in kept if cooldown > 0 or r is not found), denied


def insert(requests: Iterable[PairingRequest], request: PairingRequest, *, now: float,
           ttl: float, cooldown: float = 0.0) -> tuple[Requests, bool]:
    """Add an existing request as it is (an import). Refused (False) when it has expired, or when
    its code or its sender (on its account) is already pending. Expired requests are pruned."""
    kept = prune(requests, now, ttl, cooldown)
    clash = any(normalize_code(r.code) == normalize_code(request.code)
                or (r.account, r.user_id) == (request.account, request.user_id) for r in kept)
    if clash or not is_live(request, now, ttl):
        return kept, False
    return (*kept, request), True


# --- texts -------------------------------------------------------------------------------------


def render_pairing_reply(settings: PairingSettings, user_id: str, code: str, name: str = "",
                         prefix: str = "!") -> str:
    """The text sent to an unknown DM sender. ``prefix`` is errbot's BOT_PREFIX. "" = no reply."""
    return settings.reply_template.format(user_id=user_id, code=code, name=name, prefix=prefix)


def render_approved_text(settings: PairingSettings, user_id: str, name: str = "", prefix: str = "!") -> str:
    """The notice sent to a sender whose pairing request was approved."""
    return settings.approved_text.format(user_id=user_id, name=name, prefix=prefix)
