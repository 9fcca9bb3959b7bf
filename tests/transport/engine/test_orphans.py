"""kill -9 of the bot leaves no engine behind: by end of stdin, and by the engine's parent watch when
something else still holds its stdin open."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.transport.conftest import kill_leftovers, pid_alive, wait_until
from tests.transport.engine.conftest import fast_settings

REPO = Path(__file__).resolve().parents[3]

BOT = textwrap.dedent("""
    import json, os, sys, time
    sys.path.insert(0, sys.argv[1])
    from errbot_zalouser.transport.engine.engine import Engine, EngineSettings
    engine = Engine("default", EngineSettings(**json.loads(sys.argv[2])))
    engine.wait_ready(30)
    holder = 0
    if sys.argv[3] == "leak":
        holder = os.fork()  # a child that inherits (and keeps open) the engine's stdin pipe
        if holder == 0:
            time.sleep(60)
            os._exit(0)
    print(engine.pid, holder, flush=True)
    time.sleep(60)
""")


@pytest.mark.parametrize("mode", ["plain", "leak"])
def test_killing_the_bot_ends_its_engine(node, fake, tmp_path, mode):
    settings = asdict(fast_settings(node, fake))
    script = tmp_path / "bot.py"
    script.write_text(BOT)
    bot = subprocess.Popen([sys.executable, str(script), str(REPO), json.dumps(settings), mode],
                           stdout=subprocess.PIPE, text=True)
    pids: list[int] = []
    try:
        assert bot.stdout is not None
        line = bot.stdout.readline()
        assert line, "the bot did not start its engine"
        engine_pid, holder = (int(x) for x in line.split())
        pids = [engine_pid] + ([holder] if holder else [])
        assert pid_alive(engine_pid)
        lock = fake.openzca_home / "profiles" / "default" / "listener-owner.json"
        assert json.loads(lock.read_text())["pid"] == engine_pid
        os.kill(bot.pid, signal.SIGKILL)
        bot.wait(10)
        assert wait_until(lambda: not pid_alive(engine_pid), 6.0), f"engine {engine_pid} outlived the bot ({mode})"
        assert not lock.exists()
        if holder:
            assert pid_alive(holder)  # the stdin pipe really was still open
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(5)
        kill_leftovers(pids)
