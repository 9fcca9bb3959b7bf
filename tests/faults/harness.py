"""``make_service``: the real ZalouserService in this process on the simulator's state folder,
with the fake listener of tests/fake_transport.py, a settable clock and the admin notices it
sends recorded (no subprocess: fast enough to run a gate thousands of times)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.model import InboundEvent
from errbot_zalouser.service.service import ZalouserService
from errbot_zalouser.simulator import events
from errbot_zalouser.simulator.control import SimControl
from errbot_zalouser.stores.base import Stores
from tests.fake_transport import FakeListener, InProcessZca, listener_factory

#: Outbound settings for the in-process service: fast, few attempts, short backoff.
FAST_OUTBOUND = {"ratePerSecond": 50, "burst": 50, "maxAttempts": 3, "retryBaseSeconds": 0.05,
                 "retryMaxSeconds": 0.2}

ADMIN = "2947718306652210431"


@dataclass
class Clock:
    """Epoch seconds that only move when told."""

    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Harness:
    service: ZalouserService
    sim: SimControl
    clock: Clock
    notices: list[str]
    listeners: list[FakeListener] = field(default_factory=list)
    data_dir: Path = Path()

    def event(self, sender: str, text: str = "hi", name: str = "", **fields: Any) -> InboundEvent:
        """A DM as `zca listen -r` prints it, stamped with the harness clock unless told otherwise."""
        fields.setdefault("timestamp", self.clock.now)
        return InboundEvent.from_json(events.dm_event(sender, text, sender_name=name, **fields))

    def dm(self, sender: str, text: str = "hi", name: str = "", account: str = "default", **fields: Any):
        """Run one DM through the gate, as the backend does; returns the Admission."""
        return self.service.admit(account, self.event(sender, text, name, **fields))


@pytest.fixture
def make_service(sim: SimControl, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    """``make(block=None, *, stores=None, start=False, data_dir=None)`` -> a Harness (stopped at the end)."""
    made: list[Harness] = []

    def make(block: dict[str, Any] | None = None, *, stores: Stores | None = None, start: bool = False,
             admin_ids: frozenset[str] = frozenset({ADMIN}), data_dir: Path | None = None) -> Harness:
        clock, notices = Clock(), []
        factory, listeners = listener_factory()
        data_dir = data_dir or tmp_path / f"data{len(made)}"
        settings = parse_channel_block({"outbound": FAST_OUTBOUND, **(block or {})}, zca="zca", env={})
        service = ZalouserService(settings, data_dir, runner=InProcessZca(sim.home), stores=stores,
                                  notify_admins=notices.append, clock=clock, admin_ids=admin_ids,
                                  listener_factory=factory)
        harness = Harness(service, sim, clock, notices, listeners, data_dir)
        made.append(harness)
        if start:
            service.preflight()
            service.start(lambda account, event: None)
        return harness

    yield make
    for harness in made:
        harness.service.stop(timeout=3.0)
