"""Outbox: replies become `zca msg ...` calls in order, survive in the journal until sent, and
stamp the account's activity (sent, failed) for status."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.errors import NotFound, NotSent, NotSupported, ZcaBlocked
from errbot_zalouser.model import InboundEvent, Target
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


# --- quotes, files, reactions, cards ----------------------------------------------------------------

LINE = {"threadId": WORK_CHAT.thread_id, "msgId": "7645530765413", "cliMsgId": "1774152529301",
        "content": "gửi báo giá\n[reply context: An: x]", "msgType": "webchat", "senderId": "6634210987765540123",
        "chatType": "group", "ts": "1774152530188"}


@pytest.mark.parametrize("surface", ["0.1.58", "legacy"])
def test_a_quoted_reply_quotes_on_its_first_chunk_only(make_outbox, sim, surface):
    sim.set_surface(surface)
    outbox, _ = make_outbox(chunk_limit=20, probe=True)
    outbox.remember("default", InboundEvent.from_json(LINE))
    chunks = outbox.send_text(None, WORK_CHAT, "alpha beta gamma delta epsilon", reply_to=LINE["msgId"])
    assert chunks == 2 and outbox.drain(10)
    quotes = [row.get("quote") for row in sim.sent()]
    if surface == "legacy":  # no --reply-message: a plain reply
        assert quotes == [None, None]
    else:
        assert quotes[1] is None and quotes[0]["msgId"] == LINE["msgId"] and quotes[0]["content"] == "gửi báo giá"


@pytest.mark.parametrize("surface", ["0.1.58", "legacy"])
def test_a_staged_file_is_sent_then_deleted_and_the_caller_told(make_outbox, sim, surface):
    sim.set_surface(surface)
    outbox, _ = make_outbox(probe=True)
    outcomes: list[Exception | None] = []
    staged = outbox.stage(io.BytesIO(b"%PDF-1.7"), name="report.pdf", stream_type=None, size_hint=None,
                          max_bytes=1024)
    outbox.send_file(None, WORK_CHAT, staged, outcomes.append)
    assert outbox.drain(10) and outcomes == [None]
    (row,) = sim.sent()
    assert row["command"] == ("upload" if surface != "legacy" else "image") and row["isGroup"] is True
    assert not staged.path.exists() and not staged.path.parent.exists()


def test_a_failed_file_is_deleted_and_the_caller_told_why(make_outbox, sim):
    outbox, _ = make_outbox(probe=True)
    sim.fail("msg upload", times=5, stderr="Error: Không thể nhận tin nhắn từ bạn.")
    outcomes: list[Exception | None] = []
    staged = outbox.stage(io.BytesIO(b"x"), name="a.pdf", stream_type=None, size_hint=None, max_bytes=1024)
    outbox.send_file(None, FRIEND, staged, outcomes.append)
    assert outbox.drain(10)
    assert len(outcomes) == 1 and isinstance(outcomes[0], ZcaBlocked) and not staged.path.exists()


def test_a_raising_callback_does_not_stop_the_pool(make_outbox, sim):
    outbox, _ = make_outbox(probe=True)

    def boom(_error: Exception | None) -> None:
        raise RuntimeError("plugin bug")

    staged = outbox.stage(io.BytesIO(b"x"), name="a.png", stream_type=None, size_hint=None, max_bytes=1024)
    outbox.send_file(None, FRIEND, staged, boom)
    outbox.send_text(None, FRIEND, "after")
    assert outbox.drain(10) and [r["command"] for r in sim.sent()] == ["image", "send"]


def test_staged_files_of_a_crash_are_kept_for_the_journal_and_orphans_deleted(make_outbox, sim, tmp_path):
    outbox, _ = make_outbox(start=False, probe=True)
    queued = outbox.stage(io.BytesIO(b"x"), name="a.pdf", stream_type=None, size_hint=None, max_bytes=1024)
    outbox.send_file(None, FRIEND, queued)  # journaled, never sent: the process "dies" here
    orphan = outbox.stage(io.BytesIO(b"y"), name="b.pdf", stream_type=None, size_hint=None, max_bytes=1024)
    again, _ = make_outbox(probe=True)  # the next run, on the same journal
    assert again.drain(10)
    assert not orphan.path.exists() and not queued.path.exists()
    assert [r["command"] for r in sim.sent()] == ["upload"]


@pytest.mark.parametrize("surface", ["0.1.58", "legacy"])
def test_a_reaction_is_queued_like_a_reply(make_outbox, sim, surface):
    sim.set_surface(surface)
    outbox, _ = make_outbox(probe=True)
    with pytest.raises(NotFound, match="has not seen it"):
        outbox.react(None, WORK_CHAT, LINE["msgId"], "❤️")
    outbox.remember("default", InboundEvent.from_json(LINE))
    if surface == "legacy":
        with pytest.raises(NotSupported, match="no `msg react`"):
            outbox.react(None, WORK_CHAT, LINE["msgId"], "❤️")
        return
    with pytest.raises(ValueError, match="unsupported reaction"):
        outbox.react(None, WORK_CHAT, LINE["msgId"], "sparkles")
    outbox.react(None, WORK_CHAT, LINE["cliMsgId"], "❤️")
    assert outbox.drain(10)
    (row,) = sim.sent()
    assert (row["command"], row["reaction"], row["target"]) == (
        "react", "/-heart", {"msgId": "7645530765413", "cliMsgId": "1774152529301"})


def test_a_card_is_one_message_then_its_picture(make_outbox, sim):
    outbox, _ = make_outbox(probe=True)
    queued = outbox.send_card(None, FRIEND, summary="Build", title="#42", link="https://ci.invalid/42",
                              fields=(("branch", "main"),), image="https://ci.invalid/badge.png", color="green")
    assert queued == 2 and outbox.drain(10)
    text, picture = sim.sent()
    assert text["command"] == "send" and text["text"] == "Build\n\n#42 (https://ci.invalid/42)\n\nbranch: main"
    assert (picture["command"], picture["url"]) == ("image", "https://ci.invalid/badge.png")


def test_a_file_dropped_unsent_is_deleted_and_the_caller_told(sim, tmp_path):
    now = [1000.0]
    settings = OutboundSettings(rate_per_second=50, burst=100, max_age_seconds=60, max_queued_per_conversation=1)
    outbox = Outbox(accounts(sim, probe=True), settings, tmp_path / "zalouser", clock=lambda: now[0])
    outcomes: list[Exception | None] = []
    try:
        first = outbox.stage(io.BytesIO(b"1"), name="a.pdf", stream_type=None, size_hint=None, max_bytes=1024)
        second = outbox.stage(io.BytesIO(b"2"), name="b.pdf", stream_type=None, size_hint=None, max_bytes=1024)
        outbox.send_file(None, FRIEND, first, outcomes.append)
        outbox.send_file(None, FRIEND, second, outcomes.append)  # the conversation is full: refused at once
        assert len(outcomes) == 1 and isinstance(outcomes[0], NotSent) and "too much waiting" in str(outcomes[0])
        assert not second.path.exists() and first.path.exists()
        now[0] += 120  # the bot was down two minutes: the queued file is too old to send
        outbox.start()
        assert outbox.drain(10)
        assert isinstance(outcomes[1], NotSent) and "waited longer than 60 s" in str(outcomes[1])
        assert not first.path.exists() and sim.sent() == []
    finally:
        outbox.stop(timeout=2)
