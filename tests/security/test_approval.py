"""Issue 12, item 5: an approval is atomic as the admin sees it.

The grant is the one commit point: once it is written the sender is admitted at once and their
code is spent (a request whose sender is approved is void), even when removing the request from
pairing.json then fails; when the grant itself cannot be written, nothing changed and the admin
is told "Nothing was saved".
"""

from __future__ import annotations

import pytest

from errbot_zalouser.errors import NotFound, StoreError
from errbot_zalouser.policy.access import Outcome
from errbot_zalouser.stores.base import Stores
from errbot_zalouser.stores.jsonfile import JsonApprovedStore, JsonGroupAllowStore, JsonPairingStore
from plugins.zalouser_pairing.zalouser_pairing import ZalouserPairing  # noqa: F401 - the reply text's source
from tests.faults.harness import Harness

STRANGER = "3318205567419902764"


class Failing:
    """Wraps a store; while ``failing`` every write raises StoreError (a full disk)."""

    def __init__(self, inner, write_methods: tuple[str, ...]) -> None:
        self._inner = inner
        self._writes = write_methods
        self.failing = False

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name in self._writes and callable(attr):
            def guarded(*args, **kwargs):
                if self.failing:
                    raise StoreError("cannot write pairing.json: [Errno 28] No space left on device")
                return attr(*args, **kwargs)
            return guarded
        return attr


@pytest.fixture
def harness(make_service, tmp_path) -> tuple[Harness, Failing, Failing]:
    folder = tmp_path / "stores"
    pairing = Failing(JsonPairingStore(folder / "pairing.json"), ("update",))
    approved = Failing(JsonApprovedStore(folder / "approved.json"), ("add", "remove"))
    stores = Stores(pairing=pairing, approved=approved, group_allow=JsonGroupAllowStore(folder / "groups.json"))
    return make_service({"dmPolicy": "pairing"}, stores=stores), pairing, approved


def _challenge(h: Harness) -> str:
    assert h.dm(STRANGER, "hi", "Newcomer").outcome is Outcome.CHALLENGE
    [request] = h.service.pairing_requests()
    return request.code


def test_grant_written_but_code_not_removed_is_still_a_whole_approval(harness):
    h, pairing, _approved = harness
    code = _challenge(h)
    pairing.failing = True  # the second write (removing the request) fails

    request = h.service.approve_pairing(code, approver="admin")  # no "Nothing was saved"

    assert request.user_id == STRANGER
    assert h.dm(STRANGER, "!echo hello").outcome is Outcome.DISPATCH  # effective at once
    assert h.service.pairing_requests() == []  # the code is spent...
    with pytest.raises(NotFound):
        h.service.approve_pairing(code)  # ...and cannot be used again
    with pytest.raises(NotFound):
        h.service.deny_pairing(code)


def test_grant_that_cannot_be_written_changes_nothing(harness):
    h, _pairing, approved = harness
    code = _challenge(h)
    approved.failing = True

    with pytest.raises(StoreError):  # the plugin answers "Nothing was saved: ..."
        h.service.approve_pairing(code, approver="admin")

    assert [r.code for r in h.service.pairing_requests()] == [code]  # still pending
    assert h.dm(STRANGER, "!echo hello").outcome is Outcome.CHALLENGE
    approved.failing = False
    assert h.service.approve_pairing(code).user_id == STRANGER  # and it still works later
    assert h.dm(STRANGER, "!echo hello").outcome is Outcome.DISPATCH
