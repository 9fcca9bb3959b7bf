"""A small command-line parser that behaves like Node's `commander`, which the real `zca` uses.

What it reproduces (the parts consumers rely on):

* Each level of the command tree parses the arguments it was handed: options it knows are
  taken wherever they appear; from the first option it does not know, everything is passed
  down to the subcommand. So options work before or after positionals, and program options
  (``-p/--profile``, ``-V/--version``) are recognised anywhere.
* ``--long=value``, ``-xVALUE`` and combined short flags (``-gj``); a value option takes the
  next argument even if it starts with ``-``; ``<value...>`` options are variadic.
* ``--`` ends option parsing: everything after it is positional.
* ``-h/--help`` anywhere before ``--`` prints help on stdout and exits 0, doing nothing else.
* Usage errors go to stderr, exit 1: unknown option/command, missing or excess arguments.

Parsing ends either with a :class:`Parsed` value or by raising :class:`CliExit`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from errbot_zalouser.simulator import texts

_FLAGS_RE = re.compile(r"^(?:(-\w),\s*)?(--[\w-]+)(?:\s+([<\[])([\w.-]+?)(\.\.\.)?[>\]])?$")
_LONG_VALUE_RE = re.compile(r"^--[^=]+=")


class CliExit(Exception):
    """Parsing decided the outcome: print ``stdout``/``stderr`` and exit with ``code``."""

    def __init__(self, code: int, stdout: str = "", stderr: str = "", words: Sequence[str] = ()) -> None:
        super().__init__(stderr or stdout)
        self.code = code
        self.stdout = stdout
        self.stderr = stderr
        self.words = tuple(words)


class Option:
    """One option, declared commander-style: ``"-u, --url <url...>"``. Immutable."""

    __slots__ = ("flags", "help", "version", "short", "long", "takes_value", "variadic")

    def __init__(self, flags: str, help: str = "", *, version: bool = False) -> None:
        match = _FLAGS_RE.match(flags)
        if match is None:
            raise ValueError(f"bad option flags: {flags!r}")
        self.flags = flags
        self.help = help
        self.version = version  # prints the program version and exits when seen
        self.short: str | None = match.group(1)
        self.long: str = match.group(2)
        self.takes_value = match.group(3) is not None
        self.variadic = match.group(5) is not None

    def __repr__(self) -> str:
        return f"Option({self.flags!r})"

    @property
    def key(self) -> str:
        """camelCase attribute name, as commander names it: ``--qr-base64`` -> ``qrBase64``."""
        head, *rest = self.long[2:].split("-")
        return head + "".join(part[:1].upper() + part[1:] for part in rest)

    def is_named(self, arg: str) -> bool:
        return arg in (self.short, self.long)


class Argument(NamedTuple):
    """A positional argument: ``"<threadId>"`` (required) or ``"[file]"`` (optional)."""

    spec: str
    help: str = ""

    @property
    def name(self) -> str:
        return self.spec.strip("<>[]")

    @property
    def required(self) -> bool:
        return self.spec.startswith("<")


class Command(NamedTuple):
    """A node of the command tree; a leaf when it has no subcommands."""

    name: str
    summary: str = ""
    arguments: tuple[Argument, ...] = ()
    options: tuple[Option, ...] = ()
    commands: tuple[Command, ...] = ()
    aliases: tuple[str, ...] = ()

    def find(self, name: str) -> Command | None:
        """The subcommand called ``name`` (or one of its aliases)."""
        for command in self.commands:
            if name == command.name or name in command.aliases:
                return command
        return None

    def find_option(self, arg: str) -> Option | None:
        for option in self.options:
            if option.is_named(arg):
                return option
        return None


class Parsed(NamedTuple):
    """A successfully parsed invocation of a leaf command."""

    words: tuple[str, ...]
    args: dict[str, str | None]
    opts: dict[str, Any]


class Parser:
    """Parses argv against a program tree (the root :class:`Command`)."""

    def __init__(self, program: Command, version: str) -> None:
        self.program = program
        self.version = version

    def parse(self, argv: Sequence[str]) -> Parsed:
        """Parse ``argv`` (without the executable). Raises CliExit for help, version, errors."""
        return self._command(self.program, (), [], list(argv), {})

    # --- one level ---------------------------------------------------------------------------

    def _command(
        self, cmd: Command, path: tuple[str, ...], operands: list[str], rest: list[str], values: dict[str, Any]
    ) -> Parsed:
        more, unknown = self._options(cmd, path, rest, values)
        operands = operands + more
        if cmd.commands:
            return self._group(cmd, path, operands, unknown, values)
        return self._leaf(cmd, path, operands, unknown, values)

    def _group(
        self, cmd: Command, path: tuple[str, ...], operands: list[str], unknown: list[str], values: dict[str, Any]
    ) -> Parsed:
        if operands:
            sub = cmd.find(operands[0])
            if sub is not None:
                return self._command(sub, path + (sub.name,), operands[1:], unknown, values)
            if operands[0] == "help":
                self._help_command(cmd, path, operands[1:2])
        if not operands and not unknown:
            raise CliExit(1, stderr=self.help_text(cmd, path), words=path)
        self._help_if_requested(cmd, path, unknown)
        if operands:
            raise CliExit(1, stderr=texts.UNKNOWN_COMMAND.format(command=operands[0]) + "\n", words=path)
        _reject_unknown(unknown, path)
        raise CliExit(1, stderr=self.help_text(cmd, path), words=path)

    def _leaf(
        self, cmd: Command, path: tuple[str, ...], operands: list[str], unknown: list[str], values: dict[str, Any]
    ) -> Parsed:
        self._help_if_requested(cmd, path, unknown)
        _reject_unknown(unknown, path)
        return Parsed(path, _bind_arguments(cmd, path, operands), values)

    def _help_command(self, cmd: Command, path: tuple[str, ...], names: list[str]) -> None:
        if not names:
            raise CliExit(0, stdout=self.help_text(cmd, path), words=path)
        sub = cmd.find(names[0])
        if sub is None:
            raise CliExit(1, stderr=texts.UNKNOWN_COMMAND.format(command=names[0]) + "\n", words=path)
        raise CliExit(0, stdout=self.help_text(sub, path + (sub.name,)), words=path + (sub.name,))

    def _help_if_requested(self, cmd: Command, path: tuple[str, ...], unknown: list[str]) -> None:
        if any(arg in ("-h", "--help") for arg in unknown):
            raise CliExit(0, stdout=self.help_text(cmd, path), words=path)

    # --- options (commander's parseOptions) --------------------------------------------------

    def _options(
        self, cmd: Command, path: tuple[str, ...], args: list[str], values: dict[str, Any]
    ) -> tuple[list[str], list[str]]:
        operands: list[str] = []
        unknown: list[str] = []
        dest = operands
        variadic: Option | None = None
        while args:
            arg = args.pop(0)
            if arg == "--":
                if dest is unknown:
                    dest.append(arg)
                dest.extend(args)
                break
            if variadic is not None and not _maybe_option(arg):
                self._set(variadic, arg, values)
                continue
            variadic = None
            option = cmd.find_option(arg) if _maybe_option(arg) else None
            if option is not None:
                value = self._take_value(option, args, path) if option.takes_value else True
                self._set(option, value, values)
                variadic = option if option.variadic else None
                continue
            if self._short_combo(cmd, arg, args, values):
                continue
            if self._long_with_value(cmd, arg, values):
                continue
            if _maybe_option(arg):
                dest = unknown
            dest.append(arg)
        return operands, unknown

    def _short_combo(self, cmd: Command, arg: str, args: list[str], values: dict[str, Any]) -> bool:
        """``-uVALUE`` or ``-gj``: the first letter is a known short option."""
        if not (len(arg) > 2 and arg[0] == "-" and arg[1] != "-"):
            return False
        option = cmd.find_option(arg[:2])
        if option is None:
            return False
        if option.takes_value:
            self._set(option, arg[2:], values)
        else:
            self._set(option, True, values)
            args.insert(0, "-" + arg[2:])
        return True

    def _long_with_value(self, cmd: Command, arg: str, values: dict[str, Any]) -> bool:
        """``--name=value`` for a known option that takes a value."""
        if not _LONG_VALUE_RE.match(arg):
            return False
        name, _, value = arg.partition("=")
        option = cmd.find_option(name)
        if option is None or not option.takes_value:
            return False
        self._set(option, value, values)
        return True

    def _take_value(self, option: Option, args: list[str], path: tuple[str, ...]) -> str:
        if not args:
            message = texts.OPTION_ARGUMENT_MISSING.format(flags=option.flags)
            raise CliExit(1, stderr=message + "\n", words=path)
        return args.pop(0)

    def _set(self, option: Option, value: Any, values: dict[str, Any]) -> None:
        if option.version:
            raise CliExit(0, stdout=self.version + "\n", words=("--version",))
        if option.variadic:
            values.setdefault(option.key, []).append(value)
        else:
            values[option.key] = value

    # --- help --------------------------------------------------------------------------------

    def help_text(self, cmd: Command, path: tuple[str, ...]) -> str:
        """Commander-like help for one command."""
        usage = " ".join([texts.PROGRAM, *path, "[options]"] + _usage_tail(cmd))
        lines = [f"Usage: {usage}", ""]
        if cmd.summary:
            lines += [cmd.summary, ""]
        if any(a.help for a in cmd.arguments):
            lines += ["Arguments:", *_columns([(a.name, a.help) for a in cmd.arguments]), ""]
        options = [(o.flags, o.help) for o in cmd.options] + [("-h, --help", texts.HELP_OPTION)]
        lines += ["Options:", *_columns(options)]
        if cmd.commands:
            rows = [(_command_term(c), c.summary) for c in cmd.commands]
            rows.append(("help [command]", texts.HELP_OPTION))
            lines += ["", "Commands:", *_columns(rows)]
        return "\n".join(lines) + "\n"


def _maybe_option(arg: str) -> bool:
    return len(arg) > 1 and arg[0] == "-"


def _reject_unknown(unknown: list[str], path: tuple[str, ...]) -> None:
    if unknown:
        raise CliExit(1, stderr=texts.UNKNOWN_OPTION.format(option=unknown[0]) + "\n", words=path)


def _bind_arguments(cmd: Command, path: tuple[str, ...], operands: list[str]) -> dict[str, str | None]:
    bound: dict[str, str | None] = {}
    for index, argument in enumerate(cmd.arguments):
        if index < len(operands):
            bound[argument.name] = operands[index]
        elif argument.required:
            message = texts.MISSING_ARGUMENT.format(name=argument.name)
            raise CliExit(1, stderr=message + "\n", words=path)
        else:
            bound[argument.name] = None
    if len(operands) > len(cmd.arguments):
        expected = len(cmd.arguments)
        message = texts.TOO_MANY_ARGUMENTS.format(
            command=cmd.name, expected=expected, s="" if expected == 1 else "s", got=len(operands)
        )
        raise CliExit(1, stderr=message + "\n", words=path)
    return bound


def _usage_tail(cmd: Command) -> list[str]:
    if cmd.commands:
        return ["[command]"]
    return [a.spec for a in cmd.arguments]


def _command_term(cmd: Command) -> str:
    name = "|".join((cmd.name, *cmd.aliases))
    parts = [name] + (["[options]"] if cmd.options else []) + _usage_tail(cmd)
    return " ".join(parts)


def _columns(rows: list[tuple[str, str]]) -> list[str]:
    width = max(len(term) for term, _ in rows)
    return [f"  {term.ljust(width)}  {text}".rstrip() for term, text in rows]
