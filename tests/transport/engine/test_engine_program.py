"""engine.mjs spoken to directly, line by line: hostile requests get typed errors, nothing is sent,
the engine keeps serving; bad settings end it with a fatal event and exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any

import pytest

from errbot_zalouser.transport.engine.install import ENGINE_SCRIPT
from tests.transport.engine.fakezca import FakeZca

FRIEND = "2947718306652210431"
GROUP = "6920154873301128374"


class Program:
    """engine.mjs over the fake, with raw access to its stdin and stdout."""

    def __init__(self, node: str, fake: FakeZca, **env: str) -> None:
        environ = {**os.environ, "ZALOUSER_ENGINE_ZCA_JS": fake.module, "ZALOUSER_ENGINE_HOME": str(fake.openzca_home),
                   **fake.env(), **env}
        self.proc = subprocess.Popen([node, str(ENGINE_SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=environ)
        self.seen: list[dict[str, Any]] = []

    def send(self, raw: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(raw)
        self.proc.stdin.flush()

    def request(self, request_id: str, op: str, **args: Any) -> None:
        self.send(json.dumps({"id": request_id, "op": op, "args": args}).encode() + b"\n")

    def read_until(self, done, timeout: float = 15.0) -> list[dict[str, Any]]:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while not done(self.seen):
            assert time.monotonic() < deadline, f"gave up waiting; saw {self.seen!r}"
            line = self.proc.stdout.readline()
            assert line, f"the engine ended; saw {self.seen!r}; stderr {self.proc.communicate()[1]!r}"
            self.seen.append(json.loads(line))
        return self.seen

    def response(self, request_id: str) -> dict[str, Any]:
        self.read_until(lambda seen: any(m.get("id") == request_id and m["type"] == "response" for m in seen))
        return next(m for m in self.seen if m.get("id") == request_id and m["type"] == "response")

    def events(self, name: str) -> list[dict[str, Any]]:
        return [m for m in self.seen if m.get("event") == name]

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = self.proc.wait(15)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return code


@pytest.fixture
def program(node, fake):
    made: list[Program] = []

    def make(**env: str) -> Program:
        made.append(Program(node, fake, **env))
        return made[-1]

    yield make
    for item in made:
        if item.proc.poll() is None:
            item.proc.kill()
            item.proc.wait(5)


BAD_TEXT_REQUESTS = [
    ({"threadId": FRIEND, "isGroup": False, "text": ""}, "text must not be empty"),
    ({"threadId": FRIEND, "isGroup": False, "text": 5}, "text must be a string"),
    ({"threadId": FRIEND, "isGroup": "no", "text": "x"}, "isGroup must be true or false"),
    ({"threadId": "12ab", "isGroup": False, "text": "x"}, "threadId must be a Zalo id"),
    ({"threadId": FRIEND, "isGroup": False, "text": "hi", "styles": [{"start": 0, "len": 3, "st": "b"}]},
     "past the end of the text"),
    ({"threadId": FRIEND, "isGroup": False, "text": "hi", "styles": [{"start": 0, "len": 1, "st": "blink"}]},
     "st must be one of"),
    ({"threadId": FRIEND, "isGroup": False, "text": "hi", "styles": [{"start": 0, "len": 1, "st": "b", "indentSize": 2}]},
     "indentSize only goes with ind_$"),
    ({"threadId": FRIEND, "isGroup": False, "text": "hi", "styles": "bold"}, "styles must be a list"),
    ({"threadId": FRIEND, "isGroup": False, "text": "hi", "styles": [None]}, "styles[0] must be an object"),
    ({"threadId": GROUP, "isGroup": True, "text": "hi", "mentions": [{"pos": 0, "len": 1, "uid": "x"}]},
     "uid must be a Zalo id"),
    ({"threadId": FRIEND, "isGroup": False, "text": "hi", "mentions": [{"pos": 0, "len": 1, "uid": FRIEND}]},
     "only possible in a group"),
    ({"threadId": FRIEND, "isGroup": False, "text": "hi", "quote": "yes"}, "quote must be an object"),
    ({"threadId": FRIEND, "isGroup": False, "text": "hi", "timeoutMs": -5}, "timeoutMs must be"),
]


def test_hostile_requests_are_answered_with_errors_and_nothing_is_sent(program, fake):
    engine = program()
    engine.request("early", "ping")
    assert engine.response("early")["result"]["pong"] is True  # answered even before the login
    engine.send(b"this is not json\n")
    engine.send(b'{"op": "ping"}\n')
    engine.send(json.dumps({"id": "x" * 200, "op": "ping"}).encode() + b"\n")
    engine.send(b"[1, 2]\n\n")
    engine.send(b'{"id": "big", "op": "ping", "pad": "' + b"y" * (5 * 1024 * 1024) + b'"}\n')
    engine.request("nope", "rm -rf")
    for i, (args, _) in enumerate(BAD_TEXT_REQUESTS):
        engine.request(f"bad{i}", "send_text", **args)
    engine.send(b'{"id": "args", "op": "send_text", "args": [1, 2]}\n')
    for i, (_, message) in enumerate(BAD_TEXT_REQUESTS):
        error = engine.response(f"bad{i}")["error"]
        assert (error["kind"], error["delivery"]) == ("bad_request", "not_sent")
        assert message in error["message"]
    assert engine.response("nope")["error"]["kind"] == "unsupported"
    assert "threadId" in engine.response("args")["error"]["message"]
    engine.request("fine", "send_text", threadId=FRIEND, isGroup=False, text="still fine")
    assert engine.response("fine")["ok"] is True
    problems = [e["message"] for e in engine.events("protocol_error")]
    assert len(problems) == 5 and any("longer than" in p for p in problems)
    assert [row["text"] for row in fake.sent()] == ["still fine"]
    assert engine.close() == 0


def test_a_duplicate_id_in_flight_is_refused(program, fake):
    fake.hang("msg send", 1.0)
    engine = program()
    engine.request("same", "send_text", threadId=FRIEND, isGroup=False, text="first")
    engine.request("same", "send_text", threadId=FRIEND, isGroup=False, text="second")
    engine.read_until(lambda seen: sum(m.get("id") == "same" for m in seen) == 2)
    first, second = (m for m in engine.seen if m.get("id") == "same")
    assert "already in progress" in first["error"]["message"] and second["ok"] is True
    assert [row["text"] for row in fake.sent()] == ["first"]
    engine.close()


def test_requests_queued_before_the_login_get_its_failure_as_not_sent(program, fake):
    fake.set_login(delay_s=0.5, fail="auth")
    engine = program()
    engine.request("q", "send_text", threadId=FRIEND, isGroup=False, text="waiting")
    error = engine.response("q")["error"]
    assert (error["kind"], error["delivery"]) == ("auth", "not_sent")
    (fatal,) = engine.events("fatal")
    assert fatal["error"]["kind"] == "auth"
    assert engine.proc.wait(10) == 5


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ZALOUSER_ENGINE_ZCA_JS": ""}, "ZALOUSER_ENGINE_ZCA_JS must name"),
        ({"ZALOUSER_ENGINE_PROFILE": "../etc"}, "ZALOUSER_ENGINE_PROFILE must match"),
        ({"ZALOUSER_ENGINE_HEARTBEAT_MS": "soon"}, "ZALOUSER_ENGINE_HEARTBEAT_MS must be a positive whole number"),
        ({"ZALOUSER_ENGINE_LOCK": "maybe"}, "ZALOUSER_ENGINE_LOCK must be 1 or 0"),
    ],
)
def test_bad_settings_end_the_engine_with_a_fatal_event(program, env, message):
    engine = program(**env)
    (fatal,) = engine.read_until(lambda seen: any(m.get("event") == "fatal" for m in seen))
    assert fatal["error"]["kind"] == "bad_request" and message in fatal["error"]["message"]
    assert engine.proc.wait(10) == 2


def test_library_console_output_never_reaches_stdout(program, fake, tmp_path):
    noisy = tmp_path / "noisy.mjs"
    noisy.write_text(f"console.log('zca-js says hi'); console.info('info'); export * from {json.dumps(fake.module + '/index.mjs')};")
    engine = program(ZALOUSER_ENGINE_ZCA_JS=str(noisy))
    engine.request("p", "me")
    assert engine.response("p")["ok"] is True
    assert all(isinstance(m, dict) and m["type"] in ("event", "response") for m in engine.seen)
    assert engine.proc.stdin is not None and engine.proc.stderr is not None
    engine.proc.stdin.close()
    assert engine.proc.wait(15) == 0
    assert "zca-js says hi" in engine.proc.stderr.read().decode()
