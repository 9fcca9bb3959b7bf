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
  With :attr:`Dialect.help_after_error` (openzca 0.1.58 calls commander's ``showHelpAfterError``)
  a blank line and the help of the command in error follow; with :attr:`Dialect.suggestions`
  an unknown ``--option`` or command gets commander's ``(Did you mean ...?)`` line.
* Help is laid out as commander does: one term column for every section, descriptions wrapped
  at 80 columns (stdout is not a terminal) unless fewer than 40 columns are left for them.

Parsing ends either with a :class:`Parsed` value or by raising :class:`CliExit`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple, NoReturn

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
    """One option, declared commander-style: ``"-u, --url <url...>"``. Immutable.

    ``collect``: a value option that may be repeated, its values gathered in a list (commander's
    ``collectValues`` with a ``[]`` default, shown in help as ``(default: [])``).
    """

    __slots__ = ("collect", "flags", "help", "long", "short", "takes_value", "variadic", "version")

    def __init__(self, flags: str, help: str = "", *, version: bool = False, collect: bool = False) -> None:
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
        self.collect = collect and self.takes_value

    @property
    def description(self) -> str:
        """The text help shows, with commander's default-value note."""
        return f"{self.help} (default: [])" if self.collect else self.help

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


class Dialect(NamedTuple):
    """How a program reports usage errors (see the module docstring)."""

    help_after_error: bool = False
    suggestions: bool = False


class Parsed(NamedTuple):
    """A successfully parsed invocation of a leaf command."""

    words: tuple[str, ...]
    args: dict[str, str | None]
    opts: dict[str, Any]


Chain = tuple[Command, ...]  # the program, then each command down to the current one


class Parser:
    """Parses argv against a program tree (the root :class:`Command`)."""

    def __init__(self, program: Command, version: str, dialect: Dialect = Dialect()) -> None:
        self.program = program
        self.version = version
        self.dialect = dialect

    def parse(self, argv: Sequence[str]) -> Parsed:
        """Parse ``argv`` (without the executable). Raises CliExit for help, version, errors."""
        return self._command((self.program,), [], list(argv), {})

    # --- one level ---------------------------------------------------------------------------

    def _command(self, chain: Chain, operands: list[str], rest: list[str], values: dict[str, Any]) -> Parsed:
        more, unknown = self._options(chain, rest, values)
        operands = operands + more
        if chain[-1].commands:
            return self._group(chain, operands, unknown, values)
        return self._leaf(chain, operands, unknown, values)

    def _group(self, chain: Chain, operands: list[str], unknown: list[str], values: dict[str, Any]) -> Parsed:
        cmd = chain[-1]
        if operands:
            sub = cmd.find(operands[0])
            if sub is not None:
                return self._command((*chain, sub), operands[1:], unknown, values)
            if operands[0] == "help":
                self._help_command(chain, operands[1:2])
        if not operands and not unknown:
            raise CliExit(1, stderr=self.help_text(chain), words=_words(chain))
        self._help_if_requested(chain, unknown)
        if operands:
            self._error(chain, texts.UNKNOWN_COMMAND.format(command=operands[0]) + self._suggest_command(cmd, operands[0]))
        self._reject_unknown(chain, unknown)
        raise CliExit(1, stderr=self.help_text(chain), words=_words(chain))

    def _leaf(self, chain: Chain, operands: list[str], unknown: list[str], values: dict[str, Any]) -> Parsed:
        self._help_if_requested(chain, unknown)
        self._reject_unknown(chain, unknown)
        return Parsed(_words(chain), self._bind_arguments(chain, operands), values)

    def _help_command(self, chain: Chain, names: list[str]) -> None:
        if not names:
            raise CliExit(0, stdout=self.help_text(chain), words=_words(chain))
        sub = chain[-1].find(names[0])
        if sub is not None:
            raise CliExit(0, stdout=self.help_text((*chain, sub)), words=_words((*chain, sub)))
        if self.dialect.help_after_error:  # commander: the group's help, on stderr
            raise CliExit(1, stderr=self.help_text(chain), words=_words(chain))
        raise CliExit(1, stderr=texts.UNKNOWN_COMMAND.format(command=names[0]) + "\n", words=_words(chain))

    def _help_if_requested(self, chain: Chain, unknown: list[str]) -> None:
        if any(arg in ("-h", "--help") for arg in unknown):
            raise CliExit(0, stdout=self.help_text(chain), words=_words(chain))

    def _error(self, chain: Chain, message: str) -> NoReturn:
        stderr = message + "\n"
        if self.dialect.help_after_error:
            stderr += "\n" + self.help_text(chain)
        raise CliExit(1, stderr=stderr, words=_words(chain))

    def _reject_unknown(self, chain: Chain, unknown: list[str]) -> None:
        if unknown:
            flag = unknown[0]
            self._error(chain, texts.UNKNOWN_OPTION.format(option=flag) + self._suggest_option(chain, flag))

    def _suggest_option(self, chain: Chain, flag: str) -> str:
        if not (self.dialect.suggestions and flag.startswith("--")):
            return ""
        longs = [o.long for cmd in reversed(chain) for o in (*cmd.options, HELP)]
        return suggest_similar(flag, longs)

    def _suggest_command(self, cmd: Command, name: str) -> str:
        if not self.dialect.suggestions:
            return ""
        names = [n for c in cmd.commands for n in (c.name, *c.aliases[:1])] + ["help"]
        return suggest_similar(name, names)

    def _bind_arguments(self, chain: Chain, operands: list[str]) -> dict[str, str | None]:
        cmd = chain[-1]
        bound: dict[str, str | None] = {}
        for index, argument in enumerate(cmd.arguments):
            if index < len(operands):
                bound[argument.name] = operands[index]
            elif argument.required:
                self._error(chain, texts.MISSING_ARGUMENT.format(name=argument.name))
            else:
                bound[argument.name] = None
        if len(operands) > len(cmd.arguments):
            expected = len(cmd.arguments)
            self._error(chain, texts.TOO_MANY_ARGUMENTS.format(
                command=cmd.name, expected=expected, s="" if expected == 1 else "s", got=len(operands)
            ))
        return bound

    # --- options (commander's parseOptions) --------------------------------------------------

    def _options(self, chain: Chain, args: list[str], values: dict[str, Any]) -> tuple[list[str], list[str]]:
        cmd = chain[-1]
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
                value = self._take_value(chain, option, args) if option.takes_value else True
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

    def _take_value(self, chain: Chain, option: Option, args: list[str]) -> str:
        if not args:
            self._error(chain, texts.OPTION_ARGUMENT_MISSING.format(flags=option.flags))
        return args.pop(0)

    def _set(self, option: Option, value: Any, values: dict[str, Any]) -> None:
        if option.version:
            raise CliExit(0, stdout=self.version + "\n", words=("--version",))
        if option.variadic or option.collect:
            values.setdefault(option.key, []).append(value)
        else:
            values[option.key] = value

    # --- help (commander's formatHelp) --------------------------------------------------------

    def help_text(self, chain: Chain) -> str:
        """The help of the last command of ``chain``, laid out as commander lays it out."""
        cmd = chain[-1]
        names = [c.name for c in chain[:-1]] + ["|".join((cmd.name, *cmd.aliases[:1]))]
        usage = " ".join([*names, "[options]", *_usage_tail(cmd)])
        arguments = [(a.spec.strip("<>[]"), a.help) for a in cmd.arguments if a.help]
        options = [(o.flags, o.description) for o in (*cmd.options, HELP)]
        commands = [(_command_term(c), c.summary) for c in cmd.commands]
        if cmd.commands:
            commands.append(("help [command]", texts.HELP_COMMAND))
        width = max(len(term) for term, _ in arguments + options + commands)
        lines = [f"Usage: {usage}", ""]
        if cmd.summary:
            lines += [box_wrap(cmd.summary, HELP_WIDTH), ""]
        for heading, rows in (("Arguments:", arguments), ("Options:", options), ("Commands:", commands)):
            if rows:
                lines += [heading, *(_format_item(term, width, text) for term, text in rows), ""]
        return "\n".join(lines)


HELP = Option("-h, --help", texts.HELP_OPTION)
HELP_WIDTH = 80
_MIN_WRAP_WIDTH = 40
_CHUNK_RE = re.compile(r"\s*\S+")


def _words(chain: Chain) -> tuple[str, ...]:
    return tuple(c.name for c in chain[1:])


def _maybe_option(arg: str) -> bool:
    return len(arg) > 1 and arg[0] == "-"


def _usage_tail(cmd: Command) -> list[str]:
    if cmd.commands:
        return ["[command]"]
    return [a.spec for a in cmd.arguments]


def _command_term(cmd: Command) -> str:
    name = "|".join((cmd.name, *cmd.aliases[:1]))
    parts = [name] + (["[options]"] if cmd.options else []) + [a.spec for a in cmd.arguments]
    return " ".join(parts)


def _format_item(term: str, width: int, description: str) -> str:
    if not description:
        return "  " + term
    remaining = HELP_WIDTH - width - 4
    text = description if remaining < _MIN_WRAP_WIDTH else box_wrap(description, remaining)
    return "  " + term.ljust(width) + "  " + text.replace("\n", "\n" + " " * (width + 4))


def box_wrap(text: str, width: int) -> str:
    """Wrap at whitespace to ``width`` columns, keeping existing line breaks (commander's boxWrap)."""
    if width < _MIN_WRAP_WIDTH:
        return text
    wrapped: list[str] = []
    for raw in re.split(r"\r\n|\n", text):
        chunks = _CHUNK_RE.findall(raw)
        if not chunks:
            wrapped.append("")
            continue
        line = [chunks[0]]
        used = len(chunks[0])
        for chunk in chunks[1:]:
            if used + len(chunk) <= width:
                line.append(chunk)
                used += len(chunk)
                continue
            wrapped.append("".join(line))
            chunk = chunk.lstrip()
            line, used = [chunk], len(chunk)
        wrapped.append("".join(line))
    return "\n".join(wrapped)


# --- commander's "(Did you mean ...?)" ------------------------------------------------------------

_MAX_DISTANCE = 3


def suggest_similar(word: str, candidates: Sequence[str]) -> str:
    """The suggestion line commander appends to an unknown option or command ("" for none)."""
    unique = list(dict.fromkeys(candidates))
    options = word.startswith("--")
    if options:
        word = word[2:]
        unique = [c[2:] for c in unique]
    similar: list[str] = []
    best = _MAX_DISTANCE
    for candidate in unique:
        if len(candidate) <= 1:
            continue
        distance = _edit_distance(word, candidate)
        length = max(len(word), len(candidate))
        if (length - distance) / length > 0.4:
            if distance < best:
                best, similar = distance, [candidate]
            elif distance == best:
                similar.append(candidate)
    similar.sort()
    if options:
        similar = ["--" + c for c in similar]
    if len(similar) > 1:
        return f"\n(Did you mean one of {', '.join(similar)}?)"
    return f"\n(Did you mean {similar[0]}?)" if similar else ""


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (commander's editDistance)."""
    if abs(len(a) - len(b)) > _MAX_DISTANCE:
        return max(len(a), len(b))
    d = [[i] + [0] * len(b) for i in range(len(a) + 1)]
    d[0] = list(range(len(b) + 1))
    for j in range(1, len(b) + 1):
        for i in range(1, len(a) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]
