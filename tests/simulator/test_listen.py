"""listen: banners, events, garbage, split lines, close + silence, exits, signals, consumers.

Tests taking ``each_surface`` hold on both surfaces; ``legacy`` ones describe the old binary
(0.1.58's listener lock, recycle, restarts and lifecycle lines are in test_listen_openzca.py).
"""

from __future__ import annotations

import json
import signal
import time

import pytest

from errbot_zalouser.model import InboundEvent
from errbot_zalouser.simulator import seed, surface, texts
from errbot_zalouser.simulator.control import SimControl

USER = "2947718306652210431"
GROUP = "7031928374650192837"
BANNERS = [texts.LISTEN_BANNER, texts.CONNECTED_BANNER]


def connected(listen, sim: SimControl, *args: str, min_starts: int = 1):
    proc = listen(*args)
    proc.wait_lines(2)
    assert sim.wait_listener(min_starts=min_starts) == proc.pid
    return proc


def test_banners_then_events(listen, sim: SimControl, each_surface: str) -> None:
    before = sim.inject_dm(USER, "queued before start")
    proc = connected(listen, sim, "-r", "-k")
    after = sim.inject_group(GROUP, "6634210987765540123", "@Sim Bot xin chào", mentions=[seed.BOT_ID],
                             group_name="Work Chat")
    lines = proc.wait_lines(4)
    assert lines[:2] == BANNERS
    assert [json.loads(line) for line in lines[2:4]] == [before, after]
    assert all(" " not in line.split('"content"')[0] for line in lines[2:4])  # compact JSON
    assert sim.listener_pid() == proc.pid


def test_event_fields_match_the_contract(listen, sim: SimControl, legacy: str) -> None:
    proc = connected(listen, sim, "-r", "-k")
    sim.inject_dm(USER, "hello bot")
    sim.inject_group(GROUP, "6634210987765540123", "@Sim Bot hi", mentions=[seed.BOT_ID])
    dm, group = (json.loads(line) for line in proc.wait_lines(4)[2:])
    assert set(dm) >= {"threadId", "msgId", "cliMsgId", "content", "type", "timestamp", "metadata", "chatType",
                       "senderId", "senderName", "ts"}
    assert (dm["threadId"], dm["type"], dm["chatType"], dm["senderName"]) == (USER, 0, "user", "Nguyễn Văn An")
    assert dm["metadata"] == {"isGroup": False, "senderName": "Nguyễn Văn An", "fromId": USER}
    assert abs(dm["timestamp"] - time.time()) < 60 and dm["ts"].isdigit() and len(dm["ts"]) == 13
    assert "threadName" not in group["metadata"]
    assert group["mentions"] == [{"uid": seed.BOT_ID, "pos": 0, "len": len("@Sim Bot"), "type": 0}]
    event = InboundEvent.from_json(group)
    assert (event.thread_id, event.sender_id, event.is_group, event.mention_ids) == (
        GROUP, "6634210987765540123", True, (seed.BOT_ID,))


def test_human_form_without_raw(listen, sim: SimControl, each_surface: str) -> None:
    proc = connected(listen, sim)
    sim.inject_dm(USER, "chào")
    sim.inject_group(GROUP, "6634210987765540123", "hi all")
    assert proc.wait_lines(4)[2:] == [f"[user] Nguyễn Văn An -> {USER}: chào", f"[group] Alice Smith -> {GROUP}: hi all"]


def test_garbage_invalid_utf8_duplicates_and_object_content(listen, sim: SimControl, each_surface: str) -> None:
    proc = connected(listen, sim, "-r", "-k")
    sim.inject_raw("[INFO] reconnecting...\nnot json {\n")
    sim.inject_raw_bytes(b"\xff\xfe\xfa broken\n")
    event = sim.inject_dm(USER, content={"title": "photo.jpg", "href": "https://x/p.jpg", "thumb": ""})
    sim.inject_event(event)
    proc.wait_lines(7)
    out = proc.out.split(b"\n")
    assert out[2:5] == [b"[INFO] reconnecting...", b"not json {", b"\xff\xfe\xfa broken"]
    first, second = json.loads(out[5]), json.loads(out[6])
    assert first == second and isinstance(first["content"], dict)
    assert InboundEvent.from_json(first).attachments[0].url == "https://x/p.jpg"


def test_split_line_arrives_in_two_writes(listen, sim: SimControl, each_surface: str) -> None:
    proc = connected(listen, sim, "-r", "-k")
    event = sim.inject_split({"threadId": USER, "msgId": "1", "content": "split in two"}, pause=0.3)
    proc.wait_lines(3)
    assert json.loads(proc.lines()[2]) == event
    line_start = len("\n".join(BANNERS)) + 1
    first_part_at = next(stamp for stamp, total in _cumulative(proc.chunks) if total > line_start)
    done_at = proc.chunks[-1][0]
    assert done_at - first_part_at >= 0.2


def _cumulative(chunks: list[tuple[float, bytes]]) -> list[tuple[float, int]]:
    total, points = 0, []
    for stamp, data in chunks:
        total += len(data)
        points.append((stamp, total))
    return points


