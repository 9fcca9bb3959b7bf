"""The listener supervisor against fake `zca listen` scripts (real child processes under a pty)."""

from __future__ import annotations

import base64
import json
import signal
import time
from dataclasses import replace

import pytest

from errbot_zalouser.transport.listener import Listener, ListenerSettings, ListenerState
from tests.transport.conftest import FAST, Recorder, event_line, pid_alive, wait_until

BANNER = [{"out": "Listening... Press Ctrl+C to stop.\n"}, {"out": "Connected to Zalo websocket.\n"}]
HANG: list[dict] = []  # the fake sleeps (bounded) after its last step


def test_events_are_parsed_and_delivered_with_raw_fields(fake_listen):
    fake = fake_listen(
        [
            [
                *BANNER,
                {"out": event_line("1", "hi", senderId="4830021983762145322", extraField={"x": 1})},
                {
                    "out": event_line(
                        "2",
                        "@Bot group",
                        threadId="6918273645501928374",
                        type=1,
                        metadata={"isGroup": True, "fromId": "2011223344556677889"},
                    )
                },
            ]
        ]
    )
    fake.listener.start()
    assert wait_until(lambda: len(fake.recorder.events) == 2)
    first, second = fake.recorder.events
    assert (first.content, first.is_group, first.msg_id) == ("hi", False, "1")
    assert first.raw["extraField"] == {"x": 1}
    assert (second.is_group, second.thread_id, second.sender_id) == (
        True,
        "6918273645501928374",
        "2011223344556677889",
    )
    stats = fake.listener.stats
    assert stats.state is ListenerState.CONNECTED
    assert stats.events == 2 and stats.skipped_lines == 0 and stats.restarts == 0
    assert stats.pid == fake.listener.pid and stats.pid in fake.pids()
    assert stats.connected_at is not None and stats.last_event_at is not None
    assert fake.argv() == ["--profile", "default", "listen", "-r", "-k"]
    assert fake.recorder.state_names()[:2] == [ListenerState.STARTING, ListenerState.CONNECTED]


def test_garbage_and_unusable_json_are_skipped_and_counted(fake_listen):
    fake = fake_listen(
        [
            [
                *BANNER,
                {"out": "some INFO log line\n"},
                {"out": "\x1b[31mcoloured noise\x1b[0m\n"},
                {"out": "{not json at all\n"},
                {"out": "[1, 2, 3]\n"},
                {"out": json.dumps({"threadId": "1", "content": "   "}) + "\n"},
                {"out": json.dumps({"content": "no thread"}) + "\n"},
                {"out": "Webhook failed: nope\n"},
                {"out": "\n\r\n"},
                {"out": event_line("9", "after the noise")},
            ]
        ]
    )
    fake.listener.start()
    assert wait_until(lambda: fake.recorder.texts() == ["after the noise"])
    stats = fake.listener.stats
    assert stats.skipped_lines == 6
    assert stats.events == 1


def test_object_content_becomes_a_message_with_its_attachment_not_a_crash(fake_listen):
    content = {"title": "holiday", "href": "https://example.invalid/p.jpg", "type": "chat.photo"}
    fake = fake_listen([[*BANNER, {"out": event_line("5", content)}, {"out": event_line("6", "next")}]])
    fake.listener.start()
    assert wait_until(lambda: len(fake.recorder.events) == 2)
    first = fake.recorder.events[0]
    assert first.content == "holiday"  # the photo's title is its caption
    (photo,) = first.attachments
    assert (photo.kind, photo.url, photo.name) == ("image", "https://example.invalid/p.jpg", "p.jpg")


def test_oversize_line_is_discarded_and_the_stream_goes_on(fake_listen):
    settings = replace(FAST, max_line_bytes=1_048_576)
    fake = fake_listen(
        [
            [
                *BANNER,
                {"big": 2 * 1024 * 1024},
                {"out": event_line("1", "x" * 100)},
                {"out": event_line("2", "y" * 2_000_000)},
                {"out": event_line("3", "small")},
            ]
        ],
        settings=settings,
    )
    fake.listener.start()
    assert wait_until(lambda: len(fake.recorder.events) == 2, timeout=10)
    assert [e.msg_id for e in fake.recorder.events] == ["1", "3"]
    assert fake.listener.stats.oversize_lines == 2


