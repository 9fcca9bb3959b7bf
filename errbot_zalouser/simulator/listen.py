"""`zca listen [-r] [-k]`: print the banners, then deliver inbox records until told otherwise.

Output goes straight to the binary stdout and is flushed after every write, so a reader sees
each line (or each part of a split line) as soon as it is produced. While running, the
listener's pid is in ``listen.pid`` and each start adds a line to ``listen.log``.
"""

from __future__ import annotations

import base64
import os
import signal
import sys
import time
from typing import Any, BinaryIO

from errbot_zalouser.simulator import commands, render, state, texts
from errbot_zalouser.simulator.commands import Context
from errbot_zalouser.simulator.inbox import Inbox
from errbot_zalouser.simulator.process import Terminated

POLL_S = 0.015

# What acting on one record leads to.
CONTINUE = ("continue", 0)
SILENT = ("silent", 0)


def run(ctx: Context) -> int:
    """Entry point for ``listen``; returns the exit code."""
    commands.require_login(ctx.profile)
    ctx.out.flush()
    return Listener(ctx, sys.stdout.buffer, sys.stderr).run()


class Listener:
    """One listening session of one profile."""

    def __init__(self, ctx: Context, out: BinaryIO, err: Any) -> None:
        self.ctx = ctx
        self.out = out
        self.err = err
        self.raw = bool(ctx.opt("raw"))
        self.keep_alive = bool(ctx.opt("keepAlive"))
        self.prefix = ctx.opt("prefix")
        self.inbox = Inbox(ctx.profile)
        self.pid_path = ctx.profile.path("listen.pid")
        self.started = time.monotonic()

    def run(self) -> int:
        """Banners, registration, then the delivery loop. SIGINT ends it cleanly (exit 0)."""
        try:
            self._write(texts.LISTEN_BANNER + "\n")
            self._write(texts.CONNECTED_BANNER + "\n")
            self._register()
            return self._loop()
        except Terminated as exc:
            if exc.signum == signal.SIGINT:
                return 0
            raise
        finally:
            self._unregister()

    # --- lifecycle --------------------------------------------------------------------------

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

    def _loop(self) -> int:
        while True:
            outcome = self.inbox.consume(self._act)
            if outcome is None:
                time.sleep(POLL_S)
                continue
            kind, value = outcome
            if kind == "stop":
                return int(value)
            if kind == "silent":
                _idle_forever()
            if kind == "sleep":
                time.sleep(max(0.0, float(value)))

    # --- records --------------------------------------------------------------------------------

    def _act(self, record: dict[str, Any]) -> tuple[str, float]:
        kind = record.get("kind")
        if kind == "event":
            self._event(record.get("event"))
        elif kind == "raw":
            self._raw(record)
        elif kind == "close":
            return self._close(record)
        elif kind == "exit":
            return self._exit(record)
        elif kind == "stall":
            return SILENT
        elif kind == "sleep":
            return ("sleep", float(record.get("seconds", 0.0)))
        return CONTINUE

    def _event(self, event: Any) -> None:
        if not isinstance(event, dict):
            return
        content = event.get("content")
        if self.prefix and isinstance(content, str):
            if not content.startswith(self.prefix):
                return
            event = {**event, "content": content[len(self.prefix) :]}
        line = render.compact_json(event) if self.raw else human_line(event)
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

    def _close(self, record: dict[str, Any]) -> tuple[str, float]:
        line = texts.LISTENER_CLOSED.format(code=record.get("code", 1006), reason=record.get("reason", ""))
        self._write(line.rstrip() + "\n")
        return SILENT if self.keep_alive else ("stop", 0)

    def _exit(self, record: dict[str, Any]) -> tuple[str, float]:
        code = int(record.get("code", 0))
        message = record.get("stderr") or ""
        if code == 75 and not message:
            message = texts.RECYCLE.format(ms=int((time.monotonic() - self.started) * 1000))
        if message:
            self.err.write(message.rstrip("\n") + "\n")
            self.err.flush()
        return ("stop", code)

    def _write(self, data: str | bytes) -> None:
        self.out.write(data.encode("utf-8") if isinstance(data, str) else data)
        self.out.flush()


def human_line(event: dict[str, Any]) -> str:
    """The non-raw form: ``[user|group] <name|id> -> <threadId>: <content>``."""
    meta = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
    is_group = meta.get("isGroup", event.get("type") == 1)
    name = event.get("senderName") or meta.get("senderName") or event.get("senderId") or meta.get("fromId") or ""
    content = event.get("content")
    text = content if isinstance(content, str) else render.compact_json(content)
    return f"[{'group' if is_group else 'user'}] {name} -> {event.get('threadId', '')}: {text}"


def _idle_forever() -> None:
    """Alive but silent: the -k trap. Only a signal ends this."""
    while True:
        time.sleep(3600)
