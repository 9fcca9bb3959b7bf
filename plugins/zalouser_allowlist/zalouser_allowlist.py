"""!allowlist: show and edit the Zalo DM and group allowlists (bot admins only).

Changes are persisted by the service and apply at once. Names are resolved through the directory;
an ambiguous name is refused with the candidates, never guessed. Entries from the configuration
cannot be removed from chat (the service says so).
"""

from __future__ import annotations

from typing import Any

from errbot import BotPlugin, botcmd

from errbot_zalouser.answers import allowlist as answers
from errbot_zalouser.plugins.support import Call, zalouser_command


class ZalouserAllowlist(BotPlugin):
    """Show and edit the Zalo DM and group allowlists (bot admins only)."""

    @botcmd(admin_only=True, syntax="[--account A]")
    @zalouser_command("allowlist [--account A]")
    def allowlist(self, msg: Any, call: Call) -> str:
        """Show the effective DM allowlist (each entry with its source) and the group allowlist.

        Usage: !allowlist [--account A]
        Sources: config, resolved (a configured name), unresolved, wildcard, pairing, chat, import.
        Edit with !allowlist add|remove <user> and !allowlist group add|remove <group>.
        """
        return answers.show(call.api, call.account)

    @botcmd(admin_only=True, syntax="<user id or name> [--account A]")
    @zalouser_command("allowlist add <user> [--account A]", arity="text")
    def allowlist_add(self, msg: Any, call: Call) -> str:
        """Allow a user to DM the bot, by id or exact name (takes effect at once).

        Usage: !allowlist add <user id or name> [--account A]
        Find ids with !directory peers <query>.
        """
        return answers.add_user(call.api, call.text, account=call.account, by=call.actor)

    @botcmd(admin_only=True, syntax="<user id or name> [--account A]")
    @zalouser_command("allowlist remove <user> [--account A]", arity="text")
    def allowlist_remove(self, msg: Any, call: Call) -> str:
        """Remove a user added from chat or by pairing (configured entries stay).

        Usage: !allowlist remove <user id or name> [--account A]
        """
        return answers.remove_user(call.api, call.text, account=call.account)

    @botcmd(admin_only=True, syntax="<group id or name> [--account A]")
    @zalouser_command("allowlist group add <group> [--account A]", arity="text")
    def allowlist_group_add(self, msg: Any, call: Call) -> str:
        """Admit a group under groupPolicy=allowlist, by id, group:<id> or exact name.

        Usage: !allowlist group add <group id or name> [--account A]
        Find ids with !directory groups <query>.
        """
        return answers.add_group(call.api, call.text, account=call.account, by=call.actor)

    @botcmd(admin_only=True, syntax="<group id or name> [--account A]")
    @zalouser_command("allowlist group remove <group> [--account A]", arity="text")
    def allowlist_group_remove(self, msg: Any, call: Call) -> str:
        """Remove a group added from chat (configured groups stay).

        Usage: !allowlist group remove <group id or name> [--account A]
        """
        return answers.remove_group(call.api, call.text, account=call.account)
