"""The whole bot (`errbot -c`) on an account with ``engine: "zca-js"``: the real engine program under
Node, on the zca-js stand-in (tests/transport/engine/fake_zca), which plays Zalo and records every
send. Issue 13's "Done means": a DM, a group, pairing, a multi-chunk reply and a file, with styles
and mentions sent as ranges; and one login for the whole run, no `zca` process at all. Issue 11's
rich messages where the engine carries them: a photo reaching a plugin with its attachment, a
threaded reply as a quote, a quote reaching ``extras["quote"]``, send_stream_request's files, an
inbound reaction reaching ``callback_reaction``.

Skipped, saying why, where Node.js 18+ is not installed (the ``node`` fixture); CI has it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.e2e.test_bot_e2e as on_cli  # tests of the `zca` tool that hold on the engine as written
from errbot_zalouser.simulator.control import SimControl
from tests.e2e.conftest import ADMIN, FRIEND, WORK_CHAT, BotProcess, start_bot
from tests.e2e.test_rich_e2e import PROBE, readme_plugin, rows
from tests.faults.conftest import read_jsonl, recorder_config
from tests.transport.conftest import pid_alive, wait_until
from tests.transport.engine.fakezca import FakeZca

ALICE = "Alice Smith"

EngineBot = Callable[..., BotProcess]


def engine_block(node_path: str, account: FakeZca, zalouser: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ZALOUSER block whose account runs on the engine over ``account`` (fast restarts)."""
    return {
        "engine": "zca-js",
        "zcaJs": {"package": account.module, "node": node_path, "openzcaHome": str(account.openzca_home)},
        "listener": {"backoffInitialSeconds": 0.1, "backoffMaxSeconds": 0.5},
        **(zalouser or {}),
    }


@pytest.fixture
def engine_bot(tmp_path: Path, node: str, fake: FakeZca, sim: SimControl, zca_sim_path: str) -> Iterator[EngineBot]:
    """``make(zalouser=None, workdir=None, wait=True, plugins=(), extra="")`` -> the bot on the engine
    (stopped at the end); ``plugins``: more plugin folders, ``extra``: more config.py lines.

    ``ZALOUSER_ZCA`` is zca-sim with its own state (``sim``): the bot on the engine must not run it.
    """
    bots: list[BotProcess] = []

    def make(zalouser: dict[str, Any] | None = None, workdir: Path | None = None, wait: bool = True,
             plugins: tuple[Path, ...] = (), extra: str = "") -> BotProcess:
        folder = workdir or tmp_path / f"bot{len(bots)}"
        bot = start_bot(folder, fake, zca_sim_path, engine_block(node, fake, zalouser),
                        extra=recorder_config(folder / "record.jsonl", plugins) + extra, wait=wait,
                        env={**fake.env(), "ZCA_SIM_HOME": str(sim.home)})
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.stop()


def engine_pid(bot: BotProcess) -> int:
    """The bot's engine process: the one that started the fake's websocket listener."""
    pid = bot.sim.listener_pid()
    assert pid is not None, bot.log[-2000:]
    return pid


def kill_engine(bot: BotProcess) -> int:
    """SIGKILL the bot's engine (a child of the bot this test started); returns its pid."""
    pid = engine_pid(bot)
    os.kill(pid, signal.SIGKILL)
    return pid


def answer(bot: BotProcess, thread: str, command: str, *, group: bool = False, sender: str = ADMIN,
           quiet: float = 1.0) -> list[dict]:
    """Inject ``command``; return the messages the bot answered with in ``thread``: one or more
    chunks, those sent until none has come for ``quiet`` seconds (30 s at most)."""

    def sent() -> list[dict]:
        return [r for r in bot.sim.sent() if r["threadId"] == thread]

    before = len(sent())
    if group:
        bot.sim.inject_group(thread, sender, command)
    else:
        bot.sim.inject_dm(sender, command)
    bot.replies_to(thread, before + 1)
    deadline, count = time.monotonic() + 30, -1
    while time.monotonic() < deadline and len(sent()) != count:
        count = len(sent())
        time.sleep(quiet)
    return sent()[before:]


