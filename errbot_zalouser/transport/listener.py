"""Supervise the long-lived ``zca --profile P listen -r -k`` child and turn its lines into events.

The child runs under a pseudo-terminal (``pexpect.spawn``) so that it line-buffers
its output instead of block-buffering it; stderr is merged into the same stream.
One thread per listener reads the stream, splits it into lines (bounded in size),
parses each JSON line with ``InboundEvent.from_json``, drops duplicates and calls
``on_event``. Everything else is a status line, logged and otherwise ignored.

The child is restarted whenever it ends without being asked to: on any exit code
(0, 1, 75, a signal) and when a watchdog recycles it (no output at all for
``stall_seconds``; a ``Listener closed (...)`` line not followed by a reconnect
within ``closed_grace_seconds``; the optional ``recycle_seconds`` age limit). The
wait between restarts grows exponentially (``errbot_zalouser.backoff``) up to ``backoff_max``,
and starts over once a child stayed connected for ``backoff_stable_seconds``.

The child leads its own session and process group; stopping signals the whole
group (SIGTERM, then SIGKILL after ``kill_grace``) and reaps it. If the bot dies
without stopping, closing the terminal hangs the child up (SIGHUP).
"""

from __future__ import annotations

import enum
import json
import logging
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pexpect

from errbot_zalouser.backoff import Backoff, exponential_backoff
from errbot_zalouser.errors import classify_failure
from errbot_zalouser.model import BadEvent, InboundEvent
from errbot_zalouser.transport.dedupe import RecentMessages
from errbot_zalouser.transport.lines import LineBuffer
from errbot_zalouser.transport.parsing import strip_ansi
from errbot_zalouser.transport.runner import merged_env, not_found_message, signal_group

log = logging.getLogger(__name__)

_POLL = 0.1  # seconds between checks of the stop flag and the watchdogs
_READ_SIZE = 65536
_REAP_WAIT = 2.0  # after SIGKILL, how long to wait for the kernel to let the child go
_TAIL_LINES = 5
_SHOWN_CHARS = 300
_STOP_REASON = "stop requested"

_CONNECTED = re.compile(r"^Connected to Zalo websocket", re.I)
_LISTENING = re.compile(r"^Listening\.\.\.", re.I)
_CLOSED = re.compile(r"^Listener closed \((-?\d+)\)", re.I)
_LISTENER_ERROR = re.compile(r"^Listener error:", re.I)
_RECYCLE = re.compile(r"^Listener recycle triggered", re.I)
_QUIET = re.compile(r"^(Webhook response:|Webhook failed:|Echo failed:)", re.I)


class ListenerState(enum.Enum):
    """Where the supervised listener child is in its life cycle."""

    STOPPED = "stopped"
    STARTING = "starting"  # child spawned (or reconnecting), not yet known to be connected
    CONNECTED = "connected"
    BACKOFF = "backoff"  # the child ended; waiting before the next start
    STOPPING = "stopping"


@dataclass(frozen=True)
class ListenerSettings:
    """Tunables for one Listener. Times are in seconds; None disables a watchdog."""

    max_line_bytes: int = 1_048_576
    dedupe_ttl: float = 1200.0
    dedupe_size: int = 5000
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    backoff_stable_seconds: float = 60.0
    stall_seconds: float | None = 3600.0
    closed_grace_seconds: float = 30.0
    recycle_seconds: float | None = None
    assume_connected_seconds: float = 3.0
    kill_grace: float = 3.0


@dataclass(frozen=True)
class ListenerStats:
    """A snapshot of one Listener's counters.

    ``lines`` counts every complete line read; ``skipped_lines`` those that were
    neither an event nor a recognised status line (garbage, JSON that is not a
    usable event); ``oversize_lines`` lines discarded for exceeding
    ``max_line_bytes``. ``last_event_at`` and ``connected_at`` are epoch seconds.
    ``last_exit_code`` is negative for a child killed by a signal.
    """

    state: ListenerState = ListenerState.STOPPED
    restarts: int = 0
    last_error: str = ""
    last_exit_code: int | None = None
    lines: int = 0
    events: int = 0
    skipped_lines: int = 0
    oversize_lines: int = 0
    duplicates: int = 0
    last_event_at: float | None = None
    connected_at: float | None = None
    pid: int | None = None


EventCallback = Callable[[InboundEvent], None]
StateCallback = Callable[[ListenerState, str], None]


