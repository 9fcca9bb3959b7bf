"""The `zca-sim` process: version, help without action, usage errors, profiles, the call log."""

from __future__ import annotations

import time

import pytest

from errbot_zalouser.simulator import surface, texts
from errbot_zalouser.simulator.control import SimControl

FRIEND = "2947718306652210431"
VERSIONS = {surface.OPENZCA: "0.1.58", surface.LEGACY: "0.1.20"}
PROGRAMS = {surface.OPENZCA: "openzca", surface.LEGACY: "zca"}


@pytest.mark.parametrize("args", [["--version"], ["-V"], ["--profile", "x", "--version"]])
def test_version_prints_bare_version(zca, each_surface: str, args: list[str]) -> None:
    result = zca(*args)
    assert (result.returncode, result.stdout, result.stderr) == (0, VERSIONS[each_surface] + "\n", "")


@pytest.mark.parametrize(
    "args",
    [
        ["msg", "send", FRIEND, "hello", "--help"],
        ["msg", "send", "-h", FRIEND, "hello"],
        ["--profile", "default", "msg", "image", FRIEND, "-u", "http://x/a.png", "-h"],
        ["msg", "voice", FRIEND, "-u", "http://x/a.mp3", "-m", "cap", "--help"],
    ],
)
def test_help_performs_no_action(zca, sim: SimControl, each_surface: str, args: list[str]) -> None:
    result = zca(*args)
    assert result.returncode == 0
    assert result.stdout.startswith(f"Usage: {PROGRAMS[each_surface]} msg ")
    assert sim.sent() == []


def test_double_dash_sends_option_like_text_literally(zca, sim: SimControl, each_surface: str) -> None:
    result = zca("msg", "send", "--", FRIEND, "--help")
    assert result.returncode == 0, result.stderr
    assert [(r["threadId"], r["text"], r["isGroup"]) for r in sim.sent()] == [(FRIEND, "--help", False)]


@pytest.mark.parametrize(
    "args, stderr",
    [
        (["msg", "voice", FRIEND, "-u", "http://x/a.mp3", "-m", "caption"], "error: unknown option '-m'\n"),
        (["msg", "send", FRIEND], "error: missing required argument 'message'\n"),
        (["msg", "send", FRIEND, "a", "b"], "error: too many arguments for 'send'. Expected 2 arguments but got 3.\n"),
        (["frobnicate"], "error: unknown command 'frobnicate'\n"),
    ],
)
def test_usage_errors_exit_1_and_send_nothing(
    zca, sim: SimControl, each_surface: str, args: list[str], stderr: str
) -> None:
    result = zca(*args)
    assert (result.returncode, result.stdout) == (1, "")
    if each_surface == surface.LEGACY:
        assert result.stderr == stderr
    else:  # 0.1.58 shows the command's help after the error line
        assert result.stderr.startswith(stderr + "\nUsage: openzca ")
    assert sim.sent() == []


def test_profile_resolution_flag_env_default(zca, sim_home) -> None:
    work = SimControl.create(sim_home, "work", me={"userId": "1111111111111111111", "displayName": "Work Bot"})
    default = SimControl.create(sim_home, "default")
    assert "Work Bot" in zca("--profile", "work", "auth", "status").stdout
    assert "Work Bot" in zca("auth", "status", "--profile=work").stdout
    assert "Work Bot" in zca("auth", "status", env={"ZCA_PROFILE": "work"}).stdout
    assert "Sim Bot" in zca("-p", "default", "auth", "status", env={"ZCA_PROFILE": "work"}).stdout
    assert "Sim Bot" in zca("auth", "status").stdout
    assert [c["profile"] for c in work.calls()] == ["work"] * 3
    assert len(default.calls()) == 2


def test_fresh_profile_gets_default_seed(zca, sim_home) -> None:
    result = zca("--profile", "fresh", "me", "info", "-j")
    assert result.returncode == 0, result.stderr
    assert '"displayName": "Sim Bot"' in result.stdout
    assert (sim_home / "profiles" / "fresh" / "state.json").exists()


def test_invalid_profile_name_is_refused(zca, sim_home) -> None:
    result = zca("--profile", "../evil", "me", "info")
    assert result.returncode == 1
    assert result.stderr == texts.INVALID_PROFILE.format(profile="../evil") + "\n"
    assert not (sim_home.parent / "evil").exists()


def test_every_invocation_is_logged(zca, sim: SimControl) -> None:
    zca("--version")
    zca("msg", "send", FRIEND, "hi")
    zca("msg", "send", FRIEND)
    calls = sim.calls()
    assert [(c["command"], c["exit"]) for c in calls] == [("--version", 0), ("msg send", 0), ("msg send", 1)]
    assert calls[1]["argv"] == ["msg", "send", FRIEND, "hi"]
    assert all(0 < c["duration_ms"] < 5000 and c["pid"] > 0 for c in calls)


def test_startup_is_fast(zca, sim: SimControl) -> None:
    zca("--version")  # warm the file cache
    started = time.monotonic()
    for _ in range(3):
        assert zca("msg", "send", FRIEND, "hi").returncode == 0
    assert (time.monotonic() - started) / 3 < 0.5
