"""Helpers shared by the companion plugins (imported as ``errbot_zalouser.plugins.support``).

- :func:`zalouser_command` wraps a command body: it checks that the Zalouser backend is present,
  that the sender is a bot admin, parses ``--account``/``--limit``/flags, and turns refusals and
  `zca` and store failures into one-line replies.
- :func:`table`, :func:`md_escape`, :func:`duration` and :func:`ago` format plain-text output
  (they live in ``errbot_zalouser.answers.text``, shared with the operator CLI, and are
  re-exported here). Replies are Markdown (errbot renders them to plain text), so
  user-controlled text is escaped.

No BotPlugin subclass lives here: errbot would count it as a second plugin in every module that
imports it.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from errbot_zalouser.answers.text import ago, duration, md_escape, one_line, table, width
from errbot_zalouser.errors import PolicyError, StoreError, ZcaError
from errbot_zalouser.service.api import ZalouserApi

log = logging.getLogger(__name__)

NEEDS_BACKEND = "This command needs the Zalouser backend."
MAX_LIMIT = 500
_ZCA_PREFIX = re.compile(r"^zca\s+", re.IGNORECASE)
_VALUE_OPTIONS = {"account": "A", "limit": "N"}

__all__ = ["MAX_LIMIT", "NEEDS_BACKEND", "Call", "UsageError", "ago", "check_arity", "duration", "is_bot_admin",
           "md_escape", "one_line", "parse_args", "parse_limit", "split_words", "table", "width",
           "zalouser_api", "zalouser_command", "zca_failed"]


class UsageError(Exception):
    """The arguments do not fit the command; the reply is the usage line."""


@dataclass
class Call:
    """What a command body receives: the service, parsed arguments and the sender."""

    api: ZalouserApi
    words: list[str]
    account: str | None
    actor: str
    flags: set[str] = field(default_factory=set)
    limit: int | None = None

    @property
    def text(self) -> str:
        """The positional arguments joined by spaces (a name may contain spaces)."""
        return " ".join(self.words)


# --- argument parsing ---------------------------------------------------------------------------


def split_words(raw: str) -> list[str]:
    """Shell-like split (quotes group words); falls back to whitespace for unbalanced quotes."""
    try:
        return shlex.split(raw)
    except ValueError:
        return raw.split()


def parse_args(raw: str, *, flags: Iterable[str] = (), options: Iterable[str] = ()) -> tuple[list[str], dict[str, Any]]:
    """Split ``raw`` into positional words and ``--options``. Raises UsageError on unknown ones.

    ``--name value`` and ``--name=value`` both work; ``--`` ends the options.
    """
    known_flags, known_options = set(flags), set(options)
    words: list[str] = []
    parsed: dict[str, Any] = {}
    tokens = iter(split_words(raw or ""))
    for token in tokens:
        if token == "--":
            words.extend(tokens)
            break
        if not token.startswith("--") or len(token) == 2:
            words.append(token)
            continue
        name, has_value, value = token[2:].partition("=")
        if name in known_flags and not has_value:
            parsed[name] = True
        elif name in known_options:
            parsed[name] = value if has_value else next(tokens, None)
            if not parsed[name]:
                raise UsageError(f"--{name} needs a value")
        else:
            raise UsageError(f"unknown option {token}")
    return words, parsed


def parse_limit(value: Any) -> int | None:
    """A ``--limit`` value: a whole number from 1 to MAX_LIMIT. None when not given."""
    if value is None:
        return None
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise UsageError(f"--limit must be a number, not {value!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}")
    return limit


def check_arity(words: Sequence[str], arity: str) -> None:
    """arity: none | one | text (one or more words) | optional (any number)."""
    if arity == "none" and words:
        raise UsageError("this command takes no arguments")
    if arity in ("one", "text") and not words:
        raise UsageError("an argument is missing")
    if arity == "one" and len(words) > 1:
        raise UsageError("only one argument is expected")


# --- access -------------------------------------------------------------------------------------


def is_bot_admin(bot_config: Any, sender: Any) -> bool:
    """True when the sender's ``aclattr`` matches a BOT_ADMINS glob (case-sensitive, like ACLs)."""
    admins = getattr(bot_config, "BOT_ADMINS", ()) or ()
    if isinstance(admins, str):
        admins = (admins,)
    attr = getattr(sender, "aclattr", None) or getattr(sender, "person", None) or str(sender)
    return any(fnmatchcase(str(attr), str(pattern)) for pattern in admins)


