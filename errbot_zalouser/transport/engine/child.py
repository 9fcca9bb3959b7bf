"""One running engine process: its pipes, two reader threads, writing requests, ending it.

The child runs in its own session (a Ctrl-C in the bot's terminal does not reach it first). It
cannot outlive the bot: it exits when its stdin reaches end of file, which the kernel causes when
the bot dies however it dies, and it also watches its parent process (see engine.mjs). That watch
replaces PR_SET_PDEATHSIG, which Python can only set in a ``preexec_fn`` (unsafe with threads) and
which fires when the spawning *thread* exits, not the process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from errbot_zalouser import untrusted
from errbot_zalouser.errors import EngineNotInstalled
from errbot_zalouser.transport.lines import LineBuffer
from errbot_zalouser.transport.runner import signal_group

log = logging.getLogger(__name__)

_READ_SIZE = 65536
_STDERR_LINE_BYTES = 16384
_SHOWN = 500


def printable(text: str, limit: int = _SHOWN) -> str:
    """Text from the engine (which may quote Zalo) for a log line or a listener's detail: the
    project's one rule for logs (``untrusted.for_log``), every control character escaped."""
    return untrusted.for_log(text, limit)


class EngineChild:
    """Spawns ``argv`` with pipes; ``on_line(bytes)`` gets each stdout line, ``on_stderr(str)`` each
    stderr line, both on reader threads; a stdout line over ``max_line_bytes`` is dropped and
    reported through ``on_oversize()``.
    """

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        on_line: Callable[[bytes], None],
        on_stderr: Callable[[str], None],
        on_oversize: Callable[[], None],
        max_line_bytes: int,
        name: str,
    ) -> None:
        self.argv = list(argv)
        self._env = dict(env)
        self._on_line = on_line
        self._on_stderr = on_stderr
        self._on_oversize = on_oversize
        self._lines = LineBuffer(max_line_bytes)
        self._name = name
        self._proc: subprocess.Popen[bytes] | None = None
        self._write_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> int:
        """Start the process and its readers; EngineNotInstalled when the executable cannot run."""
        try:
            proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self._env,
                start_new_session=True,
            )
        except OSError as exc:
            raise EngineNotInstalled(
                f"cannot run {self.argv[0]!r} ({exc.strerror or exc}): install Node.js 18 or newer, "
                f"then run `python -m errbot_zalouser engine install`"
            ) from exc
        self._proc = proc
        assert proc.stdout is not None and proc.stderr is not None
        for target, stream, label in ((self._read_stdout, proc.stdout, "out"), (self._read_stderr, proc.stderr, "err")):
            thread = threading.Thread(target=target, args=(stream.fileno(),), name=f"zalouser-engine-{self._name}-{label}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        return proc.pid

    def send(self, data: bytes) -> bool:
        """Write one request line; False when the child no longer reads (broken pipe)."""
        proc = self._proc
        if proc is None or proc.stdin is None:
            return False
        with self._write_lock:
            try:
                proc.stdin.write(data)
                proc.stdin.flush()
                return True
            except (BrokenPipeError, ValueError, OSError):
                return False

    def close_stdin(self) -> None:
        """End of input: the engine finishes what it is doing and exits."""
        proc = self._proc
        if proc is None or proc.stdin is None:
            return
        with self._write_lock, contextlib.suppress(OSError):
            proc.stdin.close()

    def poll(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def end(self, grace: float) -> int | None:
        """Close stdin, wait ``grace`` seconds, then SIGTERM, then SIGKILL; reap; return the exit code."""
        proc = self._proc
        if proc is None:
            return None
        self.close_stdin()
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None and proc.poll() is None:
                signal_group(proc.pid, sig)
            try:
                proc.wait(timeout=grace if sig != signal.SIGKILL else 5.0)
                break
            except subprocess.TimeoutExpired:
                continue
        self.join_readers(2.0)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        return proc.returncode

    def join_readers(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # --- readers --------------------------------------------------------------------------------

    def _read_stdout(self, fd: int) -> None:
        while True:
            data = _read(fd)
            if not data:
                break
            before = self._lines.oversize
            for line in self._lines.feed(data):
                self._guard(self._on_line, line)
            for _ in range(self._lines.oversize - before):
                self._guard(self._on_oversize)
        rest = self._lines.flush()
        if rest:
            self._guard(self._on_line, rest)

    def _read_stderr(self, fd: int) -> None:
        lines = LineBuffer(_STDERR_LINE_BYTES)
        while True:
            data = _read(fd)
            if not data:
                break
            for line in lines.feed(data):
                self._guard(self._on_stderr, line.decode("utf-8", errors="replace"))
        rest = lines.flush()
        if rest:
            self._guard(self._on_stderr, rest.decode("utf-8", errors="replace"))

    def _guard(self, callback: Callable[..., None], *args: object) -> None:
        try:
            callback(*args)
        except Exception:  # a handler bug must not stop the reader
            log.exception("engine %s: line handler failed", self._name)


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, _READ_SIZE)
    except OSError:
        return b""


def kill_stray(pid: int) -> None:
    """SIGKILL the engine's process group (used when its supervisor is stuck)."""
    signal_group(pid, signal.SIGKILL)
