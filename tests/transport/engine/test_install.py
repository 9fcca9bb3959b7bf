"""install_engine and its errors, with stand-in `node` and `npm` executables (no network, no Node)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from errbot_zalouser.errors import EngineNotInstalled, ZcaNotFound
from errbot_zalouser.transport.engine import install
from errbot_zalouser.transport.engine.install import (
    INSTALL_COMMAND,
    install_engine,
    is_network_failure,
    node_version,
    pinned_version,
    zca_js_dir,
)

NPM = """#!{python}
import json, os, sys
with open(os.environ["FAKE_NPM_LOG"], "a") as fh:
    fh.write(json.dumps({{"argv": sys.argv[1:], "cwd": os.getcwd(), "files": sorted(os.listdir("."))}}) + "\\n")
mode = os.environ.get("FAKE_NPM_MODE", "ok")
if mode == "network":
    sys.stderr.write("npm error code ENOTFOUND\\nnpm error network request to https://registry.npmjs.org failed\\n")
    sys.exit(1)
if mode == "broken":
    sys.stderr.write("npm error code EUSAGE\\nnpm error The `npm ci` command can only install with an existing lock\\n")
    sys.exit(1)
package = os.path.join("node_modules", "zca-js")
os.makedirs(package, exist_ok=True)
version = "0.0.1" if mode == "old" else json.load(open("package.json"))["dependencies"]["zca-js"]
json.dump({{"name": "zca-js", "version": version}}, open(os.path.join(package, "package.json"), "w"))
"""

NODE = """#!/bin/sh
echo "{version}"
"""


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bin folder with a stand-in npm and a Node 20 stand-in: the only things on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text(NPM.format(python=sys.executable))
    (bin_dir / "node").write_text(NODE.format(version="v20.20.2"))
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_NPM_LOG", str(tmp_path / "npm.log"))
    return bin_dir


def npm_calls(tmp_path: Path) -> list[dict]:
    log = tmp_path / "npm.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_install_runs_npm_ci_on_our_pinned_manifests(tools, tmp_path):
    folder = tmp_path / "engine"
    package = install_engine(folder)
    assert package == folder / "node_modules" / "zca-js"
    (call,) = npm_calls(tmp_path)
    assert call["argv"][0] == "ci" and "--ignore-scripts" in call["argv"] and "--omit=dev" in call["argv"]
    assert Path(call["cwd"]) == folder and call["files"] == ["package-lock.json", "package.json"]
    manifest = json.loads((folder / "package.json").read_text())
    assert manifest["dependencies"] == {"zca-js": pinned_version()}
    lock = json.loads((folder / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/zca-js"]["version"] == pinned_version()


def test_an_up_to_date_folder_is_not_installed_again_unless_forced(tools, tmp_path):
    folder = tmp_path / "engine"
    install_engine(folder)
    assert install_engine(folder) == folder / "node_modules" / "zca-js"
    assert len(npm_calls(tmp_path)) == 1
    install_engine(folder, force=True)
    assert len(npm_calls(tmp_path)) == 2


def test_the_pin_is_exact():
    assert pinned_version()[0].isdigit() and all(part.isdigit() for part in pinned_version().split("."))


@pytest.mark.parametrize(
    ("mode", "message", "network"),
    [
        ("network", "check the network connection to the npm registry", True),
        ("broken", "can only install with an existing lock", False),
        ("old", f"zca-js 0.0.1 is installed in .*, this errbot-zalouser needs {pinned_version()}", False),
    ],
)
def test_install_failures_are_one_line_with_the_fix(tools, tmp_path, monkeypatch, mode, message, network):
    monkeypatch.setenv("FAKE_NPM_MODE", mode)
    with pytest.raises(EngineNotInstalled, match=message) as info:
        install_engine(tmp_path / "engine")
    text = str(info.value)
    assert "\n" not in text and INSTALL_COMMAND in text
    assert is_network_failure(info.value) is network


def test_missing_node_or_npm_names_the_fix(tools, tmp_path, monkeypatch):
    (tools / "npm").unlink()
    with pytest.raises(EngineNotInstalled, match=r"npm \('npm'\) is not installed.*engine install"):
        install_engine(tmp_path / "engine")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(EngineNotInstalled, match=r"Node.js \('node'\) is not installed or not on PATH"):
        node_version()


@pytest.mark.parametrize(("printed", "message"), [("v16.20.0", "too old"), ("garbage", "reinstall Node.js")])
def test_an_old_or_broken_node_is_refused(tools, printed, message):
    (tools / "node").write_text(NODE.format(version=printed))
    with pytest.raises(EngineNotInstalled, match=message) as info:
        node_version()
    assert isinstance(info.value, ZcaNotFound)


def test_zca_js_dir_checks_presence_and_version(tmp_path):
    with pytest.raises(EngineNotInstalled, match=f"zca-js is not installed in .*{INSTALL_COMMAND}"):
        zca_js_dir(tmp_path)
    package = tmp_path / "node_modules" / "zca-js"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"version": pinned_version()}))
    assert zca_js_dir(tmp_path) == package


def test_importing_the_engine_installs_nothing(tmp_path):
    code = ("import os, errbot_zalouser.transport.engine as e; "
            "print(os.path.exists(e.default_folder() / 'node_modules'))")
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), PATH=str(tmp_path / "nothing"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=30,
                         check=True)
    assert out.stdout.strip() == "False" and not (tmp_path / "data").exists()


def test_the_cli_command_installs_or_explains(tools, tmp_path, monkeypatch):
    argv = [sys.executable, "-m", "errbot_zalouser", "engine", "install", "--folder", str(tmp_path / "engine")]
    ok = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False)
    assert ok.returncode == 0, ok.stderr
    assert f"Installed: {tmp_path / 'engine' / 'node_modules' / 'zca-js'}" in ok.stdout
    failed = subprocess.run([*argv, "--force"], capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False,
                            env=dict(os.environ, FAKE_NPM_MODE="network"))
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: npm ci in ") and failed.stderr.count("\n") == 1


def test_the_shipped_files_are_package_data():
    cfg = (Path(install.__file__).resolve().parents[3] / "setup.cfg").read_text()
    assert "errbot_zalouser.transport.engine = node/*.mjs, node/lib/*.mjs, node/package.json" in cfg
    assert install.ENGINE_SCRIPT.exists() and (install.NODE_DIR / "package-lock.json").exists()
