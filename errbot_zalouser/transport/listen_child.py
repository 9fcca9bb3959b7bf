"""One ``zca listen`` child under a pseudo-terminal: starting it, its book, ending it.

The child runs under ``pexpect.spawn`` so that it line-buffers its output instead of
block-buffering it; stderr is merged into the same stream. It leads its own session and process
group: ending it signals the whole group (SIGTERM, then SIGKILL after a grace period) and reaps
it, and what is left of the group afterwards is killed too. If the bot dies without ending it,
closing the terminal hangs the child up (SIGHUP).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pexpect

from errbot_zalouser.errors import ZcaNotFound
from errbot_zalouser.transport import listen_health, orphans
from errbot_zalouser.transport.lines import LineBuffer
from errbot_zalouser.transport.listen_settings import ListenerSettings
from errbot_zalouser.transport.runner import merged_env, not_found_message, signal_group

log = logging.getLogger(__name__)

READ_SIZE = 65536
REAP_WAIT = 2.0  # after SIGKILL, how long to wait for the kernel to let the child go
_TAIL_LINES = 5
SHOWN_CHARS = 300


@dataclass
class Session:
    """Book-keeping for one child process: when it started and last spoke, what the line
    framing holds, whether (and since when) it is connected, and its last status lines."""

    child: Any  # a pexpect.spawn; None when lines are fed without a process (tests, benchmarks)
    started: float
    last_output: float
    lines: LineBuffer
    connected: bool = False
    saw_banner: bool = False
    closed_at: float | None = None
    closed_text: str = ""
    closed_code: int | None = None
    ever_closed: bool = False
    connected_since: float | None = None
    last_heartbeat: float | None = None  # None: the session's start counts as the last sign of life
    token: str = ""  # the marker its descendants carry (transport.orphans)
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=_TAIL_LINES))

    def remember(self, text: str) -> None:
        """Keep a status line for the exit report (the last few only)."""
        self.tail.append(text[:SHOWN_CHARS])


def recycle_reason(session: Session, settings: ListenerSettings, now: float) -> str | None:
    """Why a watchdog ends this child now, or None: no heartbeat (supervised), stalled, closed
    without the exit or the reconnect that should follow (``listen_health.closed_grace``), too old."""
    beat = listen_health.heartbeat_overdue(settings, session.last_heartbeat or session.started, now)
    if beat:
        return beat
    if settings.stall_seconds is not None and now - session.last_output >= settings.stall_seconds:
        return f"no output for {settings.stall_seconds:g}s (stalled)"
    grace = listen_health.closed_grace(settings, session.closed_code)
    if session.closed_at is not None and now - session.closed_at >= grace:
        follow = "no exit" if settings.supervised else "no reconnect"
        return f"{session.closed_text} and {follow} within {grace:g}s"
    if settings.recycle_seconds is not None and now - session.started >= settings.recycle_seconds:
        return f"periodic recycle after {settings.recycle_seconds:g}s"
    return None


def assume_connected(session: Session, settings: ListenerSettings, now: float) -> bool:
    """A child that printed no banner at all for a while is taken as connected (older tools)."""
    return not session.connected and not session.saw_banner and now - session.started >= settings.assume_connected_seconds


def spawn(argv: Sequence[str], env: Mapping[str, str] | None, token: str = "") -> pexpect.spawn[bytes]:
    """Start ``argv`` under a pty (``env`` laid over ours, plus the orphan marker ``token``).
    Raises ZcaNotFound when it cannot."""
    extra = {**(env or {}), **({orphans.MARKER: token} if token else {})}
    try:
        return pexpect.spawn(
            argv[0],
            args=list(argv[1:]),
            env=merged_env(extra),
            echo=False,
            encoding=None,
            maxread=READ_SIZE,
            timeout=None,
            use_poll=True,
            dimensions=(24, 1000),
        )
    except (pexpect.ExceptionPexpect, OSError) as exc:
        raise ZcaNotFound(not_found_message(argv[0], str(exc).strip().rstrip(".")), argv=argv) from exc


def end(
    child: pexpect.spawn[bytes], kill_grace: float, on_output: Callable[[bytes | None], None] | None, name: str = "",
    token: str = "",
) -> int | None:
    """Make sure the child is gone and reaped; return its exit code (-signal if killed).

    A child still running gets SIGTERM and ``kill_grace`` seconds to exit, during which its
    output still goes to ``on_output`` (None ends it: flush what is buffered); then SIGKILL.
    Its process group goes too, and every descendant that detached from it (``token``).
    """
    if not wait_exit(child, 0.5 if child.flag_eof else 0.0):
        signal_child(child, signal.SIGTERM)
        _drain_until_exit(child, kill_grace, on_output)
    if child.isalive():
        signal_child(child, signal.SIGKILL)
        wait_exit(child, REAP_WAIT)
    if not child.isalive():
        child.delayafterclose = 0.0  # already reaped: no need to wait before closing
        child.ptyproc.delayafterclose = 0.0  # type: ignore[attr-defined]  # types-pexpect omits spawn.ptyproc
        if child.pid is not None:
            _kill_leftover_group(child.pid)
    try:
        child.close(force=True)
    except Exception as exc:  # noqa: BLE001 - best effort: the group was already killed
        log.warning("listener %s: closing pid %d failed: %s", name, child.pid, exc)
    if token:
        orphans.kill_marked(token, name)
    if child.exitstatus is not None:
        return int(child.exitstatus)
    return -int(child.signalstatus) if child.signalstatus is not None else None


def wait_exit(child: pexpect.spawn[bytes], seconds: float) -> bool:
    """Wait up to ``seconds`` for the child to exit; True when it has."""
    deadline = time.monotonic() + seconds
    while child.isalive():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _drain_until_exit(child: pexpect.spawn[bytes], seconds: float, on_output: Callable[[bytes | None], None] | None) -> None:
    """Wait for the child to exit, still reading its output (passed on unless ``on_output`` is None)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data = child.read_nonblocking(READ_SIZE, timeout=0.05)
        except pexpect.TIMEOUT:
            continue
        except pexpect.EOF:
            break
        if on_output is not None:
            on_output(data)
    if on_output is not None:
        on_output(None)
    wait_exit(child, max(0.0, deadline - time.monotonic()))


def signal_child(child: pexpect.spawn[bytes], sig: int) -> None:
    """Signal the child's process group; only while the child is known not to be reaped."""
    if not child.terminated and child.pid is not None:
        signal_group(child.pid, sig)


def _kill_leftover_group(pgid: int) -> None:
    """SIGKILL what is left of the child's process group once its leader has exited.

    The group id cannot be reused while any member lives, so this reaches only
    the child's own descendants (that did not leave the group); ESRCH means none.
    """
    if pgid == os.getpgrp():
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    log.debug("killed leftover processes of listener group %d", pgid)
