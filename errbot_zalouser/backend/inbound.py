"""What a plugin receives: an inbound event as errbot's ``Message``, a reaction as its ``Reaction``.

``Message.body`` is the text a person wrote (a caption, or a short note such as ``[photo]``;
after a leading ``@bot`` in a group, the rest). ``Message.extras``:

==================  ==========================================================================
key                 value
==================  ==========================================================================
``account``         the Zalouser account id the message came in on
``msg_id``          Zalo's message id (``""`` when the tool gave none); ``react`` and replies
``cli_msg_id``      the sender's client message id                  take either
``thread_id``       the user id (a DM) or group id the message belongs to
``timestamp``       epoch seconds
``msg_type``        Zalo's message type: ``webchat`` (text), ``chat.photo``, ``share.file``...
``attachments``     a tuple of ``errbot_zalouser.model.Attachment``: ``kind`` (image, video,
                    voice, file, sticker, link, contact, unknown), ``url`` (http(s) or ""),
                    ``path`` (the downloaded file, always inside the account's media folder, or
                    ""), ``mime``, ``size`` (bytes, of the local file), ``name`` (untrusted
                    display text, never a path), ``raw`` (what the listener said of it)
``quote``           the message this one quotes (``errbot_zalouser.model.Quote``: ``msg_id``,
                    ``cli_msg_id``, ``sender_id``, ``sender_name``, ``text``, ``attachments``),
                    or None
``zalouser_event``  the listener's JSON object, as it arrived
==================  ==========================================================================

A reaction (reported by the zca-js engine only) becomes errbot's ``Reaction``: ``reactor`` the
person (an occupant in a group), ``reaction_name`` the zca-js name (``HEART``, ``LIKE``...),
``action`` added or removed, ``timestamp``, and ``reacted_to`` a dict with ``account``,
``thread_id``, ``msg_id`` and ``cli_msg_id`` of the message reacted to.
"""

from __future__ import annotations

from typing import Any

from errbot.backends.base import REACTION_ADDED, REACTION_REMOVED, Message, Person, Reaction, Room

from errbot_zalouser.backend.identifiers import ZaloOccupant, ZaloPerson, ZaloRoom
from errbot_zalouser.model import InboundEvent, InboundReaction


def to_message(event: InboundEvent, account: str, text: str, *, me: ZaloPerson, backend: Any) -> Message:
    """The errbot Message for an admitted event; ``text`` is its body (see the module docstring)."""
    frm, to = _people(event.thread_id, event.is_group, event.sender_id, event.sender_name, event.thread_name,
                      account, me=me, backend=backend)
    extras = {
        "account": account,
        "msg_id": event.msg_id,
        "cli_msg_id": event.cli_msg_id,
        "timestamp": event.timestamp,
        "thread_id": event.thread_id,
        "zalouser_event": dict(event.raw),
        "msg_type": event.msg_type,
        "attachments": event.attachments,
        "quote": event.quote,
    }
    return Message(body=text, frm=frm, to=to, extras=extras)


def mentioned_people(event: InboundEvent, account: str, bot_mentioned: bool, me: ZaloPerson) -> list[ZaloPerson]:
    """Everyone ``event`` mentions, as persons (so ``self.bot_identifier in people`` works), the
    bot too when it was mentioned by its typed name or id: what ``callback_mention`` receives."""
    ids = list(event.mention_ids)
    if bot_mentioned and me.user_id not in ids:
        ids.append(me.user_id)
    return [me if uid == me.user_id else ZaloPerson(uid, "", account) for uid in ids]


def to_reaction(reaction: InboundReaction, account: str, *, me: ZaloPerson, backend: Any) -> Reaction:
    """errbot's Reaction for an admitted one (see the module docstring)."""
    reactor, _ = _people(reaction.thread_id, reaction.is_group, reaction.sender_id, reaction.sender_name, "",
                         account, me=me, backend=backend)
    msg_id, cli_msg_id = reaction.targets[0]
    return Reaction(reactor=reactor, action=REACTION_REMOVED if reaction.removed else REACTION_ADDED,
                    timestamp=str(reaction.timestamp), reaction_name=reaction.name or reaction.code,
                    reacted_to={"account": account, "thread_id": reaction.thread_id, "msg_id": msg_id,
                                "cli_msg_id": cli_msg_id, "targets": reaction.targets})


def _people(thread_id: str, is_group: bool, sender_id: str, sender_name: str, thread_name: str, account: str, *,
            me: ZaloPerson, backend: Any) -> tuple[ZaloPerson, Person | Room]:
    """(who sent it, where it went): an occupant and its room in a group, a person and the bot in a DM."""
    if is_group:
        room = ZaloRoom(thread_id, thread_name, account, backend=backend)
        return ZaloOccupant(sender_id, room, sender_name, account), room
    return ZaloPerson(sender_id, sender_name, account), me
