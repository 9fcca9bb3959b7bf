"""Supervise the long-lived ``zca --profile P listen -r -k`` child (``listen -r --supervised
--heartbeat-ms N`` where the binary has it) and turn its lines into events.

One thread per listener reads the child's stream (``listen_child``: the child under a
pseudo-terminal, its book-keeping, ending it), splits it into lines (bounded in size), tells
what each line is (``listen_lines``), parses each JSON line with ``InboundEvent.from_json``,
drops duplicates and calls ``on_event``. Everything else is a status line, logged and
otherwise ignored, except the ones that say the child connected or lost its connection.

The child is restarted whenever it ends without being asked to, and what comes next follows
the tool's own signals (``listen_health``): a planned recycle (exit 75) restarts at once; a
clean end (exit 0 after a close, 143/130 from a signal) after the first backoff step; a lock
held by another listener waits and retries slowly (state WAITING); a logged-out profile is
re-probed slowly (state LOGGED_OUT) and resumes by itself once logged in; anything else is a
fault, and the wait between restarts grows exponentially (``errbot_zalouser.backoff``) up to
``backoff_max``, starting over once a child stayed connected for ``backoff_stable_seconds``.
The watchdog recycles a child that went quiet (missed heartbeats, a close nothing follows, no
output at all). No descendant of a child outlives it (``orphans``).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

import pexpect

from errbot_zalouser.backoff import Backoff, exponential_backoff
from errbot_zalouser.errors import ZcaNotFound
from errbot_zalouser.transport import listen_child, orphans
from errbot_zalouser.transport.dedupe import RecentMessages
from errbot_zalouser.transport.lines import LineBuffer
from errbot_zalouser.transport.listen_child import READ_SIZE, REAP_WAIT, Session
from errbot_zalouser.transport.listen_health import Ending, EndKind, describe_exit, ending
from errbot_zalouser.transport.listen_reading import ListenerLines
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


class Listener(ListenerLines):
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
        first_lock_wait = min(1.0, settings.lock_retry_seconds)
        self._lock_backoff = exponential_backoff(first_lock_wait, settings.lock_retry_seconds)
        self._lock_waits = 0
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
        """The child's full argv: ``--supervised`` (we own the restarts, the tool prints lifecycle
        lines and heartbeats) or ``-k`` (the tool reconnects by itself and recycles every 30 min)."""
        base = [self.executable, "--profile", self.profile, "listen", "-r"]
        if self.settings.supervised:
            return [*base, "--supervised", "--heartbeat-ms", str(round(self.settings.heartbeat_seconds * 1000))]
        return [*base, "-k"]

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
        self._set_state(ListenerState.STARTING, "")  # not STOPPED once start() has returned
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
        self._lock_waits = 0
        restart = False  # whether the next start counts as a restart (not a wait for a lock or a login)
        while not stop.is_set():
            if restart:
                self._update(restarts=self._stats.restarts + 1)
            try:
                end, stable = self._run_child(stop)
            except Exception as exc:  # noqa: BLE001 - keep supervising whatever happens
                self._log.exception("listener %s: internal error", self.name)
                end, stable = Ending(EndKind.FAULT, f"internal error: {exc.__class__.__name__}"), False
            if stop.is_set():
                break
            attempt = 0 if stable else attempt
            state, delay, attempt = self._next_start(end, attempt)
            restart = state is ListenerState.BACKOFF
            verb = "restarting" if restart else "trying again"
            self._set_state(state, f"{end.detail}; {verb} in {delay:.1f}s")
            if stop.wait(delay):
                break
        self._set_state(ListenerState.STOPPED, "")

    def _next_start(self, end: Ending, attempt: int) -> tuple[ListenerState, float, int]:
        """(state while waiting, seconds to wait, next backoff attempt) after ``end``."""
        if end.kind is EndKind.RECYCLE:
            self._update(recycles=self._stats.recycles + 1)
            return ListenerState.BACKOFF, 0.0, 0
        if end.kind is EndKind.LOCKED:  # often a predecessor still winding down: soon, then slowly
            self._lock_waits += 1
            return ListenerState.WAITING, self._lock_backoff(self._lock_waits - 1), attempt
        self._lock_waits = 0
        if end.kind is EndKind.LOGGED_OUT:
            return ListenerState.LOGGED_OUT, self.settings.logged_out_retry_seconds, 0
        if end.kind is EndKind.CLEAN:
            return ListenerState.BACKOFF, self._backoff(0), attempt
        return ListenerState.BACKOFF, self._backoff(attempt), attempt + 1

    def _run_child(self, stop: threading.Event) -> tuple[Ending, bool]:
        """Spawn one child, read it until it ends or is recycled; return (how it ended, was stable)."""
        token = orphans.new_token()
        child = self._spawn(token)
        if child is None:
            return Ending(EndKind.FAULT, self._stats.last_error), False
        now = self._clock()
        session = Session(child, now, now, LineBuffer(self.settings.max_line_bytes), token=token)
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
        return self._ending(session, reason, code), stable

    def _spawn(self, token: str) -> pexpect.spawn[bytes] | None:
        if self._stats.state not in (ListenerState.WAITING, ListenerState.LOGGED_OUT):
            self._set_state(ListenerState.STARTING, "")
        try:
            child = listen_child.spawn(self.argv, self._env, token)
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

    # --- ending a child -----------------------------------------------------------------------

    def _finish(self, session: Session, *, deliver: bool) -> int | None:
        """End the child (its last output delivered unless stopping); return its exit code."""

        def output(data: bytes | None) -> None:
            if data is None:
                self._flush(session)
            else:
                self._feed(session, data)

        code = listen_child.end(session.child, self.settings.kill_grace, output if deliver else None, self.name,
                                session.token)
        with self._lock:
            self._child = None
            self._stats = replace(self._stats, pid=None)
        return code

    def _ending(self, session: Session, reason: str | None, code: int | None) -> Ending:
        """How the child ended (``listen_health.ending``), logged and recorded."""
        if reason == _STOP_REASON:
            self._log.info("listener %s: stopped (%s)", self.name, describe_exit(code))
            self._update(last_exit_code=code)
            return Ending(EndKind.STOPPED, "stopped")
        end = ending(code, list(session.tail), reason, argv=self.argv, closed=session.ever_closed)
        quiet = end.kind in (EndKind.RECYCLE, EndKind.CLEAN)
        self._log.log(logging.INFO if quiet else logging.WARNING, "listener %s: %s", self.name, end.detail)
        self._update(last_exit_code=code, **({} if quiet else {"last_error": end.detail}))
        return end