def test_close_then_silence_with_keep_alive(listen, sim: SimControl, legacy: str) -> None:
    proc = connected(listen, sim, "-r", "-k")
    sim.close_connection(3000, "DuplicateConnection")
    pending = sim.inject_dm(USER, "lost until restart")
    proc.wait_for("Listener closed (3000) DuplicateConnection\n")
    time.sleep(0.4)
    assert proc.lines()[-1] == "Listener closed (3000) DuplicateConnection"
    assert proc.proc.poll() is None  # alive but silent: the -k trap
    assert sim.inbox_pending() == 1
    proc.stop()
    again = connected(listen, sim, "-r", "-k", min_starts=2)
    assert json.loads(again.wait_lines(3)[2]) == pending
    assert sim.listener_starts() == 2


def test_close_without_keep_alive_exits_0(listen, sim: SimControl, each_surface: str) -> None:
    proc = connected(listen, sim, "-r")
    sim.close_connection(1006)
    assert proc.wait_exit() == 0
    # openzca 0.1.58 prints the reason after a space even when it is empty
    assert proc.lines()[-1] == "Listener closed (1006)" + (" " if each_surface == surface.OPENZCA else "")


@pytest.mark.parametrize("code", [0, 1, 75])
def test_exit_codes(listen, sim: SimControl, code: int, each_surface: str) -> None:
    proc = connected(listen, sim, "-r", "-k")
    sim.exit_listener(code)
    assert proc.wait_exit() == code
    if code == 75:
        assert proc.err.startswith("Listener recycle triggered after ")
        assert proc.err.endswith("ms to prevent stale session.\n")
    else:
        assert proc.err == ""
    assert sim.listener_pid() is None


def test_exit_with_listener_error_text(listen, sim: SimControl, each_surface: str) -> None:
    proc = connected(listen, sim, "-r", "-k")
    sim.exit_listener(1, stderr="Listener error: socket hang up")
    assert proc.wait_exit() == 1 and proc.err == "Listener error: socket hang up\n"


@pytest.mark.parametrize(
    "which, signum, code",
    [(surface.LEGACY, signal.SIGTERM, -signal.SIGTERM), (surface.LEGACY, signal.SIGINT, 0),
     (surface.OPENZCA, signal.SIGTERM, 143), (surface.OPENZCA, signal.SIGINT, 130)],
)
def test_signals_end_it_promptly(listen, sim: SimControl, which: str, signum: int, code: int) -> None:
    sim.set_surface(which)
    proc = connected(listen, sim, "-r", "-k")
    started = time.monotonic()
    proc.signal(signum)
    assert proc.wait_exit() == code
    assert time.monotonic() - started < 0.5
    assert "Traceback" not in proc.err and proc.err == ""
    assert sim.listener_pid() is None
    assert sim.calls()[-1]["exit"] == code


def test_sigterm_while_silent(listen, sim: SimControl, each_surface: str) -> None:
    proc = connected(listen, sim, "-r", "-k")
    sim.stall()
    time.sleep(0.1)
    started = time.monotonic()
    proc.signal(signal.SIGTERM)
    expected = 143 if each_surface == surface.OPENZCA else -signal.SIGTERM
    assert proc.wait_exit() == expected and time.monotonic() - started < 0.5


def test_stall_consumes_nothing_more(listen, sim: SimControl, each_surface: str) -> None:
    proc = connected(listen, sim, "-r", "-k")
    sim.stall()
    sim.inject_dm(USER, "never printed")
    time.sleep(0.4)
    assert proc.lines() == BANNERS and proc.proc.poll() is None
    assert sim.inbox_pending() == 1


def test_sleep_pauses_delivery(listen, sim: SimControl, each_surface: str) -> None:
    proc = connected(listen, sim, "-r", "-k")
    started = time.monotonic()
    sim.sleep(0.4)
    sim.inject_dm(USER, "late")
    proc.wait_lines(3)
    assert time.monotonic() - started >= 0.4


@pytest.mark.parametrize(
    "which, stderr",
    [(surface.LEGACY, "Error: Profile default: not logged in\n"),
     (surface.OPENZCA, 'Error: Profile "default" has no credentials. Run: auth login\n')],
)
def test_logged_out_listener_fails(listen, sim: SimControl, which: str, stderr: str) -> None:
    sim.set_surface(which)
    sim.set_logged_in(False)
    proc = listen("-r", "-k")
    assert proc.wait_exit() == 1
    assert (proc.out, proc.err) == (b"", stderr)
    assert sim.listener_starts() == 0


def test_prefix_filter(listen, sim: SimControl, each_surface: str) -> None:
    proc = connected(listen, sim, "-r", "--prefix", "!bot ")
    sim.inject_dm(USER, "ignored")
    sim.inject_dm(USER, "!bot ping")
    sim.exit_listener(0)
    assert proc.wait_exit() == 0
    assert [json.loads(line)["content"] for line in proc.lines()[2:]] == ["ping"]


def test_two_listeners_never_both_consume_a_record(listen, sim: SimControl, legacy: str) -> None:
    first = connected(listen, sim, "-r", "-k")
    second = listen("-r", "-k")
    second.wait_lines(2)
    sim.wait_listener(min_starts=2)
    injected = {sim.inject_dm(USER, f"n{i}")["msgId"] for i in range(40)}
    deadline = time.monotonic() + 10
    while sim.inbox_pending() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    seen = [json.loads(line)["msgId"] for proc in (first, second) for line in proc.lines()[2:]]
    assert sorted(seen) == sorted(injected)


def test_each_start_is_logged(zca, listen, sim: SimControl, each_surface: str) -> None:
    for expected in (1, 2):
        proc = connected(listen, sim, "-r", "-k", min_starts=expected)
        sim.exit_listener(0)
        assert proc.wait_exit() == 0
    assert sim.listener_starts() == 2
