"""Immutable values for what `zca` reports: users, groups, inbound events.

Ids are Zalo's numeric strings (see ``errbot_zalouser.ids``) and are the only identity; display
names are decoration. Every model keeps the raw JSON object it came from (``raw``), so
fields that newer `zca` editions add are never lost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from errbot_zalouser import ids

MEDIA_KINDS = ("image", "video", "voice")
"""The `zca msg <kind>` commands that send a media URL."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class BadEvent(ValueError):
    """A listener line is JSON but not a usable message event."""


def frozen_mapping(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only view. A plain dict is taken over as it is (callers pass freshly decoded JSON),
    which keeps a 10,000-contact directory from holding every row twice."""
    return MappingProxyType(obj if type(obj) is dict else dict(obj))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return ""
    if isinstance(value, (str, int)):
        return str(value)
    return ""


@dataclass(frozen=True)
class Target:
    """Where a message goes: a user thread, or a group thread (sent with -g)."""

    thread_id: str
    is_group: bool = False

    @property
    def key(self) -> str:
        return f"{ids.GROUP if self.is_group else ids.USER}{self.thread_id}"


@dataclass(frozen=True)
class ZaloUser:
    user_id: str
    display_name: str = ""
    zalo_name: str = ""
    username: str = ""
    phone: str = ""
    avatar: str = ""
    raw: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.display_name or self.zalo_name or self.username or self.user_id

    @classmethod
    def from_json(cls, obj: Any, *, keep_raw: bool = True) -> ZaloUser:
        """``keep_raw=False`` for bulk lists (10,000 friends): the typed fields only."""
        if not isinstance(obj, Mapping):
            raise BadEvent(f"user entry is not an object: {obj!r:.80}")
        user_id = _text(obj.get("userId", obj.get("id")))
        if not user_id:
            raise BadEvent("user entry has no userId")
        return cls(
            user_id=user_id,
            display_name=_text(obj.get("displayName")).strip(),
            zalo_name=_text(obj.get("zaloName")).strip(),
            username=_text(obj.get("username")).strip(),
            phone=_text(obj.get("phoneNumber")).strip(),
            avatar=_text(obj.get("avatar")),
            raw=frozen_mapping(obj) if keep_raw else _EMPTY,
        )


@dataclass(frozen=True)
class ZaloGroup:
    group_id: str
    name: str = ""
    total_member: int | None = None
    raw: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False, compare=False)

    @classmethod
    def from_json(cls, obj: Any, *, keep_raw: bool = True) -> ZaloGroup:
        """``keep_raw=False`` for bulk lists: the typed fields only."""
        if not isinstance(obj, Mapping):
            raise BadEvent(f"group entry is not an object: {obj!r:.80}")
        group_id = _text(obj.get("groupId", obj.get("id")))
        if not group_id:
            raise BadEvent("group entry has no groupId")
        total = obj.get("totalMember", obj.get("memberCount"))
        return cls(
            group_id=group_id,
            name=_text(obj.get("name")).strip(),
            total_member=total if isinstance(total, int) and not isinstance(total, bool) else None,
            raw=frozen_mapping(obj) if keep_raw else _EMPTY,
        )


@dataclass(frozen=True)
class SendResult:
    """Outcome of a successful `msg ...` call. The message id is optional (unknown format)."""

    message_id: str | None = None


@dataclass(frozen=True)
class Attachment:
    url: str
    title: str = ""


@dataclass(frozen=True)
class InboundEvent:
    """One message from `zca listen -r`, as an immutable value."""

    thread_id: str
    sender_id: str
    content: str
    is_group: bool
    msg_id: str = ""
    cli_msg_id: str = ""
    timestamp: float = 0.0
    sender_name: str = ""
    thread_name: str = ""
    mention_ids: tuple[str, ...] = ()
    attachment: Attachment | None = None
    raw: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False, compare=False)

    @property
    def dedupe_keys(self) -> tuple[str, ...]:
        """Keys under which this event counts as already seen. msgId is the server's id; cliMsgId is
        the sending client's clock in ms, unique only per sender, so it is keyed with the sender."""
        keys = []
        if self.msg_id:
            keys.append(f"m:{self.msg_id}")
        if self.cli_msg_id:
            keys.append(f"c:{self.sender_id}:{self.cli_msg_id}")
        return tuple(keys)

    @property
    def target(self) -> Target:
        return Target(self.thread_id, self.is_group)

    @classmethod
    def from_json(cls, obj: Any) -> InboundEvent:
        """Parse one decoded listener line. Raises BadEvent for unusable objects."""
        if not isinstance(obj, Mapping):
            raise BadEvent("event is not a JSON object")
        meta = obj.get("metadata")
        if not isinstance(meta, Mapping):
            meta = _EMPTY
        thread_id = _text(obj.get("threadId"))
        if not thread_id:
            raise BadEvent("event has no threadId")
        content, attachment = _content(obj.get("content"))
        if not content.strip():
            raise BadEvent("event has no text content")
        is_group = _is_group(obj, meta)
        sender_id = _text(meta.get("fromId")) or _text(obj.get("senderId"))
        if not sender_id:
            if is_group:
                raise BadEvent("group event has no sender id")
            sender_id = thread_id
        return cls(
            thread_id=thread_id,
            sender_id=sender_id,
            content=content,
            is_group=is_group,
            msg_id=_text(obj.get("msgId")),
            cli_msg_id=_text(obj.get("cliMsgId")),
            timestamp=_timestamp(obj.get("timestamp")),
            sender_name=_text(meta.get("senderName")) or _text(obj.get("senderName")),
            thread_name=_text(meta.get("threadName")),
            mention_ids=_mention_ids(obj, meta),
            attachment=attachment,
            raw=frozen_mapping(obj),
        )


def _is_group(obj: Mapping[str, Any], meta: Mapping[str, Any]) -> bool:
    flag = meta.get("isGroup")
    if isinstance(flag, bool):
        return flag
    chat_type = obj.get("chatType")
    if chat_type == "group":
        return True
    if chat_type == "user":
        return False
    return obj.get("type") == 1


def _timestamp(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    return value / 1000.0 if value > 1e10 else float(value)


def _mention_ids(obj: Mapping[str, Any], meta: Mapping[str, Any]) -> tuple[str, ...]:
    ids: list[str] = []
    for source in (obj, meta):
        for uid in _list(source.get("mentionIds")):
            if _text(uid):
                ids.append(_text(uid))
        for mention in _list(source.get("mentions")):
            if isinstance(mention, Mapping) and _text(mention.get("uid")):
                ids.append(_text(mention.get("uid")))
    return tuple(dict.fromkeys(ids))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _content(value: Any) -> tuple[str, Attachment | None]:
    """Text of a message; attachment objects become readable text plus a URL."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, Mapping):
        url = _text(value.get("href")) or _text(value.get("url")) or _text(value.get("thumb"))
        title = _text(value.get("title")) or _text(value.get("description"))
        kind = _text(value.get("type")) or "attachment"
        text = f"[{kind}] {title}".strip() if title else f"[{kind}]"
        if url:
            text = f"{text} {url}"
        return text, Attachment(url=url, title=title) if url else None
    if value is None:
        return "", None
    return json.dumps(value, ensure_ascii=False)[:2000], None


# --- access-control values (persisted by stores/, produced by policy/) ---------------------------


@dataclass(frozen=True)
class PairingRequest:
    """A pending DM pairing request. Lives ``ttl`` seconds from ``created_at`` (epoch seconds)."""

    code: str
    user_id: str
    account: str
    created_at: float
    last_seen_at: float
    name: str = ""
    denied_at: float | None = None  # set by a deny: the record stays while its sender cools down

    def expires_at(self, ttl: float) -> float:
        return self.created_at + ttl

    def cooldown_ends(self, ttl: float, cooldown: float) -> float:
        """When its sender may get a new code: ``cooldown`` after the deny, or after the expiry."""
        ended = self.denied_at if self.denied_at is not None else self.created_at + ttl
        return ended + cooldown


@dataclass(frozen=True)
class ApprovedEntry:
    """A DM sender admitted outside the configuration: by pairing, by `!allowlist add`, or imported."""

    user_id: str
    account: str
    source: str  # "pairing" | "chat" | "import"
    added_at: float
    name: str = ""
    added_by: str = ""


@dataclass(frozen=True)
class GroupAllowEntry:
    """A group admitted under groupPolicy=allowlist from chat (`!allowlist group add`)."""

    group_id: str
    account: str
    added_at: float
    name: str = ""
    added_by: str = ""
