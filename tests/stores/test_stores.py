"""Store contract (memory and JSON), JSON persistence, corruption handling and crash safety."""

from __future__ import annotations

import json
import logging
import os
import random
import stat
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from errbot_zalouser.errors import StoreError
from errbot_zalouser.model import ApprovedEntry, GroupAllowEntry, PairingRequest
from errbot_zalouser.service.pairing import PairingBook
from errbot_zalouser.stores import jsonfile
from errbot_zalouser.stores.base import ApprovedStore, GroupAllowStore, PairingStore, Stores
from errbot_zalouser.stores.jsonfile import (
    JsonApprovedStore,
    JsonPairingStore,
    atomic_write_json,
    open_stores,
)
from errbot_zalouser.stores.memory import memory_stores

TTL = 3600.0
LIMITS = {"ttl": TTL, "max_pending": 3, "scope": "channel"}


@pytest.fixture(params=["memory", "json"])
def stores(request, tmp_path) -> Stores:
    return memory_stores() if request.param == "memory" else open_stores(tmp_path)


def approved(user: str, account: str = "default", source: str = "pairing", at: float = 1.0) -> ApprovedEntry:
    return ApprovedEntry(user, account, source, at, name=f"n{user}", added_by="admin")


def group(gid: str, account: str = "default", at: float = 1.0) -> GroupAllowEntry:
    return GroupAllowEntry(gid, account, at, name=f"g{gid}", added_by="admin")


# --- contract: pairing -------------------------------------------------------------------------


def test_stores_satisfy_the_protocols(stores):
    assert isinstance(stores.pairing, PairingStore)
    assert isinstance(stores.approved, ApprovedStore)
    assert isinstance(stores.group_allow, GroupAllowStore)


def test_pairing_upsert_list_take(stores):
    store = PairingBook(stores.pairing)
    first, created = store.upsert("default", "1", "Ann", 10.0, **LIMITS)
    assert created and first.name == "Ann"
    unchanged, created = store.upsert("default", "1", "Ann", 20.0, **LIMITS)  # within a minute: no write
    assert not created and unchanged == first
    again, created = store.upsert("default", "1", "Ann", 75.0, **LIMITS)
    assert not created and again.code == first.code and again.last_seen_at == 75.0
    second, _ = store.upsert("work", "2", "", 5.0, **LIMITS)
    assert [r.user_id for r in store.list(None, 80.0, TTL)] == ["2", "1"]  # oldest first
    assert store.list("work", 80.0, TTL) == [second]
    assert store.find(first.code.lower(), None, 80.0, TTL) == again
    assert store.take(first.code.lower(), "work", 80.0, TTL) is None
    assert store.take(f" {first.code.lower()} ", "default", 80.0, TTL) == again
    assert store.take(first.code, None, 80.0, TTL) is None
    assert store.list(None, 80.0, TTL) == [second]


def test_pairing_cap_and_expiry(stores):
    store = PairingBook(stores.pairing)
    for user in "123":
        assert store.upsert("default", user, "", 0.0, **LIMITS)[1]
    assert store.upsert("default", "4", "", 1.0, **LIMITS) == (None, False)
    assert len(store.list(None, 1.0, TTL)) == 3
    assert store.list(None, TTL, TTL) == []
    request, created = store.upsert("default", "4", "", TTL + 1, **LIMITS)
    assert created and request.created_at == TTL + 1


def test_pairing_scope_account_caps_per_account(stores):
    book = PairingBook(stores.pairing)
    limits = dict(LIMITS, scope="account")
    for user in "123":
        book.upsert("a", user, "", 0.0, **limits)
    assert book.upsert("b", "9", "", 0.0, **limits)[1]
    assert book.upsert("a", "9", "", 0.0, **limits) == (None, False)


