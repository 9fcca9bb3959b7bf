"""The effective allowlists of an account, from config, start-up resolution and the stores:
``build_access_lists`` for the gate (AccessControl caches the result) and the rows of
``!allowlist`` (``dm_view``, ``group_view``)."""

from __future__ import annotations

from errbot_zalouser import ids
from errbot_zalouser.ids import name_key
from errbot_zalouser.policy.access import AccessLists
from errbot_zalouser.service.account import AccountRuntime
from errbot_zalouser.service.api import AllowEntryView
from errbot_zalouser.stores.base import ApprovedStore, GroupAllowStore


def _resolved_map(rt: AccountRuntime, kind: str) -> dict[str, str]:
    resolution = rt.users if kind == "users" else rt.groups
    return {name_key(name): uid for name, uid in resolution.resolved}


def configured_user_ids(rt: AccountRuntime, entries: tuple[str, ...]) -> frozenset[str]:
    """Ids of configured entries: user ids as written, names as resolved at start-up."""
    resolved = _resolved_map(rt, "users")
    found = set()
    for entry in entries:
        user_id = ids.user_id(entry) or resolved.get(name_key(ids.strip_scheme(entry)))
        if user_id:
            found.add(user_id)
    return frozenset(found)


def build_access_lists(rt: AccountRuntime, approved: ApprovedStore, group_allow: GroupAllowStore,
                       admin_ids: frozenset[str] = frozenset()) -> AccessLists:
    config = rt.config
    return AccessLists.build(
        config,
        resolved_user_ids=configured_user_ids(rt, config.allow_from),
        approved_ids=approved.ids(rt.account_id) | admin_ids,
        group_rules=rt.group_rules or None,
        chat_group_ids=group_allow.ids(rt.account_id),
        resolved_group_allow_ids=configured_user_ids(rt, config.group_allow_from),
    )


def dm_view(rt: AccountRuntime, approved: ApprovedStore,
            admin_ids: frozenset[str] = frozenset()) -> tuple[AllowEntryView, ...]:
    resolved = _resolved_map(rt, "users")
    rows = [AllowEntryView(uid, "admin") for uid in sorted(admin_ids)]
    for entry in rt.config.allow_from:
        rows.append(_config_row(ids.strip_scheme(entry), ids.user_id(entry), resolved))
    for item in approved.entries(rt.account_id):
        rows.append(AllowEntryView(item.user_id, item.source, item.name))
    return tuple(rows)


def group_view(rt: AccountRuntime, group_allow: GroupAllowStore) -> tuple[AllowEntryView, ...]:
    resolved = _resolved_map(rt, "groups")
    rows: list[AllowEntryView] = []
    for key, rule in rt.config.groups.items():
        row = _config_row(ids.strip_scheme(key), ids.group_id(key), resolved)
        if not rule.allow:
            row = AllowEntryView(row.id, row.source + ", disabled", row.name)
        rows.append(row)
    for item in group_allow.entries(rt.account_id):
        rows.append(AllowEntryView(item.group_id, "chat", item.name))
    return tuple(rows)


def _config_row(entry: str, entry_id: str | None, resolved: dict[str, str]) -> AllowEntryView:
    """A configured entry: ``entry_id`` when it is an id, else the id its name resolved to."""
    if entry == "*":
        return AllowEntryView("*", "wildcard")
    if entry_id:
        return AllowEntryView(entry_id, "config")
    if name_key(entry) in resolved:
        return AllowEntryView(resolved[name_key(entry)], "resolved", entry)
    return AllowEntryView(entry, "unresolved", entry)
