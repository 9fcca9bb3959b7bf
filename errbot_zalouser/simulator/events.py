"""Ids and inbound message events in the `listen -r` format (zca-cli.md section 4.1).

Events carry the openzca field set: threadId, msgId, cliMsgId, content, type, timestamp
(seconds), metadata{isGroup, threadName?, senderName, fromId}, chatType, senderId, senderName
and ts (milliseconds, as a string).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from typing import Any

_last_cli_ms = 0


def new_msg_id() -> str:
    """A fresh 19-digit server message id (random, so concurrent processes do not collide)."""
    return str(7 * 10**18 + int.from_bytes(os.urandom(8), "big") % 10**18)


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
