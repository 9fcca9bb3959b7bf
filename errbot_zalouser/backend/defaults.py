"""What the backend adds to errbot's configuration when it starts, and checks there.

Errbot builds the backend before it reads ``BOT_EXTRA_PLUGIN_DIR`` and long before it runs any
command, so the backend's constructor can complete the configuration the rest of errbot uses:

- **Companion plugins.** The folder of ``!pair``, ``!allowlist``, ``!directory``, ``!zalouser status``
  and the ZalouserGate filter is added to ``BOT_EXTRA_PLUGIN_DIR`` (kept as it is when it already
  holds that folder), so a bot installed from a wheel answers ``!pair approve`` with no line in
  config.py. ``ZALOUSER_COMPANION_PLUGINS = False`` leaves them out. (Errbot's other route, an
  ``errbot.plugins`` entry point, walks every folder of the distribution, which loads our backend's
  own .plug as a broken plugin, and, for an editable install, the whole site-packages.)
- **Directory commands are admin-only.** Errbot's ChatRoom plugin lists the account's groups
  (``!room list``) and any group's members (``!room occupants``). Unless a key of ``ACCESS_CONTROLS``
  names the ChatRoom plugin, the rule ``"ChatRoom:*": {"allowusers": BOT_ADMINS, "allowmuc": False}``
  is put first: admins only, in a DM, as for the companion directory.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from errbot_zalouser.errors import ConfigError
from errbot_zalouser.paths import plugins_dir

log = logging.getLogger(__name__)

COMPANION_KEY = "ZALOUSER_COMPANION_PLUGINS"
ROOM_RULE = "ChatRoom:*"


def complete_config(config: Any) -> list[str]:
    """Apply the defaults above to errbot's config object; returns warnings to log. Raises ConfigError."""
    warnings = []
    add_companion_plugins(config)
    add_room_rule(config)
    core = getattr(config, "CORE_PLUGINS", None)
    if core is not None and "ACLs" not in core:
        warnings.append("CORE_PLUGINS leaves out ACLs: errbot then enforces no admin_only command and no "
                        "ACCESS_CONTROLS rule (the !room commands list groups and members to anyone); add \"ACLs\"")
    return warnings


def add_companion_plugins(config: Any) -> None:
    wanted = getattr(config, COMPANION_KEY, True)
    if not isinstance(wanted, bool):
        raise ConfigError(COMPANION_KEY, f"must be True or False, got {wanted!r}",
                          "leave it out to load the companion plugins, or set it to False")
    current = _as_list(getattr(config, "BOT_EXTRA_PLUGIN_DIR", None))
    ours = Path(plugins_dir()).resolve()
    if not wanted or any(_contains(folder, ours) for folder in current):
        config.BOT_EXTRA_PLUGIN_DIR = getattr(config, "BOT_EXTRA_PLUGIN_DIR", None)  # errbot reads it unguarded
        return
    config.BOT_EXTRA_PLUGIN_DIR = [*current, str(ours)]
    log.debug("companion plugins added from %s", ours)


def add_room_rule(config: Any) -> None:
    rules = dict(getattr(config, "ACCESS_CONTROLS", None) or {})
    if any(str(key).split(":", 1)[0].strip().lower() == "chatroom" for key in rules if ":" in str(key)):
        return
    admins = getattr(config, "BOT_ADMINS", ())
    config.ACCESS_CONTROLS = {ROOM_RULE: {"allowusers": admins, "allowmuc": False}, **rules}


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    return [os.fspath(v) for v in value]


def _contains(folder: str, ours: Path) -> bool:
    """True when errbot, walking ``folder`` recursively, finds our plugins."""
    try:
        root = Path(folder).expanduser().resolve()
    except (OSError, RuntimeError):
        return False
    return ours == root or root in ours.parents
