"""Tolerant JSON parsing and message-id extraction over every known stdout shape."""

from __future__ import annotations

import pytest

from errbot_zalouser.errors import ZcaBadOutput
from errbot_zalouser.transport.parsing import extract_message_id, parse_json_output, strip_ansi

ROW = '[{"userId":"2011223344556677889","displayName":"Bob"}]'
EXPECTED = [{"userId": "2011223344556677889", "displayName": "Bob"}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;32mbold green\x1b[m text", "bold green text"),
        ("\x1b]0;title\x07after", "after"),
        ("\x1b[2K\x1b[1Gline", "line"),
        ("plain", "plain"),
    ],
)
def test_strip_ansi(text, expected):
    assert strip_ansi(text) == expected


@pytest.mark.parametrize(
    "stdout",
    [
        ROW,
        ROW + "\n",
        '[\n  {\n    "userId": "2011223344556677889",\n    "displayName": "Bob"\n  }\n]\n',
        f"\x1b[32m{ROW}\x1b[0m",
        f"INFO loading cache\nINFO done\n{ROW}\n",
        f"\x1b[33mWARN\x1b[0m slow network\n{ROW}",
        f"[zca] using profile default\n{ROW}\n",
        f"{{ this is not json\n{ROW}\n",
        f"INFO before\n{ROW}\nINFO trailing log line\n",
    ],
)
def test_parse_json_output_tolerates_prefixes(stdout):
    assert parse_json_output(stdout) == EXPECTED


def test_parse_json_output_keeps_ids_as_strings():
    assert parse_json_output('{"userId":"4830021983762145322"}') == {"userId": "4830021983762145322"}


@pytest.mark.parametrize(
    "stdout", ["", "   \n", "not json", "INFO only logs\nmore logs\n", "{ userId: '1' }"]
)
def test_parse_json_output_raises_bad_output_with_argv(stdout):
    argv = ("zca", "--profile", "default", "friend", "list", "-j")
    with pytest.raises(ZcaBadOutput) as info:
        parse_json_output(stdout, argv=argv)
    assert info.value.argv == argv


def test_parse_json_output_message_keeps_only_200_chars():
    with pytest.raises(ZcaBadOutput) as info:
        parse_json_output("x" * 5000)
    assert "x" * 200 in str(info.value) and "x" * 201 not in str(info.value)


@pytest.mark.parametrize(
    ("stdout", "expected"),
    [
        ("message_id: msg-1", "msg-1"),
        ("message id: mid-123\n", "mid-123"),
        ("Message ID: 7339812345678901234", "7339812345678901234"),
        ("messageId: 42", "42"),
        ("Sent. message_id: 'abc-9',", "abc-9"),
        ("abc123", "abc123"),
        ("7339812345678901234\n", "7339812345678901234"),
        ("\x1b[32m7339812345678901234\x1b[0m", "7339812345678901234"),
        ("{ message: { msgId: 7339812345678901234 }, attachment: [] }", "7339812345678901234"),
        (
            "{\n  message: {\n    msgId: '7339812345678901234'\n  },\n  attachment: []\n}\n",
            "7339812345678901234",
        ),
        ('{"message":{"msgId":"7339812345678901234"}}', "7339812345678901234"),
        ("", None),
        ("   \n", None),
        ("OK", None),
        ("Message sent successfully", None),
        ("{ message: {}, attachment: [] }", None),
        ("sent to 4830021983762145322!", None),
        # openzca 0.1.58's success outputs (13-digit ids)
        ("{ message: { msgId: 7645528516660 }, attachment: [] }\n", "7645528516660"),
        ("{\n  chunked: true,\n  chunkCount: 2,\n  msgId: '7645528516661',\n  response: [\n"
         "    { message: { msgId: 7645528516660 }, attachment: [] },\n"
         "    { message: { msgId: 7645528516661 }, attachment: [] }\n  ]\n}\n", "7645528516661"),
        ("{ msgId: '7645528516662' }\n", "7645528516662"),
        ("{ message: null, attachment: [ { msgId: 7645528516663 } ] }\n", "7645528516663"),
        ("{\n  message: { msgId: 7645528516664 },\n  attachment: [ { msgId: 7645528516665 } ]\n}\n", "7645528516664"),
        ("┌─────────┬───────────────┐\n│ (index) │ msgId         │\n├─────────┼───────────────┤\n"
         "│ 0       │ 7645528516666 │\n└─────────┴───────────────┘\n", "7645528516666"),
        ("┌─────────┬─────────────────┐\n│ (index) │ msgId           │\n├─────────┼─────────────────┤\n"
         "│ 0       │ '7645528516667' │\n└─────────┴─────────────────┘\n", "7645528516667"),
        ("┌─────────┬───────┐\n│ (index) │ other │\n├─────────┼───────┤\n│ 0       │ 12345 │\n└─────────┴───────┘\n",
         None),
        ("{ msgIds: [ 7645528516668 ] }\n", None),
    ],
)
def test_extract_message_id(stdout, expected):
    assert extract_message_id(stdout) == expected
