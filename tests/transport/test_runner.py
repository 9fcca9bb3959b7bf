"""CliRunner against small Python scripts written to tmp_path (real child processes)."""

from __future__ import annotations

import json
import logging
import os
import time

import pytest

from errbot_zalouser.errors import ZcaNotFound, ZcaTimeout
from errbot_zalouser.transport.runner import CliRunner, CompletedRun, describe_args
from tests.transport.conftest import kill_leftovers, pid_alive, wait_until

ECHO = """
import json, os, sys
print(json.dumps({"args": sys.argv[1:], "stdin": sys.stdin.read(), "sid": os.getsid(0),
                  "env": os.environ.get("ZCA_TEST_VAR")}))
sys.stderr.write("to stderr\\n")
"""


def test_runs_without_shell_and_passes_argv_literally(make_exe):
    exe = make_exe(ECHO)
    args = ["--profile", "default", "msg", "send", "--", "123", "--help; rm -rf / $(x) `y` 'q' \"z\"", "-g"]
    run = CliRunner(str(exe)).run(args, timeout=10)
    assert isinstance(run, CompletedRun)
    assert run.returncode == 0
    out = json.loads(run.stdout)
    assert out["args"] == args
    assert run.argv == (str(exe), *args)
    assert run.stderr == "to stderr\n"
    assert run.duration >= 0


def test_stdin_is_closed_and_the_child_has_its_own_session(make_exe):
    out = json.loads(CliRunner(str(make_exe(ECHO))).run([], timeout=10).stdout)
    assert out["stdin"] == ""
    assert out["sid"] != os.getsid(0)


def test_env_is_laid_over_the_environment(make_exe):
    runner = CliRunner(str(make_exe(ECHO)), env={"ZCA_TEST_VAR": "yes"})
    assert json.loads(runner.run([], timeout=10).stdout)["env"] == "yes"


def test_non_zero_exit_is_returned_not_raised(make_exe):
    exe = make_exe(
        "import sys\nprint('partial')\nsys.stderr.write('Error: Profile x: not logged in\\n')\nsys.exit(3)\n"
    )
    run = CliRunner(str(exe)).run(["auth", "status"], timeout=10)
    assert (run.returncode, run.stdout, run.stderr) == (3, "partial\n", "Error: Profile x: not logged in\n")


def test_output_is_decoded_as_utf8_with_replacement(make_exe):
    exe = make_exe(
        "import os\nos.write(1, 'Xin chào '.encode() + b'\\xff\\xfe')\nos.write(2, b'\\xc3\\x28')\n"
    )
    run = CliRunner(str(exe)).run([], timeout=10)
    assert run.stdout == "Xin chào \ufffd\ufffd"
    assert run.stderr == "\ufffd("


@pytest.mark.parametrize("kind", ["missing", "not-executable", "directory-in-path"])
def test_missing_or_unusable_executable_raises_not_found(tmp_path, kind):
    if kind == "missing":
        exe = tmp_path / "no-such-zca"
    elif kind == "not-executable":
        exe = tmp_path / "zca"
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o644)
    else:
        (tmp_path / "file").write_text("")
        exe = tmp_path / "file" / "zca"
    runner = CliRunner(str(exe))
    with pytest.raises(ZcaNotFound) as info:
        runner.run(["--version"], timeout=5)
    message = str(info.value)
    assert str(exe) in message and "ZALOUSER_ZCA" in message and "openzca" in message
    assert "\n" not in message
    with pytest.raises(ZcaNotFound):
        runner.run_interactive(["auth", "login"])


def test_bare_name_not_on_path_raises_not_found(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ZcaNotFound):
        CliRunner("zca").run(["--version"], timeout=5)


HANGS = """
import os, subprocess, sys, time
with open(sys.argv[1], "w") as fh:
    kid = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    fh.write(f"{os.getpid()} {kid.pid}")
sys.stderr.write("half a line of stderr")
sys.stderr.flush()
time.sleep(30)
"""


def test_timeout_kills_the_process_group_and_keeps_partial_stderr(make_exe, tmp_path):
    pidfile = tmp_path / "pids"
    runner = CliRunner(str(make_exe(HANGS)), kill_grace=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(ZcaTimeout) as info:
            runner.run([str(pidfile)], timeout=1.0)
        assert time.monotonic() - started < 4
        assert info.value.stderr == "half a line of stderr"
        assert info.value.retryable
        pid, kid = (int(x) for x in pidfile.read_text().split())
        assert not pid_alive(pid)
        assert wait_until(lambda: not pid_alive(kid), timeout=3)
    finally:
        if pidfile.exists():
            kill_leftovers([int(x) for x in pidfile.read_text().split()])


def test_timeout_sigkills_a_child_that_ignores_sigterm(make_exe, tmp_path):
    pidfile = tmp_path / "pid"
    exe = make_exe(
        "import os, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "open(sys.argv[1], 'w').write(str(os.getpid()))\n"
        "time.sleep(30)\n"
    )
    runner = CliRunner(str(exe), kill_grace=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(ZcaTimeout):
            runner.run([str(pidfile)], timeout=0.5)
        assert time.monotonic() - started < 3
        assert not pid_alive(int(pidfile.read_text()))
    finally:
        if pidfile.exists():
            kill_leftovers([int(pidfile.read_text())])


def test_run_interactive_returns_the_exit_code(make_exe):
    exe = make_exe("import sys\nsys.exit(int(sys.argv[1]))\n")
    runner = CliRunner(str(exe))
    assert runner.run_interactive(["0"]) == 0
    assert runner.run_interactive(["4"]) == 4


def test_debug_log_has_call_id_and_duration_but_no_message_body(make_exe, caplog):
    exe = make_exe(ECHO)
    with caplog.at_level(logging.DEBUG, logger="errbot_zalouser.transport.runner"):
        CliRunner(str(exe)).run(
            [
                "--profile",
                "default",
                "msg",
                "send",
                "--url=https://secret.invalid/x",
                "--",
                "4830021983762145322",
                "my secret message",
            ],
            timeout=10,
        )
    text = caplog.text
    assert "secret" not in text
    assert "4830021983762145322" in text and "msg send" in text
    assert "zca call" in text and "exit 0 in" in text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--profile", "default", "auth", "status"], "--profile default auth status"),
        (
            ["--profile", "p", "msg", "send", "-g", "--", "123", "hi there"],
            "--profile p msg send -g -- 123 <8 chars>",
        ),
        (
            ["--profile", "p", "msg", "image", "--url=https://a/b", "--message=cap", "--", "123"],
            "--profile p msg image --url=<11 chars> --message=<3 chars> -- 123",
        ),
        (
            ["--profile", "p", "friend", "find", "-j", "--", "Bob Tran"],
            "--profile p friend find -j -- <8 chars>",
        ),
    ],
)
def test_describe_args_redacts_free_text(args, expected):
    assert describe_args(args) == expected
