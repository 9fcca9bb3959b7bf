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
from errbot_zalouser.service.transports import cli_transport
from errbot_zalouser.settings import OutboundSettings
from errbot_zalouser.transport import capabilities
from errbot_zalouser.transport.client import ZcaClient
from errbot_zalouser.transport.listener import Listener
from tests.fake_transport import InProcessZca
from tests.richtext.chat import chat_styled, visible

FRIEND = Target("6634210987765540123")
WORK_CHAT = Target("7031928374650192837", is_group=True)
FAST = OutboundSettings(rate_per_second=50, burst=100, max_attempts=2, retry_base_seconds=0.01, retry_max_seconds=0.02)


def accounts(sim, chunk_limit: int = 2000, *, formatting: str = "auto", probe: bool = False) -> Accounts:
    settings = parse_channel_block({"textChunkLimit": chunk_limit, "formatting": formatting}, zca="zca", env={})
    runner = InProcessZca(sim.home)
    transport = cli_transport(runner, settings.account(), zca="zca", send_timeout=None, listener_factory=Listener)
    assert isinstance(transport.client, ZcaClient)
    if probe:
        transport.client.capabilities = capabilities.probe(runner.run, None)
    client = transport.client
    directory = DirectoryCache(client.friend_list, client.group_list, client.group_members, client.me_info)
    return Accounts([AccountRuntime(settings.account(), transport, directory)], "default")


@pytest.fixture
def make_outbox(sim, tmp_path: Path) -> Iterator:
    made: list[Outbox] = []

    def make(chunk_limit: int = 2000, *, start: bool = True, formatting: str = "auto",
             probe: bool = False) -> tuple[Outbox, Accounts]:
        registry = accounts(sim, chunk_limit, formatting=formatting, probe=probe)
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


# --- what the chat shows, by binary and by formatting setting -------------------------------------

MARKDOWN = "**bold** and *it*, 5\\*3 a_b\n\n- one\n- two"


def _shown(sim) -> list[tuple[str, set[tuple[str, str]]]]:
    out = []
    for record in sim.sent():
        styled = chat_styled(record)
        out.append((visible(styled.text), {(styled.text[s.start:s.end], s.style) for s in styled.styles}))
    return out


@pytest.mark.parametrize(("surface", "formatting", "text", "styles"), [
    ("0.1.58", "auto", "bold and it, 5*3 a_b\n\none\ntwo",
     {("bold", "b"), ("it", "i"), ("one", "lst_1"), ("two", "lst_1")}),
    ("0.1.58", "plain", "**bold** and *it*, 5*3 a_b\n\n• one\n• two", set()),
    ("legacy", "auto", "**bold** and *it*, 5*3 a_b\n\n• one\n• two", set()),
])
def test_markdown_is_shown_as_the_binary_and_the_setting_allow(make_outbox, sim, surface, formatting, text, styles):
    sim.set_surface(surface)
    outbox, _ = make_outbox(formatting=formatting, probe=True)
    assert outbox.send_markdown(None, FRIEND, MARKDOWN) == 1
    assert outbox.drain(10)
    assert _shown(sim) == [(text, styles)]
    assert sim.sent()[0].get("raw", False) is (surface == "0.1.58" and formatting == "plain")


@pytest.mark.parametrize("surface", ["0.1.58", "legacy"])
def test_literal_text_is_shown_exactly(make_outbox, sim, surface):
    sim.set_surface(surface)
    outbox, _ = make_outbox(probe=True)
    outbox.send_text(None, FRIEND, "**not bold** 1. x\n- y\n  z {red}")
    assert outbox.drain(10)
    assert _shown(sim) == [("**not bold** 1. x\n- y\n  z {red}", set())]


def test_a_heavily_styled_reply_is_cut_where_openzca_would_cut_it(make_outbox, sim):
    outbox, _ = make_outbox(probe=True)
    markdown = " ".join(f"**w{i:03}**" for i in range(400))  # 2,000 characters, 400 styles
    chunks = outbox.send_markdown(None, FRIEND, markdown)
    assert chunks > 1 and outbox.drain(20)
    assert all(r["chunks"] == 1 for r in sim.sent())  # openzca never had to split one itself
    assert " ".join(r["text"] for r in sim.sent()) == " ".join(f"w{i:03}" for i in range(400))


@pytest.mark.parametrize("surface", ["0.1.58", "legacy"])
def test_an_at_sign_in_a_group_reply_is_never_read_as_a_mention(make_outbox, sim, surface):
    sim.set_surface(surface)
    outbox, _ = make_outbox(probe=True)
    outbox.send_text(None, WORK_CHAT, "@Alice Smith and @6634210987765540123, see (@all)")
    assert outbox.drain(10)
    [record] = sim.sent()
    assert visible(record["text"]) == "@Alice Smith and @6634210987765540123, see (@all)"
    assert record.get("mentions", []) == []


@pytest.mark.parametrize("surface", ["0.1.58", "legacy"])
def test_a_plugin_mentions_a_member_by_user_id(make_outbox, sim, surface):
    """openzca resolves the mention; the old binary sends the same text, which mentions nobody."""
    sim.set_surface(surface)
    outbox, registry = make_outbox(probe=True)
    member = registry.get(None).directory.members(WORK_CHAT.thread_id, 100).rows[1]
    outbox.send_text(None, WORK_CHAT, "your build is done", mentions=[member.user_id])
    assert outbox.drain(10)
    [record] = sim.sent()
    assert record["text"] == f"@{member.name} your build is done"
    expected = [member.user_id] if surface == "0.1.58" else []
    assert [m["uid"] for m in record.get("mentions", [])] == expected


def test_a_mention_of_someone_outside_the_group_is_refused(make_outbox, sim):
    outbox, _ = make_outbox(probe=True)
    with pytest.raises(NotFound, match="not a member"):
        outbox.send_text(None, WORK_CHAT, "hi", mentions=["1234567890123456789"])
    assert outbox.drain(5) and sim.sent() == []


def test_mentions_in_a_dm_are_ignored(make_outbox, sim):
    outbox, _ = make_outbox(probe=True)
    outbox.send_text(None, FRIEND, "hi", mentions=["1234567890123456789"])
    assert outbox.drain(5) and [r["text"] for r in sim.sent()] == ["hi"]


def test_a_media_url_must_be_http(make_outbox):
    outbox, _ = make_outbox(start=False)
    with pytest.raises(ValueError, match="not an http"):
        outbox.send_url(None, FRIEND, "/etc/passwd")
    assert outbox.stats("default").queued == 0
