"""The simulator's state folder: paths, file locks, atomic JSON files and JSON-lines logs.

Layout under ``$ZCA_SIM_HOME`` (default ``~/.zca-sim``)::

    faults.json  faults.lock  calls.jsonl
    profiles/<name>/state.json  state.lock      account, friends, groups, members, loggedIn
    profiles/<name>/inbox.jsonl inbox.offset inbox.lock   records for `listen` (see inbox.py)
    profiles/<name>/sent.jsonl                  every successful `msg ...`
    profiles/<name>/listen.pid  listen.log      running listener, one line per listener start

Several `zca-sim` processes run at once, so every read-modify-write happens under an
``fcntl.flock`` lock and every rewrite is atomic (temporary file, then rename).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from errbot_zalouser.simulator import seed

HOME_ENV = "ZCA_SIM_HOME"
DEFAULT_HOME = "~/.zca-sim"
_PROFILE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$")


def sim_home(env: dict[str, str] | None = None) -> Path:
    """The state folder: ``$ZCA_SIM_HOME``, else ``~/.zca-sim``."""
    environ = os.environ if env is None else env
    return Path(environ.get(HOME_ENV) or DEFAULT_HOME).expanduser()


def valid_profile(name: str) -> bool:
    """Profile names become folder names: letters, digits and ``_.@-`` only."""
    return bool(_PROFILE_RE.match(name))


# --- locks and files ------------------------------------------------------------------------------


@contextmanager
def locked(path: Path, timeout: float = 10.0) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if needed); TimeoutError if busy too long."""
    fd = _lock_fd(path)
    try:
        deadline = time.monotonic() + timeout
        while not _try_flock(fd):
            if time.monotonic() > deadline:
                raise TimeoutError(f"lock busy: {path}")
            time.sleep(0.002)
        yield
    finally:
        os.close(fd)


@contextmanager
def try_locked(path: Path) -> Iterator[bool]:
    """Try once to take the lock; yields whether it is held (released on exit)."""
    fd = _lock_fd(path)
    try:
        yield _try_flock(fd)
    finally:
        os.close(fd)


def _lock_fd(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def read_json(path: Path, default: Any = None) -> Any:
    """The decoded file, or ``default`` if it is missing or not valid JSON."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (FileNotFoundError, ValueError):
        return default


def write_json(path: Path, data: Any) -> None:
    """Replace ``path`` atomically with pretty JSON (temporary file in the same folder, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, path)


def write_text(path: Path, text: str) -> None:
    """Replace a small text file atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def append_line(path: Path, data: bytes, *, sync: bool = False) -> None:
    """Append ``data`` with one O_APPEND write, so concurrent writers never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def append_jsonl(path: Path, obj: Any, *, sync: bool = False) -> None:
    """Append one compact JSON object and a newline."""
    line = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
    append_line(path, line.encode("utf-8"), sync=sync)


def read_jsonl(path: Path) -> list[Any]:
    """Every decodable line of a JSON-lines file (missing file: empty list)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    rows = []
    for line in raw.splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows


# --- one profile ------------------------------------------------------------------------------------


class Profile:
    """Paths and state of one simulator profile."""

    def __init__(self, home: Path, name: str) -> None:
        self.home = home
        self.name = name
        self.dir = home / "profiles" / name

    def path(self, filename: str) -> Path:
        """A file inside the profile folder."""
        return self.dir / filename

    @property
    def state_path(self) -> Path:
        return self.path("state.json")

    def load(self) -> dict[str, Any]:
        """The profile state; a fresh profile is seeded (and persisted) on first use."""
        data = read_json(self.state_path)
        if isinstance(data, dict):
            return data
        return self.update(lambda state: None)

    def save(self, state: dict[str, Any]) -> None:
        """Replace the whole state."""
        with locked(self.path("state.lock")):
            write_json(self.state_path, state)

    def update(self, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Read, let ``change`` edit the dict in place, write back: all under the state lock."""
        with locked(self.path("state.lock")):
            stored = read_json(self.state_path)
            state: dict[str, Any] = stored if isinstance(stored, dict) else seed.default_state()
            change(state)
            write_json(self.state_path, state)
            return state
