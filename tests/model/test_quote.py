"""Quotes and mentions of a listen line, with their odd and hostile forms."""

from __future__ import annotations

from typing import Any

import pytest

from errbot_zalouser.model import InboundEvent, Mention, Quote

GROUP = "2465050216833440664"
THU = "1543478002790642374"
BOT = "613062475174659631"


def group_line(content: str, **fields: Any) -> dict[str, Any]:
    return {"threadId": GROUP, "msgId": "7645530765413", "cliMsgId": "1774152529301", "content": content,
            "type": 1, "msgType": "webchat", **fields,
            "metadata": {"isGroup": True, "senderId": THU, "fromId": THU, **fields}, "senderId": THU}


QUOTE = {"ownerId": THU, "senderName": "Thu", "msg": "gửi báo giá giúp em", "ts": 1774152400000,
         "cliMsgId": "1774152399000", "globalMsgId": "7645520000001", "cliMsgType": 1}


def test_a_quote_reply_carries_the_quoted_message():
    event = InboundEvent.from_json(group_line("ok\n[reply context: Thu: gửi báo giá giúp em]", quote=QUOTE))
    assert event.quote == Quote(msg_id="7645520000001", cli_msg_id="1774152399000", sender_id=THU,
                                sender_name="Thu", text="gửi báo giá giúp em")
    assert event.quote.raw == QUOTE and event.content == "ok"


def test_quoted_media_the_tool_downloaded():
    fields = {"quote": {**QUOTE, "msg": {"href": "https://x.invalid/q.jpg"}}, "quoteMediaPaths": ["/m/q.jpg"],
              "quoteMediaUrls": ["https://x.invalid/q.jpg"], "quoteMediaTypes": ["image/jpeg"]}
    quote = InboundEvent.from_json(group_line("xem nè", **fields)).quote
    assert quote is not None and quote.text == ""  # the quoted message was not text
    assert [(a.kind, a.path, a.url, a.mime) for a in quote.attachments] == [
        ("image", "/m/q.jpg", "https://x.invalid/q.jpg", "image/jpeg")]


@pytest.mark.parametrize("quote", [None, "a string", 42, [], {}])
def test_no_usable_quote_is_no_quote(quote):
    assert InboundEvent.from_json(group_line("hi", quote=quote)).quote is None


def test_a_quote_with_odd_fields_keeps_what_reads():
    quote = InboundEvent.from_json(group_line("hi", quote={"ownerId": True, "msg": ["x"], "globalMsgId": 76455})).quote
    assert quote == Quote(msg_id="76455")


def test_a_reply_with_no_text_of_its_own_is_still_a_message():
    event = InboundEvent.from_json(group_line("\n[reply context: Thu: gửi]", quote=QUOTE))
    assert event.content == "" and event.quote is not None


def test_mentions_keep_their_place_and_skip_what_is_nobody():
    mentions = [{"uid": BOT, "pos": 0, "len": 4, "type": 0, "text": "@Mon"},
                {"uid": "-1", "pos": 5, "len": 4, "type": 1},  # @all
                {"uid": "12a", "pos": 0, "len": 1}, "junk", {"uid": THU, "pos": 99, "len": 4}]
    event = InboundEvent.from_json(group_line("@Mon @All giúp", mentions=mentions, mentionIds=[BOT, "-1", THU, "7"]))
    assert event.mentions == (Mention(BOT, 0, 4), Mention(THU), Mention("7"))
    assert event.mention_ids == (BOT, THU, "7")


def test_mention_ids_alone_are_mentions_without_a_place():
    event = InboundEvent.from_json(group_line("hi", mentionIds=[BOT]))
    assert event.mentions == (Mention(BOT),)
