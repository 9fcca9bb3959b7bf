"""BOT_ADMINS, read for the Zalouser side: the Zalo ids it names, and a check against the example id.

Errbot matches BOT_ADMINS as globs against ``aclattr``; here only entries that name one Zalo
user (``zalouser:<id>``) count, because admins always pass the DM gate and get the pairing
notices. A glob admits nobody at the gate.
"""

from __future__ import annotations

import logging
from typing import Any

from errbot_zalouser import ids
from errbot_zalouser.errors import ConfigError

log = logging.getLogger(__name__)

EXAMPLE_ADMIN_ID = "1000000000000000001"
"""The example id earlier config templates carried: no Zalo user has it."""


def _entries(bot_admins: Any) -> tuple[str, ...]:
    if isinstance(bot_admins, str):
        return (bot_admins,)
    return tuple(str(entry) for entry in bot_admins or ())


def admin_user_ids(bot_admins: Any) -> frozenset[str]:
    """Zalo user ids named exactly in BOT_ADMINS (globs, groups and other backends' ids are skipped)."""
    found = set()
    for entry in _entries(bot_admins):
        ref = ids.parse(entry) if "*" not in entry and "?" not in entry else None
        if ref is None or ref.group_id:
            log.info("BOT_ADMINS entry %r is not a Zalouser user id; it does not pass the DM gate", entry)
            continue
        found.add(ref.user_id)
    return frozenset(found)


def check_admins(bot_admins: Any) -> list[str]:
    """ConfigError when BOT_ADMINS still holds the example id; warnings for what is valid but odd."""
    named = admin_user_ids(bot_admins)
    if EXAMPLE_ADMIN_ID in named:
        raise ConfigError("BOT_ADMINS", f"still holds the example id zalouser:{EXAMPLE_ADMIN_ID}, which is no "
                          "Zalo user: pairing notices would go nowhere and nobody could approve a code",
                          'put your own Zalo user id there, e.g. BOT_ADMINS = ("zalouser:<your id>",); '
                          "`python -m errbot_zalouser init` asks for it")
    if not named:
        return [f"BOT_ADMINS names no Zalo user ({', '.join(_entries(bot_admins)) or 'empty'}): nobody gets the "
                "pairing notices; add your own id as \"zalouser:<id>\", or approve codes from a shell with "
                "`python -m errbot_zalouser pairing approve <code>`"]
    return []
