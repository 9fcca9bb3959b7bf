"""send_stream_request (backend/streams.py): a plugin's file goes out and its Stream says how it
went; bad streams fail through the Stream with a reason and a log line; a slow stream never holds
up its conversation."""

from __future__ import annotations

import io
import threading

import pytest
from errbot.backends.base import STREAM_ERROR, STREAM_SUCCESSFULLY_TRANSFERED

from errbot_zalouser.backend.identifiers import ZaloPerson, ZaloRoom
from tests.backend.conftest import FRIEND, WORK_CHAT

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize("to", [ZaloPerson(FRIEND), ZaloRoom(WORK_CHAT)], ids=["dm", "group"])
def test_a_pdf_and_an_image_are_delivered_and_reported(make_harness, to):
    h = make_harness()
    h.listener.connect()
    pdf = h.bot.send_stream_request(to, io.BytesIO(b"%PDF-1.7 report"), name="report.pdf",
                                    stream_type="application/pdf")
    image = h.bot.send_stream_request(to, io.BytesIO(PNG), name="chart", size=len(PNG), stream_type="image/png")
    assert pdf.wait(10) and image.wait(10)
    assert (pdf.status, image.status) == (STREAM_SUCCESSFULLY_TRANSFERED, STREAM_SUCCESSFULLY_TRANSFERED)
    rows = h.sent_to(to.group_id if isinstance(to, ZaloRoom) else to.user_id, 2)
    by_command = {r["command"]: r for r in rows}
    assert by_command["upload"]["attachments"][0].endswith("/report.pdf")  # files by msg upload
    assert by_command["image"]["file"].endswith("/chart.png")  # photos by msg image
    assert all(r["isGroup"] is isinstance(to, ZaloRoom) for r in rows)
    assert list((h.bot.zalouser.outbox.files.root).iterdir()) == []  # staged files deleted once sent


class Unreadable(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise OSError("the disk went away")


def closed_file() -> io.BufferedReader:
    stream = io.BufferedReader(io.BytesIO(b"x"))
    stream.close()
    return stream


@pytest.mark.parametrize(("source", "kwargs", "reason"), [
    (io.BytesIO(b"x" * 3000), {"name": "big.bin"}, "big.bin is over the 2048 bytes (mediaMaxMb) a file may have"),
    (io.BytesIO(b"x"), {"name": "big.bin", "size": 10**9}, "is 1000000000 bytes, over the 2048 bytes"),
    (Unreadable(), {"name": "a.pdf"}, "cannot read the stream: OSError: the disk went away"),
    (closed_file(), {"name": "a.pdf"}, "cannot read the stream (ValueError"),
    ("https://example.invalid/a.pdf", {"name": "a.pdf"}, "needs an open binary file object"),
    (io.BytesIO(b"x"), {"name": "x", "stream_type": "sticker"}, "unsupported stream_type 'sticker'"),
    (io.BytesIO(b""), {"name": "empty.txt"}, "the stream is empty"),
], ids=["over the cap", "announced over the cap", "unreadable", "closed", "not a file", "unsupported type", "empty"])
def test_a_stream_that_cannot_be_sent_fails_with_a_reason(make_harness, caplog, source, kwargs, reason):
    h = make_harness({"outbound": {"ratePerSecond": 50, "burst": 100}, "mediaMaxMb": 2048 / 1024 / 1024})
    h.listener.connect()
    stream = h.bot.send_stream_request(ZaloPerson(FRIEND), source, **kwargs)
    assert stream.wait(10) and stream.status == STREAM_ERROR and reason in stream.reason
    assert reason in caplog.text
    # nothing to the stream's chat (the admins' notice at connect may go out meanwhile)
    assert [r for r in h.sim.sent() if r.get("threadId") == FRIEND] == []


def test_a_failed_upload_fails_the_stream(make_harness):
    h = make_harness()
    h.listener.connect()
    h.sim.fail("msg upload", times=1, stderr="Error: Không thể nhận tin nhắn từ bạn.")
    stream = h.bot.send_stream_request(ZaloPerson(FRIEND), io.BytesIO(b"%PDF"), name="a.pdf")
    assert stream.wait(10) and stream.status == STREAM_ERROR and "Không thể nhận tin nhắn" in stream.reason


class Slow(io.RawIOBase):
    """A stream whose data arrives only once the test lets it."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.done:
            return 0
        assert self.go.wait(20), "the test never released the stream"
        buffer[:4] = b"%PDF"
        self.done = True
        return 4


def test_a_slow_stream_never_holds_up_its_conversation(make_harness):
    h = make_harness()
    h.listener.connect()
    slow = Slow()
    stream = h.bot.send_stream_request(ZaloPerson(FRIEND), io.BufferedReader(slow), name="late.pdf")
    reply = h.bot.build_message("không chờ")
    reply.to = ZaloPerson(FRIEND)
    h.bot.send_message(reply)
    (first,) = h.sent_to(FRIEND, 1)
    assert first["text"] == "không chờ" and not stream.wait(0.2)
    slow.go.set()
    assert stream.wait(10) and stream.status == STREAM_SUCCESSFULLY_TRANSFERED
    assert [r["command"] for r in h.sent_to(FRIEND, 2)] == ["send", "upload"]
