"""``msg send --reply-message <json>`` / ``--reply-id <id>`` (openzca 0.1.58): the quote to attach.

``--reply-message`` takes a ``listen -r`` line as printed, or a raw zca-js ``message.data`` object.
Each field is looked up in order (first non-blank string or finite number wins)::

    msgType   msgType, metadata.msgType
    uidFrom   uidFrom, senderId, fromId, metadata.senderId, metadata.fromId
    msgId     msgId (rawPayload.msgId)            cliMsgId  cliMsgId (rawPayload.cliMsgId)
    ts        ts, else timestamp (seconds) x 1000
    content   string (a listen line's trailing "[reply context: …]" / "[reply media attached…]"
              lines removed) or object; ttl (default 0); propertyExt (an object)

``rawMessage``, when it is an object, is read before the record itself. The payload's thread
(``threadId``, ``targetId``, ``conversationId``, ``metadata.threadId``, ``metadata.targetId``;
else inferred from ``idTo``/``uidFrom``) must be the thread sent to. ``--reply-id`` needs the local
message DB, which the simulator never has, so it always fails as the real tool does without it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from errbot_zalouser.simulator import nodejs


class ReplyError(Exception):
    """The tool's error text (printed as ``Error: <text>``)."""


def resolve_quote(
    reply_id: str | None, reply_message: str | None, *, thread_id: str, group: bool, self_id: str
) -> dict[str, Any] | None:
    """The quote for ``msg send``, None without reply options; ReplyError as the tool words it."""
    rid = (reply_id or "").strip()
    rmsg = (reply_message or "").strip()
    if rid and rmsg:
        raise ReplyError("Use either --reply-id or --reply-message, not both.")
    if rid:
        raise ReplyError("`--reply-id` requires the local DB. Enable DB/listen sync first.")
    if not rmsg:
        return None
    try:
        value = json.loads(rmsg)
    except ValueError:
        raise ReplyError(f"Invalid JSON for --reply-message: {nodejs.json_error(rmsg)}") from None
    quote, inferred = prepare(value, group=group, self_id=self_id)
    if inferred and inferred != thread_id:
        raise ReplyError("Reply message belongs to a different thread.")
    return quote


def prepare(value: Any, *, group: bool, self_id: str) -> tuple[dict[str, Any], str | None]:
    """(quote, thread id the payload belongs to or None)."""
    if not isinstance(value, dict):
        raise ReplyError("Reply message must be a JSON object matching the raw message.data shape.")
    source = value
    meta = _record(source.get("metadata"))
    raw_message = _record(source.get("rawMessage"))
    raw_payload = _record(source.get("rawPayload"))
    canonical = raw_message or source
    content = _content(_first_defined(canonical.get("content"), source.get("content")),
                       _looks_like_listen_line(source) and not raw_message)
    quote: dict[str, Any] = {
        "content": content,
        "msgType": _require([canonical.get("msgType"), source.get("msgType"), meta.get("msgType")], "msgType"),
    }
    senders = [canonical.get("uidFrom"), source.get("uidFrom"), source.get("senderId"), source.get("fromId"),
               meta.get("senderId"), meta.get("fromId")]
    quote["uidFrom"] = _require(senders, "uidFrom")
    quote["msgId"] = _require([canonical.get("msgId"), source.get("msgId"), raw_payload.get("msgId")], "msgId")
    quote["cliMsgId"] = _require([canonical.get("cliMsgId"), source.get("cliMsgId"), raw_payload.get("cliMsgId")],
                                 "cliMsgId")
    quote["ts"] = _require([canonical.get("ts"), source.get("ts"), _seconds_to_ms(source.get("timestamp"))], "ts")
    quote["ttl"] = _ttl(_first_defined(canonical.get("ttl"), source.get("ttl")))
    property_ext = canonical.get("propertyExt")
    if property_ext is not None and not isinstance(property_ext, dict):
        raise ReplyError("Reply message propertyExt must be an object when provided.")
    if property_ext is not None:
        quote["propertyExt"] = property_ext
    return quote, _thread_of(source, canonical, meta, senders, group, self_id)


def _record(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first_defined(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _string_like(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return str(math.trunc(value))
    return None


def _first_string(values: list[Any]) -> str | None:
    return next((s for s in map(_string_like, values) if s), None)


def _require(values: list[Any], label: str) -> str:
    found = _first_string(values)
    if not found:
        raise ReplyError(f"Missing reply message {label}.")
    return found


def _content(value: Any, strip_decorations: bool) -> str | dict[str, Any]:
    if isinstance(value, str):
        return _strip_decorations(value) if strip_decorations else value
    if isinstance(value, dict):
        return value
    raise ReplyError("Reply message content must be a string or object.")


def _strip_decorations(text: str) -> str:
    lines = text.split("\n")
    while lines and lines[-1].strip().startswith(("[reply context: ", "[reply media attached:", "[reply media attached ")):
        lines.pop()
    return "\n".join(lines)


def _ttl(value: Any) -> int:
    if value is None or value == "":
        return 0
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else (
        nodejs.number(value) if isinstance(value, str) else math.nan)
    if not math.isfinite(number):
        raise ReplyError("Reply message ttl must be a finite number.")
    return math.trunc(number)


def _seconds_to_ms(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return str(math.trunc(value * 1000))
    return None


def _looks_like_listen_line(record: dict[str, Any]) -> bool:
    return isinstance(record.get("threadId"), str) and (
        isinstance(record.get("senderId"), str) or isinstance(record.get("chatType"), str)
        or isinstance(record.get("metadata"), dict) or (record.get("metadata") is None and "metadata" in record)
    )


def _thread_of(source: dict[str, Any], canonical: dict[str, Any], meta: dict[str, Any], senders: list[Any],
               group: bool, self_id: str) -> str | None:
    direct = _first_string([source.get("threadId"), source.get("targetId"), source.get("conversationId"),
                            meta.get("threadId"), meta.get("targetId")])
    if direct:
        return direct
    to_id = _first_string([canonical.get("idTo"), source.get("idTo"), source.get("toId"), meta.get("toId")])
    if group:
        return to_id
    sender = _first_string(senders)
    for candidate in (sender, to_id):
        if candidate and candidate != self_id and candidate != "0":
            return candidate
    return next((c for c in (sender, to_id) if c and c != "0"), None)