def echo(bot: BotProcess, thread: str, text: str, **kwargs: Any) -> list[dict]:
    """``!echo <text>``: the messages the bot answered with."""
    return answer(bot, thread, f"!echo {text}", **kwargs)


# --- Done means ------------------------------------------------------------------------------------


def test_dm_and_group_round_trips_through_one_engine_and_no_zca(engine_bot, sim):
    bot = engine_bot({"groupPolicy": "open"})
    [reply] = echo(bot, ADMIN, "xin chào")
    assert (reply["text"], reply["isGroup"], reply["styles"], reply["mentions"]) == ("xin chào", False, [], [])
    [reply] = echo(bot, WORK_CHAT, "hello group", group=True, sender=FRIEND)
    assert (reply["text"], reply["isGroup"]) == ("hello group", True)
    help_text = "\n".join(r["text"] for r in answer(bot, ADMIN, "!help"))
    assert "!echo" in help_text and "!pair approve" in help_text
    assert len(bot.sim.logins()) == 1  # one Zalo login for the whole run
    assert {row["pid"] for row in bot.sim.calls()} == {engine_pid(bot)}  # every call by the one engine
    assert sim.calls() == []  # and not one `zca` process


def test_pairing_flow(engine_bot):
    """The `zca` tool's pairing test, as it is written, on the engine."""
    on_cli.test_pairing_flow_from_zalo_dms(engine_bot)


def test_option_like_texts_are_sent_literally(engine_bot):
    on_cli.test_option_like_texts_are_sent_literally(engine_bot, surface=None)


def test_a_multi_chunk_styled_reply_goes_as_text_and_ranges(engine_bot):
    bot = engine_bot({"textChunkLimit": 60})
    lines = [f"**bold {i}** then *italic {i}* and a_b 5\\*3" for i in range(6)]
    rows = echo(bot, ADMIN, "\n\n".join(lines))
    assert len(rows) > 1
    text = "\n".join(r["text"] for r in rows)
    assert "*" not in text.replace("5*3", "") and "bold 0" in text and "italic 5" in text
    for row in rows:
        assert len(row["text"]) <= 60
        spans = {(row["text"][s["start"]:s["start"] + s["len"]], s["st"]) for s in row["styles"]}
        bolds = {t for t, st in spans if st == "b"}
        italics = {t for t, st in spans if st == "i"}
        assert bolds == set(re.findall(r"bold \d", row["text"]))  # every chunk's ranges on its own text
        assert italics == set(re.findall(r"italic \d", row["text"]))
    assert [r["threadId"] for r in rows] == [ADMIN] * len(rows)


def test_a_mention_by_user_id_becomes_a_mention_range(engine_bot):
    bot = engine_bot({"groupPolicy": "open"})
    bot.sim.inject_group(WORK_CHAT, ADMIN, f"!faults_mention {FRIEND} please look")
    [row] = bot.replies_to(WORK_CHAT)
    assert row["text"] == f"@{ALICE} please look"
    assert row["mentions"] == [{"pos": 0, "len": len(ALICE) + 1, "uid": FRIEND}]


def test_a_file_is_fetched_and_uploaded_by_the_engine(engine_bot, web, www):
    (www / "report.pdf").write_bytes(b"%PDF-1.4 errbot-zalouser test\n" * 100)
    bot = engine_bot()
    bot.sim.inject_dm(ADMIN, f"!faults_url {web}/report.pdf")
    [row] = bot.replies_to(ADMIN)
    assert row["command"] == "upload" and row["attachments"] == [{"fileName": "report.pdf", "size": 3000}]


def test_status_names_the_engine(engine_bot):
    bot = engine_bot()
    bot.sim.inject_dm(ADMIN, "!zalouser status")
    text = bot.replies_to(ADMIN)[-1]["text"]
    assert "zca-js engine" in text and "zca-js 2.1.2" in text and "native_formatting" in text
    assert "logged in" in text and "not logged in" not in text and "listener: connected" in text