def test_pairing_insert(stores):
    book = PairingBook(stores.pairing)
    request = PairingRequest("ABCD2345", "1", "default", 100.0, 150.0, "Ann")
    assert book.insert(request, now=200.0, ttl=TTL)
    assert not book.insert(request, now=200.0, ttl=TTL)  # same code
    assert not book.insert(PairingRequest("ZZZZ2345", "1", "default", 100.0, 100.0), now=200.0, ttl=TTL)
    assert not book.insert(PairingRequest("YYYY2345", "2", "default", 0.0, 0.0), now=TTL, ttl=TTL)
    assert book.list(None, 200.0, TTL) == [request]


# --- contract: the pairing store itself (no rules, one update at a time) -------------------------

REQUEST = PairingRequest("ABCD2345", "1", "default", 100.0, 150.0, "Ann")


def test_pairing_update_saves_the_new_tuple_and_returns_the_result(stores):
    store = stores.pairing
    assert store.load() == ()
    assert store.update(lambda current: ((*current, REQUEST), "added")) == "added"
    assert store.load() == (REQUEST,)
    assert store.update(lambda current: ((), len(current))) == 1
    assert store.load() == ()


def test_pairing_update_that_raises_changes_nothing(stores):
    store = stores.pairing
    store.update(lambda current: ((REQUEST,), None))

    def broken(current):
        raise RuntimeError("policy bug")

    with pytest.raises(RuntimeError):
        store.update(broken)
    assert store.load() == (REQUEST,)


def test_pairing_update_without_a_change_does_not_write(tmp_path):
    store = open_stores(tmp_path).pairing
    store.update(lambda current: ((REQUEST,), None))
    path = tmp_path / "zalouser" / "pairing.json"
    before = path.stat().st_ino
    store.update(lambda current: (current, None))
    assert path.stat().st_ino == before  # an atomic write would have renamed a new file over it


