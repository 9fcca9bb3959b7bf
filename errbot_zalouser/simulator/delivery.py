"""The server side of sending: one submission at a time, the sent log, send faults, built-in retry.

A *submission* is one request that would reach Zalo: one attempt at one chunk of a text, one
media message, one voice. What happens to it is decided by the ``submit`` fault rules (see
``faults.py``): by default it is accepted, gets a fresh server message id and is appended to
``sent.jsonl`` (so the sent log is what the chat shows, duplicates included).

openzca 0.1.58 wraps its sends in a retry (``OPENZCA_SEND_RETRY_COUNT`` extra attempts, default 1,
``OPENZCA_SEND_RETRY_DELAY_MS`` apart, default 750; ``0`` turns either off; anything that is not a
positive integer prefix means the default) for errors whose message looks like a timeout or a
network failure. A timeout after the server accepted the request is retried too, which is how
the real tool duplicates messages; the sent log shows it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from errbot_zalouser.simulator import events, nodejs, state, texts
from errbot_zalouser.simulator.faults import FaultStore

RETRY_COUNT_ENV = "OPENZCA_SEND_RETRY_COUNT"
RETRY_DELAY_ENV = "OPENZCA_SEND_RETRY_DELAY_MS"
DEFAULT_RETRY_COUNT = 1
DEFAULT_RETRY_DELAY_MS = 750

# The messages openzca retries (its patterns; \b as JavaScript reads it, ASCII only).
RETRYABLE = re.compile(
    r"retry limit|\btimeout\b|\btimed out\b|\betimedout\b|\beconnreset\b|\besockettimedout\b"
    r"|\bsocket hang up\b|\btemporar(?:y|ily)\b",
    re.IGNORECASE | re.ASCII,
)


class SendFailed(Exception):
    """A submission failed for good; ``message`` is the error text (printed as ``Error: ...``)."""


class RetryPolicy(NamedTuple):
    extra_attempts: int
    delay_ms: int


NO_RETRY = RetryPolicy(0, 0)


def retry_policy(environ: Mapping[str, str]) -> RetryPolicy:
    """openzca's retry settings from the environment."""
    return RetryPolicy(
        _retry_env(environ.get(RETRY_COUNT_ENV), DEFAULT_RETRY_COUNT),
        _retry_env(environ.get(RETRY_DELAY_ENV), DEFAULT_RETRY_DELAY_MS),
    )


def _retry_env(raw: str | None, fallback: int) -> int:
    text = (raw or "").strip()
    if not text:
        return fallback
    if text == "0":
        return 0
    value = nodejs.parse_int(text)
    return value if value is not None and value > 0 else fallback


def retryable(message: str) -> bool:
    return RETRYABLE.search(message) is not None


class Delivery:
    """Submissions of one command invocation (or of one upload the listener handles)."""

    def __init__(
        self,
        profile: state.Profile,
        faults: FaultStore,
        words: Sequence[str],
        *,
        argv: Sequence[str] = (),
        retry: RetryPolicy = NO_RETRY,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.profile = profile
        self.faults = faults
        self.words = tuple(words)
        self.argv = list(argv)
        self.retry = retry
        self.extra = dict(extra or {})

    def submit(self, fields: Mapping[str, Any], *, chunk: int | None = None, ids: int = 1,
               digits: int = 13) -> list[str]:
        """Send one request, retrying as configured; returns the ``ids`` server message ids of the
        accepted attempt (one per attachment). Raises :class:`SendFailed` with the last error."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(fields, chunk, attempt, [events.new_msg_id(digits) for _ in range(ids)])
            except SendFailed as exc:
                if attempt > self.retry.extra_attempts or not retryable(str(exc)):
                    raise
                time.sleep(self.retry.delay_ms / 1000.0)

    def _attempt(self, fields: Mapping[str, Any], chunk: int | None, attempt: int, msg_ids: list[str]) -> list[str]:
        rule = self.faults.take_submission(self.profile.name, self.words, chunk) or {}
        accepted = bool(rule.get("accepted", True))
        error = rule.get("error") or (None if accepted else texts.SEND_TIMEOUT_TEXT)
        if accepted:
            self._log(fields, msg_ids, attempt, chunk)
        hang = float(rule.get("hang_s") or 0.0)
        if hang > 0:
            time.sleep(hang)
        if error:
            raise SendFailed(str(error))
        return msg_ids

    def _log(self, fields: Mapping[str, Any], msg_ids: list[str], attempt: int, chunk: int | None) -> None:
        record: dict[str, Any] = {"ts": time.time(), **fields, "msgId": msg_ids[0], "attempt": attempt}
        if len(msg_ids) > 1:
            record["msgIds"] = msg_ids
        if chunk is not None:
            record["chunk"] = chunk
        record.update({"argv": self.argv, "profile": self.profile.name, **self.extra})
        state.append_jsonl(self.profile.path("sent.jsonl"), record, sync=True)
