"""Issue 12, item 2: nobody can keep the pending pairing slots to themselves.

The finding, replayed in-process on the real service with a clock the test moves: three
accounts write as their codes expire (code lifetime 10 s) while a real newcomer writes every
second for 30 s. Now an expired or denied requester waits a cooldown before a new code, the
pending cap counts per bot account, a full cap gives the admins one summary an hour instead of a
notice per request, and ``!pair list``'s data says who waits and who cools down.
"""

from __future__ import annotations

import re

from errbot_zalouser.policy.access import Outcome
from tests.faults.harness import Harness

ATTACKERS = ("7000000000000000001", "7000000000000000002", "7000000000000000003")
NEWCOMER = "3318205567419902764"
LATECOMERS = ("3318205567419900011", "3318205567419900012")
BLOCK = {"dmPolicy": "pairing", "pairing": {"ttlSeconds": 10}, "accounts": {"default": {}, "work": {}}}


def _codes_of(h: Harness, user: str) -> set[str]:
    return {m.group(1) for n in h.notices if user in n for m in [re.search(r"pair approve ([A-Z2-9]{8})", n)] if m}


def test_three_accounts_cannot_keep_a_newcomer_out(make_service):
    h: Harness = make_service(BLOCK)
    for _second in range(30):
        for attacker in ATTACKERS:  # the attackers write first, every second
            h.dm(attacker, "code please")
        assert h.dm(NEWCOMER, "hello, may I use the bot?").outcome is Outcome.CHALLENGE
        h.clock.advance(1)

    assert len(_codes_of(h, NEWCOMER)) == 1, h.notices  # the newcomer got a code (expired by now, too)
    for attacker in ATTACKERS:
        assert len(_codes_of(h, attacker)) == 1, (attacker, h.notices)  # one code, then a cooldown
    assert len(h.notices) <= 5, h.notices  # 3 codes, one summary, the newcomer's code
    summaries = [n for n in h.notices if "waiting" in n]
    assert len(summaries) == 1 and "1 newcomer" in summaries[0], h.notices

    waitlist = h.service.pairing_waitlist()
    assert {c.user_id for c in waitlist.cooling} == {*ATTACKERS, NEWCOMER}
    assert all(c.reason == "expired" and c.until > h.clock.now for c in waitlist.cooling)


def test_deny_blocks_for_the_cooldown(make_service):
    h: Harness = make_service({"dmPolicy": "pairing", "pairing": {"cooldownSeconds": 3600}})
    h.dm(ATTACKERS[0], "hi")
    [request] = h.service.pairing_requests()
    h.service.deny_pairing(request.code)
    h.notices.clear()
    for _ in range(10):
        h.clock.advance(60)
        assert h.dm(ATTACKERS[0], "again").outcome is Outcome.CHALLENGE
    assert h.notices == [] and h.service.pairing_requests() == []  # no fresh code, no notice
    [cooling] = h.service.pairing_waitlist().cooling
    assert cooling.reason == "denied" and cooling.user_id == ATTACKERS[0]
    h.clock.advance(3600)
    h.dm(ATTACKERS[0], "a day later")
    assert [r.user_id for r in h.service.pairing_requests()] == [ATTACKERS[0]]  # the cooldown ends


def test_a_full_cap_is_summarised_hourly_and_counted_per_account(make_service):
    h: Harness = make_service({"dmPolicy": "pairing", "pairing": {"maxPending": 1, "ttlSeconds": 7200},
                               "accounts": {"default": {}, "work": {}}})
    h.dm(ATTACKERS[0], "hi")
    assert h.dm(ATTACKERS[1], "hi", account="work").outcome is Outcome.CHALLENGE
    assert {r.account for r in h.service.pairing_requests()} == {"default", "work"}  # the cap is per account
    h.notices.clear()
    for index in range(20):
        h.dm(LATECOMERS[index % 2], "hi")
        h.clock.advance(60)
    summaries = [n for n in h.notices if "waiting" in n]
    assert len(summaries) == 1 and "1 newcomer" in summaries[0], h.notices
    h.dm(LATECOMERS[1], "one more, an hour later")  # 20 minutes in: no new summary
    h.clock.advance(3600)
    h.dm(LATECOMERS[1], "one more, an hour later")
    summaries = [n for n in h.notices if "waiting" in n]
    assert len(summaries) == 2 and "2 newcomers" in summaries[1], h.notices
    assert {n.user_id for n in h.service.pairing_waitlist().turned_away} == set(LATECOMERS)
