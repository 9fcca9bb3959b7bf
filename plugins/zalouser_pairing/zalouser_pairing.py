"""!pair: list, approve, deny and revoke Zalo DM pairing requests (bot admins only).

An unknown sender under dmPolicy=pairing gets a code from the backend; an admin approves it here
instead of OpenClaw's `openclaw pairing approve zalouser <code>`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from errbot import BotPlugin, botcmd

from errbot_zalouser.model import ApprovedEntry, PairingRequest
from errbot_zalouser import untrusted
from errbot_zalouser.plugins.support import Call, duration, md_escape, one_line, table, zalouser_command


def who(name: str, user_id: str) -> str:
    """``<id> (Zalo name "<name>")``, or just the id when the name is unknown (escaped for Markdown)."""
    return md_escape(untrusted.zalo_name(name, user_id))


def format_requests(
    requests: Sequence[PairingRequest], *, now: float, ttl: Callable[[str], float], prefix: str = "!"
) -> str:
    """``Pairing requests (N)`` and one line per request, oldest first. ``ttl(account)``."""
    if not requests:
        return "No pending pairing requests."
    ordered = sorted(requests, key=lambda r: (r.created_at, r.code))
    rows = [_request_row(r, now, ttl(r.account)) for r in ordered]
    return (
        f"Pairing requests ({len(requests)})\n{table(rows)}\n"
        f"Approve with {prefix}pair approve <code>, refuse with {prefix}pair deny <code>."
    )


def _request_row(request: PairingRequest, now: float, ttl: float) -> list[str]:
    left = request.expires_at(ttl) - now
    expiry = f"expires in {duration(left)}" if left > 0 else "expired"
    name = f'Zalo name "{one_line(request.name, 40)}"' if one_line(request.name) else "(no name)"
    return [request.code, request.user_id, name, request.account, f"age {duration(now - request.created_at)}", expiry]


class ZalouserPairing(BotPlugin):
    """Approve, deny and revoke Zalo DM pairing requests (bot admins only)."""

    @botcmd(admin_only=True, syntax="[--account A]")
    @zalouser_command("pair list [--account A]")
    def pair_list(self, msg: Any, call: Call) -> str:
        """List pending pairing requests: code, user id, name, account, age and expiry.

        Usage: !pair list [--account A]
        Without --account, the requests of every account are listed.
        """
        requests = call.api.pairing_requests(call.account)
        prefix = self.bot_config.BOT_PREFIX
        ttl = call.api.pairing_ttl
        return format_requests(requests, now=time.time(), ttl=ttl, prefix=prefix)

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
        """Refuse a pending pairing request; the code stops working.

        Usage: !pair deny <code> [--account A]
        """
        code = call.words[0].strip().upper()
        request = call.api.deny_pairing(code, account=call.account)
        return (
            f"Denied pairing request {request.code} from {who(request.name, request.user_id)} "
            f"on account {md_escape(request.account)}."
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