def test_invalid_utf8_is_replaced_not_fatal(fake_listen):
    bad_event = event_line("1", "caf\u00e9 XX").encode("utf-8").replace(b"XX", b"\xff\xfe")
    fake = fake_listen(
        [
            [
                *BANNER,
                {"b64": base64.b64encode(b"\xc3\x28 broken garbage\n").decode()},
                {"b64": base64.b64encode(bad_event).decode()},
                {"out": event_line("2", "ok")},
            ]
        ]
    )
    fake.listener.start()
    assert wait_until(lambda: len(fake.recorder.events) == 2)
    assert fake.recorder.events[0].content == "caf\u00e9 \ufffd\ufffd"
    assert fake.listener.stats.skipped_lines == 1


def test_a_line_split_across_writes_is_joined(fake_listen):
    line = event_line("1", "split in two")
    fake = fake_listen([[*BANNER, {"out": line[:25]}, {"sleep": 0.3}, {"out": line[25:]}]])
    fake.listener.start()
    assert wait_until(lambda: fake.recorder.texts() == ["split in two"])
    assert fake.listener.stats.skipped_lines == 0


def test_duplicates_are_dropped_within_and_across_restarts(fake_listen):
    dup_cli = json.loads(event_line("3", "same client id"))
    dup_cli["msgId"] = "999"
    dup_cli["cliMsgId"] = "c1"
    fake = fake_listen(
        [
            [
                *BANNER,
                {"out": event_line("1", "one")},
                {"out": event_line("1", "one again")},
                {"out": json.dumps(dup_cli) + "\n"},
                {"out": event_line("2", "two")},
                {"exit": 1},
            ],
            [*BANNER, {"out": event_line("2", "two replayed")}, {"out": event_line("4", "four")}],
        ]
    )
    fake.listener.start()
    assert wait_until(lambda: "four" in fake.recorder.texts())
    assert fake.recorder.texts() == ["one", "two", "four"]
    assert fake.listener.stats.duplicates == 3


@pytest.mark.parametrize("code", [0, 1, 75])
def test_any_exit_is_restarted(fake_listen, code):
    fake = fake_listen(
        [
            [
                *BANNER,
                {"out": event_line("1", "first life")},
                {"out": "Listener recycle triggered after 1800000ms to prevent stale session.\n"},
                {"exit": code},
            ],
            [*BANNER, {"out": event_line("2", "second life")}],
        ]
    )
    fake.listener.start()
    assert wait_until(lambda: fake.recorder.texts() == ["first life", "second life"])
    stats = fake.listener.stats
    assert stats.restarts == 1 and stats.last_exit_code == code
    assert any(f"exited with code {code}" in d for d in fake.recorder.details(ListenerState.BACKOFF))
    assert stats.state is ListenerState.CONNECTED


def test_a_child_killed_by_a_signal_is_restarted(fake_listen):
    fake = fake_listen(
        [[*BANNER, {"signal": int(signal.SIGKILL)}], [*BANNER, {"out": event_line("2", "back")}]]
    )
    fake.listener.start()
    assert wait_until(lambda: fake.recorder.texts() == ["back"])
    assert fake.listener.stats.last_exit_code == -int(signal.SIGKILL)
    assert any("SIGKILL" in d for d in fake.recorder.details(ListenerState.BACKOFF))


def test_not_logged_in_exit_is_reported_with_the_stderr_text(fake_listen):
    fake = fake_listen([[{"out": "Error: Profile default: not logged in\n"}, {"exit": 1}]],
                       settings=replace(FAST, logged_out_retry_seconds=0.2))
    fake.listener.start()
    assert wait_until(lambda: fake.starts() >= 2)
    details = fake.recorder.details(ListenerState.LOGGED_OUT)
    assert details and "not logged in" in details[0] and "code 1" in details[0]
    assert "not logged in" in fake.listener.stats.last_error
    assert ListenerState.CONNECTED not in fake.recorder.state_names()


