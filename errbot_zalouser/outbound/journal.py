"""Append-only journal of outbound items, so queued replies survive a crash or restart.

The file is JSON Lines, one record per line::

    {"op": "queued", "item": {...OutboundItem.to_json()...}}
    {"op": "done", "id": "<item id>"}

Every append is written with one ``write`` and made durable with ``fsync`` before the call
returns, so an item whose ``add`` returned is never lost. A crash can leave a torn last line
(no newline); it is ignored and cut off on the next open. Any other unreadable line means the
file is corrupt: it is set aside (``<name>.corrupt-<UTC time>``), an error is logged, and a fresh
journal is started. ``compact`` rewrites the file atomically. Setting aside, rewriting and the
clean-up of temporary files follow ``errbot_zalouser.durable``'s rules, as the stores do.
Files are created with mode 0600.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from errbot_zalouser import durable
from errbot_zalouser.errors import StoreError
from errbot_zalouser.outbound.item import OutboundItem

log = logging.getLogger(__name__)

_FILE_MODE = durable.FILE_MODE


class CorruptJournal(ValueError):
    """A complete line of the journal cannot be understood."""


class Journal:
    """Durable record of outbound items that are queued and not yet done. Thread-safe.

    ``compact_threshold``: once the file holds this many records and more than twice as many as
    there are pending items, ``mark_done`` compacts it.
    """

    def __init__(self, path: str | os.PathLike[str], *, compact_threshold: int = 1000) -> None:
        self.path = Path(path)
        self._compact_threshold = max(int(compact_threshold), 1)
        self._lock = threading.Lock()
        self._pending: dict[str, OutboundItem] = {}
        self._records = 0
        self._fd: int | None = None
        self._size = 0
        with self._lock:
            self._open()

    # --- public API ------------------------------------------------------------------------------

    def add(self, item: OutboundItem) -> None:
        """Record ``item`` as queued; durable when this returns."""
        self.add_many([item])

    def add_many(self, items: Iterable[OutboundItem]) -> None:
        """Record several items as queued with one write and one fsync, in the given order."""
        items = list(items)
        if not items:
            return
        data = b"".join(_encode({"op": "queued", "item": item.to_json()}) for item in items)
        with self._lock:
            self._append(data)
            for item in items:
                self._pending.setdefault(item.id, item)
            self._records += len(items)

    def mark_done(self, item_id: str) -> None:
        """Record that ``item_id`` was sent or has finally failed; unknown ids are ignored."""
        with self._lock:
            if item_id not in self._pending:
                return
            self._append(_encode({"op": "done", "id": item_id}))
            del self._pending[item_id]
            self._records += 1
            if self._records >= self._compact_threshold and self._records > 2 * len(self._pending):
                self._compact()

    def pending(self) -> list[OutboundItem]:
        """Items queued and not done, in the order they were first queued."""
        with self._lock:
            return list(self._pending.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def compact(self) -> None:
        """Rewrite the file with only the pending items, atomically."""
        with self._lock:
            self._compact()

    def close(self) -> None:
        """Close the file; later writes raise StoreError. Safe to call twice."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- loading ---------------------------------------------------------------------------------

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            durable.remove_stale_temps(self.path)
            self._load()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _FILE_MODE)
            os.fchmod(self._fd, _FILE_MODE)
            self._size = os.fstat(self._fd).st_size
            durable.fsync_dir(self.path.parent)
        except OSError as exc:
            raise StoreError(f"cannot open outbound journal {self.path}: {exc}") from exc
        if self._records > len(self._pending):
            self._compact()

    def _load(self) -> None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        data = self._drop_torn_tail(data)
        try:
            self._replay(data)
        except CorruptJournal as exc:
            self._move_aside(str(exc))

    def _drop_torn_tail(self, data: bytes) -> bytes:
        """Cut an unterminated last line off the file (or terminate it, when it is complete)."""
        if not data or data.endswith(b"\n"):
            return data
        head, _, tail = data.rpartition(b"\n")
        head = head + b"\n" if head else b""
        if _parse_record(tail) is not None:
            with open(self.path, "ab") as handle:  # a complete record that lost only its newline
                handle.write(b"\n")
                os.fsync(handle.fileno())
            return head + tail + b"\n"
        log.warning("outbound journal %s: ignoring a torn last line (%d bytes)", self.path, len(tail))
        os.truncate(self.path, len(head))
        return head

    def _replay(self, data: bytes) -> None:
        for number, line in enumerate(data.split(b"\n"), start=1):
            if not line.strip():
                continue
            record = _parse_record(line)
            if record is None:
                raise CorruptJournal(f"line {number} is not a journal record")
            self._apply(record, number)

    def _apply(self, record: dict[str, Any], number: int) -> None:
        op = record.get("op")
        self._records += 1
        if op == "queued":
            try:
                item = OutboundItem.from_json(record.get("item"))
            except ValueError as exc:
                raise CorruptJournal(f"line {number}: {exc}") from exc
            self._pending.setdefault(item.id, item)
        elif op == "done":
            self._pending.pop(str(record.get("id")), None)
        else:
            log.warning("outbound journal %s: line %d has unknown op %r; skipped", self.path, number, op)

    def _move_aside(self, reason: str) -> None:
        aside = durable.set_aside(self.path)
        log.error(
            "outbound journal %s is corrupt (%s): moved it to %s and started a fresh one; "
            "replies queued in it will NOT be sent (inspect the moved file)",
            self.path,
            reason,
            aside,
        )
        self._pending.clear()
        self._records = 0

    # --- writing ---------------------------------------------------------------------------------

    def _append(self, data: bytes) -> None:
        if self._fd is None:
            raise StoreError(f"outbound journal {self.path} is closed")
        try:
            _write_all(self._fd, data)
            os.fsync(self._fd)
        except OSError as exc:
            self._undo_partial_write()
            raise StoreError(f"cannot write outbound journal {self.path}: {exc}") from exc
        self._size += len(data)

    def _undo_partial_write(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, self._size)
        except OSError:
            log.error("outbound journal %s: cannot undo a partial write", self.path)

    def _compact(self) -> None:
        data = b"".join(_encode({"op": "queued", "item": item.to_json()}) for item in self._pending.values())
        try:
            durable.write_atomic(self.path, data, mode=_FILE_MODE)
            new_fd = os.open(self.path, os.O_WRONLY | os.O_APPEND, _FILE_MODE)
        except (OSError, StoreError) as exc:
            raise StoreError(f"cannot compact the outbound journal: {exc}") from exc  # exc names the file
        if self._fd is not None:
            os.close(self._fd)
        self._fd = new_fd
        self._size = len(data)
        self._records = len(self._pending)
        log.debug("outbound journal %s compacted to %d pending item(s)", self.path, self._records)


def _encode(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _parse_record(line: bytes) -> dict[str, Any] | None:
    """The record on one line, or None when it is not a JSON object."""
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
