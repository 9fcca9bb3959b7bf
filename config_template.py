"""Errbot configuration for a Zalo personal account (errbot-zalouser).

    cp config_template.py config.py     # then edit the values marked EDIT
    python -m errbot_zalouser login     # once: scan the QR code with the Zalo app
    errbot -c config.py

How access is decided, in two layers:

1. The Zalouser policy (the ZALOUSER block below, OpenClaw's `channels.zalouser` semantics) decides
   who reaches the bot at all. It runs in the backend before any plugin sees a message: a DM from
   an unknown sender under dmPolicy "pairing" gets a pairing code and goes no further; under
   "allowlist" or "disabled" it is dropped silently; a group message is admitted or dropped by
   groupPolicy / groups. A dropped message reaches no plugin and no command.
2. Errbot's own BOT_ADMINS and ACCESS_CONTROLS decide which commands each admitted person and group
   may run. Identities are Zalo ids: a person is "zalouser:<user id>", a group room is
   "zalouser:group:<group id>"; in a group, the sender's ACL identity is still "zalouser:<user id>".
   Display names never grant anything.
"""

import logging
import os

import errbot_zalouser

BACKEND = "Zalouser"
BOT_EXTRA_BACKEND_DIR = errbot_zalouser.backend_dir()
BOT_EXTRA_PLUGIN_DIR = errbot_zalouser.plugins_dir()

BOT_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
os.makedirs(BOT_DATA_DIR, exist_ok=True)
BOT_LOG_FILE = os.path.join(BOT_DATA_DIR, "errbot.log")
BOT_LOG_LEVEL = logging.INFO

# The zca executable (zca-cli, or openzca which installs `zca` too). For a trial with no Zalo
# account, `make run` uses the simulator `zca-sim` instead.
ZALOUSER_ZCA = "zca"

# OpenClaw's channels.zalouser block. Alternatively set ZALOUSER_CONFIG to the path of a json5 file
# holding this block, or a whole OpenClaw config (its channels.zalouser is read).
ZALOUSER = {
    "enabled": True,
    "dmPolicy": "pairing",  # pairing | allowlist | open | disabled
    "allowFrom": [],  # Zalo user ids (names are resolved from the friend list at start-up)
    "groupPolicy": "allowlist",  # open | allowlist | disabled
    "groups": {
        # "6918273645501928374": {"allow": True},
        # "Work Chat": {"allow": True, "requireMention": True},
    },
    # "accounts": {"work": {"profile": "work", "dmPolicy": "allowlist", "allowFrom": ["..."]}},
    # "defaultAccount": "work",
}

# EDIT: your own Zalo user id. To learn it, message the bot from your phone: under dmPolicy
# "pairing" its reply shows "Your Zalo user id: ...". (`python -m errbot_zalouser status` prints the
# bot's own id.) Admins approve pairing codes and manage the allowlist from their Zalo DM with the
# bot, and always pass the DM policy themselves.
BOT_ADMINS = ("zalouser:1000000000000000001",)
BOT_ADMINS_NOTIFICATIONS = BOT_ADMINS

BOT_PREFIX = "!"
CORE_PLUGINS = ("ACLs", "Help", "Health", "Utils", "Plugins", "CommandNotFoundFilter", "ChatRoom")
AUTOINSTALL_DEPS = False

# Errbot ACLs on Zalo ids. Patterns are "<Plugin>:<command>" globs; the first match wins.
ACCESS_CONTROLS = {
    # The companion plugins' admin commands: admins only, in DMs.
    "ZalouserPairing:*": {"allowusers": BOT_ADMINS, "allowmuc": False},
    "ZalouserAllowlist:*": {"allowusers": BOT_ADMINS, "allowmuc": False},
    # Errbot's plugin management only for admins.
    "Plugins:*": {"allowusers": BOT_ADMINS},
    # Example: in one group, only two people may run the Health commands.
    # "Health:*": {"allowrooms": ("zalouser:group:6918273645501928374",),
    #              "allowusers": ("zalouser:1000000000000000001", "zalouser:2011223344556677889")},
    # Example: nobody may run `!echo` inside groups.
    # "Utils:echo": {"allowmuc": False},
}
HIDE_RESTRICTED_COMMANDS = True
