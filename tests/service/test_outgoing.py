"""OutgoingFiles: streams staged as private, capped files; kinds by stream type and name; the
staging folder the only place written or deleted."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errbot_zalouser.errors import MediaError
from errbot_zalouser.service.outgoing import MAX_NAME, OutgoingFiles, file_kind, safe_name

MB = 1024 * 1024


@pytest.fixture
def files(tmp_path: Path) -> OutgoingFiles:
    return OutgoingFiles(tmp_path / "outgoing")


@pytest.mark.parametrize(("name", "stream_type", "kind", "extension"), [
    ("report.pdf", None, "file", ""), ("chart.PNG", None, "image", ""), ("a.webp", "", "image", ""),
    ("anim.gif", None, "file", ""), ("clip.mp4", None, "video", ""), ("note.m4a", None, "voice", ""),
    ("README", None, "file", ""), ("chart", "image/png", "image", ".png"), ("x.jpeg", "image/jpeg", "image", ""),
    ("scan.tiff", "image/tiff", "file", ""), ("clip", "video/mp4", "video", ".mp4"), ("clip.mov", "video/quicktime",
                                                                                       "file", ""),
    ("talk.ogg", "audio/ogg", "voice", ""), ("a.pdf", "application/pdf", "file", ""), ("a.png", "photo", "image", ""),
    ("doc.bin", "document", "file", ""), ("v.mp4", "video", "video", ""), ("v.avi", "video", "file", ""),
    ("a.mp3", "audio", "voice", ""), ("a.txt", " Text/Plain ", "file", ""),
])
def test_file_kind(name, stream_type, kind, extension):
    assert file_kind(name, stream_type) == (kind, extension)


@pytest.mark.parametrize(("name", "stream_type", "error"), [
    ("chart", "photo", "needs a name ending .jpg"), ("x", "sticker", "unsupported stream_type"),
    ("x", "location", "unsupported stream_type"), ("x", "image/png; charset=x", "unsupported stream_type"),
    ("x", "../../etc", "unsupported stream_type")])
def test_types_zalo_cannot_take_are_refused(name, stream_type, error):
    with pytest.raises(MediaError, match=error):
        file_kind(name, stream_type)


@pytest.mark.parametrize(("name", "extension", "safe"), [
    ("report.pdf", "", "report.pdf"), ("../../etc/passwd", "", "passwd"), ("C:\\Users\\a\\b.txt", "", "b.txt"),
    ("-rf .pdf", "", "rf .pdf"), ("...hidden", "", "hidden"), ("a\x00b\nc.pdf", "", "abc.pdf"), ("", "", "file"),
    ("chart", ".png", "chart.png"), ("chart.jpg", ".png", "chart.jpg.png"), ("x.PNG", ".png", "x.PNG"),
    ("a:b*c?.pdf", "", "abc.pdf")])
def test_safe_name(name, extension, safe):
    assert safe_name(name, extension) == safe


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=300), extension=st.sampled_from(["", ".png", ".mp4"]))
def test_a_safe_name_is_one_plain_short_file_name(name, extension):
    safe = safe_name(name, extension)
    assert safe and len(safe) <= MAX_NAME and "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert not safe.startswith((".", "-")) and safe.lower().endswith(extension)


def test_a_stream_is_staged_privately_with_its_name(files):
    staged = files.stage(io.BytesIO(b"%PDF-1.7 report"), name="báo cáo.pdf", stream_type="application/pdf",
                         size_hint=None, max_bytes=MB)
    assert (staged.kind, staged.size, staged.path.name) == ("file", 15, "báo cáo.pdf")
    assert staged.path.read_bytes() == b"%PDF-1.7 report" and staged.path.parent.parent == files.root
    assert staged.path.stat().st_mode & 0o777 == 0o600
    assert staged.path.parent.stat().st_mode & 0o777 == 0o700 and files.root.stat().st_mode & 0o777 == 0o700


class Broken(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise OSError("device gone")


@pytest.mark.parametrize(("source", "size_hint", "error"), [
    (io.BytesIO(b"x" * (MB + 1)), None, "over the 1 MB"),
    (io.BytesIO(b"x"), 2 * MB, "is 2097152 bytes, over the 1 MB"),
    (io.BytesIO(b""), None, "the stream is empty"),
    (io.StringIO("text"), None, "gives str, not bytes"),
    (io.BufferedReader(Broken()), None, "cannot read the stream: OSError: device gone"),
    (object(), None, "cannot read the stream: AttributeError"),
])
def test_a_stream_that_cannot_be_sent_is_an_error_and_leaves_nothing(files, source, size_hint, error):
    with pytest.raises(MediaError, match=error):
        files.stage(source, name="a.pdf", stream_type=None, size_hint=size_hint, max_bytes=MB)
    assert not files.root.exists() or list(files.root.iterdir()) == []


def test_remove_deletes_a_staged_file_and_nothing_outside(files, tmp_path, caplog):
    staged = files.stage(io.BytesIO(b"x"), name="a.pdf", stream_type=None, size_hint=1, max_bytes=MB)
    outside = tmp_path / "keep" / "a.pdf"
    outside.parent.mkdir()
    outside.write_bytes(b"x")
    files.remove(str(outside))
    files.remove(f"{files.root}/../keep/a.pdf")
    assert outside.exists() and "not a staged file" in caplog.text
    files.remove(str(staged.path))
    assert not staged.path.parent.exists()
    files.remove(str(staged.path))  # twice: nothing happens


def test_sweep_keeps_what_the_journal_still_names(files, tmp_path):
    kept = files.stage(io.BytesIO(b"1"), name="a.pdf", stream_type=None, size_hint=None, max_bytes=MB)
    orphan = files.stage(io.BytesIO(b"2"), name="b.pdf", stream_type=None, size_hint=None, max_bytes=MB)
    stray = files.root / "stray.txt"
    stray.write_text("not ours to delete: not a staged folder")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, files.root / "link")
    assert files.sweep({str(kept.path), "/elsewhere/x/y.pdf"}) == 1
    assert kept.path.exists() and not orphan.path.parent.exists() and stray.exists() and outside.exists()
    assert OutgoingFiles(tmp_path / "none").sweep(()) == 0
