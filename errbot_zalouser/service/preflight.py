"""The start-up check: what the `zca` binary supports, and whether each account is logged in.

``learn_zca`` probes the binary (``transport.capabilities.probe``: once per binary and version)
and gives every account's client the answer; ``check_account`` runs `auth status` and `me info`
for one account and learns its own user. Both raise ``StartupError``, one line that says what to
run, when the bot cannot start.
"""

from __future__ import annotations

import logging

from errbot_zalouser.errors import EngineNotInstalled, ZalouserError, ZcaError, ZcaNotAuthenticated, ZcaNotFound
from errbot_zalouser.service.account import AccountRuntime, Accounts
from errbot_zalouser.transport import capabilities as zca_capabilities
from errbot_zalouser.transport.capabilities import Capabilities
from errbot_zalouser.transport.client import Runner, ZcaClient

log = logging.getLogger(__name__)


class StartupError(ZalouserError):
    """The bot cannot start; the message is one line that says what to run."""


def learn_zca(runner: Runner, zca: str, accounts: Accounts) -> Capabilities:
    """What the binary behind ``runner`` supports, given to every account's `zca` client (an
    engine account's client describes itself)."""
    try:
        found = zca_capabilities.probe(runner.run, getattr(runner, "executable", None))
    except ZcaNotFound as exc:
        raise zca_missing(zca) from exc
    log.info("zalouser: zca is %s", found.describe())
    for rt in accounts:
        if isinstance(rt.client, ZcaClient):
            rt.client.capabilities = found
    return found


def check_account(rt: AccountRuntime, zca: str) -> None:
    """The account is logged in; its own user is learnt (``rt.self_user``)."""
    try:
        if not rt.client.is_authenticated():
            raise ZcaNotAuthenticated("not logged in")
        rt.self_user = rt.client.me_info()
    except EngineNotInstalled as exc:  # Node.js or zca-js: the message names the fix
        raise StartupError(f"account {rt.account_id!r}: {exc}") from exc
    except ZcaNotFound as exc:
        raise zca_missing(zca) from exc
    except ZcaNotAuthenticated as exc:
        raise StartupError(
            f"Zalo profile {rt.config.profile!r} (account {rt.account_id!r}) is not logged in: "
            f"run `python -m errbot_zalouser login --account {rt.account_id}` and scan the QR code"
        ) from exc
    except ZcaError as exc:
        raise StartupError(f"account {rt.account_id!r}: {exc}") from exc
    log.info("zalouser account %s: profile %s, logged in as %s (%s) through %s", rt.account_id,
             rt.config.profile, rt.self_user.name, rt.self_user.user_id, rt.client.capabilities.kind)


def zca_missing(zca: str) -> StartupError:
    return StartupError(f"zca executable {zca!r} not found: install zca-cli or openzca (npm i -g openzca), "
                        f"or set ZALOUSER_ZCA in config.py to its path")
