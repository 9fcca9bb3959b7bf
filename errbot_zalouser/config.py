"""Configuration: errbot's ``ZALOUSER`` / ``ZALOUSER_CONFIG`` -> one frozen :class:`Settings`.

The input is an OpenClaw ``channels.zalouser`` block, so an existing OpenClaw setup can be
pointed at as it is. ``ZALOUSER`` is that block as a dict in errbot's ``config.py``;
``ZALOUSER_CONFIG`` is the path of a JSON5 file holding either the block or a whole OpenClaw
config (whose ``channels.zalouser`` and ``channels.defaults`` are read). ``ZALOUSER_ZCA``
names the executable (default ``zca``). Nothing set means an empty block: all defaults.

Keys (channel level = directly in the block; account level = also under
``accounts.<id>``, where a value replaces the channel-level one as a whole: lists and maps
are not merged, and neither are our ``pairing`` objects):

==============================  =========  ==================================  ==========
key                             level      values                              default
==============================  =========  ==================================  ==========
enabled                         both       bool; false on either level         true
                                           disables the account
defaultAccount                  channel    account id                          see below
accounts                        channel    map id -> account-level keys        one account
                                                                               "default"
name                            both       label shown in status               ""
profile                         both       zca profile                         see below
dmPolicy                        both       pairing | allowlist | open |        pairing
                                           disabled
allowFrom                       both       list of user ids (or friend names,  []
                                           resolved at start-up), "*" = all
groupPolicy                     both       open | allowlist | disabled         channels.defaults
                                                                               .groupPolicy, else
                                                                               open
groups                          both       map id | group:<id> | name | "*"    {}
                                           -> {allow, enabled, requireMention}
groupAllowFrom                  both       senders allowed inside groups       [] (any member)
requireMention                  both       bool: group messages need @bot      false
dangerouslyAllowNameMatching    both       bool: true = group name/slug keys   false (ids only
                                           also match at run time              at run time)
chunkMode                       both       length | newline                    length
textChunkLimit                  both       integer 1..2000                     2000
markdown, messagePrefix         both       accepted for compatibility, unused
pairing.ttlSeconds              both       seconds a code lives                3600
pairing.maxPending              both       integer 1..100                      3
pairing.replyText               both       template: {user_id} {code} {name}   unbranded text
                                           {prefix}; "" = create the request
                                           but send no reply
pairing.approvedText            both       template: {user_id} {name} {prefix} see below
pairing.scope                   both       channel | account (pending cap)     channel
outbound.workers                channel    integer 1..32                       8
outbound.ratePerSecond          channel    messages per second per account     1.0
outbound.burst                  channel    integer 1..100                      5
outbound.maxAttempts            channel    integer 1..20                       4
outbound.retryBaseSeconds       channel    seconds                             1.0
outbound.retryMaxSeconds        channel    seconds, >= retryBaseSeconds        30.0
outbound.sendTimeoutSeconds     channel    seconds                             30.0
listener.stallSeconds           channel    silence before a restart            3600
listener.closedGraceSeconds     channel    seconds                             30
listener.recycleSeconds         channel    planned restart period, or null     null
listener.backoffInitialSeconds  channel    first wait before a restart         1.0
listener.backoffMaxSeconds      channel    longest wait between restarts       60.0
==============================  =========  ==================================  ==========

Account ids are the sorted keys of ``accounts`` (lower-cased, runs of characters other than
``a-z 0-9 _ -`` replaced by one ``-``, none at the ends, at most 64), or ``["default"]``. The
default account is ``defaultAccount``, else ``"default"`` if it exists, else the first. The zca
profile of an account is its ``profile``, else ``$ZCA_PROFILE``, else the account id (unless
"default"), else ``"default"``. A ``null`` value counts as not set.

Unknown keys are warnings (with a "did you mean" hint); invalid values raise
:class:`ConfigError` naming the full key path, the bad value and the accepted values.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import json5

from errbot_zalouser.errors import ConfigError, NotFound
from errbot_zalouser.policy.resolve import strip_prefix

ROOT = "channels.zalouser"
DM_POLICIES = ("pairing", "allowlist", "open", "disabled")
GROUP_POLICIES = ("open", "allowlist", "disabled")
CHUNK_MODES = ("length", "newline")
PAIRING_SCOPES = ("channel", "account")
MAX_TEXT_CHUNK = 2000
_JS_SAFE_INTEGER = 2**53 - 1

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

Warnings = list[str]


# --- settings values ---------------------------------------------------------------------------


def _frozen_rules(rules: Mapping[str, GroupRule] | None = None) -> Mapping[str, GroupRule]:
    return MappingProxyType(dict(rules or {}))


@dataclass(frozen=True)
class GroupRule:
    """One ``groups`` entry. ``allow`` is false when ``allow`` or ``enabled`` was false."""

    allow: bool = True
    require_mention: bool | None = None


@dataclass(frozen=True)
class PairingSettings:
    """DM pairing. ``scope``: "channel" caps pending requests across all accounts (seed),
    "account" per account (later OpenClaw)."""

    ttl_seconds: float = 3600.0
    max_pending: int = 3
    reply_template: str = DEFAULT_PAIRING_REPLY
    approved_text: str = DEFAULT_APPROVED_TEXT
    scope: str = "channel"


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


@dataclass(frozen=True)
class ListenerConfig:
    """Watchdog settings handed to the transport's ListenerSettings."""

    stall_seconds: float = 3600.0
    closed_grace_seconds: float = 30.0
    recycle_seconds: float | None = None
    backoff_initial_seconds: float = 1.0
    backoff_max_seconds: float = 60.0


