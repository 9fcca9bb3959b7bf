"""msg send on the openzca 0.1.58 surface: formatting, --raw, mentions, chunks, retry, quotes, outputs."""

from __future__ import annotations

import json
import re
import time

import pytest

from errbot_zalouser.simulator import seed, texts
from errbot_zalouser.simulator.control import SimControl

USER = "2947718306652210431"
WORK_CHAT = "7031928374650192837"  # members: the bot, Trần Minh, Alice Smith, Lê Quốc Bảo, Người Lạ
NO_DELAY = {"OPENZCA_SEND_RETRY_DELAY_MS": "0"}
INSPECT = re.compile(r"\{ message: \{ msgId: (\d{13}) \}, attachment: \[\] \}\n")


def test_markdown_is_formatted_and_both_texts_are_logged(zca, sim: SimControl) -> None:
    result = zca("msg", "send", USER, "**Xin chào** 5*3*2")
    assert result.returncode == 0, result.stderr
    (record,) = sim.sent()
    assert (record["input"], record["text"]) == ("**Xin chào** 5*3*2", "Xin chào 532")
    assert record["styles"] == [{"start": 0, "len": 8, "st": "b"}, {"start": 10, "len": 1, "st": "i"}]
    assert (record["raw"], record["chunk"], record["chunks"], record["attempt"], record["quote"]) == (False, 1, 1, 1, None)
    assert INSPECT.fullmatch(result.stdout).group(1) == record["msgId"]
    assert sim.chat_texts() == ["Xin chào 532"]


def test_raw_sends_the_text_as_given(zca, sim: SimControl) -> None:
    assert zca("msg", "send", "--raw", "--", USER, "- 5*3*2 # _x_").returncode == 0
    (record,) = sim.sent()
    assert (record["text"], record["styles"], record["raw"]) == ("- 5*3*2 # _x_", [], True)


def test_a_list_and_indented_quote_keep_indent_sizes(zca, sim: SimControl) -> None:
    zca("msg", "send", "--", USER, "- one\n>> deep")
    (record,) = sim.sent()
    assert record["text"] == "one\ndeep"
    assert record["styles"] == [{"start": 0, "len": 3, "st": "lst_1"},
                                {"start": 4, "len": 4, "st": "ind_$", "indentSize": 2}]


def test_an_empty_rendering_is_refused_by_zca_js(zca, sim: SimControl) -> None:
    result = zca("msg", "send", USER, "# ")
    assert (result.returncode, result.stderr) == (1, "Error: Missing message content\n")
    assert sim.sent() == []


# --- mentions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [False, True])
def test_group_mentions_resolve_with_and_without_raw(zca, sim: SimControl, raw: bool) -> None:
    args = ["--raw"] if raw else []
    assert zca("msg", "send", "-g", *args, "--", WORK_CHAT, "hỏi @trần minh và @Alice Smith nhé").returncode == 0
    (record,) = sim.sent()
    assert record["mentions"] == [{"pos": 4, "len": 10, "uid": "4061172938805514290"},
                                  {"pos": 18, "len": 12, "uid": "6634210987765540123"}]


def test_an_ambiguous_mention_fails_every_time(zca, sim: SimControl) -> None:
    sim.add_groups([], members={WORK_CHAT: [seed.member_row({"userId": "1", "displayName": "Minh"}),
                                            seed.member_row({"userId": "2", "displayName": "Minh"})]})
    for _ in range(2):
        result = zca("msg", "send", "-g", "--raw", WORK_CHAT, "@Minh ơi")
        assert (result.returncode, result.stderr) == (
            1, 'Error: Ambiguous mention "@Minh": matched multiple group members.\n')
    assert sim.sent() == []


def test_mentions_are_for_groups_only(zca, sim: SimControl) -> None:
    zca("msg", "send", USER, "@Alice Smith")
    assert sim.sent()[0]["mentions"] == []


# --- chunks -------------------------------------------------------------------------------------------


def test_long_text_goes_out_in_chunks_with_the_chunked_dump(zca, sim: SimControl) -> None:
    text = "\n".join(f"dòng {i:03d} " + "x" * 40 for i in range(60))
    result = zca("msg", "send", "--raw", "--", USER, text)
    assert result.returncode == 0, result.stderr
    records = sim.sent()
    assert [r["chunk"] for r in records] == [1, 2] and {r["chunks"] for r in records} == {2}
    assert "".join(r["text"] for r in records) == text
    assert all(len(r["text"]) <= 2000 and r["text"].endswith(("\n", "x")) for r in records)
    assert result.stdout.startswith("{\n  chunked: true,\n  chunkCount: 2,\n")
    assert f"  msgId: '{records[-1]['msgId']}',\n" in result.stdout


