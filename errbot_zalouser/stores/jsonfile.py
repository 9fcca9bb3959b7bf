"""JSON-file stores under ``<data_dir>/zalouser/``, written atomically.

Files are written by ``errbot_zalouser.durable``'s rules (temporary file, fsync, rename, folder
fsync; a crash leaves the old or the new file), mode 0600 in a 0700 directory (they decide who
may talk to the bot). Each file is ``{"version": 1, "<items>": [...]}``.

A file that cannot be used (unreadable, not JSON, wrong shape or version) is moved aside to
``<name>.corrupt-<UTC timestamp>`` with a loud error log, and the store starts empty: a bad
file must not stop the bot from starting. Single bad entries are dropped, and the original
file is first copied aside the same way.

A store re-reads its file when the file's inode, size or mtime changed, and ``signature()``
gives that stat to caches built from a store (the gate's effective allowlists), so a change
made by hand while the bot runs (an edit, a restored backup, ``import-openclaw``) applies to the
gate, ``!pair`` and ``!allowlist`` at the next message. Writes by hand should still replace the
file as a whole (write a copy, then rename it over the original).

Every read and every read-modify-write holds a lock shared with other processes
(``<name>.lock`` beside the file, ``locks.ProcessLock``), so the operator CLI or an import run
beside the bot cannot lose an update the bot makes at the same moment, nor the reverse.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any, Generic, TypeVar

from errbot_zalouser import durable
from errbot_zalouser.errors import StoreError
from errbot_zalouser.locks import ProcessLock
from errbot_zalouser.model import ApprovedEntry, GroupAllowEntry, PairingRequest
from errbot_zalouser.stores._logic import ApprovedLogic, GroupAllowLogic, PairingLogic
from errbot_zalouser.stores.base import Stores

log = logging.getLogger(__name__)

VERSION = 1
STORE_DIR = "zalouser"

T = TypeVar("T")


def atomic_write_json(path: Path | str, obj: Any) -> None:
    """Replace ``path`` with ``obj`` as JSON, atomically and durably. Raises StoreError.

    On failure the previous file is left as it was and the temporary file is removed.
    """
    path = Path(path)
    try:
        data = (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot serialise data for {path}: {exc}") from exc
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc}") from exc
    durable.write_atomic(path, data)


# --- one JSON document -------------------------------------------------------------------------


class _JsonDocument(Generic[T]):
    """A versioned list of items in one file, cached and re-read when the file changes.

    Not locked itself: the owning store calls it under its lock.
    """

    def __init__(self, path: Path, list_key: str, decode: Callable[[Any], T], encode: Callable[[T], dict[str, Any]]) -> None:
        self.path = path
        self._key = list_key
        self._decode = decode
        self._encode = encode
        self._items: tuple[T, ...] = ()
        self._signature: tuple[int, int, int, int] | None = None
        self._loaded = False
        durable.remove_stale_temps(path)

    def load(self) -> tuple[T, ...]:
        signature = self._stat()
        if not self._loaded or signature != self._signature:
            self._items = self._read()
            self._signature = self._stat()
            self._loaded = True
        return self._items

    def save(self, items: tuple[T, ...]) -> None:
        atomic_write_json(self.path, {"version": VERSION, self._key: [self._encode(i) for i in items]})
        self._items = tuple(items)
        self._signature = self._stat()

    def signature(self) -> tuple[int, int, int, int] | None:
        """The file's identity, size and change time: new whenever anyone rewrites it."""
        return self._stat()

    def _stat(self) -> tuple[int, int, int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size, st.st_ctime_ns

    def _read(self) -> tuple[T, ...]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ()
        except (OSError, ValueError) as exc:
            self._set_aside(f"cannot be read ({exc})", move=True)
            return ()
        try:
            doc = json.loads(text)
        except ValueError as exc:
            self._set_aside(f"is not valid JSON ({exc})", move=True)
            return ()
        problem = self._shape_problem(doc)
        if problem:
            self._set_aside(problem, move=True)
            return ()
        return self._decode_all(doc[self._key])

    def _shape_problem(self, doc: Any) -> str:
        if not isinstance(doc, Mapping):
            return "does not hold a JSON object"
        version = doc.get("version")
        if type(version) is not int or version != VERSION:
            return f"has version {json.dumps(version)}, expected {VERSION}"
        if not isinstance(doc.get(self._key), list):
            return f'has no "{self._key}" list'
        return ""

    def _decode_all(self, raw_items: list[Any]) -> tuple[T, ...]:
        items: list[T] = []
        for raw in raw_items:
            try:
                items.append(self._decode(raw))
            except (KeyError, TypeError, ValueError):
                continue
        bad = len(raw_items) - len(items)
        if bad:
            self._set_aside(f"has {bad} unusable entries (kept the other {len(items)})", move=False)
            with suppress(StoreError):
                self.save(tuple(items))
        return tuple(items)

    def _set_aside(self, problem: str, *, move: bool) -> None:
        try:
            target = durable.set_aside(self.path, copy=not move)
        except OSError as exc:
            log.error("zalouser store %s %s, and it could not be set aside (%s); continuing without it",
                      self.path, problem, exc)
            return
        log.error("zalouser store %s %s: %s it to %s%s", self.path, problem, "moved" if move else "copied",
                  target, "; starting with an empty store" if move else "")


# --- item codecs -------------------------------------------------------------------------------


_REQUIRED: Any = object()


def _field(raw: Any, key: str, kind: type, default: Any = _REQUIRED) -> Any:
    """One typed value of a stored entry; required strings must not be empty."""
    if not isinstance(raw, Mapping):
        raise TypeError("entry is not an object")
    if key not in raw:
        if default is _REQUIRED:
            raise KeyError(key)
        return default
    value = raw[key]
    if kind is str and isinstance(value, str) and (value.strip() or default is not _REQUIRED):
        return value
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise ValueError(f"bad {key}")


def _decode_request(raw: Any) -> PairingRequest:
    created = _field(raw, "createdAt", float)
    return PairingRequest(
        code=_field(raw, "code", str).upper(),
        user_id=_field(raw, "userId", str),
        account=_field(raw, "account", str),
        created_at=created,
        last_seen_at=_field(raw, "lastSeenAt", float, created),
        name=_field(raw, "name", str, ""),
        denied_at=_field(raw, "deniedAt", float, None) if raw.get("deniedAt") is not None else None,
    )


def _encode_request(r: PairingRequest) -> dict[str, Any]:
    encoded: dict[str, Any] = {"code": r.code, "userId": r.user_id, "account": r.account, "createdAt": r.created_at,
               "lastSeenAt": r.last_seen_at, "name": r.name}
    if r.denied_at is not None:
        encoded["deniedAt"] = r.denied_at
    return encoded


def _decode_approved(raw: Any) -> ApprovedEntry:
    return ApprovedEntry(
        user_id=_field(raw, "userId", str),
        account=_field(raw, "account", str),
        source=_field(raw, "source", str),
        added_at=_field(raw, "addedAt", float),
        name=_field(raw, "name", str, ""),
        added_by=_field(raw, "addedBy", str, ""),
    )


def _encode_approved(e: ApprovedEntry) -> dict[str, Any]:
    return {"userId": e.user_id, "account": e.account, "source": e.source, "addedAt": e.added_at,
            "name": e.name, "addedBy": e.added_by}


def _decode_group(raw: Any) -> GroupAllowEntry:
    return GroupAllowEntry(
        group_id=_field(raw, "groupId", str),
        account=_field(raw, "account", str),
        added_at=_field(raw, "addedAt", float),
        name=_field(raw, "name", str, ""),
        added_by=_field(raw, "addedBy", str, ""),
    )


def _encode_group(e: GroupAllowEntry) -> dict[str, Any]:
    return {"groupId": e.group_id, "account": e.account, "addedAt": e.added_at, "name": e.name,
            "addedBy": e.added_by}


# --- the stores --------------------------------------------------------------------------------


class _JsonBacked(Generic[T]):
    """Delegates the stores' load/save hooks to a _JsonDocument; loads eagerly to report bad files early."""

    _doc: _JsonDocument[T]
    _lock: Any

    def _open(self, path: Path | str, key: str, decode: Callable[[Any], T],
              encode: Callable[[T], dict[str, Any]]) -> None:
        path = Path(path)
        self._lock = ProcessLock(path.with_name(path.name + ".lock"))  # shared with other processes
        self._doc = _JsonDocument(path, key, decode, encode)
        with self._lock:
            self._doc.load()

    @property
    def path(self) -> Path:
        return self._doc.path

    def _load(self) -> tuple[T, ...]:
        return self._doc.load()

    def signature(self) -> object:
        return self._doc.signature()

    def _save(self, items: tuple[T, ...]) -> None:
        self._doc.save(items)


class JsonPairingStore(_JsonBacked[PairingRequest], PairingLogic):
    """Pending pairing requests in ``{"version": 1, "requests": [...]}``."""

    def __init__(self, path: Path | str) -> None:
        PairingLogic.__init__(self)
        self._open(path, "requests", _decode_request, _encode_request)


class JsonApprovedStore(_JsonBacked[ApprovedEntry], ApprovedLogic):
    """Approved DM senders in ``{"version": 1, "entries": [...]}``."""

    def __init__(self, path: Path | str) -> None:
        ApprovedLogic.__init__(self)
        self._open(path, "entries", _decode_approved, _encode_approved)


class JsonGroupAllowStore(_JsonBacked[GroupAllowEntry], GroupAllowLogic):
    """Chat-allowed groups in ``{"version": 1, "entries": [...]}``."""

    def __init__(self, path: Path | str) -> None:
        GroupAllowLogic.__init__(self)
        self._open(path, "entries", _decode_group, _encode_group)


def open_stores(data_dir: Path | str) -> Stores:
    """The three JSON stores under ``<data_dir>/zalouser/`` (created with mode 0700)."""
    folder = Path(data_dir) / STORE_DIR
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    except OSError as exc:
        raise StoreError(f"cannot create the store directory {folder}: {exc}") from exc
    return Stores(
        pairing=JsonPairingStore(folder / "pairing.json"),
        approved=JsonApprovedStore(folder / "approved.json"),
        group_allow=JsonGroupAllowStore(folder / "group-allow.json"),
    )