@dataclass(frozen=True)
class AccountConfig:
    """One Zalo account, after merging the channel level into ``accounts.<id>``."""

    account_id: str
    name: str = ""
    enabled: bool = True
    profile: str = "default"
    dm_policy: str = "pairing"
    allow_from: tuple[str, ...] = ()
    group_policy: str = "open"
    groups: Mapping[str, GroupRule] = field(default_factory=_frozen_rules, hash=False)
    group_allow_from: tuple[str, ...] = ()
    require_mention: bool = False
    chunk_mode: str = "length"
    text_chunk_limit: int = MAX_TEXT_CHUNK
    pairing: PairingSettings = field(default_factory=PairingSettings)
    name_matching: bool = False
    config_path: str = ROOT

    def __post_init__(self) -> None:
        # Accept lists and dicts from callers (tests), store tuples and a read-only mapping.
        object.__setattr__(self, "allow_from", tuple(self.allow_from))
        object.__setattr__(self, "group_allow_from", tuple(self.group_allow_from))
        object.__setattr__(self, "groups", _frozen_rules(self.groups))


@dataclass(frozen=True)
class Settings:
    """Everything the backend reads from configuration. ``warnings`` are for the caller to log."""

    accounts: tuple[AccountConfig, ...]
    default_account: str
    zca: str = "zca"
    outbound: OutboundSettings = field(default_factory=OutboundSettings)
    listener: ListenerConfig = field(default_factory=ListenerConfig)
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


# --- entry points ------------------------------------------------------------------------------


