"""Suite 5: texts, captions and URLs that look like command-line options are sent literally.

tests/transport/test_integration_sim.py covers ``send_text`` with "--help", "-g", "--profile x"
and one image caption; tests/e2e/test_bot_e2e.py covers `!echo` of those in a DM and a group.
Here: the remaining shapes ("-- x", "--", "--message=...", ...), media captions and URLs that
start with "-", links, voice captions (sent as a separate text), through the client, the
service's send pool, and the bot (a plugin's ``send_url``), in DMs and groups. An option-like
text must never change the command: not its thread, not its group flag, not its profile.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from errbot_zalouser.model import Target
from errbot_zalouser.transport.client import ZcaClient
from errbot_zalouser.transport.runner import CliRunner
from tests.faults.conftest import ADMIN, FRIEND, WORK_CHAT, read_jsonl, recorder_config, wait_until

OPTION_TEXTS = ["-- x", "--", "-", "-h", "--help", "-g", "--profile x", "--profile=work", "--message=hijack",
                "--url=https://evil.invalid/x.png", "-g -- 1", "\n--help", "--version"]
OPTION_URLS = ["-https://example.invalid/a.png", "--help", "--profile=x", "-g", "-- x.png"]
# Media URLs must be http(s) (openzca reads anything else as a path on this machine and sends that
# file): option-like texts can only be inside them.
OPTION_MEDIA_URLS = ["https://example.invalid/--help.png", "https://example.invalid/a.png?x=-g",
                     "https://example.invalid/-- x.png", "HTTPS://example.invalid/--profile=x.png",
                     "https://example.invalid/a.png#--url=x"]


@pytest.fixture
def client(sim, zca_sim_path) -> ZcaClient:
    return ZcaClient(CliRunner(zca_sim_path, kill_grace=1.0), sim.profile)


def _target(is_group: bool) -> Target:
    return Target(WORK_CHAT, True) if is_group else Target(FRIEND)


def _check_rows(sim, rows, target: Target) -> None:
    assert all(r["threadId"] == target.thread_id and r["isGroup"] is target.is_group for r in rows)
    msg_calls = [c for c in sim.calls() if str(c.get("command", "")).startswith("msg ")]
    assert msg_calls and all(c["profile"] == "default" and c["exit"] == 0 for c in msg_calls)


@pytest.mark.parametrize("is_group", [False, True], ids=["dm", "group"])
def test_client_sends_option_like_texts_literally(client, sim, is_group):
    target = _target(is_group)
    for text in OPTION_TEXTS:
        client.send_text(target, text)
    rows = sim.sent()
    assert [r["text"] for r in rows] == OPTION_TEXTS
    _check_rows(sim, rows, target)


@pytest.mark.parametrize("is_group", [False, True], ids=["dm", "group"])
@pytest.mark.parametrize("kind", ["image", "video"])
def test_client_media_captions_and_urls_are_literal(client, sim, kind, is_group):
    # issue 10 item 7 (media routing): back on 0.1.58, with the http(s) URLs the bot now requires
    target = _target(is_group)
    captions = ["--help", "-g", "--profile x", "-- x", "--url=https://evil.invalid/x.png"]
    for caption, url in zip(captions, OPTION_MEDIA_URLS, strict=True):
        client.send_media(target, kind, url, caption=caption)
    rows = sim.sent()
    assert [(r["command"], r["url"], r["caption"]) for r in rows] == [
        (kind, url, caption) for caption, url in zip(captions, OPTION_MEDIA_URLS, strict=True)]
    _check_rows(sim, rows, target)


@pytest.mark.parametrize("is_group", [False, True], ids=["dm", "group"])
def test_client_links_starting_with_a_dash_are_literal(client, sim, is_group):
    target = _target(is_group)
    for url in OPTION_URLS:
        client.send_link(target, url)
    rows = sim.sent()
    assert [(r["command"], r["url"]) for r in rows] == [("link", url) for url in OPTION_URLS]
    _check_rows(sim, rows, target)


VIDEO = "https://example.invalid/-- clip.mp4"
VIDEO_ROWS = {
    # openzca 0.1.58: `msg upload` (it works while the listener runs; `msg video` does not); it
    # carries no caption, so the caption goes first as a text
    "0.1.58": [("send", "-- x", None, None), ("upload", None, "-- clip.mp4", "")],
    "legacy": [("video", None, VIDEO, "-- x")],
}


@pytest.mark.parametrize("surface", ["0.1.58", "legacy"])
@pytest.mark.parametrize("is_group", [False, True], ids=["dm", "group"])
def test_service_send_pool_keeps_option_like_payloads(service_factory, sim, is_group, surface):
    # issue 10 item 7 (media routing): back on 0.1.58, and on the old binary too
    sim.set_surface(surface)
    service = service_factory()
    target = _target(is_group)
    service.send_text(None, target, "--profile x")
    service.send_url(None, target, "https://example.invalid/a.png", caption="--help")
    service.send_url(None, target, "https://example.invalid/-voice.mp3", caption="-g")  # voice: the text goes first
    service.send_url(None, target, VIDEO, caption="-- x")
    service.send_link(None, target, "-https://example.invalid/page")
    assert service.drain(15)
    rows = sim.sent()
    assert [(r["command"], r.get("text"), _media(r), r.get("caption")) for r in rows] == [
        ("send", "--profile x", None, None),
        ("image", None, "https://example.invalid/a.png", "--help"),
        ("send", "-g", None, None),
        ("voice", None, "https://example.invalid/-voice.mp3", None),
        *VIDEO_ROWS[surface],
        ("link", None, "-https://example.invalid/page", None),
    ]
    _check_rows(sim, rows, target)
    assert all(r.get("via") == "ipc" for r in rows if r["command"] == "upload")  # through the running listener
    assert service.status()[0].failed_sends == 0


def _media(row: dict) -> str | None:
    """The URL a media row went out with; for an upload the file openzca downloaded it to."""
    return Path(row["attachments"][0]).name if row["command"] == "upload" else row.get("url")


@pytest.mark.parametrize("url", ["-https://example.invalid/a.png", "--help", "/etc/passwd", "file:///etc/passwd",
                                 "~/.ssh/id_rsa", "ftp://example.invalid/a.png", "https://", " "])
def test_service_refuses_a_media_url_that_is_not_http(service_factory, sim, url):
    """openzca reads such a value as a path on the bot's machine and would send that file."""
    service = service_factory()
    with pytest.raises(ValueError, match="not an http"):
        service.send_url(None, Target(FRIEND), url, caption="x")
    assert service.drain(5)
    assert sim.sent() == []


