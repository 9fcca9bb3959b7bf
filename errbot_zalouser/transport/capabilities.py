"""What a `zca` binary can do, learnt once at start-up from its ``--version`` and ``--help`` texts.

The probe runs ``--version``, ``--help``, ``msg --help``, ``msg send --help`` and ``listen --help``
(commander answers help before any action: no login, no network), at most ``PROBE_TIMEOUT``
seconds each and side by side, and reads the options each command lists *by their tokens*:
commander wraps long descriptions, so line positions mean nothing. Features with no flag of
their own come from openzca's version (``SINCE``). The result is cached per executable and
version, so a second service in the same process does not probe again.

Every argv the client builds is checked against the value: the bot never passes an option the
binary does not list (commander rejects an unknown option with exit 1). A binary whose help
cannot be read (a non-zero exit, no ``Usage:`` line, a timeout) is treated as the oldest
surface, ``Capabilities.oldest``, with one warning.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

from errbot_zalouser.errors import ZcaError, ZcaNotFound
from errbot_zalouser.transport.parsing import strip_ansi
from errbot_zalouser.transport.runner import CompletedRun

log = logging.getLogger(__name__)

OPENZCA = "openzca"
OTHER = "zca-cli-or-unknown"
PROBE_TIMEOUT = 5.0
PROBES: Mapping[str, tuple[str, ...]] = {
    "version": ("--version",),
    "program": ("--help",),
    "msg": ("msg", "--help"),
    "msg send": ("msg", "send", "--help"),
    "listen": ("listen", "--help"),
}

#: openzca versions that brought what no help text shows (see the README's capability table).
SINCE = {
    "self_splitting": (0, 1, 53),  # msg send splits long text by itself
    "send_retry": (0, 1, 56),  # msg send retries a timed-out submission by itself
    "group_mentions": (0, 1, 43),  # group sends resolve @Name / @userId
    "native_formatting": (0, 1, 45),  # {small} adds no style: our literal guards are safe
}

#: The environment every `zca` child gets: the bot owns retries and message splitting.
TOOL_ENV: Mapping[str, str] = {
    "OPENZCA_SEND_RETRY_COUNT": "0",
    "OPENZCA_TEXT_MESSAGE_MAX_LENGTH": "2000",
    "OPENZCA_TEXT_REQUEST_PARAMS_MAX_ESTIMATE": "4000",
}

_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?$")
_OPTION_TOKEN = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")
_MENTIONS = re.compile(r"resolve[^.]*@", re.IGNORECASE)


RunFunction = Callable[..., CompletedRun]  # a runner's run(args, timeout=...)


@dataclass(frozen=True)
class Capabilities:
    """What one `zca` binary supports. ``parsed`` is False when the help texts could not be read."""

    kind: str = OTHER
    version: str = ""
    parsed: bool = False
    raw: bool = False  # msg send --raw; a binary that has it parses formatting markers by default
    native_formatting: bool = False  # our markers are read exactly (openzca >= 0.1.45)
    group_mentions: bool = False  # @Name in a group send is resolved (and an ambiguous one fails)
    self_splitting: bool = False  # msg send splits long text by itself
    send_retry: bool = False  # msg send retries by itself (turned off by TOOL_ENV)
    reply_message: bool = False  # msg send --reply-message
    reply_id: bool = False  # msg send --reply-id
    upload: bool = False  # msg upload (through the listener's socket while one runs)
    react: bool = False  # msg react
    analyze_text: bool = False  # msg analyze-text
    supervised: bool = False  # listen --supervised
    heartbeat_ms: bool = False  # listen --heartbeat-ms
    recycle_ms: bool = False  # listen --recycle-ms

    @classmethod
    def oldest(cls, version: str = "") -> Capabilities:
        """The minimal surface every `zca` has: none of the options above."""
        return cls(version=version)

    @property
    def formats_text(self) -> bool:
        """msg send rewrites Markdown-like markers unless told not to (openzca >= 0.1.32)."""
        return self.raw

    def in_use(self) -> tuple[str, ...]:
        """The names of the capabilities this binary has, for status and logs."""
        return tuple(f.name for f in fields(self) if f.type in (bool, "bool") and f.name != "parsed"
                     and getattr(self, f.name))

    def describe(self) -> str:
        """One line: kind, version and capabilities."""
        found = ", ".join(self.in_use()) or "none"
        unread = "" if self.parsed else " (help not readable: oldest surface assumed)"
        return f"{self.kind} {self.version or '?'}{unread}; capabilities: {found}"


def from_help(version_text: str, helps: Mapping[str, str]) -> Capabilities:
    """Capabilities from the ``--version`` output and the help texts (keys as in ``PROBES``).

    Raises ValueError when a help text has no ``Usage:`` line (it is not a help text).
    """
    version = _first_line(version_text)
    for name, text in helps.items():
        if not re.search(r"^\s*Usage:", text, re.MULTILINE):
            raise ValueError(f"`{' '.join(PROBES[name])}` printed no usage line")
    program = helps.get("program", "")
    kind = OPENZCA if re.search(r"^\s*Usage:\s+openzca\b", program, re.MULTILINE) else OTHER
    send = _options(helps.get("msg send", ""))
    listen = _options(helps.get("listen", ""))
    commands = _commands(helps.get("msg", ""))
    numbers = _semver(version) if kind == OPENZCA else None

    def since(feature: str) -> bool:
        return numbers is not None and numbers >= SINCE[feature]

    raw = "--raw" in send
    return Capabilities(
        kind=kind,
        version=version,
        parsed=True,
        raw=raw,
        native_formatting=raw and since("native_formatting"),
        group_mentions=bool(_MENTIONS.search(_description(helps.get("msg send", "")))) or since("group_mentions"),
        self_splitting=since("self_splitting"),
        send_retry=since("send_retry"),
        reply_message="--reply-message" in send,
        reply_id="--reply-id" in send,
        upload="upload" in commands,
        react="react" in commands,
        analyze_text="analyze-text" in commands,
        supervised="--supervised" in listen,
        heartbeat_ms="--heartbeat-ms" in listen,
        recycle_ms="--recycle-ms" in listen,
    )


# --- probing ---------------------------------------------------------------------------------------


_cache: dict[tuple[str, str], Capabilities] = {}
_cache_lock = threading.Lock()


def probe(run: RunFunction, executable: str | None, *, timeout: float = PROBE_TIMEOUT) -> Capabilities:
    """Ask the binary behind ``run`` (a ``Runner.run``) what it supports.

    ``--version`` runs every time (a new binary at the same path is noticed); the help texts only
    when ``(executable, version)`` is not cached. ``ZcaNotFound`` propagates; any other failure
    gives ``Capabilities.oldest`` with a warning.
    """
    version_run = run(PROBES["version"], timeout=timeout)
    version = _first_line(version_run.stdout) if version_run.returncode == 0 else ""
    key = (executable or "", version)
    with _cache_lock:
        cached = _cache.get(key) if executable else None
    if cached is not None:
        return cached
    names = [name for name in PROBES if name != "version"]
    try:
        with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="zca-probe") as pool:
            runs = dict(zip(names, pool.map(lambda name: run(PROBES[name], timeout=timeout), names), strict=True))
        failed = [name for name, result in runs.items() if result.returncode != 0]
        if failed:
            raise ValueError(f"`{' '.join(PROBES[failed[0]])}` exited {runs[failed[0]].returncode}")
        found = from_help(version_run.stdout if version_run.returncode == 0 else "",
                          {name: strip_ansi(result.stdout) for name, result in runs.items()})
    except ZcaNotFound:
        raise
    except (ZcaError, ValueError) as exc:
        log.warning("cannot read what %s supports (%s); using only the options every zca has", executable or "zca",
                    exc)
        found = Capabilities.oldest(version)
    if executable:
        with _cache_lock:
            _cache[key] = found
    return found


def clear_cache() -> None:
    """Forget every probe result (tests that change a binary behind the same path and version)."""
    with _cache_lock:
        _cache.clear()


# --- reading help texts ----------------------------------------------------------------------------


def _first_line(text: str) -> str:
    for line in strip_ansi(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def _semver(version: str) -> tuple[int, int, int] | None:
    match = _SEMVER.match(version)
    return (int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def _entries(text: str) -> list[str]:
    """The first column of every entry line (an option or a command, as commander lays them out:
    indented, the term, then two spaces or more before the description). Wrapped description
    lines have no term of their own: their first word stands far to the right of the terms."""
    terms = []
    indents = [len(line) - len(line.lstrip(" ")) for line in text.splitlines() if line.strip()]
    entry_indent = min((i for i in indents if i > 0), default=2)
    for line in text.splitlines():
        if not line.strip() or len(line) - len(line.lstrip(" ")) != entry_indent:
            continue
        terms.append(re.split(r"\s{2,}", line.strip(), maxsplit=1)[0])
    return terms


def _options(text: str) -> frozenset[str]:
    """Every option token a help text lists (``-g``, ``--group``, ``--raw``...)."""
    return frozenset(token for term in _entries(text) if term.startswith("-") for token in _OPTION_TOKEN.findall(term))


def _commands(text: str) -> frozenset[str]:
    """The subcommand names a help text lists (the first word of each non-option entry)."""
    return frozenset(term.split()[0] for term in _entries(text) if term and not term.startswith("-"))


def _description(text: str) -> str:
    """A help text's prose, with commander's wrapping undone."""
    return " ".join(text.split())

