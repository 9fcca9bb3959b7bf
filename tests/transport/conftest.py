"""Helpers for transport tests: tiny executables written to tmp_path, and a fake `zca listen`.

Every process a test starts is one of these scripts; its pid is recorded, and the
fixtures kill (by pid) whatever is still alive when the test ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from errbot_zalouser.model import InboundEvent
from errbot_zalouser.transport.listener import Listener, ListenerSettings, ListenerState

MAX_FAKE_LIFETIME = 60.0  # no fake process outlives this, whatever a test does


def pid_alive(pid: int) -> bool:
    """True while ``pid`` is a running (not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except FileNotFoundError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def kill_leftovers(pids: list[int]) -> None:
    """SIGKILL the given pids (only ones this test started) if they are still running."""
    for pid in pids:
        if pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def make_exe(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write an executable Python script (shebang = this interpreter) and return its path."""

    def make(body: str, name: str = "fake-zca") -> Path:
        path = tmp_path / name
        path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body), encoding="utf-8")
        path.chmod(0o755)
        return path

    return make


# --- a fake `zca listen` driven by a scenario file -------------------------------------------

FAKE_LISTEN = r"""
import base64, json, os, signal, subprocess, sys, time

state = os.environ["FAKE_ZCA_STATE"]
with open(os.environ["FAKE_ZCA_SCENARIO"], encoding="utf-8") as fh:
    runs = json.load(fh)
counter = os.path.join(state, "count")
try:
    with open(counter) as fh:
        n = int(fh.read())
except FileNotFoundError:
    n = 0
with open(counter, "w") as fh:
    fh.write(str(n + 1))
with open(os.path.join(state, "pids"), "a") as fh:
    fh.write(f"{os.getpid()}\n")
with open(os.path.join(state, "argv"), "w") as fh:
    json.dump(sys.argv[1:], fh)

deadline = time.monotonic() + MAX_LIFETIME

def nap(seconds):
    end = min(deadline, time.monotonic() + seconds)
    while time.monotonic() < end:
        time.sleep(min(0.05, max(0.0, end - time.monotonic())))

for step in runs[min(n, len(runs) - 1)]:
    if "out" in step:
        os.write(1, step["out"].encode("utf-8"))
    elif "b64" in step:
        os.write(1, base64.b64decode(step["b64"]))
    elif "big" in step:
        chunk = b"x" * 65536
        left = step["big"]
        while left > 0:
            left -= os.write(1, chunk[: min(left, len(chunk))])
        os.write(1, b"\n")
    elif "sleep" in step:
        nap(step["sleep"])
    elif "ignore_term" in step:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    elif "grandchild" in step:
        kid = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(%f)" % MAX_LIFETIME])
        with open(os.path.join(state, "grandchildren"), "a") as fh:
            fh.write(f"{kid.pid}\n")
    elif "signal" in step:
        os.kill(os.getpid(), step["signal"])
        nap(5)
    elif "exit" in step:
        sys.exit(step["exit"])
nap(MAX_LIFETIME)
""".replace("MAX_LIFETIME", repr(MAX_FAKE_LIFETIME))


def event_line(msg_id: str = "7412238471029384756", text: str = "hello bot", **extra: Any) -> str:
    """One `listen -r` line (DM by default), newline included."""
    obj: dict[str, Any] = {
        "threadId": "4830021983762145322",
        "msgId": msg_id,
        "cliMsgId": f"c{msg_id}",
        "content": text,
        "type": 0,
        "timestamp": 1736412345,
        "metadata": {"isGroup": False, "senderName": "Alice", "fromId": "4830021983762145322"},
    }
    obj.update(extra)
    return json.dumps(obj, ensure_ascii=False) + "\n"


@dataclass
class Recorder:
    """Collects callbacks from a Listener, thread-safely."""

    events: list[InboundEvent] = field(default_factory=list)
    states: list[tuple[ListenerState, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on_event(self, event: InboundEvent) -> None:
        with self.lock:
            self.events.append(event)

    def on_state(self, state: ListenerState, detail: str) -> None:
        with self.lock:
            self.states.append((state, detail))

    def texts(self) -> list[str]:
        with self.lock:
            return [e.content for e in self.events]

    def details(self, state: ListenerState) -> list[str]:
        with self.lock:
            return [d for s, d in self.states if s is state]

    def state_names(self) -> list[ListenerState]:
        with self.lock:
            return [s for s, _ in self.states]


@dataclass
class FakeListen:
    """A Listener wired to the fake `zca listen` script, plus what the script recorded."""

    listener: Listener
    recorder: Recorder
    state_dir: Path

    def starts(self) -> int:
        try:
            return int((self.state_dir / "count").read_text())
        except (FileNotFoundError, ValueError):
            return 0

    def pids(self) -> list[int]:
        return _read_pids(self.state_dir / "pids")

    def grandchildren(self) -> list[int]:
        return _read_pids(self.state_dir / "grandchildren")

    def argv(self) -> list[str]:
        return json.loads((self.state_dir / "argv").read_text())


def _read_pids(path: Path) -> list[int]:
    try:
        return [int(x) for x in path.read_text().split()]
    except FileNotFoundError:
        return []


FAST = ListenerSettings(
    backoff_initial=0.05,
    backoff_max=0.2,
    backoff_stable_seconds=60.0,
    stall_seconds=None,
    closed_grace_seconds=30.0,
    assume_connected_seconds=0.3,
    kill_grace=1.0,
)


@pytest.fixture
def fake_listen(tmp_path: Path, make_exe: Callable[..., Path]) -> Iterator[Callable[..., FakeListen]]:
    """Factory: ``fake_listen(runs, settings=..., **listener_kwargs)`` -> FakeListen (not started).

    ``runs`` is a list of step lists, one per child start (the last one repeats).
    """
    made: list[FakeListen] = []
    script = make_exe(FAKE_LISTEN, name="fake-zca-listen")

    def make(
        runs: list[list[dict[str, Any]]], settings: ListenerSettings = FAST, **kwargs: Any
    ) -> FakeListen:
        state_dir = tmp_path / f"listen-state-{len(made)}"
        state_dir.mkdir()
        scenario = state_dir / "scenario.json"
        scenario.write_text(json.dumps(runs), encoding="utf-8")
        recorder = Recorder()
        env = {"FAKE_ZCA_SCENARIO": str(scenario), "FAKE_ZCA_STATE": str(state_dir)}
        listener = Listener(
            str(script),
            "default",
            recorder.on_event,
            on_state=recorder.on_state,
            settings=settings,
            env=env,
            name=f"test{len(made)}",
            **kwargs,
        )
        fake = FakeListen(listener, recorder, state_dir)
        made.append(fake)
        return fake

    yield make
    for fake in made:
        fake.listener.stop(timeout=5.0)
        kill_leftovers(fake.pids() + fake.grandchildren())
