"""The commander-style parser, in process: where options may go, `--`, help, usage errors.

Mostly on the legacy tree (its texts are the simulator's own); the mechanics shared with the
0.1.58 tree run on both. The 0.1.58 texts are checked against the real tool's in
test_conformance.py.
"""

from __future__ import annotations

import pytest

from errbot_zalouser.simulator import spec, surface, texts
from errbot_zalouser.simulator.cliparse import CliExit, Option, Parsed, suggest_similar


def parse(line: str | list[str], which: str = surface.LEGACY) -> Parsed:
    return spec.parser(which).parse(line.split() if isinstance(line, str) else line)


def parse_exit(line: str | list[str], which: str = surface.LEGACY) -> CliExit:
    with pytest.raises(CliExit) as info:
        parse(line, which)
    return info.value


SEND = {"threadId": "123", "message": "hi"}


@pytest.mark.parametrize(
    "line, args, opts",
    [
        ("msg send 123 hi", SEND, {}),
        ("msg send 123 hi -g", SEND, {"group": True}),
        ("msg send -g 123 hi", SEND, {"group": True}),
        ("msg send 123 -g hi", SEND, {"group": True}),
        ("msg send 123 hi --group", SEND, {"group": True}),
        ("--profile work msg send 123 hi", SEND, {"profile": "work"}),
        ("-p work msg send 123 hi -g", SEND, {"profile": "work", "group": True}),
        ("--profile=work msg send 123 hi", SEND, {"profile": "work"}),
        ("-pwork msg send 123 hi", SEND, {"profile": "work"}),
        ("msg send 123 hi --profile work", SEND, {"profile": "work"}),
        ("msg send -g -- 123 hi", SEND, {"group": True}),
        ("friend list -j", {}, {"json": True}),
        ("friend ls --json", {}, {"json": True}),
        ("group members 42 -j", {"groupId": "42"}, {"json": True}),
        ("group members -j 42", {"groupId": "42"}, {"json": True}),
        ("auth login --qr-base64", {}, {"qrBase64": True}),
        ("listen -r -k", {}, {"raw": True, "keepAlive": True}),
        ("listen -rk", {}, {"raw": True, "keepAlive": True}),
        ("msg typing 9 -g", {"threadId": "9"}, {"group": True}),
    ],
)
def test_options_are_accepted_anywhere(line: str, args: dict, opts: dict) -> None:
    for which in surface.SURFACES:
        if which == surface.OPENZCA and " ls " in f" {line} ":
            continue  # the `ls` alias of `friend list` is the legacy tree's only
        parsed = parse(line, which)
        assert {k: v for k, v in parsed.args.items() if v is not None} == args
        assert parsed.opts == opts


@pytest.mark.parametrize(
    "argv, text, group",
    [
        (["msg", "send", "--", "123", "--help"], "--help", False),
        (["msg", "send", "-g", "--", "123", "-g"], "-g", True),
        (["msg", "send", "--", "123", "-p"], "-p", False),
        (["msg", "send", "--", "123", "--"], "--", False),
        (["msg", "send", "123", "--", "-V"], "-V", False),
    ],
)
@pytest.mark.parametrize("which", surface.SURFACES)
def test_double_dash_ends_options(argv: list[str], text: str, group: bool, which: str) -> None:
    parsed = parse(argv, which)
    assert parsed.args == {"threadId": "123", "message": text}
    assert bool(parsed.opts.get("group")) is group


@pytest.mark.parametrize(
    "line, urls, caption",
    [
        ("msg image 1 -u http://a/x.png", ["http://a/x.png"], None),
        ("msg image 1 --url=http://a/x.png --message=hello", ["http://a/x.png"], "hello"),
        ("msg image 1 -uhttp://a/x.png -mhey", ["http://a/x.png"], "hey"),
        ("msg image 1 -u http://a http://b -g", ["http://a", "http://b"], None),
        ("msg image -u http://a -- 1", ["http://a"], None),
        ("msg video 1 -u http://v.mp4 -m -g", ["http://v.mp4"], "-g"),
    ],
)
def test_value_options(line: str, urls: list[str], caption: str | None) -> None:
    parsed = parse(line)
    assert parsed.opts["url"] == urls
    assert parsed.opts.get("message") == caption


@pytest.mark.parametrize(
    "line",
    [
        "--help",
        "-h",
        "msg --help",
        "msg send --help",
        "msg send 123 hi --help",
        "msg send -h 123 hi",
        "msg send 123 hi -g -h",
        "msg voice 1 -u x -m cap --help",
        "listen -r -k --help",
        "help",
        "help msg",
        "msg help send",
    ],
)
def test_help_anywhere_before_double_dash_prints_help_and_exits_0(line: str) -> None:
    result = parse_exit(line)
    assert result.code == 0
    assert result.stdout.startswith("Usage: zca")
    assert result.stderr == ""


