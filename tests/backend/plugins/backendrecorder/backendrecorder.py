"""Test-only Errbot plugin for the in-process backend tests (tests/backend/test_backend.py).

It keeps, in memory, every Message errbot hands to ``callback_message``, every
``callback_mention`` and ``callback_reaction``, so a test sees exactly what reached the plugins;
``!ping`` answers ``pong`` so a test can follow a reply back out through ``zca msg send``.
"""

from __future__ import annotations

import threading
from typing import Any

from errbot import BotPlugin, botcmd


class BackendRecorder(BotPlugin):
    """Records callback_message and callback_mention; answers !ping."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messages: list[Any] = []
        self.mentions: list[tuple[Any, list[Any]]] = []
        self.reactions: list[Any] = []
        self.changed = threading.Condition()

    def callback_message(self, msg: Any) -> None:
        with self.changed:
            self.messages.append(msg)
            self.changed.notify_all()

    def callback_mention(self, msg: Any, people: list[Any]) -> None:
        with self.changed:
            self.mentions.append((msg, list(people)))
            self.changed.notify_all()

    def callback_reaction(self, reaction: Any) -> None:
        with self.changed:
            self.reactions.append(reaction)
            self.changed.notify_all()

    @botcmd
    def ping(self, msg: Any, args: str) -> str:
        """Answer pong."""
        return "pong"
