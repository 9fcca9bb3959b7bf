"""`zca-sim --help` (and --version, a usage error) leaves no state folder behind."""

from __future__ import annotations

import os
import subprocess

import pytest


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["msg", "--help"], ["no-such-command"]])
def test_nothing_is_written_when_nothing_ran(tmp_path, zca_sim_path, args):
    home = tmp_path / "home"
    env = dict(os.environ, HOME=str(home))
    env.pop("ZCA_SIM_HOME", None)
    subprocess.run([zca_sim_path, *args], env=env, capture_output=True, timeout=60)
    assert not (home / ".zca-sim").exists()


def test_a_command_still_creates_and_records(tmp_path, zca_sim_path):
    env = dict(os.environ, HOME=str(tmp_path))
    env.pop("ZCA_SIM_HOME", None)
    result = subprocess.run([zca_sim_path, "me", "info", "-j"], env=env, capture_output=True, timeout=60)
    assert result.returncode == 0
    assert (tmp_path / ".zca-sim" / "calls.jsonl").read_text().count("\n") == 1
