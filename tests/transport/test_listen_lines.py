"""listen_lines: what each line of `zca listen -r` output is, including hostile forms."""

from __future__ import annotations

import pytest

from errbot_zalouser.transport.listen_lines import LineKind, classify, text_lines

K = LineKind


@pytest.mark.parametrize(("text", "kind"), [
    ('{"threadId":"1","msgId":"2","content":"hi"}', K.JSON),
    ('["not", "an", "event"]', K.JSON),
    ('{"kind":"lifecycle","event":"heartbeat","session_id":"x"}', K.LIFECYCLE),
    ('{"kind":"message"}', K.JSON),
    ("Connected to Zalo websocket.", K.CONNECTED),
    ("connected to zalo websocket", K.CONNECTED),
    ("Listening... Press Ctrl+C to stop.", K.LISTENING),
    ("Listener closed (1006) abnormal", K.CLOSED),
    ("Listener closed (-1)", K.CLOSED),
    ("Listener closed (abc)", K.OTHER),
    ("Listener error: socket hang up", K.LISTENER_ERROR),
    ("Listener recycle triggered after 1800000ms to prevent stale session.", K.RECYCLE),
    ("Webhook failed: 500", K.QUIET),
    ("Echo failed: nope", K.QUIET),
    ("{not json at all", K.OTHER),
    ("[" * 100_000, K.OTHER),  # too deep for json.loads: RecursionError, not a crash
    ("Error: Profile default: not logged in", K.OTHER),
    ("  Connected to Zalo websocket", K.OTHER),  # text_lines strips; classify expects it stripped
])
def test_classify(text, kind):
    line = classify(text)
    assert line.kind is kind and line.text == text
    assert (line.value is not None) == (kind in (K.JSON, K.LIFECYCLE))


def test_text_lines_split_on_cr_and_strip_ansi_bom_and_space():
    raw = "\ufeff\x1b[32mConnected to Zalo websocket.\x1b[0m\r  \rListening...\r\r".encode()
    assert list(text_lines(raw)) == ["Connected to Zalo websocket.", "Listening..."]


def test_text_lines_replace_invalid_utf8():
    assert list(text_lines(b"\xff\xfeListener error: x")) == ["\ufffd\ufffdListener error: x"]
