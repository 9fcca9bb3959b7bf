"""!pair: list, approve, deny and revoke Zalo DM pairing requests (bot admins only).

An unknown sender under dmPolicy=pairing gets a code from the backend; an admin approves it here
instead of OpenClaw's `openclaw pairing approve zalouser <code>`.
"""

from __future__ import annotations

import time
from typing import Any

from errbot import BotPlugin, botcmd

from errbot_zalouser.answers import pairing as answers
from errbot_zalouser.plugins.support import Call, zalouser_command


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
        prefix = self.bot_config.BOT_PREFIX
        return answers.list_requests(call.api, call.account, now=time.time(), approve_with=f"{prefix}pair approve",
                                     deny_with=f"{prefix}pair deny")

    @botcmd(admin_only=True, syntax="<code> [--account A]")
    @zalouser_command("pair approve <code> [--account A]", arity="one")
    def pair_approve(self, msg: Any, call: Call) -> str:
        """Approve a pending pairing request by its code (any case); the user is told.

        Usage: !pair approve <code> [--account A]
        Codes are unique across accounts, so --account is optional.
        """
        return answers.approve(call.api, call.words[0], account=call.account, approver=call.actor)

    @botcmd(admin_only=True, syntax="<code> [--account A]")
    @zalouser_command("pair deny <code> [--account A]", arity="one")
    def pair_deny(self, msg: Any, call: Call) -> str:
        """Refuse a pending pairing request; the code stops working, and its sender gets no new code
        for the cooldown (pairing.cooldownSeconds, a day by default).

        Usage: !pair deny <code> [--account A]
        """
        return answers.deny(call.api, call.words[0], account=call.account)

    @botcmd(admin_only=True, syntax="<user id or name> [--account A]")
    @zalouser_command("pair revoke <user> [--account A]", arity="text")
    def pair_revoke(self, msg: Any, call: Call) -> str:
        """Remove an approved sender, by user id or by name (an ambiguous name is refused).

        Usage: !pair revoke <user id or name> [--account A]
        Entries from the configuration (allowFrom) must be removed there.
        """
        return answers.revoke(call.api, call.text, account=call.account)
