"""What the service uses of an account's client, whichever way the account reaches Zalo.

``ZcaClient`` (the `zca` command-line tool, transport/client.py) and ``EngineClient`` (the zca-js
engine, transport/engine/client.py) both provide it, so the outbox, the directory, status and the
access control are written once. ``capabilities`` says what the client can do with a reply
(styles, mentions, splitting, uploads); the service shapes every reply by it and never asks which
client it has (the one exception: it probes the `zca` binary for the CLI clients).
"""

from __future__ import annotations

from typing import Protocol

from errbot_zalouser.model import SendResult, Target, ZaloGroup, ZaloUser
from errbot_zalouser.richtext.styled import StyledText
from errbot_zalouser.transport.capabilities import Capabilities


class ChatClient(Protocol):
    """One Zalo account's directory and sending. Errors are ``ZcaError`` subclasses."""

    @property
    def profile(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    def version(self) -> str: ...

    def is_authenticated(self) -> bool: ...

    def me_info(self) -> ZaloUser: ...

    def friend_list(self) -> list[ZaloUser]: ...

    def friend_find(self, query: str) -> list[ZaloUser]: ...

    def group_list(self) -> list[ZaloGroup]: ...

    def group_members(self, group_id: str) -> list[ZaloUser]: ...

    def send_text(self, target: Target, text: str | StyledText) -> SendResult: ...

    def send_media(self, target: Target, kind: str, url: str, caption: str = "") -> SendResult: ...

    def send_link(self, target: Target, url: str) -> SendResult: ...

    def send_typing(self, target: Target) -> None: ...
