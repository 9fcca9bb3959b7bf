"""Name -> id resolution of configured allowlist entries against friend and group lists.

Seed-era OpenClaw resolves ``allowFrom`` names and ``groups`` keys once at start-up. We do
the same with one deliberate difference: a name shared by two friends (or two groups) is
reported as *ambiguous* and resolves to nothing, where OpenClaw took the first match. An
allowlist must never guess who someone is.

Matching is exact after normalising both sides: Unicode NFC (Vietnamese names typed on one
system in decomposed form must still match), case folding, trimmed, inner whitespace
collapsed. There is no substring or fuzzy matching. Everything here is pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from errbot_zalouser.model import ZaloGroup, ZaloUser

if TYPE_CHECKING:  # config imports this module; keep the runtime dependency one-way
    from errbot_zalouser.config import GroupRule

_PREFIX_RE = re.compile(r"^(?:zalouser|zlu):", re.IGNORECASE)
_DIGITS_RE = re.compile(r"^[0-9]+$")
_LOG_CAP = 6


@dataclass(frozen=True)
class Resolution:
    """Outcome of resolving entries.

    ``ids``: the numeric entries kept as typed, then the ids names resolved to (deduplicated,
    in input order; a ``"*"`` entry is kept too). ``resolved``: (entry, id) pairs.
    ``unresolved``: entries that matched nothing. ``ambiguous``: (entry, candidate ids).
    """

    ids: tuple[str, ...] = ()
    resolved: tuple[tuple[str, str], ...] = ()
    unresolved: tuple[str, ...] = ()
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()


def strip_prefix(entry: object) -> str:
    """``"zalouser:123"``/``"ZLU:123"`` -> ``"123"``; numbers become strings; whitespace trimmed."""
    text = str(entry).strip()
    while True:
        stripped = _PREFIX_RE.sub("", text, count=1).strip()
        if stripped == text:
            return text
        text = stripped


def name_key(name: str) -> str:
    """The comparison form of a display name: NFC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def is_numeric_id(text: str) -> bool:
    """True for all-digit entries, which are taken as ids and never looked up by name."""
    return bool(_DIGITS_RE.match(text))


def resolve_users(entries: Iterable[object], friends: Sequence[ZaloUser]) -> Resolution:
    """Resolve ``allowFrom``-style entries against ``friend list`` rows (by display name)."""
    index = _index((f.display_name, f.user_id) for f in friends)
    return _resolve((strip_prefix(e) for e in entries), index, lambda e: e)


def resolve_groups(keys: Iterable[object], groups: Sequence[ZaloGroup]) -> Resolution:
    """Resolve ``groups`` map keys against ``group list`` rows (by name).

    ``group:<id>`` keys count as ids (the id without the prefix is reported in ``ids``).
    """
    index = _index((g.name, g.group_id) for g in groups)
    return _resolve((strip_prefix(k) for k in keys), index, _group_id_form)


def _group_id_form(entry: str) -> str:
    rest = entry[len("group:"):] if entry.lower().startswith("group:") else entry
    return rest.strip() if is_numeric_id(rest.strip()) else entry


def _index(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for name, row_id in rows:
        key = name_key(name or "")
        if key and row_id not in index.setdefault(key, []):
            index[key].append(row_id)
    return index


def _resolve(
    entries: Iterable[str], index: Mapping[str, list[str]], id_form: Callable[[str], str]
) -> Resolution:
    ids: dict[str, None] = {}
    resolved: list[tuple[str, str]] = []
    unresolved: list[str] = []
    ambiguous: list[tuple[str, tuple[str, ...]]] = []
    seen: set[str] = set()
    for entry in entries:
        if not entry or name_key(entry) in seen:
            continue
        seen.add(name_key(entry))
        as_id = id_form(entry)
        if entry == "*" or is_numeric_id(as_id):
            ids.setdefault(as_id, None)
            continue
        matches = index.get(name_key(entry), [])
        if len(matches) == 1:
            resolved.append((entry, matches[0]))
            ids.setdefault(matches[0], None)
        elif matches:
            ambiguous.append((entry, tuple(matches)))
        else:
            unresolved.append(entry)
    return Resolution(tuple(ids), tuple(resolved), tuple(unresolved), tuple(ambiguous))


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
        items = [f"{n} -> {', '.join(ids)}" for n, ids in resolution.ambiguous]
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
