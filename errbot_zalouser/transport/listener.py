"""Supervise the long-lived ``zca --profile P listen -r -k`` child and turn its lines into events.

One thread per listener reads the child's output (``listener_child``: a pseudo-terminal, stderr
merged), splits it into lines (bounded in size), parses each JSON line with
``InboundEvent.from_json``, drops duplicates and calls ``on_event``. Everything else is a status
line (``listener_lines``), logged and otherwise ignored.

The child is restarted whenever it ends without being asked to: on any exit code
(0, 1, 75, a signal) and when the watchdog (``listener_watchdog``) recycles it (no output at all
for ``stall_seconds``; a ``Listener closed (...)`` line not followed by a reconnect within
``closed_grace_seconds``; the optional ``recycle_seconds`` age limit). The wait between restarts
grows exponentially (``errbot_zalouser.backoff``) up to ``backoff_max``, and starts over once a
child stayed connected for ``backoff_stable_seconds``.

The child leads its own session and process group; stopping signals the whole group (SIGTERM,
then SIGKILL after ``kill_grace``) and reaps it. If the bot dies without stopping, closing the
terminal hangs the child up (SIGHUP).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from errbot_zalouser.backoff import Backoff, exponential_backoff
from errbot_zalouser.errors import classify_failure
from errbot_zalouser.transport import listener_child as child_process
from errbot_zalouser.transport.dedupe import RecentMessages
from errbot_zalouser.transport.lines import LineBuffer
from errbot_zalouser.transport.listener_reader import LineReader
from errbot_zalouser.transport.listener_types import (
    EventCallback,
    ListenerSettings,
    ListenerState,
    ListenerStats,
    StateCallback,
    StatsBook,
)
from errbot_zalouser.transport.listener_watchdog import Session, recycle_reason

__all__ = [
    "EventCallback",
    "LineBuffer",
    "Listener",
    "ListenerSettings",
    "ListenerState",
    "ListenerStats",
    "StateCallback",
]

log = logging.getLogger(__name__)

_POLL = 0.1  # seconds between checks of the stop flag and the watchdogs
_STOP_REASON = "stop requested"

_Session = Session  # the name tests and benchmarks use to feed lines without a child


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
        self._lock = threading.Lock()
        self._book = StatsBook()
        self._reader = LineReader(
            self._book, settings, set_state=self._set_state, emit=lambda event: self._on_event(event),
            seen=RecentMessages(settings.dedupe_size, settings.dedupe_ttl, clock), clock=clock,
            wall_clock=wall_clock, name=name, logger=log.getChild(name) if name else log,
        )
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._child: Any = None
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
        return self._book.snapshot

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
            self._kill_stray_child()
            thread.join(self.settings.kill_grace + child_process.REAP_WAIT)
        with self._lock:
            if self._thread is thread and not thread.is_alive():
                self._thread = None

    # --- supervisor loop --------------------------------------------------------------------

    def _run(self, stop: threading.Event) -> None:
        attempt = 0
        first = True
        while not stop.is_set():
            if not first:
                self._book.bump(restarts=1)
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
            return self._book.snapshot.last_error, False
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

    def _spawn(self) -> Any:
        self._set_state(ListenerState.STARTING, "")
        try:
            child = child_process.spawn(self.executable, self.argv[1:], self._env)
        except child_process.SpawnFailed as exc:
            self._log.error("listener %s: %s", self.name, exc)
            self._update(last_error=str(exc), pid=None)
            return None
        with self._lock:
            self._child = child
        self._book.update(pid=child.pid)
        self._log.info("listener %s: started pid %d", self.name, child.pid)
        return child

    def _pump(self, session: Session, stop: threading.Event) -> str | None:
        """Read until EOF (returns None), a stop request or a watchdog (returns the reason)."""
        while not stop.is_set():
            reason = self._watchdog(session)
            if reason:
                return reason
            data = child_process.read(session.child, _POLL)
            if data is None:
                self._flush(session)
                return None
            if not data:
                continue
            session.last_output = self._clock()
            self._feed(session, data)
        return _STOP_REASON

    def _watchdog(self, session: Session) -> str | None:
        now = self._clock()
        reason = recycle_reason(session, self.settings, now)
        if reason is None and session.assumed_connected(self.settings, now):
            self._mark_connected(session, "running (no banner; assumed connected)")
        return reason

    # --- lines (handled by the LineReader) ---------------------------------------------------

    def _feed(self, session: Session, data: bytes) -> None:
        self._reader.feed(session, data)

    def _flush(self, session: Session) -> None:
        self._reader.flush(session)

    def _mark_connected(self, session: Session, detail: str) -> None:
        self._reader.mark_connected(session, detail)

    # --- ending a child -----------------------------------------------------------------------

    def _finish(self, session: Session, *, deliver: bool) -> int | None:
        """Make sure the child is gone and reaped; return its exit code (-signal if killed)."""

        def on_data(data: bytes) -> None:
            if data:
                self._feed(session, data)
            else:
                self._flush(session)

        code = child_process.finish(session.child, self.settings.kill_grace, on_data if deliver else None, self.name)
        with self._lock:
            self._child = None
        self._book.update(pid=None)
        return code

    def _kill_stray_child(self) -> None:
        with self._lock:
            child = self._child
        if child is not None:
            child_process.signal_child_group(child, signal.SIGKILL)

    def _exit_detail(self, session: Session, reason: str | None, code: int | None) -> str:
        """Log how a child ended and record it; return the text for on_state."""
        if reason == _STOP_REASON:
            self._log.info("listener %s: stopped (%s)", self.name, child_process.describe_exit(code))
            self._update(last_exit_code=code)
            return "stopped"
        if reason is not None:
            detail = f"recycled: {reason}"
            self._log.warning("listener %s: %s", self.name, detail)
        else:
            detail = self._describe_end(session, code)
        self._update(last_exit_code=code, last_error=detail)
        return detail

    def _describe_end(self, session: Session, code: int | None) -> str:
        """``exited with code N: <last status line>``; the log also names the error class."""
        what = child_process.describe_exit(code)
        tail = list(session.tail)
        if not tail:
            self._log.warning("listener %s: %s", self.name, what)
            return what
        kind = type(classify_failure(self.argv, code or 1, "\n".join(tail))).__name__
        self._log.warning("listener %s: %s (%s): %s", self.name, what, kind, tail[-1])
        return f"{what}: {tail[-1]}"

    # --- state and stats ------------------------------------------------------------------------

    def _update(self, **changes: Any) -> None:
        self._book.update(**changes)

    def _set_state(self, state: ListenerState, detail: str) -> None:
        if not self._book.swap_state(state):
            return
        self._log.debug("listener %s: state %s (%s)", self.name, state.value, detail)
        if self._on_state is None:
            return
        try:
            self._on_state(state, detail)
        except Exception:  # noqa: BLE001 - a callback bug must not kill the listener
            self._log.exception("listener %s: on_state callback failed", self.name)