# --- rich messages (issue 11) on the engine ---------------------------------------------------------


def test_rich_messages_through_the_engine(engine_bot, tmp_path):
    """A photo reaches the README's plugin with its attachment (the engine downloads no media: its
    URL, no path), which reacts, answers quoting it and sends a receipt by send_stream_request;
    !sendfiles' PDF and PNG go to a DM and a group; a threaded reply is a quote; a quoted message
    reaches the plugins with extras["quote"]; a reaction reaches callback_reaction."""
    bot = engine_bot({"allowFrom": [FRIEND], "groupPolicy": "open"}, plugins=(readme_plugin(tmp_path / "readme"), PROBE),
                     extra='DIVERT_TO_THREAD = ("echo",)\n')
    record = bot.workdir / "record.jsonl"
    url = "https://f21-zpc.zdn.vn/jpg/sim/cat.jpg"
    photo = bot.sim.inject_photo(ADMIN, ADMIN, url=url)
    (reaction,) = rows(bot, ADMIN, 1, "react")
    assert (reaction["icon"], reaction["target"]) == ("/-strong", {"msgId": photo["msgId"], "cliMsgId": photo["cliMsgId"]})
    (answer,) = rows(bot, ADMIN, 1, "send")
    assert answer["text"] == "Got your photo cat.jpg (not downloaded)." and answer["quote"]["msgId"] == photo["msgId"]
    (receipt,) = rows(bot, ADMIN, 1, "upload")
    assert receipt["attachments"][0]["fileName"] == "receipt.txt"
    assert ["image", url, ""] in [a for r in read_jsonl(record) for a in r.get("attachments", ())]

    bot.sim.inject_dm(FRIEND, "!sendfiles")
    bot.sim.inject_group(WORK_CHAT, FRIEND, "!sendfiles")
    for thread in (FRIEND, WORK_CHAT):
        rows(bot, thread, 1, "send", text="files: report.pdf success, chart.png success")
        (pdf,) = rows(bot, thread, 1, "upload")
        (png,) = rows(bot, thread, 1, "image")
        assert (pdf["attachments"][0]["fileName"], png["attachments"][0]["fileName"]) == ("report.pdf", "chart.png")
        assert pdf["isGroup"] is png["isGroup"] is (thread == WORK_CHAT)

    command = bot.sim.inject_group(WORK_CHAT, FRIEND, "!echo hi")
    (echoed,) = rows(bot, WORK_CHAT, 1, "send", text="hi")
    assert (echoed["quote"]["msgId"], echoed["quote"]["uidFrom"]) == (command["msgId"], FRIEND)

    earlier = {"ownerId": FRIEND, "cliMsgId": "1774000000001", "globalMsgId": 7712003400001, "cliMsgType": 1,
               "ts": 1774000000001, "msg": "lúc nãy", "attach": "", "fromD": "An", "ttl": 0}
    bot.sim.inject_dm(FRIEND, "về tin này", quote=earlier)
    bot.sim.inject_reaction(ADMIN, ADMIN, photo["msgId"], photo["cliMsgId"], "/-heart")
    assert wait_until(lambda: any(r.get("quote") == "7712003400001" for r in read_jsonl(record))
                      and any("reaction" in r for r in read_jsonl(record)), 15), read_jsonl(record)
    [reacted] = [r for r in read_jsonl(record) if "reaction" in r]
    assert (reacted["reaction"], reacted["frm"], reacted["msg_id"]) == ("HEART", ADMIN, photo["msgId"])
    assert "Traceback" not in bot.log and bot.sim.calls() and len(bot.sim.logins()) == 1


# --- faults, as the whole bot sees them --------------------------------------------------------------


