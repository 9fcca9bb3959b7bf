"""msg image / video / voice / upload / link / react / typing on the openzca 0.1.58 surface."""

from __future__ import annotations

import re

import pytest

from errbot_zalouser.simulator import texts
from errbot_zalouser.simulator.control import SimControl

USER = "2947718306652210431"
GROUP = "7031928374650192837"
ID = r"(\d{13})"


def test_image_by_url_with_a_caption_rides_on_the_photo(zca, sim: SimControl) -> None:
    result = zca("msg", "image", USER, "--url=https://x.invalid/a.png", "--message=Ảnh đẹp")
    assert result.returncode == 0, result.stderr
    (record,) = sim.sent()
    assert (record["command"], record["url"], record["caption"], record["captionAs"]) == (
        "image", "https://x.invalid/a.png", "Ảnh đẹp", "desc")
    assert re.fullmatch(rf"\{{ message: null, attachment: \[ \{{ msgId: {ID} \}} \] \}}\n", result.stdout)


def test_a_caption_on_several_images_goes_first_as_a_message(zca, sim: SimControl) -> None:
    result = zca("msg", "image", "-g", GROUP, "-u", "https://x.invalid/1.png,https://x.invalid/2.png", "-m", "hai ảnh")
    (record,) = sim.sent()
    assert record["urls"] == ["https://x.invalid/1.png", "https://x.invalid/2.png"] and record["captionAs"] == "message"
    assert len(record["msgIds"]) == 3
    assert result.stdout.startswith("{\n  message: { msgId: ")


@pytest.mark.parametrize(
    "args, error",
    [
        (["msg", "image", USER], texts.NO_IMAGE),
        (["msg", "video", USER], texts.NO_VIDEO),
        (["msg", "voice", USER], texts.NO_VOICE),
        (["msg", "upload", USER], texts.NO_UPLOAD),
        (["msg", "image", USER, "/nonexistent/a.png"], "File not found: /nonexistent/a.png"),
        (["msg", "image", USER, "-u", "-https://x.invalid/a.png"], "File not found: -https://x.invalid/a.png"),
        (["msg", "react", "1", "2", USER, "sparkles"],
         'Unsupported reaction "sparkles". Use emoji (e.g. ❤️) or one of Reactions enum values.'),
    ],
)
def test_media_errors(zca, sim: SimControl, args: list[str], error: str) -> None:
    result = zca(*args)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"Error: {error}\n")
    assert sim.sent() == []


def test_voice_urls_are_sent_one_by_one_and_printed_as_a_table(zca, sim: SimControl) -> None:
    result = zca("msg", "voice", USER, "-u", "https://x.invalid/a.m4a", "-u", "https://x.invalid/b.m4a")
    records = sim.sent()
    assert [r["url"] for r in records] == ["https://x.invalid/a.m4a", "https://x.invalid/b.m4a"]
    assert result.stdout.splitlines()[1] == "│ (index) │ msgId         │"
    assert [line.split("│")[2].strip() for line in result.stdout.splitlines()[3:5]] == [r["msgId"] for r in records]
    assert zca("msg", "voice", USER, "-u", "https://x.invalid/a.m4a", "-m", "x").stderr.startswith(
        "error: unknown option '-m'\n")


def test_a_local_voice_file_that_is_not_audio_is_refused(zca, sim: SimControl, tmp_path) -> None:
    picture = tmp_path / "not-audio.png"
    picture.write_bytes(b"png")
    assert zca("msg", "voice", USER, str(picture)).stderr == f"Error: {texts.NO_VOICE_ATTACHMENT}\n"


def test_link_prints_the_id_quoted(zca, sim: SimControl) -> None:
    result = zca("msg", "link", USER, "https://example.org/a_b")
    (record,) = sim.sent()
    assert result.stdout == f"{{ msgId: '{record['msgId']}' }}\n"


@pytest.mark.parametrize(
    "reaction, code",
    [("❤️", "/-heart"), ("👍", "/-strong"), ("😂", ":>"), ("like", "/-strong"), ("Tears of joy", ":')"),
     ("broken-heart", "/-break"), ("/-rose", "/-rose"), (":>", ":>"), (" haha ", ":>")],
)
def test_react_accepts_emoji_names_and_codes(zca, sim: SimControl, reaction: str, code: str) -> None:
    result = zca("msg", "react", "7645528516660", "1774152479593", USER, reaction)
    (record,) = sim.sent()
    assert (record["reaction"], record["target"]) == (code, {"msgId": "7645528516660", "cliMsgId": "1774152479593"})
    assert result.stdout == f"{{ msgIds: [ {record['msgId']} ] }}\n"


def test_react_none_is_not_a_name(zca, sim: SimControl) -> None:
    assert zca("msg", "react", "1", "2", USER, "NONE").returncode == 1  # its enum value is "", which does not count


def test_react_is_not_retried(zca, sim: SimControl) -> None:
    sim.timeout_before_accept("msg react")
    assert zca("msg", "react", "1", "2", USER, "like", env={"OPENZCA_SEND_RETRY_DELAY_MS": "0"}).returncode == 1


def test_typing(zca, sim: SimControl) -> None:
    result = zca("msg", "typing", "-g", GROUP)
    assert (result.returncode, result.stdout) == (0, "")
    assert [(r["command"], r["isGroup"]) for r in sim.sent()] == [("typing", True)]


def test_upload_without_a_listener_sends_attachments(zca, sim: SimControl, tmp_path) -> None:
    report = tmp_path / "báo cáo.pdf"
    report.write_bytes(b"%PDF")
    result = zca("msg", "upload", str(report), USER)
    assert result.returncode == 0, result.stderr
    (record,) = sim.sent()
    assert (record["command"], record["attachments"], record["caption"]) == ("upload", [str(report)], "")
    assert "via" not in record


def test_media_retry_duplicates_too(zca, sim: SimControl) -> None:
    sim.timeout_after_accept("msg image")
    assert zca("msg", "image", USER, "-u", "https://x.invalid/a.png", env={"OPENZCA_SEND_RETRY_DELAY_MS": "0"}).returncode == 0
    assert [r["attempt"] for r in sim.sent()] == [1, 2]
