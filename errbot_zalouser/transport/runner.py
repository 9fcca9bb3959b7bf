"""Run one `zca` command as a child process and collect what it printed.

This is the single seam between the typed client and the operating system: a fake
runner that implements ``run`` (and ``run_interactive``) is all a client test needs.

Every call runs without a shell, with stdin closed and in its own session (so a
Ctrl-C typed in the bot's terminal does not reach it). A call that outlives its
timeout gets SIGTERM on its whole process group, then SIGKILL after ``kill_grace``
seconds, and is always reaped before ``ZcaTimeout`` is raised.
"""

from __future__ import annotations

import errno
import itertools
import logging
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from errbot_zalouser import ids
from errbot_zalouser.errors import ZcaCommandFailed, ZcaNotFound, ZcaTimeout

log = logging.getLogger(__name__)

_NOT_FOUND_ERRNOS = frozenset({errno.ENOENT, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.ENOEXEC})
_call_ids = itertools.count(1)


@dataclass(frozen=True)
class CompletedRun:
    """What one finished `zca` call returned. ``duration`` is in seconds."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration: float


def merged_env(extra: Mapping[str, str] | None) -> dict[str, str] | None:
    """The child environment: ``os.environ`` with ``extra`` laid over it (None = inherit as is)."""
    if not extra:
        return None
    env = dict(os.environ)
    env.update(extra)
    return env


def not_found_message(executable: str, reason: str = "") -> str:
    """One line naming the executable and the fix, for ZcaNotFound."""
    why = f" ({reason})" if reason else ""
    return (
        f"cannot run the zca executable {executable!r}{why}: install zca (zca-cli) or openzca "
        f"(npm i -g openzca), or set ZALOUSER_ZCA to the path of the executable"
    )


def describe_args(args: Sequence[str]) -> str:
    """A log-safe rendering of argv: numeric ids and option names stay, free text is redacted.

    Message bodies, captions and URLs never reach the log; only their length does.
    """
    shown: list[str] = []
    after_dashdash = False
    for arg in args:
        if arg == "--":
            after_dashdash = True
            shown.append(arg)
        elif ids.is_id(arg):
            shown.append(arg)
        elif arg.startswith("-") and not after_dashdash:
            name, sep, value = arg.partition("=")
            shown.append(f"{name}=<{len(value)} chars>" if sep else name)
        elif not after_dashdash and len(shown) < 6:
            shown.append(arg)  # command words and the profile name
        else:
            shown.append(f"<{len(arg)} chars>")
    return " ".join(shown)


class CliRunner:
    """Runs `zca` (or a stand-in such as `zca-sim`) one command at a time.

    ``env`` holds extra environment variables, laid over the bot's own environment.
    Safe to share between threads.
    """

    def __init__(
        self,
        executable: str = "zca",
        *,
        env: Mapping[str, str] | None = None,
        kill_grace: float = 2.0,
    ) -> None:
        self.executable = executable
        self.env = dict(env) if env else None
        self.kill_grace = kill_grace

    def __repr__(self) -> str:
        return f"CliRunner({self.executable!r})"

    def run(self, args: Sequence[str], *, timeout: float | None) -> CompletedRun:
        """Run ``[executable, *args]`` to completion and return its exit code and output.

        A non-zero exit is returned, never raised. Raises ``ZcaNotFound`` when the
        executable is missing or not executable, and ``ZcaTimeout`` (after killing and
        reaping the process group) when ``timeout`` seconds pass first.
        """
        argv = (self.executable, *args)
        call_id = next(_call_ids)
        log.debug("zca call %d: start %s", call_id, describe_args(args))
        started = time.monotonic()
        # Output goes to temporary files, not pipes: a list of 10,000 friends is then read once,
        # with no chunk list and joined copy beside it, and a stuck grandchild cannot hold us.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = self._spawn(argv, out, err)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                self._kill_and_reap(proc)
                log.debug("zca call %d: timed out after %.2fs", call_id, time.monotonic() - started)
                raise ZcaTimeout(
                    f"zca {describe_args(args)} timed out after {timeout}s", argv=argv, stderr=_read(err)
                ) from exc
            except BaseException:
                self._kill_and_reap(proc)
                raise
            duration = time.monotonic() - started
            log.debug("zca call %d: exit %d in %.2fs", call_id, proc.returncode, duration)
            return CompletedRun(argv, proc.returncode, _read(out), _read(err), duration)

    def run_interactive(self, args: Sequence[str]) -> int:
        """Run ``[executable, *args]`` attached to this terminal (for `auth login`); return the exit code.

        Nothing is captured: the tool draws its QR code and prompts directly. A Ctrl-C
        reaches the tool too; the child is reaped before KeyboardInterrupt propagates.
        """
        argv = (self.executable, *args)
        call_id = next(_call_ids)
        log.debug("zca call %d: interactive %s", call_id, describe_args(args))
        started = time.monotonic()
        try:
            proc = subprocess.Popen(argv, env=merged_env(self.env))
        except OSError as exc:
            raise self._spawn_error(argv, exc) from exc
        except (ValueError, UnicodeError) as exc:  # a NUL or a lone surrogate in an argument
            raise ZcaCommandFailed(f"cannot pass this argument to {self.executable!r}: {exc}", argv=argv) from exc
        try:
            code = proc.wait()
        except BaseException:
            _terminate_quietly(proc, self.kill_grace)
            raise
        log.debug("zca call %d: exit %d in %.2fs", call_id, code, time.monotonic() - started)
        return code

    def _spawn(self, argv: tuple[str, ...], out: IO[bytes], err: IO[bytes]) -> subprocess.Popen[bytes]:
        try:
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=merged_env(self.env),
                start_new_session=True,
            )
        except OSError as exc:
            raise self._spawn_error(argv, exc) from exc
        except (ValueError, UnicodeError) as exc:  # a NUL or a lone surrogate in an argument
            raise ZcaCommandFailed(f"cannot pass this argument to {self.executable!r}: {exc}", argv=argv) from exc

    def _spawn_error(self, argv: tuple[str, ...], exc: OSError) -> Exception:
        if isinstance(exc, (FileNotFoundError, PermissionError, NotADirectoryError)) or (
            exc.errno in _NOT_FOUND_ERRNOS
        ):
            return ZcaNotFound(not_found_message(self.executable, exc.strerror or ""), argv=argv)
        return ZcaCommandFailed(f"cannot start {self.executable!r}: {exc}", argv=argv)

    def _kill_and_reap(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGTERM the process group, SIGKILL it after the grace period, and reap the child."""
        signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=self.kill_grace)
        except subprocess.TimeoutExpired:
            signal_group(proc.pid, signal.SIGKILL)
            proc.wait()


def signal_group(pid: int, sig: int) -> None:
    """Signal the process group led by ``pid`` (never our own group)."""
    try:
        pgid = os.getpgid(pid)
        if pgid == pid and pgid != os.getpgrp():
            os.killpg(pgid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _terminate_quietly(proc: subprocess.Popen[bytes], grace: float) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _read(file: IO[bytes]) -> str:
    """What the child wrote to ``file``, read in one piece (one buffer, no growing copies)."""
    fd = file.fileno()
    return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", errors="replace")
