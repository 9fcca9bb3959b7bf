"""A listener's output turned into events, state changes and counters (no process handling).

``LineReader.feed`` takes raw bytes as read from the child, frames them into bounded lines
(``transport.lines``), and handles each: a JSON message becomes an ``InboundEvent`` (duplicates
dropped), a lifecycle line or a status line (``listener_lines``) updates the session and the
listener's state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from errbot_zalouser import untrusted
from errbot_zalouser.model import BadEvent, InboundEvent
from errbot_zalouser.transport.dedupe import RecentMessages
from errbot_zalouser.transport.listener_lines import (
    NOT_JSON,
    SHOWN_CHARS,
    StatusLine,
    classify_status,
    decode_json,
    is_lifecycle,
    text_pieces,
)
from errbot_zalouser.transport.listener_types import ListenerSettings, ListenerState, StatsBook
from errbot_zalouser.transport.listener_watchdog import Session


class LineReader:
    """Handles the lines of one listener's children, one session at a time."""

    def __init__(
        self,
        book: StatsBook,
        settings: ListenerSettings,
        *,
        set_state: Callable[[ListenerState, str], None],
        emit: Callable[[InboundEvent], None],
        seen: RecentMessages,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        name: str,
        logger: logging.Logger,
    ) -> None:
        self._book = book
        self._settings = settings
        self._set_state = set_state
        self._emit = emit
        self._clock = clock
        self._wall = wall_clock
        self._seen = seen
        self._name = name
        self._log = logger

    def feed(self, session: Session, data: bytes) -> None:
        before = session.lines.oversize
        for raw in session.lines.feed(data):
            self._line(session, raw)
        dropped = session.lines.oversize - before
        if dropped:
            self._log.warning(
                "listener %s: discarded %d line(s) longer than %d bytes",
                self._name,
                dropped,
                self._settings.max_line_bytes,
            )
            self._book.bump(oversize_lines=dropped, lines=dropped)

    def flush(self, session: Session) -> None:
        rest = session.lines.flush()
        if rest:
            self._line(session, rest)

    def mark_connected(self, session: Session, detail: str) -> None:
        session.closed_at = None
        if session.connected:
            return
        session.connected = True
        session.connected_since = self._clock()
        self._book.update(connected_at=self._wall())
        self._set_state(ListenerState.CONNECTED, detail)

    # --- one line ---------------------------------------------------------------------------

    def _line(self, session: Session, raw: bytes) -> None:
        for text in text_pieces(raw):
            self._text_line(session, text)

    def _text_line(self, session: Session, text: str) -> None:
        self._book.bump(lines=1)
        obj = decode_json(text)
        if obj is NOT_JSON:
            self._status_line(session, text)
        else:
            self._json_line(session, obj)

    def _json_line(self, session: Session, obj: Any) -> None:
        if is_lifecycle(obj):
            self._lifecycle(session, obj)
            return
        try:
            event = InboundEvent.from_json(obj)
        except (BadEvent, RecursionError) as exc:  # RecursionError: absurdly nested content
            self._log.debug("listener %s: skipping JSON line: %s", self._name, exc)
            self._book.bump(skipped_lines=1)
            return
        self.mark_connected(session, "receiving events")
        self._deliver(event)

    def _deliver(self, event: InboundEvent) -> None:
        if self._seen.seen_before(event.dedupe_keys):
            self._log.debug("listener %s: duplicate message %s dropped", self._name,
                            event.msg_id or event.dedupe_keys)
            self._book.bump(duplicates=1)
            return
        self._book.bump(events=1)
        self._book.update(last_event_at=self._wall())
        try:
            self._emit(event)
        except Exception:  # noqa: BLE001 - a callback bug must not kill the listener
            self._log.exception("listener %s: on_event callback failed (msgId %s)", self._name, event.msg_id)

    def _status_line(self, session: Session, text: str) -> None:
        shown = untrusted.for_log(text, SHOWN_CHARS)
        kind = classify_status(text)
        if kind is StatusLine.CONNECTED:
            session.saw_banner = True
            self._log.info("listener %s: %s", self._name, shown)
            self.mark_connected(session, shown)
        elif kind is StatusLine.LISTENING:
            session.saw_banner = True
            self._log.debug("listener %s: %s", self._name, shown)
        elif kind is StatusLine.CLOSED:
            session.saw_banner = True
            self._closed(session, shown)
        elif kind is StatusLine.ERROR:
            self._log.warning("listener %s: %s", self._name, shown)
            session.remember(shown)
            self._book.update(last_error=shown)
        elif kind is StatusLine.RECYCLE:
            self._log.info("listener %s: %s", self._name, shown)
            session.remember(shown)
        elif kind is StatusLine.QUIET:
            self._log.debug("listener %s: %s", self._name, shown)
        else:
            self._log.debug("listener %s: ignoring non-JSON line: %s", self._name, shown)
            session.remember(shown)
            self._book.bump(skipped_lines=1)

    def _lifecycle(self, session: Session, obj: Mapping[str, Any]) -> None:
        what = str(obj.get("event", ""))
        session.saw_banner = True
        if what == "connected":
            self.mark_connected(session, "connected (lifecycle)")
        elif what == "closed":
            closed = f"Listener closed ({obj.get('code', '?')}) {obj.get('reason', '')}".strip()
            self._closed(session, untrusted.for_log(closed, SHOWN_CHARS))
        elif what == "error":
            message = untrusted.for_log(f"Listener error: {obj.get('message', obj.get('error', ''))}", SHOWN_CHARS)
            session.remember(message)
            self._book.update(last_error=message)

    def _closed(self, session: Session, text: str) -> None:
        self._log.warning("listener %s: %s", self._name, text)
        session.remember(text)
        session.closed_at = self._clock()
        session.closed_text = text
        session.connected = False
        session.connected_since = None
        self._book.update(last_error=text)
        self._set_state(ListenerState.STARTING, text)
