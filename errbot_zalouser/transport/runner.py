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
import re
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from errbot_zalouser.errors import ZcaCommandFailed, ZcaNotFound, ZcaTimeout

log = logging.getLogger(__name__)

_NOT_FOUND_ERRNOS = frozenset({errno.ENOENT, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.ENOEXEC})
_ID_ARG = re.compile(r"^\d{1,32}$")
_call_ids = itertools.count(1)


@dataclass(frozen=True)
class CompletedRun:
    """What one finished `zca` call returned. ``duration`` is in seconds."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration: float

    @property
    def ok(self) -> bool:
        """True when the command exited with code 0."""
        return self.returncode == 0


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
        elif _ID_ARG.match(arg):
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
        proc = self._spawn(argv)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            partial = self._kill_and_reap(proc, exc)
            duration = time.monotonic() - started
            log.debug("zca call %d: timed out after %.2fs", call_id, duration)
            raise ZcaTimeout(
                f"zca {describe_args(args)} timed out after {timeout}s",
                argv=argv,
                stderr=_decode(partial),
            ) from exc
        except BaseException:
            self._kill_and_reap(proc, None)
            raise
        duration = time.monotonic() - started
        log.debug("zca call %d: exit %d in %.2fs", call_id, proc.returncode, duration)
        return CompletedRun(argv, proc.returncode, _decode(out), _decode(err), duration)

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

    def _spawn(self, argv: tuple[str, ...]) -> subprocess.Popen[bytes]:
        try:
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
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

    def _kill_and_reap(self, proc: subprocess.Popen[bytes], exc: subprocess.TimeoutExpired | None) -> bytes:
        """SIGTERM the group, SIGKILL after the grace period, reap; return the stderr read so far."""
        partial = (exc.stderr if exc is not None else None) or b""
        signal_group(proc.pid, signal.SIGTERM)
        for sig in (signal.SIGKILL, None):
            try:
                _, err = proc.communicate(timeout=self.kill_grace)
                return err or partial
            except subprocess.TimeoutExpired as again:
                partial = again.stderr or partial
                if sig is not None:
                    signal_group(proc.pid, sig)
        # Something outside the process group still holds our pipes open: stop reading.
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        proc.wait()
        return partial


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


def _decode(data: bytes | None) -> str:
    return data.decode("utf-8", errors="replace") if data else ""
