"""The newcomer's path from a wheel in a fresh venv, on the simulator, with no hand-written path.

The wheel is built from this checkout and installed with its dependencies into a new venv (pip's
download cache makes the second run quick; every step is bounded in time). The test is skipped
only when the package registry cannot be reached. `zca` is the simulator, put on PATH under the
name `zca`, so the config `init` writes is used exactly as written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from errbot_zalouser.simulator import seed
from errbot_zalouser.simulator.control import SimControl

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "2947718306652210431"  # Nguyễn Văn An, a friend in the simulator's seed
LINH = "5523901846127730915"  # Phạm Linh, another friend, not allowed yet
STRANGER = seed.STRANGER_ID
WORK_CHAT = "7031928374650192837"
APPROVED = "Your pairing request has been approved."
SOURCES = ("setup.cfg", "pyproject.toml", "README.md", "errbot_zalouser", "plugins")
UNREACHABLE = ("Could not find a version that satisfies", "No matching distribution", "NewConnectionError",
               "Max retries exceeded", "Temporary failure in name resolution", "Network is unreachable")


def _run(argv: list[str], timeout: float, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kw)


@dataclass
class Installed:
    venv: Path
    bin: Path  # holds `zca` (the simulator) ahead of the venv's scripts on PATH

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def env(self, sim_home: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env["PATH"] = f"{self.bin}:{self.venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
        env["ZCA_SIM_HOME"] = str(sim_home)
        return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(source, src / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(src)], 600)
    _skip_if_offline(built)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (work / "dist").glob("errbot_zalouser-*.whl")
    venv = work / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], 300)
    assert made.returncode == 0, made.stderr
    install = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], 900)
    _skip_if_offline(install)
    assert install.returncode == 0, install.stdout + install.stderr
    tools = work / "bin"
    tools.mkdir()
    (tools / "zca").symlink_to(venv / "bin" / "zca-sim")
    return Installed(venv, tools)


def _skip_if_offline(result: subprocess.CompletedProcess) -> None:
    if result.returncode != 0 and any(sign in result.stdout + result.stderr for sign in UNREACHABLE):
        pytest.skip(f"the package registry cannot be reached: {result.stderr.strip().splitlines()[-1][:200]}")


@dataclass
class Bot:
    proc: subprocess.Popen
    folder: Path
    out: Path

    @property
    def output(self) -> str:
        return self.out.read_text(errors="replace")


class Newcomer:
    """One bot folder, its simulator, and the bot processes started there (stopped at the end)."""

    def __init__(self, installed: Installed, folder: Path) -> None:
        self.installed = installed
        self.folder = folder
        folder.mkdir()
        self.sim = SimControl.create(folder.parent / "zca-home")
        self.bots: list[Bot] = []

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return _run([self.installed.python, "-m", "errbot_zalouser", *args], 180, cwd=self.folder,
                    env=self.installed.env(self.sim.home))

    def start(self, wait: bool = True) -> Bot:
        out = self.folder / f"errbot-{len(self.bots)}.out"
        starts = self.sim.listener_starts()
        with open(out, "wb") as sink:
            proc = subprocess.Popen(["errbot", "-c", "config.py"], cwd=self.folder, stdout=sink,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=self.installed.env(self.sim.home))
        bot = Bot(proc, self.folder, out)
        self.bots.append(bot)
        if wait:
            try:
                self.sim.wait_listener(timeout=60, min_starts=starts + 1)
            except TimeoutError:
                raise AssertionError(f"the bot did not start:\n{bot.output[-3000:]}") from None
        return bot

    def say(self, user: str, text: str, replies: int = 1) -> list[str]:
        before = len(self.sent_to(user))
        self.sim.inject_dm(user, text)
        deadline = time.monotonic() + 30
        while len(self.sent_to(user)) < before + replies and time.monotonic() < deadline:
            time.sleep(0.05)
        got = self.sent_to(user)[before:]
        assert len(got) >= replies, f"{user} got {got!r} after {text!r}"
        return got

    def sent_to(self, user: str) -> list[str]:
        return [r.get("text", "") for r in self.sim.sent() if r.get("threadId") == user]

    def wait_told(self, user: str, text: str) -> None:
        """Wait until ``user`` was sent a message holding ``text`` (replies to different chats go
        out in parallel, so one conversation's answer can come after another's)."""
        deadline = time.monotonic() + 30
        while not any(text in sent for sent in self.sent_to(user)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(text in sent for sent in self.sent_to(user)), self.sent_to(user)

    def stop(self) -> None:
        for bot in self.bots:
            if bot.proc.poll() is None:
                bot.proc.terminate()
                try:
                    bot.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    bot.proc.kill()
                    bot.proc.wait(timeout=10)


@pytest.fixture
def newcomer(installed: Installed, tmp_path: Path) -> Iterator[Newcomer]:
    person = Newcomer(installed, tmp_path / "mybot")
    yield person
    person.stop()


def _code(replies: list[str]) -> str:
    found = re.search(r"Pairing code: ([A-Z2-9]{8})", "\n".join(replies))
    assert found, replies
    return found.group(1)


def test_init_then_errbot_pairs_strangers_from_chat_and_from_a_shell(newcomer: Newcomer):
    init = newcomer.cli("init", "--admin", ADMIN)
    assert init.returncode == 0, init.stderr
    config = (newcomer.folder / "config.py").read_text()
    assert str(newcomer.installed.venv) not in config and str(ROOT) not in config  # no path written by hand

    bot = newcomer.start()
    assert "Some plugins failed" not in bot.output and "Traceback" not in bot.output

    code = _code(newcomer.say(STRANGER, "hi"))
    newcomer.wait_told(ADMIN, f"approve with !pair approve {code}")  # the admins' notice
    assert newcomer.say(ADMIN, f"!pair approve {code}")[-1] == (f"Approved {STRANGER} on account default; "
                                                               "they have been told.")
    newcomer.wait_told(STRANGER, APPROVED)
    assert newcomer.say(STRANGER, "!echo hello")[-1] == "hello"
    assert not any("no plugin answers" in text for text in newcomer.sent_to(ADMIN))  # the plugins are there

    for command in ("!room list", f"!room occupants zalouser:group:{WORK_CHAT}"):  # a paired non-admin
        answer = newcomer.say(STRANGER, command)[-1]
        assert answer == "You're not allowed to access this command from this user"

    code = _code(newcomer.say(LINH, "hi"))
    approved = newcomer.cli("pairing", "approve", code)  # ./config.py, found without -c
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout == f'Approved {LINH} (Zalo name "Phạm Linh") on account default; they have been told.\n'
    newcomer.wait_told(LINH, APPROVED)

    second = newcomer.start(wait=False)
    assert second.proc.wait(timeout=90) != 0
    assert f"another bot is already running on the data folder {newcomer.folder / 'data'}: pid {bot.proc.pid}" \
        in second.output
    assert bot.proc.poll() is None

    bot.proc.terminate()
    assert bot.proc.wait(timeout=30) == 0


def test_errbots_own_init_with_the_backend_named_answers_pair_approve(newcomer: Newcomer):
    """The issue's path: `errbot --init`, then BACKEND, BOT_ADMINS set by hand; nothing else."""
    created = _run(["errbot", "--init"], 120, cwd=newcomer.folder, env=newcomer.installed.env(newcomer.sim.home))
    assert created.returncode == 0, created.stderr
    with open(newcomer.folder / "config.py", "a", encoding="utf-8") as config:
        config.write(f'\nBACKEND = "Zalouser"\nBOT_ADMINS = ("zalouser:{ADMIN}",)\n'
                     # errbot's VersionChecker would call errbot.io: tests stay on this machine
                     'CORE_PLUGINS = ("ACLs", "Help", "Health", "Utils", "Plugins", "CommandNotFoundFilter", '
                     '"ChatRoom")\n')
    bot = newcomer.start()
    code = _code(newcomer.say(STRANGER, "hi"))
    newcomer.wait_told(ADMIN, f"approve with !pair approve {code}")
    assert newcomer.say(ADMIN, f"!pair approve {code}")[-1].startswith(f"Approved {STRANGER}")
    newcomer.wait_told(STRANGER, APPROVED)
    assert newcomer.say(STRANGER, "!room list")[-1] == "You're not allowed to access this command from this user"
    assert "Some plugins failed" not in bot.output