@dataclass
class _Session:
    """Book-keeping for one child process."""

    child: Any
    started: float
    last_output: float
    lines: LineBuffer
    connected: bool = False
    saw_banner: bool = False
    closed_at: float | None = None
    closed_text: str = ""
    connected_since: float | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=_TAIL_LINES))

    def remember(self, text: str) -> None:
        """Keep a status line for the exit report (the last few only)."""
        self.tail.append(text[:_SHOWN_CHARS])


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
            self._kill_stray_child()
            thread.join(self.settings.kill_grace + _REAP_WAIT)
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
        session = _Session(child, now, now, LineBuffer(self.settings.max_line_bytes))
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
            child = pexpect.spawn(
                self.executable,
                args=self.argv[1:],
                env=merged_env(self._env),
                echo=False,
                encoding=None,
                maxread=_READ_SIZE,
                timeout=None,
                use_poll=True,
                dimensions=(24, 1000),
            )
        except (pexpect.ExceptionPexpect, OSError) as exc:
            message = not_found_message(self.executable, str(exc).strip().rstrip("."))
            self._log.error("listener %s: %s", self.name, message)
            self._update(last_error=message, pid=None)
            return None
        with self._lock:
            self._child = child
            self._stats = replace(self._stats, pid=child.pid)
        self._log.info("listener %s: started pid %d", self.name, child.pid)
        return child

    def _pump(self, session: _Session, stop: threading.Event) -> str | None:
        """Read until EOF (returns None), a stop request or a watchdog (returns the reason)."""
        while not stop.is_set():
            reason = self._watchdog(session)
            if reason:
                return reason
            try:
                data = session.child.read_nonblocking(_READ_SIZE, timeout=_POLL)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                self._flush(session)
                return None
            session.last_output = self._clock()
            self._feed(session, data)
        return _STOP_REASON

    def _watchdog(self, session: _Session) -> str | None:
        cfg = self.settings
        now = self._clock()
        if cfg.stall_seconds is not None and now - session.last_output >= cfg.stall_seconds:
            return f"no output for {cfg.stall_seconds:g}s (stalled)"
        if session.closed_at is not None and now - session.closed_at >= cfg.closed_grace_seconds:
            return f"{session.closed_text} and no reconnect within {cfg.closed_grace_seconds:g}s"
        if cfg.recycle_seconds is not None and now - session.started >= cfg.recycle_seconds:
            return f"periodic recycle after {cfg.recycle_seconds:g}s"
        if (
            not session.connected
            and not session.saw_banner
            and now - session.started >= cfg.assume_connected_seconds
        ):
            self._mark_connected(session, "running (no banner; assumed connected)")
        return None

    # --- lines ------------------------------------------------------------------------------

    def _feed(self, session: _Session, data: bytes) -> None:
        before = session.lines.oversize
        for raw in session.lines.feed(data):
            self._line(session, raw)
        dropped = session.lines.oversize - before
        if dropped:
            self._log.warning(
                "listener %s: discarded %d line(s) longer than %d bytes",
                self.name,
                dropped,
                self.settings.max_line_bytes,
            )
            self._update(
                oversize_lines=self._stats.oversize_lines + dropped, lines=self._stats.lines + dropped
            )

    def _flush(self, session: _Session) -> None:
        rest = session.lines.flush()
        if rest:
            self._line(session, rest)

    def _line(self, session: _Session, raw: bytes) -> None:
        # A bare CR ends a line too (a pty turns "\n" into "\r\n"; some writers end with "\r").
        for piece in raw.split(b"\r"):
            text = strip_ansi(piece.decode("utf-8", errors="replace")).strip().lstrip("\ufeff")
            if text:
                self._text_line(session, text)

    def _text_line(self, session: _Session, text: str) -> None:
        self._update(lines=self._stats.lines + 1)
        if text[0] in "{[":
            try:
                obj = json.loads(text)
            except (ValueError, RecursionError):
                pass
            else:
                self._json_line(session, obj)
                return
        self._status_line(session, text)

    def _json_line(self, session: _Session, obj: Any) -> None:
        if isinstance(obj, dict) and obj.get("kind") == "lifecycle":
            self._lifecycle(session, obj)
            return
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

    def _status_line(self, session: _Session, text: str) -> None:
        shown = text[:_SHOWN_CHARS]
        if _CONNECTED.match(text):
            session.saw_banner = True
            self._log.info("listener %s: %s", self.name, shown)
            self._mark_connected(session, shown)
        elif _LISTENING.match(text):
            session.saw_banner = True
            self._log.debug("listener %s: %s", self.name, shown)
        elif _CLOSED.match(text):
            session.saw_banner = True
            self._closed(session, shown)
        elif _LISTENER_ERROR.match(text):
            self._log.warning("listener %s: %s", self.name, shown)
            session.remember(shown)
            self._update(last_error=shown)
        elif _RECYCLE.match(text):
            self._log.info("listener %s: %s", self.name, shown)
            session.remember(shown)
        elif _QUIET.match(text):
            self._log.debug("listener %s: %s", self.name, shown)
        else:
            self._log.debug("listener %s: ignoring non-JSON line: %s", self.name, shown)
            session.remember(shown)
            self._update(skipped_lines=self._stats.skipped_lines + 1)

    def _lifecycle(self, session: _Session, obj: Mapping[str, Any]) -> None:
        what = str(obj.get("event", ""))
        session.saw_banner = True
        if what == "connected":
            self._mark_connected(session, "connected (lifecycle)")
        elif what == "closed":
            self._closed(session, f"Listener closed ({obj.get('code', '?')}) {obj.get('reason', '')}".strip())
        elif what == "error":
            message = f"Listener error: {obj.get('message', obj.get('error', ''))}"[:_SHOWN_CHARS]
            session.remember(message)
            self._update(last_error=message)

    def _closed(self, session: _Session, text: str) -> None:
        self._log.warning("listener %s: %s", self.name, text)
        session.remember(text)
        session.closed_at = self._clock()
        session.closed_text = text
        session.connected = False
        session.connected_since = None
        self._update(last_error=text)
        self._set_state(ListenerState.STARTING, text)

    def _mark_connected(self, session: _Session, detail: str) -> None:
        session.closed_at = None
        if session.connected:
            return
        session.connected = True
        session.connected_since = self._clock()
        self._update(connected_at=self._wall())
        self._set_state(ListenerState.CONNECTED, detail)

    # --- ending a child -----------------------------------------------------------------------

    def _finish(self, session: _Session, *, deliver: bool) -> int | None:
        """Make sure the child is gone and reaped; return its exit code (-signal if killed)."""
        child = session.child
        if not self._wait_exit(child, 0.5 if child.flag_eof else 0.0):
            self._signal_group(child, signal.SIGTERM)
            self._drain_until_exit(session, self.settings.kill_grace, deliver)
        if child.isalive():
            self._signal_group(child, signal.SIGKILL)
            self._wait_exit(child, _REAP_WAIT)
        if not child.isalive():
            child.delayafterclose = child.ptyproc.delayafterclose = 0.0  # already reaped: no need
            _kill_leftover_group(child.pid)
        try:
            child.close(force=True)
        except Exception as exc:  # noqa: BLE001 - best effort: the group was already killed
            self._log.warning("listener %s: closing pid %d failed: %s", self.name, child.pid, exc)
        with self._lock:
            self._child = None
            self._stats = replace(self._stats, pid=None)
        if child.exitstatus is not None:
            return int(child.exitstatus)
        return -int(child.signalstatus) if child.signalstatus is not None else None

    def _wait_exit(self, child: Any, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while child.isalive():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def _drain_until_exit(self, session: _Session, seconds: float, deliver: bool) -> None:
        """Wait for the child to exit, still reading its output (delivered unless stopping)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                data = session.child.read_nonblocking(_READ_SIZE, timeout=0.05)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                break
            if deliver:
                self._feed(session, data)
        if deliver:
            self._flush(session)
        self._wait_exit(session.child, max(0.0, deadline - time.monotonic()))

    def _signal_group(self, child: Any, sig: int) -> None:
        """Signal the child's process group; only while the child is known not to be reaped."""
        if not child.terminated:
            signal_group(child.pid, sig)

    def _kill_stray_child(self) -> None:
        with self._lock:
            child = self._child
        if child is not None:
            self._signal_group(child, signal.SIGKILL)

    def _exit_detail(self, session: _Session, reason: str | None, code: int | None) -> str:
        """Log how a child ended and record it; return the text for on_state."""
        if reason == _STOP_REASON:
            self._log.info("listener %s: stopped (%s)", self.name, _describe_exit(code))
            self._update(last_exit_code=code)
            return "stopped"
        if reason is not None:
            detail = f"recycled: {reason}"
            self._log.warning("listener %s: %s", self.name, detail)
        else:
            detail = self._describe_end(session, code)
        self._update(last_exit_code=code, last_error=detail)
        return detail

    def _describe_end(self, session: _Session, code: int | None) -> str:
        """``exited with code N: <last status line>``; the log also names the error class."""
        what = _describe_exit(code)
        tail = list(session.tail)
        if not tail:
            self._log.warning("listener %s: %s", self.name, what)
            return what
        kind = type(classify_failure(self.argv, code or 1, "\n".join(tail))).__name__
        self._log.warning("listener %s: %s (%s): %s", self.name, what, kind, tail[-1])
        return f"{what}: {tail[-1]}"

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


def _kill_leftover_group(pgid: int) -> None:
    """SIGKILL what is left of the child's process group once its leader has exited.

    The group id cannot be reused while any member lives, so this reaches only
    the child's own descendants (that did not leave the group); ESRCH means none.
    """
    if pgid == os.getpgrp():
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    log.debug("killed leftover processes of listener group %d", pgid)


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "exited (status unknown)"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"killed by signal {name} (exit code {code})"
    return f"exited with code {code}"
