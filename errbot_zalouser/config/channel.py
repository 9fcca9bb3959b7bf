"""A ``channels.zalouser`` block -> Settings: the channel level merged into each account.

An account-level value replaces the channel-level one as a whole (lists, maps and our
``pairing`` objects are not merged). See the package docstring for the keys.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from errbot_zalouser.config import readers as read
from errbot_zalouser.config.readers import Num, Reader, Warnings, plain
from errbot_zalouser.config.security import access_warnings, rate_warnings, shared_profile_warnings
from errbot_zalouser.errors import ConfigError
from errbot_zalouser.settings import (
    APPROVED_PLACEHOLDERS,
    DEFAULT_MEDIA_MAX_MB,
    MAX_TEXT_CHUNK,
    REPLY_PLACEHOLDERS,
    ROOT,
    AccountConfig,
    ChunkMode,
    DmPolicy,
    EngineKind,
    Formatting,
    GroupPolicy,
    ListenerConfig,
    MediaSettings,
    OutboundSettings,
    PairingScope,
    PairingSettings,
    Settings,
    ZcaJsSettings,
    normalize_account_id,
)


def parse_channel_block(
    block: Mapping[str, Any] | None,
    defaults: Mapping[str, Any] | None = None,
    *,
    zca: str = "zca",
    env: Mapping[str, str] = os.environ,
) -> Settings:
    """Build Settings from a ``channels.zalouser`` block and optional ``channels.defaults``."""
    warnings: Warnings = []
    block = read.mapping_or_empty(block, ROOT)
    top = _parse_fields(block, ROOT, warnings, channel_level=True)
    own_blocks = _account_blocks(block, warnings)
    ids = sorted(own_blocks) or ["default"]
    default_group_policy = _defaults_group_policy(defaults, warnings)
    env_profile = _env_profile(env)
    accounts = []
    for account_id in ids:
        path, raw = own_blocks.get(account_id, (ROOT, {}))
        own = _parse_fields(raw, path, warnings, channel_level=False) if path != ROOT else {}
        accounts.append(_build_account(account_id, path, top, own, default_group_policy, env_profile, warnings))
    warnings.extend(shared_profile_warnings(accounts))
    return Settings(
        accounts=tuple(accounts),
        default_account=_default_account(block, ids, warnings),
        zca=read.zca_executable(zca),
        outbound=_outbound(block.get("outbound"), warnings),
        listener=_listener(block.get("listener"), warnings),
        zca_js=_zca_js(block.get("zcaJs"), accounts, warnings),
        media=_media(block.get("media"), warnings),
        warnings=tuple(dict.fromkeys(warnings)),
    )


# --- the blocks of numbers ---------------------------------------------------------------------

_PAIRING_NUMBERS = {
    "ttlSeconds": Num("ttl_seconds", 0, 30 * 86400),
    "maxPending": Num("max_pending", 1, 100, integer=True, low_inclusive=True),
    "cooldownSeconds": Num("cooldown_seconds", 0, 30 * 86400, low_inclusive=True),
    "summaryIntervalSeconds": Num("summary_interval_seconds", 60, 7 * 86400, low_inclusive=True),
    "firstContactsPerHour": Num("first_contacts_per_hour", 1, 1000, integer=True, low_inclusive=True),
}
_PAIRING_OTHER: dict[str, tuple[str, Reader]] = {
    "replyText": ("reply_template", read.template(REPLY_PLACEHOLDERS)),
    "approvedText": ("approved_text", read.template(APPROVED_PLACEHOLDERS)),
    "scope": ("scope", read.choice(PairingScope)),
}
_OUTBOUND_NUMBERS = {
    "workers": Num("workers", 1, 32, integer=True, low_inclusive=True),
    "ratePerSecond": Num("rate_per_second", 0, 50),
    "burst": Num("burst", 1, 100, integer=True, low_inclusive=True),
    "maxAttempts": Num("max_attempts", 1, 20, integer=True, low_inclusive=True),
    "retryBaseSeconds": Num("retry_base_seconds", 0, 3600),
    "retryMaxSeconds": Num("retry_max_seconds", 0, 86400),
    "sendTimeoutSeconds": Num("send_timeout", 0, 600),
    "maxAgeSeconds": Num("max_age_seconds", 0, 7 * 86400),
    "maxQueuedPerConversation": Num("max_queued_per_conversation", 1, 10_000, integer=True, low_inclusive=True),
    "maxQueuedPerAccount": Num("max_queued_per_account", 1, 100_000, integer=True, low_inclusive=True),
}
_OUTBOUND_FLAGS = {"retryUnknownDelivery": "retry_unknown_delivery"}
_LISTENER_NUMBERS = {
    "stallSeconds": Num("stall_seconds", 0, 7 * 86400),
    "closedGraceSeconds": Num("closed_grace_seconds", 0, 3600, low_inclusive=True),
    "recycleSeconds": Num("recycle_seconds", 0, 30 * 86400),
    "backoffInitialSeconds": Num("backoff_initial_seconds", 0, 3600),
    "backoffMaxSeconds": Num("backoff_max_seconds", 0, 86400),
    "maxEventAgeSeconds": Num("max_event_age_seconds", 0, 7 * 86400),
    "heartbeatSeconds": Num("heartbeat_seconds", 1, 3600, low_inclusive=True),
    "loggedOutRetrySeconds": Num("logged_out_retry_seconds", 1, 3600, low_inclusive=True),
    "lockRetrySeconds": Num("lock_retry_seconds", 1, 3600, low_inclusive=True),
}


def _pairing(value: Any, key: str, warnings: Warnings) -> dict[str, Any]:
    raw = read.mapping_or_empty(value, key)
    read.check_keys(raw, key, frozenset(_PAIRING_NUMBERS) | frozenset(_PAIRING_OTHER), warnings)
    fields = read.numbers(raw, key, _PAIRING_NUMBERS)
    for name, (attr, reader) in _PAIRING_OTHER.items():
        if raw.get(name) is not None:
            fields[attr] = reader(raw[name], f"{key}.{name}", warnings)
    return fields


def _outbound(value: Any, warnings: Warnings) -> OutboundSettings:
    key = f"{ROOT}.outbound"
    raw = read.mapping_or_empty(value, key)
    read.check_keys(raw, key, frozenset(_OUTBOUND_NUMBERS) | frozenset(_OUTBOUND_FLAGS), warnings)
    flags = {attr: read.boolean(raw[name], f"{key}.{name}", warnings)
             for name, attr in _OUTBOUND_FLAGS.items() if raw.get(name) is not None}
    settings = OutboundSettings(**read.numbers(raw, key, _OUTBOUND_NUMBERS), **flags)
    if settings.max_queued_per_account < settings.max_queued_per_conversation:
        raise ConfigError(f"{key}.maxQueuedPerAccount", f"{settings.max_queued_per_account} is smaller than "
                          f"maxQueuedPerConversation ({settings.max_queued_per_conversation})",
                          "raise maxQueuedPerAccount or lower maxQueuedPerConversation")
    if settings.retry_max_seconds < settings.retry_base_seconds:
        raise ConfigError(f"{key}.retryMaxSeconds", f"{plain(settings.retry_max_seconds)} is smaller than "
                          f"retryBaseSeconds ({plain(settings.retry_base_seconds)})",
                          "raise retryMaxSeconds or lower retryBaseSeconds")
    warnings.extend(rate_warnings(settings, key))
    return settings


def _listener(value: Any, warnings: Warnings) -> ListenerConfig:
    key = f"{ROOT}.listener"
    raw = read.mapping_or_empty(value, key)
    read.check_keys(raw, key, frozenset(_LISTENER_NUMBERS), warnings)
    return ListenerConfig(**read.numbers(raw, key, _LISTENER_NUMBERS))


_ZCA_JS_PATHS = {"installFolder": "install_folder", "package": "package", "node": "node",
                 "openzcaHome": "openzca_home"}


def _zca_js(value: Any, accounts: list[AccountConfig], warnings: Warnings) -> ZcaJsSettings:
    key = f"{ROOT}.zcaJs"
    raw = read.mapping_or_empty(value, key)
    read.check_keys(raw, key, frozenset(_ZCA_JS_PATHS), warnings)
    paths = {attr: read.path(raw[name], f"{key}.{name}", warnings)
             for name, attr in _ZCA_JS_PATHS.items() if raw.get(name) is not None}
    if paths and not any(a.enabled and a.engine == EngineKind.ZCA_JS for a in accounts):
        warnings.append(f'{key} is set, but no enabled account has engine "{EngineKind.ZCA_JS}"; it is not used')
    return ZcaJsSettings(**paths)


def _media(value: Any, warnings: Warnings) -> MediaSettings:
    key = f"{ROOT}.media"
    raw = read.mapping_or_empty(value, key)
    read.check_keys(raw, key, frozenset({"folder", "retentionHours"}), warnings)
    fields: dict[str, Any] = read.numbers(raw, key, {"retentionHours": Num("retention_hours", 0, 24 * 3650,
                                                                            low_inclusive=True)})
    if raw.get("folder") is not None:
        fields["folder"] = read.folder(raw["folder"], f"{key}.folder", warnings)
    return MediaSettings(**fields)


def _defaults_group_policy(defaults: Any, warnings: Warnings) -> GroupPolicy | None:
    raw = read.mapping_or_empty(defaults, "channels.defaults")
    if raw.get("groupPolicy") is None:
        return None
    return read.choice(GroupPolicy)(raw["groupPolicy"], "channels.defaults.groupPolicy", warnings)


# --- account-level keys ------------------------------------------------------------------------

# Keys of one account (or of the channel level standing in for the accounts).
_FIELD_READERS: dict[str, Reader] = {
    "name": read.text,
    "enabled": read.boolean,
    "profile": read.profile,
    "dmPolicy": read.choice(DmPolicy),
    "allowFrom": read.entries,
    "groupPolicy": read.choice(GroupPolicy),
    "groups": read.groups,
    "groupAllowFrom": read.entries,
    "requireMention": read.boolean,
    "dangerouslyAllowNameMatching": read.boolean,
    "chunkMode": read.choice(ChunkMode),
    "formatting": read.choice(Formatting),
    "engine": read.choice(EngineKind),
    "textChunkLimit": lambda v, k, w: Num("", 0, MAX_TEXT_CHUNK, integer=True).read(v, k),
    "mediaMaxMb": lambda v, k, w: Num("", 0, 1024).read(v, k),
    "pairing": _pairing,
    "markdown": lambda v, k, w: v,
    "messagePrefix": lambda v, k, w: v,
}
_CHANNEL_ONLY_KEYS = frozenset({"accounts", "defaultAccount", "outbound", "listener", "zcaJs", "media"})


def _parse_fields(raw: Mapping[str, Any], path: str, warnings: Warnings, *, channel_level: bool) -> dict[str, Any]:
    """Validate the account-level keys present in one block (channel level or accounts.<id>)."""
    known = frozenset(_FIELD_READERS) | (_CHANNEL_ONLY_KEYS if channel_level else frozenset())
    read.check_keys(raw, path, known, warnings, misplaced=frozenset() if channel_level else _CHANNEL_ONLY_KEYS)
    return {key: reader(raw[key], f"{path}.{key}", warnings)
            for key, reader in _FIELD_READERS.items() if raw.get(key) is not None}


# --- accounts ----------------------------------------------------------------------------------


def _account_blocks(block: Mapping[str, Any], warnings: Warnings) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """accounts.<key> -> {normalised id: (key path, raw block)}."""
    raw = block.get("accounts")
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{ROOT}.accounts", f"must be a map from account id to settings, got {read.show(raw)}",
                          'e.g. {"work": {"profile": "work"}}')
    blocks: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for key, value in raw.items():
        path = read.join(f"{ROOT}.accounts", key)
        account_id = normalize_account_id(key)
        if account_id in blocks:
            raise ConfigError(path, f'"{key}" and another account key both become the account id "{account_id}"',
                              "rename one of the accounts")
        if account_id != str(key):
            warnings.append(f'{path}: used as account id "{account_id}"')
        blocks[account_id] = (path, read.mapping_or_empty(value, path))
    return blocks


def _default_account(block: Mapping[str, Any], ids: list[str], warnings: Warnings) -> str:
    fallback = "default" if "default" in ids else ids[0]
    raw = block.get("defaultAccount")
    if raw is None:
        return fallback
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(f"{ROOT}.defaultAccount", f"invalid value {read.show(raw)}; accepted: one of the "
                          "account ids " + ", ".join(f'"{i}"' for i in ids), "")
    wanted = normalize_account_id(raw)
    if wanted in ids:
        return wanted
    warnings.append(f'{ROOT}.defaultAccount is "{raw}", which is not a configured account '
                    f'({", ".join(ids)}); using "{fallback}" (add accounts.{wanted} or change defaultAccount)')
    return fallback


def _env_profile(env: Mapping[str, str]) -> str | None:
    value = (env.get("ZCA_PROFILE") or "").strip()
    return read.profile(value, "ZCA_PROFILE (environment variable)", []) if value else None


def _build_account(account_id: str, path: str, top: dict[str, Any], own: dict[str, Any],
                   default_group_policy: GroupPolicy | None, env_profile: str | None,
                   warnings: Warnings) -> AccountConfig:
    merged = {**top, **own}
    origin = {key: (path if key in own else ROOT) for key in merged}
    enabled = top.get("enabled", True) and own.get("enabled", True)
    profile = merged.get("profile") or env_profile or (account_id if account_id != "default" else "default")
    account = AccountConfig(
        account_id=account_id,
        name=merged.get("name", ""),
        enabled=enabled,
        profile=profile,
        dm_policy=merged.get("dmPolicy", DmPolicy.PAIRING),
        allow_from=merged.get("allowFrom", ()),
        group_policy=merged.get("groupPolicy") or default_group_policy or GroupPolicy.OPEN,
        groups=merged.get("groups", {}),
        group_allow_from=merged.get("groupAllowFrom", ()),
        require_mention=merged.get("requireMention", False),
        chunk_mode=merged.get("chunkMode", ChunkMode.LENGTH),
        text_chunk_limit=merged.get("textChunkLimit", MAX_TEXT_CHUNK),
        formatting=merged.get("formatting", Formatting.AUTO),
        engine=merged.get("engine", EngineKind.CLI),
        media_max_mb=merged.get("mediaMaxMb", DEFAULT_MEDIA_MAX_MB),
        pairing=PairingSettings(**merged.get("pairing", {})),
        name_matching=merged.get("dangerouslyAllowNameMatching", False),
        config_path=path,
    )
    if enabled:
        warnings.extend(access_warnings(account, origin))
    return account