def zalouser_api(plugin: Any) -> ZalouserApi | None:
    """The backend's ZalouserApi, or None on another backend."""
    api: ZalouserApi | None = getattr(plugin._bot, "zalouser", None)
    return api


# --- the command wrapper ------------------------------------------------------------------------


def zalouser_command(
    usage: str,
    *,
    arity: str = "none",
    flags: Iterable[str] = (),
    limit: bool = False,
    admin: bool = True,
) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Wrap ``body(self, msg, call) -> str`` as an errbot command body ``(self, msg, args)``.

    ``usage`` is the syntax after the prefix, e.g. ``"pair approve <code> [--account A]"``.
    Put ``@botcmd`` above this decorator; the docstring of ``body`` is the help text.
    """
    spec = _Spec(usage, arity, frozenset(flags), limit, admin)

    def decorate(body: Callable[..., str]) -> Callable[..., str]:
        @functools.wraps(body)
        def command(self: Any, msg: Any, args: str) -> str:
            return _run(self, msg, args, body, spec)

        # errbot's help dedents the whole docstring, which fails when line 1 is not indented.
        command.__doc__ = inspect.cleandoc(body.__doc__ or "")
        return command

    return decorate


@dataclass(frozen=True)
class _Spec:
    usage: str
    arity: str
    flags: frozenset[str]
    limit: bool
    admin: bool


def _run(plugin: Any, msg: Any, args: str, body: Callable[..., str], spec: _Spec) -> str:
    prefix = getattr(plugin.bot_config, "BOT_PREFIX", "!")
    api = zalouser_api(plugin)
    if api is None:
        return NEEDS_BACKEND
    if spec.admin and not is_bot_admin(plugin.bot_config, msg.frm):
        return f"Only bot admins can use {prefix}{_command_words(spec.usage)}."
    try:
        call = _make_call(api, msg, args, spec)
        return body(plugin, msg, call)
    except UsageError as exc:
        return f"Usage: {prefix}{spec.usage} ({exc})"
    except PolicyError as exc:
        return md_escape(str(exc))
    except ZcaError as exc:
        return zca_failed(exc)
    except StoreError as exc:
        log.warning("%s%s: store failed: %s", prefix, _command_words(spec.usage), exc)
        return f"Nothing was saved: {md_escape(one_line(str(exc), 300))}"
    except Exception:  # a command must answer, and never echo internals
        log.exception("%s%s failed", prefix, _command_words(spec.usage))
        return f"{prefix}{_command_words(spec.usage)} failed unexpectedly; see the bot log."


def _make_call(api: ZalouserApi, msg: Any, args: str, spec: _Spec) -> Call:
    options = ["account"] + (["limit"] if spec.limit else [])
    words, parsed = parse_args(args, flags=spec.flags, options=options)
    check_arity(words, spec.arity)
    account = parsed.get("account")
    if account is not None:
        _check_account(api, account)
    sender = msg.frm
    actor = str(getattr(sender, "aclattr", None) or sender)
    flags = {name for name in spec.flags if parsed.get(name)}
    return Call(api, words, account, actor, flags, parse_limit(parsed.get("limit")))


def _check_account(api: ZalouserApi, account: str) -> None:
    known = list(api.account_ids())
    if account not in known:
        raise PolicyError(f'Unknown account "{account}". Accounts: {", ".join(known) or "none"}.')


def _command_words(usage: str) -> str:
    """``pair approve`` from ``pair approve <code> [--account A]``."""
    words = usage.split()
    stop = next((i for i, w in enumerate(words) if w[:1] in "<[-"), len(words))
    return " ".join(words[:stop])


def zca_failed(exc: ZcaError) -> str:
    """A short one-line description of a `zca` failure."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    text = _ZCA_PREFIX.sub("", lines[0])
    if len(text) > 300:
        text = text[:297] + "..."
    return f"zca failed: {md_escape(text)}"
