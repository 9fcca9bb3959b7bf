"""One listening session's book-keeping, and the watchdog that decides when to recycle it."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from errbot_zalouser.transport.lines import LineBuffer
from errbot_zalouser.transport.listener_lines import SHOWN_CHARS
from errbot_zalouser.transport.listener_types import ListenerSettings

TAIL_LINES = 5


@dataclass
class Session:
    """Book-keeping for one child process. Times are the listener's monotonic clock."""

    child: Any
    started: float
    last_output: float
    lines: LineBuffer
    connected: bool = False
    saw_banner: bool = False
    closed_at: float | None = None
    closed_text: str = ""
    connected_since: float | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))

    def remember(self, text: str) -> None:
        """Keep a status line for the exit report (the last few only)."""
        self.tail.append(text[:SHOWN_CHARS])

    def assumed_connected(self, settings: ListenerSettings, now: float) -> bool:
        """A child that printed no banner at all is taken as connected after a while."""
        return (not self.connected and not self.saw_banner
                and now - self.started >= settings.assume_connected_seconds)


def recycle_reason(session: Session, settings: ListenerSettings, now: float) -> str | None:
    """Why the session should be recycled now, or None: no output for ``stall_seconds``; a
    ``Listener closed`` line not followed by a reconnect within ``closed_grace_seconds``; the
    optional ``recycle_seconds`` age limit."""
    if settings.stall_seconds is not None and now - session.last_output >= settings.stall_seconds:
        return f"no output for {settings.stall_seconds:g}s (stalled)"
    if session.closed_at is not None and now - session.closed_at >= settings.closed_grace_seconds:
        return f"{session.closed_text} and no reconnect within {settings.closed_grace_seconds:g}s"
    if settings.recycle_seconds is not None and now - session.started >= settings.recycle_seconds:
        return f"periodic recycle after {settings.recycle_seconds:g}s"
    return None