def load_settings(bot_config: object, *, env: Mapping[str, str] | None = None) -> Settings:
    """Read ``ZALOUSER`` / ``ZALOUSER_CONFIG`` / ``ZALOUSER_ZCA`` from errbot's config object.

    Raises ConfigError (never exits). Warnings are returned in ``Settings.warnings``, not logged.
    """
    inline = getattr(bot_config, "ZALOUSER", None)
    path = getattr(bot_config, "ZALOUSER_CONFIG", None)
    if inline is not None and path:
        raise ConfigError("ZALOUSER_CONFIG", "ZALOUSER and ZALOUSER_CONFIG are both set",
                          "keep one of them in config.py: the inline dict or the path of a JSON5 file")
    if path:
        doc, source, key = _read_json5(path), f"file {path}", "ZALOUSER_CONFIG"
    else:
        doc, source, key = inline, "ZALOUSER in config.py", "ZALOUSER"
    block, defaults, notes = _split_document(doc, key, source)
    zca = _zca_executable(getattr(bot_config, "ZALOUSER_ZCA", None))
    try:
        settings = parse_channel_block(block, defaults, zca=zca, env=os.environ if env is None else env)
    except ConfigError as exc:
        raise ConfigError(exc.key, f"{exc.problem}; read from {source}", exc.fix) from exc
    return replace(settings, warnings=tuple(notes) + settings.warnings) if notes else settings


