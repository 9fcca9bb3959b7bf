"""ZalouserService on the simulator: the gate, pairing, allowlist operations and status."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator

import pytest

from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.errors import AmbiguousName, MediaError, NotFound, PolicyError, ZcaError
from errbot_zalouser.model import InboundEvent
from errbot_zalouser.policy.access import Outcome
from errbot_zalouser.service.preflight import StartupError
from errbot_zalouser.service.service import ZalouserService
from errbot_zalouser.simulator import seed
from errbot_zalouser.transport.capabilities import TOOL_ENV
from errbot_zalouser.transport.runner import CliRunner
from tests.fake_transport import InProcessZca, listener_factory

ADMIN = "2947718306652210431"  # Nguyễn Văn An
ALICE = "6634210987765540123"  # Alice Smith
TRAN_MINH = ("4061172938805514290", "4107725519063381846")  # two friends share "Trần Minh"
STRANGER = seed.STRANGER_ID
WORK_CHAT = "7031928374650192837"
FAST = {"ratePerSecond": 50, "burst": 100, "retryBaseSeconds": 0.01, "retryMaxSeconds": 0.05}
CODE = re.compile(r"Pairing code: ([A-Z2-9]{8})")


def dm(sender: str, text: str = "hi", name: str = "") -> InboundEvent:
    return InboundEvent(thread_id=sender, sender_id=sender, content=text, is_group=False, sender_name=name)


def group(sender: str, text: str = "hi", group_id: str = WORK_CHAT, mentions: tuple = ()) -> InboundEvent:
    return InboundEvent(thread_id=group_id, sender_id=sender, content=text, is_group=True, mention_ids=mentions)


@pytest.fixture
def make_service(tmp_path, sim, zca_sim_path) -> Iterator:
    services: list[ZalouserService] = []
    notices: list[str] = []

    def make(**block) -> ZalouserService:
        settings = parse_channel_block({"outbound": FAST, **block}, zca=zca_sim_path, env={})
        service = ZalouserService(settings, tmp_path / "data", runner=CliRunner(zca_sim_path),
                                  notify_admins=notices.append, admin_ids=frozenset({ADMIN}))
        service.preflight()
        service.start(lambda account, event: None)
        services.append(service)
        return service

    make.notices = notices
    yield make
    for service in services:
        service.stop()


def test_own_messages_are_dropped(make_service):
    service = make_service(dmPolicy="open")
    decision = service.admit("default", dm(seed.BOT_ID))
    assert decision.outcome is Outcome.DROP and decision.reason == "own message"


def test_pairing_reply_once_then_approval(make_service, sim):
    service = make_service(dmPolicy="pairing")
    first = service.admit("default", dm(STRANGER, name="Lan"))
    second = service.admit("default", dm(STRANGER, "again"))
    assert first.outcome is second.outcome is Outcome.CHALLENGE
    assert "code already sent" in second.reason
    assert service.drain(10)
    replies = [r for r in sim.sent() if r["threadId"] == STRANGER]
    assert len(replies) == 1
    code = CODE.search(replies[0]["text"]).group(1)
    assert any(code in notice for notice in make_service.notices)

    request = service.approve_pairing(code.lower(), approver="zalouser:" + ADMIN)
    assert request.user_id == STRANGER
    assert service.admit("default", dm(STRANGER)).outcome is Outcome.DISPATCH
    assert service.pairing_requests() == []
    with pytest.raises(NotFound):
        service.approve_pairing(code)


def test_pairing_cap_and_silent_newcomer(make_service, sim):
    service = make_service(dmPolicy="pairing", pairing={"maxPending": 2})
    for sender in ("101", "102"):
        assert "pairing code sent" in service.admit("default", dm(sender)).reason
    third = service.admit("default", dm("103"))
    assert "cap reached" in third.reason
    service.drain(10)
    assert not [r for r in sim.sent() if r["threadId"] == "103"]


def test_allowlist_drops_silently_and_admins_pass(make_service, sim):
    service = make_service(dmPolicy="allowlist", allowFrom=[ALICE])
    assert service.admit("default", dm(STRANGER)).outcome is Outcome.DROP
    assert service.admit("default", dm(ALICE)).outcome is Outcome.DISPATCH
    assert service.admit("default", dm(ADMIN)).outcome is Outcome.DISPATCH
    service.drain(10)
    assert sim.sent() == []


def test_names_resolve_at_start_up_but_never_grant_at_run_time(make_service):
    service = make_service(dmPolicy="allowlist", allowFrom=["alice smith", "Trần Minh", "Nobody"])
    view = {(row.id, row.source) for row in service.allowlist().dm}
    assert (ALICE, "resolved") in view
    assert ("Nobody", "unresolved") in view
    assert ("Trần Minh", "unresolved") in view  # ambiguous: not guessed
    assert service.admit("default", dm(STRANGER, name="Alice Smith")).outcome is Outcome.DROP
    assert all(service.admit("default", dm(uid)).outcome is Outcome.DROP for uid in TRAN_MINH)


def test_allow_and_revoke_from_chat(make_service):
    service = make_service(dmPolicy="allowlist", allowFrom=[ALICE])
    with pytest.raises(AmbiguousName) as ambiguous:
        service.allow_user("trần minh")
    assert {uid for uid, _ in ambiguous.value.candidates} == set(TRAN_MINH)
    entry = service.allow_user("Đào Thị Bích", by="zalouser:" + ADMIN)
    assert entry.user_id == "3318205567419902764"
    assert service.admit("default", dm(entry.user_id)).outcome is Outcome.DISPATCH
    service.revoke("Đào Thị Bích")
    assert service.admit("default", dm(entry.user_id)).outcome is Outcome.DROP
    with pytest.raises(PolicyError, match="configuration"):
        service.disallow_user(ALICE)


def test_group_allowlist_from_chat_takes_effect_at_once(make_service):
    service = make_service(groupPolicy="allowlist")
    assert service.admit("default", group(ALICE)).outcome is Outcome.DROP
    with pytest.raises(AmbiguousName):
        service.allow_group("Work Chat")
    service.allow_group(f"group:{WORK_CHAT}")
    assert service.admit("default", group(ALICE)).outcome is Outcome.DISPATCH
    service.disallow_group(WORK_CHAT)
    assert service.admit("default", group(ALICE)).outcome is Outcome.DROP


def test_require_mention(make_service):
    service = make_service(groupPolicy="open", requireMention=True)
    assert service.admit("default", group(ALICE)).outcome is Outcome.DROP
    assert service.admit("default", group(ALICE, mentions=(seed.BOT_ID,))).outcome is Outcome.DISPATCH


def test_check_has_no_side_effects(make_service, sim):
    service = make_service(dmPolicy="pairing")
    assert service.check(None, STRANGER).outcome is Outcome.CHALLENGE
    assert service.pairing_requests() == []
    service.drain(5)
    assert sim.sent() == []


def test_status_reports_policies_and_warnings(make_service):
    service = make_service(dmPolicy="open")
    (status,) = service.status(probe=True)
    assert status.logged_in is True and status.zca_version
    assert status.dm_policy == "open" and any('"open"' in w for w in status.warnings)
    assert status.probe.ok and status.probe.user.user_id == seed.BOT_ID
    assert status.listener_state in ("starting", "connected")


def test_preflight_reports_logged_out_profiles(tmp_path, sim, zca_sim_path):
    sim.set_logged_in(False)
    settings = parse_channel_block({}, zca=zca_sim_path, env={})
    service = ZalouserService(settings, tmp_path / "data", runner=CliRunner(zca_sim_path))
    with pytest.raises(StartupError, match="errbot_zalouser login --account default"):
        service.preflight()


@pytest.mark.parametrize("written", ["Dao Thi Bich", "ĐÀO THỊ BÍCH", unicodedata.normalize("NFD", "Đào Thị Bích")])
def test_one_name_rule_from_config_and_from_chat(make_service, written):
    """A name finds the same person in allowFrom (start-up), !allowlist add and !pair revoke."""
    bich = "3318205567419902764"  # Đào Thị Bích
    service = make_service(dmPolicy="allowlist", allowFrom=[written])
    assert (bich, "resolved") in {(row.id, row.source) for row in service.allowlist().dm}
    assert service.admit("default", dm(bich)).outcome is Outcome.DISPATCH
    assert service.allow_user(written).user_id == bich
    assert service.revoke(written.lower()).user_id == bich


def test_group_exists_never_turns_a_zca_failure_into_a_no(make_service, sim):
    service = make_service()  # nothing configured by name: the group list is not fetched yet
    sim.fail("group list", stderr="Error: simulated outage")
    with pytest.raises(ZcaError, match="simulated outage"):
        service.group_exists(WORK_CHAT)
    assert service.group_exists(WORK_CHAT) is True
    assert service.group_exists("1234567") is False  # an id the account is not in


# --- the zca binary: probed once, its capabilities on every client, the bot's env on every child ---


@pytest.mark.parametrize(("surface", "kind", "raw"), [("0.1.58", "openzca", True), ("legacy", "zca-cli-or-unknown", False)])
def test_preflight_learns_what_zca_supports_and_status_shows_it(make_service, sim, surface, kind, raw):
    sim.set_surface(surface)
    service = make_service()
    assert service.capabilities.kind == kind and service.capabilities.raw is raw
    assert all(rt.client.capabilities is service.capabilities for rt in service.accounts)
    [status] = service.status()
    assert (status.zca_kind, "raw" in status.capabilities) == (kind, raw)
    assert service.capabilities.supervised is raw


@pytest.mark.parametrize(("surface", "argv_tail"), [
    ("0.1.58", ["-r", "--supervised", "--heartbeat-ms", "30000"]),  # heartbeats followed
    ("legacy", ["-r", "-k"]),  # a binary without --supervised keeps the tool's own keep-alive
])
def test_the_listener_is_supervised_when_the_binary_can_be(make_service, sim, surface, argv_tail):
    sim.set_surface(surface)
    service = make_service()
    seen: list[object] = []
    service.start(lambda account, event: seen.append(event))
    try:
        [rt] = list(service.accounts)
        assert rt.listener is not None and rt.listener.argv[-len(argv_tail):] == argv_tail
    finally:
        service.stop()


def test_status_says_when_zca_changed_since_start_up(make_service, sim):
    service = make_service()
    sim.set_surface("legacy")  # another binary at the same path (0.1.20)
    [status] = service.status()
    assert any("zca is now 0.1.20 but was 0.1.58 at start-up" in w for w in status.warnings)


def test_every_zca_child_gets_the_bots_environment(tmp_path, sim):
    make_listener, listeners = listener_factory()
    settings = parse_channel_block({"outbound": FAST}, zca="zca", env={})
    service = ZalouserService(settings, tmp_path / "data", runner=InProcessZca(sim.home), listener_factory=make_listener)
    service.preflight()
    service.start(lambda account, event: None)
    try:
        media = tmp_path / "data" / "zalouser" / "media" / "default"
        assert listeners[0].env == {**TOOL_ENV, "OPENZCA_LISTEN_MEDIA_DIR": str(media),
                                    "OPENZCA_LISTEN_MEDIA_MAX_BYTES": str(20 * 1024 * 1024)}
        assert TOOL_ENV["OPENZCA_SEND_RETRY_COUNT"] == "0" and media.is_dir()
        assert media.stat().st_mode & 0o777 == 0o700
    finally:
        service.stop()
    default = ZalouserService(settings, tmp_path / "data2")
    assert default._runner.env == dict(TOOL_ENV)  # the CliRunner it builds for itself


# --- addressing, reactions, quotes, streams -------------------------------------------------------------


def line_event(thread: str, sender: str, content: str, *, group_id: bool = False, msg_id: str = "7645530765413",
               cli: str = "1774152529301", **fields) -> InboundEvent:
    return InboundEvent.from_json({"threadId": thread, "msgId": msg_id, "cliMsgId": cli, "content": content,
                                   "msgType": "webchat", "ts": "1774152530188", "type": 1 if group_id else 0, "senderId": sender,
                                   "metadata": {"isGroup": group_id, "fromId": sender}, **fields})


def test_a_group_command_after_a_leading_mention_is_the_text_errbot_reads(make_service):
    service = make_service(groupPolicy="open", requireMention=True)
    addressed = service.admit("default", group(ALICE, "@Sim Bot !echo hi"))
    assert addressed.dispatch and addressed.mentioned and addressed.text == "!echo hi"
    assert service.admit("default", group(ALICE, "@Sim Bots !echo hi")).outcome is Outcome.DROP  # not its name
    by_data = line_event(WORK_CHAT, ALICE, "@Bot nhỏ !help", group_id=True,
                         mentions=[{"uid": seed.BOT_ID, "pos": 0, "len": 8, "type": 0}])
    assert service.admit("default", by_data).text == "!help"
    elsewhere = service.admit("default", group(ALICE, "hỏi @Sim Bot nhé"))
    assert elsewhere.dispatch and elsewhere.text == "hỏi @Sim Bot nhé"  # mentioned, not addressed: kept whole


def test_a_reaction_needs_a_message_the_bot_was_shown(make_service, sim):
    service = make_service(groupPolicy="open")
    target = group(ALICE).target
    with pytest.raises(NotFound, match="has not seen it"):
        service.react(None, target, "7645530765413", "HEART")
    seen = line_event(WORK_CHAT, ALICE, "xem nè", group_id=True)
    assert service.admit("default", seen).dispatch
    with pytest.raises(ValueError, match="unsupported reaction"):
        service.react(None, target, seen.msg_id, "sparkles")
    service.react(None, target, seen.cli_msg_id, "❤️")
    service.react(None, target, seen.msg_id, "none")
    assert service.drain(10)
    assert [(r["command"], r["reaction"], r["target"]["msgId"]) for r in sim.sent()] == [
        ("react", "/-heart", seen.msg_id), ("react", "", seen.msg_id)]


def test_a_refused_message_cannot_be_reacted_to(make_service):
    service = make_service(dmPolicy="allowlist")
    refused = line_event(STRANGER, STRANGER, "hi")
    assert not service.admit("default", refused).dispatch
    with pytest.raises(NotFound):
        service.react(None, refused.target, refused.msg_id, "LIKE")


def test_a_reply_to_a_remembered_message_quotes_it_else_goes_plain(make_service, sim):
    service = make_service(groupPolicy="open")
    seen = line_event(WORK_CHAT, ALICE, "báo giá?\n[reply context: An: cũ]", group_id=True,
                      quote={"ownerId": ADMIN, "msg": "cũ"})
    assert service.admit("default", seen).dispatch
    service.send_markdown(None, seen.target, "**đây**", reply_to=seen.msg_id)
    service.send_text(None, seen.target, "không nhớ", reply_to="7000000000000")
    assert service.drain(10)
    quoted, plain = sim.sent()
    assert quoted["quote"]["msgId"] == seen.msg_id and quoted["quote"]["content"] == "báo giá?"
    assert plain["quote"] is None and plain["text"] == "không nhớ"


def test_a_stream_is_sent_as_a_file_and_reported(make_service, sim):
    service = make_service(mediaMaxMb=0.001)
    sim.wait_listener()  # the upload goes through the listener's socket
    outcomes: list = []
    service.send_stream(None, dm(ALICE).target, io.BytesIO(b"a,b\n1,2\n"), name="data.csv", stream_type="text/csv",
                        on_done=outcomes.append)
    with pytest.raises(MediaError, match="over the 1048 bytes"):
        service.send_stream(None, dm(ALICE).target, io.BytesIO(b"x" * 2000), name="big.bin", on_done=outcomes.append)
    assert service.drain(10) and outcomes == [None]
    (row,) = sim.sent()
    assert row["command"] == "upload" and row["attachments"][0].endswith("/data.csv")


def test_received_files_are_vetted_before_the_backend_sees_them(tmp_path, sim, caplog):
    make_listener, listeners = listener_factory()
    settings = parse_channel_block({"outbound": FAST}, zca="zca", env={})
    service = ZalouserService(settings, tmp_path / "data", runner=InProcessZca(sim.home), listener_factory=make_listener)
    service.preflight()
    got: list = []
    service.start(lambda account, event: got.append(event))
    try:
        media = service.media["default"].path
        inside = media / "1774152600123-9f1c2a7b.jpg"
        inside.write_bytes(b"jpeg!")
        for path in (str(inside), "/etc/passwd"):
            listeners[0].deliver({"threadId": ALICE, "content": f"[media attached: {path} (image/jpeg)]",
                                  "msgType": "chat.photo", "mediaPath": path, "mediaKind": "image"})
    finally:
        service.stop()
    kept, dropped = (event.attachments[0] for event in got)
    assert (kept.path, kept.size) == (str(inside), 5) and (dropped.path, dropped.size) == ("", None)
