"""The real CliRunner, ZcaClient and Listener driving `zca-sim` (the simulator of `zca`)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from errbot_zalouser.errors import (
    ZcaBlocked,
    ZcaCommandFailed,
    ZcaNotAuthenticated,
    ZcaRateLimited,
    ZcaTimeout,
)
from errbot_zalouser.model import SendResult, Target
from errbot_zalouser.simulator import texts
from errbot_zalouser.transport.capabilities import Capabilities
from errbot_zalouser.transport.client import TIMEOUTS, ZcaClient
from errbot_zalouser.transport.listener import Listener, ListenerSettings, ListenerState
from errbot_zalouser.transport.runner import CliRunner
from tests.transport.conftest import FAST, Recorder, pid_alive, wait_until

LISTEN_FAST = replace(FAST, assume_connected_seconds=0.5)


@pytest.fixture
def client(sim, zca_sim_path) -> ZcaClient:
    return ZcaClient(CliRunner(zca_sim_path, kill_grace=1.0), sim.profile)


@pytest.fixture
def listen(sim, zca_sim_path):
    """Factory for a Listener on the simulator; stopped (and checked for leftovers) at the end."""
    made: list[Listener] = []
    pids: list[int] = []

    def make(settings: ListenerSettings = LISTEN_FAST) -> tuple[Listener, Recorder]:
        recorder = Recorder()
        listener = Listener(
            zca_sim_path,
            sim.profile,
            recorder.on_event,
            on_state=recorder.on_state,
            settings=settings,
            name=f"sim{len(made)}",
        )
        made.append(listener)
        return listener, recorder

    yield make
    for listener in made:
        pid = listener.pid
        if pid:
            pids.append(pid)
        listener.stop()
    for pid in pids:
        assert not pid_alive(pid)


def friend(sim, index: int = 0) -> str:
    return str(sim.friends[index]["userId"])


def group(sim, index: int = 0) -> str:
    return str(sim.groups[index]["groupId"])


# --- one-shot commands ---------------------------------------------------------------------------


def test_version_and_auth_status(client, sim):
    assert client.version() == texts.OPENZCA_VERSION
    assert client.is_authenticated() is True
    sim.set_logged_in(False)
    assert client.is_authenticated() is False


def test_auth_status_hang_counts_as_not_authenticated(client, sim, monkeypatch):
    monkeypatch.setitem(TIMEOUTS, "auth status", 0.5)
    sim.hang("auth status", 10)
    started = time.monotonic()
    assert client.is_authenticated() is False
    assert time.monotonic() - started < 3
    assert client.is_authenticated() is True  # the hang was consumed


@pytest.mark.parametrize("noise", [False, True])
def test_directory_commands(client, sim, noise):
    sim.set_noise(noise)
    me = client.me_info()
    assert me.user_id == sim.me["userId"] and me.display_name == sim.me["displayName"]
    assert [u.user_id for u in client.friend_list()] == [f["userId"] for f in sim.friends]
    assert [g.group_id for g in client.group_list()] == [g["groupId"] for g in sim.groups]
    gid = group(sim)
    expected = {m["userId"] for m in sim.members[gid]}
    assert {m.user_id for m in client.group_members(gid)} == expected
    first = sim.friends[0]
    assert first["userId"] in [u.user_id for u in client.friend_find(first["displayName"])]


def test_group_members_of_an_unknown_group(client):
    with pytest.raises(ZcaCommandFailed, match="Group not found"):
        client.group_members("1111111111111111111")


@pytest.mark.parametrize("text", ["hello", "--help", "-g", "--profile x", "Xin chào 👋\nline two"])
@pytest.mark.parametrize("is_group", [False, True])
def test_send_text_reaches_the_right_thread_literally(client, sim, text, is_group):
    thread = group(sim) if is_group else friend(sim)
    result = client.send_text(Target(thread, is_group), text)
    [sent] = sim.sent()
    assert (sent["command"], sent["threadId"], sent["isGroup"], sent["text"]) == (
        "send",
        thread,
        is_group,
        text,
    )
    assert result == SendResult(sent["msgId"])


@pytest.mark.parametrize("shape", texts.SEND_SHAPES)
def test_every_send_output_shape_of_the_old_binary(client, sim, shape):
    sim.set_surface("legacy")  # the old binary's outputs (its own knob); 0.1.58's below (issue 10 item 4)
    sim.set_send_output(shape)
    result = client.send_text(Target(friend(sim)), "hi")
    [sent] = sim.sent()
    assert result.message_id == (None if shape == "empty" else sent["msgId"])


@pytest.mark.parametrize("command", ["send", "chunked send", "image", "upload", "voice", "link"])
def test_every_success_shape_of_openzca_0_1_58(sim, zca_sim_path, command):
    env = {"OPENZCA_TEXT_MESSAGE_MAX_LENGTH": "20"} if command == "chunked send" else None
    client = ZcaClient(CliRunner(zca_sim_path, env=env, kill_grace=1.0), sim.profile,
                       capabilities=Capabilities(raw=True, upload=True))
    target = Target(friend(sim))
    send = {
        "send": lambda: client.send_text(target, "hi"),
        "chunked send": lambda: client.send_text(target, "a long text that openzca splits in two"),
        "image": lambda: client.send_media(target, "image", "https://example.invalid/a.png"),
        "upload": lambda: client.send_media(target, "file", "https://example.invalid/report.pdf"),
        "voice": lambda: client.send_media(target, "voice", "https://example.invalid/v.m4a"),
        "link": lambda: client.send_link(target, "https://example.invalid/page"),
    }[command]
    result = send()
    sent = sim.sent()
    assert result.message_id == sent[-1]["msgId"] and len(result.message_id) == 13


def test_media_link_and_typing(client, sim):
    user, grp = Target(friend(sim)), Target(group(sim), is_group=True)
    client.send_media(user, "image", "https://example.invalid/a.png", caption="-g a caption")
    client.send_media(grp, "video", "https://example.invalid/v.mp4")
    client.send_media(grp, "voice", "https://example.invalid/v.mp3", caption="dropped: voice has no -m")
    client.send_link(user, "https://example.invalid/page")
    client.send_typing(grp)
    image, video, voice, link, typing = sim.wait_sent(5, timeout=5)
    assert (image["command"], image["url"], image["caption"], image["isGroup"]) == (
        "image",
        "https://example.invalid/a.png",
        "-g a caption",
        False,
    )
    assert (video["command"], video["isGroup"]) == ("video", True)
    assert voice["command"] == "voice" and "caption" not in voice
    assert (link["command"], link["url"]) == ("link", "https://example.invalid/page")
    assert (typing["command"], typing["threadId"], typing["isGroup"]) == ("typing", grp.thread_id, True)


@pytest.mark.parametrize(
    ("stderr", "cls"),
    [
        (f"Error: {texts.BLOCKED_TEXT}", ZcaBlocked),
        (f"Error: {texts.RATE_LIMIT_TEXT}", ZcaRateLimited),
        (f"Error: {texts.RETRY_LIMIT_TEXT}", ZcaRateLimited),
        (f"Error: {texts.SESSION_INVALID_TEXT}", ZcaNotAuthenticated),
        (texts.DEFAULT_FAILURE, ZcaCommandFailed),
    ],
)
def test_send_failures_are_classified(client, sim, stderr, cls):
    sim.fail("msg send", stderr=stderr)
    with pytest.raises(cls) as info:
        client.send_text(Target(friend(sim)), "hi")
    assert info.value.returncode == 1 and stderr in info.value.stderr
    assert sim.sent() == []
    client.send_text(Target(friend(sim)), "hi again")
    assert len(sim.sent()) == 1


def test_send_when_logged_out(client, sim):
    sim.set_logged_in(False)
    with pytest.raises(ZcaNotAuthenticated):
        client.send_text(Target(friend(sim)), "hi")


def test_a_hung_send_times_out_and_leaves_no_process(client, sim, monkeypatch):
    monkeypatch.setitem(TIMEOUTS, "msg send", 0.5)
    sim.hang("msg send", 10)
    with pytest.raises(ZcaTimeout):
        client.send_text(Target(friend(sim)), "hi")
    assert wait_until(lambda: [c for c in sim.calls() if c.get("command") == "msg send"], timeout=3)
    [call] = [c for c in sim.calls() if c.get("command") == "msg send"]
    assert call["exit"] == 143  # ended by our SIGTERM (openzca 0.1.58 exits 143), recorded on its way out
    assert not pid_alive(int(call["pid"]))
    assert sim.sent() == []


def test_qr_base64_login_then_status_turns_ok(client, sim):
    sim.set_logged_in(False)
    sim.set_login(delay_s=0.3)
    data_url = client.login_qr_base64()
    assert data_url.startswith("data:image/png;base64,")
    assert wait_until(client.is_authenticated, timeout=5, interval=0.1)


# --- the listener ----------------------------------------------------------------------------------


def test_listener_receives_dm_group_split_and_ignores_garbage(listen, sim):
    listener, rec = listen()
    uid, gid = friend(sim), group(sim)
    sim.inject_dm(uid, "first", msg_id="100")
    sim.inject_raw("not json at all\n")
    sim.inject_raw_bytes(b"\xff\xfe garbage bytes\n")
    sim.inject_split(_group_event(gid, uid, "split group line", "101"))
    sim.inject_dm(uid, "first again", msg_id="100")
    sim.inject_dm(uid, {"title": "photo", "href": "https://example.invalid/p.jpg"}, msg_id="102")
    listener.start()
    assert wait_until(lambda: len(rec.events) == 3, timeout=8)
    dm, grp, photo = rec.events
    assert (dm.content, dm.sender_id, dm.is_group) == ("first", uid, False)
    assert (grp.content, grp.thread_id, grp.is_group, grp.sender_id) == ("split group line", gid, True, uid)
    assert photo.content == "photo" and photo.attachments[0].url == "https://example.invalid/p.jpg"
    stats = listener.stats
    assert stats.duplicates == 1 and stats.skipped_lines >= 2
    assert stats.state is ListenerState.CONNECTED
    assert listener.pid == sim.listener_pid()


def _group_event(gid: str, uid: str, text: str, msg_id: str) -> dict:
    """A group event in the contract's shape (docs/zca-contract.md, section 4.1), for inject_split."""
    return {
        "threadId": gid,
        "msgId": msg_id,
        "cliMsgId": f"1736412{msg_id}",
        "content": text,
        "type": 1,
        "timestamp": 1736412399,
        "metadata": {"isGroup": True, "fromId": uid, "senderName": "Someone"},
    }


