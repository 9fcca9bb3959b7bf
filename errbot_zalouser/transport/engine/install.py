"""Installing the engine's one npm dependency (zca-js, pinned exactly) into a folder we own.

Nothing here runs at import time. ``install_engine(folder)`` copies the engine's package.json and
package-lock.json into ``folder`` and runs ``npm ci`` there (no install scripts, no audit, no
update check); ``zca_js_dir(folder)`` finds an installed copy and checks its version. Every
failure is an ``EngineNotInstalled`` whose one-line message names the command that fixes it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from errbot_zalouser.errors import EngineNotInstalled

log = logging.getLogger(__name__)

NODE_DIR = Path(__file__).resolve().with_name("node")
ENGINE_SCRIPT = NODE_DIR / "engine.mjs"
INSTALL_COMMAND = "python -m errbot_zalouser engine install"
MIN_NODE = (18, 0)
_MANIFESTS = ("package.json", "package-lock.json")
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
_NETWORK = re.compile(r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network", re.I)


def pinned_version() -> str:
    """The zca-js version the engine is pinned to (from the shipped package.json)."""
    manifest = json.loads((NODE_DIR / "package.json").read_text(encoding="utf-8"))
    return str(manifest["dependencies"]["zca-js"])


def default_folder() -> Path:
    """``$XDG_DATA_HOME/errbot-zalouser/engine`` (``~/.local/share/...`` when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "errbot-zalouser" / "engine"


def find_tool(name: str, what: str) -> str:
    """The full path of ``name`` on PATH (or as given), or EngineNotInstalled naming the fix."""
    found = shutil.which(name)
    if not found:
        raise EngineNotInstalled(
            f"{what} ({name!r}) is not installed or not on PATH: install Node.js {MIN_NODE[0]} or newer "
            f"(it brings npm), then run `{INSTALL_COMMAND}`"
        )
    return found


def node_version(node: str = "node") -> tuple[int, int, int]:
    """``node --version`` as numbers; EngineNotInstalled when node is missing, broken or too old."""
    path = find_tool(node, "Node.js")
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineNotInstalled(f"cannot run {path} --version ({exc}): reinstall Node.js") from exc
    match = _VERSION.match(out.stdout.strip())
    if out.returncode != 0 or not match:
        raise EngineNotInstalled(f"{path} --version printed {out.stdout.strip()[:40]!r}: reinstall Node.js")
    version = (int(match[1]), int(match[2]), int(match[3]))
    if version[:2] < MIN_NODE:
        raise EngineNotInstalled(
            f"Node.js {'.'.join(map(str, version))} is too old for zca-js: install Node.js {MIN_NODE[0]} or newer"
        )
    return version


def zca_js_dir(folder: Path | str) -> Path:
    """The installed zca-js package folder under ``folder``, checked against the pinned version."""
    package = Path(folder).expanduser() / "node_modules" / "zca-js"
    wanted = pinned_version()
    try:
        found = json.loads((package / "package.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        raise EngineNotInstalled(
            f"zca-js is not installed in {Path(folder).expanduser()}: run `{INSTALL_COMMAND}`"
        ) from None
    if found != wanted:
        raise EngineNotInstalled(
            f"zca-js {found} is installed in {folder}, this errbot-zalouser needs {wanted}: run `{INSTALL_COMMAND}`"
        )
    return package


def install_engine(
    folder: Path | str | None = None,
    *,
    node: str = "node",
    npm: str = "npm",
    timeout: float = 600.0,
    force: bool = False,
) -> Path:
    """Install the pinned zca-js into ``folder`` (default: ``default_folder()``); return its package folder.

    When the folder already holds exactly this install (same lock file, pinned version present),
    npm is not run again unless ``force``.
    """
    target = Path(folder).expanduser() if folder else default_folder()
    node_version(node)
    if not force and _installed(target):
        return zca_js_dir(target)
    npm_path = find_tool(npm, "npm")
    target.mkdir(parents=True, exist_ok=True)
    for name in _MANIFESTS:
        shutil.copyfile(NODE_DIR / name, target / name)
    argv = [npm_path, "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--no-update-notifier"]
    log.info("installing zca-js %s into %s", pinned_version(), target)
    try:
        run = subprocess.run(argv, cwd=target, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise EngineNotInstalled(f"npm ci in {target} did not finish within {timeout:g}s: run `{INSTALL_COMMAND}` again") from exc
    except OSError as exc:
        raise EngineNotInstalled(f"cannot run npm ({exc}): reinstall Node.js and npm") from exc
    if run.returncode != 0:
        last = next((line for line in reversed(run.stderr.splitlines()) if line.strip()), f"exit code {run.returncode}")
        hint = "check the network connection to the npm registry, then " if _NETWORK.search(run.stderr) else ""
        raise EngineNotInstalled(f"npm ci in {target} failed: {last.strip()[:200]} ({hint}run `{INSTALL_COMMAND}` again)")
    return zca_js_dir(target)


def _installed(target: Path) -> bool:
    try:
        same_lock = (target / "package-lock.json").read_bytes() == (NODE_DIR / "package-lock.json").read_bytes()
        zca_js_dir(target)
    except (OSError, EngineNotInstalled):
        return False
    return same_lock


def is_network_failure(error: EngineNotInstalled) -> bool:
    """True when an install failed because the npm registry could not be reached."""
    return "check the network connection" in str(error)
