"""Importing OpenClaw's zalouser credentials files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from errbot_zalouser.errors import StoreError
from errbot_zalouser.service.migrate import import_openclaw
from errbot_zalouser.service.pairing import PairingBook
from errbot_zalouser.stores.jsonfile import open_stores
from errbot_zalouser.stores.memory import memory_stores

NOW = datetime(2026, 1, 30, 12, 0, tzinfo=UTC).timestamp()


def iso(minutes_ago: float) -> str:
    moment = datetime.fromtimestamp(NOW - minutes_ago * 60, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write(folder: Path, name: str, doc) -> Path:
    path = folder / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


@pytest.fixture
def credentials(tmp_path) -> Path:
    folder = tmp_path / ".openclaw" / "credentials"
    folder.mkdir(parents=True)
    write(folder, "zalouser-allowFrom.json",
          {"version": 1, "allowFrom": ["1001", "zalouser:1002", "ZLU:1003", 1004, "*", "Alice", "1001"]})
    write(folder, "zalouser-work-allowFrom.json", {"version": 1, "allowFrom": ["2001"]})
    write(folder, "zalouser-pairing.json", {"version": 1, "requests": [
        {"id": "3001", "code": "ABCD2345", "createdAt": iso(10), "lastSeenAt": iso(5), "meta": {"name": "Ann"}},
        {"id": "3002", "code": "EFGH2345", "createdAt": iso(90), "lastSeenAt": iso(1), "meta": {"name": "Old"}},
        {"id": "3003", "code": "JKLM2345", "createdAt": "yesterday", "lastSeenAt": iso(1), "meta": {}},
        {"id": "3004", "code": "npqr2345", "createdAt": iso(20), "lastSeenAt": iso(2),
         "meta": {"name": "Bo", "accountId": "work"}},
        {"id": "1001", "code": "STUV2345", "createdAt": iso(3), "lastSeenAt": iso(3), "meta": {}},
        {"id": "Bob", "code": "WXYZ2345", "createdAt": iso(3), "lastSeenAt": iso(3), "meta": {}},
        {"id": "3005", "code": "0OIL0000", "createdAt": iso(3), "lastSeenAt": iso(3), "meta": {}},
    ]})
    write(folder, "unrelated.json", {"version": 1})
    return folder


def test_import_a_credentials_folder(credentials):
    stores = memory_stores()
    report = import_openclaw(credentials, stores, now=NOW)
    assert [Path(f).name for f in report.files] == [
        "zalouser-allowFrom.json", "zalouser-work-allowFrom.json", "zalouser-pairing.json"]
    assert stores.approved.ids("default") == {"1001", "1002", "1003", "1004"}
    assert stores.approved.ids("work") == {"2001"}
    assert {e.source for e in stores.approved.entries(None)} == {"import"}
    assert (report.approved_imported, report.approved_duplicates) == (5, 1)

    pending = PairingBook(stores.pairing).list(None, NOW, 3600.0)
    assert [(r.code, r.user_id, r.account, r.name) for r in pending] == [
        ("NPQR2345", "3004", "work", "Bo"), ("ABCD2345", "3001", "default", "Ann")]
    ann = pending[1]
    assert ann.created_at == pytest.approx(NOW - 600) and ann.last_seen_at == pytest.approx(NOW - 300)
    assert (report.pairing_imported, report.pairing_duplicates) == (2, 0)
    assert report.imported == 7 and report.duplicates == 1

    reasons = {(s.item, s.reason) for s in report.skipped}
    assert ('"*"', 'a wildcard is not an approval; put "*" in the config allowFrom if it is really meant') in reasons
    assert ('"Alice"', "not a numeric Zalo user id") in reasons
    assert ("request EFGH2345", "expired") in reasons
    assert ("request JKLM2345", "createdAt cannot be parsed") in reasons
    assert ("request STUV2345", "sender is already approved") in reasons
    assert ("request WXYZ2345", "no numeric Zalo user id") in reasons
    assert ("request 0OIL0000", "no valid pairing code") in reasons
    assert any("skipped" in line for line in report.summary())


def test_import_is_idempotent_and_leaves_the_source_alone(credentials, tmp_path):
    before = {p.name: p.read_bytes() for p in credentials.iterdir()}
    stores = open_stores(tmp_path / "data")
    import_openclaw(credentials, stores, now=NOW)
    again = import_openclaw(credentials, open_stores(tmp_path / "data"), now=NOW)
    assert again.imported == 0
    assert (again.approved_duplicates, again.pairing_duplicates) == (6, 2)
    assert {p.name: p.read_bytes() for p in credentials.iterdir()} == before


def test_import_from_the_state_folder_finds_credentials(credentials):
    report = import_openclaw(credentials.parent, memory_stores(), now=NOW)
    assert len(report.files) == 3


def test_import_a_single_file_into_a_chosen_account(credentials):
    stores = memory_stores()
    report = import_openclaw(credentials / "zalouser-allowFrom.json", stores, account="phone", now=NOW)
    assert stores.approved.ids("phone") == {"1001", "1002", "1003", "1004"}
    assert stores.approved.ids("default") == frozenset()
    assert report.pairing_imported == 0


def test_unscoped_requests_go_to_the_chosen_account(credentials):
    stores = memory_stores()
    import_openclaw(credentials / "zalouser-pairing.json", stores, account="phone", now=NOW)
    assert {r.account for r in PairingBook(stores.pairing).list(None, NOW, 3600.0)} == {"phone", "work"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [("{oops", "unreadable"), ('{"version": 2, "allowFrom": []}', "not a version 1"),
     ('{"version": 1, "allowFrom": "1"}', 'no "allowFrom" list')],
)
def test_bad_files_are_skipped_with_a_reason(tmp_path, content, reason):
    write(tmp_path, "zalouser-allowFrom.json", content)
    report = import_openclaw(tmp_path, memory_stores(), now=NOW)
    (skipped,) = report.skipped
    assert skipped.item == "the whole file" and reason in skipped.reason


def test_bad_pairing_file_shape(tmp_path):
    write(tmp_path, "zalouser-pairing.json", {"version": 1, "requests": {}})
    report = import_openclaw(tmp_path, memory_stores(), now=NOW)
    assert report.skipped[0].reason == 'no "requests" list'


def test_wrong_source_is_a_store_error(tmp_path):
    other = write(tmp_path, "telegram-allowFrom.json", {"version": 1, "allowFrom": []})
    with pytest.raises(StoreError, match="not an OpenClaw zalouser file"):
        import_openclaw(other, memory_stores(), now=NOW)
    with pytest.raises(StoreError, match="does not exist"):
        import_openclaw(tmp_path / "missing", memory_stores(), now=NOW)


def test_an_empty_folder_imports_nothing(tmp_path):
    report = import_openclaw(tmp_path, memory_stores(), now=NOW)
    assert report.files == () and report.imported == 0
    assert report.summary()[0] == "read 0 file(s): none found"
