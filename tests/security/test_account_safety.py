"""Issue 12, item 10 (account safety): Zalo blocks accounts that write to too many strangers
(code 123) and throttles fast senders (code 221).

- A rate-limit error pauses the whole account's sending for the backoff, not just the one
  conversation it hit; other accounts go on.
- Pairing replies to strangers are capped per hour (``pairing.firstContactsPerHour``): past the
  cap, requests are still recorded and announced, no code is sent, and the admins are told once.
- Both show in status.
"""

from __future__ import annotations

import threading
import time

from errbot_zalouser.errors import ZcaRateLimited
from errbot_zalouser.model import SendResult, Target
from errbot_zalouser.outbound.dispatcher import OutboundDispatcher
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.policy.access import Outcome
from tests.faults.conftest import wait_until
from tests.faults.harness import Harness

PAUSE = 0.6


def _item(account: str, thread: str) -> OutboundItem:
    return OutboundItem(account=account, target=Target(thread), kind="text", text=f"to {thread}")


def test_a_rate_limit_pauses_the_whole_account(tmp_path):
    sends: list[tuple[float, str, str]] = []
    failed_at: list[float] = []
    lock = threading.Lock()

    def send(item: OutboundItem) -> SendResult:
        now = time.monotonic()
        with lock:
            if item.target.thread_id == "100" and not failed_at:
                failed_at.append(now)
                raise ZcaRateLimited("zca msg send failed: Vượt quá số request cho phép (221)")
            sends.append((now, item.account, item.target.thread_id))
        return SendResult("1")

    dispatcher = OutboundDispatcher(send, workers=4, max_attempts=3, retry_base=PAUSE, retry_max=PAUSE)
    dispatcher.start()
    try:
        dispatcher.submit(_item("a", "100"))
        assert wait_until(lambda: bool(failed_at), timeout=5)
        dispatcher.submit(_item("a", "200"))  # another chat of the same account
        dispatcher.submit(_item("b", "300"))  # another account
        paused = dispatcher.account_stats("a")
        assert dispatcher.drain(timeout=10)
    finally:
        dispatcher.stop()
    when = {thread: at for at, _account, thread in sends}
    assert set(when) == {"100", "200", "300"}
    assert when["200"] - failed_at[0] >= PAUSE * 0.7, "the same account sent during the pause"
    assert when["300"] - failed_at[0] < PAUSE * 0.7, "another account was paused too"
    assert paused.paused_until is not None  # status shows the pause while it lasts
    assert dispatcher.account_stats("b").paused_until is None


def _code_replies(h: Harness) -> list[str]:
    assert h.service.drain(10)
    return [r["threadId"] for r in h.sim.sent() if "Pairing code" in r.get("text", "")]


def test_pairing_replies_stop_at_the_first_contact_cap(make_service):
    h: Harness = make_service({"dmPolicy": "pairing", "pairing": {"firstContactsPerHour": 2, "maxPending": 10}},
                              start=True)
    strangers = [f"33182055674199000{n:02d}" for n in range(5)]
    for stranger in strangers:
        assert h.dm(stranger, "hi").outcome is Outcome.CHALLENGE
        h.clock.advance(60)
    assert sorted(_code_replies(h)) == strangers[:2]  # two codes went out (in parallel), then silence
    assert len(h.service.pairing_requests()) == 5  # every request is still recorded...
    paused = [n for n in h.notices if n.startswith("Pairing replies are paused")]
    assert len(paused) == 1, h.notices  # ...and the admins are told once
    [status] = h.service.status()
    assert (status.first_contacts, status.first_contacts_cap, status.pairing_replies_paused) == (2, 2, True)

    h.clock.advance(3600)  # an hour later there is room again
    h.dm("3318205567419900099", "hi")
    assert "3318205567419900099" in _code_replies(h)
    [status] = h.service.status()
    assert not status.pairing_replies_paused
