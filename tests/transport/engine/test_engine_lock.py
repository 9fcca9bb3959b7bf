"""One owner per profile, in openzca's listener-owner.json format: two bots, or a bot and a `zca listen`,
cannot hold one Zalo session at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from errbot_zalouser.errors import ZcaProfileBusy
from errbot_zalouser.model import Target
from errbot_zalouser.transport.engine.client import EngineClient

FRIEND = "2947718306652210431"


def lock_path(fake):
    return fake.openzca_home / "profiles" / "default" / "listener-owner.json"


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_second_engine_on_the_profile_is_refused_with_the_owner(make_engine, fake):
    first = EngineClient(make_engine(), "default")
    assert first.is_authenticated()
    record = json.loads(lock_path(fake).read_text())
    assert set(record) == {"pid", "profile", "sessionId", "startedAt"}
    assert (record["pid"], record["profile"]) == (first.engine.pid, "default")
    second = EngineClient(make_engine(), "default")
    started = time.monotonic()
    with pytest.raises(ZcaProfileBusy, match=rf'profile "default" is already in use by process {record["pid"]}'):
        second.is_authenticated()
    assert time.monotonic() - started < 15  # refused, not left waiting for a login timeout
    with pytest.raises(ZcaProfileBusy):
        second.send_text(Target(FRIEND), "hello")
    assert len(fake.logins()) == 1  # the refused engine did not log in
    first.send_text(Target(FRIEND), "the first one still works")
    first.engine.stop()
    assert not lock_path(fake).exists()


def test_a_cli_listener_lock_keeps_the_engine_out(make_engine, fake):
    lock_path(fake).write_text(json.dumps({"pid": os.getpid(), "profile": "default", "sessionId": "cli",
                                           "startedAt": "2026-04-13T00:00:00.000Z"}, indent=2) + "\n")
    with pytest.raises(ZcaProfileBusy, match=f"process {os.getpid()}"):
        EngineClient(make_engine(), "default").me_info()
    assert json.loads(lock_path(fake).read_text())["sessionId"] == "cli"  # not touched


@pytest.mark.parametrize("content", ["stale", "unreadable-old"])
def test_a_stale_lock_is_taken_over(make_engine, fake, content):
    path = lock_path(fake)
    if content == "stale":
        path.write_text(json.dumps({"pid": dead_pid(), "profile": "default", "sessionId": "old", "startedAt": ""}))
    else:
        path.write_text("{half written")
        old = time.time() - 60
        os.utime(path, (old, old))
    client = EngineClient(make_engine(), "default")
    assert client.is_authenticated()
    assert json.loads(path.read_text())["pid"] == client.engine.pid


def test_a_lock_being_written_right_now_counts_as_taken(make_engine, fake):
    lock_path(fake).write_text("")
    with pytest.raises(ZcaProfileBusy, match="being written"):
        EngineClient(make_engine(), "default").is_authenticated()


def test_the_lock_can_be_turned_off(make_engine, fake):
    one = EngineClient(make_engine(lock=False), "default")
    two = EngineClient(make_engine(lock=False), "default")
    assert one.is_authenticated() and two.is_authenticated()
    assert not lock_path(fake).exists()
