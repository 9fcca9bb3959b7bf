"""The per-profile inbox: control records for `listen`, consumed exactly once.

Tests append one JSON record per line to ``inbox.jsonl`` (one ``O_APPEND`` write each, so no
lock is needed to inject). A listener takes ``inbox.lock``, reads the record at the offset
stored in ``inbox.offset``, acts on it, then stores the new offset and releases the lock. So
records injected while no listener runs wait for the next one, and two listeners of one
profile never both consume a record.

Record kinds::

    {"kind": "event", "event": {...}, "warnings": []}   print the warnings (stderr), then the event
    {"kind": "raw", "text": "..."}                  write text verbatim (no newline added)
    {"kind": "raw", "raw_b64": "..."}               write bytes verbatim (e.g. invalid UTF-8)
    {"kind": "raw", "parts": ["..", ".."], "pause": 0.05}   several writes, pausing between
    {"kind": "close", "code": 3000, "reason": "..."} print the close line; then exit, reconnect or
                                                     go silent (see listen.py)
    {"kind": "drop", "code": 1006, "reconnect_after": 0.5}  a close zca-js retries by itself
    {"kind": "error", "message": "..."}              "Listener error: ..." on stderr
    {"kind": "exit", "code": 75, "stderr": "..."}   exit with the code
    {"kind": "stall"}                                go silent, consume nothing more
    {"kind": "sleep", "seconds": 1.5}                pause delivery
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

from errbot_zalouser.simulator import state

T = TypeVar("T")


class Inbox:
    """Append and consume the inbox records of one profile."""

    def __init__(self, profile: state.Profile) -> None:
        self.path = profile.path("inbox.jsonl")
        self.offset_path = profile.path("inbox.offset")
        self.lock_path = profile.path("inbox.lock")
        self._known_offset = 0

    def append(self, record: dict[str, Any]) -> None:
        """Add one record (a single atomic append)."""
        state.append_jsonl(self.path, record)

    def offset(self) -> int:
        """Bytes of the inbox already consumed."""
        try:
            return int(self.offset_path.read_text(encoding="ascii").strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def pending(self) -> int:
        """How many complete records wait to be consumed."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset())
                return fh.read().count(b"\n")
        except FileNotFoundError:
            return 0

    def consume(self, act: Callable[[dict[str, Any]], T]) -> T | None:
        """Act on the next record, if any, under the lock; None when there is nothing to do."""
        if self._size() <= self._known_offset:
            return None
        with state.try_locked(self.lock_path) as held:
            if not held:
                return None
            offset = self.offset()
            line = self._line_at(offset)
            self._known_offset = offset
            if line is None:
                return None
            result = act(_decode(line))
            self._known_offset = offset + len(line)
            state.write_text(self.offset_path, str(self._known_offset))
            return result

    def _size(self) -> int:
        try:
            return os.stat(self.path).st_size
        except FileNotFoundError:
            return 0

    def _line_at(self, offset: int) -> bytes | None:
        """The complete line starting at ``offset`` (None if it is not fully written yet)."""
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            line = fh.readline()
        return line if line.endswith(b"\n") else None


def _decode(line: bytes) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}
