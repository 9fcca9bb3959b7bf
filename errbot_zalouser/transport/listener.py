"""Supervise the long-lived ``zca --profile P listen -r -k`` child and turn its lines into events.

One thread per listener reads the child's stream (``listen_child``: the child under a
pseudo-terminal, its book-keeping, ending it), splits it into lines (bounded in size), tells
what each line is (``listen_lines``), parses each JSON line with ``InboundEvent.from_json``,
drops duplicates and calls ``on_event``. Everything else is a status line, logged and
otherwise ignored, except the ones that say the child connected or lost its connection.

The child is restarted whenever it ends without being asked to: on any exit code
(0, 1, 75, a signal) and when a watchdog recycles it (no output at all for
``stall_seconds``; a ``Listener closed (...)`` line not followed by a reconnect
within ``closed_grace_seconds``; the optional ``recycle_seconds`` age limit). The
wait between restarts grows exponentially (``errbot_zalouser.backoff``) up to ``backoff_max``,
and starts over once a child stayed connected for ``backoff_stable_seconds``.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pexpect

from errbot_zalouser import untrusted
from errbot_zalouser.backoff import Backoff, exponential_backoff
from errbot_zalouser.errors import ZcaNotFound
from errbot_zalouser.model import BadEvent, InboundEvent
from errbot_zalouser.transport import listen_child
from errbot_zalouser.transport.dedupe import RecentMessages
from errbot_zalouser.transport.lines import LineBuffer
from errbot_zalouser.transport.listen_child import READ_SIZE, REAP_WAIT, SHOWN_CHARS, Session, describe_exit
from errbot_zalouser.transport.listen_lines import Line, LineKind, classify, text_lines
from errbot_zalouser.transport.listen_settings import (
    EventCallback,
    ListenerSettings,
    ListenerState,
    ListenerStats,
    StateCallback,
)

__all__ = ["EventCallback", "LineBuffer", "Listener", "ListenerSettings", "ListenerState", "ListenerStats", "Session",
           "StateCallback"]

log = logging.getLogger(__name__)

_POLL = 0.1  # seconds between checks of the stop flag and the watchdogs
_STOP_REASON = "stop requested"


class Listener:
    """Runs and supervises ``<executable> --profile <profile> listen -r -k``.

    ``on_event(event)`` and ``on_state(state, detail)`` are called on the listener's
    own thread: they must return quickly (enqueue the work elsewhere), or they
    delay reading the stream. Exceptions they raise are logged and swallowed.
    ``on_state`` is called on every change of state. ``detail`` is empty for
    routine transitions (spawning, stopping); otherwise it says what happened:
    ``CONNECTED`` how it was detected, ``STARTING`` a ``Listener closed (<code>) ...``
    line, ``BACKOFF`` how the child ended (exit code or signal plus its last status
    line, e.g. ``Error: Profile p: not logged in``, or the watchdog that recycled it).

    ``env`` holds extra environment variables laid over the bot's environment.
    ``clock`` (monotonic seconds, for all windows and the dedupe TTL),
    ``wall_clock`` (epoch seconds, for the stats) and ``backoff`` (``attempt ->
    seconds``) can be replaced in tests.
    """

    def __init__(
        self,
        executable: str,
        profile: str,
        on_event: EventCallback,
        *,
        on_state: StateCallback | None = None,
        settings: ListenerSettings = ListenerSettings(),
        env: Mapping[str, str] | None = None,
        name: str = "default",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
    ) -> None:
        self.executable = executable
        self.profile = profile
        self.name = name
        self.settings = settings
        self._on_event = on_event
        self._on_state = on_state
        self._env = dict(env) if env else None
        self._clock = clock
        self._wall = wall_clock
        self._backoff = backoff or exponential_backoff(settings.backoff_initial, settings.backoff_max)
        self._seen = RecentMessages(settings.dedupe_size, settings.dedupe_ttl, clock)
        self._lock = threading.Lock()
        self._stats = ListenerStats()
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._child: pexpect.spawn[bytes] | None = None
        self._log = log.getChild(name) if name else log

    def __repr__(self) -> str:
        return f"Listener(name={self.name!r}, profile={self.profile!r}, state={self.stats.state.value})"

    # --- public API -------------------------------------------------------------------------

    @property
    def argv(self) -> list[str]:
        """The child's full argv."""
        return [self.executable, "--profile", self.profile, "listen", "-r", "-k"]

    @property
    def stats(self) -> ListenerStats:
        """A consistent snapshot of the counters."""
        with self._lock:
            return self._stats

    @property
    def pid(self) -> int | None:
        """The pid of the running child, or None."""
        return self.stats.pid

    def start(self) -> None:
        """Start the listener thread (and the child). Does nothing if already running."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop_event = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop_event,), name=f"zalouser-listener-{self.name}", daemon=True
            )
            thread = self._thread
        thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the child (SIGTERM, SIGKILL after ``kill_grace``) and the thread. Idempotent.

        Waits up to ``timeout`` seconds for the thread; if it is stuck (in a
        callback), the child's process group is killed anyway.
        """
        with self._lock:
            thread = self._thread
            self._stop_event.set()
        if thread is None:
            return
        if thread is threading.current_thread():
            return  # called from a callback: the loop ends when the callback returns
        thread.join(timeout)
        if thread.is_alive():
            self._log.error("listener thread did not stop within %.1fs; killing the child", timeout)
            with self._lock:
                child = self._child
            if child is not None:
                listen_child.signal_child(child, signal.SIGKILL)
            thread.join(self.settings.kill_grace + REAP_WAIT)
        with self._lock:
            if self._thread is thread and not thread.is_alive():
                self._thread = None

    # --- supervisor loop --------------------------------------------------------------------

    def _run(self, stop: threading.Event) -> None:
        attempt = 0
        first = True
        while not stop.is_set():
            if not first:
                self._update(restarts=self._stats.restarts + 1)
            first = False
            try:
                detail, stable = self._run_child(stop)
            except Exception as exc:  # noqa: BLE001 - keep supervising whatever happens
                self._log.exception("listener %s: internal error", self.name)
                detail, stable = f"internal error: {exc.__class__.__name__}", False
            if stop.is_set():
                break
            attempt = 0 if stable else attempt
            delay = self._backoff(attempt)
            attempt += 1
            self._set_state(ListenerState.BACKOFF, f"{detail}; restarting in {delay:.1f}s")
            if stop.wait(delay):
                break
        self._set_state(ListenerState.STOPPED, "")

    def _run_child(self, stop: threading.Event) -> tuple[str, bool]:
        """Spawn one child, read it until it ends or is recycled; return (detail, was stable)."""
        child = self._spawn()
        if child is None:
            return self._stats.last_error, False
        now = self._clock()
        session = Session(child, now, now, LineBuffer(self.settings.max_line_bytes))
        try:
            reason = self._pump(session, stop)
        finally:
            if stop.is_set():
                self._set_state(ListenerState.STOPPING, "")
            ended = self._clock()
            code = self._finish(session, deliver=not stop.is_set())
        stable = (
            session.connected_since is not None
            and ended - session.connected_since >= self.settings.backoff_stable_seconds
        )
        return self._exit_detail(session, reason, code), stable

    def _spawn(self) -> pexpect.spawn[bytes] | None:
        self._set_state(ListenerState.STARTING, "")
        try:
            child = listen_child.spawn(self.argv, self._env)
        except ZcaNotFound as exc:
            self._log.error("listener %s: %s", self.name, exc)
            self._update(last_error=str(exc), pid=None)
            return None
        with self._lock:
            self._child = child
            self._stats = replace(self._stats, pid=child.pid)
        self._log.info("listener %s: started pid %d", self.name, child.pid)
        return child

    def _pump(self, session: Session, stop: threading.Event) -> str | None:
        """Read until EOF (returns None), a stop request or a watchdog (returns the reason)."""
        while not stop.is_set():
            reason = self._watchdog(session)
            if reason:
                return reason
            try:
                data = session.child.read_nonblocking(READ_SIZE, timeout=_POLL)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                self._flush(session)
                return None
            session.last_output = self._clock()
            self._feed(session, data)
        return _STOP_REASON

    def _watchdog(self, session: Session) -> str | None:
        now = self._clock()
        reason = listen_child.recycle_reason(session, self.settings, now)
        if reason is None and listen_child.assume_connected(session, self.settings, now):
            self._mark_connected(session, "running (no banner; assumed connected)")
        return reason

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
        what = str(obj.get("event", ""))
        session.saw_banner = True
        if what == "connected":
            self._mark_connected(session, "connected (lifecycle)")
        elif what == "closed":
            self._closed(session, f"Listener closed ({obj.get('code', '?')}) {obj.get('reason', '')}".strip())
        elif what == "error":
            message = untrusted.for_log(f"Listener error: {obj.get('message', obj.get('error', ''))}", SHOWN_CHARS)
            session.remember(message)
            self._update(last_error=message)

    def _closed(self, session: Session, text: str) -> None:
        self._log.warning("listener %s: %s", self.name, text)
        session.remember(text)
        session.closed_at = self._clock()
        session.closed_text = text
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

    # --- ending a child -----------------------------------------------------------------------

    def _finish(self, session: Session, *, deliver: bool) -> int | None:
        """End the child (its last output delivered unless stopping); return its exit code."""

        def output(data: bytes | None) -> None:
            if data is None:
                self._flush(session)
            else:
                self._feed(session, data)

        code = listen_child.end(session.child, self.settings.kill_grace, output if deliver else None, self.name)
        with self._lock:
            self._child = None
            self._stats = replace(self._stats, pid=None)
        return code

    def _exit_detail(self, session: Session, reason: str | None, code: int | None) -> str:
        """Log how a child ended and record it; return the text for on_state, e.g. ``exited with
        code N: <last status line>`` (the log also names the error class that line reads as)."""
        what = describe_exit(code)
        if reason == _STOP_REASON:
            self._log.info("listener %s: stopped (%s)", self.name, what)
            self._update(last_exit_code=code)
            return "stopped"
        if reason is not None:
            detail = f"recycled: {reason}"
            self._log.warning("listener %s: %s", self.name, detail)
        elif session.tail:
            last, kind = listen_child.last_words(session, self.argv, code)
            self._log.warning("listener %s: %s (%s): %s", self.name, what, kind, last)
            detail = f"{what}: {last}"
        else:
            detail = what
            self._log.warning("listener %s: %s", self.name, what)
        self._update(last_exit_code=code, last_error=detail)
        return detail

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
