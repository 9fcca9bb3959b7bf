"""Import OpenClaw's zalouser pairing state into our stores.

Reads OpenClaw's credentials folder (``~/.openclaw/credentials``; the state folder holding it
works too) or single files, and never changes them:

- ``zalouser-allowFrom.json`` (seed, shared by all accounts) -> approved senders of ``account``;
- ``zalouser-<account>-allowFrom.json`` (2026.2.26+) -> approved senders of that account;
  both ``{"version": 1, "allowFrom": ["<id>", ...]}``, entries possibly ``zalouser:``/``zlu:``-prefixed;
- ``zalouser-pairing.json`` -> pending requests, keeping code and ``createdAt``:
  ``{"version": 1, "requests": [{"id", "code", "createdAt", "lastSeenAt", "meta": {"name", "accountId"?}}]}``.

Expired requests, wildcards and non-numeric entries are skipped with a reason. Running the
import twice imports nothing the second time (everything counts as a duplicate).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from errbot_zalouser import ids
from errbot_zalouser.errors import StoreError
from errbot_zalouser.model import ApprovedEntry, PairingRequest
from errbot_zalouser.policy.pairing import ALPHABET, is_live, normalize_code
from errbot_zalouser.service.pairing import PairingBook
from errbot_zalouser.settings import normalize_account_id
from errbot_zalouser.stores.base import Stores

PAIRING_FILE = "zalouser-pairing.json"
_ALLOW_RE = re.compile(r"^zalouser(?:-(?P<account>.+))?-allowFrom\.json$")
IMPORT_SOURCE = "import"


@dataclass(frozen=True)
class Skipped:
    file: str
    item: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did. ``files`` are the files read, in order."""

    files: tuple[str, ...] = ()
    approved_imported: int = 0
    approved_duplicates: int = 0
    pairing_imported: int = 0
    pairing_duplicates: int = 0
    skipped: tuple[Skipped, ...] = ()

    @property
    def imported(self) -> int:
        return self.approved_imported + self.pairing_imported

    @property
    def duplicates(self) -> int:
        return self.approved_duplicates + self.pairing_duplicates

    def summary(self) -> list[str]:
        """Human-readable lines for a command's answer or a log."""
        lines = [f"read {len(self.files)} file(s): " + (", ".join(self.files) or "none found"),
                 f"approved senders: {self.approved_imported} imported, {self.approved_duplicates} already there",
                 f"pending pairing requests: {self.pairing_imported} imported, "
                 f"{self.pairing_duplicates} already there"]
        lines += [f"skipped {s.item} from {s.file}: {s.reason}" for s in self.skipped]
        return lines


@dataclass
class _Tally:
    files: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("approved_imported", "approved_duplicates", "pairing_imported", "pairing_duplicates"), 0))
    skipped: list[Skipped] = field(default_factory=list)

    def report(self) -> ImportReport:
        return ImportReport(files=tuple(self.files), skipped=tuple(self.skipped), **self.counts)


def import_openclaw(source: Path | str, stores: Stores, *, account: str = "default", now: float,
                    ttl: float = 3600.0) -> ImportReport:
    """Import OpenClaw zalouser files from ``source`` (a folder or one file).

    ``account`` receives the unscoped data: the seed ``zalouser-allowFrom.json`` and requests
    without ``meta.accountId``. Raises StoreError when ``source`` holds nothing importable.
    """
    tally = _Tally()
    pending = PairingBook(stores.pairing)
    for path in _files(Path(source).expanduser()):
        tally.files.append(str(path))
        doc = _read(path, tally)
        if doc is None:
            continue
        if path.name == PAIRING_FILE:
            _import_requests(path, doc, stores, pending, account, now, ttl, tally)
        else:
            _import_allow(path, doc, stores, _allow_account(path.name, account), now, tally)
    return tally.report()


def _files(source: Path) -> list[Path]:
    if source.is_file():
        if source.name != PAIRING_FILE and not _ALLOW_RE.match(source.name):
            raise StoreError(f"{source} is not an OpenClaw zalouser file "
                             f"(expected {PAIRING_FILE} or zalouser[-<account>]-allowFrom.json)")
        return [source]
    if not source.is_dir():
        raise StoreError(f"{source} does not exist")
    folder = source / "credentials" if (source / "credentials").is_dir() else source
    allow = sorted(p for p in folder.iterdir() if _ALLOW_RE.match(p.name) and p.is_file())
    pairing = [folder / PAIRING_FILE] if (folder / PAIRING_FILE).is_file() else []
    return allow + pairing  # approvals first, so pending requests of approved senders are skipped


