"""openzca 0.1.58's listener ownership: one ``listen`` per profile, recorded in a lock file.

``<profile>/listener-owner.json`` holds ``{"pid", "profile", "sessionId", "startedAt"}`` (pretty
JSON, created exclusively). A second listener finds a live owner and fails; a lock whose pid is
dead (or that holds no positive pid) is removed and taken over. A pid counts as alive when
``kill(pid, 0)`` succeeds or is refused with EPERM, as in the real tool, so a dead listener that
has not been reaped yet still owns the profile. A lock file that is not JSON makes every reader
fail with V8's parse error, as it does there. ``msg video`` and ``msg upload`` read the same file.
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Callable
from typing import Any

from errbot_zalouser.simulator import nodejs, state

LOCK_FILE = "listener-owner.json"
SOCKET_FILE = "listen.sock"


class OwnerError(Exception):
    """The lock cannot be taken or read; the message is the tool's error text (without "Error: ")."""


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_owner(profile: state.Profile) -> dict[str, Any] | None:
    """The lock record, None when there is none (or no positive pid); OwnerError for bad JSON."""
    try:
        text = profile.path(LOCK_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        record = json.loads(text)
    except ValueError:
        raise OwnerError(nodejs.json_error(text)) from None
    pid = _positive_int(record.get("pid")) if isinstance(record, dict) else None
    if pid is None:
        return None
    return {**record, "pid": pid}


def active_owner(profile: state.Profile) -> dict[str, Any] | None:
    """The live owner; a missing, pid-less or dead lock is removed and None returned."""
    record = read_owner(profile)
    if record is None or not pid_alive(record["pid"]):
        _remove(profile)
        return None
    return record


def acquire(profile: state.Profile, session_id: str) -> Callable[[], None]:
    """Take the lock for this process; returns its release. OwnerError when another owns it."""
    record = {
        "pid": os.getpid(),
        "profile": profile.name,
        "sessionId": session_id,
        "startedAt": _iso_now(),
    }
    text = json.dumps(record, indent=2) + "\n"
    profile.dir.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):
        try:
            fd = os.open(profile.path(LOCK_FILE), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            owner = active_owner(profile)
            if owner is not None:
                raise OwnerError(
                    f'Another openzca listener already owns profile "{profile.name}" (pid {owner["pid"]}).'
                ) from None
            _remove(profile)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return lambda: release(profile)
    raise OwnerError(f'Unable to acquire listener ownership for profile "{profile.name}".')


def release(profile: state.Profile) -> None:
    """Remove the lock if this process still owns it."""
    try:
        current = read_owner(profile)
    except OwnerError:
        current = None
    if current is not None and current["pid"] != os.getpid():
        return
    _remove(profile)


def _iso_now() -> str:
    """``new Date().toISOString()``: UTC with milliseconds and a Z."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def _remove(profile: state.Profile) -> None:
    try:
        os.unlink(profile.path(LOCK_FILE))
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and value > 0 and value == value and value != float("inf"):
        return int(value)
    if isinstance(value, str) and value.strip():
        parsed = nodejs.parse_int(value.strip())
        return parsed if parsed is not None and parsed > 0 else None
    return None