def test_concurrent_pairing_updates_are_serialised(stores):
    def worker(base: int) -> None:
        for i in range(20):
            request = PairingRequest(f"C{base + i:07d}", str(base + i), "default", 1.0, 1.0)
            stores.pairing.update(lambda current, r=request: ((*current, r), None))

    threads = [threading.Thread(target=worker, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(stores.pairing.load()) == 80


# --- contract: approved and group-allow --------------------------------------------------------


def test_approved_add_remove_entries_ids(stores):
    store = stores.approved
    assert store.add(approved("1"))
    assert not store.add(approved("1", source="chat", at=5.0))  # no change on a duplicate
    assert store.add(approved("2"))
    assert store.add(approved("1", account="work"))
    assert [e.user_id for e in store.entries("default")] == ["1", "2"]
    assert store.entries("default")[0] == approved("1")
    assert len(store.entries(None)) == 3
    assert store.ids("default") == {"1", "2"} and store.ids("work") == {"1"} and store.ids("x") == frozenset()
    assert store.remove("default", "1") == approved("1")
    assert store.remove("default", "1") is None
    assert store.ids("default") == {"2"} and store.ids("work") == {"1"}


def test_group_allow_add_remove_entries_ids(stores):
    store = stores.group_allow
    assert store.add(group("7"))
    assert not store.add(group("7", at=9.0))
    assert store.add(group("7", account="work"))
    assert store.ids("default") == {"7"} and [e.account for e in store.entries(None)] == ["default", "work"]
    assert store.remove("work", "7") == group("7", account="work")
    assert store.remove("work", "7") is None
    assert store.entries("default") == [group("7")]


def test_concurrent_adds_are_all_kept(stores):
    def worker(base: int) -> None:
        for i in range(20):
            stores.approved.add(approved(str(base + i)))

    threads = [threading.Thread(target=worker, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stores.approved.ids("default")) == 80


# --- JSON: persistence and format --------------------------------------------------------------


def test_json_stores_persist_across_reopen(tmp_path):
    first = open_stores(tmp_path)
    first.approved.add(approved("1"))
    first.group_allow.add(group("7"))
    request, _ = PairingBook(first.pairing).upsert("default", "2", "Bob", 100.0, **LIMITS)
    again = open_stores(tmp_path)
    assert again.approved.entries("default") == [approved("1")]
    assert again.group_allow.entries("default") == [group("7")]
    assert PairingBook(again.pairing).list(None, 200.0, TTL) == [request]


def test_json_file_format(tmp_path):
    stores = open_stores(tmp_path)
    stores.approved.add(approved("1"))
    PairingBook(stores.pairing).upsert("default", "2", "Bob", 100.0, **LIMITS)
    folder = tmp_path / "zalouser"
    doc = json.loads((folder / "approved.json").read_text())
    assert doc == {"version": 1, "entries": [{"userId": "1", "account": "default", "source": "pairing",
                                              "addedAt": 1.0, "name": "n1", "addedBy": "admin"}]}
    doc = json.loads((folder / "pairing.json").read_text())
    assert doc["version"] == 1 and doc["requests"][0]["userId"] == "2"


def test_files_are_0600_in_a_0700_directory(tmp_path):
    stores = open_stores(tmp_path)
    stores.approved.add(approved("1"))
    stores.group_allow.add(group("1"))
    PairingBook(stores.pairing).upsert("default", "2", "", 0.0, **LIMITS)
    folder = tmp_path / "zalouser"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("approved.json", "group-allow.json", "pairing.json"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600


def test_atomic_write_json_mode_and_content(tmp_path):
    path = tmp_path / "deep" / "x.json"
    atomic_write_json(path, {"a": "é"})
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": "é"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(path.parent) == ["x.json"]


def test_hand_edits_are_picked_up(tmp_path):
    store = JsonApprovedStore(tmp_path / "approved.json")
    store.add(approved("1"))
    doc = json.loads(store.path.read_text())
    doc["entries"].append({"userId": "2", "account": "default", "source": "chat", "addedAt": 2})
    doc["entries"].pop(0)
    atomic_write_json(store.path, doc)
    assert store.ids("default") == {"2"}


# --- JSON: bad files and failed writes ---------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    ["{not json", "[]", '{"version": 2, "entries": []}', '{"version": true, "entries": []}',
     '{"version": 1}', '{"version": 1, "entries": {}}', "\udcff"],
    ids=["bad-json", "not-object", "version-2", "version-true", "no-list", "list-is-map", "bad-utf8"],
)
def test_corrupt_file_is_moved_aside_and_the_store_starts_empty(tmp_path, caplog, content):
    path = tmp_path / "approved.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with caplog.at_level(logging.ERROR, logger="errbot_zalouser.stores.jsonfile"):
        store = JsonApprovedStore(path)
    assert store.entries(None) == []
    aside = list(tmp_path.glob("approved.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content.encode("utf-8", "surrogateescape")
    assert not path.exists()
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert str(path) in record.getMessage() and str(aside[0]) in record.getMessage()
    assert store.add(approved("1"))
    assert json.loads(path.read_text())["entries"][0]["userId"] == "1"


def test_two_corruptions_in_one_second_keep_both_copies(tmp_path):
    path = tmp_path / "approved.json"
    for _ in range(2):
        path.write_text("{broken")
        JsonApprovedStore(path)
    assert len(list(tmp_path.glob("approved.json.corrupt-*"))) == 2


def test_bad_entries_are_dropped_and_the_original_is_kept_aside(tmp_path, caplog):
    path = tmp_path / "approved.json"
    good = {"userId": "1", "account": "default", "source": "chat", "addedAt": 1}
    original = json.dumps({"version": 1, "entries": [good, {"userId": ""}, "junk", dict(good, addedAt="x")]})
    path.write_text(original)
    with caplog.at_level(logging.ERROR):
        store = JsonApprovedStore(path)
    assert store.ids("default") == {"1"}
    (aside,) = tmp_path.glob("approved.json.corrupt-*")
    assert aside.read_text() == original
    assert "3 unusable entries" in caplog.text
    assert len(json.loads(path.read_text())["entries"]) == 1  # rewritten clean: no copy on every start
    JsonApprovedStore(path)
    assert len(list(tmp_path.glob("approved.json.corrupt-*"))) == 1


def test_a_failed_write_raises_store_error_and_changes_nothing(tmp_path, monkeypatch):
    store = JsonApprovedStore(tmp_path / "approved.json")
    store.add(approved("1"))
    before = store.path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jsonfile.os, "replace", broken_replace)
    with pytest.raises(StoreError, match="No space left on device"):
        store.add(approved("2"))
    assert store.path.read_bytes() == before
    assert store.ids("default") == {"1"}
    assert sorted(os.listdir(tmp_path)) == ["approved.json", "approved.json.lock"]  # no temp file left behind


def test_unserialisable_data_is_a_store_error(tmp_path):
    path = tmp_path / "x.json"
    atomic_write_json(path, {"ok": 1})
    with pytest.raises(StoreError):
        atomic_write_json(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"ok": 1}


def test_stale_temp_files_are_removed_on_open(tmp_path):
    stale = tmp_path / ".pairing.json.abc.tmp"
    fresh = tmp_path / ".pairing.json.def.tmp"
    stale.write_text("{")
    fresh.write_text("{")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    JsonPairingStore(tmp_path / "pairing.json")
    assert not stale.exists() and fresh.exists()


def test_open_stores_fails_cleanly_when_the_folder_cannot_be_made(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError):
        open_stores(blocker)


# --- crash safety ------------------------------------------------------------------------------

_WRITER = textwrap.dedent("""
    import sys
    from errbot_zalouser.model import ApprovedEntry
    from errbot_zalouser.service.pairing import PairingBook
    from errbot_zalouser.stores.jsonfile import atomic_write_json, open_stores
    folder = sys.argv[1]
    stores = open_stores(folder)
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        uid = str(1000 + i % 40)
        if not stores.approved.add(ApprovedEntry(uid, "default", "pairing", float(i))):
            stores.approved.remove("default", uid)
        PairingBook(stores.pairing).upsert("default", uid, "x" * 200, float(i), ttl=3600.0, max_pending=3,
                                           scope="channel")
        atomic_write_json(folder + "/zalouser/big.json", {"version": 1, "i": i, "rows": ["y" * 100] * 2000})
""")


def test_files_always_parse_after_kill_9(tmp_path):
    rng = random.Random(1234)
    folder = tmp_path / "data"
    progress = []
    for _ in range(20):
        child = subprocess.Popen([sys.executable, "-c", _WRITER, str(folder)], stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.005, 0.06))
        finally:
            child.kill()
            child.wait(timeout=10)
            child.stdout.close()
        for path in (folder / "zalouser").glob("*.json"):
            doc = json.loads(path.read_text(encoding="utf-8"))
            assert doc["version"] == 1
        big = folder / "zalouser" / "big.json"
        progress.append(json.loads(big.read_text())["i"] if big.exists() else 0)
    assert max(progress) >= 1  # the children really were writing when they were killed
    assert not list((folder / "zalouser").glob("*.corrupt-*"))
    stores = open_stores(folder)
    assert stores.approved.entries(None)
    assert len(PairingBook(stores.pairing).list(None, 1.0, 1e12)) <= 3


def test_signature_changes_with_every_change_and_only_then(stores):
    for store, entry in ((stores.approved, approved("1")), (stores.group_allow, group("7"))):
        before = store.signature()
        assert store.signature() == before
        store.add(entry)
        after_add = store.signature()
        assert after_add != before
        assert not store.add(entry) and store.signature() == after_add  # no change: same signature
        store.remove(entry.account, store._key(entry))
        assert store.signature() != after_add


def test_signature_sees_a_file_rewritten_by_hand(tmp_path):
    stores = open_stores(tmp_path)
    stores.approved.add(approved("1"))
    before = stores.approved.signature()
    path = tmp_path / "zalouser" / "approved.json"
    path.write_text(path.read_text().replace('"1"', '"2"'))  # same size, same inode, written in place
    assert stores.approved.signature() != before
    assert stores.approved.ids("default") == {"2"}
