"""The frozen values the configuration is read into, and that policy, outbound, transport and the
service consume. Reading and validating them is ``errbot_zalouser.config``'s job; nothing here
reads a file or the environment.

The policies are ``StrEnum`` members, so they compare equal to the strings OpenClaw configs use
(``account.dm_policy == "pairing"``) and print as those strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from errbot_zalouser.errors import NotFound

ROOT = "channels.zalouser"
"""Where the block lives in an OpenClaw config; every configuration key path starts with it."""
MAX_TEXT_CHUNK = 2000
DEFAULT_MEDIA_MAX_MB = 20.0  # openzca's own limit on a file it downloads (20 MiB)


class DmPolicy(StrEnum):
    PAIRING = "pairing"  # unknown DM senders get a code an admin approves
    ALLOWLIST = "allowlist"  # unknown DM senders are dropped silently
    OPEN = "open"  # anyone
    DISABLED = "disabled"  # no DMs at all


class GroupPolicy(StrEnum):
    OPEN = "open"  # every group
    ALLOWLIST = "allowlist"  # only groups with an allowing ``groups`` rule
    DISABLED = "disabled"  # no group messages


class ChunkMode(StrEnum):
    LENGTH = "length"  # fill each message up to the limit, cutting at a line break or a space
    NEWLINE = "newline"  # each paragraph its own message, long ones cut as for LENGTH


class Formatting(StrEnum):
    AUTO = "auto"  # Zalo styles where the zca binary reads formatting markers exactly, else plain
    PLAIN = "plain"  # always readable plain text (sent with --raw where the binary has it)


class EngineKind(StrEnum):
    """How an account reaches Zalo (README, "Which engine")."""

    CLI = "cli"  # the `zca` tool: one process per message sent, a `zca listen` child for inbound
    ZCA_JS = "zca-js"  # one long-lived Node process on zca-js holding one session (transport/engine)


class PairingScope(StrEnum):
    CHANNEL = "channel"  # the pending cap counts every account's requests together (seed)
    ACCOUNT = "account"  # the cap counts per account (later OpenClaw)


# The texts of the pairing flow. Templates are checked against these placeholders when the
# configuration is read, and rendered by policy.pairing.
DEFAULT_PAIRING_REPLY = (
    "Access to this bot is not set up for you yet.\n"
    "\n"
    "Your Zalo user id: {user_id}\n"
    "Pairing code: {code}\n"
    "\n"
    "Ask the bot owner to approve it by sending:\n"
    "{prefix}pair approve {code}"
)
DEFAULT_APPROVED_TEXT = "Your pairing request has been approved."
REPLY_PLACEHOLDERS = ("user_id", "code", "name", "prefix")
APPROVED_PLACEHOLDERS = ("user_id", "name", "prefix")


def normalize_account_id(raw: object) -> str:
    """Lower-case, runs of invalid characters -> '-' (none at the ends), at most 64; empty -> "default"."""
    text = re.sub(r"[^a-z0-9_-]+", "-", str(raw).strip().lower()).strip("-")[:64]
    return text or "default"


def _frozen_rules(rules: Mapping[str, GroupRule] | None = None) -> Mapping[str, GroupRule]:
    return MappingProxyType(dict(rules or {}))


@dataclass(frozen=True)
class GroupRule:
    """One ``groups`` entry. ``allow`` is false when ``allow`` or ``enabled`` was false."""

    allow: bool = True
    require_mention: bool | None = None


@dataclass(frozen=True)
class PairingSettings:
    """DM pairing: how long a code lives, how many may be pending (per account by default), what
    the sender is told; how long a denied or expired requester waits for a new code
    (``cooldown_seconds``), how often a full cap is summarised to the admins, and how many
    strangers a pairing reply may go to in an hour (Zalo blocks accounts that write to many)."""

    ttl_seconds: float = 3600.0
    max_pending: int = 3
    reply_template: str = DEFAULT_PAIRING_REPLY
    approved_text: str = DEFAULT_APPROVED_TEXT
    scope: PairingScope = PairingScope.ACCOUNT
    cooldown_seconds: float = 86400.0
    summary_interval_seconds: float = 3600.0
    first_contacts_per_hour: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope", PairingScope(self.scope))


@dataclass(frozen=True)
class OutboundSettings:
    """Send pool. The defaults are slow on purpose: a personal account that sends fast is blocked."""

    workers: int = 8
    rate_per_second: float = 1.0
    burst: int = 5
    max_attempts: int = 4
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 30.0
    send_timeout: float = 30.0
    max_age_seconds: float = 600.0  # a reply not sent within this is dropped (stale, and risky)
    max_queued_per_conversation: int = 20
    max_queued_per_account: int = 100
    retry_unknown_delivery: bool = False  # retry a send that may have reached the chat (a timeout)


@dataclass(frozen=True)
class ListenerConfig:
    """Watchdog settings handed to the transport's ListenerSettings."""

    stall_seconds: float = 3600.0
    closed_grace_seconds: float = 30.0
    recycle_seconds: float | None = None
    backoff_initial_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    max_event_age_seconds: float | None = 600.0  # older inbound events are dropped (None: no limit)
    heartbeat_seconds: float = 30.0
    logged_out_retry_seconds: float = 30.0
    lock_retry_seconds: float = 30.0


