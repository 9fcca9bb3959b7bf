"""Suite 7: exactly once, as far as the tool allows (issue 10 item 4), on both surfaces.

A reply of several messages where one submission times out *after* the server took it (the
message is in the chat, the tool says "read ETIMEDOUT"): every message reaches the chat exactly
once. The bot turns the tool's own retry off (``OPENZCA_SEND_RETRY_COUNT=0``), splits the text
itself so the tool never does, and does not retry a send whose delivery is unknown unless
``outbound.retryUnknownDelivery`` says so. Without the bot's environment the tool itself sends
that message twice; with ``retryUnknownDelivery`` the bot does.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from errbot_zalouser.model import Target
from errbot_zalouser.simulator.control import SimControl
from errbot_zalouser.transport.capabilities import TOOL_ENV
from tests.faults.conftest import FAST_SERVICE_OUTBOUND, FRIEND, WORK_CHAT, sent_texts

WORDS = [f"word{i:02d}" for i in range(24)]
REPLY = " ".join(WORDS)  # 167 characters: three messages of at most 60
LIMIT = 60


def time_out_the_second_submission(sim: SimControl) -> None:
    sim.fail_submission(error=None, accepted=True, times=1)  # the first goes through
    sim.timeout_after_accept(times=1)  # the second is in the chat, then "read ETIMEDOUT"


@pytest.mark.parametrize("surface", ["0.1.58", "legacy"])
@pytest.mark.parametrize("target", [Target(FRIEND), Target(WORK_CHAT, is_group=True)], ids=["dm", "group"])
def test_no_message_is_submitted_twice_when_a_send_times_out_once(service_factory, sim, surface, target):
    sim.set_surface(surface)
    service = service_factory({"textChunkLimit": LIMIT})
    time_out_the_second_submission(sim)
    assert service.send_text(None, target, REPLY) == 3
    assert service.drain(15)
    sent = sent_texts(sim, target.thread_id)
    assert len(sent) == len(set(sent)) == 3  # each message once, the timed-out one included
    assert " ".join(sent) == REPLY
    assert all(r.get("attempt", 1) == 1 and r.get("chunks", 1) == 1 for r in sim.sent())
    [status] = service.status()
    assert status.failed_sends == 1  # reported: the bot cannot know it arrived


def test_with_retry_unknown_delivery_the_bot_repeats_it(service_factory, sim):
    service = service_factory({"textChunkLimit": LIMIT,
                               "outbound": {**FAST_SERVICE_OUTBOUND, "retryUnknownDelivery": True}})
    time_out_the_second_submission(sim)
    service.send_text(None, Target(FRIEND), REPLY)
    assert service.drain(15)
    sent = sent_texts(sim, FRIEND)
    assert len(sent) == 4 and sent[1] == sent[2]  # the price of at-least-once
    assert service.status()[0].failed_sends == 0


@pytest.mark.parametrize(("env", "submissions"), [({}, 2), (TOOL_ENV, 1)], ids=["tool's default", "bot's env"])
def test_the_tools_own_retry_repeats_a_timed_out_send_unless_turned_off(sim, zca_sim_path, env, submissions):
    sim.timeout_after_accept(times=1)
    done = subprocess.run([zca_sim_path, "msg", "send", "--raw", "--", FRIEND, "hi"], capture_output=True,
                          text=True, timeout=30, check=False,
                          env={**_base_env(sim), "OPENZCA_SEND_RETRY_DELAY_MS": "0", **env})
    assert len(sim.sent()) == submissions
    assert done.returncode == (0 if submissions == 2 else 1)


def _base_env(sim: SimControl) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OPENZCA_")} | {"ZCA_SIM_HOME": str(sim.home)}