@pytest.mark.parametrize("line", ["--version", "-V", "--profile x --version", "msg send 1 hi -V"])
def test_version_anywhere(line: str) -> None:
    result = parse_exit(line)
    assert (result.code, result.stdout) == (0, texts.VERSION + "\n")


@pytest.mark.parametrize(
    "argv, stderr",
    [
        ("msg voice 1 -u http://a.mp3 -m caption", "error: unknown option '-m'"),
        ("msg voice 1 -u http://a.mp3 --message=caption", "error: unknown option '--message=caption'"),
        ("msg send 1 hi -x", "error: unknown option '-x'"),
        ("msg send 1 hi --bogus", "error: unknown option '--bogus'"),
        ("msg send 1 hi -gx", "error: unknown option '-x'"),
        ("msg send 1 hi --group=yes", "error: unknown option '--group=yes'"),
        ("friend list -g", "error: unknown option '-g'"),
        ("-j friend list", "error: unknown option '-j'"),
        ("msg send 123", "error: missing required argument 'message'"),
        ("msg send", "error: missing required argument 'threadId'"),
        ("group members -j", "error: missing required argument 'groupId'"),
        ("msg send 1 a b", "error: too many arguments for 'send'. Expected 2 arguments but got 3."),
        ("msg typing 1 2", "error: too many arguments for 'typing'. Expected 1 argument but got 2."),
        ("bogus", "error: unknown command 'bogus'"),
        ("msg bogus 1", "error: unknown command 'bogus'"),
        ("help bogus", "error: unknown command 'bogus'"),
        ("msg image 1 -u", "error: option '-u, --url <url...>' argument missing"),
        ("msg send 1 hi --profile", "error: option '-p, --profile <name>' argument missing"),
    ],
)
def test_usage_errors(argv: str, stderr: str) -> None:
    result = parse_exit(argv)
    assert (result.code, result.stdout, result.stderr) == (1, "", stderr + "\n")


@pytest.mark.parametrize("line", ["", "msg", "auth", "--profile x"])
def test_missing_subcommand_prints_help_on_stderr(line: str) -> None:
    result = parse_exit(line)
    assert result.code == 1
    assert result.stderr.startswith("Usage: zca")


def test_voice_help_has_no_message_option() -> None:
    result = parse_exit("msg voice --help")
    assert "--url" in result.stdout and "--message" not in result.stdout


def test_help_lists_commands_and_options() -> None:
    text = parse_exit("msg image --help").stdout
    assert "Usage: zca msg image [options] <threadId> [file]" in text
    for flag in ("-u, --url <url...>", "-m, --message <message>", "-g, --group", "-h, --help"):
        assert flag in text


def test_option_declaration() -> None:
    option = Option("-q, --qr-base64")
    assert (option.short, option.long, option.key, option.takes_value) == ("-q", "--qr-base64", "qrBase64", False)
    assert Option("-u, --url <url...>").variadic
    with pytest.raises(ValueError):
        Option("url")


def test_leaf_commands_cover_the_contract() -> None:
    leaves = {" ".join(words) for words in spec.leaf_commands()}
    wanted = {"auth status", "auth login", "auth logout", "me info", "friend list", "friend find", "group list",
              "group members", "msg send", "msg image", "msg video", "msg voice", "msg link", "msg typing", "listen"}
    assert wanted <= leaves


@pytest.mark.parametrize(
    "line, urls",
    [
        ("msg image 1 -u http://a -u http://b", ["http://a", "http://b"]),
        ("msg image 1 --url=http://a -uhttp://b", ["http://a", "http://b"]),
    ],
)
def test_openzca_url_option_repeats_instead_of_taking_several_values(line: str, urls: list[str]) -> None:
    assert parse(line, surface.OPENZCA).opts["url"] == urls
    parsed = parse("msg image 1 -u http://a http://b", surface.OPENZCA)  # the second URL is the [file]
    assert (parsed.opts["url"], parsed.args["file"]) == (["http://a"], "http://b")


@pytest.mark.parametrize(
    "word, candidates, expected",
    [
        ("--rw", ["--group", "--raw", "--help"], "\n(Did you mean --raw?)"),
        ("sned", ["send", "link", "help"], "\n(Did you mean send?)"),
        ("--xyzzy", ["--group", "--raw"], ""),
        ("--grup", ["--group", "--gruo"], "\n(Did you mean one of --group, --gruo?)"),
        ("x", ["y"], ""),
    ],
)
def test_suggestions_follow_commanders_edit_distance(word: str, candidates: list[str], expected: str) -> None:
    assert suggest_similar(word, candidates) == expected


def test_openzca_usage_errors_add_a_suggestion_and_the_help() -> None:
    result = parse_exit("msg send --rw 1 x", surface.OPENZCA)
    head, _, help_text = result.stderr.partition("\n\n")
    assert head == "error: unknown option '--rw'\n(Did you mean --raw?)"
    assert help_text.startswith("Usage: openzca msg send [options] <threadId> <message>\n")
    assert parse_exit("help bogus", surface.OPENZCA).stderr.startswith("Usage: openzca [options] [command]")
