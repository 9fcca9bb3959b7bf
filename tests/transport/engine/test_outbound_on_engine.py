"""The outbound dispatcher, unchanged, on an EngineClient: its retry and journal rules hold when the
engine dies mid-send and when the bot restarts with replies still queued."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from errbot_zalouser.model import Target
from errbot_zalouser.outbound.compose import client_sender, reply_items
from errbot_zalouser.outbound.dispatcher import OutboundDispatcher
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.transport.engine.client import EngineClient
from tests.transport.conftest import wait_until

FRIEND = "2947718306652210431"
GROUP = "6920154873301128374"


def dispatcher(client: EngineClient, journal: Path, failed: list, attempts: int = 4,
               retry_unknown: bool = False) -> OutboundDispatcher:
    return OutboundDispatcher(client_sender({"default": client}), workers=2, max_attempts=attempts, retry_base=0.05,
                              retry_max=0.2, journal=Journal(journal), retry_unknown_delivery=retry_unknown,
                              on_failed=lambda item, exc: failed.append((item.text, exc)))


def crash_mid_send(make_engine, fake, tmp_path, *, retry_unknown: bool) -> tuple[list[str], list, Any, int]:
    """Two messages; the engine is killed while the first is in flight. Returns what reached the
    chat, the failures reported, the engine and the crashed engine's pid."""
    engine = make_engine()
    client = EngineClient(engine, "default", send_timeout=10.0)
    client.is_authenticated()
    failed: list = []
    outbox = dispatcher(client, tmp_path / "outbox.jsonl", failed, retry_unknown=retry_unknown)
    outbox.start()
    try:
        fake.hang("msg send", 30)
        crashed = engine.pid
        outbox.submit_many(reply_items("default", Target(FRIEND), "một\n\nhai", mode="newline"))
        assert wait_until(lambda: (fake.state_dir / "fault-uses.jsonl").exists(), 10)
        fake.clear_faults()
        os.kill(crashed, signal.SIGKILL)
        assert outbox.drain(timeout=20)
    finally:
        outbox.stop()
    return [row["text"] for row in fake.sent()], failed, engine, crashed


def test_a_send_lost_in_an_engine_crash_is_retried_on_the_new_engine(make_engine, fake, tmp_path):
    """With outbound.retryUnknownDelivery: a send the engine lost (unknown whether it arrived) is retried."""
    sent, failed, engine, crashed = crash_mid_send(make_engine, fake, tmp_path, retry_unknown=True)
    assert sent == ["một", "hai"]
    assert failed == [] and engine.stats.lost == 1 and engine.pid != crashed


def test_a_send_lost_in_an_engine_crash_is_reported_not_repeated_by_default(make_engine, fake, tmp_path):
    sent, failed, engine, _crashed = crash_mid_send(make_engine, fake, tmp_path, retry_unknown=False)
    assert sent == ["hai"]
    assert [text for text, _exc in failed] == ["một"] and engine.stats.lost == 1


def test_replies_queued_while_zalo_refuses_survive_a_bot_restart(make_engine, fake, tmp_path):
    journal = tmp_path / "outbox.jsonl"
    fake.fail_rate_limited("msg send", times=-1)
    first_engine = make_engine()
    failed: list = []
    outbox = dispatcher(EngineClient(first_engine, "default"), journal, failed, attempts=1000)
    outbox.start()
    items = [*reply_items("default", Target(GROUP, is_group=True), "a"),
             *reply_items("default", Target(GROUP, is_group=True), "b")]
    outbox.submit_many(items)
    assert wait_until(lambda: sum(c.get("command") == "msg send" for c in fake.calls()) >= 1, 10)
    outbox.stop(timeout=2)  # the bot goes down with both replies still queued
    first_engine.stop()
    fake.clear_faults()
    restarted = dispatcher(EngineClient(make_engine(), "default"), journal, failed)
    restarted.start()
    try:
        assert restarted.drain(timeout=20)
    finally:
        restarted.stop()
    assert [row["text"] for row in fake.sent()] == ["a", "b"]
    assert failed == []
