"""AccessControl's cache of effective lists: built once, rebuilt when a store's signature changes
(an edit through it or by anyone else), dropped by invalidate(), and never stale once
invalidate() has returned."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.model import ApprovedEntry, InboundEvent
from errbot_zalouser.policy.access import Outcome
from errbot_zalouser.service import access
from errbot_zalouser.service.service import ZalouserService
from errbot_zalouser.stores.base import Stores
from errbot_zalouser.stores.memory import MemoryApprovedStore, MemoryGroupAllowStore, MemoryPairingStore
from tests.fake_transport import InProcessZca

FRIEND = "6634210987765540123"
NEWCOMER = "3318205567419902764"


class CountingApprovedStore(MemoryApprovedStore):
    """Counts reads of the approved ids (one per build of an account's lists) and looks at its
    signature (one per freshness check); ``read_seconds`` makes each read take that long after
    taking its snapshot, as a file read would."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.looks = 0
        self.read_seconds = 0.0

    def signature(self) -> object:
        self.looks += 1
        return super().signature()

    def ids(self, account: str) -> frozenset[str]:
        self.reads += 1
        found = super().ids(account)
        if self.read_seconds:
            time.sleep(self.read_seconds)
        return found


def dm(sender: str) -> InboundEvent:
    return InboundEvent(thread_id=sender, sender_id=sender, content="hi", is_group=False)


@pytest.fixture
def approved() -> CountingApprovedStore:
    return CountingApprovedStore()


@pytest.fixture
def service(tmp_path: Path, sim, approved) -> ZalouserService:
    block = {"dmPolicy": "allowlist", "allowFrom": [FRIEND], "accounts": {"default": {}, "work": {"profile": "work"}}}
    stores = Stores(pairing=MemoryPairingStore(), approved=approved, group_allow=MemoryGroupAllowStore())
    return ZalouserService(parse_channel_block(block, zca="zca", env={}), tmp_path, runner=InProcessZca(sim.home),
                           stores=stores)


def outcome(service: ZalouserService, sender: str, account: str = "default") -> Outcome:
    return service.admit(account, dm(sender)).outcome


def test_lists_are_built_once_per_account(service, approved):
    assert [outcome(service, FRIEND) for _ in range(3)] == [Outcome.DISPATCH] * 3
    assert outcome(service, NEWCOMER) is Outcome.DROP
    assert approved.reads == 1
    outcome(service, FRIEND, "work")
    assert approved.reads == 2


def test_an_edit_made_through_access_control_applies_at_once(service, approved):
    assert outcome(service, NEWCOMER) is Outcome.DROP
    service.allow_user(NEWCOMER)
    assert outcome(service, NEWCOMER) is Outcome.DISPATCH
    service.revoke(NEWCOMER)
    assert outcome(service, NEWCOMER) is Outcome.DROP
    assert approved.reads == 3


def test_a_store_change_made_elsewhere_applies_at_the_next_message(service, approved):
    """A change to the store that bypassed AccessControl (an import, a file edited by hand) is
    seen through the store's signature, with no invalidate() call."""
    for account in ("default", "work"):
        assert outcome(service, NEWCOMER, account) is Outcome.DROP
    approved.add(ApprovedEntry(NEWCOMER, "work", "import", 0.0))
    assert outcome(service, NEWCOMER, "work") is Outcome.DISPATCH
    assert outcome(service, NEWCOMER) is Outcome.DROP
    approved.add(ApprovedEntry(NEWCOMER, "default", "import", 0.0))
    assert outcome(service, NEWCOMER) is Outcome.DISPATCH
    reads = approved.reads
    assert outcome(service, NEWCOMER) is Outcome.DISPATCH and approved.reads == reads  # unchanged: cached


def test_no_stale_list_survives_an_invalidation_under_concurrent_gates(service, approved):
    """Gates keep deciding while something else keeps invalidating (as a store-file watcher
    would), so builds run all the time; a build that read the store before a change must not
    land in the cache after the change's invalidate() returned."""
    approved.read_seconds = 0.0005
    stop = threading.Event()

    def gate() -> None:
        while not stop.is_set():
            outcome(service, NEWCOMER)

    def watcher() -> None:
        while not stop.wait(0.001):
            service.access.invalidate("default")

    threads = [threading.Thread(target=gate), threading.Thread(target=gate), threading.Thread(target=watcher)]
    for thread in threads:
        thread.start()
    try:
        for round_ in range(40):
            user = str(1_000_000 + round_)
            approved.add(ApprovedEntry(user, "default", "import", 0.0))
            service.access.invalidate("default")
            time.sleep(0.001)  # room for a build begun before the change to land, if it could
            assert [outcome(service, user) for _ in range(5)] == [Outcome.DISPATCH] * 5, round_
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def test_the_command_filter_recheck_trusts_what_the_gate_just_validated(service, approved, monkeypatch):
    """check() (the companion command filter, right after the gate admitted the message) does not
    look at the stores again within RECHECK_TRUST_SECONDS; the gate always looks."""
    now = [1000.0]
    monkeypatch.setattr(access.time, "monotonic", lambda: now[0])
    assert outcome(service, FRIEND) is Outcome.DISPATCH
    looks = approved.looks
    assert service.check("default", FRIEND).outcome is Outcome.DISPATCH
    assert approved.looks == looks
    approved.add(ApprovedEntry(NEWCOMER, "default", "edited by hand", 0.0))
    assert outcome(service, NEWCOMER) is Outcome.DISPATCH  # the gate saw the edit at once
    approved.add(ApprovedEntry("5512345678901234567", "default", "edited by hand", 0.0))
    assert service.check("default", "5512345678901234567").outcome is not Outcome.DISPATCH  # trusted, not looked
    now[0] += access.RECHECK_TRUST_SECONDS
    assert service.check("default", "5512345678901234567").outcome is Outcome.DISPATCH  # past the window: looked
    assert approved.looks == looks + 2


def test_an_edit_through_access_control_reaches_the_recheck_at_once(service):
    assert outcome(service, FRIEND) is Outcome.DISPATCH
    service.allow_user(NEWCOMER)
    assert service.check("default", NEWCOMER).outcome is Outcome.DISPATCH
    service.revoke(NEWCOMER)
    assert service.check("default", NEWCOMER).outcome is not Outcome.DISPATCH
