"""Supervising one account's engine process and speaking its protocol.

``Engine`` starts the child (lazily, on the first request or ``start()``), correlates requests
and responses by id, routes events to subscribers, and restarts a child that dies, stalls or
never says hello, with the project's capped exponential backoff. What it guarantees a caller:

* a request that was never written to a logged-in engine fails with ``EngineUnavailable`` (not
  sent); one that was written but got no answer fails with ``ZcaTimeout``, or ``EngineLost`` when
  the child died first (unknown whether sent); a response is turned into a result or the typed
  error its kind names (protocol.error_for);
* lines that are not protocol objects, responses to unknown ids, events with unknown fields or
  names are logged and counted (``stats``), never raised;
* stderr lines are logged (control characters removed: they may quote Zalo).

Subscribers (``subscribe``) get ``(name, body)`` on the stdout reader thread for the engine's
``message``, ``reaction``, ``undo`` and ``connection`` events, and for two of the supervisor's
own: ``spawned`` ``{pid}`` and ``exited`` ``{detail, code, delay, kind}`` (``kind``: the error
kind that ended the child, "" for none). They must return quickly.

A child that ended because its login was refused (``auth``: the profile is logged out) is
started again after ``logged_out_retry_seconds``, one whose profile another process owns
(``profile_locked``) after waits growing from 1 s to ``lock_retry_seconds``: neither is a fault
that a quick restart mends.

(Over 400 lines: the supervisor loop, the request path and the line handlers all read and change
one child generation and one state under one lock; kept in one class so that lock stays visible.)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from errbot_zalouser.backoff import Backoff, exponential_backoff
from errbot_zalouser.errors import EngineLost, EngineUnavailable, ZcaError, ZcaTimeout
from errbot_zalouser.transport.engine import protocol
from errbot_zalouser.transport.engine.child import EngineChild, kill_stray, printable
from errbot_zalouser.transport.engine.pending import Pending, PendingTable
from errbot_zalouser.transport.engine.protocol import BadLine, Event, Response, WireError
from errbot_zalouser.transport.engine.settings import EngineSettings, EngineState, EngineStats, child_env

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = ["Engine", "EngineSettings", "EngineState", "EngineStats"]

_POLL = 0.1
_TERMINAL = frozenset({"auth", "profile_locked", "not_installed", "bad_request"})  # a restart will not help soon
_FORWARDED = frozenset({"message", "reaction", "undo", "connection"})
_LOUD_LIMIT = 20  # bad lines logged as warnings before they drop to debug


class Engine:
    """One engine child per account profile, restarted as needed. Thread-safe."""

    def __init__(
        self,
        profile: str,
        settings: EngineSettings,
        *,
        name: str = "default",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
    ) -> None:
        self.profile = profile
        self.settings = settings
        self.name = name
        self._clock = clock
        self._wall = wall_clock
        self._backoff = backoff or exponential_backoff(settings.backoff_initial, settings.backoff_max)
        self._lock_backoff = exponential_backoff(min(1.0, settings.lock_retry_seconds), settings.lock_retry_seconds)
        self._cond = threading.Condition()
        self._stats = EngineStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._child: EngineChild | None = None
        self._generation = 0
        self._hello: Mapping[str, Any] | None = None
        self._fatal: WireError | None = None
        self._pending = PendingTable()
        self._subscribers: list[Callable[[str, Mapping[str, Any]], None]] = []
        self._listening = False
        self._last_line = 0.0
        self._loud = 0

    def __repr__(self) -> str:
        return f"Engine(name={self.name!r}, profile={self.profile!r}, state={self.stats.state.value})"

    # --- public API ----------------------------------------------------------------------------

    @property
    def argv(self) -> list[str]:
        return [self.settings.node, self.settings.script]

    @property
    def stats(self) -> EngineStats:
        with self._cond:
            return self._stats

    @property
    def pid(self) -> int | None:
        return self.stats.pid

    @property
    def hello(self) -> Mapping[str, Any] | None:
        with self._cond:
            return self._hello

    def start(self) -> None:
        """Start supervising (spawns the child). Does nothing if already running."""
        with self._cond:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stop,), daemon=True,
                                            name=f"zalouser-engine-{self.name}")
            thread = self._thread
        thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """End the child (stdin closed, SIGTERM, SIGKILL) and the supervisor. Idempotent."""
        with self._cond:
            thread = self._thread
            self._stop.set()
            self._cond.notify_all()
        if thread is None or thread is threading.current_thread():
            return
        thread.join(timeout + self.settings.kill_grace)
        if thread.is_alive():
            log.error("engine %s: supervisor did not stop within %.1fs; killing the child", self.name, timeout)
            pid = self.pid
            if pid:
                kill_stray(pid)
            thread.join(5.0)
        with self._cond:
            if self._thread is thread and not thread.is_alive():
                self._thread = None

    def subscribe(self, callback: Callable[[str, Mapping[str, Any]], None]) -> Callable[[], None]:
        """Receive events (see the module docstring); returns the function that unsubscribes."""
        with self._cond:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._cond:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def set_listening(self, wanted: bool) -> None:
        """Whether the websocket should run: asked of every child once it is logged in."""
        with self._cond:
            changed = wanted and not self._listening
            self._listening = wanted
            ready = self._stats.state is EngineState.READY
        if changed and ready:
            self._send_listen()

    def wait_hello(self, timeout: float) -> Mapping[str, Any]:
        """The current child's hello (starting it if needed); raises what prevents it."""
        self.start()
        return self._wait(lambda: self._hello, timeout, "did not start")

    def wait_ready(self, timeout: float, *, any_failure: bool = False) -> int:
        """Wait for a logged-in child; return its generation. Raises the reason it is not ready:
        at once for failures a restart will not mend soon (refused credentials, a busy profile, a
        missing install), and with ``any_failure`` for any failed start (a login that timed out)."""
        self.start()
        return self._wait(lambda: self._generation if self._stats.state is EngineState.READY else None,
                          timeout, "is not logged in", any_failure)

    def call(self, op: str, args: Mapping[str, Any] | None = None, *, timeout: float) -> Mapping[str, Any]:
        """Send one request and wait for its result; raises the typed error (see module docstring)."""
        deadline = self._clock() + timeout
        generation = self.wait_ready(timeout)
        remaining = max(0.05, deadline - self._clock())
        engine_limit = max(1, int((remaining - min(1.0, remaining * 0.1)) * 1000))
        pending = self._submit(op, {**(args or {}), "timeoutMs": engine_limit}, generation)
        if not pending.done.wait(max(0.0, deadline - self._clock())):
            self._pending.take(pending.request_id)
            self._bump("timeouts")
            raise ZcaTimeout(f"zca-js engine {op}: no answer within {timeout:g}s; unknown whether it was sent",
                             argv=("zca-js", op))
        if pending.lost:
            raise EngineLost(f"zca-js engine {op}: {pending.lost}; unknown whether it was sent", argv=("zca-js", op))
        response = pending.response
        assert response is not None
        if response.ok:
            return response.result
        assert response.error is not None
        raise protocol.error_for(op, response.error)

    # --- requests --------------------------------------------------------------------------------

    def _submit(self, op: str, args: Mapping[str, Any], generation: int,
                callback: Callable[[Pending], None] | None = None) -> Pending:
        with self._cond:
            child = self._child if self._generation == generation else None
        if child is None:
            raise EngineUnavailable(f"zca-js engine {op}: the engine restarted; not sent", argv=("zca-js", op))
        pending = self._pending.add(op, generation, callback)
        self._bump("requests")
        if not child.send(protocol.encode_request(pending.request_id, op, args)):
            self._pending.take(pending.request_id)
            raise EngineUnavailable(f"zca-js engine {op}: the engine is not reading; not sent", argv=("zca-js", op))
        return pending

    def _send_listen(self) -> None:
        with self._cond:
            generation = self._generation

        def done(pending: Pending) -> None:
            response = pending.response
            if pending.lost or response is None or not response.ok:
                why = pending.lost or (response.error.message if response and response.error else "no answer")
                log.warning("engine %s: starting the listener failed: %s", self.name, printable(why))

        try:
            self._submit("listen", {}, generation, done)
        except ZcaError as exc:
            log.warning("engine %s: could not ask for the listener: %s", self.name, exc)

    def _wait(self, probe: Callable[[], T | None], timeout: float, what: str, any_failure: bool = False) -> T:
        deadline = self._clock() + timeout
        with self._cond:
            while True:
                value = probe()
                if value is not None:
                    return value
                if self._stop.is_set():
                    raise EngineUnavailable(f"zca-js engine {self.name} is stopped; not sent", argv=("zca-js",))
                fatal = self._fatal
                if fatal is not None and (any_failure or fatal.kind in _TERMINAL) and (
                    self._stats.state is EngineState.BACKOFF
                ):
                    raise protocol.error_for("start", fatal)
                left = deadline - self._clock()
                if left <= 0:
                    detail = f" ({self._stats.last_error})" if self._stats.last_error else ""
                    raise EngineUnavailable(f"zca-js engine {self.name} {what} within {timeout:g}s{detail}; not sent",
                                            argv=("zca-js",))
                self._cond.wait(min(left, _POLL))

    def _fail_pending(self, generation: int, why: str) -> None:
        lost = self._pending.take_generation(generation)
        self._bump("lost", len(lost))
        for pending in lost:
            pending.lost = why
            pending.finish()

    # --- supervisor ------------------------------------------------------------------------------

    def _run(self, stop: threading.Event) -> None:
        attempt = locked = 0
        while not stop.is_set():
            ready_for = self._run_child(stop)
            if stop.is_set():
                break
            attempt = 0 if ready_for >= self.settings.backoff_stable_seconds else attempt
            with self._cond:
                detail, code = self._stats.last_error, self._stats.last_exit_code
                kind = self._fatal.kind if self._fatal is not None else ""
            locked = locked + 1 if kind == "profile_locked" else 0
            if kind == "auth":
                delay = self.settings.logged_out_retry_seconds
            elif locked:
                delay = self._lock_backoff(locked - 1)
            else:
                delay, attempt = self._backoff(attempt), attempt + 1
            self._set_state(EngineState.BACKOFF)
            log.warning("engine %s: %s; restarting in %.1fs", self.name, detail, delay)
            self._notify("exited", {"detail": detail, "code": code, "delay": delay, "kind": kind})
            if stop.wait(delay):
                break
        self._set_state(EngineState.STOPPED)

    def _run_child(self, stop: threading.Event) -> float:
        """Run one child until it ends or is ended; return how long it was logged in."""
        with self._cond:
            self._generation += 1
            generation = self._generation
            self._hello = None
            self._fatal = None
        child = EngineChild(
            self.argv, child_env(self.profile, self.settings),
            on_line=lambda raw: self._on_line(generation, raw),
            on_stderr=self._on_stderr,
            on_oversize=self._on_oversize,
            max_line_bytes=self.settings.max_line_bytes,
            name=self.name,
        )
        self._set_state(EngineState.STARTING)
        try:
            pid = child.start()
        except ZcaError as exc:
            with self._cond:
                self._fatal = WireError("not_installed", str(exc))
            self._update(last_error=str(exc), pid=None)
            return 0.0
        started = self._clock()
        with self._cond:
            self._child = child
            self._last_line = started
            self._stats = replace(self._stats, pid=pid, starts=self._stats.starts + 1, connected=False)
        log.info("engine %s: started pid %d (profile %s)", self.name, pid, self.profile)
        self._notify("spawned", {"pid": pid})
        reason, ready_at = self._watch(child, stop, started)
        code = child.end(self.settings.kill_grace)
        with self._cond:
            self._child = None
            self._stats = replace(self._stats, pid=None, connected=False, last_exit_code=code)
        why = reason or self._exit_detail(code)
        with self._cond:
            if ready_at is None and self._fatal is None:  # so that waiters see this start failed
                self._fatal = WireError("internal", why)
        self._fail_pending(generation, f"the engine ended ({why})")
        if stop.is_set():
            log.info("engine %s: stopped (exit code %s)", self.name, code)
            return 0.0
        self._update(last_error=why)
        return self._clock() - ready_at if ready_at is not None else 0.0

    def _watch(self, child: EngineChild, stop: threading.Event, started: float) -> tuple[str, float | None]:
        """Wait for the child to exit, for stop, or for a watchdog. Returns why it is being ended
        ("" when it exited by itself) and when it was first seen logged in."""
        cfg = self.settings
        ready_at: float | None = None
        while not stop.wait(_POLL):
            if child.poll() is not None:
                return "", ready_at
            now = self._clock()
            state = self.stats.state
            if state is EngineState.READY and ready_at is None:
                ready_at = now
            if state is EngineState.STARTING and now - started > cfg.start_timeout:
                return f"no hello within {cfg.start_timeout:g}s", ready_at
            if state is EngineState.LOGGING_IN and now - started > cfg.start_timeout + cfg.login_timeout:
                return f"no login result within {cfg.login_timeout:g}s", ready_at
            if state is EngineState.READY and now - self._last_line > cfg.stall_seconds:
                return f"silent for {cfg.stall_seconds:g}s (stalled)", ready_at
        self._set_state(EngineState.STOPPING)
        return "stop requested", ready_at

    def _exit_detail(self, code: int | None) -> str:
        with self._cond:
            fatal = self._fatal
        what = f"exited with code {code}" if code is not None and code >= 0 else f"killed by signal {-(code or 0)}"
        return f"engine {what}: {fatal.message}" if fatal else f"engine {what}"

    # --- lines from the child ----------------------------------------------------------------------

    def _on_line(self, generation: int, raw: bytes) -> None:
        self._last_line = self._clock()
        self._update(last_output_at=self._wall())
        line = protocol.decode_line(raw)
        if isinstance(line, BadLine):
            self._count_bad(f"{line.reason}: {printable(line.sample, 120)!r}")
        elif isinstance(line, Response):
            self._on_response(line)
        else:
            self._on_event(generation, line)

    def _on_response(self, response: Response) -> None:
        if response.unknown_fields:
            self._unknown_fields(f"response {response.request_id}", response.unknown_fields)
        pending = self._pending.take(response.request_id)
        self._bump("responses" if pending else "unknown_ids")
        if pending is None:
            log.warning("engine %s: response to an unknown request id %s (timed out earlier?)", self.name,
                        printable(response.request_id, 100))
            return
        pending.response = response
        pending.finish()

    def _on_event(self, generation: int, event: Event) -> None:
        with self._cond:
            current = generation == self._generation
        if not current:
            log.debug("engine %s: ignoring a %s event from an earlier child", self.name, printable(event.name, 60))
            return
        if event.unknown_fields:
            self._unknown_fields(f"event {event.name}", event.unknown_fields)
        handler = getattr(self, f"_event_{event.name}", None)
        if handler is not None:
            handler(event.body)
        elif not event.known:
            self._bump("unknown_events")
            log.warning("engine %s: ignoring an unknown event %s", self.name, printable(event.name, 60))
        if event.name in _FORWARDED:
            self._notify(event.name, event.body)

    def _event_hello(self, body: Mapping[str, Any]) -> None:
        with self._cond:
            self._hello = body
        self._set_state(EngineState.LOGGING_IN)
        log.info("engine %s: zca-js %s on Node %s, logging in", self.name, printable(str(body.get("zcaJs")), 40),
                 printable(str(body.get("node")), 40))

    def _event_login(self, body: Mapping[str, Any]) -> None:
        self._update(user_id=str(body.get("userId") or ""))
        self._set_state(EngineState.READY)
        log.info("engine %s: logged in as %s", self.name, printable(str(body.get("userId")), 40))
        with self._cond:
            listening = self._listening
        if listening:
            self._send_listen()

    def _event_fatal(self, body: Mapping[str, Any]) -> None:
        error = WireError.from_json(body.get("error"))
        with self._cond:
            self._fatal = error
        log.error("engine %s: %s", self.name, printable(error.message))

    def _event_connection(self, body: Mapping[str, Any]) -> None:
        self._update(connected=body.get("state") == "connected")

    def _event_late(self, body: Mapping[str, Any]) -> None:
        outcome = "was delivered after all" if body.get("ok") is True else "failed in the end"
        log.warning("engine %s: request %s (%s), which timed out, %s", self.name, printable(str(body.get("id")), 40),
                    printable(str(body.get("op")), 40), outcome)

    def _event_protocol_error(self, body: Mapping[str, Any]) -> None:
        self._bump("protocol_errors")
        log.warning("engine %s: the engine rejected a request line: %s", self.name, printable(str(body.get("message"))))

    def _on_stderr(self, text: str) -> None:
        self._bump("stderr_lines")
        shown = printable(text)
        if shown.strip():
            log.info("engine %s stderr: %s", self.name, shown)

    def _on_oversize(self) -> None:
        self._bump("oversize_lines")
        log.warning("engine %s: dropped a stdout line longer than %d bytes", self.name, self.settings.max_line_bytes)

    def _count_bad(self, what: str) -> None:
        self._bump("bad_lines")
        self._loud += 1
        level = logging.WARNING if self._loud <= _LOUD_LIMIT else logging.DEBUG
        log.log(level, "engine %s: ignoring a stdout line that is %s", self.name, what)

    def _unknown_fields(self, where: str, fields: tuple[str, ...]) -> None:
        self._bump("unknown_fields")
        log.debug("engine %s: %s has unknown fields %s", self.name, where, [printable(f, 40) for f in fields[:10]])

    # --- state -----------------------------------------------------------------------------------

    def _update(self, **changes: Any) -> None:
        with self._cond:
            self._stats = replace(self._stats, **changes)
            self._cond.notify_all()

    def _bump(self, counter: str, by: int = 1) -> None:
        if by:
            with self._cond:
                self._stats = replace(self._stats, **{counter: getattr(self._stats, counter) + by})

    def _set_state(self, state: EngineState) -> None:
        self._update(state=state)

    def _notify(self, name: str, body: Mapping[str, Any]) -> None:
        with self._cond:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(name, body)
            except Exception:  # a subscriber bug must not stop the engine
                log.exception("engine %s: %s subscriber failed", self.name, name)