@pytest.mark.parametrize("code", [0, 1, 75])
def test_listener_restarts_after_any_exit(listen, sim, code):
    listener, rec = listen()
    listener.start()
    sim.wait_listener(timeout=8)
    sim.exit_listener(code)
    sim.inject_dm(friend(sim), "after restart", msg_id="200")
    assert wait_until(lambda: rec.texts() == ["after restart"], timeout=8)
    assert sim.listener_starts() >= 2
    assert listener.stats.last_exit_code == code and listener.stats.restarts >= 1


def test_listener_closed_and_silent_is_recycled(listen, sim):
    listener, rec = listen(replace(LISTEN_FAST, closed_grace_seconds=0.5))
    listener.start()
    first = sim.wait_listener(timeout=8)
    sim.close_connection(3000, "DuplicateConnection")
    assert wait_until(lambda: sim.listener_starts() >= 2, timeout=8)
    assert not pid_alive(first)
    assert any("Listener closed (3000)" in d for d in rec.details(ListenerState.BACKOFF))
    sim.inject_dm(friend(sim), "back", msg_id="300")
    assert wait_until(lambda: rec.texts() == ["back"], timeout=8)


def test_listener_stall_is_recycled(listen, sim):
    listener, rec = listen(replace(LISTEN_FAST, stall_seconds=0.8))
    listener.start()
    first = sim.wait_listener(timeout=8)
    sim.stall()
    sim.inject_dm(friend(sim), "after the stall", msg_id="400")
    assert wait_until(lambda: rec.texts() == ["after the stall"], timeout=10)
    assert not pid_alive(first)
    assert any("stalled" in d for d in rec.details(ListenerState.BACKOFF))