def _allow_account(name: str, default: str) -> str:
    match = _ALLOW_RE.match(name)
    scoped = match.group("account") if match else None
    return normalize_account_id(scoped) if scoped else default


def _read(path: Path, tally: _Tally) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        tally.skipped.append(Skipped(path.name, "the whole file", f"unreadable ({exc})"))
        return None
    if not isinstance(doc, dict) or type(doc.get("version")) is not int or doc["version"] != 1:
        tally.skipped.append(Skipped(path.name, "the whole file", "not a version 1 OpenClaw file"))
        return None
    return doc


def _import_allow(path: Path, doc: dict[str, Any], stores: Stores, account: str, now: float, tally: _Tally) -> None:
    entries = doc.get("allowFrom")
    if not isinstance(entries, list):
        tally.skipped.append(Skipped(path.name, "the whole file", 'no "allowFrom" list'))
        return
    for raw in entries:
        user_id = ids.user_id(raw)
        if isinstance(raw, str) and ids.strip_scheme(raw) == "*":
            tally.skipped.append(Skipped(path.name, '"*"', 'a wildcard is not an approval; put "*" in the '
                                                          "config allowFrom if it is really meant"))
        elif user_id is None:
            tally.skipped.append(Skipped(path.name, json.dumps(raw, ensure_ascii=False), "not a numeric Zalo user id"))
        elif stores.approved.add(ApprovedEntry(user_id, account, IMPORT_SOURCE, now, added_by=f"openclaw {path.name}")):
            tally.counts["approved_imported"] += 1
        else:
            tally.counts["approved_duplicates"] += 1


def _import_requests(path: Path, doc: dict[str, Any], stores: Stores, pending: PairingBook, account: str,
                     now: float, ttl: float, tally: _Tally) -> None:
    requests = doc.get("requests")
    if not isinstance(requests, list):
        tally.skipped.append(Skipped(path.name, "the whole file", 'no "requests" list'))
        return
    for raw in requests:
        request, problem = _request(raw, account, now, ttl)
        if request is None:
            label = raw.get("code") if isinstance(raw, dict) else None
            tally.skipped.append(Skipped(path.name, f"request {label or '?'}", problem))
        elif request.user_id in stores.approved.ids(request.account):
            tally.skipped.append(Skipped(path.name, f"request {request.code}", "sender is already approved"))
        elif pending.insert(request, now=now, ttl=ttl):
            tally.counts["pairing_imported"] += 1
        else:
            tally.counts["pairing_duplicates"] += 1


def _request(raw: Any, account: str, now: float, ttl: float) -> tuple[PairingRequest | None, str]:
    """One OpenClaw request -> (PairingRequest, "") or (None, why it is skipped)."""
    if not isinstance(raw, dict):
        return None, "not an object"
    user_id = ids.user_id(raw.get("id"))
    code = normalize_code(raw["code"]) if isinstance(raw.get("code"), str) else ""
    created = _epoch(raw.get("createdAt"))
    if user_id is None:
        return None, "no numeric Zalo user id"
    if not code or any(c not in ALPHABET for c in code):
        return None, "no valid pairing code"
    if created is None:
        return None, "createdAt cannot be parsed"
    meta: dict[str, Any] = raw["meta"] if isinstance(raw.get("meta"), dict) else {}
    scoped, name = meta.get("accountId"), meta.get("name")
    request = PairingRequest(
        code=code, user_id=user_id,
        account=normalize_account_id(scoped) if isinstance(scoped, str) and scoped.strip() else account,
        created_at=created, last_seen_at=_epoch(raw.get("lastSeenAt")) or created,
        name=name if isinstance(name, str) else "",
    )
    if not is_live(request, now, ttl):
        return None, "expired"
    return request, ""


def _epoch(value: Any) -> float | None:
    """An ISO 8601 timestamp (``Z`` allowed, naive = UTC) -> epoch seconds, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
