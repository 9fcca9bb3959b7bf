"""Locks between processes: one bot per data folder and per zca profile, and store updates that
a second process (the operator CLI, an import) cannot interleave with.

Both are ``fcntl.flock`` locks on small files. The kernel drops a flock when the last descriptor
of the open file closes, so a crash or ``kill -9`` never leaves a lock behind, and a file left on
disk means nothing by itself. Descriptors are opened close-on-exec: a `zca` child the bot starts
never holds the bot's lock.

- :class:`ProcessLock` is held for a short step (a store's read-modify-write), blocking, and
  re-entrant within a thread of this process.
- :func:`claim_instance` takes the bot's locks without waiting: the data folder's and one per zca
  profile. A second bot is refused with :class:`AlreadyRunning`, which names the pid in the lock
  file (each holder writes its pid there once it holds the lock).

A zca profile is named by the tool's home folder plus the profile name, so two bots on one Zalo
session collide whatever their data folders, while the simulator's homes (tests, the demo) and
openzca's home never share a lock. The profile locks live in ``$XDG_RUNTIME_DIR/errbot-zalouser``,
else ``~/.cache/errbot-zalouser/locks``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from errbot_zalouser.errors import StoreError, ZalouserError

BOT_LOCK = Path("zalouser", "bot.lock")  # under the data folder, beside the stores
_TOOL_HOMES = (("OPENZCA_HOME", "~/.openzca"), ("ZCA_SIM_HOME", "~/.zca-sim"))


class AlreadyRunning(ZalouserError):
    """Another process holds one of the bot's locks; ``pid`` is that process (None if unknown)."""

    def __init__(self, what: str, pid: int | None, lock_file: Path) -> None:
        self.what = what
        self.pid = pid
        self.lock_file = lock_file
        holder = f"pid {pid}" if pid else "a process whose pid could not be read"
        stop = f"stop it first (kill {pid})" if pid else f"stop it first (fuser {lock_file} names it)"
        super().__init__(f"another bot is already running on {what}: {holder}; {stop}, "
                         "or give this bot its own BOT_DATA_DIR and Zalo profile")


def _open_lock_file(path: Path) -> int:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot open the lock file {path}: {exc}") from exc


class ProcessLock:
    """A blocking lock on ``path`` shared by every process that uses the same file; re-entrant
    within one thread. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def __enter__(self) -> ProcessLock:
        self._thread_lock.acquire()
        if self._depth == 0:
            try:
                fd = _open_lock_file(self.path)
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                self._thread_lock.release()
                raise
            self._fd = fd
        self._depth += 1
        return self

    def __exit__(self, *_exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None
        self._thread_lock.release()


@dataclass
class InstanceClaim:
    """The locks a running bot holds; ``release`` (or the process's end) gives them back."""

    files: tuple[Path, ...] = ()
    _fds: list[int] = field(default_factory=list, repr=False)

    def release(self) -> None:
        while self._fds:
            os.close(self._fds.pop())


def claim_instance(data_dir: Path, profiles: Iterable[str], *, environ: dict[str, str] | None = None,
                   lock_dir: Path | None = None) -> InstanceClaim:
    """Take the data folder's lock and one lock per zca profile, without waiting.

    Raises AlreadyRunning (naming the holder's pid) when another process holds any of them; the
    locks taken before that are released. ``environ`` selects the tool homes (default os.environ).
    """
    env = dict(os.environ if environ is None else environ)
    wanted = [(f"the data folder {data_dir}", data_dir / BOT_LOCK)]
    folder = lock_dir or default_lock_dir(env)
    for profile in dict.fromkeys(profiles):
        wanted.append((f'the Zalo profile "{profile}"', folder / f"profile-{profile_key(profile, env)}.lock"))
    claim = InstanceClaim(files=tuple(path for _what, path in wanted))
    try:
        for what, path in wanted:
            claim._fds.append(_take(what, path))
    except BaseException:
        claim.release()
        raise
    return claim


def _take(what: str, path: Path) -> int:
    fd = _open_lock_file(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = _read_pid(fd)
        os.close(fd)
        raise AlreadyRunning(what, pid, path) from None
    except OSError as exc:
        os.close(fd)
        raise StoreError(f"cannot lock {path}: {exc}") from exc
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # the lock holds; only the pid shown to a second bot is missing
    return fd


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def profile_key(profile: str, environ: dict[str, str]) -> str:
    """A file-name-safe key for ``profile`` under the tool homes ``environ`` selects."""
    homes = [os.path.abspath(os.path.expanduser(environ.get(name) or default)) for name, default in _TOOL_HOMES]
    digest = hashlib.sha256("\0".join([profile, *homes]).encode()).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in profile)[:40]
    return f"{safe}-{digest}"


def default_lock_dir(environ: dict[str, str]) -> Path:
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "errbot-zalouser"
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "errbot-zalouser" / "locks"