@pytest.mark.parametrize("surface", ["legacy", "0.1.58"])
def test_listener_not_logged_in_is_reported(listen, sim, surface):
    """Logged out is no crash: state LOGGED_OUT (not BACKOFF), re-probed slowly, resumed by itself."""
    sim.set_surface(surface)
    sim.set_logged_in(False)
    listener, rec = listen(replace(LISTEN_FAST, logged_out_retry_seconds=0.5))
    listener.start()
    assert wait_until(lambda: rec.details(ListenerState.LOGGED_OUT), timeout=8)
    detail = rec.details(ListenerState.LOGGED_OUT)[0]
    assert "not logged in" in detail or "has no credentials" in detail
    assert rec.details(ListenerState.BACKOFF) == [] and listener.stats.restarts == 0
    sim.set_logged_in(True)
    sim.inject_dm(friend(sim), "logged in now", msg_id="500")
    assert wait_until(lambda: rec.texts() == ["logged in now"], timeout=10)


def test_listener_stop_leaves_no_process(listen, sim):
    listener, _rec = listen()
    listener.start()
    pid = sim.wait_listener(timeout=8)
    assert wait_until(lambda: listener.stats.state is ListenerState.CONNECTED, timeout=5)
    stopper = threading.Thread(target=listener.stop)
    stopper.start()
    stopper.join(5)
    assert not stopper.is_alive()
    assert not pid_alive(pid)
    assert sim.listener_pid() is None
    assert listener.stats.state is ListenerState.STOPPED
