"""`python -m errbot_zalouser login|logout|status|import-openclaw` and the `make run` demo."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pexpect

from errbot_zalouser.simulator.control import SimControl
from errbot_zalouser.transport.engine.install import node_version
from tests.e2e.conftest import write_config


def _cli(tmp_path, sim, *args: str, config: str | None = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "errbot_zalouser", *args]
    if config:
        argv += ["-c", config]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env=dict(os.environ, ZCA_SIM_HOME=str(sim.home)), stdin=subprocess.DEVNULL)


def test_login_status_logout_cycle(tmp_path, sim, zca_sim_path):
    config = str(write_config(tmp_path, zca_sim_path, {"accounts": {"work": {"profile": "work"}}}))
    SimControl.create(sim.home, "work", logged_in=False)
    status = _cli(tmp_path, sim, "status", config=config)
    assert status.returncode == 1 and "NOT logged in" in status.stdout

    login = _cli(tmp_path, sim, "login", "--account", "work", config=config)
    assert login.returncode == 0, login.stderr
    assert "account: work, profile: work" in login.stdout
    assert "Logged in profile work" in login.stdout

    status = _cli(tmp_path, sim, "status", config=config)
    assert status.returncode == 0 and "logged in as" in status.stdout

    logout = _cli(tmp_path, sim, "logout", "--account", "work", config=config)
    assert logout.returncode == 0 and "Logged out profile work" in logout.stdout


def test_login_with_a_missing_zca_says_what_to_do(tmp_path, sim):
    config = str(write_config(tmp_path, str(tmp_path / "nope"), {}))
    result = _cli(tmp_path, sim, "login", config=config)
    assert result.returncode == 1
    assert "cannot run the zca executable" in result.stderr and "ZALOUSER_ZCA" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_openclaw_keeps_approvals(tmp_path, sim, zca_sim_path):
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "zalouser-allowFrom.json").write_text(json.dumps({"version": 1, "allowFrom": ["zalouser:123456"]}))
    config = str(write_config(tmp_path, zca_sim_path, {}))
    first = _cli(tmp_path, sim, "import-openclaw", str(creds), config=config)
    assert first.returncode == 0, first.stderr
    again = _cli(tmp_path, sim, "import-openclaw", str(creds), config=config)
    assert again.returncode == 0
    stored = json.loads((tmp_path / "data" / "zalouser" / "approved.json").read_text())
    assert "123456" in json.dumps(stored)


def test_make_run_demo_shows_the_pairing_flow(tmp_path, sim_home):
    env = dict(os.environ)
    env.pop("ZCA_SIM_HOME", None)  # the demo keeps its own simulator state under ./.sim
    child = pexpect.spawn(sys.executable, ["-m", "errbot_zalouser", "run"], cwd=str(tmp_path), env=env,
                          encoding="utf-8", timeout=60)
    try:
        child.expect("SIMULATOR")
        child.expect("stranger> ")
        child.sendline("hi")
        child.expect(r"Pairing code: ([A-Z2-9]{8})")
        code = child.match.group(1)
        child.sendline("/as admin")
        child.expect("admin> ")
        child.sendline(f"!pair approve {code}")
        child.expect("Your pairing request has been approved.")
        child.sendline("/as stranger")
        child.sendline("!echo it works")
        child.expect(re.escape("it works"))
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        if child.isalive():
            child.terminate(force=True)
    assert (tmp_path / ".sim" / "data" / "errbot.log").exists()


def test_status_of_an_engine_account_says_whether_its_engine_could_start(tmp_path, sim, zca_sim_path):
    """Checked without starting the engine: a running bot's engine may hold the profile."""
    missing = str(write_config(tmp_path, zca_sim_path, {"engine": "zca-js",
                                                       "zcaJs": {"installFolder": str(tmp_path / "none")}}))
    status = _cli(tmp_path, sim, "status", config=missing)
    assert status.returncode == 1 and "logged in as" in status.stdout  # the zca session itself is fine
    assert "engine zca-js: cannot start:" in status.stdout and "python -m errbot_zalouser engine install" in status.stdout
    assert "Traceback" not in status.stderr


def test_status_of_an_engine_account_names_node_and_zca_js(tmp_path, sim, zca_sim_path, node, fake):
    config = str(write_config(tmp_path, zca_sim_path, {"engine": "zca-js",
                                                      "zcaJs": {"package": fake.module, "node": node}}))
    status = _cli(tmp_path, sim, "status", config=config)
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"engine zca-js: Node.js {'.'.join(map(str, node_version(node)))}, zca-js from {fake.module}" in status.stdout
    assert fake.logins() == []  # nothing logged in through the engine
