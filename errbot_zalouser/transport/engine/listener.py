"""``EngineListener``: the CLI ``Listener``'s surface (start, stop, stats, pid, argv, callbacks) over
an ``Engine``'s message events.

Only the constructor differs: it takes the account's ``Engine``, which the ``EngineClient`` shares,
instead of a `zca` executable. Messages are the engine's listen lines parsed by
``InboundEvent.from_json`` and deduplicated as the CLI listener does; reactions (which the CLI
listener never sees) are delivered the same way, as ``InboundReaction`` values. States follow the engine:
STARTING while a child starts or the websocket is reconnecting, CONNECTED once the websocket is
up, BACKOFF while a dead child waits for its restart; LOGGED_OUT instead when the login was
refused (the profile has no valid session), WAITING when another process owns the profile: the
engine then tries again slowly, as the CLI listener does. Restarts, stalls and backoff are the
engine's (``EngineSettings``); of ``ListenerSettings`` only the dedupe window applies.
``stop()`` stops delivery; the engine keeps its session for sending until ``Engine.stop()``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from errbot_zalouser.model import BadEvent, Inbound, InboundEvent, InboundReaction
from errbot_zalouser.transport.dedupe import RecentMessages
from errbot_zalouser.transport.engine.child import printable
from errbot_zalouser.transport.engine.engine import Engine
from errbot_zalouser.transport.listen_settings import (
    EventCallback,
    ListenerSettings,
    ListenerState,
    ListenerStats,
    StateCallback,
)

log = logging.getLogger(__name__)

#: How a child that ended with this error kind is waited for (else BACKOFF).
_WAITING_STATES = {"auth": ListenerState.LOGGED_OUT, "profile_locked": ListenerState.WAITING}


class EngineListener:
    """Delivers one account's inbound messages from its engine. Callbacks run on the engine's reader
    thread and must return quickly; their exceptions are logged and swallowed."""

    def __init__(
        self,
        engine: Engine,
        profile: str,
        on_event: EventCallback,
        *,
        on_state: StateCallback | None = None,
        settings: ListenerSettings = ListenerSettings(),
        name: str = "default",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.profile = profile
        self.name = name
        self.settings = settings
        self._on_event = on_event
        self._on_state = on_state
        self._wall = wall_clock
        self._seen = RecentMessages(settings.dedupe_size, settings.dedupe_ttl, clock)
        self._lock = threading.Lock()
        self._stats = ListenerStats()
        self._unsubscribe: Callable[[], None] | None = None
        self._first_spawn = True

    def __repr__(self) -> str:
        return f"EngineListener(name={self.name!r}, profile={self.profile!r}, state={self.stats.state.value})"

    @property
    def argv(self) -> list[str]:
        """The engine child's argv."""
        return self.engine.argv

    @property
    def stats(self) -> ListenerStats:
        with self._lock:
            return replace(self._stats, pid=self.engine.pid)

    @property
    def pid(self) -> int | None:
        return self.engine.pid

    def start(self) -> None:
        """Start delivering (and the engine, if it is not running). Does nothing if already started."""
        with self._lock:
            if self._unsubscribe is not None:
                return
            self._unsubscribe = self.engine.subscribe(self._on_engine_event)
        connected = self.engine.stats.connected
        self._set_state(ListenerState.CONNECTED if connected else ListenerState.STARTING, "")
        self.engine.set_listening(True)
        self.engine.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop delivering events. Idempotent. (The engine's own stop ends its process.)"""
        with self._lock:
            unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is None:
            return
        self._set_state(ListenerState.STOPPING, "")
        unsubscribe()
        self._set_state(ListenerState.STOPPED, "")

    # --- engine events ---------------------------------------------------------------------------

    def _on_engine_event(self, name: str, body: Mapping[str, Any]) -> None:
        if name == "message":
            self._message(body.get("message"), InboundEvent.from_json)
        elif name == "reaction":
            self._message(body.get("reaction"), InboundReaction.from_json)
        elif name == "connection":
            self._connection(body)
        elif name == "spawned":
            if not self._first_spawn:
                self._bump("restarts")
            self._first_spawn = False
            self._set_state(ListenerState.STARTING, "")
        elif name == "exited":
            state = _WAITING_STATES.get(str(body.get("kind") or ""), ListenerState.BACKOFF)
            verb = "restarting" if state is ListenerState.BACKOFF else "trying again"
            detail = f"{body.get('detail')}; {verb} in {float(body.get('delay') or 0):.1f}s"
            self._update(last_exit_code=body.get("code"), last_error=str(body.get("detail") or ""))
            self._set_state(state, detail)

    def _connection(self, body: Mapping[str, Any]) -> None:
        state = body.get("state")
        if state == "connected":
            self._update(connected_at=self._wall())
            self._set_state(ListenerState.CONNECTED, "connected to the Zalo websocket (zca-js engine)")
            return
        text = f"Listener closed ({body.get('code', '?')}) {printable(str(body.get('reason') or ''), 200)}".strip()
        log.log(logging.WARNING if state == "closed" else logging.INFO, "listener %s: %s", self.name, text)
        self._update(last_error=text)
        self._set_state(ListenerState.STARTING, text)

    def _message(self, obj: Any, parse: Callable[[Any], Inbound]) -> None:
        self._bump("lines")
        try:
            event = parse(obj)
        except (BadEvent, RecursionError) as exc:
            log.debug("listener %s: skipping a message event: %s", self.name, exc)
            self._bump("skipped_lines")
            return
        if self._seen.seen_before(event.dedupe_keys):
            log.debug("listener %s: duplicate message %s dropped", self.name, event.msg_id or event.dedupe_keys)
            self._bump("duplicates")
            return
        self._bump("events")
        self._update(last_event_at=self._wall())
        try:
            self._on_event(event)
        except Exception:  # a callback bug must not stop the engine's reader
            log.exception("listener %s: on_event callback failed (msgId %s)", self.name, event.msg_id)

    # --- state -----------------------------------------------------------------------------------

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._stats = replace(self._stats, **changes)

    def _bump(self, counter: str) -> None:
        with self._lock:
            self._stats = replace(self._stats, **{counter: getattr(self._stats, counter) + 1})

    def _set_state(self, state: ListenerState, detail: str) -> None:
        with self._lock:
            if self._stats.state is state:
                return
            self._stats = replace(self._stats, state=state)
        if self._on_state is None:
            return
        try:
            self._on_state(state, detail)
        except Exception:  # a callback bug must not stop the engine's reader
            log.exception("listener %s: on_state callback failed", self.name)
