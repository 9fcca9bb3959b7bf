"""Help texts and usage errors reduced to their interface facts, for the record and its comparisons.

A commander help text is a ``Usage:`` line, an optional description, then sections
(``Arguments:``, ``Options:``, ``Commands:``) of entries: a term, two spaces or more, and a
description that may wrap onto lines indented past the terms. Only facts are kept: the usage
line, every entry's term (an option's flags and value placeholder, a command's
``name|alias [options] <args>``), the default commander appends to a description, and whether
the text names the mention syntax the capability probe looks for. Descriptions are dropped, so
neither the record nor the comparisons hold another project's prose, and a renamed or dropped
option or command still shows.
"""

from __future__ import annotations

import re
from typing import Any

from errbot_zalouser.transport.capabilities import names_mentions

SECTIONS = {"Arguments:": "arguments", "Options:": "options", "Commands:": "commands"}
ENTRY_INDENT = 2  # commander's indent of an entry's term; wrapped descriptions stand further right
# commander appends `(default: <JSON value>)` to the description of an option with a default
_DEFAULT = re.compile(r'\(default: ("[^"]*"|\[[^\]]*\]|-?\d+(?:\.\d+)?|true|false)\)$')


def help_facts(text: str) -> dict[str, Any]:
    """The facts of one help text (see the module docstring)."""
    facts: dict[str, Any] = {"usage": "", **{key: [] for key in SECTIONS.values()},
                             "mentions": names_mentions(text)}
    entries: list[list[str]] | None = None  # [term, description words...] of the current section
    for line in text.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if not stripped:
            entries = None  # a blank line ends a section
        elif stripped.startswith("Usage:") and not facts["usage"]:
            facts["usage"] = stripped
        elif stripped in SECTIONS:
            entries = facts[SECTIONS[stripped]] = []
        elif entries is None:
            continue  # the command's description
        elif indent == ENTRY_INDENT:
            entries.append(re.split(r"\s{2,}", stripped, maxsplit=1))
        elif entries:
            entries[-1].append(stripped)  # a wrapped description
    for key in SECTIONS.values():
        facts[key] = [_term_with_default(entry) for entry in facts[key]]
    return facts


def _term_with_default(entry: list[str]) -> str:
    term, *description = entry
    found = _DEFAULT.search(" ".join(description))
    return f"{term} (default: {found.group(1)})" if found else term


def usage_error_facts(stderr: str) -> dict[str, Any]:
    """A usage error's stderr: its lines before the help, verbatim (commander's error line, a
    ``(Did you mean ...?)`` line, the blank line), and the help that follows, as ``help_facts``."""
    lines = stderr.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Usage:")), len(lines))
    return {"errors": lines[:start], "help": help_facts("\n".join(lines[start:])) if start < len(lines) else None}
