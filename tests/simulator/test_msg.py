"""msg send / image / video / voice / link / typing and the durable sent log, on the legacy
surface (0.1.58's msg commands: test_msg_openzca.py)."""

from __future__ import annotations

import re

import pytest

from errbot_zalouser.simulator.control import SimControl

pytestmark = pytest.mark.usefixtures("legacy")

USER = "2947718306652210431"
GROUP = "7031928374650192837"


def test_send_text(zca, sim: SimControl) -> None:
    result = zca("msg", "send", USER, "Xin chào bạn 👋")
    assert result.returncode == 0, result.stderr
    (record,) = sim.sent()
    assert record["command"] == "send"
    assert (record["threadId"], record["isGroup"], record["text"]) == (USER, False, "Xin chào bạn 👋")
    assert re.fullmatch(r"\d{19}", record["msgId"])
    assert result.stdout == f"message_id: {record['msgId']}\n"
    assert record["argv"] == ["msg", "send", USER, "Xin chào bạn 👋"]
    assert isinstance(record["ts"], float)


def test_send_to_group(zca, sim: SimControl) -> None:
    assert zca("--profile", "default", "msg", "send", GROUP, "hi", "-g").returncode == 0
    assert zca("msg", "send", "--group", "--", GROUP, "-g").returncode == 0
    assert [(r["isGroup"], r["text"]) for r in sim.sent()] == [(True, "hi"), (True, "-g")]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["msg", "image", USER, "-u", "http://x/a.png", "-m", "Ảnh đẹp"],
         {"command": "image", "url": "http://x/a.png", "caption": "Ảnh đẹp"}),
        (["msg", "image", "--url=http://x/a.png", "--message=-cap", "--", USER],
         {"command": "image", "url": "http://x/a.png", "caption": "-cap"}),
        (["msg", "video", USER, "-u", "http://x/v.mp4", "--thumbnail", "http://x/t.jpg"],
         {"command": "video", "url": "http://x/v.mp4", "caption": "", "thumbnail": "http://x/t.jpg"}),
        (["msg", "voice", USER, "-u", "http://x/a.mp3"], {"command": "voice", "url": "http://x/a.mp3"}),
        (["msg", "link", USER, "https://example.org/x"], {"command": "link", "url": "https://example.org/x"}),
    ],
)
def test_media_and_links_are_logged(zca, sim: SimControl, args: list[str], expected: dict) -> None:
    result = zca(*args)
    assert result.returncode == 0, result.stderr
    (record,) = sim.sent()
    assert {k: record.get(k) for k in expected} == expected
    assert record["threadId"] == USER and record["msgId"]
    if expected["command"] == "voice":
        assert "caption" not in record


def test_several_urls(zca, sim: SimControl) -> None:
    zca("msg", "image", GROUP, "-g", "-u", "http://x/1.png", "http://x/2.png")
    (record,) = sim.sent()
    assert record["urls"] == ["http://x/1.png", "http://x/2.png"] and record["isGroup"] is True


def test_media_needs_a_url_or_an_existing_file(zca, sim: SimControl, tmp_path) -> None:
    assert zca("msg", "image", USER).stderr == "Error: Provide at least one file or --url\n"
    assert zca("msg", "image", USER, str(tmp_path / "missing.png")).returncode == 1
    picture = tmp_path / "ok.png"
    picture.write_bytes(b"png")
    assert zca("msg", "image", USER, str(picture)).returncode == 0
    assert [r["file"] for r in sim.sent()] == [str(picture)]


def test_voice_rejects_a_caption(zca, sim: SimControl) -> None:
    result = zca("msg", "voice", USER, "-u", "http://x/a.mp3", "-m", "caption")
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "error: unknown option '-m'\n")
    assert sim.sent() == []


def test_typing(zca, sim: SimControl) -> None:
    result = zca("msg", "typing", GROUP, "-g")
    assert (result.returncode, result.stdout) == (0, "")
    (record,) = sim.sent()
    assert (record["command"], record["threadId"], record["isGroup"], record["msgId"]) == ("typing", GROUP, True, None)


def test_wait_sent_sees_messages_from_other_processes(zca, sim: SimControl) -> None:
    for text in ("một", "hai", "ba"):
        zca("msg", "send", USER, text)
    assert [r["text"] for r in sim.wait_sent(3, timeout=2.0)] == ["một", "hai", "ba"]
    assert len({r["msgId"] for r in sim.sent()}) == 3


def test_profiles_have_separate_sent_logs(zca, sim_home, sim: SimControl) -> None:
    other = SimControl.create(sim_home, "other")
    zca("-p", "other", "msg", "send", USER, "hi")
    assert (len(sim.sent()), len(other.sent())) == (0, 1)
