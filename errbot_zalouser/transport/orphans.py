"""No ``zca`` descendant outlives its listener, even one that left its process group.

A tool may start helpers that detach into a session of their own (a double fork and
``setsid``); signalling the child's process group does not reach them, and they would be left
running, one per listener restart. So every listener child is started with a marker in its
environment, ``ZALOUSER_LISTENER=<random token>``, which its descendants inherit however they
detach, and when the child has ended every process that still carries the marker is killed.
Only processes of this user are looked at (``/proc/<pid>/environ`` is readable for them), and
the marker is unique to one child, so nothing else is touched. Where there is no ``/proc``
(not Linux) this does nothing.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
from pathlib import Path

log = logging.getLogger(__name__)

MARKER = "ZALOUSER_LISTENER"
_PROC = Path("/proc")


def new_token() -> str:
    return secrets.token_hex(12)


def marked(token: str) -> list[int]:
    """Pids of live processes whose environment holds ``MARKER=token`` (ours excluded)."""
    if not _PROC.is_dir():
        return []
    needle = f"{MARKER}={token}".encode()
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or another user's
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def kill_marked(token: str, name: str = "") -> int:
    """SIGKILL every process still carrying ``token``; returns how many were found."""
    pids = marked(token)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
    if pids:
        log.warning("listener %s: killed %d leftover zca process(es) that had detached: %s", name, len(pids),
                    ", ".join(map(str, pids)))
    return len(pids)
