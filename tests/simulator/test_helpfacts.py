"""helpfacts: a help text reduced to its facts, whatever its wording and wrapping."""

from __future__ import annotations

import pytest

from errbot_zalouser.simulator import spec, surface
from errbot_zalouser.simulator.cliparse import CliExit
from tests.simulator.helpfacts import help_facts, usage_error_facts

HELP = """Usage: prog thing [options] <id>

A description that mentions --ghost and
  an indented line.

Arguments:
  id                     Which one

Options:
  -u, --url <url>        A URL, given once per value (default:
                         [])
  -n, --count <count>    How many (default: "20")
  --beat <ms>            Period (default: 30000, 0 turns it off)
  --level <n>            Level (default: 3)
  -h, --help             Show this help

Commands:
  go|g [options] <where>  Goes somewhere, a long text that wraps onto a
                          second line: not-a-command here
  help [command]          Show the help of a command
"""


def test_terms_defaults_and_usage_are_kept_and_prose_dropped() -> None:
    assert help_facts(HELP) == {
        "usage": "Usage: prog thing [options] <id>",
        "arguments": ["id"],
        "options": ["-u, --url <url> (default: [])", '-n, --count <count> (default: "20")', "--beat <ms>",
                    "--level <n> (default: 3)", "-h, --help"],
        "commands": ["go|g [options] <where>", "help [command]"],
        "mentions": False,
    }


@pytest.mark.parametrize(("text", "mentions"), [
    ("Usage: p\n\nIn a group, @Name or @userId mentions a member.\n", True),
    ("Usage: p\n\nNo mentions here.\n", False),
])
def test_the_mention_fact_is_the_probes(text: str, mentions: bool) -> None:
    assert help_facts(text)["mentions"] is mentions


def test_wording_does_not_matter_but_a_renamed_option_does() -> None:
    reworded = HELP.replace("Which one", "The id").replace("How many", "Count of things")
    assert help_facts(reworded) == help_facts(HELP)
    assert help_facts(HELP.replace("--level <n>", "--levels <n>")) != help_facts(HELP)


def test_a_usage_error_keeps_its_lines_and_the_helps_facts() -> None:
    stderr = "error: unknown option '--rw'\n(Did you mean --raw?)\n\n" + HELP
    assert usage_error_facts(stderr) == {"errors": ["error: unknown option '--rw'", "(Did you mean --raw?)", ""],
                                         "help": help_facts(HELP)}
    assert usage_error_facts(HELP) == {"errors": [], "help": help_facts(HELP)}
    assert usage_error_facts("error: unknown command 'x'\n") == {"errors": ["error: unknown command 'x'"],
                                                                  "help": None}


@pytest.mark.parametrize("which", [surface.OPENZCA, surface.LEGACY])
def test_every_simulated_help_has_a_usage_and_options(which: str) -> None:
    for words in spec.leaf_commands(spec.program(which)):
        with pytest.raises(CliExit) as info:
            spec.parser(which).parse([*words, "--help"])
        facts = help_facts(info.value.stdout)
        assert facts["usage"].startswith(f"Usage: {spec.program(which).name} {words[0]}")
        assert "-h, --help" in facts["options"] and facts["commands"] == []
