"""The operator commands: ``pairing list|approve|deny`` and ``allowlist show|add|remove``.

They do what ``!pair`` and ``!allowlist`` do, through the same service code (``AccessControl``)
on the same stores, and print the same answers (``errbot_zalouser.answers``, as the readable
plain text a chat without styles shows). The stores lock each update against other processes, so
this is safe while the bot runs. The notice an approved user gets is sent from here with a
one-shot `zca msg send` (also for an account on the zca-js engine), through an outbox whose
journal is a temporary folder of this command (never the bot's journal).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from errbot_zalouser.answers import allowlist, pairing
from errbot_zalouser.cli import configfile
from errbot_zalouser.cli.common import AddCommand
from errbot_zalouser.errors import PolicyError
from errbot_zalouser.richtext.markdown import from_markdown
from errbot_zalouser.richtext.plain import plain_form
from errbot_zalouser.service.preflight import StartupError
from errbot_zalouser.service.service import ZalouserService

log = logging.getLogger(__name__)

CLI = "python -m errbot_zalouser"
NOTICE_WAIT = 60.0  # seconds to wait for an approval notice to go out


@dataclass
class Operator:
    service: ZalouserService
    actor: str
    render: Callable[[str], str]

    def say(self, answer: str) -> None:
        print(self.render(answer))


@contextmanager
def operator(args: argparse.Namespace, *, resolve_names: bool = False) -> Iterator[Operator]:
    """The service on the bot's stores, an outbox of its own; unsent notices are reported at the end."""
    config = configfile.load(args.config)
    if config.path is None:
        print(f"note: no {configfile.DEFAULT}; using the stores in {config.data_dir}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="zalouser-cli-outbox-") as journal:
        # engines=False: an account on the zca-js engine is reached here through `zca` too, since
        # the bot's engine holds the account's one Zalo session (`msg send` works beside it).
        service = ZalouserService.from_bot_config(config.module, exclusive=False, journal_dir=Path(journal),
                                                  engines=False)
        try:
            service.learn_zca()  # the notices go out in the form this zca reads
        except StartupError as exc:
            print(f"note: {exc}; notices cannot be sent", file=sys.stderr)
        if resolve_names:
            for rt in service.accounts.enabled:
                rt.resolve_names()
        service.outbox.start()
        try:
            yield Operator(service, f"shell:{getpass.getuser()}", _plain_text)
        finally:
            _finish_sending(service)


def _plain_text(markdown: str) -> str:
    """An answer (Markdown) as readable plain text for the terminal."""
    return plain_form(from_markdown(markdown)).text


def _finish_sending(service: ZalouserService) -> None:
    if not service.outbox.drain(NOTICE_WAIT):
        print(f"warning: a notice was still being sent after {NOTICE_WAIT:g}s and is dropped", file=sys.stderr)
    service.outbox.stop(timeout=2.0)
    for account in service.account_ids():
        stats = service.outbox.stats(account)
        if stats.failed:
            print(f"warning: the notice could not be sent ({stats.last_error}); the change itself stands",
                  file=sys.stderr)


def refusals(handler: Callable[[argparse.Namespace], None]) -> Callable[[argparse.Namespace], int]:
    """A refusal (unknown code, ambiguous name...) is the chat's sentence on stderr and exit code 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            handler(args)
        except PolicyError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        return 0

    return run


@refusals
def pairing_list(args: argparse.Namespace) -> None:
    with operator(args) as op:
        op.say(pairing.list_requests(op.service, args.account, now=time.time(),
                                     approve_with=f"{CLI} pairing approve", deny_with=f"{CLI} pairing deny",
                                     admit_with=f"{CLI} allowlist add"))


@refusals
def pairing_approve(args: argparse.Namespace) -> None:
    with operator(args) as op:
        op.say(pairing.approve(op.service, args.code, account=args.account, approver=op.actor))


@refusals
def pairing_deny(args: argparse.Namespace) -> None:
    with operator(args) as op:
        op.say(pairing.deny(op.service, args.code, account=args.account))


@refusals
def allowlist_show(args: argparse.Namespace) -> None:
    with operator(args, resolve_names=True) as op:
        op.say(allowlist.show(op.service, args.account))


@refusals
def allowlist_add(args: argparse.Namespace) -> None:
    who = " ".join(args.who)
    with operator(args, resolve_names=True) as op:
        if args.group:
            op.say(allowlist.add_group(op.service, who, account=args.account, by=op.actor))
        else:
            op.say(allowlist.add_user(op.service, who, account=args.account, by=op.actor))


@refusals
def allowlist_remove(args: argparse.Namespace) -> None:
    who = " ".join(args.who)
    with operator(args, resolve_names=True) as op:
        if args.group:
            op.say(allowlist.remove_group(op.service, who, account=args.account))
        else:
            op.say(allowlist.remove_user(op.service, who, account=args.account))


def add_parsers(command: AddCommand) -> None:
    account_help = "the account (default: the default account; for codes: any account)"
    p = command("pairing", _usage, "pending pairing requests: list, approve, deny (what !pair does in chat)")
    actions = p.add_subparsers(metavar="action")
    _action(actions, "list", pairing_list, "list pending requests with their codes", account_help)
    for name, handler, text in (("approve", pairing_approve, "approve a request by its code; the user is told"),
                                ("deny", pairing_deny, "refuse a request; its code stops working")):
        _action(actions, name, handler, text, account_help).add_argument("code", help="the pairing code (any case)")
    p = command("allowlist", _usage, "the DM and group allowlists: show, add, remove (what !allowlist does in chat)")
    actions = p.add_subparsers(metavar="action")
    _action(actions, "show", allowlist_show, "show the effective allowlists and where each entry comes from",
            account_help)
    for name, handler, text in (("add", allowlist_add, "allow a user (or with --group a group), by id or name"),
                                ("remove", allowlist_remove, "remove a user (or with --group a group) added "
                                                             "by pairing, chat or import")):
        a = _action(actions, name, handler, text, account_help)
        a.add_argument("--group", action="store_true", help="a group (id, group:<id> or exact name), not a user")
        a.add_argument("who", nargs="+", help="a Zalo id or an exact name (names are looked up with zca)")


def _action(actions: argparse._SubParsersAction[argparse.ArgumentParser], name: str, handler: Callable[[argparse.Namespace], int],
            text: str, account_help: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = actions.add_parser(name, help=text, description=text)
    p.set_defaults(handler=handler)
    p.add_argument("--account", default=None, help=account_help)
    p.add_argument("-c", "--config", default=argparse.SUPPRESS, help="errbot config file (default: ./config.py)")
    return p


def _usage(args: argparse.Namespace) -> int:
    args.parser.print_help()
    return 2
