"""``init [DIR]``: write a commented config.py from the template shipped in the package.

The admin's Zalo user id comes from ``--admin`` or is asked for on a terminal; without either the
command stops and says how to give it. An existing config.py is kept unless ``--force``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from errbot_zalouser import ids
from errbot_zalouser.config.admins import EXAMPLE_ADMIN_ID
from errbot_zalouser.errors import ZalouserError
from errbot_zalouser.templates import render_config

HOW_TO_FIND_YOUR_ID = (
    "A Zalo user id is a number of up to 20 digits. If the bot runs on your own Zalo account, log in first "
    "(python -m errbot_zalouser login) and `python -m errbot_zalouser status` shows it; otherwise the bot's "
    "pairing reply to your first message shows it (\"Your Zalo user id: ...\")."
)


class InitError(ZalouserError):
    """init cannot write the config file; the message says what to do."""


def admin_id_from(text: str) -> str:
    """A Zalo user id from ``text`` (``zalouser:``/``zlu:`` prefixes accepted); InitError otherwise."""
    ref = ids.parse(text.strip())
    if ref is None or ref.group_id or not ref.user_id:
        raise InitError(f"{text.strip()!r} is not a Zalo user id. {HOW_TO_FIND_YOUR_ID}")
    if ref.user_id == EXAMPLE_ADMIN_ID:
        raise InitError(f"{EXAMPLE_ADMIN_ID} is the example id of the documentation, not yours. {HOW_TO_FIND_YOUR_ID}")
    return ref.user_id


def _ask_admin() -> str:
    if not sys.stdin.isatty():
        raise InitError(f"give the bot admin's Zalo user id with --admin <id>. {HOW_TO_FIND_YOUR_ID}")
    print(HOW_TO_FIND_YOUR_ID)
    return input("Your Zalo user id (the bot admin): ")


def init(args: argparse.Namespace) -> int:
    folder = Path(args.dir).expanduser()
    target = folder / "config.py"
    if target.exists() and not args.force:
        raise InitError(f"{target} already exists; keep it, or write a new one with --force")
    admin = admin_id_from(args.admin if args.admin is not None else _ask_admin())
    text = render_config(admin, zca=args.zca)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "data").mkdir(exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InitError(f"cannot write {target}: {exc}") from exc
    config = target if folder == Path(".") else target.resolve()
    print(f"Wrote {config} (bot admin: zalouser:{admin}, zca: {args.zca}). Next:")
    print(f"  python -m errbot_zalouser login -c {config}   # scan the QR code with the Zalo app")
    print(f"  errbot -c {config}")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    text = "write a commented errbot config.py for a Zalo account (the admin id is asked for)"
    p: argparse.ArgumentParser = sub.add_parser("init", help=text, description=text)
    p.set_defaults(handler=init)
    p.add_argument("dir", nargs="?", default=".", help="folder for config.py and data/ (default: .)")
    p.add_argument("--admin", help="your Zalo user id, the bot's admin (asked for when not given)")
    p.add_argument("--zca", default="zca", help="the zca executable (default: zca on PATH)")
    p.add_argument("--force", action="store_true", help="overwrite an existing config.py")

