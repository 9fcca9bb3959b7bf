"""Issue 11's "Done means", end to end through `errbot -c config.py` on the simulator: a photo
reaches a plugin with its attachment (the README's example plugin, run as printed there), a
plugin's send_stream_request delivers a PDF and an image to a DM and a group, a threaded reply
goes out as a quote, `@<bot name> !echo hi` in a group with requireMention is answered, a
reaction lands. On the old binary (legacy surface): plain replies, no reactions, the old media
commands, and the photo as the older object content."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import ADMIN, FRIEND, WORK_CHAT

README = Path(__file__).resolve().parents[2] / "README.md"
PROBE = Path(__file__).resolve().parent / "plugins"
BOT_NAME = "Sim Bot"


def readme_plugin(folder: Path) -> Path:
    """Write the README's example plugin, exactly as printed there, into ``folder``."""
    text = README.read_text(encoding="utf-8")
    blocks = dict(re.findall(r"```(?:ini|python)\n# (photo_receipt\.\w+)\n(.*?)```", text, re.S))
    assert set(blocks) == {"photo_receipt.plug", "photo_receipt.py"}, "the README's example plugin moved"
    plugin = folder / "photo_receipt"
    plugin.mkdir(parents=True)
    for name, body in blocks.items():
        (plugin / name).write_text(body, encoding="utf-8")
    return folder


def rich_bot(bot_factory, tmp_path: Path) -> Any:
    plugins = readme_plugin(tmp_path / "readme-plugins")
    extra = (f"BOT_EXTRA_PLUGIN_DIR = [{str(plugins)!r}, {str(PROBE)!r}]\n"
             'DIVERT_TO_THREAD = ("echo",)\n')
    return bot_factory({"allowFrom": [FRIEND], "groupPolicy": "open", "groups": {WORK_CHAT: {"requireMention": True}}},
                       extra=extra)


def rows(bot, thread: str, count: int, command: str | None = None, timeout: float = 30.0,
         text: str | None = None) -> list[dict[str, Any]]:
    """The records sent to ``thread`` (of ``command``, with ``text``) once there are ``count``,
    waiting up to ``timeout``."""
    end = time.monotonic() + timeout
    found: list[dict[str, Any]] = []
    while time.monotonic() < end:
        found = [r for r in bot.sim.sent() if r.get("threadId") == thread and command in (None, r.get("command"))
                 and text in (None, r.get("text"))]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"expected {count} {command or 'record'}(s) to {thread}, got {found!r}\n{bot.log[-4000:]}")


def test_done_means_on_openzca(bot_factory, tmp_path, sim):
    bot = rich_bot(bot_factory, tmp_path)

    # a photo reaches the README's plugin with its attachment: it reacts, quotes it, sends a receipt
    photo = sim.inject_photo(ADMIN, "https://f21-zpc.zdn.vn/sim/cat.jpg", data=b"\xff\xd8" + b"j" * 998)
    (reaction,) = rows(bot, ADMIN, 1, "react")
    assert reaction["reaction"] == "/-strong" and reaction["target"] == {"msgId": photo["msgId"],
                                                                         "cliMsgId": photo["cliMsgId"]}
    (answer,) = rows(bot, ADMIN, 1, "send")
    assert answer["text"] == "Got your photo cat.jpg (1000 bytes)." and answer["quote"]["msgId"] == photo["msgId"]
    (receipt,) = rows(bot, ADMIN, 1, "upload")
    assert Path(receipt["attachments"][0]).name == "receipt.txt" and receipt["via"] == "ipc"
    media = tmp_path / "bot0" / "data" / "zalouser" / "media" / "default"
    assert [p.name for p in media.iterdir()] == [Path(photo["mediaPath"]).name]  # saved where the bot said

    # send_stream_request delivers a PDF and an image, to a DM and to a group
    sim.inject_dm(FRIEND, "!sendfiles")
    sim.inject_group(WORK_CHAT, FRIEND, f"@{BOT_NAME} !sendfiles")
    for thread in (FRIEND, WORK_CHAT):
        rows(bot, thread, 1, "send", text="files: report.pdf success, chart.png success")
        (pdf,) = rows(bot, thread, 1, "upload")
        (png,) = rows(bot, thread, 1, "image")
        assert Path(pdf["attachments"][0]).name == "report.pdf" and Path(png["file"]).name == "chart.png"
        assert pdf["isGroup"] is png["isGroup"] is (thread == WORK_CHAT)

    # a threaded reply quotes; "@<bot name> !echo hi" with requireMention is answered "hi"
    command = sim.inject_group(WORK_CHAT, FRIEND, f"@{BOT_NAME} !echo hi")
    sim.inject_group(WORK_CHAT, FRIEND, "!echo not addressed")
    sim.inject_group(WORK_CHAT, FRIEND, f"@{BOT_NAME}s !echo not its name")
    (echo,) = rows(bot, WORK_CHAT, 1, "send", text="hi")
    assert echo["quote"]["msgId"] == command["msgId"]
    time.sleep(1.0)  # the two messages that do not address the bot stay unanswered
    assert not [r for r in sim.sent() if "addressed" in r.get("text", "") or "its name" in r.get("text", "")]
    assert "Traceback" not in bot.log


def test_done_means_on_the_old_binary(bot_factory, tmp_path, sim):
    sim.set_surface("legacy")
    bot = rich_bot(bot_factory, tmp_path)
    sim.inject_dm(ADMIN, content={"title": "", "href": "https://f21-zpc.zdn.vn/sim/cat.jpg",
                                  "thumb": "https://f21-zpc.zdn.vn/sim/cat-thumb.jpg"})
    (answer,) = rows(bot, ADMIN, 1, "send")
    assert answer["text"] == "Got your photo cat.jpg (not downloaded)." and "quote" not in answer
    (receipt,) = rows(bot, ADMIN, 1, "image")  # the old tool sends any file by msg image
    assert Path(receipt["file"]).name == "receipt.txt"
    assert "this zca cannot react" in bot.log and not [r for r in sim.sent() if r["command"] == "react"]
    sim.inject_dm(FRIEND, "!sendfiles")
    rows(bot, FRIEND, 1, "send", text="files: report.pdf success, chart.png success")
    assert sorted(Path(r["file"]).name for r in rows(bot, FRIEND, 2, "image")) == ["chart.png", "report.pdf"]
    sim.inject_dm(FRIEND, "!echo hi")
    (echo,) = rows(bot, FRIEND, 1, "send", text="hi")
    assert "quote" not in echo  # the old binary cannot quote: a plain reply
