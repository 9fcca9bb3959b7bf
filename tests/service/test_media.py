"""MediaFolder: untrusted paths from listener lines are kept only inside the folder; old files of
openzca's naming are swept, nothing else; MediaJanitor runs the sweep."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from errbot_zalouser.model import Attachment, InboundEvent, Quote
from errbot_zalouser.service.media import OPENZCA_NAME, MediaFolder, MediaJanitor

NOW = 1_800_000_000.0


@pytest.fixture
def folder(tmp_path: Path) -> MediaFolder:
    media = MediaFolder(tmp_path / "media" / "default", "default")
    media.prepare()
    return media


def downloaded(folder: MediaFolder, name: str = "1774152600123-9f1c2a7b.jpg", data: bytes = b"jpeg",
               age: float = 0.0) -> Path:
    path = folder.path / name
    path.write_bytes(data)
    os.utime(path, (NOW - age, NOW - age))
    return path


def event(*paths: str, quoted: tuple[str, ...] = ()) -> InboundEvent:
    quote = Quote(msg_id="1", attachments=tuple(Attachment("image", path=p) for p in quoted)) if quoted else None
    return InboundEvent(thread_id="1", sender_id="1", content="[photo]", is_group=False,
                        attachments=tuple(Attachment("image", url="https://x.invalid/p.jpg", path=p) for p in paths),
                        quote=quote)


def test_the_folder_is_private_and_the_listener_is_told_about_it(folder):
    assert folder.path.stat().st_mode & 0o777 == 0o700
    assert folder.listener_env(5 * 1024 * 1024) == {"OPENZCA_LISTEN_MEDIA_DIR": str(folder.path),
                                                     "OPENZCA_LISTEN_MEDIA_MAX_BYTES": "5242880"}


def test_a_file_of_the_folder_keeps_its_path_and_gets_its_size(folder):
    path = downloaded(folder, data=b"x" * 1234)
    vetted = folder.vet(event(str(path), quoted=(str(path),)))
    assert (vetted.attachments[0].path, vetted.attachments[0].size) == (str(path), 1234)
    assert vetted.quote is not None and vetted.quote.attachments[0].size == 1234


def test_an_event_without_local_files_is_returned_as_it_is(folder):
    same = event()
    assert folder.vet(same) is same


def outside_paths(folder: MediaFolder, tmp_path: Path) -> dict[str, str]:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    link = folder.path / "1774152600123-0000000a.jpg"
    link.symlink_to(secret)
    sub = folder.path / "sub"
    sub.mkdir()
    (sub / "1774152600123-0000000b.jpg").write_bytes(b"x")
    (tmp_path / "media" / "other").mkdir()
    (tmp_path / "media" / "other" / "x.jpg").write_bytes(b"x")
    return {
        "a file elsewhere": str(secret),
        "a link in the folder": str(link),
        "dot dot out of the folder": f"{folder.path}/../../secret.txt",
        "a subfolder": str(sub / "1774152600123-0000000b.jpg"),
        "a sibling folder": str(tmp_path / "media" / "other" / "x.jpg"),
        "relative": "1774152600123-9f1c2a7b.jpg",
        "a NUL": f"{folder.path}/a\x00b.jpg",
        "a folder": str(sub),
        "missing": str(folder.path / "1774152600123-ffffffff.jpg"),
        "/etc/passwd": "/etc/passwd",
    }


def test_paths_outside_the_folder_are_dropped_unread(folder, tmp_path, caplog):
    for why, path in outside_paths(folder, tmp_path).items():
        vetted = folder.vet(event(path, quoted=(path,)))
        assert (vetted.attachments[0].path, vetted.attachments[0].size) == ("", None), why
        assert vetted.attachments[0].url == "https://x.invalid/p.jpg", why  # the rest of it stays
        assert vetted.quote is not None and vetted.quote.attachments[0].path == "", why
    assert "names a file outside the media folder" in caplog.text


def test_the_sweep_deletes_only_old_files_named_as_openzca_names_them(folder, tmp_path):
    old = downloaded(folder, "1774152600123-9f1c2a7b.jpg", age=25 * 3600)
    new = downloaded(folder, "1774152600124-9f1c2a7c.pdf", age=3600)
    keep = [downloaded(folder, "notes.txt", age=30 * 86400), downloaded(folder, "1774152600125-XYZ.jpg", age=30 * 86400)]
    target = tmp_path / "elsewhere.jpg"
    target.write_bytes(b"x")
    os.utime(target, (NOW - 30 * 86400, NOW - 30 * 86400))
    (folder.path / "1774152600126-0000000c.jpg").symlink_to(target)  # a link: never followed, never deleted
    assert folder.sweep(NOW, 24 * 3600) == 1
    assert not old.exists() and new.exists() and all(p.exists() for p in keep) and target.exists()


def test_a_missing_folder_sweeps_nothing(tmp_path):
    assert MediaFolder(tmp_path / "never-made", "a").sweep(NOW, 1) == 0


@pytest.mark.parametrize(("name", "ours"), [
    ("1774152600123-9f1c2a7b.jpg", True), ("1774152600123-9f1c2a7b", True), ("1774152600123-9f1c2a7b.m4a", True),
    ("report.pdf", False), ("1774152600123-9F1C2A7B.jpg", False), ("../1774152600123-9f1c2a7b.jpg", False),
    ("1774152600123-9f1c2a7b.jpg.sh", False)])
def test_openzca_names(name, ours):
    assert bool(OPENZCA_NAME.match(name)) is ours


def test_the_janitor_sweeps_at_start_and_stops(folder):
    old = downloaded(folder, age=2 * 3600)
    janitor = MediaJanitor([folder], retention_hours=1, clock=lambda: NOW)
    assert janitor.interval == 900
    janitor.start()
    deadline = time.monotonic() + 10
    while old.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    janitor.stop()
    assert not old.exists()


def test_a_retention_of_zero_never_sweeps(folder):
    old = downloaded(folder, age=365 * 86400)
    janitor = MediaJanitor([folder], retention_hours=0, clock=lambda: NOW)
    janitor.start()
    janitor.stop()
    assert old.exists()
    assert MediaJanitor([], retention_hours=1000).interval == 3600 and MediaJanitor([], 0.001).interval == 60
