"""The listener's reading half: the child's output turned into events, state and counters.

``ListenerLines`` is the base of ``transport.listener.Listener``: framed lines (bounded in size)
are classified (``listen_lines``); a JSON message becomes an ``InboundEvent`` (duplicates
dropped) handed to ``on_event``; a ``--supervised`` lifecycle line or a status line updates the
session (connected, closed, heartbeat) and the state. Nothing here starts or ends a process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from errbot_zalouser import untrusted
from errbot_zalouser.model import BadEvent, InboundEvent
from errbot_zalouser.transport.dedupe import RecentMessages
from errbot_zalouser.transport.listen_child import SHOWN_CHARS, Session
from errbot_zalouser.transport.listen_health import close_code, is_heartbeat
from errbot_zalouser.transport.listen_lines import Line, LineKind, classify, text_lines
from errbot_zalouser.transport.listen_settings import (
    EventCallback,
    ListenerSettings,
    ListenerState,
    ListenerStats,
    StateCallback,
)


class ListenerLines:
    """Line handling over the listener's counters; the subclass runs the child."""

    name: str
    settings: ListenerSettings
    _on_event: EventCallback
    _on_state: StateCallback | None
    _clock: Callable[[], float]
    _wall: Callable[[], float]
    _seen: RecentMessages
    _lock: threading.Lock
    _stats: ListenerStats
    _log: logging.Logger

    # --- lines ------------------------------------------------------------------------------

    def _feed(self, session: Session, data: bytes) -> None:
        before = session.lines.oversize
        for raw in session.lines.feed(data):
            self._line(session, raw)
        dropped = session.lines.oversize - before
        if dropped:
            self._log.warning("listener %s: discarded %d line(s) longer than %d bytes",
                              self.name, dropped, self.settings.max_line_bytes)
            self._update(oversize_lines=self._stats.oversize_lines + dropped, lines=self._stats.lines + dropped)

    def _flush(self, session: Session) -> None:
        rest = session.lines.flush()
        if rest:
            self._line(session, rest)

    def _line(self, session: Session, raw: bytes) -> None:
        for text in text_lines(raw):
            self._update(lines=self._stats.lines + 1)
            line = classify(text)
            if line.kind is LineKind.JSON:
                self._json_line(session, line.value)
            elif line.kind is LineKind.LIFECYCLE:
                self._lifecycle(session, line.value)
            else:
                self._status_line(session, line)

    def _json_line(self, session: Session, obj: Any) -> None:
        try:
            event = InboundEvent.from_json(obj)
        except (BadEvent, RecursionError) as exc:  # RecursionError: absurdly nested content
            self._log.debug("listener %s: skipping JSON line: %s", self.name, exc)
            self._update(skipped_lines=self._stats.skipped_lines + 1)
            return
        self._mark_connected(session, "receiving events")
        self._deliver(event)

    def _deliver(self, event: InboundEvent) -> None:
        if self._seen.seen_before(event.dedupe_keys):
            self._log.debug("listener %s: duplicate message %s dropped", self.name, event.msg_id or event.dedupe_keys)
            self._update(duplicates=self._stats.duplicates + 1)
            return
        self._update(events=self._stats.events + 1, last_event_at=self._wall())
        try:
            self._on_event(event)
        except Exception:  # noqa: BLE001 - a callback bug must not kill the listener
            self._log.exception("listener %s: on_event callback failed (msgId %s)", self.name, event.msg_id)

    def _status_line(self, session: Session, line: Line) -> None:
        shown = untrusted.for_log(line.text, SHOWN_CHARS)
        kind = line.kind
        if kind is LineKind.CONNECTED:
            session.saw_banner = True
            self._log.info("listener %s: %s", self.name, shown)
            self._mark_connected(session, shown)
        elif kind is LineKind.LISTENING:
            session.saw_banner = True
            self._log.debug("listener %s: %s", self.name, shown)
        elif kind is LineKind.CLOSED:
            session.saw_banner = True
            self._closed(session, shown)
        elif kind is LineKind.LISTENER_ERROR:
            self._log.warning("listener %s: %s", self.name, shown)
            session.remember(shown)
            self._update(last_error=shown)
        elif kind is LineKind.RECYCLE:
            self._log.info("listener %s: %s", self.name, shown)
            session.remember(shown)
        elif kind is LineKind.QUIET:
            self._log.debug("listener %s: %s", self.name, shown)
        else:
            self._log.debug("listener %s: ignoring non-JSON line: %s", self.name, shown)
            session.remember(shown)
            self._update(skipped_lines=self._stats.skipped_lines + 1)

    def _lifecycle(self, session: Session, obj: Mapping[str, Any]) -> None:
        """A ``--supervised`` lifecycle line; fields we do not know, and events we do not know, are
        ignored (a newer tool may add them)."""
        what = str(obj.get("event", ""))
        session.saw_banner = True
        if is_heartbeat(obj):
            session.last_heartbeat = self._clock()
            self._update(heartbeat_at=self._wall())
        elif what == "connected":
            self._mark_connected(session, "connected (lifecycle)")
        elif what == "closed":
            closed = f"Listener closed ({obj.get('code', '?')}) {obj.get('reason', '')}".strip()
            self._closed(session, untrusted.for_log(closed, SHOWN_CHARS))
        elif what == "error":
            message = untrusted.for_log(f"Listener error: {obj.get('message', obj.get('error', ''))}", SHOWN_CHARS)
            session.remember(message)
            self._update(last_error=message)

    def _closed(self, session: Session, text: str) -> None:
        self._log.warning("listener %s: %s", self.name, text)
        session.remember(text)
        if session.closed_at is None:  # the plain line and the lifecycle line report one close
            session.closed_at = self._clock()
        session.closed_text = text
        session.closed_code = close_code(text)
        session.ever_closed = True
        session.connected = False
        session.connected_since = None
        self._update(last_error=text)
        self._set_state(ListenerState.STARTING, text)

    def _mark_connected(self, session: Session, detail: str) -> None:
        session.closed_at = None
        if session.connected:
            return
        session.connected = True
        session.connected_since = self._clock()
        self._update(connected_at=self._wall())
        self._set_state(ListenerState.CONNECTED, detail)

    # --- state and stats ------------------------------------------------------------------------

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._stats = replace(self._stats, **changes)

    def _set_state(self, state: ListenerState, detail: str) -> None:
        with self._lock:
            if self._stats.state is state:
                return
            self._stats = replace(self._stats, state=state)
        self._log.debug("listener %s: state %s (%s)", self.name, state.value, detail)
        if self._on_state is None:
            return
        try:
            self._on_state(state, detail)
        except Exception:  # noqa: BLE001 - a callback bug must not kill the listener
            self._log.exception("listener %s: on_state callback failed", self.name)
