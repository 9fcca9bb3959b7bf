"""A small bot stand-in for the kill -9 suite: the real ZalouserService on `zca-sim`, no errbot.

Usage: ``python crash_harness.py <data_dir> <zca> <run> burst|drain`` (ZCA_SIM_HOME inherited).

It starts the service (stores, gate, send pool with its journal, listener), prints ``ready``,
then approves every pairing request an earlier (killed) run left pending, as an admin catching
up would. ``drain`` then waits for the send pool to empty, stops cleanly and prints
``drained True``. ``burst`` runs a few rounds of: a DM from a new stranger through the gate
(pairing code reply queued), the approval of its code (approved notice queued) and a reply to the
admin, with short random pauses, then idles until killed.

Every line is printed only after the call it acknowledges returned, so the test may rely on it::

    CHALLENGED <uid>        admit() returned: the request is stored, its code reply journaled
    APPROVED <uid>          approve_pairing() returned: the grant is stored, its notice journaled
    QUEUED <text>           send_text() returned: the reply is journaled
"""

from __future__ import annotations

import random
import sys
import time

from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.errors import PolicyError
from errbot_zalouser.model import InboundEvent, Target
from errbot_zalouser.service.service import ZalouserService
from errbot_zalouser.transport.runner import CliRunner

ADMIN = "2947718306652210431"
ROUNDS = 3
BLOCK = {
    "dmPolicy": "pairing",
    "pairing": {"maxPending": 100},
    # The kills pile up a journal backlog no real bot sees; the caps would (rightly) drop new replies
    # once it is large, and this suite is about durability, not about those bounds (test_outbox_bounds).
    "outbound": {"ratePerSecond": 50, "burst": 50, "maxAttempts": 3, "retryBaseSeconds": 0.05,
                 "retryMaxSeconds": 0.2, "maxQueuedPerConversation": 10_000, "maxQueuedPerAccount": 100_000},
}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def approve(service: ZalouserService, code: str, user_id: str) -> None:
    try:
        service.approve_pairing(code, approver=f"zalouser:{ADMIN}")
    except PolicyError:  # already taken by an earlier run that died after the grant
        return
    say(f"APPROVED {user_id}")


def main() -> int:
    data_dir, zca, run, mode = sys.argv[1:5]
    rng = random.Random(int(run))
    settings = parse_channel_block(BLOCK, zca=zca, env={})
    service = ZalouserService(settings, data_dir, runner=CliRunner(zca, kill_grace=1.0),
                              admin_ids=frozenset({ADMIN}))
    service.start(lambda account, event: None)
    say("ready")
    for request in service.pairing_requests():
        approve(service, request.code, request.user_id)
    if mode == "drain":
        drained = service.drain(60)
        service.stop(timeout=5.0)
        say(f"drained {drained}")
        return 0
    for n in range(ROUNDS):
        uid = f"9{int(run):03d}{n:015d}"
        event = InboundEvent(thread_id=uid, sender_id=uid, content="hi", is_group=False,
                             msg_id=f"{run}{n:04d}", sender_name=f"Stranger {run}-{n}")
        service.admit("default", event)
        say(f"CHALLENGED {uid}")
        time.sleep(rng.uniform(0, 0.04))
        [code] = [r.code for r in service.pairing_requests() if r.user_id == uid]
        approve(service, code, uid)
        time.sleep(rng.uniform(0, 0.04))
        text = f"reply {run}-{n}"
        if service.send_text(None, Target(ADMIN), text):  # 0: refused, the conversation's queue is full
            say(f"QUEUED {text}")
        time.sleep(rng.uniform(0, 0.04))
    while True:  # keep sending in the background until killed
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
