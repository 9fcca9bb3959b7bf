"""SeenLog: what a restart remembers of the messages seen lately; bad lines are skipped, old ones
dropped, the file compacted, and a batch that cannot be written is kept for the next try."""

from __future__ import annotations

import json

from errbot_zalouser.stores.seen import SeenLog

WINDOW = 100.0


def test_entries_survive_a_reopen_within_the_window(tmp_path):
    path = tmp_path / "seen.jsonl"
    log = SeenLog(path, WINDOW, 1000.0)
    log.add("default", "m:1", 1000.0)
    log.add("default", "m:2", 1000.5)
    log.flush(1001.0)
    assert list(SeenLog(path, WINDOW, 1050.0).load(1050.0)) == [("default", "m:1", 1000.0), ("default", "m:2", 1000.5)]
    assert list(SeenLog(path, WINDOW, 1200.0).load(1200.0)) == []  # older than the window


def test_bad_and_torn_lines_are_skipped(tmp_path):
    path = tmp_path / "seen.jsonl"
    good = json.dumps({"a": "default", "k": "m:1", "t": 10.0})
    path.write_text(f"{good}\nnot json\n{{\"a\": 1}}\n[1, 2]\n{good[:-5]}")
    assert list(SeenLog(path, WINDOW, 20.0).load(20.0)) == [("default", "m:1", 10.0)]


def test_a_file_mostly_expired_is_compacted(tmp_path):
    path = tmp_path / "seen.jsonl"
    path.write_text("".join(json.dumps({"a": "x", "k": f"m:{n}", "t": float(n)}) + "\n" for n in range(1000)))
    kept = list(SeenLog(path, WINDOW, 1000.0).load(1000.0))
    assert len(kept) == 99 and len(path.read_text().splitlines()) == 99


def test_a_batch_that_cannot_be_written_is_kept(tmp_path):
    folder = tmp_path / "gone"
    log = SeenLog(folder / "seen.jsonl", WINDOW, 0.0)
    log.add("default", "m:1", 0.5)
    log.flush(1.0)  # the folder does not exist: nothing written, nothing lost
    folder.mkdir()
    log.flush(2.0)
    assert [k for _a, k, _t in SeenLog(folder / "seen.jsonl", WINDOW, 3.0).load(3.0)] == ["m:1"]
