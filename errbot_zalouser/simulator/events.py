"""Ids and inbound message events in the `listen -r` format.

Two shapes:

* legacy (``dm_event``/``group_event``): the field set consumers of the old contract saw:
  threadId, msgId, cliMsgId, content, type, timestamp (seconds), metadata{isGroup, threadName?,
  senderName, fromId}, chatType, senderId, senderName and ts (milliseconds, as a string).
* openzca 0.1.58 (``openzca_event``): every field the tool prints, in its order, absent ones
  omitted: threadId, targetId, conversationId, msgId, cliMsgId, content, type, timestamp, msgType,
  quote and quoteMedia*, media* and mediaKind, mentions{uid,pos,len,type,text}, mentionIds,
  metadata{isGroup, chatType, threadId, targetId, threadName?, senderName (groups only),
  senderDisplayName, senderId, fromId, toId, msgType, quote…, timestamp, media…, mentions…,
  mentionCount}, chatType, senderId, senderName, senderDisplayName, toId (the account itself in a
  DM, the group in a group), ts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from typing import Any

_last_cli_ms = 0


def new_msg_id(digits: int = 19) -> str:
    """A fresh server message id of ``digits`` digits starting with 7 (random, so concurrent
    processes do not collide). openzca 0.1.58 shows 13-digit ids; the legacy surface 19."""
    scale = 10 ** (digits - 1)
    return str(7 * scale + int.from_bytes(os.urandom(8), "big") % scale)


def session_token() -> str:
    """openzca's session / request id shape: ``<ms since epoch in base 36>-<8 hex digits>``."""
    number, digits = int(time.time() * 1000), ""
    while number:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return f"{digits}-{os.urandom(4).hex()}"


def new_cli_msg_id() -> str:
    """A client message id: the time in ms, strictly increasing within this process."""
    global _last_cli_ms
    _last_cli_ms = max(int(time.time() * 1000), _last_cli_ms + 1)
    return str(_last_cli_ms)


def _times(timestamp: float | None, cli_msg_id: str) -> tuple[Any, str]:
    """(timestamp field, ts field). A given timestamp is used verbatim (seconds or ms)."""
    if timestamp is None:
        millis = int(cli_msg_id) if cli_msg_id.isdigit() else int(time.time() * 1000)
        return millis // 1000, str(millis)
    millis = int(timestamp) if timestamp > 1e10 else int(timestamp * 1000)
    return timestamp, str(millis)


