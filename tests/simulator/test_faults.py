"""Fault knobs: failures, hangs, latency, noise, send-output shapes; consumed exactly once."""

from __future__ import annotations

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from errbot_zalouser.errors import ZcaBlocked, ZcaNotAuthenticated, ZcaRateLimited, classify_failure
from errbot_zalouser.simulator import texts
from errbot_zalouser.simulator.control import SimControl

USER = "2947718306652210431"
ANSI_RE = re.compile(r"\x1B\[[0-9;]*[a-zA-Z]")


@pytest.mark.parametrize(
    "stderr, error_class",
    [
        (f"Error: {texts.RATE_LIMIT_TEXT}", ZcaRateLimited),
        (f"Error: {texts.BLOCKED_TEXT}", ZcaBlocked),
        (f"Error: {texts.RETRY_LIMIT_TEXT}", ZcaRateLimited),
    ],
)
def test_fail_n_times_with_zalo_texts(zca, sim: SimControl, stderr: str, error_class: type) -> None:
    sim.fail("msg send", times=2, exit_code=1, stderr=stderr)
    first, second, third = (zca("msg", "send", USER, "hi") for _ in range(3))
    assert (first.returncode, first.stdout, first.stderr) == (1, "", stderr + "\n")
    assert second.returncode == 1 and third.returncode == 0
    assert [r["text"] for r in sim.sent()] == ["hi"]
    assert isinstance(classify_failure(["zca", "msg", "send"], 1, first.stderr), error_class)


def test_not_logged_in_text_classifies() -> None:
    stderr = texts.NOT_LOGGED_IN.format(profile="default")
    assert isinstance(classify_failure(["zca", "auth", "status"], 1, stderr), ZcaNotAuthenticated)


def test_fail_matches_by_command_words(zca, sim: SimControl) -> None:
    sim.fail("friend list", exit_code=3, stderr="Error: boom")
    assert zca("friend", "find", "an").returncode == 0
    assert zca("friend", "list", "-j").returncode == 3
    sim.fail("msg", times=2)
    assert zca("msg", "typing", USER).returncode == 1
    assert zca("msg", "link", USER, "http://x").returncode == 1
    assert zca("msg", "link", USER, "http://x").returncode == 0


def test_fail_auth_status_and_listen(zca, sim: SimControl) -> None:
    sim.fail("auth status", exit_code=1, stderr="Error: Profile default: not logged in")
    sim.fail("listen", exit_code=1, stderr="Listener error: boom")
    assert zca("auth", "status").returncode == 1
    assert zca("auth", "status").returncode == 0
    listen = zca("listen", "-r", "-k", timeout=5)
    assert (listen.returncode, listen.stdout, listen.stderr) == (1, "", "Listener error: boom\n")


def test_failures_are_consumed_exactly_once_under_concurrency(zca, sim: SimControl) -> None:
    sim.fail("msg send", times=3, stderr=f"Error: {texts.RATE_LIMIT_TEXT}")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: zca("msg", "send", USER, f"m{i}"), range(8)))
    assert sorted(r.returncode for r in results) == [0] * 5 + [1] * 3
    assert len(sim.sent()) == 5


def test_unlimited_failures(zca, sim: SimControl) -> None:
    sim.fail("msg send", times=-1)
    assert all(zca("msg", "send", USER, "x").returncode == 1 for _ in range(3))
    sim.clear_faults()
    assert zca("msg", "send", USER, "x").returncode == 0


def test_hang_then_proceed(zca, sim: SimControl) -> None:
    sim.hang("auth status", seconds=0.5, times=1)
    started = time.monotonic()
    assert zca("auth", "status").returncode == 0
    assert time.monotonic() - started >= 0.5
    started = time.monotonic()
    assert zca("auth", "status").returncode == 0
    assert time.monotonic() - started < 0.5


def test_hang_longer_than_the_callers_timeout(zca, sim: SimControl) -> None:
    sim.hang("auth status", seconds=30)
    with pytest.raises(subprocess.TimeoutExpired):
        zca("auth", "status", timeout=0.5)  # subprocess.run kills the child it started


def test_latency_counts_from_process_start(zca, sim: SimControl) -> None:
    sim.set_latency(300)
    started = time.monotonic()
    assert zca("--version").returncode == 0
    assert 0.3 <= time.monotonic() - started < 2.0
    assert sim.calls()[-1]["duration_ms"] >= 300
    started = time.monotonic()
    zca("--version", env={"ZCA_SIM_LATENCY_MS": "0"})
    assert time.monotonic() - started < 0.3


def test_latency_env_override(zca, sim: SimControl) -> None:
    started = time.monotonic()
    zca("--version", env={"ZCA_SIM_LATENCY_MS": "250"})
    assert time.monotonic() - started >= 0.25


@pytest.mark.parametrize("args", [["friend", "list", "-j"], ["group", "list", "-j"], ["me", "info", "-j"],
                                  ["group", "members", "7031928374650192837", "-j"], ["friend", "find", "an"]])
def test_noise_before_json(zca, sim: SimControl, args: list[str]) -> None:
    sim.set_noise(True)
    out = zca(*args).stdout
    assert out.startswith("[INFO] Loading cache...\n") and "\x1b[" in out
    with pytest.raises(ValueError):
        json.loads(out)
    with pytest.raises(ValueError):
        json.loads(ANSI_RE.sub("", out))
    assert _json_from_some_line(ANSI_RE.sub("", out)) is not None


def _json_from_some_line(text: str) -> object:
    """Tolerant parsing, third rule. "[INFO] ..." also starts with "[": try each candidate line."""
    lines = text.splitlines()
    for start, line in enumerate(lines):
        if line.startswith(("{", "[")):
            try:
                return json.loads("\n".join(lines[start:]))
            except ValueError:
                continue
    return None


@pytest.mark.parametrize(
    "shape, pattern",
    [
        ("message_id", r"message_id: (\d{19})\n"),
        ("message id", r"message id: (\d{19})\n"),
        ("bare", r"(\d{19})\n"),
        ("inspect", r"\{ message: \{ msgId: (\d{19}) \}, attachment: \[\] \}\n"),
        ("empty", r""),
    ],
)
def test_send_output_shapes(zca, sim: SimControl, legacy: str, shape: str, pattern: str) -> None:
    sim.set_send_output(shape)
    out = zca("msg", "send", USER, "hi").stdout
    match = re.fullmatch(pattern, out)
    assert match, out
    if match.groups():
        assert match.group(1) == sim.sent()[0]["msgId"]


def test_send_output_shape_is_validated(sim: SimControl) -> None:
    with pytest.raises(ValueError):
        sim.set_send_output("json")


def test_knobs_are_per_profile(zca, sim_home, sim: SimControl, legacy: str) -> None:
    SimControl.create(sim_home, "other")
    sim.fail("msg send", times=-1)
    sim.set_send_output("bare")
    assert zca("-p", "other", "msg", "send", USER, "x").stdout.startswith("message_id: ")
    assert zca("msg", "send", USER, "x").returncode == 1
