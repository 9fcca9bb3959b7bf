"""Shared fixtures. The simulator (`zca-sim`) is the only `zca` tests ever run."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

pytest_plugins = ["errbot.backends.test", "tests.engine_fixtures"]


@pytest.fixture(scope="session")
def zca_sim_path() -> str:
    """Absolute path of the installed `zca-sim` console script."""
    beside = Path(sys.executable).parent / "zca-sim"
    found = str(beside) if beside.exists() else shutil.which("zca-sim")
    if not found:
        pytest.fail("zca-sim is not installed: run `make test` (pip install -e '.[test]')")
    return found


@pytest.fixture
def sim_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh simulator state folder, exported as ZCA_SIM_HOME for child processes."""
    home = tmp_path / "zca-sim-home"
    home.mkdir()
    monkeypatch.setenv("ZCA_SIM_HOME", str(home))
    return home


@pytest.fixture
def sim(sim_home: Path):
    """A seeded, logged-in simulator profile named "default"."""
    from errbot_zalouser.simulator.control import SimControl

    return SimControl.create(sim_home, "default")
