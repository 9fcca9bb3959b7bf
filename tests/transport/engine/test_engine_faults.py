"""The protocol's robustness: garbage, unknown ids and fields, children that die, hang or say nothing.

The misbehaving children are scripted_engine.py (a protocol stand-in) or the real engine program
over the zca-js stand-in, stopped or killed by pid.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from errbot_zalouser.errors import EngineLost, EngineUnavailable, ZcaProfileBusy, ZcaTimeout
from errbot_zalouser.model import Target
from errbot_zalouser.transport.engine.client import EngineClient
from errbot_zalouser.transport.engine.engine import Engine, EngineSettings, EngineState
from tests.transport.conftest import kill_leftovers, pid_alive, wait_until

SCRIPT = str(Path(__file__).with_name("scripted_engine.py"))
FRIEND = "2947718306652210431"
OK = '{"type":"response","id":"{id}","ok":true,"result":{"msgId":"77"}}'
START = ["{hello}", "{login}"]


@pytest.fixture
def scripted(tmp_path: Path) -> Iterator[Callable[..., Engine]]:
    """Factory: ``scripted(runs, **settings)`` -> an Engine whose child is scripted_engine.py."""
    made: list[tuple[Engine, Path]] = []

    def make(runs: list[dict], **changes) -> Engine:
        state = tmp_path / f"scripted-{len(made)}"
        state.mkdir()
        (state / "scenario.json").write_text(json.dumps(runs))
        settings = EngineSettings(
            zca_js="unused", node=sys.executable, script=SCRIPT, start_timeout=3.0, login_timeout=3.0,
            heartbeat_seconds=1.0, stall_seconds=30.0, backoff_initial=0.05, backoff_max=0.2, kill_grace=1.0,
            env={"SCRIPTED_ENGINE": str(state / "scenario.json"), "SCRIPTED_STATE": str(state)},
        )
        settings = replace(settings, **changes)
        engine = Engine("default", settings, name=f"scripted{len(made)}")
        made.append((engine, state))
        return engine

    yield make
    for engine, state in made:
        engine.stop(timeout=3.0)
        pids = (state / "pids").read_text().split() if (state / "pids").exists() else []
        kill_leftovers([int(p) for p in pids])


def starts(engine: Engine) -> int:
    return engine.stats.starts


def test_garbage_unknown_ids_and_unknown_fields_are_counted_and_survived(scripted, caplog):
    caplog.set_level(logging.DEBUG, logger="errbot_zalouser.transport.engine")
    engine = scripted([{
        "start": [
            "not json at all", "\x1b[31m{broken", "[1,2,3]", '{"type":"mystery"}',
            {"raw": "x" * 70_000 + "\n"},
            "{hello}",
            '{"type":"event","event":"hello_again","x":1}',
            '{"type":"event","event":"heartbeat","ts":1,"brand_new_field":true}',
            '{"type":"response","id":"no-such-request","ok":true,"result":{}}',
            "{login}",
        ],
        "ops": {"*": ['{"type":"response","id":"{id}","ok":true,"result":{"msgId":"77"},"surprise":1}']},
    }], max_line_bytes=65_536)
    client = EngineClient(engine, "default")
    assert client.send_text(Target(FRIEND), "hi").message_id == "77"
    stats = engine.stats
    assert stats.bad_lines == 4 and stats.oversize_lines == 1
    assert stats.unknown_events == 1 and stats.unknown_ids == 1
    assert stats.unknown_fields == 2  # the heartbeat's and the response's
    assert stats.starts == 1 and stats.state is EngineState.READY
    assert "ignoring a stdout line that is not JSON" in caplog.text
    assert "\x1b" not in caplog.text


def test_a_child_that_dies_mid_request_fails_it_as_unknown_and_is_restarted(scripted):
    engine = scripted([{"start": START, "ops": {"send_text": [{"exit": 9}]}},
                       {"start": START, "ops": {"*": [OK]}}])
    client = EngineClient(engine, "default")
    with pytest.raises(EngineLost, match="unknown whether it was sent") as info:
        client.send_text(Target(FRIEND), "hi")
    assert "exited with code 9" in str(info.value)
    assert client.send_text(Target(FRIEND), "again").message_id == "77"
    assert engine.stats.starts == 2 and engine.stats.lost == 1


def test_a_child_that_never_answers_times_out_as_unknown(scripted):
    engine = scripted([{"start": START, "ops": {"send_text": [{"hang": True}]}}])
    client = EngineClient(engine, "default", send_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(ZcaTimeout, match="no answer within 1s; unknown whether it was sent"):
        client.send_text(Target(FRIEND), "hi")
    assert time.monotonic() - started < 10.0  # bounded: the child never answers at all
    assert engine.stats.timeouts == 1


def test_a_silent_ready_child_is_restarted(scripted):
    engine = scripted([{"start": START}], stall_seconds=1.0)
    engine.start()
    assert wait_until(lambda: starts(engine) >= 2, 10)
    assert "silent for 1s" in engine.stats.last_error


@pytest.mark.parametrize(
    ("runs", "reason"),
    [
        ([{"start": [{"sleep": 30}]}], "no hello within 1s"),
        ([{"start": ["garbage", "more garbage", {"sleep": 30}]}], "no hello within 1s"),
        ([{"start": ["{hello}", {"sleep": 30}]}], "no login result within 1s"),
        ([{"start": ["garbage", {"exit": 1}]}], "engine exited with code 1"),
    ],
)
def test_children_that_never_get_ready_are_restarted_with_backoff(scripted, runs, reason):
    engine = scripted(runs, start_timeout=1.0, login_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(EngineUnavailable, match="not sent"):
        EngineClient(engine, "default", send_timeout=2.5).send_text(Target(FRIEND), "hi")
    assert time.monotonic() - started < 15.0  # bounded: the child never gets ready
    assert wait_until(lambda: starts(engine) >= 2, 10)
    assert reason in engine.stats.last_error


def test_a_fatal_event_before_exit_is_the_error_callers_get(scripted):
    fatal = ('{"type":"event","event":"fatal","error":{"kind":"profile_locked","code":null,'
             '"message":"profile \\"default\\" is already in use by process 4242","delivery":"not_sent"}}')
    engine = scripted([{"start": [fatal, {"exit": 3}]}])
    with pytest.raises(ZcaProfileBusy, match="already in use by process 4242"):
        EngineClient(engine, "default").is_authenticated()


def test_stderr_is_logged_and_counted_without_control_characters(scripted, caplog):
    caplog.set_level(logging.INFO, logger="errbot_zalouser.transport.engine")
    engine = scripted([{"start": [{"stderr": "engine: \x1b[31mZalo said\x07 hi\x1b[0m\n"}, *START],
                        "ops": {"*": [OK]}}])
    EngineClient(engine, "default").send_text(Target(FRIEND), "x")
    # the line is counted, then logged (on the stderr reader's thread): wait for both
    shown = "stderr: engine: \\x1b[31mZalo said\\x07 hi\\x1b[0m"  # escaped, as untrusted.for_log does
    assert wait_until(lambda: engine.stats.stderr_lines == 1 and shown in caplog.text, 5)
    assert "\x1b" not in caplog.text and "\x07" not in caplog.text


def test_the_real_engine_killed_mid_request_loses_it_as_unknown(make_engine, fake):
    engine = make_engine()
    client = EngineClient(engine, "default")
    client.is_authenticated()
    fake.hang("msg send", 30)
    pid = engine.pid
    errors = []

    def send() -> None:
        try:
            client.send_text(Target(FRIEND), "in flight")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    thread = threading.Thread(target=send)
    thread.start()
    assert wait_until(lambda: (fake.state_dir / "fault-uses.jsonl").exists(), 5)  # the send is hanging in zca-js
    os.kill(pid, signal.SIGKILL)
    thread.join(10)
    assert len(errors) == 1 and isinstance(errors[0], EngineLost)
    assert "killed by signal 9" in str(errors[0])
    fake.clear_faults()
    assert wait_until(lambda: engine.stats.state is EngineState.READY and engine.pid != pid, 10)
    assert client.send_text(Target(FRIEND), "after").message_id


def test_a_frozen_engine_times_out_and_is_replaced(make_engine, fake):
    engine = make_engine(heartbeat_seconds=0.3, stall_seconds=1.5)
    client = EngineClient(engine, "default", send_timeout=1.0)
    client.is_authenticated()
    pid = engine.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(ZcaTimeout):
            client.send_text(Target(FRIEND), "hello?")
        assert wait_until(lambda: engine.pid not in (None, pid) and engine.stats.state is EngineState.READY, 15)
        assert not pid_alive(pid)
        assert "silent for 1.5s" in engine.stats.last_error
    finally:
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert client.send_text(Target(FRIEND), "hello again").message_id
