"""Allowlist answers: the effective lists and their edits (``!allowlist`` and ``allowlist`` in the CLI).

Names are resolved by the service through the directory; an ambiguous name is refused with the
candidates, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

from errbot_zalouser.answers.text import md_escape, table
from errbot_zalouser.service.api import AllowEntryView, AllowlistView, ZalouserApi


def label(name: str, entry_id: str) -> str:
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
    if view.dm_policy == "open":
        return ["dmPolicy=open admits every sender; this list is not consulted."]
    if view.dm_policy == "disabled":
        return ["dmPolicy=disabled drops every DM."]
    if any(e.id == "*" for e in view.dm):
        return ['Warning: "*" admits every sender, so pairing and the allowlist are bypassed.']
    return []


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


def show(api: ZalouserApi, account: str | None) -> str:
    return format_allowlist(api.allowlist(account), show_account=len(api.account_ids()) > 1)


def add_user(api: ZalouserApi, user: str, *, account: str | None, by: str) -> str:
    entry = api.allow_user(user, account=account, by=by)
    return f"Added {label(entry.name, entry.user_id)} to the DM allowlist of account {md_escape(entry.account)}."


def remove_user(api: ZalouserApi, user: str, *, account: str | None) -> str:
    entry = api.disallow_user(user, account=account)
    return f"Removed {label(entry.name, entry.user_id)} from the DM allowlist of account {md_escape(entry.account)}."


def add_group(api: ZalouserApi, group: str, *, account: str | None, by: str) -> str:
    entry = api.allow_group(group, account=account, by=by)
    return (f"Added group {label(entry.name, entry.group_id)} to the group allowlist "
            f"of account {md_escape(entry.account)}.")


def remove_group(api: ZalouserApi, group: str, *, account: str | None) -> str:
    entry = api.disallow_group(group, account=account)
    return (f"Removed group {label(entry.name, entry.group_id)} from the group allowlist "
            f"of account {md_escape(entry.account)}.")
