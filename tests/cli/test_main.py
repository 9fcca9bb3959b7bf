"""The command line as a newcomer meets it: names, help, a mistyped -c."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli


@pytest.mark.parametrize("command", ["run", "status", "login", "logout", "pairing list", "allowlist show",
                                     "import-openclaw /nowhere"])
def test_a_mistyped_config_path_is_refused_and_creates_nothing(tmp_path, sim, command):
    result = run_cli(tmp_path, sim, *command.split(), "-c", "nope.py")
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: nope.py does not exist: no such errbot config file; give the path of "
                                     "your config.py with -c, or write one with `python -m errbot_zalouser init`")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zca-sim-home"]  # no .sim/, no data/


def test_the_console_script_names_itself():
    script = Path(sys.executable).parent / "errbot-zalouser"
    found = str(script) if script.exists() else shutil.which("errbot-zalouser")
    assert found, "errbot-zalouser is not installed"
    assert run_cli(Path.cwd(), None, "--help", prog=found).stdout.startswith("usage: errbot-zalouser ")
    assert run_cli(Path.cwd(), None, "--help").stdout.startswith("usage: python -m errbot_zalouser ")


@pytest.mark.parametrize("command", ["login", "logout", "pairing approve", "allowlist add"])
def test_every_option_has_help(command):
    text = run_cli(Path.cwd(), None, *command.split(), "--help").stdout
    assert re.search(r"--account ACCOUNT\s+[a-z]{2,}", text), text  # a description follows the option


def test_import_openclaw_prints_lines_not_a_list(tmp_path, sim, bot_config):
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "zalouser-allowFrom.json").write_text(json.dumps({"version": 1, "allowFrom": ["zalouser:123456"]}))
    result = run_cli(tmp_path, sim, "import-openclaw", str(creds), "-c", bot_config)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("read 1 file(s): ")
    assert "approved senders: 1 imported, 0 already there" in result.stdout.splitlines()
    assert "[" not in result.stdout.splitlines()[0][:1] and "', '" not in result.stdout
