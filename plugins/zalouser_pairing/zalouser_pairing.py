"""!pair: list, approve, deny and revoke Zalo DM pairing requests (bot admins only).

An unknown sender under dmPolicy=pairing gets a code from the backend; an admin approves it here
instead of OpenClaw's `openclaw pairing approve zalouser <code>`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from errbot import BotPlugin, botcmd

from errbot_zalouser import untrusted
from errbot_zalouser.model import ApprovedEntry, PairingRequest
from errbot_zalouser.plugins.support import Call, duration, md_escape, one_line, table, zalouser_command
from errbot_zalouser.service.api import PairingWaitlist


def who(name: str, user_id: str) -> str:
    """``<id> (Zalo name "<name>")``, or just the id when the name is unknown (escaped for Markdown)."""
    return md_escape(untrusted.zalo_name(name, user_id))


def format_requests(
    requests: Sequence[PairingRequest], *, now: float, ttl: Callable[[str], float], prefix: str = "!",
    waitlist: PairingWaitlist | None = None,
) -> str:
    """``Pairing requests (N)`` and one line per request, oldest first (``ttl(account)``); then who
    was turned away because the requests were full, and who is cooling down."""
    waitlist = waitlist or PairingWaitlist()
    if requests:
        ordered = sorted(requests, key=lambda r: (r.created_at, r.code))
        rows = [_request_row(r, now, ttl(r.account)) for r in ordered]
        parts = [f"Pairing requests ({len(requests)})\n{table(rows)}\n"
                 f"Approve with {prefix}pair approve <code>, refuse with {prefix}pair deny <code>."]
    else:
        parts = ["No pending pairing requests."]
    if waitlist.turned_away:
        rows = [[n.user_id, _zalo_name(n.name), n.account, f"{n.messages} message(s)",
                 f"last {duration(now - n.last_seen)} ago"] for n in waitlist.turned_away]
        parts.append(f"Waiting, no code (the requests were full) ({len(rows)})\n{table(rows)}\n"
                     f"Admit one with {prefix}allowlist add <id>.")
    if waitlist.cooling:
        rows = [[c.user_id, _zalo_name(c.name), c.account, c.reason, f"new code in {duration(c.until - now)}"]
                for c in waitlist.cooling]
        parts.append(f"Cooling down ({len(rows)})\n{table(rows)}")
    return "\n".join(parts)


def _zalo_name(name: str) -> str:
    return f'Zalo name "{one_line(name, 40)}"' if one_line(name) else "(no name)"


def _request_row(request: PairingRequest, now: float, ttl: float) -> list[str]:
    left = request.expires_at(ttl) - now
    expiry = f"expires in {duration(left)}" if left > 0 else "expired"
    return [request.code, request.user_id, _zalo_name(request.name), request.account, f"age {duration(now - request.created_at)}", expiry]


class ZalouserPairing(BotPlugin):
    """Approve, deny and revoke Zalo DM pairing requests (bot admins only)."""

    @botcmd(admin_only=True, syntax="[--account A]")
    @zalouser_command("pair list [--account A]")
    def pair_list(self, msg: Any, call: Call) -> str:
        """List pending pairing requests (code, user id, name, account, age, expiry), the newcomers
        turned away because the requests were full, and the requesters cooling down.

        Usage: !pair list [--account A]
        Without --account, the requests of every account are listed.
        """
        requests = call.api.pairing_requests(call.account)
        prefix = self.bot_config.BOT_PREFIX
        ttl = call.api.pairing_ttl
        return format_requests(requests, now=time.time(), ttl=ttl, prefix=prefix,
                               waitlist=call.api.pairing_waitlist(call.account))

    @botcmd(admin_only=True, syntax="<code> [--account A]")
    @zalouser_command("pair approve <code> [--account A]", arity="one")
    def pair_approve(self, msg: Any, call: Call) -> str:
        """Approve a pending pairing request by its code (any case); the user is told.

        Usage: !pair approve <code> [--account A]
        Codes are unique across accounts, so --account is optional.
        """
        code = call.words[0].strip().upper()
        request = call.api.approve_pairing(code, account=call.account, approver=call.actor)
        account = md_escape(request.account)
        return f"Approved {who(request.name, request.user_id)} on account {account}; they have been told."

    @botcmd(admin_only=True, syntax="<code> [--account A]")
    @zalouser_command("pair deny <code> [--account A]", arity="one")
    def pair_deny(self, msg: Any, call: Call) -> str:
        """Refuse a pending pairing request; the code stops working, and its sender gets no new code
        for the cooldown (pairing.cooldownSeconds, a day by default).

        Usage: !pair deny <code> [--account A]
        """
        code = call.words[0].strip().upper()
        request = call.api.deny_pairing(code, account=call.account)
        return (
            f"Denied pairing request {request.code} from {who(request.name, request.user_id)} "
            f"on account {md_escape(request.account)}; they get no new code during the cooldown."
        )

    @botcmd(admin_only=True, syntax="<user id or name> [--account A]")
    @zalouser_command("pair revoke <user> [--account A]", arity="text")
    def pair_revoke(self, msg: Any, call: Call) -> str:
        """Remove an approved sender, by user id or by name (an ambiguous name is refused).

        Usage: !pair revoke <user id or name> [--account A]
        Entries from the configuration (allowFrom) must be removed there.
        """
        entry: ApprovedEntry = call.api.revoke(call.text, account=call.account)
        return (
            f"Revoked {who(entry.name, entry.user_id)} on account {md_escape(entry.account)}; "
            "they are no longer allowed to message the bot."
        )
