"""Suite 4: a corpus of malformed and unusual `zca listen -r` lines.

The pure part feeds each corpus entry to the listener's line handler (``Listener._feed`` with a
bare session: the code that runs on every chunk read from the child) and, for entries that
decode as JSON, to ``InboundEvent.from_json``: nothing may escape but the documented skip
(``BadEvent`` from ``from_json``; skipped or oversize lines in the listener), and a valid line
fed after the entry is still delivered. The end-to-end part injects the whole corpus into a
running bot with ``SimControl.inject_raw_bytes``: the bot and its listener survive, and a
command sent after the corpus is answered.

Each row: (id, bytes written by the listener, outcome). Outcome "skip": no event; "event": at
least one event; "either": both are acceptable.
"""

from __future__ import annotations

import json
import signal
from typing import Any

import pytest

from errbot_zalouser.model import BadEvent, InboundEvent
from errbot_zalouser.transport.listener import LineBuffer, Listener, ListenerSettings, ListenerState, Session
from errbot_zalouser.transport.parsing import strip_ansi
from tests.faults.conftest import ADMIN, sent_texts, wait_until
from tests.transport.conftest import Recorder

SENDER = "4830021983762145322"
MIB = 1_048_576
DEEP = 100_000


def ev(**fields: Any) -> dict[str, Any]:
    """A valid DM event in the contract's shape, with ``fields`` replaced (None removes a key)."""
    event: dict[str, Any] = {
        "threadId": SENDER, "msgId": "7412238471029384756", "cliMsgId": "1736412345678",
        "content": "hello bot", "type": 0, "timestamp": 1736412345,
        "metadata": {"isGroup": False, "senderName": "Alice", "fromId": SENDER},
    }
    for key, value in fields.items():
        if value is None:
            event.pop(key, None)
        else:
            event[key] = value
    return event


def line(obj: Any, end: bytes = b"\n") -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + end


