"""Who may reach the bot: pure decisions for DMs and group messages.

Seed OpenClaw's semantics (docs/glossary.md; the dmPolicy and groupPolicy gates and their order), with the later
hardening available as account options (``requireMention``, ``groupAllowFrom``, and
``dangerouslyAllowNameMatching: false`` for id-only group matching). Functions here do no
I/O and read no clock; each returns a :class:`Decision` whose ``reason`` is a short string
for debug logs. Unknown always means no access (fail closed), and a display name never
grants a DM sender anything: only ids are compared.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from errbot_zalouser import ids
from errbot_zalouser.settings import AccountConfig, DmPolicy, GroupPolicy, GroupRule


class Outcome(enum.Enum):
    DISPATCH = "dispatch"  # hand the message to Errbot
    DROP = "drop"  # ignore it silently
    CHALLENGE = "challenge"  # unknown DM sender under dmPolicy=pairing: run the pairing flow


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str

    @property
    def dispatch(self) -> bool:
        return self.outcome is Outcome.DISPATCH


def _frozen(rules: Mapping[str, GroupRule] | None = None) -> Mapping[str, GroupRule]:
    return MappingProxyType(dict(rules or {}))


@dataclass(frozen=True)
class AccessLists:
    """The effective lists of one account, computed by the service whenever they change.

    ``dm_ids``: config ids, plus ids resolved from names, plus the approved store.
    ``groups``: the configured rules after name resolution, plus chat-added groups as allow rules.
    ``group_allow_from``: senders allowed inside admitted groups (see _sender_allowed).
    """

    dm_ids: frozenset[str] = frozenset()
    dm_wildcard: bool = False
    groups: Mapping[str, GroupRule] = field(default_factory=_frozen, hash=False)
    group_allow_from: frozenset[str] = frozenset()
    group_allow_wildcard: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "dm_ids", frozenset(self.dm_ids))
        object.__setattr__(self, "group_allow_from", frozenset(self.group_allow_from))
        object.__setattr__(self, "groups", _frozen(self.groups))

    @classmethod
    def build(
        cls,
        account: AccountConfig,
        *,
        resolved_user_ids: Iterable[str] = (),
        approved_ids: Iterable[str] = (),
        group_rules: Mapping[str, GroupRule] | None = None,
        chat_group_ids: Iterable[str] = (),
        resolved_group_allow_ids: Iterable[str] = (),
    ) -> AccessLists:
        """Combine config, start-up resolution and stores.

        Non-numeric config entries (names) count only through ``resolved_*`` ids, the mapping
        made once at start-up. A chat-added group gets an allow rule unless the config already
        has a rule for its id.
        """
        rules = dict(account.groups if group_rules is None else group_rules)
        for group_id in chat_group_ids:
            rules.setdefault(group_id, GroupRule(allow=True))
        return cls(
            dm_ids=_ids(account.allow_from) | frozenset(resolved_user_ids) | frozenset(approved_ids),
            dm_wildcard="*" in account.allow_from,
            groups=rules,
            group_allow_from=_ids(account.group_allow_from) | frozenset(resolved_group_allow_ids),
            group_allow_wildcard="*" in account.group_allow_from,
        )


def _ids(entries: Iterable[str]) -> frozenset[str]:
    """The user ids among configured entries (names count only through their resolution)."""
    return frozenset(uid for uid in map(ids.user_id, entries) if uid)


# --- DMs ---------------------------------------------------------------------------------------


def decide_dm(account: AccountConfig, sender_id: str, lists: AccessLists) -> Decision:
    """Seed order: disabled -> drop; open -> dispatch; allowed -> dispatch;
    allowlist -> drop silently; pairing -> challenge."""
    policy = account.dm_policy
    sender = sender_id.strip()
    if not account.enabled:
        return Decision(Outcome.DROP, f"account {account.account_id} is disabled")
    if not sender:
        return Decision(Outcome.DROP, "DM without a sender id")
    if policy == DmPolicy.DISABLED:
        return Decision(Outcome.DROP, f"DM from {sender} blocked (dmPolicy=disabled)")
    if policy == DmPolicy.OPEN:
        return Decision(Outcome.DISPATCH, f"DM from {sender} allowed (dmPolicy=open)")
    if lists.dm_wildcard:
        return Decision(Outcome.DISPATCH, f'DM from {sender} allowed by "*" in allowFrom (dmPolicy={policy})')
    if sender in lists.dm_ids:
        return Decision(Outcome.DISPATCH, f"DM from {sender} allowlisted (dmPolicy={policy})")
    if policy == DmPolicy.PAIRING:
        return Decision(Outcome.CHALLENGE, f"DM from unknown sender {sender} (dmPolicy=pairing)")
    # "allowlist", and any value config validation would have refused: fail closed.
    return Decision(Outcome.DROP, f"DM from {sender} not allowlisted (dmPolicy={policy})")


# --- groups ------------------------------------------------------------------------------------


def group_slug(name: str) -> str:
    """"#Work Chat" -> "work-chat": lower-case, leading '#' dropped, other runs -> '-'."""
    text = name.strip().lower().removeprefix("#")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def group_candidates(group_id: str, group_name: str, *, name_matching: bool = True) -> tuple[str, ...]:
    """The ``groups`` keys tried, in order: id, ``group:<id>``, then exact name and slug."""
    keys = [group_id, ids.GROUP + group_id]
    if name_matching and group_name.strip():
        keys += [group_name, group_slug(group_name)]
    return tuple(dict.fromkeys(k for k in keys if k))


def match_group_rule(groups: Mapping[str, GroupRule], group_id: str, group_name: str = "",
                     *, name_matching: bool = True) -> tuple[str, GroupRule] | None:
    """The first candidate key present in ``groups``, else ``"*"``, else None."""
    for key in group_candidates(group_id, group_name, name_matching=name_matching):
        if key in groups:
            return key, groups[key]
    if "*" in groups:
        return "*", groups["*"]
    return None


def decide_group(account: AccountConfig, group_id: str, group_name: str, sender_id: str, *,
                 mentioned: bool, lists: AccessLists) -> Decision:
    """Group gate: groupPolicy, then requireMention, then groupAllowFrom. Never pairs."""
    policy = account.group_policy
    if not account.enabled:
        return Decision(Outcome.DROP, f"account {account.account_id} is disabled")
    if policy == GroupPolicy.DISABLED:
        return Decision(Outcome.DROP, f"group {group_id} blocked (groupPolicy=disabled)")
    match = match_group_rule(lists.groups, group_id, group_name, name_matching=account.name_matching)
    if policy != GroupPolicy.OPEN:
        refusal = _allowlist_refusal(group_id, match, policy)
        if refusal:
            return refusal
    if not mentioned and _mention_required(account, lists.groups, match):
        return Decision(Outcome.DROP, f"group {group_id}: mention required")
    if not _sender_allowed(account, sender_id.strip(), lists):
        return Decision(Outcome.DROP, f"group {group_id}: sender {sender_id} not in groupAllowFrom")
    how = f' by groups["{match[0]}"]' if match and policy == GroupPolicy.ALLOWLIST else ""
    return Decision(Outcome.DISPATCH, f"group {group_id} allowed{how} (groupPolicy={policy})")


def _allowlist_refusal(group_id: str, match: tuple[str, GroupRule] | None,
                       policy: GroupPolicy) -> Decision | None:
    if match is None:
        return Decision(Outcome.DROP, f"group {group_id} not allowlisted (groupPolicy={policy})")
    key, rule = match
    if not rule.allow:
        return Decision(Outcome.DROP, f'group {group_id} disabled by groups["{key}"] (groupPolicy={policy})')
    if policy != GroupPolicy.ALLOWLIST:  # a value the enum would have refused: fail closed
        return Decision(Outcome.DROP, f"group {group_id} blocked (unknown groupPolicy={policy})")
    return None


def _mention_required(account: AccountConfig, groups: Mapping[str, GroupRule],
                      match: tuple[str, GroupRule] | None) -> bool:
    for rule in (match[1] if match else None, groups.get("*")):
        if rule is not None and rule.require_mention is not None:
            return rule.require_mention
    return account.require_mention


def _sender_allowed(account: AccountConfig, sender_id: str, lists: AccessLists) -> bool:
    """groupAllowFrom, failing closed: a configured list whose names all failed to resolve
    admits nobody (not everybody)."""
    if lists.group_allow_wildcard:
        return True
    if not lists.group_allow_from and not account.group_allow_from:
        return True
    return sender_id in lists.group_allow_from
