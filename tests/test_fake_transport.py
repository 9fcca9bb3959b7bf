"""The in-process fake transport answers like the `zca-sim` process it stands in for."""

from __future__ import annotations

import re

import pytest

from errbot_zalouser.transport.runner import CliRunner
from tests.fake_transport import InProcessZca, listener_factory

P = ["--profile", "default"]
_MESSAGE_ID = re.compile(r"\d{6,}")


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        [*P, "auth", "status"],
        [*P, "me", "info", "-j"],
        [*P, "friend", "list", "-j"],
        [*P, "group", "list", "-j"],
        [*P, "msg", "send", "--", "6634210987765540123", "--help"],
        [*P, "msg", "send", "-g", "--", "7031928374650192837", "hi all"],
        [*P, "bogus"],
        [*P, "msg", "send"],
        ["--profile", "../x", "me", "info"],
    ],
    ids=lambda args: " ".join(args[2:] if args[:1] == ["--profile"] else args),
)
def test_in_process_runs_match_the_simulator_process(sim, zca_sim_path, args):
    child = CliRunner(zca_sim_path).run(args, timeout=30)
    inside = InProcessZca(sim.home).run(args, timeout=30)
    assert inside.returncode == child.returncode
    assert _MESSAGE_ID.sub("<id>", inside.stdout) == _MESSAGE_ID.sub("<id>", child.stdout)
    assert inside.stderr == child.stderr


def test_in_process_sends_land_in_the_simulator_sent_log(sim):
    InProcessZca(sim.home).run([*P, "msg", "send", "--", "6634210987765540123", "hello"], timeout=30)
    assert [(r["threadId"], r["text"]) for r in sim.sent()] == [("6634210987765540123", "hello")]


def test_the_listener_is_not_run_in_process(sim):
    with pytest.raises(AssertionError, match="one-shot"):
        InProcessZca(sim.home).run([*P, "listen", "-r", "-k"], timeout=30)


def test_the_fake_listener_reports_its_states_and_parses_events():
    make, made = listener_factory()
    states, events = [], []
    listener = make("zca", "default", events.append, on_state=lambda state, detail: states.append(state.value),
                    name="default")
    listener.start()
    listener.connect()
    listener.deliver({"threadId": "1001", "content": "hi", "metadata": {"isGroup": False}})
    listener.stop()
    assert made == [listener]
    assert states == ["starting", "connected", "stopped"] and listener.stats.state.value == "stopped"
    assert [(e.thread_id, e.sender_id, e.content) for e in events] == [("1001", "1001", "hi")]
