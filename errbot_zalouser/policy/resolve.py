"""Name -> id resolution of configured allowlist entries against friend and group lists.

Seed OpenClaw (docs/glossary.md) resolves ``allowFrom`` names and ``groups`` keys once at start-up. We do
the same with one deliberate difference: a name shared by two friends (or two groups) is
reported as *ambiguous* and resolves to nothing, where OpenClaw took the first match. An
allowlist must never guess who someone is.

An entry matches a friend's display name (a group's name) when both have the same
``ids.name_key``: case, diacritics and the Unicode form they were typed in do not matter
("Nguyen An" finds Nguyễn An), and there is no substring or fuzzy matching. Entries that are
ids (``ids.user_id``, ``ids.group_id``) are never looked up by name. Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from errbot_zalouser import ids
from errbot_zalouser.model import ZaloGroup, ZaloUser
from errbot_zalouser.settings import GroupRule

_LOG_CAP = 6


@dataclass(frozen=True)
class Resolution:
    """Outcome of resolving entries.

    ``ids``: the entries that are ids (without their prefixes), then the ids names resolved to
    (deduplicated, in input order; a ``"*"`` entry is kept too). ``resolved``: (entry, id) pairs.
    ``unresolved``: entries that matched nothing. ``ambiguous``: (entry, candidate ids).
    """

    ids: tuple[str, ...] = ()
    resolved: tuple[tuple[str, str], ...] = ()
    unresolved: tuple[str, ...] = ()
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()


def resolve_users(entries: Iterable[object], friends: Sequence[ZaloUser]) -> Resolution:
    """Resolve ``allowFrom``-style entries against ``friend list`` rows (by display name)."""
    index = _index((f.display_name, f.user_id) for f in friends)
    return _resolve((ids.strip_scheme(e) for e in entries), index, ids.user_id)


def resolve_groups(keys: Iterable[object], groups: Sequence[ZaloGroup]) -> Resolution:
    """Resolve ``groups`` map keys against ``group list`` rows (by name).

    ``group:<id>`` keys count as ids (the id without the prefix is reported in ``ids``).
    """
    index = _index((g.name, g.group_id) for g in groups)
    return _resolve((ids.strip_scheme(k) for k in keys), index, ids.group_id)


def _index(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for name, row_id in rows:
        key = ids.name_key(name or "")
        if key and row_id not in index.setdefault(key, []):
            index[key].append(row_id)
    return index


def _resolve(
    entries: Iterable[str], index: Mapping[str, list[str]], id_of: Callable[[str], str | None]
) -> Resolution:
    found: dict[str, None] = {}
    resolved: list[tuple[str, str]] = []
    unresolved: list[str] = []
    ambiguous: list[tuple[str, tuple[str, ...]]] = []
    seen: set[str] = set()
    for entry in entries:
        key = ids.name_key(entry)
        if not entry or key in seen:
            continue
        seen.add(key)
        as_id = "*" if entry == "*" else id_of(entry)
        if as_id:
            found.setdefault(as_id, None)
            continue
        matches = index.get(key, [])
        if len(matches) == 1:
            resolved.append((entry, matches[0]))
            found.setdefault(matches[0], None)
        elif matches:
            ambiguous.append((entry, tuple(matches)))
        else:
            unresolved.append(entry)
    return Resolution(tuple(found), tuple(resolved), tuple(unresolved), tuple(ambiguous))


def format_resolution_log(kind: str, resolution: Resolution) -> list[str]:
    """Human log lines, one per non-empty category, each capped at 6 items then ``(+N)``.

    ``kind`` ("users"/"groups") only changes the hint on ambiguous lines; callers prefix the
    lines with account and kind themselves. Example: ``resolved: Alice -> 123, Dan -> 456``,
    ``unresolved: Carol``, ``ambiguous: Bob -> 1, 2 (use the id)``.
    """
    lines: list[str] = []
    if resolution.resolved:
        lines.append("resolved: " + _capped([f"{n} -> {i}" for n, i in resolution.resolved], ", "))
    if resolution.unresolved:
        lines.append("unresolved: " + _capped(list(resolution.unresolved), ", "))
    if resolution.ambiguous:
        items = [f"{n} -> {', '.join(candidates)}" for n, candidates in resolution.ambiguous]
        what = "group" if kind.startswith("group") else "user"
        lines.append("ambiguous: " + _capped(items, "; ") + f" (not allowed; write the {what} id instead)")
    return lines


def _capped(items: list[str], sep: str) -> str:
    text = sep.join(items[:_LOG_CAP])
    if len(items) > _LOG_CAP:
        text += f" (+{len(items) - _LOG_CAP})"
    return text


def group_rules_with_ids(groups: Mapping[str, GroupRule], resolution_map: Mapping[str, str]) -> Mapping[str, GroupRule]:
    """Copy each resolved name key's rule under its group id, unless that id already has a rule.

    ``resolution_map`` maps a key as written in ``groups`` to its id (``dict(res.resolved)``).
    Name keys are kept (decide_group may still match them by name); unresolved names stay
    inert. Returns a read-only mapping.
    """
    rules = dict(groups)
    for key, rule in groups.items():
        group_id = resolution_map.get(key)
        if group_id and group_id not in rules:
            rules[group_id] = rule
    return MappingProxyType(rules)
