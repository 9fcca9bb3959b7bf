"""Issue 12, item 4: a bounded outbox.

- Journal entries older than the age limit (``outbound.maxAgeSeconds``, minutes) are not sent at
  start-up, and a pairing reply never outlives its code.
- One group flooding the bot with unknown commands cannot build a backlog: past
  ``outbound.maxQueuedPerConversation`` new replies are dropped with a log line, counted in
  status, and the admins get one notice; other conversations go on.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from errbot_zalouser.model import Target
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.policy.access import Outcome
from tests.faults.harness import Clock, Harness

GROUP = Target("7031928374650192837", is_group=True)
FRIEND = Target("6634210987765540123")
DAY = 86400.0


def _journal(data_dir: Path, *items: OutboundItem) -> None:
    """What a previous run left unsent."""
    path = data_dir / "zalouser" / "outbox.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"op": "queued", "item": i.to_json()}) + "\n" for i in items))


def _sent(h: Harness) -> list[str]:
    return [r.get("text", "") for r in h.sim.sent()]


def test_five_day_old_journal_entries_are_not_sent_at_start_up(make_service, caplog, tmp_path):
    now = Clock().now
    old = now - 5 * DAY
    _journal(tmp_path / "bot",
             OutboundItem(account="default", target=GROUP, kind="text", text="a five-day-old group reply",
                          created_at=old),
             OutboundItem(account="default", target=FRIEND, kind="text", text="Pairing code: OLDCODE2",
                          created_at=old),
             OutboundItem(account="default", target=FRIEND, kind="text", text="fresh", created_at=now - 5))
    h: Harness = make_service({"dmPolicy": "pairing"}, data_dir=tmp_path / "bot")
    caplog.set_level(logging.INFO, logger="errbot_zalouser")
    h.service.preflight()
    h.service.start(lambda account, event: None)
    assert h.service.drain(10)
    assert _sent(h) == ["fresh"]
    assert h.service.outbox.stats("default").expired == 2
    assert any("older than" in r.getMessage() for r in caplog.records)


def test_a_pairing_reply_never_outlives_its_code(make_service):
    h: Harness = make_service({"dmPolicy": "pairing", "pairing": {"ttlSeconds": 60}})
    assert h.dm("3318205567419902764", "hi").outcome is Outcome.CHALLENGE  # the reply waits: not started
    h.clock.advance(120)  # the code expired while the bot could not send
    h.service.preflight()
    h.service.start(lambda account, event: None)
    assert h.service.drain(10)
    assert not any("Pairing code" in t for t in _sent(h))


def test_a_flood_in_one_group_cannot_build_a_backlog(make_service, caplog):
    h: Harness = make_service({"outbound": {"maxQueuedPerConversation": 20}})
    caplog.set_level(logging.INFO, logger="errbot_zalouser")
    for _ in range(300):  # one member, 300 unknown commands, while the pool is busy (not started)
        h.service.send_text(None, GROUP, 'Command "x" not found.')
    h.service.send_text(None, FRIEND, "a reply elsewhere")

    stats = h.service.outbox.stats("default")
    assert stats.queued == 21 and stats.dropped == 280  # 20 for the group, 1 for the friend
    assert len([n for n in h.notices if "dropped" in n]) == 1, h.notices
    drops = [r for r in caplog.records if "dropped" in r.getMessage() and r.levelno >= logging.WARNING]
    assert 1 <= len(drops) <= 3  # a line per episode, not per reply
    [status] = h.service.status()
    assert status.dropped_replies == 280

    h.service.preflight()
    h.service.start(lambda account, event: None)
    started = time.monotonic()
    assert h.service.drain(30)
    sent = _sent(h)
    assert sent.count('Command "x" not found.') == 20 and "a reply elsewhere" in sent
    assert time.monotonic() - started < 30