def test_bot_sends_option_like_captions_and_urls_from_a_plugin(bot_factory, sim, tmp_path):
    """Inbound option-like texts reach plugins unchanged; a plugin's send_url stays literal."""
    # issue 10 item 7 (media routing): back on 0.1.58, with the http(s) URLs the bot now requires
    record = tmp_path / "record.jsonl"
    bot = bot_factory({"groupPolicy": "open"}, extra=recorder_config(record))
    sim = bot.sim
    sim.inject_dm(ADMIN, "--profile x")
    sim.inject_dm(ADMIN, "!faults_url https://example.invalid/a.png --help")
    sim.inject_group(WORK_CHAT, FRIEND, "!faults_url https://example.invalid/-b.png -- x")
    sim.inject_group(WORK_CHAT, FRIEND, "!faults_url https://example.invalid/-g.mp3 --profile x")
    assert wait_until(lambda: len(sim.sent()) >= 4, timeout=20), bot.log[-3000:]
    rows = {(r["command"], r["threadId"], r["isGroup"], r.get("url"), r.get("caption"), r.get("text"))
            for r in sim.sent()}
    assert rows == {
        ("image", ADMIN, False, "https://example.invalid/a.png", "--help", None),
        ("image", WORK_CHAT, True, "https://example.invalid/-b.png", "-- x", None),
        ("voice", WORK_CHAT, True, "https://example.invalid/-g.mp3", None, None),
        ("send", WORK_CHAT, True, None, None, "--profile x"),
    }
    bodies = [(r["frm"], r["body"]) for r in read_jsonl(record)]
    assert (ADMIN, "--profile x") in bodies
    assert (FRIEND, "!faults_url https://example.invalid/-g.mp3 --profile x") in bodies
