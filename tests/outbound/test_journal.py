"""Journal: pending order, durability rules, torn and corrupt files, compaction, threads."""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from errbot_zalouser.errors import StoreError
from errbot_zalouser.model import Target
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.journal import Journal


def _item(n: int, account: str = "a") -> OutboundItem:
    return OutboundItem(account=account, target=Target(str(n % 3)), kind="text", text=f"tin nhắn {n} 😀")


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def test_pending_in_original_order_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    items = [_item(n) for n in range(6)]
    with Journal(path) as journal:
        journal.add(items[0])
        journal.add_many(items[1:])
        journal.mark_done(items[2].id)
        journal.mark_done(items[4].id)
        assert journal.pending() == [items[0], items[1], items[3], items[5]]
        assert len(journal) == 4
    with Journal(path) as reopened:
        assert reopened.pending() == [items[0], items[1], items[3], items[5]]


def test_record_format(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    item = _item(1)
    with Journal(path, compact_threshold=10_000) as journal:
        journal.add(item)
        journal.mark_done(item.id)
    assert _records(path)[:2] == [{"op": "queued", "item": item.to_json()}, {"op": "done", "id": item.id}]


def test_done_for_unknown_id_is_ignored(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.jsonl") as journal:
        journal.mark_done("nope")
        assert journal.pending() == []


def test_file_mode_is_0600_and_parent_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "j.jsonl"
    with Journal(path) as journal:
        journal.add(_item(1))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        journal.compact()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_torn_last_line_is_ignored_and_cut_before_appending(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "j.jsonl"
    first, second = _item(1), _item(2)
    with Journal(path) as journal:
        journal.add(first)
    whole = (json.dumps({"op": "queued", "item": second.to_json()}) + "\n").encode()
    with open(path, "ab") as handle:
        handle.write(whole[: len(whole) // 2])
    with caplog.at_level(logging.WARNING), Journal(path) as journal:
        assert journal.pending() == [first]
        third = _item(3)
        journal.add(third)
    assert "torn" in caplog.text
    with Journal(path) as journal:
        assert journal.pending() == [first, third]


def test_complete_last_line_without_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    item = _item(1)
    path.write_text(json.dumps({"op": "queued", "item": item.to_json()}), "utf-8")
    with Journal(path) as journal:
        assert journal.pending() == [item]
        later = _item(2)
        journal.add(later)
    with Journal(path) as journal:
        assert journal.pending() == [item, later]


@pytest.mark.parametrize(
    "bad_line",
    [
        b"this is not json",
        b"\xff\xfe garbage",
        b'{"op": "queued", "item": {"id": "x"}}',
        b"[1, 2, 3]",
    ],
)
def test_corrupt_file_is_moved_aside_loudly(tmp_path: Path, caplog: pytest.LogCaptureFixture, bad_line: bytes) -> None:
    path = tmp_path / "j.jsonl"
    good = json.dumps({"op": "queued", "item": _item(1).to_json()}).encode()
    path.write_bytes(good + b"\n" + bad_line + b"\n" + good + b"\n")
    with caplog.at_level(logging.ERROR), Journal(path) as journal:
        assert journal.pending() == []
        journal.add(_item(5))
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "corrupt" in errors[0].getMessage()
    aside = list(tmp_path.glob("j.jsonl.corrupt-*"))
    assert len(aside) == 1
    assert bad_line in aside[0].read_bytes()
    assert len(_records(path)) == 1


def test_two_corrupt_files_get_distinct_names(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    for _ in range(2):
        path.write_bytes(b"junk\n{}\n")
        Journal(path).close()
    assert len(list(tmp_path.glob("j.jsonl.corrupt-*"))) == 2


def test_unknown_op_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "j.jsonl"
    item = _item(1)
    lines = [{"op": "queued", "item": item.to_json()}, {"op": "future-thing", "x": 1}]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), "utf-8")
    with caplog.at_level(logging.WARNING), Journal(path) as journal:
        assert journal.pending() == [item]
    assert "unknown op" in caplog.text


def test_compact_keeps_only_pending_atomically(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    items = [_item(n) for n in range(10)]
    with Journal(path, compact_threshold=10_000) as journal:
        journal.add_many(items)
        for item in items[:7]:
            journal.mark_done(item.id)
        assert len(_records(path)) == 17
        journal.compact()
        assert [r["item"]["id"] for r in _records(path)] == [i.id for i in items[7:]]
        journal.add(_item(99))  # appends go to the new file
        assert len(_records(path)) == 4
    assert not list(tmp_path.glob(".j.jsonl.*"))  # no temporary file left behind


def test_open_compacts_away_done_records(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    items = [_item(n) for n in range(4)]
    with Journal(path, compact_threshold=10_000) as journal:
        journal.add_many(items)
        journal.mark_done(items[0].id)
    with Journal(path) as journal:
        assert journal.pending() == items[1:]
    assert len(_records(path)) == 3


def test_automatic_compaction(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with Journal(path, compact_threshold=20) as journal:
        for n in range(50):
            item = _item(n)
            journal.add(item)
            journal.mark_done(item.id)
        assert len(_records(path)) < 20
        assert journal.pending() == []


def test_stale_temp_files_are_removed(tmp_path: Path) -> None:
    # Both forms: the durable helper's, and the one journals wrote before they used it.
    stale = [tmp_path / ".j.jsonl.tmp-123-456", tmp_path / ".j.jsonl.abc123.tmp"]
    fresh = tmp_path / ".j.jsonl.def456.tmp"  # may be another process's write in progress
    old = time.time() - 3600
    for path in (*stale, fresh):
        path.write_text("partial")
    for path in stale:
        os.utime(path, (old, old))
    Journal(tmp_path / "j.jsonl").close()
    assert not any(path.exists() for path in stale) and fresh.exists()


def test_closed_journal_refuses_writes(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    item = _item(1)
    journal.add(item)
    journal.close()
    journal.close()
    with pytest.raises(StoreError, match="closed"):
        journal.add(_item(2))
    with pytest.raises(StoreError, match="closed"):
        journal.mark_done(item.id)
    assert journal.pending() == [item]


def test_unwritable_location_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        Journal(blocker / "j.jsonl")


def test_concurrent_writers(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path, compact_threshold=50)
    kept: list[OutboundItem] = []
    lock = threading.Lock()

    def writer(account: str) -> None:
        for n in range(40):
            item = _item(n, account)
            journal.add(item)
            if n % 2:
                journal.mark_done(item.id)
            else:
                with lock:
                    kept.append(item)

    threads = [threading.Thread(target=writer, args=(f"acc{t}",)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not any(t.is_alive() for t in threads)
    journal.close()
    with Journal(path) as reopened:
        pending = reopened.pending()
    assert {i.id for i in pending} == {i.id for i in kept}
    for account in {i.account for i in kept}:  # per-writer order preserved
        assert [i.id for i in pending if i.account == account] == [i.id for i in kept if i.account == account]