VALID = line(ev())
VALID_TEXT = VALID.rstrip(b"\n").decode("utf-8")
CORPUS: list[tuple[str, bytes, str]] = [
    # truncated JSON
    ("truncated-object", b'{"threadId":"1","content":"hi"\n', "skip"),
    ("truncated-mid-string", VALID[: len(VALID) // 2] + b"\n", "skip"),
    ("truncated-after-key", b'{"threadId":\n', "skip"),
    ("lone-open-brace", b"{\n", "skip"),
    ("lone-open-bracket", b"[\n", "skip"),
    ("truncated-utf8-sequence", VALID_TEXT.replace("hello bot", "xin chào").encode()[:-3] + b"\n", "skip"),
    # size
    ("one-mib-event", line(ev(content="x" * MIB)), "skip"),
    ("one-mib-garbage", b"z" * (MIB + 16) + b"\n", "skip"),
    ("long-status-line", b"Webhook failed: " + b"w" * 200_000 + b"\n", "skip"),
    # invalid UTF-8
    ("invalid-utf8-garbage", b"\xc3\x28\xa0\xa1 \xff\xfe\n", "skip"),
    ("invalid-utf8-in-content", VALID.replace(b"hello bot", b"caf\xc3\xa9 \xff\xfe"), "event"),
    ("overlong-utf8-in-content", VALID.replace(b"hello bot", b"\xc0\xaf\xe0\x80\xaf"), "event"),
    ("lone-surrogate-escape", VALID.replace(b"hello bot", b"a\\ud800b"), "event"),
    ("raw-nul-in-string", VALID.replace(b"hello bot", b"a\x00b"), "skip"),
    # ids
    ("null-thread-id", line(ev(threadId=None) | {"threadId": None}), "skip"),
    ("numeric-thread-id", line(ev(threadId=int(SENDER))), "event"),
    ("float-thread-id", line(ev(threadId=1.5)), "skip"),
    ("bool-thread-id", line(ev(threadId=True)), "skip"),
    ("object-thread-id", line(ev(threadId={"id": SENDER})), "skip"),
    ("negative-thread-id", line(ev(threadId=-5, metadata={"isGroup": False})), "event"),
    ("numeric-msg-id", line(ev(msgId=123456, cliMsgId=654321)), "event"),
    ("null-msg-ids", line(ev(msgId=None, cliMsgId=None) | {"msgId": None, "cliMsgId": None}), "event"),
    ("huge-numeric-thread-id", b'{"threadId":123456789012345678901234567890,"content":"hi"}\n', "event"),
    # content
    ("object-content", line(ev(content={"title": "photo", "href": "https://example.invalid/p.jpg"})), "event"),
    ("object-content-no-url", line(ev(content={"foo": {"bar": [1, 2]}})), "event"),
    ("array-content", line(ev(content=[1, "two", {"three": 3}])), "event"),
    ("number-content", line(ev(content=42)), "event"),
    ("bool-content", line(ev(content=False)), "event"),
    ("null-content", line(ev() | {"content": None}), "skip"),
    ("empty-content", line(ev(content="")), "skip"),
    ("blank-content", line(ev(content=" \t\u3000\n ")), "skip"),
    ("deep-content-500", line(ev(content=json.loads("[" * 500 + "]" * 500))), "event"),
    # missing fields and wrong shapes
    ("missing-content", line(ev(content=None)), "skip"),
    ("missing-thread-id", line(ev(threadId=None)), "skip"),
    ("empty-object", b"{}\n", "skip"),
    ("group-without-sender", line(ev(type=1, metadata={"isGroup": True})), "skip"),
    ("metadata-string", line(ev(metadata="nope")), "event"),
    ("metadata-array", line(ev(metadata=[1, 2])), "event"),
    ("mentions-garbage", line(ev(mentions="x", mentionIds={"a": 1}, metadata={"mentions": [{"uid": {}}, 7]})),
     "event"),
    ("timestamp-string", line(ev(timestamp="yesterday")), "event"),
    ("sender-name-object", line(ev(metadata={"isGroup": False, "senderName": {"x": 1}, "fromId": SENDER})),
     "event"),
    ("duplicate-keys", VALID.replace(b'{"threadId"', b'{"threadId":"1","threadId"', 1), "event"),
    # top-level values that are not objects
    ("top-level-array", b"[1, 2, 3]\n", "skip"),
    ("array-of-events", b"[" + VALID.rstrip(b"\n") + b"]\n", "skip"),
    ("json-string", b'"hello"\n', "skip"),
    ("json-number", b"42\n", "skip"),
    ("json-null", b"null\n", "skip"),
    ("two-objects-one-line", VALID.rstrip(b"\n") + VALID, "skip"),
    ("trailing-garbage", VALID.rstrip(b"\n") + b" trailing\n", "skip"),
    ("single-quotes", b"{'threadId': '1', 'content': 'hi'}\n", "skip"),
    # nesting
    ("deep-array", b"[" * DEEP + b"]" * DEEP + b"\n", "skip"),
    ("deep-object", b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"\n", "skip"),
    # numbers JSON does not allow, which Python's json accepts
    ("nan-thread-id", VALID.replace(f'"threadId": "{SENDER}"'.encode(), b'"threadId": NaN'), "skip"),
    ("nan-timestamp", VALID.replace(b'"timestamp": 1736412345', b'"timestamp": NaN'), "event"),
    ("infinity-timestamp", VALID.replace(b'"timestamp": 1736412345', b'"timestamp": Infinity'), "event"),
    ("minus-infinity-msg-id", VALID.replace(b'"msgId": "7412238471029384756"', b'"msgId": -Infinity'), "event"),
    ("huge-float-timestamp", VALID.replace(b'"timestamp": 1736412345', b'"timestamp": 1e400'), "event"),
    ("int-over-4300-digits", VALID.replace(b'"timestamp": 1736412345', b'"timestamp": ' + b"9" * 5000),
     "skip"),
    # text that is valid but unusual
    ("control-chars-escaped", line(ev(content="a\u0000b\u0007c\u001b[31md\u007f")), "event"),
    ("raw-control-line", b"\x00\x01\x02\x1b[2J\x07\x08\n", "skip"),
    ("ansi-wrapped-event", b"\x1b[32m" + VALID.rstrip(b"\n") + b"\x1b[0m\n", "event"),
    ("emoji", line(ev(content="😀👍🏽❤️‍🔥🇻🇳 chào")), "event"),
    ("combining-marks", line(ev(content="e\u0301\u0302\u0303\u0304" * 50 + "Z\u0336\u0337\u0338")), "event"),
    ("right-to-left", line(ev(content="\u202eabc\u202c مرحبا بالعالم שלום")), "event"),
    ("zero-width-only", line(ev(content="\u200b\u200d\u2060")), "either"),
    ("unicode-line-separators", line(ev(content="a\u2028b\u2029c\u0085d")), "event"),
    ("escaped-newlines", line(ev(content="line one\nline two\r\nline three")), "event"),
    # byte order marks and line ends
    ("bom-prefixed-event", b"\xef\xbb\xbf" + VALID, "event"),
    ("bom-alone", b"\xef\xbb\xbf\n", "skip"),
    ("crlf-event", VALID.rstrip(b"\n") + b"\r\n", "event"),
    ("cr-inside-garbage", b"progress 10%\rprogress 20%\rdone\n", "skip"),
    ("cr-only-line-end", VALID.rstrip(b"\n") + b"\r", "event"),
    ("blank-lines", b"\n\r\n\t\n   \n", "skip"),
    # status-looking and lifecycle lines
    ("lifecycle-garbage", line({"kind": "lifecycle", "event": ["x"], "code": {}}), "skip"),
    ("lifecycle-error", line({"kind": "lifecycle", "event": "error", "message": None}), "skip"),
    ("listener-error-line", b"Listener error: \xff boom\n", "skip"),
]

IDS = [row[0] for row in CORPUS]
AFTER = line(ev(msgId="999000111", cliMsgId="999000112", content="after the corpus line"))


def test_corpus_is_large_enough_and_unique():
    assert len(CORPUS) >= 50 and len(set(IDS)) == len(IDS)


def _handler() -> tuple[Listener, Session, list[InboundEvent]]:
    """The real listener line handling on a bare session (no child process)."""
    events: list[InboundEvent] = []
    listener = Listener("/nonexistent/zca", "default", events.append, settings=ListenerSettings(), name="corpus")
    session = Session(child=None, started=0.0, last_output=0.0, lines=LineBuffer(listener.settings.max_line_bytes))
    return listener, session, events


def _param(row: tuple[str, bytes, str]):
    name, data, outcome = row
    return pytest.param(data, outcome, id=name)


@pytest.mark.parametrize(("data", "outcome"), [_param(row) for row in CORPUS])
def test_line_handler_skips_or_delivers_and_goes_on(data, outcome):
    listener, session, events = _handler()
    for start in range(0, len(data), 65536):  # chunks of the size the listener reads
        listener._feed(session, data[start : start + 65536])
    before = list(events)
    listener._feed(session, AFTER)  # also ends a line the entry left unterminated
    assert events and events[-1].content == "after the corpus line"
    from_entry = events[:-1]
    assert from_entry[: len(before)] == before
    if outcome == "skip":
        assert from_entry == []
    elif outcome == "event":
        assert from_entry and all(isinstance(e, InboundEvent) and e.content.strip() for e in from_entry)
    stats = listener.stats
    assert stats.events == len(events) and stats.duplicates == 0


@pytest.mark.parametrize(("data", "outcome"), [_param(row) for row in CORPUS])
def test_from_json_raises_only_bad_event(data, outcome):
    """Whatever json.loads makes of a line, from_json returns a usable event or raises BadEvent."""
    text = strip_ansi(data.replace(b"\r", b"").decode("utf-8", errors="replace")).strip()
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return  # not decodable: never reaches from_json (the listener's own handling is tested above)
    try:
        event = InboundEvent.from_json(obj)
    except BadEvent:
        assert outcome != "event"
        return
    assert event.thread_id and event.sender_id and event.content.strip()
    assert event.target.key == f"user:{event.thread_id}"
    assert isinstance(event.timestamp, float) and all(isinstance(k, str) for k in event.dedupe_keys)


# --- end to end --------------------------------------------------------------------------------


def test_the_whole_corpus_into_a_running_bot(bot_factory):
    bot = bot_factory()
    sim = bot.sim
    sim.wait_listener(timeout=30)
    for _name, data, _outcome in CORPUS:
        sim.inject_raw_bytes(data)
    sim.inject_dm(ADMIN, "!echo still answering")
    assert wait_until(lambda: "still answering" in sent_texts(sim, ADMIN), timeout=30), bot.log[-3000:]
    sim.inject_dm(ADMIN, "!zalouser status")
    assert wait_until(lambda: any(t.startswith("Account default") for t in sent_texts(sim, ADMIN)), timeout=15)
    status = next(t for t in sent_texts(sim, ADMIN) if t.startswith("Account default"))
    assert "listener: connected, restarts 0" in status, status
    assert bot.proc.poll() is None
    assert sim.listener_starts() == 1
    assert "internal error" not in bot.log
    assert bot.stop(signal.SIGTERM) == 0


def test_deeply_nested_line_does_not_restart_the_listener(sim, zca_sim_path):
    rec = Recorder()
    settings = ListenerSettings(backoff_initial=0.05, backoff_max=0.2, stall_seconds=None,
                                assume_connected_seconds=0.5, kill_grace=1.0)
    listener = Listener(zca_sim_path, sim.profile, rec.on_event, on_state=rec.on_state, settings=settings,
                        name="deep")
    listener.start()
    try:
        sim.wait_listener(timeout=10)
        sim.inject_raw_bytes(b"[" * DEEP + b"]" * DEEP + b"\n")
        sim.inject_dm(ADMIN, "after the deep line", msg_id="4242")
        assert wait_until(lambda: rec.texts() == ["after the deep line"], timeout=8)
        assert listener.stats.restarts == 0
        assert not any("internal error" in d for d in rec.details(ListenerState.BACKOFF))
    finally:
        listener.stop()
