"""`zca listen`: print the banners, then deliver inbox records until told otherwise.

Output goes straight to the binary stdout and is flushed after every write, so a reader sees
each line (or each part of a split line) as soon as it is produced. While running, the
listener's pid is in ``listen.pid`` and each start adds a line to ``listen.log`` (simulator
bookkeeping, on both surfaces).

openzca 0.1.58 (the default surface), in order: log in; read ``--recycle-ms`` /
``OPENZCA_LISTEN_RECYCLE_MS`` and ``--heartbeat-ms`` / ``OPENZCA_LISTEN_HEARTBEAT_MS`` (a bad value
fails with ``Error: <name> must be a non-negative number.``); take the owner lock (``owner.py``;
off with ``OPENZCA_LISTEN_ENFORCE_SINGLE_OWNER=0``); open ``listen.sock`` (``ipc.py``; off with
``OPENZCA_LISTEN_IPC=0``); ``Listening... Press Ctrl+C to stop.``; with ``--supervised -k`` a
warning on stderr; with ``--supervised --raw`` the ``session_id`` lifecycle line; then
``Connected to Zalo websocket.`` (and the ``connected`` lifecycle line). Afterwards:

* heartbeats (``--supervised --raw`` only) every period from start, a plain interval that goes on
  while the connection is silent or stalled;
* the recycle (``-k`` without ``--supervised``, period > 0): a fixed timer from start, never reset.
  It prints ``Listener recycle triggered after <period>ms to prevent stale session.`` on stderr
  and ``Listener closed (1000) `` on stdout, releases the lock and the socket, prints
  ``Connected to Zalo websocket.`` again if the keep-alive restart delay is shorter than the
  wind-down, and exits 75 when the wind-down ends (3000 ms, as openzca's forced exit;
  ``ZCA_SIM_RECYCLE_WIND_DOWN_MS`` shortens it for tests);
* a close prints ``Listener closed (<code>) <reason>`` (the trailing space stays when the reason
  is empty) and the ``closed`` lifecycle line. Without ``-k``, or with ``--supervised``, the
  process then exits 0. With ``-k``: 1000 and 3000 (every code with
  ``OPENZCA_LISTEN_KEEPALIVE_RESTART_ON_ANY_CLOSE=1``) reconnect after
  ``OPENZCA_LISTEN_KEEPALIVE_RESTART_DELAY_MS`` (2000); any other code leaves the process alive
  and silent (it consumes nothing) until the recycle;
* a drop that zca-js retries by itself (``-k`` only) prints nothing, then ``Connected…`` again;
* SIGTERM / SIGINT: the socket is removed and the lock released, then exit 143 / 130.

The legacy surface keeps the old behaviour: no lock, socket, timers or lifecycle lines; a close
with ``-k`` goes silent forever; SIGINT exits 0 and SIGTERM kills the process.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, BinaryIO, NamedTuple

from errbot_zalouser.simulator import commands, events, media, nodejs, owner, render, state, texts
from errbot_zalouser.simulator.commands import Context, Fail
from errbot_zalouser.simulator.inbox import Inbox
from errbot_zalouser.simulator.process import Terminated

POLL_S = 0.015
DEFAULT_RECYCLE_MS = 30 * 60 * 1000
DEFAULT_HEARTBEAT_MS = 30_000
WIND_DOWN_ENV = "ZCA_SIM_RECYCLE_WIND_DOWN_MS"
WIND_DOWN_MS = 3000


class Settings(NamedTuple):
    """What one ``listen`` invocation was asked to do (0.1.58 values; legacy ignores the timers)."""

    raw: bool
    keep_alive: bool
    prefix: str | None
    supervised: bool = False
    recycle_ms: int = 0
    heartbeat_ms: int = 0
    restart_delay_ms: int = 2000
    restart_on_any_close: bool = False
    single_owner: bool = False
    ipc: bool = False
    wind_down_ms: int = WIND_DOWN_MS

    @property
    def lifecycle(self) -> bool:
        return self.supervised and self.raw

    @property
    def recycles(self) -> bool:
        return self.keep_alive and not self.supervised and self.recycle_ms > 0

    @property
    def restarts(self) -> bool:
        """Whether a close leaves the process running (-k without --supervised)."""
        return self.keep_alive and not self.supervised


def settings_of(ctx: Context) -> Settings:
    raw, keep_alive, prefix = bool(ctx.opt("raw")), bool(ctx.opt("keepAlive")), ctx.opt("prefix")
    if not ctx.openzca:
        return Settings(raw, keep_alive, prefix)
    env = ctx.environ
    recycle = _non_negative("--recycle-ms", ctx.opt("recycleMs"))
    if recycle is None:
        recycle = _non_negative("OPENZCA_LISTEN_RECYCLE_MS", env.get("OPENZCA_LISTEN_RECYCLE_MS"))
    heartbeat = _non_negative("--heartbeat-ms", ctx.opt("heartbeatMs"))
    if heartbeat is None:
        heartbeat = _non_negative("OPENZCA_LISTEN_HEARTBEAT_MS", env.get("OPENZCA_LISTEN_HEARTBEAT_MS"))
    return Settings(
        raw, keep_alive, prefix,
        supervised=bool(ctx.opt("supervised")),
        recycle_ms=DEFAULT_RECYCLE_MS if recycle is None else recycle,
        heartbeat_ms=DEFAULT_HEARTBEAT_MS if heartbeat is None else heartbeat,
        restart_delay_ms=nodejs.positive_int_env(env, "OPENZCA_LISTEN_KEEPALIVE_RESTART_DELAY_MS", 2000),
        restart_on_any_close=nodejs.bool_env(env, "OPENZCA_LISTEN_KEEPALIVE_RESTART_ON_ANY_CLOSE", False),
        single_owner=nodejs.bool_env(env, "OPENZCA_LISTEN_ENFORCE_SINGLE_OWNER", True),
        ipc=nodejs.bool_env(env, "OPENZCA_LISTEN_IPC", True),
        wind_down_ms=nodejs.positive_int_env(env, WIND_DOWN_ENV, WIND_DOWN_MS),
    )


def _non_negative(label: str, value: str | None) -> int | None:
    if value is None or not value.strip(nodejs.SPACE):
        return None
    number = nodejs.number(value)
    if not math.isfinite(number) or number < 0:
        raise Fail(texts.NON_NEGATIVE.format(label=label))
    return math.trunc(number)


def run(ctx: Context) -> int:
    """Entry point for ``listen``; returns the exit code."""
    commands.require_login(ctx)
    settings = settings_of(ctx)
    ctx.out.flush()
    return Listener(ctx, settings, sys.stdout.buffer, sys.stderr).run()


class Listener:
    """One listening session of one profile."""

    def __init__(self, ctx: Context, settings: Settings, out: BinaryIO, err: Any) -> None:
        self.ctx = ctx
        self.settings = settings
        self.out = out
        self.err = err
        self.inbox = Inbox(ctx.profile)
        self.pid_path = ctx.profile.path("listen.pid")
        self.started = time.monotonic()
        self.session_id = events.session_token()
        self.cleanups: list[Callable[[], None]] = []
        self.connected = True
        self.stalled = False
        self.timers: dict[str, float] = {}  # name -> monotonic due time

    def run(self) -> int:
        try:
            if self.ctx.openzca:
                self._acquire()
            self._write(texts.LISTEN_BANNER + "\n")
            if self.ctx.openzca and self.settings.supervised and self.settings.keep_alive:
                self._error_line(texts.SUPERVISED_KEEPALIVE)
            self._lifecycle("session_id")
            self._register()
            self._connect()
            self._start_timers()
            return self._loop()
        except Terminated as exc:
            if exc.signum == signal.SIGINT and not self.ctx.openzca:
                return 0
            raise
        finally:
            self._cleanup()
            self._unregister()

    # --- start and stop ----------------------------------------------------------------------------

    def _acquire(self) -> None:
        profile = self.ctx.profile
        try:
            if self.settings.single_owner:
                self.cleanups.append(owner.acquire(profile, self.session_id))
            if self.settings.ipc:
                self.cleanups.append(self._serve_uploads().close)
        except owner.OwnerError as exc:
            raise Fail(texts.ERROR.format(message=exc)) from None
        except OSError as exc:
            raise Fail(texts.ERROR.format(message=f"listen {exc}")) from None

    def _serve_uploads(self) -> Any:
        from errbot_zalouser.simulator import ipc, msg_openzca

        def upload(request: dict[str, Any]) -> Any:
            return msg_openzca.upload_for_listener(self.ctx.profile, self.ctx.faults, self.ctx.environ, request)

        return ipc.UploadServer(self.ctx.profile.path(owner.SOCKET_FILE), self.ctx.profile.name, upload)

    def _cleanup(self) -> None:
        """Close the socket, then release the lock (openzca's order); each at most once."""
        while self.cleanups:
            action = self.cleanups.pop()
            with contextlib.suppress(OSError):
                action()

    def _register(self) -> None:
        state.write_text(self.pid_path, f"{os.getpid()}\n")
        entry = {"ts": time.time(), "pid": os.getpid(), "argv": self.ctx.argv, "profile": self.ctx.profile.name}
        state.append_jsonl(self.ctx.profile.path("listen.log"), entry)

    def _unregister(self) -> None:
        try:
            if self.pid_path.read_text().strip() == str(os.getpid()):
                self.pid_path.unlink()
        except (FileNotFoundError, ValueError):
            pass

    def _connect(self) -> None:
        self.connected = True
        self.timers.pop("restart", None)
        self._write(texts.CONNECTED_BANNER + "\n")
        self._lifecycle("connected")

    def _start_timers(self) -> None:
        if not self.ctx.openzca:
            return
        if self.settings.lifecycle and self.settings.heartbeat_ms > 0:
            self.timers["heartbeat"] = self.started + self.settings.heartbeat_ms / 1000.0
        if self.settings.recycles:
            self.timers["recycle"] = self.started + self.settings.recycle_ms / 1000.0

    # --- the loop -----------------------------------------------------------------------------------

    def _loop(self) -> int:
        while True:
            code = self._fire_timers()
            if code is not None:
                return code
            outcome = None
            if self.connected and not self.stalled:
                outcome = self.inbox.consume(self._act)
            if outcome is None:
                time.sleep(self._idle_time())
                continue
            kind, value = outcome
            if kind == "stop":
                return int(value)
            while kind == "freeze":  # a stuck event loop: no line, no timer, until killed
                time.sleep(3600)
            if kind == "sleep":
                time.sleep(max(0.0, float(value)))

    def _idle_time(self) -> float:
        if not self.timers:
            return POLL_S if self.connected and not self.stalled else 3600.0
        wait = min(self.timers.values()) - time.monotonic()
        if self.connected and not self.stalled:
            wait = min(wait, POLL_S)
        return max(0.0, wait)

    def _fire_timers(self) -> int | None:
        now = time.monotonic()
        if self.timers.get("heartbeat", math.inf) <= now:
            self._lifecycle("heartbeat")
            period = self.settings.heartbeat_ms / 1000.0
            self.timers["heartbeat"] = max(self.timers["heartbeat"] + period, now)
        if self.timers.get("restart", math.inf) <= now:
            self._connect()
        if self.timers.get("recycle", math.inf) <= now:
            return self._recycle()
        return None

    def _recycle(self) -> int:
        self._error_line(texts.RECYCLE.format(ms=self.settings.recycle_ms))
        self.timers.clear()
        self._write(texts.LISTENER_CLOSED.format(code=1000, reason="") + "\n")
        self._cleanup()
        wind_down = self.settings.wind_down_ms / 1000.0
        if self.settings.restart_delay_ms < self.settings.wind_down_ms:
            time.sleep(self.settings.restart_delay_ms / 1000.0)
            self._write(texts.CONNECTED_BANNER + "\n")
            wind_down -= self.settings.restart_delay_ms / 1000.0
        time.sleep(max(0.0, wind_down))
        return 75

    # --- records --------------------------------------------------------------------------------

    def _act(self, record: dict[str, Any]) -> tuple[str, Any]:
        kind = record.get("kind")
        if kind == "event":
            for warning in record.get("warnings") or ():
                self._error_line(str(warning))
            event, downloads = record.get("event"), record.get("downloads")
            if isinstance(event, dict) and isinstance(downloads, dict):
                event = media.relocate(event, downloads, media.media_dir(self.ctx.profile.home, self.ctx.profile.name,
                                                                         self.ctx.environ))
            self._event(event)
        elif kind == "raw":
            self._raw(record)
        elif kind == "close":
            outcome = self._close(int(record.get("code", 1006)), str(record.get("reason") or ""))
            return self._hang(str(record.get("hang") or "")) or outcome
        elif kind == "drop":
            return self._drop(record)
        elif kind == "error":
            self._listener_error(str(record.get("message", "")))
        elif kind == "exit":
            return self._exit(record)
        elif kind == "stall":
            self.stalled = True
        elif kind == "sleep":
            return ("sleep", float(record.get("seconds", 0.0)))
        return ("continue", 0)

    def _event(self, event: Any) -> None:
        if not isinstance(event, dict):
            return
        content = event.get("content")
        if self.settings.prefix and isinstance(content, str) and (content.strip() or not self.ctx.openzca):
            if not content.startswith(self.settings.prefix):
                return
            rest = content[len(self.settings.prefix):]
            event = {**event, "content": rest.lstrip(nodejs.SPACE) if self.ctx.openzca else rest}
        line = render.compact_json(event) if self.settings.raw else human_line(event)
        self._write(line + "\n")

    def _raw(self, record: dict[str, Any]) -> None:
        if "raw_b64" in record:
            self._write(base64.b64decode(record["raw_b64"]))
            return
        parts = record.get("parts")
        if not isinstance(parts, list):
            parts = [str(record.get("text", ""))]
        for index, part in enumerate(parts):
            if index:
                time.sleep(float(record.get("pause", 0.05)))
            self._write(str(part))

    def _close(self, code: int, reason: str) -> tuple[str, Any]:
        line = texts.LISTENER_CLOSED.format(code=code, reason=reason)
        self._write((line if self.ctx.openzca else line.rstrip()) + "\n")
        fields: dict[str, Any] = {"code": code}
        if reason:
            fields["reason"] = reason
        self._lifecycle("closed", fields)
        if not self.settings.keep_alive or self.settings.supervised:
            return ("stop", 0)
        self.connected = False
        if not self.ctx.openzca:
            self.stalled = True  # legacy: silent forever
        elif code in (1000, 3000) or self.settings.restart_on_any_close:
            self.timers["restart"] = time.monotonic() + self.settings.restart_delay_ms / 1000.0
        return ("continue", 0)

    def _hang(self, how: str) -> tuple[str, Any] | None:
        """After a close, a process that does not end: "alive" keeps its timers (heartbeats) and
        consumes nothing more; "frozen" blocks like a stuck event loop (no timer fires)."""
        if how == "alive":
            self.connected = False
            self.stalled = True
            return ("continue", 0)
        if how == "frozen":
            return ("freeze", 0)  # the record is consumed first: a restarted listener is not frozen too
        return None

    def _drop(self, record: dict[str, Any]) -> tuple[str, Any]:
        """A close zca-js retries by itself: with -k (not supervised) silence, then Connected."""
        if not self.settings.restarts:
            return self._close(int(record.get("code", 1006)), str(record.get("reason") or ""))
        self.connected = False
        self.timers["restart"] = time.monotonic() + float(record.get("reconnect_after", 0.5))
        return ("continue", 0)

    def _listener_error(self, message: str) -> None:
        self._lifecycle("error", {"message": message})
        self._error_line(texts.LISTENER_ERROR.format(message=message))

    def _exit(self, record: dict[str, Any]) -> tuple[str, Any]:
        code = int(record.get("code", 0))
        message = record.get("stderr") or ""
        if code == 75 and not message:
            elapsed = int((time.monotonic() - self.started) * 1000)
            message = texts.RECYCLE.format(ms=self.settings.recycle_ms if self.ctx.openzca else elapsed)
        if message:
            self._error_line(message.rstrip("\n"))
        return ("stop", code)

    # --- output ------------------------------------------------------------------------------------

    def _lifecycle(self, event: str, fields: dict[str, Any] | None = None) -> None:
        if not (self.ctx.openzca and self.settings.lifecycle):
            return
        line = {"kind": "lifecycle", "event": event, "session_id": self.session_id,
                "profile": self.ctx.profile.name, "timestamp": int(time.time()), **(fields or {})}
        self._write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")

    def _error_line(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()

    def _write(self, data: str | bytes) -> None:
        self.out.write(data.encode("utf-8") if isinstance(data, str) else data)
        self.out.flush()


def human_line(event: dict[str, Any]) -> str:
    """The non-raw form: ``[user|group] <name|id> -> <threadId>: <content>``."""
    meta = event.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
    chat = event.get("chatType")
    if chat not in ("user", "group"):
        chat = "group" if meta.get("isGroup", event.get("type") == 1) else "user"
    name = event.get("senderName") or meta.get("senderName") or event.get("senderId") or meta.get("fromId") or ""
    content = event.get("content")
    text = content if isinstance(content, str) else render.compact_json(content)
    return f"[{chat}] {name} -> {event.get('threadId', '')}: {text}"
