"""The transport interface the service uses: ``ChatClient``, one Zalo account's client.

``transport.client.ZcaClient`` (the `zca` command-line tool) and ``transport.engine.client.EngineClient``
(the zca-js engine) implement it, and ``tests/transport/test_interface.py`` holds both to every
signature below, so the outbox, the directory, status and the access control are written once
(``service/transports.py`` picks an account's client by its ``engine``). ``MessageSender`` is the
part the send pool calls (``outbound.compose.client_sender``).

Targets are ``model.Target`` values (a user thread, or a group with ``is_group``). Every method
raises ``errors.ZcaError`` subclasses when the transport fails, ``ValueError`` for arguments no
call could carry, and ``errors.NotSupported`` for what the engine cannot do at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from errbot_zalouser.model import FILE_KINDS, SendResult, Target, ZaloGroup, ZaloUser
from errbot_zalouser.richtext.styled import StyledText
from errbot_zalouser.transport.capabilities import Capabilities

__all__ = ["FILE_KINDS", "QUOTE_FIELDS", "ChatClient", "MessageSender", "quoted_line"]

#: What a client reads of a quoted listen line (openzca's ``--reply-message`` and the zca-js engine
#: alike): the thread, the message's ids, type, sender and time, and its text.
QUOTE_FIELDS = ("threadId", "msgId", "cliMsgId", "msgType", "senderId", "chatType", "ts", "timestamp", "ttl",
                "content")
QUOTE_TEXT_CHARS = 2000


def quoted_line(line: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a listen line a quote needs, its text cut to ``QUOTE_TEXT_CHARS``."""
    small = {key: line[key] for key in QUOTE_FIELDS if key in line}
    if isinstance(small.get("content"), str):
        small["content"] = small["content"][:QUOTE_TEXT_CHARS]
    else:
        small.pop("content", None)
    return small


class MessageSender(Protocol):
    """Sending, as the send pool does it: one message (one Zalo request) per call."""

    def send_text(self, target: Target, text: str | StyledText, *,
                  quote: Mapping[str, Any] | None = None) -> SendResult:
        """Text, with the StyledText's styles and mentions. ``quote``: the listen line (as the
        listener printed it) of a message of the same thread this replies to; a client that
        cannot quote sends a plain reply."""
        ...

    def send_media(self, target: Target, kind: str, url: str, caption: str = "") -> SendResult:
        """An http(s) URL as an image, video, voice message or file (``kind``); the caption where
        the kind takes one."""
        ...

    def send_file(self, target: Target, path: str, *, kind: str = "file") -> SendResult:
        """A local file (an absolute path the bot wrote) as one of ``FILE_KINDS``."""
        ...

    def send_link(self, target: Target, url: str) -> SendResult:
        """A link with its preview."""
        ...

    def react(self, target: Target, msg_id: str, cli_msg_id: str, reaction: str) -> None:
        """React to a message of the thread; ``reaction`` is a Zalo code
        (``model.reaction.reaction_code``), ``""`` takes a reaction back."""
        ...


class ChatClient(MessageSender, Protocol):
    """One account's client: its session, its directory and sending. ``capabilities`` says what
    its engine can do with a reply (styles, mentions, splitting, uploads, quotes, reactions); the
    service shapes every reply by it and never asks which client it has. Read-only here: the
    service probes the `zca` binary and sets it on ``ZcaClient``s only; ``EngineClient``
    describes itself."""

    @property
    def profile(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    def version(self) -> str: ...

    def is_authenticated(self) -> bool: ...

    def me_info(self) -> ZaloUser: ...

    def friend_list(self) -> list[ZaloUser]: ...

    def group_list(self) -> list[ZaloGroup]: ...

    def group_members(self, group_id: str) -> list[ZaloUser]: ...
