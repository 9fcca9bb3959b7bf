"""login, logout and status: a zca profile's Zalo session, per configured account.

They use the `zca` tool for every account, also one on the zca-js engine: logging in and out is
`zca auth ...`'s job, and a running bot's engine holds the account's session (a second engine
would be refused, or would take it over). For an engine account, status also says whether the
engine could start: Node.js and zca-js found, checked without starting it.
"""

from __future__ import annotations

import argparse
import sys

from errbot_zalouser.cli import configfile
from errbot_zalouser.cli.common import AddCommand
from errbot_zalouser.config import load_settings
from errbot_zalouser.errors import EngineNotInstalled, ZalouserError
from errbot_zalouser.service.transports import engine_settings
from errbot_zalouser.settings import AccountConfig, EngineKind, Settings
from errbot_zalouser.transport.argv import build_args
from errbot_zalouser.transport.client import ZcaClient
from errbot_zalouser.transport.engine.install import node_version
from errbot_zalouser.transport.runner import CliRunner

ACCOUNT_HELP = "account id from the ZALOUSER block (default: defaultAccount)"


def _account(args: argparse.Namespace) -> tuple[Settings, AccountConfig]:
    settings = load_settings(configfile.load(args.config).module)
    return settings, settings.account(args.account or settings.default_account)


def login(args: argparse.Namespace) -> int:
    settings, account = _account(args)
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


def logout(args: argparse.Namespace) -> int:
    settings, account = _account(args)
    ZcaClient(CliRunner(settings.zca), account.profile).logout()
    print(f"Logged out profile {account.profile} (account {account.account_id}).")
    return 0


def status(args: argparse.Namespace) -> int:
    settings = load_settings(configfile.load(args.config).module)
    runner = CliRunner(settings.zca)
    worst = 0
    for account in settings.accounts:
        line, ok = _status_line(ZcaClient(runner, account.profile), account)
        print(line)
        worst = worst if ok else 1
        if account.engine == EngineKind.ZCA_JS and account.enabled:
            line, ok = _engine_line(settings)
            print(f"  {line}")
            worst = worst if ok else 1
    for warning in settings.warnings:
        print(f"warning: {warning}")
    return worst


def _status_line(client: ZcaClient, account: AccountConfig) -> tuple[str, bool]:
    state = "enabled" if account.enabled else "disabled"
    line = f"{account.account_id} (profile {account.profile}, {state}): "
    try:
        version = client.version()
        if not client.is_authenticated():
            return (f"{line}zca {version}, NOT logged in: run python -m errbot_zalouser login "
                    f"--account {account.account_id}"), False
        me = client.me_info()
    except ZalouserError as exc:
        return f"{line}error: {exc}", False
    return f"{line}zca {version}, logged in as {me.name} (zalouser:{me.user_id})", True


def _engine_line(settings: Settings) -> tuple[str, bool]:
    """Whether the zca-js engine could start: Node.js (version) and the zca-js package found."""
    try:
        node = node_version(settings.zca_js.node)
        package = engine_settings(settings.zca_js, settings.listener).zca_js
    except EngineNotInstalled as exc:
        return f"engine zca-js: cannot start: {exc}", False
    return f"engine zca-js: Node.js {'.'.join(map(str, node))}, zca-js from {package}", True


def add_parsers(command: AddCommand) -> None:
    p = command("login", login, "log a profile into Zalo: zca draws a QR code to scan with the Zalo app")
    p.add_argument("--account", help=ACCOUNT_HELP)
    p.add_argument("--qr-base64", action="store_true", help="print the QR code as a data URL and return")
    p = command("logout", logout, "remove a profile's Zalo session (you scan a QR code again to log in)")
    p.add_argument("--account", help=ACCOUNT_HELP)
    command("status", status, "show zca, login state and own id of every configured account")
