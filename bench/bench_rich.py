"""Benchmark: what issue 11 added to the inbound and outbound paths, one core, in this process.

- parsing one listen line (``InboundEvent.from_json``) of each shape: a text DM, an openzca photo
  (media fields and note), an older object-content file, a quote-reply;
- vetting a photo's path against the media folder (``MediaFolder.vet``: a realpath and an lstat);
- staging a stream for ``send_stream_request`` (``OutgoingFiles.stage``) at the default cap, 20 MB;
- the mention checks of the gate (``is_mentioned``, ``addressed_text``) on a hostile 1 MiB text of
  ``@`` signs (100,000 that start mentions, then 300,000 that do not), which must not hold up the
  dispatch loop.

    python -m bench rich
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.common import pinned, r, target, workdir
from errbot_zalouser.model import InboundEvent
from errbot_zalouser.policy.mention import addressed_text, is_mentioned
from errbot_zalouser.service.media import MediaFolder
from errbot_zalouser.service.outgoing import OutgoingFiles

PEER = "1543478002790642374"
URL = "https://f21-zpc.zdn.vn/jpg/abc/photo.jpg"
LINES = 20_000
MB = 1024 * 1024
HOSTILE_MENTION_MS = 50.0


def _line(content: Any, msg_type: str = "webchat", **fields: Any) -> dict[str, Any]:
    meta = {"isGroup": False, "senderId": PEER, "fromId": PEER, "msgType": msg_type, **fields}
    return {"threadId": PEER, "msgId": "7645528516660", "cliMsgId": "1774152479593", "content": content, "type": 0,
            "timestamp": 1774152480, "msgType": msg_type, **fields, "metadata": meta, "chatType": "user",
            "senderId": PEER, "ts": "1774152480556"}


def shapes(path: str) -> dict[str, dict[str, Any]]:
    media = {"mediaPath": path, "mediaPaths": [path], "mediaUrl": URL, "mediaUrls": [URL], "mediaType": "image/jpeg",
             "mediaTypes": ["image/jpeg"], "mediaKind": "image"}
    quote = {"ownerId": PEER, "senderName": "Thu", "msg": "gửi báo giá giúp em", "cliMsgId": "1774152399000",
             "globalMsgId": "7645520000001"}
    return {
        "text": _line("xin chào, cho mình hỏi giá"),
        "photo": _line(f"[media attached: {path} (image/jpeg) | {URL}]\n{URL}", "chat.photo", **media),
        "object file": _line({"title": "hợp đồng.pdf", "href": "https://f9-zpc.zdn.vn/f/a.pdf",
                              "params": '{"fileSize": "48213", "fileExt": "pdf"}'}, "share.file"),
        "quote reply": _line("ok để mình xem\n[reply context: Thu: gửi báo giá giúp em]", quote=quote),
    }


def per_call_us(call: Callable[[], object], count: int) -> float:
    """The median over 5 rounds of microseconds per call."""
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(count):
            call()
        rounds.append((time.perf_counter() - started) / count * 1e6)
    return statistics.median(rounds)


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with workdir("rich") as tmp, pinned():
        folder = MediaFolder(tmp / "media" / "default", "default")
        folder.prepare()
        photo = folder.path / "1774152600123-9f1c2a7b.jpg"
        photo.write_bytes(b"\xff\xd8" + b"j" * 200_000)
        lines = shapes(str(photo))
        for name, line in lines.items():
            figures[f"parse {name} us"] = r(per_call_us(lambda line=line: InboundEvent.from_json(line), LINES // 5))
        event = InboundEvent.from_json(lines["photo"])
        figures["vet photo us"] = r(per_call_us(lambda: folder.vet(event), LINES // 5))

        files = OutgoingFiles(tmp / "outgoing")
        payload = b"x" * (20 * MB)
        started = time.perf_counter()
        staged = files.stage(io.BytesIO(payload), name="big.bin", stream_type=None, size_hint=None, max_bytes=20 * MB)
        seconds = time.perf_counter() - started
        files.remove(str(staged.path))
        figures["stage 20 MB s"] = r(seconds, 3)
        figures["stage MB per s"] = r(20 / seconds, 0)

        hostile = InboundEvent(thread_id="1", sender_id="2", content="@a " * 100_000 + "x@" * 300_000, is_group=True)
        started = time.perf_counter()
        mentioned = is_mentioned(hostile, "613062475174659631", "Nguyễn Văn An Trợ Lý")
        addressed = addressed_text(hostile, "613062475174659631", "Nguyễn Văn An Trợ Lý")
        hostile_ms = (time.perf_counter() - started) * 1000
        figures["hostile mention check ms"] = r(hostile_ms, 1)
        figures["hostile text mentioned"] = mentioned or addressed is not None
    figures["targets"] = [target("gate's mention checks on a 0.9 MiB text of 400,000 @ (ms)", r(hostile_ms, 1),
                                 HOSTILE_MENTION_MS, "<=")]
    return figures


def summary(figures: dict[str, Any]) -> str:
    parsed = ", ".join(f"{k.removeprefix('parse ').removesuffix(' us')} {v} us"
                       for k, v in figures.items() if k.startswith("parse "))
    return (f"parse: {parsed}; vet a photo {figures['vet photo us']} us; stage 20 MB in {figures['stage 20 MB s']} s "
            f"({figures['stage MB per s']} MB/s); hostile mention text {figures['hostile mention check ms']} ms")
