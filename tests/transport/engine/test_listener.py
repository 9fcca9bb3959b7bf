"""EngineListener over the real engine program and the zca-js stand-in: Listener's surface and states."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from errbot_zalouser.model import InboundReaction, Target
from errbot_zalouser.transport.engine.client import EngineClient
from errbot_zalouser.transport.engine.listener import EngineListener
from errbot_zalouser.transport.listener import ListenerState
from tests.transport.conftest import Recorder, wait_until

FRIEND = "2947718306652210431"
GROUP = "6920154873301128374"


@pytest.fixture
def listen(make_engine) -> Iterator[Callable[..., tuple[EngineListener, Recorder]]]:
    started: list[EngineListener] = []

    def make(**engine_changes) -> tuple[EngineListener, Recorder]:
        recorder = Recorder()
        listener = EngineListener(make_engine(**engine_changes), "default", recorder.on_event,
                                  on_state=recorder.on_state, name=f"l{len(started)}")
        started.append(listener)
        listener.start()
        return listener, recorder

    yield make
    for listener in started:
        listener.stop()


def test_messages_arrive_as_inbound_events(listen, fake):
    listener, rec = listen()
    assert wait_until(lambda: listener.stats.state is ListenerState.CONNECTED, 10)
    bot = fake.me["userId"]
    fake.inject_dm(FRIEND, "xin chào")
    fake.inject_group(GROUP, FRIEND, "@Sim Bot giúp với", mentions=[bot])
    fake.inject_photo(FRIEND, FRIEND, caption="ảnh đẹp")
    assert wait_until(lambda: len(rec.events) == 3, 10)
    dm, group, photo = rec.events
    assert (dm.content, dm.is_group, dm.sender_id, dm.sender_name) == ("xin chào", False, FRIEND, "Nguyễn Văn An")
    assert "senderName" not in dm.raw["metadata"] and dm.raw["toId"] == bot
    assert (group.is_group, group.thread_id, group.mention_ids, group.sender_name) == (True, GROUP, (bot,),
                                                                                       "Nguyễn Văn An")
    assert photo.raw["content"].startswith("[media attached: 2 files]") and photo.content == "ảnh đẹp"
    assert [(a.kind, bool(a.url), a.path) for a in photo.attachments] == [("image", True, "")] * 2  # no downloads
    stats = listener.stats
    assert (stats.events, stats.lines, stats.duplicates, stats.skipped_lines) == (3, 3, 0, 0)
    assert stats.pid == listener.pid == listener.engine.pid and stats.connected_at and stats.last_event_at
    assert listener.argv[1].endswith("engine.mjs")
    assert rec.state_names()[:2] == [ListenerState.STARTING, ListenerState.CONNECTED]


def test_duplicates_and_unusable_messages_are_counted_not_delivered(listen, fake):
    listener, rec = listen()
    fake.inject_dm(FRIEND, "một", msg_id="7712003400001")
    fake.inject_dm(FRIEND, "một lần nữa", msg_id="7712003400001")
    fake.inject_dm("", "no sender, so no thread")
    fake.inject_dm(FRIEND, "hai")
    assert wait_until(lambda: rec.texts() == ["một", "hai"], 10)
    assert wait_until(lambda: listener.stats.skipped_lines == 1 and listener.stats.duplicates == 1, 5)


def test_a_callback_that_raises_does_not_stop_delivery(make_engine, fake):
    seen = []

    def explode(event):
        seen.append(event.content)
        raise RuntimeError("plugin bug")

    listener = EngineListener(make_engine(), "default", explode)
    listener.start()
    try:
        fake.inject_dm(FRIEND, "a")
        fake.inject_dm(FRIEND, "b")
        assert wait_until(lambda: seen == ["a", "b"], 10)
    finally:
        listener.stop()


def test_reactions_arrive_as_inbound_reactions_and_undo_reaches_engine_subscribers(listen, fake):
    listener, rec = listen()
    got = []
    listener.engine.subscribe(lambda name, body: got.append((name, dict(body))) if name in ("reaction", "undo") else None)
    fake.inject_reaction(FRIEND, FRIEND, "7712003400123", "1774000000123")
    fake.inject_reaction(GROUP, FRIEND, "7712003400125", "1774000000125", icon=":>", is_group=True)
    fake.inject_undo(GROUP, FRIEND, "7712003400124", "1774000000124", is_group=True)
    assert wait_until(lambda: len(got) == 3 and len(rec.events) == 2, 10)
    (_, reaction), _, (_, undo) = got
    assert reaction["reaction"]["icon"] == "/-heart" and reaction["reaction"]["targets"] == [
        {"msgId": "7712003400123", "cliMsgId": "1774000000123"}]
    assert (undo["undo"]["threadId"], undo["undo"]["msgId"]) == (GROUP, "7712003400124")
    heart, haha = rec.events
    assert isinstance(heart, InboundReaction) and (heart.thread_id, heart.sender_id, heart.name, heart.is_group) == (
        FRIEND, FRIEND, "HEART", False)
    assert heart.targets == (("7712003400123", "1774000000123"),)
    assert (haha.thread_id, haha.name, haha.is_group) == (GROUP, "HAHA", True)


def test_a_final_close_restarts_the_engine_with_a_new_login(listen, fake):
    listener, rec = listen()
    assert wait_until(lambda: listener.stats.state is ListenerState.CONNECTED, 10)
    first_pid = listener.pid
    fake.close_connection(3000, "duplicate connection")
    assert wait_until(lambda: ListenerState.BACKOFF in rec.state_names(), 10)
    assert wait_until(lambda: listener.stats.state is ListenerState.CONNECTED and listener.pid != first_pid, 10)
    fake.inject_dm(FRIEND, "after the restart")
    assert wait_until(lambda: rec.texts() == ["after the restart"], 10)
    assert len(fake.logins()) == 2
    stats = listener.stats
    assert stats.restarts == 1 and stats.last_exit_code == 6
    assert "Listener closed (3000) duplicate connection" in rec.details(ListenerState.STARTING)
    assert any("exited with code 6" in d for d in rec.details(ListenerState.BACKOFF))


def test_a_close_zca_js_retries_itself_keeps_the_engine(listen, fake):
    listener, rec = listen()
    assert wait_until(lambda: listener.stats.state is ListenerState.CONNECTED, 10)
    fake.close_connection(1006, "network", retry=True)
    assert wait_until(lambda: rec.state_names().count(ListenerState.CONNECTED) == 2, 10)
    assert listener.engine.stats.starts == 1 and len(fake.logins()) == 1


def test_stop_ends_delivery_but_the_engine_still_sends(listen, fake):
    listener, rec = listen()
    fake.inject_dm(FRIEND, "before")
    assert wait_until(lambda: rec.texts() == ["before"], 10)
    listener.stop()
    assert listener.stats.state is ListenerState.STOPPED
    fake.inject_dm(FRIEND, "after")
    assert wait_until(lambda: fake.inbox_pending() == 0, 5)
    time.sleep(0.2)
    assert rec.texts() == ["before"]
    EngineClient(listener.engine, "default").send_text(Target(FRIEND), "still here")
    assert fake.sent()[-1]["text"] == "still here"
    listener.start()
    fake.inject_dm(FRIEND, "again")
    assert wait_until(lambda: rec.texts() == ["before", "again"], 10)


def test_a_crash_or_a_stall_inside_the_engine_is_survived(listen, fake):
    listener, rec = listen(heartbeat_seconds=0.3, stall_seconds=1.5)
    first = fake.wait_listener()
    fake.exit_listener(70)
    second = fake.wait_listener(min_starts=2)
    assert second != first
    fake.stall()
    third = fake.wait_listener(timeout=15, min_starts=3)
    assert third != second and fake.listener_pid() == third == listener.pid
    fake.inject_dm(FRIEND, "still listening")
    assert wait_until(lambda: rec.texts() == ["still listening"], 10)
    assert listener.stats.restarts == 2 and "silent for 1.5s" in listener.stats.last_error


def test_a_logged_out_profile_waits_as_logged_out_and_resumes_after_a_login(listen, fake):
    """The session ends and the next login is refused: LOGGED_OUT (not a crash loop), one attempt
    per logged_out_retry_seconds; once `zca auth login` has run again, CONNECTED by itself."""
    listener, rec = listen(logged_out_retry_seconds=1.0)
    assert wait_until(lambda: listener.stats.state is ListenerState.CONNECTED, 10)
    fake.set_logged_in(False)
    fake.close_connection(3003, "kicked")
    assert wait_until(lambda: listener.stats.state is ListenerState.LOGGED_OUT, 10)
    assert any("trying again in 1.0s" in d for d in rec.details(ListenerState.LOGGED_OUT))
    time.sleep(2.5)
    assert 2 <= len(fake.logins()) <= 5  # slow retries (the first login and one a second), not a hot loop
    fake.set_logged_in(True)
    assert wait_until(lambda: listener.stats.state is ListenerState.CONNECTED, 10)
    fake.inject_dm(FRIEND, "back")
    assert wait_until(lambda: rec.texts() == ["back"], 10)


def test_a_profile_owned_by_another_process_is_waited_for(listen, fake):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    owner = fake.openzca_home / "profiles" / fake.profile / "listener-owner.json"
    owner.write_text(json.dumps({"pid": holder.pid, "profile": fake.profile, "sessionId": "cli",
                                 "startedAt": "2026-04-13T00:00:00.000Z"}))
    try:
        listener, rec = listen(lock_retry_seconds=0.5)
        assert wait_until(lambda: listener.stats.state is ListenerState.WAITING, 10)
        assert any(f"process {holder.pid}" in d for d in rec.details(ListenerState.WAITING))
    finally:
        holder.kill()
        holder.wait(5)
    assert wait_until(lambda: listener.stats.state is ListenerState.CONNECTED, 10)  # the owner is gone
    assert fake.logins()  # and only then did it log in
