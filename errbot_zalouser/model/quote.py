"""The message a quote-reply answers (``Quote``), and who a message mentions (``Mention``).

openzca prints a quote-reply's context as ``quote`` (top level and in ``metadata``):
``{ownerId, senderName, msg, attach, ts, cliMsgId, globalMsgId, cliMsgType}``, plus the quoted
media it downloaded as ``quoteMediaPath(s)``/``quoteMediaUrl(s)``/``quoteMediaType(s)``. Mentions
come as ``mentions`` (``[{uid, pos, len, type, text}]``) and ``mentionIds``. Both come from Zalo
users: every field is optional, and odd ones read as empty. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from errbot_zalouser import ids
from errbot_zalouser.model.attachments import FILE, IMAGE, UNKNOWN, VIDEO, VOICE, Attachment, url_name
from errbot_zalouser.model.wire import EMPTY, first_text, frozen_mapping, listing, mapping, text, whole_number

_KIND_BY_MIME = (("image/", IMAGE), ("video/", VIDEO), ("audio/", VOICE), ("application/", FILE), ("text/", FILE))


@dataclass(frozen=True)
class Quote:
    """The message a reply quotes: its server id (``msg_id``), client id, sender, text (``""``
    when it was not text) and the quoted media the tool downloaded."""

    msg_id: str = ""
    cli_msg_id: str = ""
    sender_id: str = ""
    sender_name: str = ""
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=lambda: EMPTY, repr=False, compare=False)


@dataclass(frozen=True)
class Mention:
    """A mention of ``user_id`` (1 to 32 digits) at ``text[pos:pos + length]`` of the message's
    wire content; ``pos`` and ``length`` are None when the tool gave no usable place."""

    user_id: str
    pos: int | None = None
    length: int | None = None


def read_quote(obj: Mapping[str, Any], meta: Mapping[str, Any]) -> Quote | None:
    """The quote of a listen line, None when it quotes nothing."""
    raw = mapping(obj.get("quote")) or mapping(meta.get("quote"))
    if not raw:
        return None
    message = raw.get("msg")
    return Quote(
        msg_id=first_text(raw.get("globalMsgId"), raw.get("msgId")),
        cli_msg_id=first_text(raw.get("cliMsgId")),
        sender_id=first_text(raw.get("ownerId"), raw.get("uidFrom")),
        sender_name=first_text(raw.get("senderName"), raw.get("fromD"), raw.get("dName")),
        text=message if isinstance(message, str) else "",
        attachments=_quoted_media(obj, meta),
        raw=frozen_mapping(raw),
    )


def _quoted_media(obj: Mapping[str, Any], meta: Mapping[str, Any]) -> tuple[Attachment, ...]:
    def values(many: str, one: str) -> list[str]:
        for source in (obj, meta):
            found = [text(v).strip() for v in listing(source.get(many))] or [text(source.get(one)).strip()]
            if any(found):
                return found
        return []

    paths, urls = values("quoteMediaPaths", "quoteMediaPath"), values("quoteMediaUrls", "quoteMediaUrl")
    mimes = values("quoteMediaTypes", "quoteMediaType")
    found = []
    for index in range(min(max(len(paths), len(urls)), 16)):
        mime = mimes[index] if index < len(mimes) else ""
        url = urls[index] if index < len(urls) and urls[index].lower().startswith(("http://", "https://")) else ""
        kind = next((k for prefix, k in _KIND_BY_MIME if mime.startswith(prefix)), UNKNOWN)
        found.append(Attachment(kind, url=url, path=paths[index] if index < len(paths) else "", mime=mime,
                                name=url_name(url)))
    return tuple(found)


def read_mentions(obj: Mapping[str, Any], meta: Mapping[str, Any], *, sticker: bool,
                  content: str) -> tuple[Mention, ...]:
    """Who a listen line mentions: each ``mentions`` record whose uid is a Zalo id, then the
    ``mentionIds`` it does not cover. ``@all`` (uid -1) is no one in particular, and a sticker's
    records are not mentions (openzca finds the sticker's own id among them)."""
    if sticker:
        return ()
    found: list[Mention] = []
    for source in (obj, meta):
        for record in listing(source.get("mentions")):
            uid = text(record.get("uid")).strip() if isinstance(record, Mapping) else ""
            if ids.is_id(uid):
                pos, length = whole_number(record.get("pos")), whole_number(record.get("len"))
                usable = pos is not None and length is not None and length > 0 and pos + length <= len(content)
                found.append(Mention(uid, pos if usable else None, length if usable else None))
        if found:
            break
    known = {m.user_id for m in found}
    for source in (obj, meta):
        for uid in (text(v).strip() for v in listing(source.get("mentionIds"))):
            if ids.is_id(uid) and uid not in known:
                known.add(uid)
                found.append(Mention(uid))
    return tuple(found)
