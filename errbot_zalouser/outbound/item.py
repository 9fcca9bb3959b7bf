"""``OutboundItem``: one message waiting to go out, as an immutable, JSON-round-trippable value."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from errbot_zalouser.model import FILE_KINDS, Target
from errbot_zalouser.richtext.styled import MentionRange, StyledText, StyleRange

KINDS = ("text", *FILE_KINDS, "link", "reaction")


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, kw_only=True)
class OutboundItem:
    """One `zca msg ...` call to make: a text, a media URL or local file, a link, or a reaction.

    ``id`` identifies the item in the journal; ``created_at`` is wall-clock epoch seconds.
    ``text`` items need non-blank ``text``, with its Zalo ``styles`` and ``mentions`` (see
    ``richtext.styled``), and may quote a message (``quote``: its listen line as JSON text).
    Media items (image, video, voice, file) need either ``url`` or ``path`` (an absolute path of
    a file the bot wrote, removed once the item is done); link items need ``url``. ``caption`` is
    only meaningful for an image or video URL (`msg voice` has no caption option). A
    ``reaction`` reacts with the Zalo code ``text`` (``""`` takes it back) to the message
    ``msg_id``/``cli_msg_id`` of the target thread.
    """

    id: str = field(default_factory=_new_id)
    account: str
    target: Target
    kind: str
    text: str = ""
    url: str = ""
    caption: str = ""
    path: str = ""
    quote: str = ""
    msg_id: str = ""
    cli_msg_id: str = ""
    styles: tuple[StyleRange, ...] = ()
    mentions: tuple[MentionRange, ...] = ()
    created_at: float = field(default_factory=time.time)
    expires_at: float | None = None  # epoch seconds after which it is dropped unsent (a pairing code's end)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown outbound kind {self.kind!r} (expected one of {', '.join(KINDS)})")
        if not self.id:
            raise ValueError("outbound item needs an id")
        if not self.account:
            raise ValueError("outbound item needs an account")
        if self.kind == "text" and not self.text.strip():
            raise ValueError("a text item needs non-blank text")
        if self.kind == "link" and not self.url:
            raise ValueError("a link item needs a url")
        if self.kind in FILE_KINDS and bool(self.url) == bool(self.path):
            raise ValueError(f"a {self.kind} item needs a url or a path, not both")
        if self.path and not self.path.startswith("/"):
            raise ValueError(f"a {self.kind} item's path must be absolute")
        if self.kind == "reaction" and not (self.msg_id and self.cli_msg_id):
            raise ValueError("a reaction item needs the msg_id and cli_msg_id of its message")
        if self.styles or self.mentions:
            StyledText(self.text, self.styles, self.mentions)  # checks every range against the text

    @property
    def styled(self) -> StyledText:
        """The text with its styles and mentions."""
        return StyledText(self.text, self.styles, self.mentions)

    def expired(self, now: float, max_age: float | None) -> bool:
        """Past its own end, or older than ``max_age`` seconds (None: no age limit)."""
        if self.expires_at is not None and now >= self.expires_at:
            return True
        return max_age is not None and now - self.created_at > max_age

    @property
    def conversation_key(self) -> str:
        """Items with the same key go out strictly one after another, in submission order."""
        return f"{self.account}/{self.target.key}"

    def to_json(self) -> dict[str, Any]:
        """A plain JSON object; ``from_json(to_json())`` gives back an equal item."""
        return {
            "id": self.id,
            "account": self.account,
            "target": {"thread_id": self.target.thread_id, "is_group": self.target.is_group},
            "kind": self.kind,
            "text": self.text,
            "url": self.url,
            "caption": self.caption,
            "path": self.path,
            "quote": self.quote,
            "msg_id": self.msg_id,
            "cli_msg_id": self.cli_msg_id,
            "styles": [[s.start, s.length, s.style, s.indent_size] for s in self.styles],
            "mentions": [[m.start, m.length, m.user_id] for m in self.mentions],
            "created_at": self.created_at,
            "expires_at": self.expires_at,
        }

    @classmethod
    def from_json(cls, obj: Any) -> OutboundItem:
        """Rebuild an item from ``to_json`` output. Raises ValueError for anything else."""
        if not isinstance(obj, Mapping):
            raise ValueError("outbound item is not a JSON object")
        target = obj.get("target")
        if not isinstance(target, Mapping):
            raise ValueError("outbound item has no target object")
        created_at = obj.get("created_at", 0.0)
        if isinstance(created_at, bool) or not isinstance(created_at, (int, float)):
            raise ValueError("outbound item created_at is not a number")
        expires_at = obj.get("expires_at")
        if expires_at is not None and (isinstance(expires_at, bool) or not isinstance(expires_at, (int, float))):
            raise ValueError("outbound item expires_at is not a number")
        return cls(
            id=_str(obj, "id"),
            account=_str(obj, "account"),
            target=Target(_str(target, "thread_id"), _bool(target, "is_group")),
            kind=_str(obj, "kind"),
            text=_str(obj, "text", ""),
            url=_str(obj, "url", ""),
            caption=_str(obj, "caption", ""),
            path=_str(obj, "path", ""),
            quote=_str(obj, "quote", ""),
            msg_id=_str(obj, "msg_id", ""),
            cli_msg_id=_str(obj, "cli_msg_id", ""),
            styles=tuple(_style(entry) for entry in _list(obj, "styles")),
            mentions=tuple(_mention(entry) for entry in _list(obj, "mentions")),
            created_at=float(created_at),
            expires_at=None if expires_at is None else float(expires_at),
        )


def _str(obj: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"outbound item field {key!r} is not a string")
    return value


def _bool(obj: Mapping[str, Any], key: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"outbound item field {key!r} is not a boolean")
    return value


def _list(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = obj.get(key, [])  # absent in journals written before styles were sent
    if not isinstance(value, list):
        raise ValueError(f"outbound item field {key!r} is not a list")
    return value


def _style(entry: Any) -> StyleRange:
    if (isinstance(entry, list) and len(entry) == 4 and _ints(entry[:2]) and isinstance(entry[2], str)
            and (entry[3] is None or _ints(entry[3:]))):
        return StyleRange(entry[0], entry[1], entry[2], entry[3])
    raise ValueError(f"outbound item style {entry!r:.80} is not [start, length, style, indent]")


def _mention(entry: Any) -> MentionRange:
    if isinstance(entry, list) and len(entry) == 3 and _ints(entry[:2]) and isinstance(entry[2], str):
        return MentionRange(entry[0], entry[1], entry[2])
    raise ValueError(f"outbound item mention {entry!r:.80} is not [start, length, user id]")


def _ints(values: list[Any]) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)
