"""Schema readers: one function per kind of value, each ``(value, key path, warnings) -> value``.

A reader returns the value in its settings form or raises ConfigError naming the key path, the
bad value and what is accepted; things worth knowing but not fatal go into ``warnings``.
"""

from __future__ import annotations

import json
import math
import os
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from errbot_zalouser import ids
from errbot_zalouser.config.suggest import did_you_mean
from errbot_zalouser.errors import ConfigError
from errbot_zalouser.settings import ROOT, GroupRule

Warnings = list[str]
Reader = Callable[[Any, str, Warnings], Any]
E = TypeVar("E", bound=StrEnum)

_JS_SAFE_INTEGER = 2**53 - 1
# Later OpenClaw keys with no meaning here: named as such instead of "unknown key".
IGNORED_OPENCLAW_KEYS = frozenset({"historyLimit", "responsePrefix", "configWrites",
                                   "blockStreaming", "tools"})


# --- paths and shapes --------------------------------------------------------------------------


def mapping_or_empty(value: Any, key: str) -> Mapping[str, Any]:
    """An object, with null (and absence) meaning an empty one."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"must be an object, got {show(value)}", "")
    return value


def join(path: str, key: object) -> str:
    """``path.key``, or ``path["key"]`` when the key is not a plain word."""
    text = str(key)
    if re.fullmatch(r"[A-Za-z0-9_-]+", text):
        return f"{path}.{text}"
    return f"{path}[{json.dumps(text, ensure_ascii=False)}]"


def show(value: Any) -> str:
    """A value as JSON for a message, cut at 80 characters."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_keys(raw: Mapping[str, Any], path: str, known: frozenset[str], warnings: Warnings,
               *, ignored: frozenset[str] = IGNORED_OPENCLAW_KEYS, misplaced: frozenset[str] = frozenset()) -> None:
    """Warn about every key of ``raw`` that is not ``known``, with a hint where one is close."""
    for key in raw:
        where = join(path, key)
        if key in known:
            continue
        if key in misplaced:
            warnings.append(f"{where}: only read at the {ROOT} level; ignored here")
        elif key in ignored:
            warnings.append(f"{where}: an OpenClaw setting that errbot-zalouser does not use; ignored")
        else:
            hint = did_you_mean(str(key), known)
            warnings.append(f"{where}: unknown key, ignored" + (f" ({hint})" if hint else ""))


# --- scalars -----------------------------------------------------------------------------------


def choice(kind: type[E]) -> Callable[[Any, str, Warnings], E]:
    """A reader for one of the values of the StrEnum ``kind`` (exact spelling)."""
    values = tuple(member.value for member in kind)

    def read(value: Any, key: str, warnings: Warnings) -> E:
        if isinstance(value, str) and value in values:
            return kind(value)
        accepted = ", ".join(f'"{c}"' for c in values)
        raise ConfigError(key, f"invalid value {show(value)}; accepted values: {accepted}",
                          did_you_mean(value, values))

    return read


def zca_executable(value: object) -> str:
    """``ZALOUSER_ZCA``: the name or path of the zca executable (default ``zca``), ``~`` expanded."""
    if value is None:
        return "zca"
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("ZALOUSER_ZCA", f"must be the name or path of the zca executable, got {show(value)}",
                          'e.g. ZALOUSER_ZCA = "/usr/local/bin/zca"')
    return os.path.expanduser(value.strip())


def path(value: Any, key: str, warnings: Warnings) -> str:
    """A file or folder name, or an executable's name: a non-empty string, ``~`` expanded."""
    name = value.strip() if isinstance(value, str) else ""
    if not name or "\x00" in name:
        raise ConfigError(key, f"invalid value {show(value)}; accepted: a path (or a program name)",
                          'e.g. "~/.local/share/errbot-zalouser/engine"')
    return os.path.expanduser(name)


def boolean(value: Any, key: str, warnings: Warnings) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(key, f"invalid value {show(value)}; accepted values: true, false", "")


def folder(value: Any, key: str, warnings: Warnings) -> str:
    """An absolute folder path (``~`` is expanded)."""
    found = os.path.expanduser(text(value, key, warnings).strip())
    if not os.path.isabs(found):
        raise ConfigError(key, f"invalid value {show(value)}; accepted: an absolute folder path",
                          "write the whole path, e.g. /var/lib/errbot/zalo-media")
    return os.path.normpath(found)


def text(value: Any, key: str, warnings: Warnings) -> str:
    if isinstance(value, str):
        return value
    raise ConfigError(key, f"invalid value {show(value)}; accepted: a string", "")


def profile(value: Any, key: str, warnings: Warnings) -> str:
    """A zca profile name: it becomes a folder name and an argument, so no spaces or slashes."""
    name = value.strip() if isinstance(value, str) else ""
    if not name or name[0] in "-." or re.search(r"[\s/\\\x00]", name) or len(name) > 128:
        raise ConfigError(key, f"invalid zca profile name {show(value)}; accepted: a name without spaces "
                          "or slashes, not starting with '-' or '.'", 'e.g. "work"')
    return name


