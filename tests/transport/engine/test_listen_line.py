"""The engine's conversion of zca-js listener objects into `openzca listen -r` lines, run under Node.

The expected lines are written from openzca 0.1.58's rules (field set and order, content notes,
mentions, quotes); ids are invented. One conversion runs per Node process call for the whole table.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from errbot_zalouser.model import InboundEvent
from errbot_zalouser.transport.engine.install import NODE_DIR

BOT = "5190347726618830547"
PEER = "2947718306652210431"
GROUP = "6920154873301128374"

DRIVER = f"""
import * as conv from {json.dumps((NODE_DIR / "lib" / "listen-line.mjs").as_uri())};
let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map(([kind, obj]) =>
  kind === "message" ? conv.listenLine(obj) : kind === "reaction" ? conv.reactionEvent(obj) : conv.undoEvent(obj));
process.stdout.write(JSON.stringify(out));
"""


def convert(node: str, items: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    import subprocess

    run = subprocess.run([node, "--input-type=module", "-e", DRIVER], input=json.dumps(items), capture_output=True,
                         text=True, timeout=30, check=False)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def message(content: Any, *, group: bool = False, msg_type: str = "webchat", **data: Any) -> dict[str, Any]:
    """A zca-js UserMessage/GroupMessage as its listener emits it (idTo already set to our id in a DM)."""
    body = {"actionId": "1", "msgId": "7712003400123", "cliMsgId": "1774000000123", "msgType": msg_type,
            "uidFrom": PEER, "idTo": GROUP if group else BOT, "dName": "Lan", "ts": "1774000000456",
            "status": 1, "content": content, "ttl": 0, **data}
    return {"type": 1 if group else 0, "data": body, "threadId": GROUP if group else PEER, "isSelf": False}


def test_a_dm_line_has_openzcas_fields_in_openzcas_order(node):
    (line,) = convert(node, [("message", message("xin chào"))])
    expected = (
        '{"threadId":"P","targetId":"P","conversationId":"P","msgId":"7712003400123","cliMsgId":"1774000000123",'
        '"content":"xin chào","type":0,"timestamp":1774000000,"msgType":"webchat","metadata":{"isGroup":false,'
        '"chatType":"user","threadId":"P","targetId":"P","senderDisplayName":"Lan","senderId":"P","fromId":"P",'
        '"toId":"B","msgType":"webchat","timestamp":1774000000},"chatType":"user","senderId":"P",'
        '"senderName":"Lan","senderDisplayName":"Lan","toId":"B","ts":"1774000000456"}'
    ).replace('"P"', f'"{PEER}"').replace('"B"', f'"{BOT}"')
    assert json.dumps(line, ensure_ascii=False, separators=(",", ":")) == expected
    event = InboundEvent.from_json(line)
    assert (event.thread_id, event.sender_id, event.content, event.is_group) == (PEER, PEER, "xin chào", False)


def test_a_group_line_carries_mentions_with_their_text(node):
    mention = {"uid": BOT, "pos": 0, "len": 4, "type": 0}
    (line,) = convert(node, [("message", message("@Bot giúp mình", group=True, mentions=[mention]))])
    assert line["mentions"] == [{**mention, "text": "@Bot"}] and line["mentionIds"] == [BOT]
    meta = line["metadata"]
    assert (meta["isGroup"], meta["senderName"], meta["mentionCount"], meta["toId"]) == (True, "Lan", 1, GROUP)
    assert list(meta)[:6] == ["isGroup", "chatType", "threadId", "targetId", "senderName", "senderDisplayName"]
    assert InboundEvent.from_json(line).mention_ids == (BOT,)


PHOTO = {"title": "", "description": "", "href": "https://f1.zdn.vn/jpg/a.jpg", "thumb": "https://f1.zdn.vn/thumb/a.jpg",
         "childnumber": 0, "action": "", "type": "", "params": json.dumps({"hd": "https://f1.zdn.vn/hd/a.jpg"})}


def test_media_become_notes_with_urls_and_a_kind(node):
    file = {"title": "report.pdf", "href": "https://f1.zdn.vn/f/report.pdf", "params": json.dumps({"fileExt": "pdf"})}
    voice = {"title": "", "href": "https://f1.zdn.vn/v/voice.m4a", "params": "{}"}
    photo, doc, audio, sticker = convert(node, [
        ("message", message(PHOTO, msg_type="chat.photo")),
        ("message", message(file, msg_type="share.file")),
        ("message", message(voice, msg_type="chat.voice")),
        ("message", message({"id": 501, "catId": 10, "type": 7}, msg_type="chat.sticker")),
    ])
    assert photo["content"] == (
        "[media attached: 3 files]\n"
        "[media attached 1/3: https://f1.zdn.vn/thumb/a.jpg (image/*)]\n"
        "[media attached 2/3: https://f1.zdn.vn/jpg/a.jpg (image/*)]\n"
        "[media attached 3/3: https://f1.zdn.vn/hd/a.jpg (image/*)]\n"
        "https://f1.zdn.vn/jpg/a.jpg"  # the caption falls back to the link when there is no title
    )
    assert photo["mediaKind"] == "image" and photo["mediaUrl"] == "https://f1.zdn.vn/thumb/a.jpg"
    assert len(photo["mediaUrls"]) == 3 and "mediaPath" not in photo and "mediaType" not in photo
    assert doc["content"] == "[media attached: https://f1.zdn.vn/f/report.pdf]\nreport.pdf"
    assert doc["mediaKind"] == "file"
    assert audio["content"] == "[media attached: https://f1.zdn.vn/v/voice.m4a (audio/*)]\nhttps://f1.zdn.vn/v/voice.m4a"
    assert sticker["content"] == "<non-text:chat.sticker>" and sticker["mediaKind"] == "image"
    assert sticker["mentionIds"] == ["501"]  # openzca reads a sticker's {id, type} as a mention, too


def test_a_quoted_reply_appends_its_context(node):
    quote = {"ownerId": "1543478002790642374", "cliMsgId": 1774000000001, "globalMsgId": 7712003400001,
             "cliMsgType": 1, "ts": 1774000000002, "msg": "gửi   báo giá\ngiúp em", "attach": "", "fromD": "Thu", "ttl": 0}
    long_quote = {**quote, "msg": "x" * 300}
    photo_quote = {**quote, "msg": "", "attach": json.dumps(PHOTO)}
    reply, long_reply, photo_reply = convert(node, [
        ("message", message("ok để mình xem", quote=quote)),
        ("message", message("ok", quote=long_quote)),
        ("message", message("đẹp", quote=photo_quote)),
    ])
    assert reply["content"] == "ok để mình xem\n[reply context: Thu: gửi báo giá giúp em]"
    assert reply["quote"] == {"ownerId": "1543478002790642374", "senderName": "Thu", "msg": "gửi   báo giá\ngiúp em",
                              "attach": "", "ts": 1774000000002, "cliMsgId": "1774000000001",
                              "globalMsgId": "7712003400001", "cliMsgType": 1}
    assert reply["metadata"]["quote"] == reply["quote"]
    assert long_reply["content"] == f"ok\n[reply context: Thu: {'x' * 217}...]"
    assert photo_reply["content"].split("\n") == [
        "đẹp",
        "[reply media attached: 3 files]",
        "[reply media attached 1/3: https://f1.zdn.vn/jpg/a.jpg]",
        "[reply media attached 2/3: https://f1.zdn.vn/thumb/a.jpg]",
        "[reply media attached 3/3: https://f1.zdn.vn/hd/a.jpg]",
        "[reply context: Thu: https://f1.zdn.vn/jpg/a.jpg]",  # the attachment's link stands in for its text
    ]
    assert photo_reply["quoteMediaUrls"] == photo_reply["quote"]["mediaUrls"]


@pytest.mark.parametrize(
    ("content", "msg_type", "expected"),
    [
        ("   ", "webchat", "<non-text:webchat>"),  # blank text is summarised, as openzca does
        ({}, "chat.todo", "<non-text:chat.todo>"),
        (None, "", "<non-text-message>"),
        ({"title": "Trang chủ", "href": "https://vnexpress.net/"}, "chat.link", "https://vnexpress.net/"),
        ('{"description": "nội dung"}', "chat.todo", "nội dung"),
        ({"nested": {"deep": "https://a.vn/x.png)"}}, "chat.gif", "[media attached: https://a.vn/x.png (image/*)]\n"
                                                                 "<non-text:chat.gif>"),
    ],
)
def test_content_rules(node, content, msg_type, expected):
    (line,) = convert(node, [("message", message(content, msg_type=msg_type))])
    assert line["content"] == expected


def test_reaction_and_undo_events(node):
    reaction = {"data": {"msgId": "7712003409999", "uidFrom": PEER, "idTo": BOT, "dName": "Lan", "ts": "1774000001000",
                         "content": {"rMsg": [{"gMsgID": "7712003400123", "cMsgID": "1774000000123", "msgType": 1}],
                                     "rIcon": "/-heart", "rType": 3, "source": 6}},
                "threadId": PEER, "isSelf": False, "isGroup": False}
    undo = {"data": {"uidFrom": PEER, "ts": "1774000002000",
                     "content": {"globalMsgId": 7712003400123, "cliMsgId": 1774000000123}},
            "threadId": GROUP, "isSelf": False, "isGroup": True}
    got_reaction, got_undo = convert(node, [("reaction", reaction), ("undo", undo)])
    assert got_reaction == {"threadId": PEER, "isGroup": False, "senderId": PEER, "senderName": "Lan", "icon": "/-heart",
                            "targets": [{"msgId": "7712003400123", "cliMsgId": "1774000000123"}],
                            "msgId": "7712003409999", "timestamp": 1774000001, "ts": "1774000001000"}
    assert got_undo == {"threadId": GROUP, "isGroup": True, "senderId": PEER, "msgId": "7712003400123",
                        "cliMsgId": "1774000000123", "timestamp": 1774000002, "ts": "1774000002000"}


def test_hostile_shapes_do_not_break_the_conversion(node):
    deep: Any = "x"
    for _ in range(50):
        deep = {"a": [deep]}
    items = [("message", message(deep, msg_type="chat.todo")),
             ("message", {"type": 0, "threadId": PEER, "data": None}),
             ("message", message("hi", mentions="not a list", quote=[1, 2]))]
    lines = convert(node, items)
    assert lines[0]["content"] == "<non-text:chat.todo>"
    assert lines[1]["content"] == "<non-text-message>"
    assert lines[2]["content"] == "hi" and "quote" not in lines[2]
