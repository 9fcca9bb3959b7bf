"""Durable files: the one set of rules the stores and the outbound journal write by.

- A file is replaced atomically: the new content goes to a temporary file beside it
  (``.<name>.<random>.tmp``), which is flushed and fsynced, given its mode (0600 by default),
  renamed over the file, and then the folder is fsynced so the rename itself survives a power
  cut. A crash leaves the old file or the new one, never half of one.
- A file that cannot be used is set aside as ``<name>.corrupt-<UTC time>`` (``-2``, ``-3``...
  when that name is taken), moved or copied, never deleted: someone may want to read it.
- Temporary files a crash left behind are removed when the file is next opened, once they are
  older than a minute (a younger one may belong to another process writing right now, such as
  an ``import-openclaw`` run beside the bot).

Failures to write raise StoreError; fsyncing a folder is best effort (some filesystems refuse it).
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from errbot_zalouser.errors import StoreError

log = logging.getLogger(__name__)

FILE_MODE = 0o600
STALE_TEMP_SECONDS = 60.0


def write_atomic(path: Path, data: bytes, *, mode: int = FILE_MODE) -> None:
    """Replace ``path`` with ``data``, atomically and durably. Raises StoreError; on failure the
    previous file is left as it was and the temporary file is removed."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        with suppress(OSError):
            os.unlink(tmp)
        raise StoreError(f"cannot write {path}: {exc}") from exc
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a create, rename or delete in ``directory`` durable. Not every platform or filesystem
    allows it; that is logged at debug level and not fatal."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        log.debug("cannot open %s to fsync it: %s", directory, exc)
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        log.debug("cannot fsync %s: %s", directory, exc)
    finally:
        os.close(fd)


def set_aside(path: Path, *, copy: bool = False) -> Path:
    """Move ``path`` (or copy it, mode 0600) to a fresh ``<name>.corrupt-<UTC time>[-N]`` beside it
    and return that path. Raises OSError; the caller decides what a failure means."""
    target = _aside_path(path)
    if copy:
        shutil.copyfile(path, target)
        os.chmod(target, FILE_MODE)
    else:
        os.replace(path, target)
    fsync_dir(path.parent)
    return target


def _aside_path(path: Path) -> Path:
    base = f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
    target = path.with_name(base)
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{base}-{counter}")
    return target


def remove_stale_temps(path: Path, *, max_age: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove the temporary files of ``path`` older than ``max_age`` seconds; returns those removed.

    Besides this module's ``.<name>.<random>.tmp`` it removes ``.<name>.tmp-<pid>-<thread>``, the
    form the journal used before it wrote through this module.
    """
    cutoff = time.time() - max_age
    name = glob.escape(path.name)
    removed = []
    for pattern in (f".{name}.*.tmp", f".{name}.tmp-*"):
        for leftover in path.parent.glob(pattern):
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed.append(leftover)
            except FileNotFoundError:  # its writer renamed or removed it meanwhile
                continue
            except OSError as exc:
                log.warning("cannot remove the stale temporary file %s: %s", leftover, exc)
    return removed
