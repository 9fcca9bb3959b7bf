"""The `make run` demo as a newcomer uses it: prompt, reset, help, and the ways it ends."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _demo(cwd: Path, *args: str) -> pexpect.spawn:
    env = dict(os.environ)
    env.pop("ZCA_SIM_HOME", None)  # the demo keeps its own simulator state under ./.sim
    return pexpect.spawn(sys.executable, ["-m", "errbot_zalouser", "run", *args], cwd=str(cwd), env=env,
                         encoding="utf-8", timeout=60)


def _pair_the_stranger(child: pexpect.spawn) -> None:
    child.expect("stranger> ")
    child.sendline("hi")
    child.expect(r"Pairing code: ([A-Z2-9]{8})")
    code = child.match.group(1)
    child.expect(r"\n(stranger|admin)> ")  # the prompt comes back after the replies
    child.sendline("/as admin")
    child.expect("admin> ")
    child.sendline(f"!pair approve {code}")
    child.expect("they have been told")
    child.expect("admin> ")


def _end(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus is None
    return child.exitstatus


@pytest.fixture
def closing(tmp_path: Path) -> Iterator[list[pexpect.spawn]]:
    """Demos to end after the test; a bot a killed demo left behind is stopped by its pid."""
    children: list[pexpect.spawn] = []
    yield children
    for child in children:
        if child.isalive():
            child.terminate(force=True)
    for pid_file in tmp_path.glob("**/.sim/bot.pid"):
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text())
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if str(pid_file.parent / "config.py").encode() in command:  # that bot, not a reused pid
                os.kill(pid, signal.SIGKILL)


def test_the_walkthrough_then_shutdown_ends_the_demo(tmp_path, closing):
    child = _demo(tmp_path)
    closing.append(child)
    _pair_the_stranger(child)
    child.sendline("!shutdown --confirm")
    child.expect(r"\[simulator\] the bot stopped \(exit code 0\)")
    assert _end(child) == 0  # no line typed after the shutdown is needed, none is lost
    log = (tmp_path / ".sim" / "data" / "errbot.log").read_text()
    assert "zalouser config:" not in log  # the demo's config warns about nothing


def test_a_stranger_sees_no_admin_commands_in_help(tmp_path, closing):
    child = _demo(tmp_path)
    closing.append(child)
    _pair_the_stranger(child)
    child.sendline("/as stranger")
    child.expect("stranger> ")
    child.sendline("!help")
    child.expect(r"!whoami.*?\n\s*\nstranger> ", timeout=30)
    help_text = child.before + child.after
    assert "!echo" in help_text
    for admin_command in ("!pair", "!allowlist", "!directory", "!room", "!shutdown", "!zalouser status"):
        assert admin_command not in help_text
    child.sendline("/quit")
    assert _end(child) == 0


def test_state_is_kept_with_a_hint_and_reset_forgets_it(tmp_path, closing):
    first = _demo(tmp_path)
    closing.append(first)
    _pair_the_stranger(first)
    first.sendline("/quit")
    assert _end(first) == 0

    again = _demo(tmp_path)
    closing.append(again)
    again.expect_exact("(the stranger is already approved, so gets no pairing code); start afresh with: "
                       "make run ARGS=--reset")
    again.expect("stranger> ")
    again.sendeof()
    assert _end(again) == 0

    fresh = _demo(tmp_path, "--reset")
    closing.append(fresh)
    fresh.expect("stranger> ")
    assert "state kept" not in fresh.before
    fresh.sendline("hi")
    fresh.expect(r"Pairing code: [A-Z2-9]{8}")
    fresh.sendline("/quit")
    assert _end(fresh) == 0


def test_ctrl_c_under_make_ends_without_a_make_error(tmp_path, closing):
    """`make run` then Ctrl-C: the demo stops the bot and exits 0, so make reports no error."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for name in ("errbot_zalouser", "plugins", ".venv"):
        (tmp_path / name).symlink_to(ROOT / name)
    for name in ("Makefile", "setup.cfg", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
        os.utime(tmp_path / name, (1, 1))  # older than .venv/.installed: make installs nothing
    assert (ROOT / ".venv" / ".installed").exists(), "run the tests through `make test`"
    env = dict(os.environ)
    env.pop("ZCA_SIM_HOME", None)
    child = pexpect.spawn("make", ["run"], cwd=str(tmp_path), env=env, encoding="utf-8", timeout=90)
    closing.append(child)
    child.expect("stranger> ")
    child.sendintr()  # Ctrl-C: SIGINT to make and the demo alike
    child.expect(pexpect.EOF)
    child.close()
    assert "make: ***" not in child.before and "Error 130" not in child.before
    assert child.exitstatus == 0 or child.signalstatus == signal.SIGINT  # make dies of the SIGINT itself
