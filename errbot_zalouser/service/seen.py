"""The messages the bot was shown lately, per thread: what a reaction or a quote may refer to.

Reacting needs a message's ``msgId`` and ``cliMsgId``, and quoting needs its listen line; a
plugin only knows the id it saw. ``SeenMessages`` keeps, for every message that reached Errbot,
its ids and the fields of its line a quote needs (``transport.interface.quoted_line``): the last
``per_thread`` messages of each of the ``threads`` latest threads, so its memory is bounded
(20,000 small records by default). A message is found by either id, within its own thread only.
Thread-safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from errbot_zalouser.model import InboundEvent, Target
from errbot_zalouser.transport.interface import quoted_line

PER_THREAD = 100
THREADS = 200


@dataclass(frozen=True)
class SeenMessage:
    msg_id: str
    cli_msg_id: str
    line: Mapping[str, Any]  # what a quote of it needs


class SeenMessages:
    def __init__(self, per_thread: int = PER_THREAD, threads: int = THREADS) -> None:
        self.per_thread = per_thread
        self.threads = threads
        self._threads: OrderedDict[tuple[str, str], OrderedDict[str, SeenMessage]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, account: str, event: InboundEvent) -> None:
        """Keep ``event`` (a message without both ids cannot be reacted to, nor quoted: skipped)."""
        if not (event.msg_id and event.cli_msg_id):
            return
        seen = SeenMessage(event.msg_id, event.cli_msg_id, quoted_line(event.raw))
        key = (account, event.target.key)
        with self._lock:
            messages = self._threads.pop(key, None) or OrderedDict()
            self._threads[key] = messages
            messages.pop(event.msg_id, None)
            messages[event.msg_id] = seen
            while len(messages) > self.per_thread:
                messages.popitem(last=False)
            while len(self._threads) > self.threads:
                self._threads.popitem(last=False)

    def find(self, account: str, target: Target, message_id: str) -> SeenMessage | None:
        """The message of ``target`` whose msgId or cliMsgId is ``message_id``, if still kept."""
        with self._lock:
            messages = self._threads.get((account, target.key))
            if not messages or not message_id:
                return None
            found = messages.get(message_id)
            if found is None:
                found = next((m for m in messages.values() if m.cli_msg_id == message_id), None)
            return found