def test_stop_kills_the_child_and_its_group_and_is_idempotent(fake_listen):
    fake = fake_listen([[*BANNER, {"grandchild": True}, {"out": event_line("1", "up")}]])
    fake.listener.start()
    assert wait_until(lambda: fake.recorder.texts() == ["up"])
    [pid] = fake.pids()
    [grandchild] = fake.grandchildren()
    assert pid_alive(pid) and pid_alive(grandchild)
    started = time.monotonic()
    fake.listener.stop()
    assert time.monotonic() - started < 3
    assert not pid_alive(pid)
    assert wait_until(lambda: not pid_alive(grandchild), timeout=3)
    assert fake.listener.stats.state is ListenerState.STOPPED
    assert fake.listener.pid is None
    fake.listener.stop()
    fake.listener.stop(timeout=0.1)
    assert fake.recorder.state_names()[-2:] == [ListenerState.STOPPING, ListenerState.STOPPED]
    assert fake.starts() == 1


def test_descendants_left_behind_by_an_exited_child_are_killed(fake_listen):
    fake = fake_listen(
        [[*BANNER, {"grandchild": True}, {"exit": 1}], [*BANNER, {"out": event_line("2", "second")}]]
    )
    fake.listener.start()
    assert wait_until(lambda: fake.recorder.texts() == ["second"])
    [grandchild] = fake.grandchildren()
    assert wait_until(lambda: not pid_alive(grandchild), timeout=3)


def test_stop_sigkills_a_child_that_ignores_sigterm(fake_listen):
    fake = fake_listen([[{"ignore_term": True}, *BANNER]], settings=replace(FAST, kill_grace=0.5))
    fake.listener.start()
    assert wait_until(lambda: fake.listener.stats.state is ListenerState.CONNECTED)
    [pid] = fake.pids()
    started = time.monotonic()
    fake.listener.stop()
    assert time.monotonic() - started < 3
    assert not pid_alive(pid)


def test_stop_interrupts_the_backoff_wait(fake_listen):
    fake = fake_listen([[{"exit": 1}]], backoff=lambda attempt: 30.0)
    fake.listener.start()
    assert wait_until(lambda: fake.listener.stats.state is ListenerState.BACKOFF)
    started = time.monotonic()
    fake.listener.stop()
    assert time.monotonic() - started < 1
    assert fake.starts() == 1


def test_stall_recycles_a_silent_child(fake_listen):
    fake = fake_listen(
        [[*BANNER], [*BANNER, {"out": event_line("1", "fresh")}]], settings=replace(FAST, stall_seconds=0.6)
    )
    fake.listener.start()
    assert wait_until(lambda: fake.recorder.texts() == ["fresh"], timeout=5)
    first_pid = fake.pids()[0]
    assert not pid_alive(first_pid)
    assert any("stalled" in d for d in fake.recorder.details(ListenerState.BACKOFF))


def test_listener_closed_without_reconnect_is_recycled(fake_listen):
    fake = fake_listen(
        [
            [*BANNER, {"out": "Listener closed (3000) DuplicateConnection\n"}],
            [*BANNER, {"out": event_line("1", "reconnected")}],
        ],
        settings=replace(FAST, closed_grace_seconds=0.5),
    )
    fake.listener.start()
    assert wait_until(lambda: fake.recorder.texts() == ["reconnected"], timeout=5)
    assert any("Listener closed (3000)" in d for d in fake.recorder.details(ListenerState.STARTING))
    backoff = fake.recorder.details(ListenerState.BACKOFF)
    assert backoff and "Listener closed (3000)" in backoff[0] and "no reconnect" in backoff[0]


def test_listener_closed_then_reconnected_is_left_alone(fake_listen):
    fake = fake_listen(
        [
            [
                *BANNER,
                {"out": "Listener closed (1000) ManualClosure\n"},
                {"sleep": 0.2},
                {"out": "Connected to Zalo websocket.\n"},
                {"sleep": 0.8},
                {"out": event_line("1", "same child")},
            ]
        ],
        settings=replace(FAST, closed_grace_seconds=0.6),
    )
    fake.listener.start()
    assert wait_until(lambda: fake.recorder.texts() == ["same child"], timeout=5)
    assert fake.starts() == 1
    assert fake.recorder.state_names() == [
        ListenerState.STARTING,
        ListenerState.CONNECTED,
        ListenerState.STARTING,
        ListenerState.CONNECTED,
    ]


def test_periodic_recycle(fake_listen):
    fake = fake_listen([[*BANNER]], settings=replace(FAST, recycle_seconds=0.4))
    fake.listener.start()
    assert wait_until(lambda: fake.starts() >= 3, timeout=5)
    assert any("periodic recycle" in d for d in fake.recorder.details(ListenerState.BACKOFF))


