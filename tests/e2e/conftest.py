"""Run the real bot (`errbot -c config.py`) as a subprocess on the simulator.

``start_bot``'s ``sim`` is whatever plays Zalo and records what the bot sends: a ``SimControl``
(the `zca` tool's simulator), or a ``FakeZca`` (the zca-js stand-in, for a bot whose accounts use
the engine; tests/e2e/test_engine_e2e.py). Both have ``sent``, ``listener_starts``,
``wait_listener`` and ``home``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from errbot_zalouser.demo import simulator_config
from errbot_zalouser.simulator import seed
from errbot_zalouser.simulator.control import SimControl

ADMIN = "2947718306652210431"
STRANGER = seed.STRANGER_ID
FRIEND = "6634210987765540123"  # Alice Smith
WORK_CHAT = "7031928374650192837"


FAST_OUTBOUND = {"ratePerSecond": 50, "burst": 50, "retryBaseSeconds": 0.05, "retryMaxSeconds": 0.2}


@dataclass
class BotProcess:
    proc: subprocess.Popen
    sim: Any  # SimControl or FakeZca (see the module docstring)
    workdir: Path

    @property
    def log(self) -> str:
        path = self.workdir / "errbot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @property
    def output(self) -> str:
        return (self.workdir / "errbot.out").read_text(errors="replace")

    def replies_to(self, thread_id: str, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Wait until `count` messages were sent to this thread; return them all."""
        rows: list[dict[str, Any]] = []
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            rows = [r for r in self.sim.sent() if r.get("threadId") == thread_id]
            if len(rows) >= count:
                return rows
            time.sleep(0.05)
        raise AssertionError(f"expected {count} message(s) to {thread_id}, got {rows!r}\n{self.log[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode


def write_config(workdir: Path, zca: str, zalouser: dict[str, Any], extra: str = "") -> Path:
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    path = workdir / "bot_config.py"
    path.write_text(simulator_config(data, workdir / "errbot.log", zca, zalouser, admins=(f"zalouser:{ADMIN}",), extra=extra,
                                     level="DEBUG"))
    return path


def start_bot(workdir: Path, sim: Any, zca: str, zalouser: dict[str, Any] | None = None,
              extra: str = "", wait: bool = True, env: dict[str, str] | None = None) -> BotProcess:
    """``errbot -c`` on a config written for ``zalouser``; waits for its listener unless not ``wait``.
    ``env`` is laid over the bot's environment (ZCA_SIM_HOME is the simulator's home)."""
    block = {"outbound": FAST_OUTBOUND, **(zalouser or {})}
    config = write_config(workdir, zca, block, extra)
    errbot = str(Path(sys.executable).parent / "errbot")
    starts = sim.listener_starts()
    with open(workdir / "errbot.out", "ab") as out:
        proc = subprocess.Popen([errbot, "-c", str(config)], stdout=out, stderr=subprocess.STDOUT,
                                cwd=workdir, env={**os.environ, "ZCA_SIM_HOME": str(sim.home), **(env or {})})
    bot = BotProcess(proc, sim, workdir)
    if wait:
        try:
            sim.wait_listener(timeout=30, min_starts=starts + 1)
        except TimeoutError:
            bot.stop()
            raise AssertionError(f"bot did not start:\n{bot.output[-3000:]}\n{bot.log[-3000:]}") from None
    return bot


@pytest.fixture(params=["0.1.58", "legacy"])
def surface(request: pytest.FixtureRequest, sim: SimControl) -> str:
    """Run the test on each zca-sim surface: openzca 0.1.58, and the old binary (zca-cli / openzca 0.1.20)."""
    sim.set_surface(request.param)
    return str(request.param)


@pytest.fixture
def bot_factory(tmp_path: Path, sim: SimControl, zca_sim_path: str) -> Iterator[Any]:
    bots: list[BotProcess] = []

    def make(zalouser: dict[str, Any] | None = None, extra: str = "", wait: bool = True) -> BotProcess:
        bot = start_bot(tmp_path / f"bot{len(bots)}", sim, zca_sim_path, zalouser, extra, wait)
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.stop()
