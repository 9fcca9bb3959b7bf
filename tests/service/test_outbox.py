"""Outbox: replies become `zca msg ...` calls in order, survive in the journal until sent, and
stamp the account's activity (sent, failed) for status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.errors import NotFound
from errbot_zalouser.model import Target
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.service.account import AccountRuntime, Accounts
from errbot_zalouser.service.directory import DirectoryCache
from errbot_zalouser.service.outbox import JOURNAL_NAME, Outbox
from errbot_zalouser.settings import OutboundSettings
from errbot_zalouser.transport.client import ZcaClient
from tests.fake_transport import InProcessZca

FRIEND = Target("6634210987765540123")
WORK_CHAT = Target("7031928374650192837", is_group=True)
FAST = OutboundSettings(rate_per_second=50, burst=100, max_attempts=2, retry_base_seconds=0.01, retry_max_seconds=0.02)


def accounts(sim, chunk_limit: int = 2000) -> Accounts:
    settings = parse_channel_block({"textChunkLimit": chunk_limit}, zca="zca", env={})
    client = ZcaClient(InProcessZca(sim.home), "default")
    directory = DirectoryCache(client.friend_list, client.group_list, client.group_members, client.me_info)
    return Accounts([AccountRuntime(settings.account(), client, directory)], "default")


@pytest.fixture
def make_outbox(sim, tmp_path: Path) -> Iterator:
    made: list[Outbox] = []

    def make(chunk_limit: int = 2000, *, start: bool = True) -> tuple[Outbox, Accounts]:
        registry = accounts(sim, chunk_limit)
        outbox = Outbox(registry, FAST, tmp_path / "zalouser", clock=lambda: 1234.5)
        made.append(outbox)
        if start:
            outbox.start()
        return outbox, registry

    yield make
    for outbox in made:
        outbox.stop(timeout=2)


def test_a_long_reply_goes_out_as_chunks_in_order(make_outbox, sim):
    outbox, registry = make_outbox(chunk_limit=100)
    text = "\n".join(f"line {i:03} " + "x" * 40 for i in range(10))
    chunks = outbox.send_text(None, FRIEND, text)
    assert chunks > 1 and outbox.drain(10)
    sent = sim.sent()
    assert len(sent) == chunks and all(len(row["text"]) <= 100 for row in sent)
    assert "\n".join(row["text"] for row in sent).split() == text.split()
    assert registry.get(None).activity.last_outbound_at == 1234.5


def test_media_and_links_use_their_own_commands(make_outbox, sim):
    outbox, _ = make_outbox()
    outbox.send_url("default", WORK_CHAT, "https://example.invalid/a.png", caption="look")
    outbox.send_link("default", FRIEND, "https://example.invalid/page")
    assert outbox.drain(10)
    sent = sorted((r["command"], r["threadId"], r.get("caption", "")) for r in sim.sent())  # two conversations
    assert sent == [("image", WORK_CHAT.thread_id, "look"), ("link", FRIEND.thread_id, "")]


def test_nothing_is_queued_for_a_blank_reply(make_outbox, tmp_path):
    outbox, _ = make_outbox(start=False)
    assert outbox.send_text(None, FRIEND, " \n ") == 0
    assert outbox.stats("default").queued == 0


def test_queued_replies_are_journaled_before_they_are_sent(make_outbox, tmp_path):
    outbox, _ = make_outbox(start=False)
    outbox.send_text(None, FRIEND, "kept across a restart")
    assert outbox.stats("default").queued == 1
    with Journal(tmp_path / "zalouser" / JOURNAL_NAME) as journal:
        assert [item.text for item in journal.pending()] == ["kept across a restart"]


def test_a_failed_send_is_recorded_on_the_account(make_outbox, sim):
    sim.fail("msg send", times=5, stderr="Error: blocked by Zalo")
    outbox, registry = make_outbox()
    outbox.send_text(None, FRIEND, "will fail")
    assert outbox.drain(10)
    assert outbox.stats("default").failed == 1
    assert registry.get(None).activity.last_error.startswith(f"send to {FRIEND.key} failed")


def test_an_unknown_account_is_refused(make_outbox):
    outbox, _ = make_outbox(start=False)
    with pytest.raises(NotFound, match="unknown account 'nope'"):
        outbox.send_text("nope", FRIEND, "x")
