"""Pairing answers: pending requests, approve, deny, revoke (``!pair`` and ``pairing`` in the CLI).

Each function does the operation through the ``ZalouserApi`` and returns the sentence to show;
refusals are the ``PolicyError`` the service raises (its text is the answer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from errbot_zalouser import untrusted
from errbot_zalouser.answers.text import duration, md_escape, one_line, table
from errbot_zalouser.model import PairingRequest
from errbot_zalouser.service.api import PairingWaitlist, ZalouserApi


def who(name: str, user_id: str) -> str:
    """``<id> (Zalo name "<name>")``, or just the id when the name is unknown (escaped for Markdown)."""
    return md_escape(untrusted.zalo_name(name, user_id))


def format_requests(requests: Sequence[PairingRequest], *, now: float, ttl: Callable[[str], float],
                    approve_with: str = "!pair approve", deny_with: str = "!pair deny",
                    waitlist: PairingWaitlist | None = None, admit_with: str = "!allowlist add") -> str:
    """``Pairing requests (N)`` and one line per request, oldest first (``ttl(account)``); then who
    was turned away because the requests were full, and who is cooling down."""
    waitlist = waitlist or PairingWaitlist()
    if requests:
        ordered = sorted(requests, key=lambda r: (r.created_at, r.code))
        rows = [_request_row(r, now, ttl(r.account)) for r in ordered]
        parts = [f"Pairing requests ({len(requests)})\n{table(rows)}\n"
                 f"Approve with {approve_with} <code>, refuse with {deny_with} <code>."]
    else:
        parts = ["No pending pairing requests."]
    if waitlist.turned_away:
        rows = [[n.user_id, _zalo_name(n.name), n.account, f"{n.messages} message(s)",
                 f"last {duration(now - n.last_seen)} ago"] for n in waitlist.turned_away]
        parts.append(f"Waiting, no code (the requests were full) ({len(rows)})\n{table(rows)}\n"
                     f"Admit one with {admit_with} <id>.")
    if waitlist.cooling:
        rows = [[c.user_id, _zalo_name(c.name), c.account, c.reason, f"new code in {duration(c.until - now)}"]
                for c in waitlist.cooling]
        parts.append(f"Cooling down ({len(rows)})\n{table(rows)}")
    return "\n".join(parts)


def _zalo_name(name: str) -> str:
    """A name cell: cleaned, quoted and marked as what Zalo reports."""
    return f'Zalo name "{one_line(name, 40)}"' if one_line(name) else "(no name)"


def _request_row(request: PairingRequest, now: float, ttl: float) -> list[str]:
    left = request.expires_at(ttl) - now
    expiry = f"expires in {duration(left)}" if left > 0 else "expired"
    return [request.code, request.user_id, _zalo_name(request.name), request.account,
            f"age {duration(now - request.created_at)}", expiry]


def list_requests(api: ZalouserApi, account: str | None, *, now: float, approve_with: str = "!pair approve",
                  deny_with: str = "!pair deny", admit_with: str = "!allowlist add") -> str:
    """The pending requests of ``account`` (of every account for None), the newcomers turned away
    and the requesters cooling down."""
    return format_requests(api.pairing_requests(account), now=now, ttl=api.pairing_ttl,
                           approve_with=approve_with, deny_with=deny_with,
                           waitlist=api.pairing_waitlist(account), admit_with=admit_with)


def approve(api: ZalouserApi, code: str, *, account: str | None, approver: str) -> str:
    """Approve a pending request by its code (any case); the service tells the user."""
    request = api.approve_pairing(code.strip().upper(), account=account, approver=approver)
    return f"Approved {who(request.name, request.user_id)} on account {md_escape(request.account)}; they have been told."


def deny(api: ZalouserApi, code: str, *, account: str | None) -> str:
    """Refuse a pending request; its code stops working and its sender gets no new code for the
    cooldown (``pairing.cooldownSeconds``)."""
    request = api.deny_pairing(code.strip().upper(), account=account)
    return (f"Denied pairing request {request.code} from {who(request.name, request.user_id)} "
            f"on account {md_escape(request.account)}; they get no new code during the cooldown.")


def revoke(api: ZalouserApi, user: str, *, account: str | None) -> str:
    """Remove an approved sender by id or name (an ambiguous name is refused by the service)."""
    entry = api.revoke(user, account=account)
    return (f"Revoked {who(entry.name, entry.user_id)} on account {md_escape(entry.account)}; "
            "they are no longer allowed to message the bot.")
