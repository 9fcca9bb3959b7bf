"""JavaScript semantics (nodejs.py), checked against what Node 20 printed for the same inputs."""

from __future__ import annotations

import math

import pytest

from errbot_zalouser.simulator import nodejs

# (input, JSON.parse's message; "" when it parses)
V8_JSON_ERRORS = [
    ("", "Unexpected end of JSON input"),
    ("x", "Unexpected token 'x', \"x\" is not valid JSON"),
    ("not json", "Unexpected token 'o', \"not json\" is not valid JSON"),
    ("{", "Expected property name or '}' in JSON at position 1"),
    ("{\"a\":", "Unexpected end of JSON input"),
    ("{\"a\":1,}", "Expected double-quoted property name in JSON at position 7"),
    ("[1,2", "Expected ',' or ']' after array element in JSON at position 4"),
    ("{a:1}", "Expected property name or '}' in JSON at position 1"),
    ("abcdefghijklmnopqrstuvwxyz0123456789", "Unexpected token 'a', \"abcdefghij\"... is not valid JSON"),
    ("\"abc", "Unterminated string in JSON at position 4"),
    ("12 34", "Unexpected non-whitespace character after JSON at position 3"),
    ("{\"a\":1} x", "Unexpected non-whitespace character after JSON at position 8"),
    ("nul", "Unexpected end of JSON input"),
    ("  ", "Unexpected end of JSON input"),
    ("{\"pid\": 12", "Expected ',' or '}' after property value in JSON at position 10"),
    ("[1,2,3,4,5,6,7,8,9,x]", "Unexpected token 'x', ...\"5,6,7,8,9,x]\" is not valid JSON"),
    ("{\"a\" 1}", "Expected ':' after property name in JSON at position 5"),
    ("{\"a\":\"b\nc\"}", "Bad control character in string literal in JSON at position 7"),
    ("{\"threadId\":\"1\",}", "Expected double-quoted property name in JSON at position 16"),
    ("[tru]", "Unexpected token ']', \"[tru]\" is not valid JSON"),
    ("{\"ok\": true}", ""),
]

# (input, Number(input); "NaN" / "Infinity" / "-Infinity" as text)
JS_NUMBERS = [
    ("", 0),
    (" 42 ", 42),
    ("3e2", 300),
    ("0x10", 16),
    ("0o17", 15),
    ("0b101", 5),
    ("-0", 0),
    ("+5", 5),
    ("1.5", 1.5),
    ("Infinity", "Infinity"),
    ("-Infinity", "-Infinity"),
    ("12abc", "NaN"),
    ("0x", "NaN"),
    (".5", 0.5),
    ("5.", 5),
    ("1e", "NaN"),
    (" 7 ", 7),  # noqa: RUF001 - no-break spaces on purpose
    ("--1", "NaN"),
    ("1_000", "NaN"),
]

# (input, Number.parseInt(input, 10); None for NaN)
JS_PARSE_INT = [
    ("42", 42),
    (" 42", 42),
    ("42abc", 42),
    ("+3", 3),
    ("-7", -7),
    ("abc", None),
    ("", None),
    ("3.9", 3),
    ("0x10", 0),
    (" 5", 5),  # noqa: RUF001 - no-break spaces on purpose
]


@pytest.mark.parametrize("text, message", V8_JSON_ERRORS)
def test_json_errors_read_as_v8_writes_them(text: str, message: str) -> None:
    assert nodejs.json_error(text) == message


@pytest.mark.parametrize("text, value", JS_NUMBERS)
def test_number(text: str, value: float | str) -> None:
    got = nodejs.number(text)
    if value == "NaN":
        assert math.isnan(got)
    else:
        assert got == float(value)


@pytest.mark.parametrize("text, value", JS_PARSE_INT)
def test_parse_int(text: str, value: int | None) -> None:
    assert nodejs.parse_int(text) == value


@pytest.mark.parametrize(
    "raw, expected",
    [(None, 7), ("", 7), ("  12 ", 12), ("0", 7), ("-3", 7), ("5ms", 5), ("abc", 7)],
)
def test_positive_int_env(raw: str | None, expected: int) -> None:
    environ = {} if raw is None else {"X": raw}
    assert nodejs.positive_int_env(environ, "X", 7) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("0", False), ("off", False), ("No", False),
     ("maybe", None), ("", None)],
)
def test_bool_env(raw: str, expected: bool | None) -> None:
    for fallback in (True, False):
        assert nodejs.bool_env({"X": raw}, "X", fallback) is (fallback if expected is None else expected)
