"""Build `zca` argument vectors that cannot be misread.

Layout: ``--profile P <command words> <options> -- <positionals>``.

- Options come before ``--``; positionals (thread ids, message text, queries, URLs)
  after it, so a message text such as ``--help``, ``-g`` or ``--profile x`` is sent
  literally instead of being parsed as an option.
- Option values that come from users are passed in one word, ``--name=value``
  (see :func:`option`), so a value starting with ``-`` stays a value.
"""

from __future__ import annotations

from collections.abc import Sequence


def option(name: str, value: str) -> str:
    """``--name=value`` as one argv word; safe for any user-supplied value."""
    if not name or name.startswith("-") or "=" in name:
        raise ValueError(f"bad option name {name!r}")
    return f"--{name}={value}"


def build_args(
    profile: str | None,
    command: Sequence[str],
    positionals: Sequence[str] = (),
    options: Sequence[str] = (),
) -> list[str]:
    """Return ``["--profile", profile, *command, *options, "--", *positionals]``.

    ``--profile`` is left out when ``profile`` is None, and ``--`` when there are no
    positionals. Every option must be one word starting with ``-`` (use
    :func:`option` for values). Raises ValueError for an empty or option-like
    profile, an empty command or a malformed option.
    """
    if isinstance(command, str) or isinstance(positionals, str) or isinstance(options, str):
        raise TypeError("command, positionals and options are sequences of strings, not strings")
    args: list[str] = []
    if profile is not None:
        if not profile or profile.startswith("-"):
            raise ValueError(f"invalid zca profile name {profile!r}")
        args += ["--profile", profile]
    if not command:
        raise ValueError("empty zca command")
    args += list(command)
    for opt in options:
        if not opt.startswith("-") or opt == "--":
            raise ValueError(f"not an option word: {opt!r}")
        args.append(opt)
    if positionals:
        args.append("--")
        args += [str(p) for p in positionals]
    return args