@pytest.mark.parametrize(("retry_unknown", "arrivals"), [(False, 0), (True, 1)], ids=["default", "retryUnknownDelivery"])
def test_an_engine_killed_mid_send(engine_bot, retry_unknown, arrivals):
    """The reply in flight may have reached Zalo: by default it is not sent again (at most once),
    with retryUnknownDelivery it is (at least once); the bot goes on on a new engine."""
    bot = engine_bot({"outbound": {"ratePerSecond": 50, "burst": 50, "retryBaseSeconds": 0.05,
                                   "retryMaxSeconds": 0.2, "retryUnknownDelivery": retry_unknown}})
    bot.sim.hang("msg send", 30)
    bot.sim.inject_dm(ADMIN, "!echo in flight")
    assert wait_until(lambda: (bot.sim.state_dir / "fault-uses.jsonl").exists(), 15), bot.log[-2000:]
    bot.sim.clear_faults()
    kill_engine(bot)
    assert wait_until(lambda: bot.sim.listener_starts() >= 2, 15), bot.log[-2000:]
    [after] = echo(bot, ADMIN, "after the crash")
    assert after["text"] == "after the crash"
    assert wait_until(lambda: [r["text"] for r in bot.sim.sent()].count("in flight") == arrivals, 5), bot.sim.sent()
    assert "unknown whether it was sent" in bot.log
    assert len(bot.sim.logins()) == 2  # the new engine logged in once


def test_queued_replies_survive_an_engine_crash_and_a_bot_restart(engine_bot, tmp_path):
    """Zalo refuses (rate limit: not sent, retried); the engine is killed between two attempts (a
    request in flight would be "unknown whether sent", dropped by default: see the test above),
    then the bot stops with the replies still in its journal; the next bot on the same data folder
    sends each once."""
    workdir = tmp_path / "bot"
    bot = engine_bot({"outbound": {"maxAttempts": 20, "retryBaseSeconds": 1.5, "retryMaxSeconds": 1.5}},
                     workdir=workdir)
    bot.sim.fail_rate_limited("msg send", times=-1)
    for text in ("first", "second"):
        bot.sim.inject_dm(ADMIN, f"!echo {text}")
    # both queued (one conversation: "second" waits behind "first"); the first attempt refused, the
    # next one 1.5 s away: nothing is in flight now
    assert wait_until(lambda: "attempt 1/20 failed" in bot.log, 15), bot.log[-2000:]
    kill_engine(bot)
    assert wait_until(lambda: bot.sim.listener_starts() >= 2, 15), bot.log[-2000:]
    assert bot.stop(signal.SIGTERM) == 0
    assert bot.sim.sent() == []
    bot.sim.clear_faults()
    again = engine_bot(workdir=workdir)
    rows = again.replies_to(ADMIN, 2)
    assert sorted(r["text"] for r in rows) == ["first", "second"]
    assert not wait_until(lambda: len(bot.sim.sent()) > 2, 2)  # and nothing twice


def test_a_profile_owned_by_another_process_stops_the_start_with_its_pid(engine_bot, fake):
    """A `zca listen` (here: any live process named in openzca's owner file) holds the profile:
    the bot does not start a second session that would knock it off; it says who holds it."""
    owner = fake.openzca_home / "profiles" / fake.profile / "listener-owner.json"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        owner.write_text(f'{{"pid": {holder.pid}, "profile": "{fake.profile}", "sessionId": "x", "startedAt": "now"}}')
        bot = engine_bot(wait=False)
        assert bot.proc.wait(60) != 0
        assert f"is already in use by process {holder.pid}" in bot.output
        assert "Traceback" not in bot.output and fake.logins() == []
    finally:
        holder.kill()
        holder.wait(5)


def test_the_engine_does_not_outlive_a_killed_bot(engine_bot):
    bot = engine_bot()
    pid = engine_pid(bot)
    bot.proc.send_signal(signal.SIGKILL)
    bot.proc.wait(10)
    assert wait_until(lambda: not pid_alive(pid), 10), f"engine {pid} outlived its bot"


def test_sigterm_ends_the_engine_cleanly(engine_bot):
    bot = engine_bot()
    pid = engine_pid(bot)
    assert bot.stop(signal.SIGTERM) == 0
    assert not pid_alive(pid) and "Traceback" not in bot.output
    owner = bot.sim.openzca_home / "profiles" / bot.sim.profile / "listener-owner.json"
    assert not owner.exists()  # the engine gave the profile back
