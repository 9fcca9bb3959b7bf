"""Warnings about settings that are valid but risky: who can reach the bot, and how fast it sends."""

from __future__ import annotations

from collections.abc import Mapping

from errbot_zalouser.config.readers import Warnings, plain
from errbot_zalouser.settings import ROOT, AccountConfig, DmPolicy, OutboundSettings

_SAFE_RATE = 2.0


def access_warnings(account: AccountConfig, origin: Mapping[str, str]) -> Warnings:
    """An open DM policy, or "*" in allowFrom under pairing/allowlist. ``origin`` maps each key to
    the path of the block it was read from."""
    notes: Warnings = []
    label = f' (account "{account.account_id}")'
    if account.dm_policy == DmPolicy.OPEN:
        notes.append(f'{origin["dmPolicy"]}.dmPolicy is "open": anyone can message the bot without pairing; '
                     f'set dmPolicy to "pairing" or "allowlist"{label}')
    elif account.dm_policy in (DmPolicy.PAIRING, DmPolicy.ALLOWLIST) and "*" in account.allow_from:
        notes.append(f'SECURITY: {origin["allowFrom"]}.allowFrom contains "*" while dmPolicy is '
                     f'"{account.dm_policy}": ANYONE can message the bot, pairing is effectively OFF{label}; '
                     f'remove "*" from allowFrom, or set dmPolicy to "open" if that is really meant')
    return notes


def shared_profile_warnings(accounts: list[AccountConfig]) -> Warnings:
    """Enabled accounts on one zca profile: their listeners would disconnect each other."""
    by_profile: dict[str, list[str]] = {}
    for account in accounts:
        if account.enabled:
            by_profile.setdefault(account.profile, []).append(account.account_id)
    notes: Warnings = []
    for profile, ids in by_profile.items():
        if len(ids) > 1:
            names = ", ".join(f'"{a}"' for a in ids)
            notes.append(f'accounts {names} share the zca profile "{profile}": two listeners on one Zalo session '
                         f"disconnect each other (close code 3000); give each account its own "
                         f"{ROOT}.accounts.<id>.profile, and remove any top-level profile or ZCA_PROFILE they inherit")
    return notes


def rate_warnings(settings: OutboundSettings, key: str) -> Warnings:
    """A send rate at which Zalo is known to limit or block personal accounts."""
    if settings.rate_per_second <= _SAFE_RATE:
        return []
    return [f"{key}.ratePerSecond is {plain(settings.rate_per_second)}: personal Zalo accounts that send "
            f"faster than about 1 message per second get rate-limited or blocked; keep it at 1-2"]
