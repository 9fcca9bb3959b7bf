"""listen on the openzca 0.1.58 surface: lock, listen.sock, recycle, keep-alive, supervised lifecycle."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from errbot_zalouser.model import InboundEvent
from errbot_zalouser.simulator import seed, texts
from errbot_zalouser.simulator.control import SimControl

USER = "2947718306652210431"
GROUP = "7031928374650192837"
FAST = {"ZCA_SIM_RECYCLE_WIND_DOWN_MS": "200", "OPENZCA_LISTEN_KEEPALIVE_RESTART_DELAY_MS": "100"}
LOCK_TAKEN = 'Error: Another openzca listener already owns profile "default" (pid {pid}).\n'


def started(listen, sim: SimControl, *args: str, env: dict[str, str] | None = None):
    proc = listen(*args, env={**FAST, **(env or {})})
    proc.wait_for(texts.CONNECTED_BANNER + "\n")
    assert sim.wait_listener() == proc.pid
    return proc


def lifecycle(proc) -> list[dict]:
    return [json.loads(line) for line in proc.lines() if line.startswith('{"kind":"lifecycle"')]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# --- one listener per profile ------------------------------------------------------------------------


def test_the_lock_refuses_a_second_listener_and_is_released_on_sigterm(listen, sim: SimControl) -> None:
    first = started(listen, sim, "-r", "-k")
    lock = sim.listener_owner()
    assert lock["pid"] == first.pid and lock["profile"] == "default"
    assert set(lock) == {"pid", "profile", "sessionId", "startedAt"} and lock["startedAt"].endswith("Z")
    second = listen("-r", "-k")
    assert second.wait_exit() == 1
    assert (second.out, second.err) == (b"", LOCK_TAKEN.format(pid=first.pid))
    assert sim.socket_path.exists()
    first.signal(signal.SIGTERM)
    assert first.wait_exit() == 143
    assert sim.listener_owner() is None and not sim.socket_path.exists()
    assert sim.calls()[-1]["exit"] == 143


def test_sigint_exits_130_after_cleaning_up(listen, sim: SimControl) -> None:
    proc = started(listen, sim, "-r")
    proc.signal(signal.SIGINT)
    assert proc.wait_exit() == 130 and proc.err == ""
    assert sim.listener_owner() is None and not sim.socket_path.exists()


@pytest.mark.parametrize("content", ["dead", '{"pid": 0}', '{"pid": "x"}', "{}"])
def test_a_stale_lock_is_taken_over(listen, sim: SimControl, content: str) -> None:
    lock = sim.home / "profiles" / "default" / "listener-owner.json"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(json.dumps({"pid": dead_pid(), "profile": "default"}) if content == "dead" else content)
    proc = started(listen, sim, "-r")
    assert sim.listener_owner()["pid"] == proc.pid


def test_a_lock_that_is_not_json_blocks_the_listener(listen, sim: SimControl) -> None:
    lock = sim.home / "profiles" / "default" / "listener-owner.json"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("{")
    proc = listen("-r")
    assert proc.wait_exit() == 1
    assert proc.err == "Error: Expected property name or '}' in JSON at position 1\n"


def test_the_lock_can_be_turned_off(listen, sim: SimControl) -> None:
    off = {"OPENZCA_LISTEN_ENFORCE_SINGLE_OWNER": "0", "OPENZCA_LISTEN_IPC": "off"}
    started(listen, sim, "-r", env=off)
    started(listen, sim, "-r", env=off)
    assert sim.wait_listener(min_starts=2) and sim.listener_owner() is None and not sim.socket_path.exists()


# --- listen.sock, msg upload, msg video -----------------------------------------------------------------


def test_upload_goes_through_the_listener(zca, listen, sim: SimControl, tmp_path: Path) -> None:
    proc = started(listen, sim, "-r", "-k")
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF")
    result = zca("msg", "upload", "-g", str(report), GROUP)
    assert result.returncode == 0, result.stderr
    (record,) = sim.sent()
    assert (record["via"], record["threadId"], record["isGroup"], record["attachments"], record["caption"]) == (
        "ipc", GROUP, True, [str(report)], "")
    assert result.stdout == f"{{ message: null, attachment: [ {{ msgId: {record['msgId']} }} ] }}\n"
    assert zca("msg", "upload", "-u", "https://x.invalid/a.txt", USER).returncode == 0  # downloaded first
    assert proc.proc.poll() is None


@pytest.mark.parametrize("env", [{"OPENZCA_UPLOAD_IPC": "0"}, {}], ids=["client-ipc-off", "listener-ipc-off"])
def test_upload_without_the_socket_is_refused_while_a_listener_runs(zca, listen, sim, tmp_path, env) -> None:
    started(listen, sim, "-r", env={} if env else {"OPENZCA_LISTEN_IPC": "0"})
    report = tmp_path / "r.txt"
    report.write_text("x")
    result = zca("msg", "upload", str(report), USER, env=env)
    pid = sim.listener_owner()["pid"]
    assert result.stderr == "Error: " + texts.OWNER_BLOCKS.format(profile="default", pid=pid, what="upload") + "\n"
    assert sim.sent() == []


def test_video_fails_while_a_listener_owns_the_profile(zca, listen, sim: SimControl) -> None:
    proc = started(listen, sim, "-r", "-k")
    result = zca("msg", "video", USER, "-u", "https://x.invalid/v.mp4")
    assert result.stderr == "Error: " + texts.OWNER_BLOCKS.format(profile="default", pid=proc.pid,
                                                                   what="video upload") + "\n"
    assert sim.sent() == []


def test_forcing_a_second_websocket_kicks_the_listener(zca, listen, sim: SimControl) -> None:
    proc = started(listen, sim, "-r", "-k")
    result = zca("msg", "video", USER, "-u", "https://x.invalid/v.mp4", env={"OPENZCA_UPLOAD_ENFORCE_SINGLE_OWNER": "0"})
    assert result.returncode == 0, result.stderr
    proc.wait_for("Listener closed (3000) \n")
    proc.wait_lines(4)  # -k restarts after a 3000 close
    assert proc.lines()[2:] == ["Listener closed (3000) ", texts.CONNECTED_BANNER]


@pytest.mark.parametrize(
    "request_line, error",
    [
        (b"not json\n", "Invalid JSON request."),
        (b'{"kind":"other","requestId":"r1"}\n', "Unsupported IPC request kind."),
        (b'{"kind":"upload","requestId":"r1","profile":"work","threadId":"1","attachments":["/x"]}\n',
         "Profile mismatch."),
        (b'{"kind":"upload","requestId":"r1","profile":"default","threadId":"1","attachments":[]}\n',
         "Invalid upload payload."),
        (b"   \n", "Empty IPC request."),
    ],
)
def test_the_socket_answers_bad_requests(listen, sim: SimControl, request_line: bytes, error: str) -> None:
    started(listen, sim, "-r")
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(5)
    cwd = os.getcwd()
    os.chdir(sim.socket_path.parent)  # the temporary path can be longer than AF_UNIX allows
    try:
        client.connect(sim.socket_path.name)
    finally:
        os.chdir(cwd)
    with client:
        client.sendall(request_line)
        answer = json.loads(client.makefile("rb").readline())
    assert (answer["kind"], answer["ok"], answer["error"]) == ("upload_result", False, error)


# --- recycle and keep-alive --------------------------------------------------------------------------


def test_the_recycle_fires_from_start_however_busy_the_listener_is(listen, sim: SimControl) -> None:
    proc = started(listen, sim, "-r", "-k", "--recycle-ms", "600")
    for i in range(8):  # traffic does not push the recycle back
        sim.inject_dm(USER, f"busy {i}")
        time.sleep(0.05)
    assert proc.wait_exit(timeout=5) == 75
    assert proc.err == "Listener recycle triggered after 600ms to prevent stale session.\n"
    assert proc.lines()[-2:] == ["Listener closed (1000) ", texts.CONNECTED_BANNER]
    assert sim.listener_owner() is None and not sim.socket_path.exists()


@pytest.mark.parametrize(
    "args, env",
    [(["-k"], {"OPENZCA_LISTEN_RECYCLE_MS": "300"}), (["-k", "--recycle-ms", " 3e2 "], {"OPENZCA_LISTEN_RECYCLE_MS": "x"})],
)
def test_recycle_period_from_the_environment_or_the_option(listen, sim: SimControl, args, env) -> None:
    proc = started(listen, sim, "-r", *args, env=env)
    assert proc.wait_exit(timeout=5) == 75
    assert "after 300ms" in proc.err


@pytest.mark.parametrize("args", [["-k", "--recycle-ms", "0"], ["--recycle-ms", "300"],
                                  ["-k", "--supervised", "--recycle-ms", "300"]])
def test_no_recycle_when_off_without_keep_alive_or_supervised(listen, sim: SimControl, args) -> None:
    proc = started(listen, sim, "-r", *args)
    time.sleep(0.8)
    assert proc.proc.poll() is None


@pytest.mark.parametrize(
    "args, env, label",
    [(["--recycle-ms", "abc"], {}, "--recycle-ms"), (["--heartbeat-ms", "-5"], {}, "--heartbeat-ms"),
     ([], {"OPENZCA_LISTEN_RECYCLE_MS": "soon"}, "OPENZCA_LISTEN_RECYCLE_MS"),
     ([], {"OPENZCA_LISTEN_HEARTBEAT_MS": "Infinity"}, "OPENZCA_LISTEN_HEARTBEAT_MS")],
)
def test_bad_periods_fail_at_start(listen, sim: SimControl, args, env, label) -> None:
    proc = listen("-r", "-k", *args, env=env)
    assert proc.wait_exit() == 1
    assert (proc.out, proc.err) == (b"", f"Error: {label} must be a non-negative number.\n")
    assert sim.listener_owner() is None


@pytest.mark.parametrize("code", [1000, 3000])
def test_keep_alive_restarts_after_1000_and_3000(listen, sim: SimControl, code: int) -> None:
    proc = started(listen, sim, "-r", "-k")
    sim.close_connection(code)
    after = sim.inject_dm(USER, "after the restart")
    proc.wait_lines(5)
    assert proc.lines()[2:4] == [f"Listener closed ({code}) ", texts.CONNECTED_BANNER]
    assert json.loads(proc.lines()[4]) == after


def test_other_closes_leave_a_silent_listener_until_the_recycle(listen, sim: SimControl) -> None:
    proc = started(listen, sim, "-r", "-k", "--recycle-ms", "1200")
    sim.close_connection(1006)
    sim.inject_dm(USER, "never delivered by this listener")
    proc.wait_for("Listener closed (1006) \n")
    time.sleep(0.3)
    assert proc.proc.poll() is None and sim.inbox_pending() == 1
    assert proc.wait_exit(timeout=5) == 75


def test_restart_on_any_close(listen, sim: SimControl) -> None:
    proc = started(listen, sim, "-r", "-k", env={"OPENZCA_LISTEN_KEEPALIVE_RESTART_ON_ANY_CLOSE": "yes"})
    sim.close_connection(1006, "abnormal")
    proc.wait_lines(4)
    assert proc.lines()[2:4] == ["Listener closed (1006) abnormal", texts.CONNECTED_BANNER]


def test_a_drop_zca_js_retries_prints_only_the_reconnect(listen, sim: SimControl) -> None:
    proc = started(listen, sim, "-r", "-k")
    sim.drop_connection(1006, reconnect_after=0.1)
    proc.wait_lines(3)
    assert proc.lines()[2:] == [texts.CONNECTED_BANNER]


# --- supervised ---------------------------------------------------------------------------------------------


def test_supervised_lifecycle_lines_and_heartbeats(listen, sim: SimControl) -> None:
    proc = started(listen, sim, "-r", "-k", "--supervised", "--heartbeat-ms", "150")
    event = sim.inject_dm(USER, "during heartbeats")
    proc.wait_for('"event":"heartbeat"')
    session = sim.listener_owner()["sessionId"]
    time.sleep(0.5)
    sim.listener_error("socket hang up")
    sim.close_connection(1006)
    assert proc.wait_exit() == 0  # supervised: any close ends the process, -k or not
    lines = proc.lines()
    assert lines[0] == texts.LISTEN_BANNER and lines[2] == texts.CONNECTED_BANNER
    assert json.loads(lines[1])["event"] == "session_id"
    events = [line["event"] for line in lifecycle(proc)]
    assert events[:2] == ["session_id", "connected"] and events[-2:] == ["error", "closed"]
    assert events.count("heartbeat") >= 3
    assert {line["session_id"] for line in lifecycle(proc)} == {session}
    assert all(line["profile"] == "default" and isinstance(line["timestamp"], int) for line in lifecycle(proc))
    assert lifecycle(proc)[-1]["code"] == 1006 and "reason" not in lifecycle(proc)[-1]
    assert lifecycle(proc)[-2]["message"] == "socket hang up"
    assert json.loads(next(line for line in lines if '"msgId"' in line)) == event
    assert proc.err == texts.SUPERVISED_KEEPALIVE + "\nListener error: socket hang up\n"


def test_heartbeats_keep_coming_while_the_connection_is_stalled(listen, sim: SimControl) -> None:
    proc = started(listen, sim, "-r", "--supervised", "--heartbeat-ms", "100")
    sim.stall()
    time.sleep(0.6)
    assert sum(line["event"] == "heartbeat" for line in lifecycle(proc)) >= 3


def test_lifecycle_lines_need_raw(listen, sim: SimControl) -> None:
    proc = started(listen, sim, "--supervised", "--heartbeat-ms", "100")
    time.sleep(0.4)
    assert lifecycle(proc) == [] and proc.lines() == [texts.LISTEN_BANNER, texts.CONNECTED_BANNER]


def test_prefix_is_stripped_with_the_following_spaces(listen, sim: SimControl) -> None:
    proc = started(listen, sim, "-r", "--prefix", "!bot")
    sim.inject_dm(USER, "!bot   ping")
    assert json.loads(proc.wait_lines(3)[2])["content"] == "ping"


# --- events -----------------------------------------------------------------------------------------------


def test_dm_and_group_events_have_the_0158_fields(sim: SimControl) -> None:
    dm = sim.inject_dm(USER, "alo")
    assert list(dm)[:9] == ["threadId", "targetId", "conversationId", "msgId", "cliMsgId", "content", "type",
                            "timestamp", "msgType"]
    assert (dm["toId"], dm["senderDisplayName"], "senderName" in dm["metadata"]) == (seed.BOT_ID, "Nguyễn Văn An", False)
    assert len(dm["msgId"]) == 13 and dm["metadata"]["chatType"] == "user"
    group = sim.inject_group(GROUP, "6634210987765540123", "@Sim Bot giúp với", mentions=[seed.BOT_ID])
    assert group["mentions"] == [{"uid": seed.BOT_ID, "pos": 0, "len": 8, "type": 0, "text": "@Sim Bot"}]
    assert (group["toId"], group["metadata"]["senderName"], group["metadata"]["mentionCount"]) == (
        GROUP, "Alice Smith", 1)
    event = InboundEvent.from_json(group)
    assert (event.sender_id, event.is_group, event.mention_ids, event.sender_name) == (
        "6634210987765540123", True, (seed.BOT_ID,), "Alice Smith")
    assert InboundEvent.from_json(dm).sender_name == "Nguyễn Văn An"


def test_a_photo_is_downloaded_into_the_media_folder(sim: SimControl) -> None:
    event = sim.inject_photo(USER, "https://f21-zpc.zdn.vn/sim/photo.jpg", data=b"\xff\xd8jpeg")
    path = Path(event["mediaPath"])
    assert path.parent == sim.media_dir() and path.read_bytes() == b"\xff\xd8jpeg" and path.suffix == ".jpg"
    assert event["content"] == (f"[media attached: {path} (image/jpeg) | https://f21-zpc.zdn.vn/sim/photo.jpg]\n"
                                "https://f21-zpc.zdn.vn/sim/photo.jpg")
    assert (event["msgType"], event["mediaKind"], event["mediaTypes"]) == ("chat.photo", "image", ["image/jpeg"])
    assert event["metadata"]["mediaPath"] == str(path)


def test_files_voices_several_photos_and_failed_downloads(sim: SimControl, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("OPENZCA_LISTEN_MEDIA_DIR", str(tmp_path / "inbound"))
    report = sim.inject_file(USER, group_id=GROUP)
    assert report["content"].endswith(" (application/pdf) | https://f21-zpc.zdn.vn/sim/report.pdf]\nreport.pdf")
    assert Path(report["mediaPath"]).parent == tmp_path / "inbound" and report["mediaKind"] == "file"
    voice = sim.inject_voice(USER)
    assert voice["mediaKind"] == "audio" and voice["content"].endswith("\nhttps://f21-zpc.zdn.vn/sim/voice.m4a")
    album = sim.inject_media("photo", USER, ["https://x.invalid/1.jpg", "https://x.invalid/2.jpg"], caption="hai ảnh")
    assert album["content"].splitlines()[0] == "[media attached: 2 files]"
    assert album["content"].splitlines()[2].startswith("[media attached 2/2: ") and len(album["mediaPaths"]) == 2
    lost = sim.inject_photo(USER, "https://x.invalid/gone.jpg", download_fails=True)
    assert lost["content"] == "[media attached: https://x.invalid/gone.jpg (image/*)]\nhttps://x.invalid/gone.jpg"
    assert "mediaPath" not in lost and lost["mediaUrls"] == ["https://x.invalid/gone.jpg"]


def test_a_failed_download_warns_on_the_listeners_stderr(listen, sim: SimControl) -> None:
    proc = started(listen, sim, "-r")
    sim.inject_photo(USER, "https://x.invalid/gone.jpg", download_fails=True)
    proc.wait_lines(3)
    assert proc.err == ("Warning: failed to cache inbound media (Failed to download inbound media: "
                        "https://x.invalid/gone.jpg (404))\n")


def test_the_listener_downloads_into_its_own_media_folder(listen, sim: SimControl, tmp_path) -> None:
    mine = tmp_path / "bot-media"
    proc = started(listen, sim, "-r", env={"OPENZCA_LISTEN_MEDIA_DIR": str(mine)})
    injected = sim.inject_photo(USER, "https://f21-zpc.zdn.vn/sim/photo.jpg", data=b"\xff\xd8jpeg", caption="đẹp")
    line = json.loads(proc.wait_lines(3)[2])
    path = Path(line["mediaPath"])
    assert path.parent == mine and path.read_bytes() == b"\xff\xd8jpeg" and not Path(injected["mediaPath"]).exists()
    assert line["content"] == f"[media attached: {path} (image/jpeg) | https://f21-zpc.zdn.vn/sim/photo.jpg]\nđẹp"
    assert line["metadata"]["mediaPaths"] == [str(path)] and line["mediaTypes"] == ["image/jpeg"]
    assert list(line)[:9] == list(injected)[:9]  # the field order stays the tool's


def test_a_shared_link_is_its_thumbnail_and_title(sim: SimControl) -> None:
    link = sim.inject_link(USER, "https://example.org/a", title="Tin nóng")
    assert (link["msgType"], link["mediaKind"]) == ("chat.recommended", "image")
    assert link["content"].endswith("| https://f21-zpc.zdn.vn/sim/thumb.jpg]\nTin nóng")
    untitled = sim.inject_link(USER, "https://example.org/b")
    assert untitled["content"].endswith("\nhttps://example.org/b")


def test_stickers_and_quote_replies(sim: SimControl) -> None:
    sticker = sim.inject_sticker(USER, "21979")
    assert (sticker["content"], sticker["mediaKind"], sticker["mentionIds"]) == ("<non-text:chat.sticker>", "image",
                                                                                  ["21979"])
    reply = sim.inject_quote_reply("6634210987765540123", "ok để mình xem", quoted_text="gửi   báo giá\ngiúp em",
                                   quoted_sender_id=USER, group_id=GROUP)
    assert reply["content"] == "ok để mình xem\n[reply context: Nguyễn Văn An: gửi báo giá giúp em]"
    assert reply["quote"]["ownerId"] == USER and reply["quote"]["msg"] == "gửi   báo giá\ngiúp em"
    long_reply = sim.inject_quote_reply(USER, "?", quoted_text="x" * 300, quoted_sender_id=USER)
    assert long_reply["content"].endswith(": " + "x" * 217 + "...]")


def test_object_content_is_still_injectable(listen, sim: SimControl, legacy: str) -> None:
    proc = started(listen, sim, "-r")
    sim.inject_dm(USER, content={"title": "photo.jpg", "href": "https://x/p.jpg"})
    line = json.loads(proc.wait_lines(3)[2])
    assert line["content"] == {"title": "photo.jpg", "href": "https://x/p.jpg"} and "targetId" not in line
