"""Shared helpers for the fault and bad-input suites (tests/faults).

Everything here runs on this machine only: `zca-sim` for `zca`, the real bot under `errbot -c`
(through tests.e2e.conftest) or the real ZalouserService in-process. Every wait is bounded, and
tests kill only processes they started themselves, by pid.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import errbot_zalouser
from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.service.service import ZalouserService
from errbot_zalouser.simulator.control import SimControl
from errbot_zalouser.transport.capabilities import TOOL_ENV
from errbot_zalouser.transport.runner import CliRunner
from tests.e2e.conftest import ADMIN, FRIEND, STRANGER, WORK_CHAT, bot_factory  # noqa: F401 - fixture
from tests.faults.harness import FAST_OUTBOUND, make_service  # noqa: F401 - fixture
from tests.transport.conftest import pid_alive, wait_until

__all__ = ["ADMIN", "FRIEND", "STRANGER", "WORK_CHAT", "pid_alive", "wait_until"]

FAULT_PLUGINS = Path(__file__).resolve().parent / "plugins"

#: Outbound settings for the in-process service: fast, few attempts, short backoff.
FAST_SERVICE_OUTBOUND = FAST_OUTBOUND


def recorder_config(record_file: Path, more_plugins: Iterable[Path] = ()) -> str:
    """Extra lines for tests.e2e.conftest.start_bot: the companion plugins plus FaultRecorder (and
    ``more_plugins`` folders).

    errbot's collect_roots accepts a list for BOT_EXTRA_PLUGIN_DIR (its type hint says str).
    """
    dirs = [errbot_zalouser.plugins_dir(), str(FAULT_PLUGINS), *map(str, more_plugins)]
    return f"BOT_EXTRA_PLUGIN_DIR = {dirs!r}\nFAULTS_RECORD_FILE = {str(record_file)!r}\n"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Complete JSON lines of ``path`` (a missing file is empty)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def sent_texts(sim: SimControl, thread_id: str | None = None) -> list[str]:
    """Texts of every successful `msg send`, oldest first, optionally for one thread."""
    return [r.get("text", "") for r in sim.sent()
            if r.get("command") == "send" and (thread_id is None or r.get("threadId") == thread_id)]


def make_settings(zca: str, block: dict[str, Any] | None = None):
    """Settings for one account "default" on the simulator, fast outbound unless overridden."""
    merged = {"outbound": FAST_SERVICE_OUTBOUND, **(block or {})}
    return parse_channel_block(merged, zca=zca, env={})


@pytest.fixture
def service_factory(sim: SimControl, zca_sim_path: str, tmp_path: Path) -> Iterator[Callable[..., ZalouserService]]:
    """``make(block=None, start=True)`` -> a real ZalouserService on the simulator (stopped at the end).

    ``start`` runs ``service.preflight`` (it probes what the simulated `zca` supports) and
    ``service.start`` (send pool and listener); inbound events are ignored. `zca` children get the
    environment the bot gives them (``TOOL_ENV``).
    """
    made: list[ZalouserService] = []

    def make(block: dict[str, Any] | None = None, start: bool = True) -> ZalouserService:
        service = ZalouserService(
            make_settings(zca_sim_path, block),
            tmp_path / f"data{len(made)}",
            runner=CliRunner(zca_sim_path, env=TOOL_ENV, kill_grace=1.0),
        )
        made.append(service)
        if start:
            service.preflight()
            service.start(lambda account, event: None)
        return service

    yield make
    for service in made:
        service.stop(timeout=3.0)


@pytest.fixture
def error_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog capturing the package's WARNING and ERROR records."""
    caplog.set_level(logging.WARNING, logger="errbot_zalouser")
    return caplog
