"""Inbound media and quoted replies as openzca 0.1.58 prints them (used by SimControl's injectors).

The real listener downloads every media URL of a message into its media folder (``<epoch
ms>-<8 hex><ext>``, the original name is not kept) and writes a note into ``content``:

    [media attached: <path> (<mime>) | <url>]                  one file
    [media attached: 2 files]                                  several files, then one line each:
    [media attached 1/2: <path> (<mime>) | <url>]

followed by a caption line when there is one. As in the tool, the caption falls back to the
first of the content object's text fields, so a photo without caption repeats its URL, a file
its name, a voice its URL. A download that fails leaves the URL in place of the path (no ``|``
part) and prints ``Warning: failed to cache inbound media (...)`` on the listener's stderr.
Stickers have no URL: ``<non-text:chat.sticker>``, ``mediaKind`` image, and (from the sticker
object's ``id``) a mention of the sticker id. A quoted reply ends with
``[reply context: <name>: <quoted text, at most 220 characters>]``.

The media folder is ``OPENZCA_LISTEN_MEDIA_DIR`` when set (as for the tool), else
``<sim home>/openclaw/media/openzca/<profile>/inbound``, standing in for ``~/.openclaw``. The
injector writes the files where the test process's environment says; the listener that delivers
the event reads its own environment, as the real one downloads into its own folder, and moves
the files there first when the two differ (``relocate``).

A link (``chat.recommended``) is a media message too: openzca downloads its thumbnail (and the
link's target, fetched as a file), classifies it as ``image`` and puts the link's title on the
caption line.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple


class Kind(NamedTuple):
    msg_type: str
    media_kind: str
    extension: str
    mime: str


KINDS: dict[str, Kind] = {
    "photo": Kind("chat.photo", "image", ".jpg", "image/jpeg"),
    "gif": Kind("chat.gif", "image", ".gif", "image/gif"),
    "video": Kind("chat.video.msg", "video", ".mp4", "video/mp4"),
    "voice": Kind("chat.voice", "audio", ".m4a", "audio/mp4"),
    "file": Kind("share.file", "file", ".bin", "application/octet-stream"),
    "link": Kind("chat.recommended", "image", ".jpg", "image/jpeg"),
}
_FALLBACK_MIME = {"image": "image/*", "video": "video/*", "audio": "audio/*"}
_PREVIEW = 220


def media_dir(home: Path, profile: str, environ: Mapping[str, str]) -> Path:
    configured = (environ.get("OPENZCA_LISTEN_MEDIA_DIR") or "").strip()
    if configured:
        return Path(os.path.abspath(os.path.expanduser(configured)))
    return home / "openclaw" / "media" / "openzca" / profile / "inbound"


def store(folder: Path, data: bytes, extension: str) -> str:
    """Write one downloaded file the way the tool names it; returns its absolute path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{int(time.time() * 1000)}-{os.urandom(4).hex()}{extension}"
    path.write_bytes(data)
    return str(path)


def extension_of(url: str, mime: str, default: str) -> str:
    by_mime = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
               "video/mp4": ".mp4", "audio/mp4": ".m4a", "audio/mpeg": ".mp3", "audio/aac": ".aac",
               "application/pdf": ".pdf", "text/plain": ".txt"}
    if mime in by_mime:
        return by_mime[mime]
    name = url.split("?", 1)[0].rsplit("/", 1)[-1]
    match = re.search(r"(\.[A-Za-z0-9]{1,8})$", name)
    return match.group(1).lower() if match else default


def media_fields(kind: Kind, urls: Sequence[str], paths: Sequence[str | None], mime: str) -> dict[str, Any]:
    """mediaPath(s)/Url(s)/Type(s)/Kind: URLs and types of the downloaded files only, unless none was."""
    local = [(u, p) for u, p in zip(urls, paths, strict=True) if p]
    shown = [u for u, _ in local] if local else list(urls)
    fields: dict[str, Any] = {
        "mediaPath": local[0][1] if local else None,
        "mediaPaths": [p for _, p in local] or None,
        "mediaUrl": shown[0] if shown else None,
        "mediaUrls": shown or None,
        "mediaType": mime if local else None,
        "mediaTypes": [mime] * len(local) or None,
        "mediaKind": kind.media_kind,
    }
    return fields


def attached_note(kind: Kind, urls: Sequence[str], paths: Sequence[str | None], mime: str, caption: str) -> str:
    """The ``[media attached: …]`` note plus the caption line."""
    entries = list(zip(urls, paths, strict=True))
    fallback = _FALLBACK_MIME.get(kind.media_kind)
    lines = [f"[media attached: {len(entries)} files]"] if len(entries) > 1 else []
    for index, (url, path) in enumerate(entries, 1):
        kind_mime = mime if path else fallback
        type_part = f" ({kind_mime})" if kind_mime else ""
        url_part = f" | {url}" if path else ""
        prefix = f"[media attached {index}/{len(entries)}: " if len(entries) > 1 else "[media attached: "
        lines.append(f"{prefix}{path or url}{type_part}{url_part}]")
    note = "\n".join(lines)
    return f"{note}\n{caption.strip()}" if caption.strip() else note


def reply_context(sender: str, quoted: str) -> str:
    """``[reply context: <sender>: <summary>]`` with openzca's whitespace folding and 220-char cut."""
    summary = re.sub(r"\s+", " ", quoted.strip() or "<quoted-message>").strip()
    if len(summary) > _PREVIEW:
        summary = summary[: _PREVIEW - 3] + "..."
    return f"[reply context: {sender or 'unknown'}: {summary}]"


def sticker_mention(sticker_id: str, sticker_type: int) -> dict[str, Any]:
    """The mention-like record the tool finds in a sticker's ``{id, catId, type}``."""
    return {"uid": sticker_id, "type": sticker_type}


def relocate(event: dict[str, Any], spec: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    """``event`` with its downloaded files moved into ``folder`` (the listener's own media folder)
    and its note and media fields rewritten for the new paths; unchanged when they are there."""
    paths: list[str | None] = list(spec["paths"])
    if all(p is None or Path(p).parent == folder for p in paths):
        return event
    moved: list[str | None] = []
    for path in paths:
        if path is None or not os.path.exists(path):
            moved.append(None)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / Path(path).name
        os.replace(path, target)
        moved.append(str(target))
    kind = KINDS[spec["kind"]]
    fields = {k: v for k, v in media_fields(kind, spec["urls"], moved, spec["mime"]).items() if v is not None}
    changed = {k: v for k, v in event.items() if not k.startswith("media")}
    changed["content"] = attached_note(kind, spec["urls"], moved, spec["mime"], spec["caption"])
    meta = {k: v for k, v in (event.get("metadata") or {}).items() if not k.startswith("media")}
    changed["metadata"] = {**meta, **fields}
    return {**changed, **fields}
