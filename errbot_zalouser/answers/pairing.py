"""Pairing answers: pending requests, approve, deny, revoke (``!pair`` and ``pairing`` in the CLI).

Each function does the operation through the ``ZalouserApi`` and returns the sentence to show;
refusals are the ``PolicyError`` the service raises (its text is the answer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from errbot_zalouser.answers.text import duration, md_escape, table
from errbot_zalouser.model import PairingRequest
from errbot_zalouser.service.api import ZalouserApi


def who(name: str, user_id: str) -> str:
    """``Name (id)``, or just the id when the name is unknown (escaped for Markdown)."""
    return f"{md_escape(name)} ({user_id})" if name.strip() else user_id


def format_requests(requests: Sequence[PairingRequest], *, now: float, ttl: Callable[[str], float],
                    approve_with: str = "!pair approve", deny_with: str = "!pair deny") -> str:
    """``Pairing requests (N)`` and one line per request, oldest first. ``ttl(account)``."""
    if not requests:
        return "No pending pairing requests."
    ordered = sorted(requests, key=lambda r: (r.created_at, r.code))
    rows = [_request_row(r, now, ttl(r.account)) for r in ordered]
    return (
        f"Pairing requests ({len(requests)})\n{table(rows)}\n"
        f"Approve with {approve_with} <code>, refuse with {deny_with} <code>."
    )


def _request_row(request: PairingRequest, now: float, ttl: float) -> list[str]:
    left = request.expires_at(ttl) - now
    expiry = f"expires in {duration(left)}" if left > 0 else "expired"
    name = request.name or "(no name)"
    return [request.code, request.user_id, name, request.account, f"age {duration(now - request.created_at)}", expiry]


def list_requests(api: ZalouserApi, account: str | None, *, now: float, approve_with: str = "!pair approve",
                  deny_with: str = "!pair deny") -> str:
    """The pending requests of ``account`` (of every account for None)."""
    return format_requests(api.pairing_requests(account), now=now, ttl=api.pairing_ttl,
                           approve_with=approve_with, deny_with=deny_with)


def approve(api: ZalouserApi, code: str, *, account: str | None, approver: str) -> str:
    """Approve a pending request by its code (any case); the service tells the user."""
    request = api.approve_pairing(code.strip().upper(), account=account, approver=approver)
    return f"Approved {who(request.name, request.user_id)} on account {md_escape(request.account)}; they have been told."


def deny(api: ZalouserApi, code: str, *, account: str | None) -> str:
    """Refuse a pending request; its code stops working."""
    request = api.deny_pairing(code.strip().upper(), account=account)
    return (f"Denied pairing request {request.code} from {who(request.name, request.user_id)} "
            f"on account {md_escape(request.account)}.")


def revoke(api: ZalouserApi, user: str, *, account: str | None) -> str:
    """Remove an approved sender by id or name (an ambiguous name is refused by the service)."""
    entry = api.revoke(user, account=account)
    return (f"Revoked {who(entry.name, entry.user_id)} on account {md_escape(entry.account)}; "
            "they are no longer allowed to message the bot.")
