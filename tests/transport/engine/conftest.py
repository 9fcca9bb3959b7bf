"""Fixtures for the engine tests: engines on the zca-js stand-in. ``node`` (Node.js, or a skip saying
why) and ``fake`` (the stand-in's account) come from tests/engine_fixtures.py.

The real engine program runs under Node in these tests, with tests/transport/engine/fake_zca in place of
zca-js. Every process a test starts is recorded by pid and killed (by pid) if still alive at the end.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from errbot_zalouser.transport.engine.engine import Engine, EngineSettings
from tests.transport.conftest import kill_leftovers
from tests.transport.engine.fakezca import FakeZca


def fast_settings(node_path: str, fake: FakeZca, **changes: Any) -> EngineSettings:
    settings = EngineSettings(
        zca_js=fake.module,
        node=node_path,
        openzca_home=str(fake.openzca_home),
        start_timeout=15.0,
        login_timeout=10.0,
        heartbeat_seconds=1.0,
        stall_seconds=30.0,
        backoff_initial=0.05,
        backoff_max=0.3,
        kill_grace=2.0,
        env=fake.env(),
    )
    return replace(settings, **changes)


@pytest.fixture
def make_engine(node: str, fake: FakeZca) -> Iterator[Callable[..., Engine]]:
    """Factory: ``make_engine(fake=..., profile="default", **settings_changes)`` -> Engine (not started)."""
    made: list[Engine] = []
    pids: list[int] = []

    def make(fake_account: FakeZca | None = None, profile: str = "default", **changes: Any) -> Engine:
        account = fake_account or fake
        engine = Engine(profile, fast_settings(node, account, **changes), name=f"test{len(made)}")
        engine.subscribe(lambda name, body: pids.append(int(body["pid"])) if name == "spawned" else None)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.stop(timeout=5.0)
    kill_leftovers(pids)


def run_node(node: str, code: str, timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([node, "--input-type=module", "-e", code], capture_output=True, text=True,
                          timeout=timeout, check=False)