def test_the_chunk_limit_comes_from_the_environment(zca, sim: SimControl) -> None:
    zca("msg", "send", "--", USER, "- **một**\n- **hai**\n- **ba**", env={"OPENZCA_TEXT_MESSAGE_MAX_LENGTH": "5"})
    assert [(r["text"], r["styles"]) for r in sim.sent()] == [
        ("một\n", [{"start": 0, "len": 3, "st": "b"}, {"start": 0, "len": 3, "st": "lst_1"}]),
        ("hai\n", [{"start": 0, "len": 3, "st": "b"}, {"start": 0, "len": 3, "st": "lst_1"}]),
        ("ba", [{"start": 0, "len": 2, "st": "b"}, {"start": 0, "len": 2, "st": "lst_1"}]),
    ]


def test_a_failed_chunk_exits_1_after_the_earlier_ones_were_delivered(zca, sim: SimControl) -> None:
    sim.fail_chunk(3)
    result = zca("msg", "send", "--raw", "--", USER, "aaaa\nbbbb\ncccc\ndddd", env={"OPENZCA_TEXT_MESSAGE_MAX_LENGTH": "5"})
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"Error: {texts.RATE_LIMIT_TEXT}\n")
    assert sim.chat_texts() == ["aaaa\n", "bbbb\n"]


# --- the built-in retry ---------------------------------------------------------------------------------


def test_a_timeout_after_acceptance_is_retried_and_duplicates(zca, sim: SimControl) -> None:
    sim.timeout_after_accept()
    result = zca("msg", "send", USER, "chỉ một lần", env=NO_DELAY)
    assert result.returncode == 0, result.stderr
    assert sim.chat_texts() == ["chỉ một lần", "chỉ một lần"]
    assert [r["attempt"] for r in sim.sent()] == [1, 2]
    assert INSPECT.fullmatch(result.stdout).group(1) == sim.sent()[1]["msgId"]


def test_a_timeout_before_acceptance_is_retried_once(zca, sim: SimControl) -> None:
    sim.timeout_before_accept()
    assert zca("msg", "send", USER, "hi", env=NO_DELAY).returncode == 0
    assert [(r["text"], r["attempt"]) for r in sim.sent()] == [("hi", 2)]


def test_retries_run_out(zca, sim: SimControl) -> None:
    sim.timeout_before_accept(times=3)
    result = zca("msg", "send", USER, "hi", env={**NO_DELAY, "OPENZCA_SEND_RETRY_COUNT": "2"})
    assert (result.returncode, result.stderr) == (1, f"Error: {texts.SEND_TIMEOUT_TEXT}\n")
    assert sim.sent() == []


@pytest.mark.parametrize(
    "count, sends",
    [("0", 1), ("", 2), ("abc", 2), ("-1", 2), ("00", 2), ("2", 3), (" 2 ", 3), ("2x", 3), ("1.9", 2)],
)
def test_retry_count_values(zca, sim: SimControl, count: str, sends: int) -> None:
    """0 turns the retry off; anything that is not a positive integer prefix means the default, 1."""
    sim.timeout_after_accept(times=5)
    zca("msg", "send", USER, "x", env={**NO_DELAY, "OPENZCA_SEND_RETRY_COUNT": count})
    assert len(sim.sent()) == sends


def test_only_timeout_like_errors_are_retried(zca, sim: SimControl) -> None:
    sim.fail_submission(error=texts.BLOCKED_TEXT)
    assert zca("msg", "send", USER, "x", env=NO_DELAY).stderr == f"Error: {texts.BLOCKED_TEXT}\n"
    sim.fail_submission(error="Retry limit")  # Zalo's -69 matches "retry limit": retried
    assert zca("msg", "send", USER, "y", env=NO_DELAY).returncode == 0


def test_the_retry_waits_the_default_delay(zca, sim: SimControl) -> None:
    sim.timeout_before_accept()
    started = time.monotonic()
    assert zca("msg", "send", USER, "x", env={"OPENZCA_SEND_RETRY_DELAY_MS": "bogus"}).returncode == 0
    assert time.monotonic() - started >= 0.75


def test_the_legacy_surface_has_no_retry_and_no_raw(zca, sim: SimControl, legacy: str) -> None:
    sim.timeout_after_accept()
    assert zca("msg", "send", USER, "*x*").returncode == 1
    assert [(r["text"], r["attempt"]) for r in sim.sent()] == [("*x*", 1)]
    assert zca("msg", "send", "--raw", USER, "x").stderr == "error: unknown option '--raw'\n"


# --- quotes -----------------------------------------------------------------------------------------------


def _listen_line(sim: SimControl, text: str = "gửi báo giá giúp em") -> dict:
    return sim.inject_dm(USER, text + "\n[reply context: Thu: trước đó]")


def test_reply_message_takes_a_listen_line(zca, sim: SimControl) -> None:
    line = _listen_line(sim)
    result = zca("msg", "send", "--reply-message", json.dumps(line), "--", USER, "ok, gửi ngay")
    assert result.returncode == 0, result.stderr
    (record,) = sim.sent()
    assert record["quote"] == {"content": "gửi báo giá giúp em", "msgType": "webchat", "uidFrom": USER,
                               "msgId": line["msgId"], "cliMsgId": line["cliMsgId"], "ts": line["ts"], "ttl": 0}


