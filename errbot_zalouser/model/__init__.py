"""Immutable values for what `zca` reports: users, groups, inbound messages and reactions.

Ids are Zalo's numeric strings (see ``errbot_zalouser.ids``) and are the only identity; display
names are decoration. Every model keeps the raw JSON object it came from (``raw``), so
fields that newer `zca` editions add are never lost.

The package: ``wire`` reads JSON fields tolerantly; ``attachments`` holds ``Attachment`` (photos,
files, voice notes... of a message, from both listener shapes); ``quote`` holds ``Quote`` and
``Mention``; ``reaction`` holds the reaction names and ``InboundReaction``. Everything is
importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from errbot_zalouser import ids
from errbot_zalouser.model import attachments as media
from errbot_zalouser.model.attachments import KINDS as ATTACHMENT_KINDS
from errbot_zalouser.model.attachments import Attachment
from errbot_zalouser.model.quote import Mention, Quote, read_mentions, read_quote
from errbot_zalouser.model.reaction import InboundReaction
from errbot_zalouser.model.wire import EMPTY as _EMPTY
from errbot_zalouser.model.wire import BadEvent, first_text, frozen_mapping, mapping, timestamp
from errbot_zalouser.model.wire import text as _text

__all__ = [
    "ATTACHMENT_KINDS", "FILE_KINDS", "MEDIA_KINDS", "ApprovedEntry", "Attachment", "BadEvent", "GroupAllowEntry", "Inbound",
    "InboundEvent",
    "InboundReaction", "Mention", "PairingRequest", "Quote", "SendResult", "Target", "ZaloGroup", "ZaloUser",
    "frozen_mapping",
]

MEDIA_KINDS = ("image", "video", "voice")
"""The `zca msg <kind>` commands that send a media URL."""
FILE_KINDS = (*MEDIA_KINDS, "file")
"""How a file (a URL or a local file) can be sent."""


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
class InboundEvent:
    """One message from `zca listen -r`, as an immutable value.

    ``content`` is the text a person wrote: a text message's text, a media message's caption,
    else a short note such as ``[photo]`` or ``[file: report.pdf]`` (never the tool's
    ``[media attached: …]`` note, never the ``[reply context: …]`` lines of a quote-reply; the
    wire text stays in ``raw``). ``attachments`` are what it carries besides text, ``quote`` the
    message it answers, ``mentions`` who it mentions (``mention_ids`` their ids, in order).
    """

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
    msg_type: str = ""
    attachments: tuple[Attachment, ...] = ()
    quote: Quote | None = None
    mentions: tuple[Mention, ...] = ()
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
        meta = mapping(obj.get("metadata"))
        thread_id = _text(obj.get("threadId"))
        if not thread_id:
            raise BadEvent("event has no threadId")
        is_group = _is_group(obj, meta)
        sender_id = _text(meta.get("fromId")) or _text(obj.get("senderId"))
        if not sender_id:
            if is_group:
                raise BadEvent("group event has no sender id")
            sender_id = thread_id
        msg_type = first_text(obj.get("msgType"), meta.get("msgType"))
        quote = read_quote(obj, meta)
        text, attachments = _content(obj, meta, msg_type, quoted=quote is not None)
        if not text.strip() and not attachments and quote is None:
            raise BadEvent("event has no text content")
        mentions = read_mentions(obj, meta, sticker=msg_type == "chat.sticker", content=text)
        return cls(
            thread_id=thread_id,
            sender_id=sender_id,
            content=text,
            is_group=is_group,
            msg_id=_text(obj.get("msgId")),
            cli_msg_id=_text(obj.get("cliMsgId")),
            timestamp=timestamp(obj.get("timestamp")),
            sender_name=_text(meta.get("senderName")) or _text(obj.get("senderName")),
            thread_name=_text(meta.get("threadName")),
            mention_ids=tuple(dict.fromkeys(m.user_id for m in mentions)),
            msg_type=msg_type,
            attachments=attachments,
            quote=quote,
            mentions=mentions,
            raw=frozen_mapping(obj),
        )


Inbound = InboundEvent | InboundReaction
"""What a listener delivers: a message, or a reaction (the zca-js engine reports them; openzca's
`listen` prints none)."""


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


def _content(obj: Mapping[str, Any], meta: Mapping[str, Any], msg_type: str, *,
             quoted: bool) -> tuple[str, tuple[Attachment, ...]]:
    """(the text a person wrote, or a note; the attachments) of a listen line's ``content``."""
    value = obj.get("content")
    if isinstance(value, Mapping):
        caption, found = media.from_object(value, msg_type)
        return caption or media.note(found[0].kind, found[0].name), found
    if value is not None and not isinstance(value, str):
        return media.note(media.UNKNOWN), (Attachment(media.UNKNOWN, raw={"content": value}),)
    kind = media.kind_of(msg_type, first_text(obj.get("mediaKind"), meta.get("mediaKind")))
    written = media.human_text(value or "", media=kind is not None, quoted=quoted)
    if kind is None:
        return written, ()
    found = media.from_listen_fields(obj, meta, kind, written)
    if media.is_caption(written, kind, found):
        return written, found
    return media.note(kind, found[0].name), found


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
