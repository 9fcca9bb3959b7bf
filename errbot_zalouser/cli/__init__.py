"""`python -m errbot_zalouser <command>` (also installed as `errbot-zalouser`).

run, init, login, logout, status, pairing, allowlist, import-openclaw, engine install. Commands
that need the bot's configuration read an errbot config file: ``-c PATH`` (which must exist), or
./config.py when there is one; without either they use defaults (see ``configfile``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from errbot_zalouser.cli import account, configfile, init, operator
from errbot_zalouser.cli.common import Handler
from errbot_zalouser.errors import ZalouserError

SUMMARY = "Run and operate an Errbot bot on a personal Zalo account (errbot-zalouser)."


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = build_parser(prog or Path(sys.argv[0]).name)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except ZalouserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=SUMMARY)
    sub = parser.add_subparsers(metavar="command")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler, parser=p)
        p.add_argument("-c", "--config", default=None, help="errbot config file (default: ./config.py if present)")
        return p

    p = command("run", _run, "run the bot with ./config.py (or -c), or the simulator demo when there is none")
    p.add_argument("--reset", action="store_true", help="demo only: forget the demo's approvals and chats first")
    init.add_parser(sub)
    account.add_parsers(command)
    operator.add_parsers(command)
    p = command("import-openclaw", _import_openclaw, "import OpenClaw's approved senders and pending pairing requests")
    p.add_argument("source", help="OpenClaw credentials folder (~/.openclaw/credentials) or one of its files")
    p.add_argument("--account", default=None, help="account to import into (default: defaultAccount)")
    engine = sub.add_parser("engine", help="the optional zca-js engine", description="the optional zca-js engine")
    engine.set_defaults(handler=lambda _args: _usage(engine))
    actions = engine.add_subparsers(metavar="action")
    p = actions.add_parser("install", help="install the pinned zca-js with npm into a folder of ours")
    p.set_defaults(handler=_engine_install)
    p.add_argument("--folder", default=None, help="where to install (default: ~/.local/share/errbot-zalouser/engine)")
    p.add_argument("--force", action="store_true", help="run npm again even when the folder is up to date")
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _run(args: argparse.Namespace) -> int:
    path = configfile.find(args.config)
    if path is not None:
        if args.reset:
            raise configfile.ConfigFileError("--reset is for the simulator demo only; it never touches a real bot's data")
        errbot = shutil.which("errbot") or str(Path(sys.executable).parent / "errbot")
        os.execv(errbot, [errbot, "-c", str(path)])
    from errbot_zalouser.demo import run_demo

    return run_demo(reset=args.reset)


def _engine_install(args: argparse.Namespace) -> int:
    from errbot_zalouser.transport.engine.install import default_folder, install_engine, pinned_version

    folder = Path(args.folder).expanduser() if args.folder else default_folder()
    print(f"Installing zca-js {pinned_version()} into {folder} (npm ci)...")
    print(f"Installed: {install_engine(folder, force=args.force)}")
    return 0


def _import_openclaw(args: argparse.Namespace) -> int:
    from errbot_zalouser.config import load_settings
    from errbot_zalouser.service.migrate import import_openclaw
    from errbot_zalouser.stores.jsonfile import open_stores

    config = configfile.load(args.config)
    settings = load_settings(config.module)
    account_id = settings.account(args.account or settings.default_account).account_id
    if config.path is None:
        print(f"note: no {configfile.DEFAULT}; importing into {config.data_dir}", file=sys.stderr)
    report = import_openclaw(Path(args.source).expanduser(), open_stores(config.data_dir),
                             account=account_id, now=time.time())
    print("\n".join(report.summary()))
    return 0
