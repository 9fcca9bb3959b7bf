"""`python -m errbot_zalouser <command>`: run, login, logout, status, import-openclaw, engine install.

Commands that need the bot's configuration read an errbot config file (default ./config.py);
without one they use the default account and profile and the `zca` on PATH (or $ZALOUSER_ZCA).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from errbot_zalouser.config import load_settings
from errbot_zalouser.errors import ZalouserError
from errbot_zalouser.settings import AccountConfig, Settings
from errbot_zalouser.transport.argv import build_args
from errbot_zalouser.transport.client import ZcaClient
from errbot_zalouser.transport.runner import CliRunner


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except ZalouserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m errbot_zalouser", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(metavar="command")

    def command(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        p.add_argument("-c", "--config", default="config.py", help="errbot config file (default: ./config.py)")
        return p

    command("run", _run, "run the bot with ./config.py, or on the simulator when there is none")
    p = command("login", _login, "log a profile into Zalo: zca draws a QR code to scan with the Zalo app")
    p.add_argument("--account", help="account id from the ZALOUSER block (default: defaultAccount)")
    p.add_argument("--qr-base64", action="store_true", help="print the QR code as a data URL and return")
    p = command("logout", _logout, "remove a profile's Zalo session")
    p.add_argument("--account")
    p = command("status", _status, "show zca, login state and own id of every configured account")
    p = command("import-openclaw", _import_openclaw,
                "import OpenClaw's approved senders and pending pairing requests")
    p.add_argument("source", help="OpenClaw credentials folder (~/.openclaw/credentials) or one of its files")
    p.add_argument("--account", default=None, help="account to import into (default: defaultAccount)")
    engine = sub.add_parser("engine", help="the optional zca-js engine", description="the optional zca-js engine")
    engine.set_defaults(handler=lambda _args: _usage(engine))
    engine_sub = engine.add_subparsers(metavar="action")
    p = engine_sub.add_parser("install", help="install the pinned zca-js with npm into a folder of ours")
    p.set_defaults(handler=_engine_install)
    p.add_argument("--folder", default=None, help="where to install (default: ~/.local/share/errbot-zalouser/engine)")
    p.add_argument("--force", action="store_true", help="run npm again even when the folder is up to date")
    return parser


def _load(config_path: str) -> tuple[Any, bool]:
    """The errbot config module, or a stand-in with defaults when the file does not exist."""
    path = Path(config_path)
    if not path.exists():
        zca = os.environ.get("ZALOUSER_ZCA", "zca")
        return SimpleNamespace(ZALOUSER_ZCA=zca, BOT_DATA_DIR=str(Path("data").resolve())), False
    spec = importlib.util.spec_from_file_location("errbot_config", path)
    assert spec is not None and spec.loader is not None  # a path always gives a loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, True


def _account(config: Any, account: str | None) -> tuple[Settings, AccountConfig]:
    settings = load_settings(config)
    return settings, settings.account(account or settings.default_account)


def _run(args: argparse.Namespace) -> int:
    if Path(args.config).exists():
        errbot = shutil.which("errbot") or str(Path(sys.executable).parent / "errbot")
        os.execv(errbot, [errbot, "-c", args.config])
    from errbot_zalouser.demo import run_demo

    return run_demo()


def _login(args: argparse.Namespace) -> int:
    config, _ = _load(args.config)
    settings, account = _account(config, args.account)
    runner = CliRunner(settings.zca)
    if args.qr_base64:
        print(ZcaClient(runner, account.profile).login_qr_base64())
        return 0
    print(f"Scan the QR code in this terminal to link Zalo (account: {account.account_id}, "
          f"profile: {account.profile}).")
    code = runner.run_interactive(build_args(account.profile, ["auth", "login"]))
    if code != 0:
        print(f"Zalo login failed (zca exit code {code}).", file=sys.stderr)
    return code


def _logout(args: argparse.Namespace) -> int:
    config, _ = _load(args.config)
    settings, account = _account(config, args.account)
    ZcaClient(CliRunner(settings.zca), account.profile).logout()
    print(f"Logged out profile {account.profile} (account {account.account_id}).")
    return 0


def _status(args: argparse.Namespace) -> int:
    config, _ = _load(args.config)
    settings = load_settings(config)
    runner = CliRunner(settings.zca)
    worst = 0
    for account in settings.accounts:
        client = ZcaClient(runner, account.profile)
        line = f"{account.account_id} (profile {account.profile}, {'enabled' if account.enabled else 'disabled'}): "
        try:
            version = client.version()
            if client.is_authenticated():
                me = client.me_info()
                line += f"zca {version}, logged in as {me.name} (zalouser:{me.user_id})"
            else:
                line += f"zca {version}, NOT logged in: run python -m errbot_zalouser login --account {account.account_id}"
                worst = 1
        except ZalouserError as exc:
            line += f"error: {exc}"
            worst = 1
        print(line)
    for warning in settings.warnings:
        print(f"warning: {warning}")
    return worst


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _engine_install(args: argparse.Namespace) -> int:
    from errbot_zalouser.transport.engine.install import default_folder, install_engine, pinned_version

    folder = Path(args.folder).expanduser() if args.folder else default_folder()
    print(f"Installing zca-js {pinned_version()} into {folder} (npm ci)...")
    print(f"Installed: {install_engine(folder, force=args.force)}")
    return 0


def _import_openclaw(args: argparse.Namespace) -> int:
    from errbot_zalouser.service.migrate import import_openclaw
    from errbot_zalouser.stores.jsonfile import open_stores

    config, found = _load(args.config)
    _, account = _account(config, args.account)
    data_dir = Path(config.BOT_DATA_DIR)
    if not found:
        print(f"note: no {args.config}; importing into {data_dir}", file=sys.stderr)
    report = import_openclaw(Path(args.source).expanduser(), open_stores(data_dir),
                             account=account.account_id, now=time.time())
    print(report.summary())
    return 0
