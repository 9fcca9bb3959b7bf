"""Run `python -m errbot_zalouser ...` as a user would, on a simulator profile."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from errbot_zalouser.simulator.control import SimControl
from tests.e2e.conftest import write_config

Cli = Callable[..., subprocess.CompletedProcess]


def run_cli(cwd: Path, sim: SimControl | None, *args: str, prog: str | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess:
    argv = [prog] if prog else [sys.executable, "-m", "errbot_zalouser"]
    env = dict(os.environ)
    if sim is not None:
        env["ZCA_SIM_HOME"] = str(sim.home)
    return subprocess.run([*argv, *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env,
                          input=stdin if stdin is not None else "")


@pytest.fixture
def cli(tmp_path: Path, sim: SimControl) -> Cli:
    """``cli(*args)`` in tmp_path against the simulator."""
    return lambda *args, **kw: run_cli(tmp_path, sim, *args, **kw)


@pytest.fixture
def bot_config(tmp_path: Path, sim: SimControl, zca_sim_path: str) -> str:
    """A config.py for the simulator (pairing, Alice allowed) in tmp_path; its data in tmp_path/data."""
    return str(write_config(tmp_path, zca_sim_path, {"allowFrom": ["6634210987765540123"]}))