@dataclass(frozen=True)
class Num:
    """How to read one numeric key: into ``attr``, within (low, high], or [low, high]."""

    attr: str
    low: float
    high: float
    integer: bool = False
    low_inclusive: bool = False

    def read(self, value: Any, key: str) -> int | float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        ok = ok and (isinstance(value, int) or not self.integer)
        ok = ok and (value >= self.low if self.low_inclusive else value > self.low) and value <= self.high
        if not ok:
            raise ConfigError(key, f"invalid value {show(value)}; accepted: {self.describe()}", "")
        return int(value) if self.integer else float(value)

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        low = f"from {plain(self.low)}" if self.low_inclusive else f"greater than {plain(self.low)}"
        return f"{kind} {low}, at most {plain(self.high)}"


def plain(number: float) -> str:
    """A number as a person writes it in config.py: 2592000 and 0.5, never 2.592e+06."""
    if float(number).is_integer():
        return str(int(number))
    return format(Decimal(repr(float(number))), "f")  # the shortest exact digits, without an exponent


def numbers(raw: Mapping[str, Any], key: str, table: Mapping[str, Num]) -> dict[str, Any]:
    """The keys of ``table`` present in ``raw``, read, under their settings attribute names."""
    return {spec.attr: spec.read(raw[name], f"{key}.{name}") for name, spec in table.items()
            if raw.get(name) is not None}


def template(allowed: tuple[str, ...]) -> Reader:
    """A reader for a str.format template that may use only the ``allowed`` placeholders."""

    def read(value: Any, key: str, warnings: Warnings) -> str:
        source = text(value, key, warnings)
        names = ", ".join(f"{{{a}}}" for a in allowed)
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(source) if f is not None]
        except ValueError as exc:
            raise ConfigError(key, f"is not a valid template ({exc})",
                              'write "{{" and "}}" for literal braces') from exc
        unknown = [f for f in fields if f not in allowed]
        if unknown:
            raise ConfigError(key, f'unknown placeholder "{{{unknown[0]}}}"; accepted placeholders: {names}',
                              'write "{{" and "}}" for literal braces')
        try:
            source.format(**{a: "x" for a in allowed})
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise ConfigError(key, f"cannot be rendered ({exc}); accepted placeholders: {names}", "") from exc
        return source

    return read


# --- allowlists and groups ---------------------------------------------------------------------


def entries(value: Any, key: str, warnings: Warnings) -> tuple[str, ...]:
    """allowFrom-style list: user ids (strings or numbers, prefixes allowed), names, "*".

    User references become bare ids; other entries lose their schemes. Entries with the same name
    key (the same id, or the same name however written) are kept once, the first as written.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ConfigError(key, f"must be a list of Zalo user ids (or friend names), got {show(value)}",
                          'e.g. ["4830021983762145322"]')
    out: dict[str, str] = {}
    for index, item in enumerate(value):
        entry = _entry(item, f"{key}[{index}]", warnings)
        if entry:
            out.setdefault(ids.name_key(entry), entry)
    return tuple(out.values())


def _entry(item: Any, key: str, warnings: Warnings) -> str:
    if isinstance(item, bool) or not isinstance(item, (str, int)):
        raise ConfigError(key, f"invalid entry {show(item)}; accepted: a user id string, a friend name, or \"*\"",
                          'write ids as strings, e.g. "4830021983762145322"')
    if isinstance(item, int) and abs(item) > _JS_SAFE_INTEGER:
        warnings.append(f"{key}: the id {item} is written as a number; write it as a string, since tools "
                        "written in JavaScript silently round numbers this large")
    user_id = ids.user_id(item)
    if user_id:
        return user_id
    entry = ids.strip_scheme(item)
    if not entry:
        warnings.append(f"{key}: empty entry ignored")
    elif ids.is_overlong_id(entry):
        warnings.append(f"{key}: {entry} is not a Zalo id (at most {ids.MAX_ID_DIGITS} digits); ignored")
        return ""
    return entry


def groups(value: Any, key: str, warnings: Warnings) -> Mapping[str, GroupRule]:
    """The ``groups`` map: keys lose their schemes (``group:<id>`` stays as written)."""
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"must be a map from group id or name to a rule, got {show(value)}",
                          'e.g. {"6918273645501928374": {"allow": true}}')
    rules: dict[str, GroupRule] = {}
    for raw_key, raw_rule in value.items():
        path = join(key, raw_key)
        group_key = ids.strip_scheme(raw_key)
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
        raise ConfigError(key, f"must be an object, got {show(value)}", 'e.g. {"allow": true}')
    check_keys(value, key, frozenset(_GROUP_RULE_KEYS), warnings, ignored=frozenset({"tools"}))
    flags = {k: boolean(value[k], f"{key}.{k}", warnings) for k in _GROUP_RULE_KEYS if value.get(k) is not None}
    allow = flags.get("allow", True) and flags.get("enabled", True)
    return GroupRule(allow=allow, require_mention=flags.get("requireMention"))