def test_no_banner_edition_is_assumed_connected(fake_listen):
    fake = fake_listen([HANG], settings=replace(FAST, assume_connected_seconds=0.3))
    fake.listener.start()
    assert wait_until(lambda: fake.listener.stats.state is ListenerState.CONNECTED, timeout=3)
    assert "assumed" in fake.recorder.details(ListenerState.CONNECTED)[0]


def test_banner_edition_is_not_assumed_connected(fake_listen):
    fake = fake_listen(
        [[{"out": "Listening... Press Ctrl+C to stop.\n"}]],
        settings=replace(FAST, assume_connected_seconds=0.2),
    )
    fake.listener.start()
    time.sleep(0.6)
    assert fake.listener.stats.state is ListenerState.STARTING


def test_backoff_grows_and_resets_after_a_stable_run(fake_listen):
    attempts: list[int] = []

    def backoff(attempt: int) -> float:
        attempts.append(attempt)
        return 0.01

    quick = [{"exit": 1}]
    stable = [*BANNER, {"sleep": 0.5}, {"exit": 1}]
    fake = fake_listen(
        [quick, quick, quick, stable, quick],
        settings=replace(FAST, backoff_stable_seconds=0.3),
        backoff=backoff,
    )
    fake.listener.start()
    assert wait_until(lambda: len(attempts) >= 5, timeout=8)
    assert attempts[:5] == [0, 1, 2, 0, 1]


def test_missing_executable_is_reported_and_retried(tmp_path):
    recorder = Recorder()
    listener = Listener(
        str(tmp_path / "no-such-zca"),
        "default",
        recorder.on_event,
        on_state=recorder.on_state,
        settings=FAST,
        backoff=lambda attempt: 0.05,
    )
    listener.start()
    try:
        assert wait_until(lambda: listener.stats.restarts >= 2)
        details = recorder.details(ListenerState.BACKOFF)
        assert "no-such-zca" in details[0] and "ZALOUSER_ZCA" in details[0]
    finally:
        listener.stop()
    assert listener.stats.state is ListenerState.STOPPED


def test_callback_errors_do_not_kill_the_listener(fake_listen):
    fake = fake_listen([[*BANNER, {"out": event_line("1", "boom")}, {"out": event_line("2", "fine")}]])
    seen: list[str] = []

    def on_event(event):
        seen.append(event.content)
        if event.content == "boom":
            raise RuntimeError("handler bug")

    fake.listener._on_event = on_event  # swap the callback before start
    fake.listener.start()
    assert wait_until(lambda: seen == ["boom", "fine"])
    assert fake.listener.stats.events == 2


def test_stop_from_inside_a_callback(fake_listen):
    fake = fake_listen([[*BANNER, {"out": event_line("1", "stop now")}]])
    fake.listener._on_event = lambda event: fake.listener.stop()
    fake.listener.start()
    assert wait_until(lambda: fake.listener.stats.state is ListenerState.STOPPED, timeout=5)
    assert not pid_alive(fake.pids()[0])


def test_dedupe_ttl_uses_the_injected_clock(fake_listen):
    now = [1000.0]
    fake = fake_listen(
        [[*BANNER, {"out": event_line("1", "a")}, {"sleep": 0.4}, {"out": event_line("1", "b")}]],
        settings=replace(FAST, dedupe_ttl=10.0, assume_connected_seconds=100.0),
        clock=lambda: now[0],
    )
    fake.listener.start()
    assert wait_until(lambda: fake.recorder.texts() == ["a"])
    now[0] += 11.0  # the first copy expires before the second arrives
    assert wait_until(lambda: fake.recorder.texts() == ["a", "b"])


def test_settings_defaults_match_the_contract():
    s = ListenerSettings()
    assert (s.max_line_bytes, s.dedupe_ttl, s.dedupe_size) == (1_048_576, 1200.0, 5000)
    assert (s.backoff_initial, s.backoff_max, s.backoff_stable_seconds) == (1.0, 60.0, 60.0)
    assert (s.stall_seconds, s.closed_grace_seconds, s.recycle_seconds) == (3600.0, 30.0, None)
    assert (s.assume_connected_seconds, s.kill_grace) == (3.0, 3.0)
    with pytest.raises(AttributeError):
        s.kill_grace = 1.0  # type: ignore[misc]  # frozen: the assignment must fail
