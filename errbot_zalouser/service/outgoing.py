"""Files the bot sends from a stream (errbot's ``send_stream_request``), staged until they are sent.

``OutgoingFiles.stage`` copies a stream into ``<journal folder>/outgoing/<random>/<name>`` (the
folders private to the bot's user, the file mode 0600), at most ``max_bytes`` (a longer or an
unreadable stream is an error, and nothing of it stays), and says how Zalo is to take it
(``file_kind``). The path then rides on an outbound item, so a staged file survives a restart
with the journal; ``remove`` deletes it once its item is done, sent or failed for good, and
``sweep`` deletes, at start, what no journaled item names any more. Nothing outside the staging
folder is ever written or deleted here.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from errbot_zalouser.errors import MediaError

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
MAX_NAME = 120
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")  # what Zalo's photo upload takes
VOICE_EXTENSIONS = (".m4a", ".aac", ".mp3", ".ogg", ".opus", ".wav", ".amr")
#: errbot backends' stream types that are words (telegram's), and the kind each is.
TYPE_WORDS = {"photo": "image", "image": "image", "picture": "image", "video": "video", "audio": "voice",
              "voice": "voice", "document": "file", "file": "file"}
_MIME = re.compile(r"[a-z0-9][a-z0-9.+-]{0,63}/[a-z0-9][a-z0-9.+-]{0,127}\Z")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


@dataclass(frozen=True)
class StagedFile:
    path: Path
    kind: str  # image, video, voice or file
    size: int


def file_kind(name: str, stream_type: str | None) -> tuple[str, str]:
    """(kind, the extension the file's name must end with, ``""`` for any) of a file to send.

    ``stream_type`` is a MIME type (``image/png``) or one of errbot's words (``photo``,
    ``document``...); without one, the name's extension decides. A JPEG, PNG or WebP goes as a
    photo, an MP4 as a video, audio as a voice message, anything else as a file (a GIF too: Zalo's
    photo upload takes none). MediaError for a type that is neither."""
    extension = os.path.splitext(name)[1].lower()
    given = (stream_type or "").strip().lower()
    if not given:
        if extension in PHOTO_EXTENSIONS:
            return "image", ""
        return ("video", "") if extension == ".mp4" else ("voice", "") if extension in VOICE_EXTENSIONS else ("file", "")
    if given in TYPE_WORDS:
        kind = TYPE_WORDS[given]
        if kind == "image" and extension not in PHOTO_EXTENSIONS:
            raise MediaError(f'a "{given}" stream needs a name ending .jpg, .png or .webp, or a stream_type such as '
                             "image/png, to be sent as a photo")
        return ("file", "") if kind == "video" and extension != ".mp4" else (kind, "")
    if not _MIME.match(given):
        raise MediaError(f"unsupported stream_type {stream_type!r:.80}: use a MIME type (image/png, application/pdf) "
                         "or photo, video, audio, document")
    if given in PHOTO_TYPES:
        return "image", "" if extension in PHOTO_EXTENSIONS else PHOTO_TYPES[given]
    if given == "video/mp4":
        return "video", "" if extension == ".mp4" else ".mp4"
    return ("voice", "") if given.startswith("audio/") else ("file", "")


def safe_name(name: str, extension: str) -> str:
    """A file name Zalo can show and the file system takes: no folders, no control characters,
    no leading dots or dashes, at most ``MAX_NAME`` characters, ending with ``extension``."""
    base = _UNSAFE.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip().lstrip(".-").strip() or "file"
    stem, ext = os.path.splitext(base)
    if extension and ext.lower() != extension:
        stem, ext = base, extension
    return stem[: MAX_NAME - len(ext)] + ext


class OutgoingFiles:
    """The staging folder of one outbox."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def stage(self, source: Any, *, name: str | None, stream_type: str | None, size_hint: int | None,
              max_bytes: int) -> StagedFile:
        """Copy the binary stream ``source`` into a private file; MediaError when it cannot be sent."""
        kind, extension = file_kind(name or "", stream_type)
        limit = f"{_size_text(max_bytes)} (mediaMaxMb)"
        if size_hint is not None and size_hint > max_bytes:
            raise MediaError(f"{name or 'the stream'} is {size_hint} bytes, over the {limit} a file may have")
        folder = self.root / uuid.uuid4().hex
        path = folder / safe_name(name or f"file{extension}", extension)
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            folder.mkdir(mode=0o700)
            size = _copy(source, path, max_bytes, limit)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise MediaError(f"cannot stage {path.name} for sending: {exc}") from exc
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return StagedFile(path, kind, size)

    def remove(self, path: str) -> None:
        """Delete a staged file and its folder; a path outside the staging folder is left alone."""
        found = Path(path)
        if not self._owns(found):
            log.warning("outgoing: not deleting %r: not a staged file", path[:200])
            return
        shutil.rmtree(found.parent, ignore_errors=True)

    def sweep(self, keep: Collection[str]) -> int:
        """Delete the staged folders no path in ``keep`` is in; returns how many went."""
        kept = {Path(p).parent.name for p in keep if self._owns(Path(p))}
        try:
            entries = list(os.scandir(self.root))
        except OSError:
            return 0
        gone = [e for e in entries if e.name not in kept and e.is_dir(follow_symlinks=False)]
        for entry in gone:
            shutil.rmtree(entry.path, ignore_errors=True)
        return len(gone)

    def _owns(self, path: Path) -> bool:
        return path.is_absolute() and os.path.realpath(path.parent.parent) == os.path.realpath(self.root)


def _size_text(size: int) -> str:
    mb = 1024 * 1024
    return f"{size // mb} MB" if size % mb == 0 else f"{size / mb:.1f} MB" if size >= mb else f"{size} bytes"


def _copy(source: Any, path: Path, max_bytes: int, limit: str) -> int:
    """Copy at most ``max_bytes`` of ``source`` into a new file at ``path``; returns its size."""
    total = 0
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600), "wb") as out:
        while True:
            chunk = _read(source)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise MediaError(f"{path.name} is over the {limit} a file may have")
            out.write(chunk)
    if total == 0:
        raise MediaError(f"{path.name}: the stream is empty")
    return total


def _read(source: Any) -> bytes:
    try:
        chunk = source.read(CHUNK)
    except Exception as exc:  # a plugin's stream may raise anything: the boundary of our error tree
        raise MediaError(f"cannot read the stream: {type(exc).__name__}: {exc}") from exc
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    if chunk is None:
        raise MediaError("cannot read the stream: it has no data ready (a non-blocking stream?)")
    raise MediaError(f"cannot read the stream: it gives {type(chunk).__name__}, not bytes (open files with 'rb')")