def parse_channel_block(
    block: Mapping[str, Any] | None,
    defaults: Mapping[str, Any] | None = None,
    *,
    zca: str = "zca",
    env: Mapping[str, str] = os.environ,
) -> Settings:
    """Build Settings from a ``channels.zalouser`` block and optional ``channels.defaults``."""
    warnings: Warnings = []
    block = _mapping_or_empty(block, ROOT)
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
    warnings.extend(_shared_profile_warnings(accounts))
    return Settings(
        accounts=tuple(accounts),
        default_account=_default_account(block, ids, warnings),
        zca=_zca_executable(zca),
        outbound=_outbound(block.get("outbound"), warnings),
        listener=_listener(block.get("listener"), warnings),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def render_pairing_reply(settings: PairingSettings | AccountConfig, user_id: str, code: str,
                         name: str = "", prefix: str = "!") -> str:
    """The text sent to an unknown DM sender. ``prefix`` is errbot's BOT_PREFIX. "" = no reply."""
    pairing = settings.pairing if isinstance(settings, AccountConfig) else settings
    return pairing.reply_template.format(user_id=user_id, code=code, name=name, prefix=prefix)


def render_approved_text(settings: PairingSettings | AccountConfig, user_id: str,
                         name: str = "", prefix: str = "!") -> str:
    """The notice sent to a sender whose pairing request was approved."""
    pairing = settings.pairing if isinstance(settings, AccountConfig) else settings
    return pairing.approved_text.format(user_id=user_id, name=name, prefix=prefix)


def normalize_account_id(raw: object) -> str:
    """Lower-case, runs of invalid characters -> '-' (none at the ends), at most 64; empty -> "default"."""
    text = re.sub(r"[^a-z0-9_-]+", "-", str(raw).strip().lower()).strip("-")[:64]
    return text or "default"


# --- reading the document ----------------------------------------------------------------------


def _read_json5(path: object) -> Any:
    if not isinstance(path, (str, os.PathLike)):
        raise ConfigError("ZALOUSER_CONFIG", f"must be a file path, got {_show(path)}",
                          'e.g. ZALOUSER_CONFIG = "/etc/errbot/zalouser.json5"')
    file = Path(os.path.expanduser(os.fspath(path)))
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("ZALOUSER_CONFIG", f"cannot read {file}: {exc}",
                          "check the path; a relative path is read from the bot's working directory") from exc
    try:
        return json5.loads(text)
    except ValueError as exc:
        raise ConfigError("ZALOUSER_CONFIG", f"{file} is not valid JSON5: {exc}", "fix the syntax error") from exc


def _split_document(doc: Any, key: str, source: str) -> tuple[Mapping[str, Any], Any, Warnings]:
    """A bare channel block, or a whole OpenClaw config -> (block, channels.defaults, notes)."""
    if doc is None:
        return {}, None, []
    if not isinstance(doc, Mapping):
        raise ConfigError(key, f"must hold an object (a channels.zalouser block), got {_show(doc)}",
                          'e.g. {"dmPolicy": "pairing", "allowFrom": []}')
    channels = doc.get("channels")
    if not isinstance(channels, Mapping):
        return doc, None, []
    block = channels.get("zalouser")
    notes = [] if block is not None else [f"{source} has no channels.zalouser section; using the defaults"]
    return block or {}, channels.get("defaults"), notes


def _zca_executable(value: object) -> str:
    if value is None:
        return "zca"
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("ZALOUSER_ZCA", f"must be the name or path of the zca executable, got {_show(value)}",
                          'e.g. ZALOUSER_ZCA = "/usr/local/bin/zca"')
    return os.path.expanduser(value.strip())


def _mapping_or_empty(value: Any, key: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"must be an object, got {_show(value)}", "")
    return value


def _join(path: str, key: object) -> str:
    text = str(key)
    if re.fullmatch(r"[A-Za-z0-9_-]+", text):
        return f"{path}.{text}"
    return f"{path}[{json.dumps(text, ensure_ascii=False)}]"


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# --- suggestions -------------------------------------------------------------------------------

# Translations and synonyms people write for an accepted value. Looked up after removing
# case, spaces and punctuation; difflib catches near-misses and typos on top of this.
_VALUE_ALIASES = {
    "appairage": "pairing", "appariement": "pairing", "jumelage": "pairing", "pair": "pairing",
    "paired": "pairing", "code": "pairing", "ghepdoi": "pairing", "ghépđôi": "pairing",
    "whitelist": "allowlist", "allow": "allowlist", "allowed": "allowlist", "list": "allowlist",
    "listeblanche": "allowlist", "allowfrom": "allowlist",
    "public": "open", "everyone": "open", "anyone": "open", "all": "open", "any": "open",
    "ouvert": "open",
    "off": "disabled", "none": "disabled", "closed": "disabled", "deny": "disabled",
    "block": "disabled", "blocked": "disabled", "desactive": "disabled",
    "désactivé": "disabled", "ferme": "disabled", "fermé": "disabled",
    "paragraph": "newline", "paragraphs": "newline", "lines": "newline", "line": "newline",
    "chars": "length", "characters": "length", "size": "length",
    "global": "channel", "shared": "channel", "peraccount": "account",
}


def _suggest(value: object, choices: tuple[str, ...] | frozenset[str]) -> str | None:
    """The accepted value someone most likely meant, or None."""
    if not isinstance(value, (str, bool)):
        return None
    text = (json.dumps(value) if isinstance(value, bool) else value).strip()
    folded = {c.casefold(): c for c in choices}
    squashed = re.sub(r"[\s_\-.'\"]+", "", text.casefold())
    for candidate in (text.casefold(), squashed, _VALUE_ALIASES.get(squashed, "")):
        if candidate in folded:
            return folded[candidate]
    close = difflib.get_close_matches(text.casefold(), list(folded), n=1, cutoff=0.6)
    if close:
        return folded[close[0]]
    extended = [c for c in folded if len(squashed) >= 3 and c.startswith(squashed)]  # "ttl" -> "ttlSeconds"
    return folded[extended[0]] if len(extended) == 1 else None


def _did_you_mean(value: object, choices: tuple[str, ...] | frozenset[str]) -> str:
    hint = _suggest(value, choices)
    return f'did you mean "{hint}"?' if hint else ""


# --- scalar readers ----------------------------------------------------------------------------


def _choice(choices: tuple[str, ...]) -> Callable[[Any, str, Warnings], str]:
    def read(value: Any, key: str, warnings: Warnings) -> str:
        if isinstance(value, str) and value in choices:
            return value
        accepted = ", ".join(f'"{c}"' for c in choices)
        raise ConfigError(key, f"invalid value {_show(value)}; accepted values: {accepted}",
                          _did_you_mean(value, choices))

    return read


def _boolean(value: Any, key: str, warnings: Warnings) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(key, f"invalid value {_show(value)}; accepted values: true, false", "")


def _text(value: Any, key: str, warnings: Warnings) -> str:
    if isinstance(value, str):
        return value
    raise ConfigError(key, f"invalid value {_show(value)}; accepted: a string", "")


def _profile(value: Any, key: str, warnings: Warnings) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or text[0] in "-." or re.search(r"[\s/\\\x00]", text) or len(text) > 128:
        raise ConfigError(key, f"invalid zca profile name {_show(value)}; accepted: a name without spaces "
                          "or slashes, not starting with '-' or '.'", 'e.g. "work"')
    return text


@dataclass(frozen=True)
class _Num:
    """How to read one numeric key: into ``attr``, within (low, high], or [low, high]."""

    attr: str
    low: float
    high: float
    integer: bool = False
    low_inclusive: bool = False

    def read(self, value: Any, key: str) -> float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        ok = ok and (isinstance(value, int) or not self.integer)
        ok = ok and (value >= self.low if self.low_inclusive else value > self.low) and value <= self.high
        if not ok:
            raise ConfigError(key, f"invalid value {_show(value)}; accepted: {self.describe()}", "")
        return int(value) if self.integer else float(value)

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        low = f"from {self.low:g}" if self.low_inclusive else f"greater than {self.low:g}"
        return f"{kind} {low}, at most {self.high:g}"


def _template(allowed: tuple[str, ...]) -> Callable[[Any, str, Warnings], str]:
    def read(value: Any, key: str, warnings: Warnings) -> str:
        text = _text(value, key, warnings)
        names = ", ".join(f"{{{a}}}" for a in allowed)
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as exc:
            raise ConfigError(key, f"is not a valid template ({exc})",
                              'write "{{" and "}}" for literal braces') from exc
        unknown = [f for f in fields if f not in allowed]
        if unknown:
            raise ConfigError(key, f'unknown placeholder "{{{unknown[0]}}}"; accepted placeholders: {names}',
                              'write "{{" and "}}" for literal braces')
        try:
            text.format(**{a: "x" for a in allowed})
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise ConfigError(key, f"cannot be rendered ({exc}); accepted placeholders: {names}", "") from exc
        return text

    return read


# --- allowlists and groups ---------------------------------------------------------------------


def _entries(value: Any, key: str, warnings: Warnings) -> tuple[str, ...]:
    """allowFrom-style list: ids as strings or numbers, names, "*"; prefixes stripped, deduplicated."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ConfigError(key, f"must be a list of Zalo user ids (or friend names), got {_show(value)}",
                          'e.g. ["4830021983762145322"]')
    out: dict[str, str] = {}
    for index, item in enumerate(value):
        entry = _entry(item, f"{key}[{index}]", warnings)
        if entry:
            out.setdefault(entry.casefold(), entry)
    return tuple(out.values())


def _entry(item: Any, key: str, warnings: Warnings) -> str:
    if isinstance(item, bool) or not isinstance(item, (str, int)):
        raise ConfigError(key, f"invalid entry {_show(item)}; accepted: a user id string, a friend name, or \"*\"",
                          'write ids as strings, e.g. "4830021983762145322"')
    if isinstance(item, int) and abs(item) > _JS_SAFE_INTEGER:
        warnings.append(f"{key}: the id {item} is written as a number; write it as a string, since tools "
                        "written in JavaScript silently round numbers this large")
    entry = strip_prefix(item)
    if not entry:
        warnings.append(f"{key}: empty entry ignored")
    return entry


def _groups(value: Any, key: str, warnings: Warnings) -> Mapping[str, GroupRule]:
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"must be a map from group id or name to a rule, got {_show(value)}",
                          'e.g. {"6918273645501928374": {"allow": true}}')
    rules: dict[str, GroupRule] = {}
    for raw_key, raw_rule in value.items():
        path = _join(key, raw_key)
        group_key = strip_prefix(raw_key)
        if not group_key:
            raise ConfigError(path, "empty group key", 'use a group id, "group:<id>", a group name or "*"')
        if group_key in rules:
            warnings.append(f'{path}: names the same group as an earlier key "{group_key}"; this one is ignored')
            continue
        rules[group_key] = _group_rule(raw_rule, path, warnings)
    return MappingProxyType(rules)


_GROUP_RULE_KEYS = ("allow", "enabled", "requireMention")


def _group_rule(value: Any, key: str, warnings: Warnings) -> GroupRule:
    if value is None:
        return GroupRule()
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"must be an object, got {_show(value)}", 'e.g. {"allow": true}')
    _check_keys(value, key, frozenset(_GROUP_RULE_KEYS), warnings, ignored=frozenset({"tools"}))
    flags = {k: _boolean(value[k], f"{key}.{k}", warnings) for k in _GROUP_RULE_KEYS if value.get(k) is not None}
    allow = flags.get("allow", True) and flags.get("enabled", True)
    return GroupRule(allow=allow, require_mention=flags.get("requireMention"))


# --- blocks ------------------------------------------------------------------------------------

_PAIRING_NUMBERS = {
    "ttlSeconds": _Num("ttl_seconds", 0, 30 * 86400),
    "maxPending": _Num("max_pending", 1, 100, integer=True, low_inclusive=True),
}
_PAIRING_OTHER: dict[str, tuple[str, Callable[[Any, str, Warnings], Any]]] = {
    "replyText": ("reply_template", _template(REPLY_PLACEHOLDERS)),
    "approvedText": ("approved_text", _template(APPROVED_PLACEHOLDERS)),
    "scope": ("scope", _choice(PAIRING_SCOPES)),
}
_OUTBOUND_NUMBERS = {
    "workers": _Num("workers", 1, 32, integer=True, low_inclusive=True),
    "ratePerSecond": _Num("rate_per_second", 0, 50),
    "burst": _Num("burst", 1, 100, integer=True, low_inclusive=True),
    "maxAttempts": _Num("max_attempts", 1, 20, integer=True, low_inclusive=True),
    "retryBaseSeconds": _Num("retry_base_seconds", 0, 3600),
    "retryMaxSeconds": _Num("retry_max_seconds", 0, 86400),
    "sendTimeoutSeconds": _Num("send_timeout", 0, 600),
}
_LISTENER_NUMBERS = {
    "stallSeconds": _Num("stall_seconds", 0, 7 * 86400),
    "closedGraceSeconds": _Num("closed_grace_seconds", 0, 3600, low_inclusive=True),
    "recycleSeconds": _Num("recycle_seconds", 0, 30 * 86400),
    "backoffInitialSeconds": _Num("backoff_initial_seconds", 0, 3600),
    "backoffMaxSeconds": _Num("backoff_max_seconds", 0, 86400),
}
_SAFE_RATE = 2.0


def _numbers(raw: Mapping[str, Any], key: str, table: Mapping[str, _Num]) -> dict[str, float]:
    return {spec.attr: spec.read(raw[name], f"{key}.{name}") for name, spec in table.items()
            if raw.get(name) is not None}


def _pairing(value: Any, key: str, warnings: Warnings) -> dict[str, Any]:
    raw = _mapping_or_empty(value, key)
    _check_keys(raw, key, frozenset(_PAIRING_NUMBERS) | frozenset(_PAIRING_OTHER), warnings)
    fields: dict[str, Any] = _numbers(raw, key, _PAIRING_NUMBERS)
    for name, (attr, reader) in _PAIRING_OTHER.items():
        if raw.get(name) is not None:
            fields[attr] = reader(raw[name], f"{key}.{name}", warnings)
    return fields


def _outbound(value: Any, warnings: Warnings) -> OutboundSettings:
    key = f"{ROOT}.outbound"
    raw = _mapping_or_empty(value, key)
    _check_keys(raw, key, frozenset(_OUTBOUND_NUMBERS), warnings)
    settings = OutboundSettings(**_numbers(raw, key, _OUTBOUND_NUMBERS))  # type: ignore[arg-type]
    if settings.retry_max_seconds < settings.retry_base_seconds:
        raise ConfigError(f"{key}.retryMaxSeconds", f"{settings.retry_max_seconds:g} is smaller than "
                          f"retryBaseSeconds ({settings.retry_base_seconds:g})",
                          "raise retryMaxSeconds or lower retryBaseSeconds")
    if settings.rate_per_second > _SAFE_RATE:
        warnings.append(f"{key}.ratePerSecond is {settings.rate_per_second:g}: personal Zalo accounts that send "
                        f"faster than about 1 message per second get rate-limited or blocked; keep it at 1-2")
    return settings


def _listener(value: Any, warnings: Warnings) -> ListenerConfig:
    key = f"{ROOT}.listener"
    raw = _mapping_or_empty(value, key)
    _check_keys(raw, key, frozenset(_LISTENER_NUMBERS), warnings)
    return ListenerConfig(**_numbers(raw, key, _LISTENER_NUMBERS))  # type: ignore[arg-type]


def _defaults_group_policy(defaults: Any, warnings: Warnings) -> str | None:
    raw = _mapping_or_empty(defaults, "channels.defaults")
    if raw.get("groupPolicy") is None:
        return None
    return _choice(GROUP_POLICIES)(raw["groupPolicy"], "channels.defaults.groupPolicy", warnings)


# Keys of one account (or of the channel level standing in for the accounts).
_FIELD_READERS: dict[str, Callable[[Any, str, Warnings], Any]] = {
    "name": _text,
    "enabled": _boolean,
    "profile": _profile,
    "dmPolicy": _choice(DM_POLICIES),
    "allowFrom": _entries,
    "groupPolicy": _choice(GROUP_POLICIES),
    "groups": _groups,
    "groupAllowFrom": _entries,
    "requireMention": _boolean,
    "dangerouslyAllowNameMatching": _boolean,
    "chunkMode": _choice(CHUNK_MODES),
    "textChunkLimit": lambda v, k, w: _Num("", 0, MAX_TEXT_CHUNK, integer=True).read(v, k),
    "pairing": _pairing,
    "markdown": lambda v, k, w: v,
    "messagePrefix": lambda v, k, w: v,
}
_CHANNEL_ONLY_KEYS = frozenset({"accounts", "defaultAccount", "outbound", "listener"})
# Later OpenClaw keys with no meaning here: named as such instead of "unknown key".
_IGNORED_OPENCLAW_KEYS = frozenset({"historyLimit", "mediaMaxMb", "responsePrefix", "configWrites",
                                    "blockStreaming", "tools"})


def _check_keys(raw: Mapping[str, Any], path: str, known: frozenset[str], warnings: Warnings,
                *, ignored: frozenset[str] = _IGNORED_OPENCLAW_KEYS, misplaced: frozenset[str] = frozenset()) -> None:
    for key in raw:
        where = _join(path, key)
        if key in known:
            continue
        if key in misplaced:
            warnings.append(f"{where}: only read at the {ROOT} level; ignored here")
        elif key in ignored:
            warnings.append(f"{where}: an OpenClaw setting that errbot-zalouser does not use; ignored")
        else:
            hint = _did_you_mean(str(key), known)
            warnings.append(f"{where}: unknown key, ignored" + (f" ({hint})" if hint else ""))


def _parse_fields(raw: Mapping[str, Any], path: str, warnings: Warnings, *, channel_level: bool) -> dict[str, Any]:
    """Validate the account-level keys present in one block (channel level or accounts.<id>)."""
    known = frozenset(_FIELD_READERS) | (_CHANNEL_ONLY_KEYS if channel_level else frozenset())
    _check_keys(raw, path, known, warnings, misplaced=frozenset() if channel_level else _CHANNEL_ONLY_KEYS)
    return {key: reader(raw[key], f"{path}.{key}", warnings)
            for key, reader in _FIELD_READERS.items() if raw.get(key) is not None}


def _account_blocks(block: Mapping[str, Any], warnings: Warnings) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """accounts.<key> -> {normalised id: (key path, raw block)}."""
    raw = block.get("accounts")
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{ROOT}.accounts", f"must be a map from account id to settings, got {_show(raw)}",
                          'e.g. {"work": {"profile": "work"}}')
    blocks: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for key, value in raw.items():
        path = _join(f"{ROOT}.accounts", key)
        account_id = normalize_account_id(key)
        if account_id in blocks:
            raise ConfigError(path, f'"{key}" and another account key both become the account id "{account_id}"',
                              "rename one of the accounts")
        if account_id != str(key):
            warnings.append(f'{path}: used as account id "{account_id}"')
        blocks[account_id] = (path, _mapping_or_empty(value, path))
    return blocks


def _default_account(block: Mapping[str, Any], ids: list[str], warnings: Warnings) -> str:
    fallback = "default" if "default" in ids else ids[0]
    raw = block.get("defaultAccount")
    if raw is None:
        return fallback
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(f"{ROOT}.defaultAccount", f"invalid value {_show(raw)}; accepted: one of the account ids "
                          + ", ".join(f'"{i}"' for i in ids), "")
    wanted = normalize_account_id(raw)
    if wanted in ids:
        return wanted
    warnings.append(f'{ROOT}.defaultAccount is "{raw}", which is not a configured account '
                    f'({", ".join(ids)}); using "{fallback}" (add accounts.{wanted} or change defaultAccount)')
    return fallback


def _env_profile(env: Mapping[str, str]) -> str | None:
    value = (env.get("ZCA_PROFILE") or "").strip()
    return _profile(value, "ZCA_PROFILE (environment variable)", []) if value else None


def _build_account(account_id: str, path: str, top: dict[str, Any], own: dict[str, Any],
                   default_group_policy: str | None, env_profile: str | None, warnings: Warnings) -> AccountConfig:
    merged = {**top, **own}
    origin = {key: (path if key in own else ROOT) for key in merged}
    enabled = top.get("enabled", True) and own.get("enabled", True)
    profile = merged.get("profile") or env_profile or (account_id if account_id != "default" else "default")
    account = AccountConfig(
        account_id=account_id,
        name=merged.get("name", ""),
        enabled=enabled,
        profile=profile,
        dm_policy=merged.get("dmPolicy", "pairing"),
        allow_from=merged.get("allowFrom", ()),
        group_policy=merged.get("groupPolicy") or default_group_policy or "open",
        groups=merged.get("groups", {}),
        group_allow_from=merged.get("groupAllowFrom", ()),
        require_mention=merged.get("requireMention", False),
        chunk_mode=merged.get("chunkMode", "length"),
        text_chunk_limit=merged.get("textChunkLimit", MAX_TEXT_CHUNK),
        pairing=PairingSettings(**merged.get("pairing", {})),
        name_matching=merged.get("dangerouslyAllowNameMatching", False),
        config_path=path,
    )
    if enabled:
        warnings.extend(_access_warnings(account, origin))
    return account


def _access_warnings(account: AccountConfig, origin: Mapping[str, str]) -> Warnings:
    notes: Warnings = []
    label = f' (account "{account.account_id}")'
    if account.dm_policy == "open":
        notes.append(f'{origin["dmPolicy"]}.dmPolicy is "open": anyone can message the bot without pairing; '
                     f'set dmPolicy to "pairing" or "allowlist"{label}')
    elif account.dm_policy in ("pairing", "allowlist") and "*" in account.allow_from:
        notes.append(f'SECURITY: {origin["allowFrom"]}.allowFrom contains "*" while dmPolicy is '
                     f'"{account.dm_policy}": ANYONE can message the bot, pairing is effectively OFF{label}; '
                     f'remove "*" from allowFrom, or set dmPolicy to "open" if that is really meant')
    return notes


def _shared_profile_warnings(accounts: list[AccountConfig]) -> Warnings:
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
