"""argv building: options before `--`, user text after it, so nothing a user types is an option."""

from __future__ import annotations

import pytest

from errbot_zalouser.transport.argv import build_args, option

TID = "4830021983762145322"


@pytest.mark.parametrize(
    ("profile", "command", "positionals", "options", "expected"),
    [
        ("default", ["auth", "status"], (), (), ["--profile", "default", "auth", "status"]),
        (None, ["--version"], (), (), ["--version"]),
        ("work", ["me", "info"], (), ["-j"], ["--profile", "work", "me", "info", "-j"]),
        (
            "default",
            ["msg", "send"],
            [TID, "hello"],
            ["-g"],
            ["--profile", "default", "msg", "send", "-g", "--", TID, "hello"],
        ),
        (
            "default",
            ["group", "members"],
            ["6918273645501928374"],
            ["-j"],
            ["--profile", "default", "group", "members", "-j", "--", "6918273645501928374"],
        ),
    ],
)
def test_layout(profile, command, positionals, options, expected):
    assert build_args(profile, command, positionals, options) == expected


@pytest.mark.parametrize(
    "text",
    ["--help", "-g", "--profile x", "-h", "--", "-", "-V", "--json", "-j -g", "--message=hi", "  -g", "-1"],
)
def test_option_like_text_is_a_positional_after_dashdash(text):
    args = build_args("default", ["msg", "send"], [TID, text])
    assert args[-3:] == ["--", TID, text]
    assert args.index("--") == len(args) - 3


@pytest.mark.parametrize("value", ["--help", "-g", "a=b=c", "", "line1\nline2", "--profile x"])
def test_option_values_stay_in_one_word(value):
    word = option("message", value)
    assert word == f"--message={value}"
    args = build_args("default", ["msg", "image"], [TID], [option("url", "https://x.invalid/a.png"), word])
    assert args == ["--profile", "default", "msg", "image", "--url=https://x.invalid/a.png", word, "--", TID]


@pytest.mark.parametrize(
    ("profile", "command", "options"),
    [
        ("", ["auth", "status"], ()),
        ("-x", ["auth", "status"], ()),
        ("default", [], ()),
        ("default", ["msg", "send"], ["not-an-option"]),
        ("default", ["msg", "send"], ["--"]),
    ],
)
def test_rejects_malformed_input(profile, command, options):
    with pytest.raises(ValueError):
        build_args(profile, command, (), options)


def test_rejects_a_bare_string_instead_of_a_sequence():
    with pytest.raises(TypeError):
        build_args("default", "auth status")  # type: ignore[arg-type]  # the wrong type on purpose


@pytest.mark.parametrize("name", ["", "-url", "a=b"])
def test_option_rejects_bad_names(name):
    with pytest.raises(ValueError):
        option(name, "v")