def dm_event(
    sender_id: str,
    content: Any,
    *,
    sender_name: str = "",
    msg_id: str | None = None,
    cli_msg_id: str | None = None,
    timestamp: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A direct message from ``sender_id``: the thread id is the peer's id, type 0."""
    metadata = {"isGroup": False, "senderName": sender_name, "fromId": sender_id}
    event = _event(sender_id, sender_id, content, sender_name, metadata, msg_id, cli_msg_id, timestamp)
    return _merge(event, extra)


def group_event(
    group_id: str,
    sender_id: str,
    content: Any,
    *,
    sender_name: str = "",
    group_name: str | None = None,
    mentions: list[dict[str, Any]] | None = None,
    msg_id: str | None = None,
    cli_msg_id: str | None = None,
    timestamp: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A group message: the thread id is the group id, type 1; threadName only when given."""
    metadata: dict[str, Any] = {"isGroup": True}
    if group_name is not None:
        metadata["threadName"] = group_name
    metadata.update({"senderName": sender_name, "fromId": sender_id})
    event = _event(group_id, sender_id, content, sender_name, metadata, msg_id, cli_msg_id, timestamp)
    if mentions:
        ids = [m["uid"] for m in mentions]
        event["mentions"] = mentions
        event["mentionIds"] = ids
        metadata["mentions"] = mentions
        metadata["mentionIds"] = ids
    return _merge(event, extra)


def _event(
    thread_id: str,
    sender_id: str,
    content: Any,
    sender_name: str,
    metadata: dict[str, Any],
    msg_id: str | None,
    cli_msg_id: str | None,
    timestamp: float | None,
) -> dict[str, Any]:
    """The openzca field set of one `listen -r` line (``type``/``chatType`` from metadata.isGroup)."""
    cli = cli_msg_id or new_cli_msg_id()
    stamp, ts = _times(timestamp, cli)
    is_group = metadata["isGroup"]
    return {
        "threadId": thread_id,
        "msgId": msg_id or new_msg_id(),
        "cliMsgId": cli,
        "content": content,
        "type": 1 if is_group else 0,
        "timestamp": stamp,
        "metadata": metadata,
        "chatType": "group" if is_group else "user",
        "senderId": sender_id,
        "senderName": sender_name,
        "ts": ts,
    }


_MEDIA_KEYS = ("mediaPath", "mediaPaths", "mediaUrl", "mediaUrls", "mediaType", "mediaTypes", "mediaKind")
_QUOTE_KEYS = ("quote", "quoteMediaPath", "quoteMediaPaths", "quoteMediaUrl", "quoteMediaUrls", "quoteMediaType",
               "quoteMediaTypes")


def openzca_event(
    thread_id: str,
    sender_id: str,
    content: Any,
    *,
    is_group: bool,
    self_id: str,
    sender_name: str = "",
    group_name: str | None = None,
    mentions: list[dict[str, Any]] | None = None,
    msg_type: str = "webchat",
    media: Mapping[str, Any] | None = None,
    quote: Mapping[str, Any] | None = None,
    msg_id: str | None = None,
    cli_msg_id: str | None = None,
    timestamp: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One `listen -r` line of openzca 0.1.58 (see the module docstring for the field order)."""
    cli = cli_msg_id or new_cli_msg_id()
    stamp, ts = _times(timestamp, cli)
    media = {k: v for k, v in (media or {}).items() if v not in (None, [])}
    quote = {k: v for k, v in (quote or {}).items() if v not in (None, [])}
    mentions = [{**m, **({"text": _slice(content, m)} if _slice(content, m) else {})} for m in mentions or ()]
    name = sender_name or None
    to_id = thread_id if is_group else self_id
    mention_fields = {"mentions": mentions, "mentionIds": [m["uid"] for m in mentions]} if mentions else {}
    metadata = _compact({
        "isGroup": is_group, "chatType": "group" if is_group else "user", "threadId": thread_id,
        "targetId": thread_id, "threadName": group_name, "senderName": name if is_group else None,
        "senderDisplayName": name, "senderId": sender_id, "fromId": sender_id, "toId": to_id, "msgType": msg_type,
        **{k: quote.get(k) for k in _QUOTE_KEYS}, "timestamp": stamp, **{k: media.get(k) for k in _MEDIA_KEYS},
        **mention_fields, "mentionCount": len(mentions) or None,
    })
    event = _compact({
        "threadId": thread_id, "targetId": thread_id, "conversationId": thread_id,
        "msgId": msg_id or new_msg_id(13), "cliMsgId": cli, "content": content, "type": 1 if is_group else 0,
        "timestamp": stamp, "msgType": msg_type, **{k: quote.get(k) for k in _QUOTE_KEYS},
        **{k: media.get(k) for k in _MEDIA_KEYS}, **mention_fields, "metadata": metadata,
        "chatType": "group" if is_group else "user", "senderId": sender_id, "senderName": name,
        "senderDisplayName": name, "toId": to_id, "ts": ts,
    })
    return _merge(event, extra)


def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _slice(content: Any, mention: Mapping[str, Any]) -> str:
    pos, length = mention.get("pos"), mention.get("len")
    if not isinstance(content, str) or not isinstance(pos, int) or not isinstance(length, int) or length <= 0:
        return ""
    if not 0 <= pos < len(content):
        return ""
    return content[pos : pos + length].strip() and content[pos : pos + length]


def mention(uid: str, text: str, name: str) -> dict[str, Any]:
    """A mention object for ``uid``; ``pos``/``len`` locate ``@name`` in the text (0/0 if absent)."""
    needle = f"@{name}" if name else ""
    pos = text.find(needle) if needle and isinstance(text, str) else -1
    return {"uid": uid, "pos": max(pos, 0), "len": len(needle) if pos >= 0 else 0, "type": 0}


def build_mentions(uids: Iterable[Any], text: Any, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Mention objects for uids (dicts are taken as ready-made mention objects)."""
    found = []
    for uid in uids:
        if isinstance(uid, Mapping):
            found.append(dict(uid))
        else:
            found.append(mention(str(uid), text if isinstance(text, str) else "", names.get(str(uid), "")))
    return found


def _merge(event: dict[str, Any], extra: Mapping[str, Any] | None) -> dict[str, Any]:
    for key, value in (extra or {}).items():
        if key == "metadata" and isinstance(value, Mapping):
            event["metadata"].update(value)
        else:
            event[key] = value
    return event