@dataclass(frozen=True)
class ZcaJsSettings:
    """Where the zca-js engine's parts are, for the accounts with ``engine: "zca-js"`` (the
    ``zcaJs`` block). Paths are absolute or as given, ``~`` expanded; None means the default."""

    install_folder: str | None = None  # where `engine install` put zca-js (default: its default folder)
    package: str | None = None  # a zca-js package folder (or stand-in module) used as it is, unchecked
    node: str = "node"
    openzca_home: str | None = None  # where `zca auth login` keeps profiles ($OPENZCA_HOME, else ~/.openzca)


@dataclass(frozen=True)
class MediaSettings:
    """Where the `zca` listener saves the files the bot is given, and how long they are kept.

    ``folder`` None: ``<BOT_DATA_DIR>/zalouser/media``; each account has its own folder in it.
    ``retention_hours`` 0: the bot never deletes a file there (someone else cleans it up)."""

    folder: str | None = None
    retention_hours: float = 24.0


@dataclass(frozen=True)
class AccountConfig:
    """One Zalo account, after merging the channel level into ``accounts.<id>``.

    Lists and maps given as lists and dicts are stored as tuples and a read-only mapping; policy
    strings are turned into their enums (ValueError for any other string).
    """

    account_id: str
    name: str = ""
    enabled: bool = True
    profile: str = "default"
    dm_policy: DmPolicy = DmPolicy.PAIRING
    allow_from: tuple[str, ...] = ()
    group_policy: GroupPolicy = GroupPolicy.OPEN
    groups: Mapping[str, GroupRule] = field(default_factory=_frozen_rules, hash=False)
    group_allow_from: tuple[str, ...] = ()
    require_mention: bool = False
    chunk_mode: ChunkMode = ChunkMode.LENGTH
    text_chunk_limit: int = MAX_TEXT_CHUNK
    formatting: Formatting = Formatting.AUTO
    engine: EngineKind = EngineKind.CLI
    media_max_mb: float = DEFAULT_MEDIA_MAX_MB  # the largest file the bot is given or sends
    pairing: PairingSettings = field(default_factory=PairingSettings)
    name_matching: bool = False
    config_path: str = ROOT

    def __post_init__(self) -> None:
        object.__setattr__(self, "dm_policy", DmPolicy(self.dm_policy))
        object.__setattr__(self, "group_policy", GroupPolicy(self.group_policy))
        object.__setattr__(self, "chunk_mode", ChunkMode(self.chunk_mode))
        object.__setattr__(self, "formatting", Formatting(self.formatting))
        object.__setattr__(self, "engine", EngineKind(self.engine))
        object.__setattr__(self, "allow_from", tuple(self.allow_from))
        object.__setattr__(self, "group_allow_from", tuple(self.group_allow_from))
        object.__setattr__(self, "groups", _frozen_rules(self.groups))

    @property
    def media_max_bytes(self) -> int:
        """``media_max_mb`` in bytes."""
        return int(self.media_max_mb * 1024 * 1024)


@dataclass(frozen=True)
class Settings:
    """Everything the backend reads from configuration. ``warnings`` are for the caller to log."""

    accounts: tuple[AccountConfig, ...]
    default_account: str
    zca: str = "zca"
    outbound: OutboundSettings = field(default_factory=OutboundSettings)
    listener: ListenerConfig = field(default_factory=ListenerConfig)
    zca_js: ZcaJsSettings = field(default_factory=ZcaJsSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    warnings: tuple[str, ...] = ()

    def account(self, account_id: str | None = None) -> AccountConfig:
        """The account with this id (normalised), or the default account for None."""
        wanted = self.default_account if account_id is None else normalize_account_id(account_id)
        for account in self.accounts:
            if account.account_id == wanted:
                return account
        known = ", ".join(a.account_id for a in self.accounts)
        raise NotFound(f'Unknown Zalo account "{account_id}" (configured: {known}).')

    @property
    def account_ids(self) -> tuple[str, ...]:
        return tuple(a.account_id for a in self.accounts)

    @property
    def enabled_accounts(self) -> tuple[AccountConfig, ...]:
        return tuple(a for a in self.accounts if a.enabled)
