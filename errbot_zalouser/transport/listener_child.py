"""One ``zca listen`` child process: spawned under a pseudo-terminal, ended and reaped.

The child runs under ``pexpect.spawn`` so that it line-buffers its output; stderr is merged
into the same stream. It leads its own session and process group: ending it signals the
whole group (SIGTERM, then SIGKILL after a grace period), reaps it, and kills what is left of
the group. If the bot dies without ending it, closing the terminal hangs it up (SIGHUP).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Mapping
from typing import Any

import pexpect

from errbot_zalouser.transport.runner import merged_env, not_found_message, signal_group

log = logging.getLogger(__name__)

READ_SIZE = 65536
REAP_WAIT = 2.0  # after SIGKILL, how long to wait for the kernel to let the child go


class SpawnFailed(Exception):
    """The child could not be started; the message is one line naming the executable and the fix."""


def spawn(executable: str, args: list[str], env: Mapping[str, str] | None) -> Any:
    """Start ``executable args...`` under a pty; raises SpawnFailed."""
    try:
        return pexpect.spawn(
            executable,
            args=args,
            env=merged_env(env),
            echo=False,
            encoding=None,
            maxread=READ_SIZE,
            timeout=None,
            use_poll=True,
            dimensions=(24, 1000),
        )
    except (pexpect.ExceptionPexpect, OSError) as exc:
        raise SpawnFailed(not_found_message(executable, str(exc).strip().rstrip("."))) from exc


def read(child: Any, timeout: float) -> bytes | None:
    """Up to READ_SIZE bytes, b"" when nothing came within ``timeout``, None at end of output."""
    try:
        data: bytes = child.read_nonblocking(READ_SIZE, timeout=timeout)
    except pexpect.TIMEOUT:
        return b""
    except pexpect.EOF:
        return None
    return data


def finish(child: Any, kill_grace: float, on_data: Callable[[bytes], None] | None, name: str) -> int | None:
    """Make sure the child is gone and reaped; return its exit code (-signal if killed).

    While it winds down after SIGTERM its output is still read and handed to ``on_data``
    (None: discarded); ``on_data(b"")`` marks the end of that output.
    """
    if not wait_exit(child, 0.5 if child.flag_eof else 0.0):
        signal_child_group(child, signal.SIGTERM)
        _drain_until_exit(child, kill_grace, on_data)
    if child.isalive():
        signal_child_group(child, signal.SIGKILL)
        wait_exit(child, REAP_WAIT)
    if not child.isalive():
        child.delayafterclose = child.ptyproc.delayafterclose = 0.0  # already reaped: no need
        kill_leftover_group(child.pid)
    try:
        child.close(force=True)
    except Exception as exc:  # noqa: BLE001 - best effort: the group was already killed
        log.warning("listener %s: closing pid %d failed: %s", name, child.pid, exc)
    if child.exitstatus is not None:
        return int(child.exitstatus)
    return -int(child.signalstatus) if child.signalstatus is not None else None


def wait_exit(child: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while child.isalive():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _drain_until_exit(child: Any, seconds: float, on_data: Callable[[bytes], None] | None) -> None:
    """Wait for the child to exit, still reading its output."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = read(child, 0.05)
        if data is None:
            break
        if data and on_data is not None:
            on_data(data)
    if on_data is not None:
        on_data(b"")
    wait_exit(child, max(0.0, deadline - time.monotonic()))


def signal_child_group(child: Any, sig: int) -> None:
    """Signal the child's process group; only while the child is known not to be reaped."""
    if not child.terminated:
        signal_group(child.pid, sig)


def kill_leftover_group(pgid: int) -> None:
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


def describe_exit(code: int | None) -> str:
    if code is None:
        return "exited (status unknown)"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"killed by signal {name} (exit code {code})"
    return f"exited with code {code}"
