"""Helpers for the simulator tests: run `zca-sim` once, or keep a `listen` process running.

Every wait is bounded; every process started here is stopped (by pid) at teardown.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from errbot_zalouser.simulator import surface

WAIT = 5.0  # generous bound for anything that should happen "at once"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ZCA_SIM_LATENCY_MS", "ZCA_PROFILE", surface.ENV, "ZCA_SIM_RECYCLE_WIND_DOWN_MS"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("OPENZCA_"):
            monkeypatch.delenv(name)


@pytest.fixture
def legacy(monkeypatch: pytest.MonkeyPatch) -> str:
    """Play the legacy surface (zca-cli / openzca ~0.1.20) in every zca-sim started by the test."""
    monkeypatch.setenv(surface.ENV, surface.LEGACY)
    return surface.LEGACY


@pytest.fixture(params=surface.SURFACES)
def each_surface(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once per surface."""
    monkeypatch.setenv(surface.ENV, request.param)
    return str(request.param)


@pytest.fixture
def zca(zca_sim_path: str, sim_home) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``zca(*args, timeout=10, env=None)``: run zca-sim once, capture text output."""

    def run(*args: str, timeout: float = 10.0, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            [zca_sim_path, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env=full_env,
        )

    return run


class ListenProc:
    """A running `zca-sim listen`, with its output collected by reader threads."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.chunks: list[tuple[float, bytes]] = []
        self._err = bytearray()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._add_out), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._err.extend), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    @staticmethod
    def _pump(stream, sink: Callable[[bytes], None]) -> None:
        fd = stream.fileno()
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return
            if not data:
                return
            sink(data)

    def _add_out(self, data: bytes) -> None:
        with self._lock:
            self.chunks.append((time.monotonic(), data))

    @property
    def out(self) -> bytes:
        with self._lock:
            return b"".join(data for _, data in self.chunks)

    @property
    def err(self) -> str:
        return bytes(self._err).decode("utf-8", "replace")

    def lines(self) -> list[str]:
        """Complete stdout lines so far (decoded leniently)."""
        text = self.out.decode("utf-8", "replace")
        return text.split("\n")[:-1]

    def wait_lines(self, count: int, timeout: float = WAIT) -> list[str]:
        """Wait until at least ``count`` complete stdout lines arrived."""
        return self._wait(lambda: len(self.lines()) >= count, timeout, f"{count} lines")

    def wait_for(self, text: str, timeout: float = WAIT) -> list[str]:
        """Wait until ``text`` appears on stdout."""
        return self._wait(lambda: text.encode() in self.out, timeout, repr(text))

    def _wait(self, ready: Callable[[], bool], timeout: float, what: str) -> list[str]:
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; stdout={self.out!r} stderr={self.err!r}")
            time.sleep(0.01)
        return self.lines()

    def wait_exit(self, timeout: float = WAIT) -> int:
        code = self.proc.wait(timeout=timeout)
        for thread in self._threads:
            thread.join(timeout=timeout)
        return code

    def signal(self, signum: int) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signum)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not go (only this process, by pid)."""
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=2.0)
        for thread in self._threads:
            thread.join(timeout=2.0)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()


@pytest.fixture
def listen(zca_sim_path: str, sim_home) -> Iterator[Callable[..., ListenProc]]:
    """``listen(*args, env=None)`` starts ``zca-sim listen <args>``; all are stopped at teardown."""
    started: list[ListenProc] = []

    def start(*args: str, env: dict[str, str] | None = None) -> ListenProc:
        proc = ListenProc([zca_sim_path, "listen", *args], env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()
