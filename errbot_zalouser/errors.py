"""One rooted error hierarchy for everything errbot-zalouser raises.

Foreign exceptions (OSError, subprocess.TimeoutExpired, json errors, pexpect
errors) are translated into these at the boundary where they happen, with
``raise ... from exc``. Whether a failure is worth retrying is a property of
the class (``retryable``), never of the message text at the call site.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar


class ZalouserError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(ZalouserError):
    """A configuration value is missing or invalid; the message names key and fix."""

    def __init__(self, key: str, problem: str, fix: str = "") -> None:
        self.key = key
        self.problem = problem
        self.fix = fix
        text = f"{key}: {problem}"
        if fix:
            text += f" ({fix})"
        super().__init__(text)


class StoreError(ZalouserError):
    """A persistent store could not be read or written."""


class PolicyError(ZalouserError):
    """A pairing or allowlist operation was refused (unknown code, ambiguous name...)."""


class ZcaError(ZalouserError):
    """A `zca` invocation failed. Keeps argv, exit code and the tool's stderr.

    ``retryable``: trying again may work. ``delivery_unknown``: a send may have reached the chat
    (a timeout), so trying again may show it twice; the send pool retries those only when
    ``outbound.retryUnknownDelivery`` says so.
    """

    retryable: ClassVar[bool] = False
    pauses_account: ClassVar[bool] = False  # the wait before a retry holds every send of the account
    delivery_unknown: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        argv: Sequence[str] = (),
        returncode: int | None = None,
        stderr: str = "",
        zalo_code: int | None = None,
    ) -> None:
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stderr = stderr
        self.zalo_code = zalo_code  # Zalo's own error code (123, 221...) when the engine reported one
        super().__init__(message)


class ZcaNotFound(ZcaError):
    """The `zca` executable does not exist or cannot be executed."""


class ZcaNotAuthenticated(ZcaError):
    """The profile has no valid Zalo session; a QR login is needed."""


class ZcaTimeout(ZcaError):
    """The command did not finish in time (killed by us, or the tool's request timed out, or its
    connection was reset): a send may or may not have reached the chat."""

    retryable = True
    delivery_unknown = True


class ZcaUnreachable(ZcaError):
    """Zalo could not be reached at all (connection refused, no DNS, no route): nothing was sent."""

    retryable = True


class ZcaRateLimited(ZcaError):
    """Zalo refused the request for sending too fast (code 221, -69). The whole account waits
    (``pauses_account``): the limit is Zalo's per account, not per conversation."""

    retryable = True
    pauses_account: ClassVar[bool] = True


class ZcaListenerStarting(ZcaError):
    """An upload found the account's listener holding the profile but not yet (or no longer)
    lending its connection (`listen.sock`): it starts or stops. Nothing was sent; a moment later
    it works."""

    retryable = True


class ZcaBlocked(ZcaError):
    """Zalo refuses delivery to this peer (code 123: blocked, or stranger limit)."""


class ZcaCommandFailed(ZcaError):
    """Any other non-zero exit."""


class ZcaBadOutput(ZcaError):
    """The command succeeded but its output could not be understood."""


class ZcaQuoteRefused(ZcaCommandFailed):
    """The tool refused the message a reply quotes (``--reply-message``) before sending anything:
    a field it needs is missing, or the quoted message belongs to another thread. The reply can
    go without its quote."""


# Ordered: the first pattern that matches stderr decides the class.
_STDERR_CLASSES: tuple[tuple[re.Pattern[str], type[ZcaError]], ...] = (
    (re.compile(r"not logged in|has no credentials|not authenticated|zpw_sek|login required", re.I),
     ZcaNotAuthenticated),
    (re.compile(r"reply message|--reply-message|Reply source|quote type is not available", re.I), ZcaQuoteRefused),
    (re.compile(r"Active listener owner detected", re.I), ZcaListenerStarting),
    (re.compile(r"Vượt quá số request|rate.?limit|Retry limit|\b221\b|-69\b", re.I), ZcaRateLimited),
    (re.compile(r"Không thể nhận tin nhắn|\b123\b.*block|blocked", re.I), ZcaBlocked),
    (re.compile(r"ENOENT|command not found", re.I), ZcaNotFound),
    (re.compile(r"ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH", re.I), ZcaUnreachable),
    (re.compile(r"timed out|\bETIMEDOUT\b|ESOCKETTIMEDOUT|ECONNRESET|socket hang up|\btimeout\b", re.I), ZcaTimeout),
)


def classify_failure(argv: Sequence[str], returncode: int, stderr: str) -> ZcaError:
    """Build the right ZcaError for a non-zero exit, keeping the raw stderr."""
    text = stderr.strip()
    cls = next((c for pattern, c in _STDERR_CLASSES if pattern.search(text)), ZcaCommandFailed)
    summary = text.splitlines()[-1] if text else f"exit code {returncode}"
    return cls(f"zca {_command_name(argv)} failed: {summary}", argv=argv, returncode=returncode, stderr=stderr)


def _command_name(argv: Sequence[str]) -> str:
    rest = list(argv[1:])  # argv[0] is the executable
    if rest[:1] == ["--profile"]:
        rest = rest[2:]
    words = [a for a in rest if not a.startswith("-")]
    return " ".join(words[:2]) or "?"


class ZcaProfileBusy(ZcaError):
    """Another process (a second bot, or a `zca listen`) owns the profile's Zalo session."""


class EngineNotInstalled(ZcaNotFound):
    """Node.js, npm or the pinned zca-js package is missing; the message names the command that fixes it."""


class EngineUnavailable(ZcaError):
    """The request was not carried out and nothing was sent: the zca-js engine was starting, logging
    in or restarting, or Zalo could not be reached at all."""

    retryable = True


class EngineLost(ZcaTimeout):
    """The engine died, or the connection to Zalo broke, with the request in flight: unknown whether
    it was sent. A ZcaTimeout, because that is what it means for delivery."""


class NotSupported(ZalouserError):
    """The account's `zca` binary cannot do what was asked (an option or command it does not list)."""


class NotSent(ZalouserError):
    """An item was dropped unsent: its conversation's queue was full, or it waited past its age limit."""


class MediaError(ZalouserError):
    """A file to send was refused before it was queued: over the size limit, unreadable, or of a
    kind Zalo cannot take. The message says which, and what to do."""


class NotFound(PolicyError):
    """No pairing code, user or group matches what was asked for."""


class AmbiguousName(PolicyError):
    """A name matches several ids; nothing is guessed. ``candidates`` lists (id, name) pairs."""

    def __init__(self, name: str, candidates: Sequence[tuple[str, str]]) -> None:
        self.name = name
        self.candidates = tuple(candidates)
        listed = ", ".join(f"{n} ({i})" for i, n in self.candidates)
        super().__init__(f'"{name}" is ambiguous: {listed}. Use the id.')
