"""!allowlist: show and edit the Zalo DM and group allowlists (bot admins only).

Changes are persisted by the service and apply at once. Names are resolved through the directory;
an ambiguous name is refused with the candidates, never guessed. Entries from the configuration
cannot be removed from chat (the service says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from errbot import BotPlugin, botcmd

from errbot_zalouser.plugins.support import Call, md_escape, table, zalouser_command
from errbot_zalouser.service.api import AllowEntryView, AllowlistView


def _label(name: str, entry_id: str) -> str:
    return f"{md_escape(name)} ({entry_id})" if name.strip() else entry_id


def entry_rows(entries: Sequence[AllowEntryView]) -> str:
    """One line per entry: id, name (when any entry has one), [source]."""
    if not entries:
        return "(empty)"
    if not any(e.name for e in entries):
        return table([[e.id, f"[{e.source}]"] for e in entries])
    return table([[e.id, e.name, f"[{e.source}]"] for e in entries])


def dm_notes(view: AllowlistView) -> list[str]:
    """What the DM policy means for the list (OpenClaw semantics)."""
    notes = []
    if view.dm_policy == "open":
        notes.append("dmPolicy=open admits every sender; this list is not consulted.")
    elif view.dm_policy == "disabled":
        notes.append("dmPolicy=disabled drops every DM.")
    elif any(e.id == "*" for e in view.dm):
        notes.append('Warning: "*" admits every sender, so pairing and the allowlist are bypassed.')
    return notes


def group_notes(view: AllowlistView) -> list[str]:
    """What the group policy means for the list."""
    if view.group_policy == "open":
        return ["groupPolicy=open admits every group; this list is not consulted."]
    if view.group_policy == "disabled":
        return ["groupPolicy=disabled drops every group message."]
    if view.group_policy == "allowlist" and not view.groups:
        return ["The list is empty, so every group message is dropped."]
    return []


def format_allowlist(view: AllowlistView, *, show_account: bool = False) -> str:
    """The effective DM allowlist (with sources) and the group allowlist."""
    lines = [f"Account {md_escape(view.account)}"] if show_account else []
    lines.append(f"DM allowlist (dmPolicy={view.dm_policy})")
    lines.append(entry_rows(view.dm))
    lines.extend(dm_notes(view))
    lines.append(f"Group allowlist (groupPolicy={view.group_policy})")
    lines.append(entry_rows(view.groups))
    lines.extend(group_notes(view))
    return "\n".join(lines)


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
        view = call.api.allowlist(call.account)
        return format_allowlist(view, show_account=len(call.api.account_ids()) > 1)

    @botcmd(admin_only=True, syntax="<user id or name> [--account A]")
    @zalouser_command("allowlist add <user> [--account A]", arity="text")
    def allowlist_add(self, msg: Any, call: Call) -> str:
        """Allow a user to DM the bot, by id or exact name (takes effect at once).

        Usage: !allowlist add <user id or name> [--account A]
        Find ids with !directory peers <query>.
        """
        entry = call.api.allow_user(call.text, account=call.account, by=call.actor)
        account = md_escape(entry.account)
        return f"Added {_label(entry.name, entry.user_id)} to the DM allowlist of account {account}."

    @botcmd(admin_only=True, syntax="<user id or name> [--account A]")
    @zalouser_command("allowlist remove <user> [--account A]", arity="text")
    def allowlist_remove(self, msg: Any, call: Call) -> str:
        """Remove a user added from chat or by pairing (configured entries stay).

        Usage: !allowlist remove <user id or name> [--account A]
        """
        entry = call.api.disallow_user(call.text, account=call.account)
        account = md_escape(entry.account)
        return f"Removed {_label(entry.name, entry.user_id)} from the DM allowlist of account {account}."

    @botcmd(admin_only=True, syntax="<group id or name> [--account A]")
    @zalouser_command("allowlist group add <group> [--account A]", arity="text")
    def allowlist_group_add(self, msg: Any, call: Call) -> str:
        """Admit a group under groupPolicy=allowlist, by id, group:<id> or exact name.

        Usage: !allowlist group add <group id or name> [--account A]
        Find ids with !directory groups <query>.
        """
        entry = call.api.allow_group(call.text, account=call.account, by=call.actor)
        account = md_escape(entry.account)
        return f"Added group {_label(entry.name, entry.group_id)} to the group allowlist of account {account}."

    @botcmd(admin_only=True, syntax="<group id or name> [--account A]")
    @zalouser_command("allowlist group remove <group> [--account A]", arity="text")
    def allowlist_group_remove(self, msg: Any, call: Call) -> str:
        """Remove a group added from chat (configured groups stay).

        Usage: !allowlist group remove <group id or name> [--account A]
        """
        entry = call.api.disallow_group(call.text, account=call.account)
        return (
            f"Removed group {_label(entry.name, entry.group_id)} from the group allowlist "
            f"of account {md_escape(entry.account)}."
        )