def test_the_quote_goes_on_the_first_chunk_only(zca, sim: SimControl) -> None:
    line = json.dumps(_listen_line(sim))
    zca("msg", "send", "--raw", "--reply-message", line, "--", USER, "aaaa\nbbbb", env={"OPENZCA_TEXT_MESSAGE_MAX_LENGTH": "5"})
    assert [r["quote"] is not None for r in sim.sent()] == [True, False]


@pytest.mark.parametrize(
    "payload, error",
    [
        ("{not json", "Invalid JSON for --reply-message: Expected property name or '}' in JSON at position 1"),
        ("[1]", "Reply message must be a JSON object matching the raw message.data shape."),
        ('{"content": "x", "uidFrom": "1", "msgId": "2", "cliMsgId": "3", "ts": "4"}', "Missing reply message msgType."),
        ('{"content": "x", "msgType": "webchat", "msgId": "2", "cliMsgId": "3", "ts": "4"}',
         "Missing reply message uidFrom."),
        ('{"msgType": "webchat", "uidFrom": "1", "msgId": "2", "cliMsgId": "3", "ts": "4"}',
         "Reply message content must be a string or object."),
        ('{"content": "x", "msgType": "webchat", "uidFrom": "1", "msgId": "2", "cliMsgId": "3"}',
         "Missing reply message ts."),
        ('{"threadId": "999", "content": "x", "msgType": "webchat", "uidFrom": "1", "msgId": "2", "cliMsgId": "3",'
         ' "ts": "4"}', "Reply message belongs to a different thread."),
        ('{"content": {"title": "x"}, "msgType": "webchat", "uidFrom": "' + USER + '", "msgId": "2",'
         ' "cliMsgId": "3", "ts": "4"}', texts.QUOTE_OBJECT_WEBCHAT),
        ('{"content": "x", "msgType": "webchat", "uidFrom": "1", "msgId": "2", "cliMsgId": "3", "ts": "4"}',
         "Reply message belongs to a different thread."),  # a DM payload's thread is its sender
    ],
)
def test_bad_reply_messages_fail_before_anything_is_sent(zca, sim: SimControl, payload: str, error: str) -> None:
    result = zca("msg", "send", "--reply-message", payload, "--", USER, "hi")
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"Error: {error}\n")
    assert sim.sent() == []


def test_reply_id_needs_the_local_db(zca, sim: SimControl) -> None:
    result = zca("msg", "send", "--reply-id", "123", USER, "hi")
    assert result.stderr == "Error: `--reply-id` requires the local DB. Enable DB/listen sync first.\n"
    both = zca("msg", "send", "--reply-id", "1", "--reply-message", "{}", USER, "hi")
    assert both.stderr == "Error: Use either --reply-id or --reply-message, not both.\n"


def test_a_timestamp_in_seconds_stands_in_for_ts(zca, sim: SimControl) -> None:
    payload = {"content": "x", "msgType": "webchat", "senderId": USER, "msgId": "2", "cliMsgId": "3",
               "timestamp": 1774152480}
    assert zca("msg", "send", "--reply-message", json.dumps(payload), "--", USER, "hi").returncode == 0
    assert sim.sent()[0]["quote"]["ts"] == "1774152480000"


# --- analyze-text and logins ------------------------------------------------------------------------------


def test_analyze_text_works_without_login_and_prints_an_inspect_dump(zca, sim: SimControl) -> None:
    sim.set_logged_in(False)
    result = zca("msg", "analyze-text", USER, "**hi** 5*3*2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("{\n  payload: {\n    msg: 'hi 532',\n")
    assert "    mentions: undefined\n" in result.stdout and "  sendPath: 'sms'\n}\n" in result.stdout
    grouped = zca("msg", "analyze-text", "-g", WORK_CHAT, "hi @Alice Smith")
    assert (grouped.returncode, grouped.stderr) == (1, 'Error: Profile "default" has no credentials. Run: auth login\n')


def test_analyze_text_json_resolves_group_mentions(zca, sim: SimControl) -> None:
    result = zca("msg", "analyze-text", "-g", "-j", WORK_CHAT, "hi @Alice Smith")
    analysis = json.loads(result.stdout)
    assert analysis["payloadObject"]["mentions"] == [{"pos": 3, "len": 12, "uid": "6634210987765540123"}]
    assert analysis["sendPath"] == "mention" and analysis["mentionInfoLength"] > 0
    assert sim.sent() == []


def test_send_when_logged_out(zca, sim: SimControl) -> None:
    sim.set_logged_in(False)
    result = zca("msg", "send", USER, "hi")
    assert (result.returncode, result.stderr) == (1, 'Error: Profile "default" has no credentials. Run: auth login\n')
