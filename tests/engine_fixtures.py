"""Fixtures for every test that runs the zca-js engine program (a pytest plugin: tests/conftest.py
loads it, so the engine tests in tests/transport/engine, tests/service and tests/e2e share them).

``node``: the path of a usable Node.js 18+, or the test is skipped saying why (CI has it).
``fake``: a logged-in account of the zca-js stand-in (tests/transport/engine/fake_zca), with the
simulator's default seed, driven by ``FakeZca``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from errbot_zalouser.errors import EngineNotInstalled
from errbot_zalouser.transport.engine.install import node_version
from tests.transport.engine.fakezca import FakeZca

NO_NODE = "Node.js 18+ is not installed here: the zca-js engine tests need `node` on PATH (CI has it)"


@pytest.fixture(scope="session")
def node() -> str:
    """The path of a usable `node`, or the test is skipped with the reason."""
    try:
        node_version("node")
    except EngineNotInstalled as exc:
        pytest.skip(f"{NO_NODE} ({exc})")
    found = shutil.which("node")
    assert found
    return found


@pytest.fixture
def fake(tmp_path: Path) -> FakeZca:
    """A logged-in fake account with the simulator's default seed."""
    return FakeZca.create(tmp_path / "fakezca")
