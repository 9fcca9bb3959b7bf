"""The plugins' shared helpers: argument parsing, the admin check, escaping and tables."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from errbot.rendering import text as markdown_to_text

from errbot_zalouser.errors import ZcaCommandFailed, ZcaNotFound
from errbot_zalouser.plugins.support import (
    MAX_LIMIT,
    UsageError,
    ago,
    check_arity,
    duration,
    is_bot_admin,
    md_escape,
    parse_args,
    parse_limit,
    table,
    width,
    zca_failed,
)


@pytest.mark.parametrize(
    ("raw", "words", "options"),
    [
        ("", [], {}),
        ("nguyen van", ["nguyen", "van"], {}),
        ("nguyen --limit 5 --refresh", ["nguyen"], {"limit": "5", "refresh": True}),
        ("--limit=5 --account work dao", ["dao"], {"limit": "5", "account": "work"}),
        ('"Nguyễn Văn An" --account=work', ["Nguyễn Văn An"], {"account": "work"}),
        ("O'Brien", ["O'Brien"], {}),  # unbalanced quote: plain split
        ("-- --refresh", ["--refresh"], {}),
        ("- x", ["-", "x"], {}),
    ],
)
def test_parse_args(raw: str, words: list[str], options: dict) -> None:
    assert parse_args(raw, flags=["refresh"], options=["limit", "account"]) == (words, options)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("--bogus", "unknown option --bogus"),
        ("--refresh=yes", "unknown option --refresh=yes"),
        ("--limit", "--limit needs a value"),
        ("--account=", "--account needs a value"),
    ],
)
def test_parse_args_errors(raw: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        parse_args(raw, flags=["refresh"], options=["limit", "account"])


@pytest.mark.parametrize(("value", "limit"), [(None, None), ("1", 1), ("20", 20), (str(MAX_LIMIT), MAX_LIMIT)])
def test_parse_limit(value, limit) -> None:
    assert parse_limit(value) == limit


@pytest.mark.parametrize("value", ["0", "-3", "x", "2.5", str(MAX_LIMIT + 1)])
def test_parse_limit_refuses(value: str) -> None:
    with pytest.raises(UsageError):
        parse_limit(value)


@pytest.mark.parametrize(
    ("words", "arity", "ok"),
    [
        ([], "none", True), (["x"], "none", False),
        (["x"], "one", True), ([], "one", False), (["x", "y"], "one", False),
        (["x", "y"], "text", True), ([], "text", False),
        ([], "optional", True), (["x", "y"], "optional", True),
    ],
)
def test_check_arity(words: list[str], arity: str, ok: bool) -> None:
    if ok:
        check_arity(words, arity)
    else:
        with pytest.raises(UsageError):
            check_arity(words, arity)


@pytest.mark.parametrize(
    ("admins", "sender", "admin"),
    [
        (("zalouser:111",), "zalouser:111", True),
        (("zalouser:111",), "zalouser:333", False),
        (("zalouser:1*",), "zalouser:111", True),
        (("ZALOUSER:111",), "zalouser:111", False),  # case-sensitive, like the ACLs plugin
        ("zalouser:111", "zalouser:111", True),  # a bare string
        ((), "zalouser:111", False),
    ],
)
def test_is_bot_admin(admins, sender: str, admin: bool) -> None:
    config = SimpleNamespace(BOT_ADMINS=admins)
    assert is_bot_admin(config, SimpleNamespace(aclattr=sender)) is admin


@pytest.mark.parametrize(
    "name",
    ["Phạm *Star* _x_", "a_b_c", "[link](http://x)", "# not a title", "back\\slash", "`code`", "~~gone~~", "x | y"],
)
def test_md_escape_renders_literally(name: str) -> None:
    assert markdown_to_text().convert(md_escape(name)) == name


def test_table_aligns_by_display_width() -> None:
    decomposed = "Nguye\u0302\u0303n"  # combining marks take no room
    rendered = table([["1", decomposed, "x"], ["22", "Đào", "y"], ["333", "中文", "z"]], ["ID", "Name", "C"])
    lines = rendered.splitlines()
    assert lines[0] == "ID   Name    C"
    assert [width(line) for line in lines] == [14, 14, 14, 14]


def test_table_escapes_and_flattens_cells() -> None:
    assert table([["1", "a*b\nc"]]) == "1  a\\*b c"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"), (59.4, "59s"), (300.2, "5m"), (3299.8, "55m"),
        (3600, "1h00m"), (7260, "2h01m"), (90000, "1d01h"), (-5, "0s"),
    ],
)
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_ago() -> None:
    assert ago(None) == "never"
    assert ago(1000.0, now=1120.0) == "2m ago"


def test_zca_failed_is_one_short_line() -> None:
    exc = ZcaCommandFailed("zca friend list failed: not logged in\nstack trace line")
    assert zca_failed(exc) == "zca failed: friend list failed: not logged in"
    assert len(zca_failed(ZcaNotFound("x" * 1000))) < 330
