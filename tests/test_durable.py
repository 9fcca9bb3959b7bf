"""The durable-file rules (errbot_zalouser.durable) that the stores and the outbound journal share."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from errbot_zalouser import durable
from errbot_zalouser.errors import StoreError
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.stores.jsonfile import JsonApprovedStore


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or ".tmp-" in p.name)


def test_write_replaces_the_file_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(b"old")
    os.chmod(path, 0o644)
    durable.write_atomic(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _temps(tmp_path) == []


def test_the_folder_is_fsynced_after_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[tuple[str, bool]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        synced.append(("fsync", stat.S_ISDIR(os.fstat(fd).st_mode)))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        synced.append(("replace", False))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    durable.write_atomic(tmp_path / "f.json", b"data")
    # The data is synced before the rename, the folder after it.
    assert synced == [("fsync", False), ("replace", False), ("fsync", True)]


def test_a_folder_that_cannot_be_fsynced_is_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(22, "Invalid argument")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    durable.write_atomic(tmp_path / "f.json", b"data")
    assert (tmp_path / "f.json").read_bytes() == b"data"


def test_a_failed_write_keeps_the_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(b"old")

    def full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(StoreError, match="No space left on device"):
        durable.write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert _temps(tmp_path) == []


_CRASH_BEFORE_RENAME = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from errbot_zalouser import durable
    os.replace = lambda src, dst: os._exit(9)  # the process dies between the write and the rename
    durable.write_atomic(Path(sys.argv[1]), b'{"version": 1, "new": true}')
""")


def test_a_crash_between_write_and_rename_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "approved.json"
    path.write_text('{"version": 1, "entries": []}')
    result = subprocess.run([sys.executable, "-c", _CRASH_BEFORE_RENAME, str(path)], timeout=60, check=False)
    assert result.returncode == 9
    assert path.read_text() == '{"version": 1, "entries": []}'
    (leftover,) = _temps(tmp_path)  # the new data never replaced the file; its temp is left
    assert (tmp_path / leftover).read_text() == '{"version": 1, "new": true}'
    # The next open of the store reads the intact file, and cleans the leftover once it is stale.
    old = time.time() - 2 * durable.STALE_TEMP_SECONDS
    os.utime(tmp_path / leftover, (old, old))
    assert JsonApprovedStore(path).entries(None) == []
    assert _temps(tmp_path) == []


def test_stale_temps_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "pairing.json"
    stale = [tmp_path / ".pairing.json.a1.tmp", tmp_path / ".pairing.json.tmp-12-34"]
    fresh = tmp_path / ".pairing.json.b2.tmp"
    other = tmp_path / ".approved.json.c3.tmp"  # another file's temp is not ours to remove
    old = time.time() - 2 * durable.STALE_TEMP_SECONDS
    for temp in (*stale, fresh, other):
        temp.write_text("{")
    for temp in (*stale, other):
        os.utime(temp, (old, old))
    assert sorted(durable.remove_stale_temps(path)) == sorted(stale)
    assert fresh.exists() and other.exists()


def test_a_file_name_with_glob_characters_is_matched_literally(tmp_path: Path) -> None:
    path = tmp_path / "a[1].json"
    decoy = tmp_path / ".a1.json.x.tmp"
    mine = tmp_path / ".a[1].json.x.tmp"
    old = time.time() - 2 * durable.STALE_TEMP_SECONDS
    for temp in (decoy, mine):
        temp.write_text("{")
        os.utime(temp, (old, old))
    assert durable.remove_stale_temps(path) == [mine]
    assert decoy.exists()


def test_set_aside_moves_or_copies_under_a_fresh_name(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(b"junk 1")
    first = durable.set_aside(path)
    assert not path.exists() and first.read_bytes() == b"junk 1"
    assert first.name.startswith("j.jsonl.corrupt-") and first.name.endswith("Z")
    path.write_bytes(b"junk 2")
    os.chmod(path, 0o644)
    second = durable.set_aside(path, copy=True)
    assert path.read_bytes() == b"junk 2" and second.read_bytes() == b"junk 2"
    assert second != first and stat.S_IMODE(second.stat().st_mode) == 0o600


@pytest.mark.parametrize("owner", ["store", "journal"])
def test_store_and_journal_set_corrupt_files_aside_the_same_way(tmp_path: Path, owner: str) -> None:
    path = tmp_path / ("approved.json" if owner == "store" else "outbox.jsonl")
    path.write_bytes(b"\xff not a file of ours\n")
    if owner == "store":
        JsonApprovedStore(path)
    else:
        Journal(path).close()
    (aside,) = tmp_path.glob(f"{path.name}.corrupt-*")
    assert aside.read_bytes() == b"\xff not a file of ours\n"
    assert re.fullmatch(rf"{re.escape(path.name)}\.corrupt-\d{{8}}T\d{{6}}Z", aside.name)
