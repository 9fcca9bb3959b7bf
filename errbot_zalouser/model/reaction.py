"""Zalo reactions: their names and codes, and ``InboundReaction``, someone reacting to a message.

A reaction is sent as a code (``/-heart``, ``:>``...). `zca msg react` and the zca-js engine
accept the same three spellings: one of the emoji below, a name of zca-js's ``Reactions`` (any
case, ``-`` or a space for ``_``: ``heart``, ``Tears of joy``) or a code itself; ``reaction_code``
reads them by those rules. ``NONE`` (code ``""``) takes a reaction back.

openzca's `listen` prints no reactions; the zca-js engine reports each as
``{threadId, isGroup, senderId, senderName?, icon, targets: [{msgId, cliMsgId}], msgId,
timestamp, ts}``, which ``InboundReaction.from_json`` reads (any listener that learns to report
reactions can print that object). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from errbot_zalouser import ids
from errbot_zalouser.model.wire import EMPTY, BadEvent, first_text, frozen_mapping, listing, text, timestamp

#: zca-js's ``Reactions``: name -> Zalo code.
REACTIONS: Mapping[str, str] = {
    "HEART": "/-heart", "LIKE": "/-strong", "HAHA": ":>", "WOW": ":o", "CRY": ":-((", "ANGRY": ":-h",
    "KISS": ":-*", "TEARS_OF_JOY": ":')", "SHIT": "/-shit", "ROSE": "/-rose", "BROKEN_HEART": "/-break",
    "DISLIKE": "/-weak", "LOVE": ";xx", "CONFUSED": ";-/", "WINK": ";-)", "FADE": "/-fade", "SUN": "/-li",
    "BIRTHDAY": "/-bd", "BOMB": "/-bome", "OK": "/-ok", "PEACE": "/-v", "THANKS": "/-thanks", "PUNCH": "/-punch",
    "SHARE": "/-share", "PRAY": "_()_", "NO": "/-no", "BAD": "/-bad", "LOVE_YOU": "/-loveu", "SAD": "--b",
    "VERY_SAD": ":((", "COOL": "x-)", "NERD": "8-)", "BIG_SMILE": ";-d", "SUNGLASSES": "b-)", "NEUTRAL": ":--|",
    "SAD_FACE": "p-(", "BYE": ":-bye", "SLEEPY": "|-)", "WIPE": ":wipe", "DIG": ":-dig", "ANGUISH": "&-(",
    "HANDCLAP": ":handclap", "ANGRY_FACE": ">-|", "F_CHAIR": ":-f", "L_CHAIR": ":-l", "R_CHAIR": ":-r",
    "SILENT": ";-x", "SURPRISE": ":-o", "EMBARRASSED": ";-s", "AFRAID": ";-a", "SAD2": ":-<", "BIG_LAUGH": ":))",
    "RICH": "$-)", "BEER": "/-beer", "NONE": "",
}
#: The emoji `zca msg react` takes for the six everyday reactions.
EMOJI: Mapping[str, str] = {"❤️": "/-heart", "❤": "/-heart", "👍": "/-strong", "😆": ":>", "😂": ":>", "😮": ":o",
                            "😭": ":-((", "😡": ":-h"}
_NAMES_BY_CODE = {code: name for name, code in REACTIONS.items()}
_SEPARATORS = re.compile(r"[\s-]")


def reaction_code(spelling: str) -> str | None:
    """The Zalo code for an emoji, a reaction name or a code; None for anything else."""
    found = spelling.strip()
    if found in EMOJI:
        return EMOJI[found]
    by_name = REACTIONS.get(_SEPARATORS.sub("_", found.upper()))
    if by_name is not None and found:
        return by_name
    return found if found and found in _NAMES_BY_CODE else None


def reaction_name(code: str) -> str:
    """The name of a Zalo code (``/-heart`` -> ``HEART``); an unknown code is its own name."""
    return _NAMES_BY_CODE.get(code, code)


@dataclass(frozen=True)
class InboundReaction:
    """Someone reacted to messages of a thread (``targets``: (msgId, cliMsgId) pairs). ``code`` is
    Zalo's (``""`` when the reaction was taken back), ``name`` its zca-js name."""

    thread_id: str
    sender_id: str
    is_group: bool
    code: str
    targets: tuple[tuple[str, str], ...]
    msg_id: str = ""
    sender_name: str = ""
    timestamp: float = 0.0
    raw: Mapping[str, Any] = field(default_factory=lambda: EMPTY, repr=False, compare=False)

    @property
    def name(self) -> str:
        return reaction_name(self.code)

    @property
    def removed(self) -> bool:
        return self.code == ""

    @property
    def dedupe_keys(self) -> tuple[str, ...]:
        """A reaction has a message id of its own; keyed apart from messages."""
        return (f"r:{self.msg_id}",) if self.msg_id else ()

    @classmethod
    def from_json(cls, obj: Any) -> InboundReaction:
        """Read a reaction object; BadEvent when it names no thread, sender or target message."""
        if not isinstance(obj, Mapping):
            raise BadEvent("reaction is not a JSON object")
        thread_id, sender_id = text(obj.get("threadId")).strip(), text(obj.get("senderId")).strip()
        if not ids.is_id(thread_id) or not ids.is_id(sender_id):
            raise BadEvent("reaction has no thread or sender id")
        targets = tuple((first_text(t.get("msgId")), first_text(t.get("cliMsgId")))
                        for t in listing(obj.get("targets")) if isinstance(t, Mapping))
        targets = tuple(t for t in targets if t[0] or t[1])[:50]
        if not targets:
            raise BadEvent("reaction names no message")
        icon = obj.get("icon")
        if not isinstance(icon, str):
            raise BadEvent("reaction has no icon")
        is_group = obj.get("isGroup")
        return cls(
            thread_id=thread_id, sender_id=sender_id, is_group=is_group is True, code=icon[:64], targets=targets,
            msg_id=first_text(obj.get("msgId")), sender_name=first_text(obj.get("senderName")),
            timestamp=timestamp(obj.get("timestamp")), raw=frozen_mapping(obj),
        )
