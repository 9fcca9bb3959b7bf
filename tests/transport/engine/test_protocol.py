"""The protocol's Python half, without Node: decoding hostile lines, encoding, errors, text ranges."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errbot_zalouser.errors import (
    EngineLost,
    EngineNotInstalled,
    EngineUnavailable,
    ZcaBlocked,
    ZcaCommandFailed,
    ZcaNotAuthenticated,
    ZcaProfileBusy,
    ZcaRateLimited,
    ZcaTimeout,
)
from errbot_zalouser.model import InboundEvent, Target
from errbot_zalouser.transport.engine.protocol import (
    BadLine,
    Event,
    MentionRange,
    Response,
    StyleRange,
    WireError,
    decode_line,
    encode_request,
    error_for,
    text_args,
    utf16_offsets,
)

BAD_LINES = [
    (b"", "not JSON"),
    (b"hello world", "not JSON"),
    (b"{not json", "not JSON"),
    (b"\xff\xfe\x00garbage", "not JSON"),
    (b"[1, 2, 3]", "not a JSON object"),
    (b'"just a string"', "not a JSON object"),
    (b"null", "not a JSON object"),
    (b'{"type": "thing"}', "neither a response nor an event"),
    (b'{"type": "event", "event": 5}', "neither a response nor an event"),
    (b'{"type": "response", "ok": true}', "a response without a string id and a boolean ok"),
    (b'{"type": "response", "id": 7, "ok": true}', "a response without a string id and a boolean ok"),
    (b'{"type": "response", "id": "1", "ok": "yes"}', "a response without a string id and a boolean ok"),
    (b"[" * 100_000, "not JSON"),
]


@pytest.mark.parametrize(("raw", "reason"), BAD_LINES)
def test_lines_that_are_not_protocol_objects_are_bad_lines_with_a_reason(raw, reason):
    line = decode_line(raw)
    assert isinstance(line, BadLine)
    assert line.reason == reason
    assert len(line.sample) <= 120


@given(st.binary(max_size=300))
def test_decoding_never_raises(raw):
    assert isinstance(decode_line(raw), (BadLine, Event, Response))


def test_a_successful_response_keeps_its_result_and_reports_unknown_fields():
    line = decode_line(b'{"type":"response","id":"3-9","ok":true,"result":{"msgId":"77"},"extra":1,"more":[]}')
    assert isinstance(line, Response)
    assert (line.request_id, line.ok, dict(line.result), line.error) == ("3-9", True, {"msgId": "77"}, None)
    assert line.unknown_fields == ("extra", "more")


def test_a_result_that_is_not_an_object_becomes_empty():
    line = decode_line(b'{"type":"response","id":"1","ok":true,"result":[1,2]}')
    assert isinstance(line, Response) and dict(line.result) == {}


def test_an_error_response_carries_kind_code_and_delivery():
    raw = {"type": "response", "id": "1", "ok": False,
           "error": {"kind": "blocked", "code": 123, "message": "Không thể nhận tin nhắn từ bạn.", "delivery": "not_sent"}}
    line = decode_line(json.dumps(raw).encode())
    assert isinstance(line, Response) and not line.ok
    assert line.error == WireError("blocked", "Không thể nhận tin nhắn từ bạn.", 123, "not_sent")


@pytest.mark.parametrize("error", [None, "boom", 5, {"code": True, "delivery": "maybe"}])
def test_a_malformed_error_object_is_an_internal_error_of_unknown_delivery(error):
    line = decode_line(json.dumps({"type": "response", "id": "1", "ok": False, "error": error}).encode())
    assert isinstance(line, Response) and line.error is not None
    assert line.error.delivery == "unknown" and line.error.code is None
    assert line.error.kind == "internal"


def test_events_split_known_and_unknown_fields():
    line = decode_line(b'{"type":"event","event":"connection","state":"closed","code":3000,"reason":"dup","new":1}')
    assert isinstance(line, Event) and line.known
    assert dict(line.body) == {"state": "closed", "code": 3000, "reason": "dup", "new": 1}
    assert line.unknown_fields == ("new",)


def test_an_unknown_event_name_is_an_event_that_is_not_known():
    line = decode_line(b'{"type":"event","event":"typing","threadId":"1"}')
    assert isinstance(line, Event) and not line.known
    assert line.unknown_fields == ()  # the whole event is unknown, not its fields


@given(st.text(max_size=200))
def test_requests_are_one_ascii_line_that_round_trips(text):
    raw = encode_request("1-1", "send_text", {"text": text})
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    assert json.loads(raw)["args"]["text"] == text


ERRORS = [
    (WireError("auth", "login failed"), ZcaNotAuthenticated),
    (WireError("blocked", "x", 123), ZcaBlocked),
    (WireError("rate_limited", "x", 221), ZcaRateLimited),
    (WireError("profile_locked", "x"), ZcaProfileBusy),
    (WireError("not_installed", "x"), EngineNotInstalled),
    (WireError("not_ready", "x"), EngineUnavailable),
    (WireError("timeout", "x", None, "unknown"), ZcaTimeout),
    (WireError("timeout", "x", None, "not_sent"), EngineUnavailable),
    (WireError("network", "x", None, "unknown"), EngineLost),
    (WireError("network", "x", None, "not_sent"), EngineUnavailable),
    (WireError("internal", "x", None, "unknown"), EngineLost),
    (WireError("internal", "x", None, "not_sent"), ZcaCommandFailed),
    (WireError("zalo", "x", 114), ZcaCommandFailed),
    (WireError("bad_request", "x"), ZcaCommandFailed),
    (WireError("unsupported", "x"), ZcaCommandFailed),
    (WireError("something new", "x"), ZcaCommandFailed),
]


@pytest.mark.parametrize(("wire", "cls"), ERRORS)
def test_each_error_kind_becomes_its_exception(wire, cls):
    exc = error_for("send_text", wire)
    assert type(exc) is cls
    assert exc.argv == ("zca-js", "send_text")
    assert exc.zalo_code == wire.code
    assert ("unknown whether it was sent" in str(exc)) == (wire.delivery == "unknown")


def test_retry_follows_the_class_and_zalo_codes_are_kept():
    blocked = error_for("send_text", WireError("blocked", "Không thể nhận tin nhắn từ bạn.", 123))
    limited = error_for("send_text", WireError("rate_limited", "Vượt quá số request cho phép", 221))
    lost = error_for("send_text", WireError("network", "socket hang up", None, "unknown"))
    assert not blocked.retryable and limited.retryable and lost.retryable
    assert "(Zalo code 123)" in str(blocked) and limited.zalo_code == 221
    assert isinstance(lost, ZcaTimeout)


@given(st.text(max_size=50))
def test_utf16_offsets_match_utf16_lengths(text):
    offsets = utf16_offsets(text)
    assert [len(text[:i].encode("utf-16-le")) // 2 for i in range(len(text) + 1)] == offsets


def test_ranges_are_converted_to_utf16_units():
    text = "😀 **bold** @An"  # the emoji is two UTF-16 units
    args = text_args(
        Target("6920154873301128374", is_group=True),
        text,
        styles=[StyleRange(2, 8, "b"), StyleRange(0, 1, "c_db342e"), StyleRange(0, len(text), "ind_$", 2)],
        mentions=[MentionRange(11, 3, "2947718306652210431")],
    )
    assert args["styles"] == [
        {"start": 3, "len": 8, "st": "b"},
        {"start": 0, "len": 2, "st": "c_db342e"},
        {"start": 0, "len": len(text) + 1, "st": "ind_$", "indentSize": 2},
    ]
    assert args["mentions"] == [{"pos": 12, "len": 3, "uid": "2947718306652210431"}]
    assert args["isGroup"] is True and args["text"] == text


@pytest.mark.parametrize(
    ("styles", "mentions"),
    [
        ([StyleRange(0, 6, "b")], []),
        ([StyleRange(-1, 2, "b")], []),
        ([StyleRange(0, 0, "b")], []),
        ([StyleRange(0, 2, "bold")], []),
        ([StyleRange(0, 2, "c_red")], []),
        ([StyleRange(0, 2, "c_DB342E")], []),
        ([], [MentionRange(3, 3, "1")]),
    ],
)
def test_bad_ranges_and_styles_raise_before_sending(styles, mentions):
    with pytest.raises(ValueError):
        text_args(Target("1", is_group=True), "hello", styles, mentions)


def test_a_quote_is_the_inbound_events_listen_line():
    line = {"threadId": "1", "msgId": "5", "cliMsgId": "6", "content": "hi", "type": 0,
            "metadata": {"isGroup": False, "fromId": "1"}}
    event = InboundEvent.from_json(line)
    assert text_args(Target("1"), "ok", quote=event)["quote"] == line
    assert text_args(Target("1"), "ok", quote={"msgId": "5"})["quote"] == {"msgId": "5"}
