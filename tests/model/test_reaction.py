"""Reaction names and codes, and reactions as the zca-js engine reports them."""

from __future__ import annotations

import pytest

from errbot_zalouser.model import BadEvent, InboundReaction
from errbot_zalouser.model.reaction import REACTIONS, reaction_code, reaction_name

PEER = "1543478002790642374"


@pytest.mark.parametrize(
    ("spelling", "code"),
    [("❤️", "/-heart"), ("👍", "/-strong"), ("😂", ":>"), ("like", "/-strong"), ("Tears of joy", ":')"),
     ("broken-heart", "/-break"), (" HAHA ", ":>"), ("/-rose", "/-rose"), (":>", ":>"), ("none", ""),
     ("sparkles", None), ("", None), ("  ", None), ("/-nope", None), ("🦄", None)],
)
def test_reaction_code_reads_emoji_names_and_codes(spelling, code):
    assert reaction_code(spelling) == code


def test_every_code_has_its_name_back():
    assert len(REACTIONS) == 55
    assert all(reaction_name(code) == name for name, code in REACTIONS.items())
    assert reaction_name(":unknown:") == ":unknown:"


ENGINE = {"threadId": PEER, "isGroup": False, "senderId": PEER, "senderName": "Lan", "icon": "/-heart",
          "targets": [{"msgId": "7712003409999", "cliMsgId": "1774000000999"}], "msgId": "7712003410000",
          "timestamp": 1774000001, "ts": "1774000001000"}


def test_an_engine_reaction():
    reaction = InboundReaction.from_json(ENGINE)
    assert (reaction.name, reaction.removed, reaction.targets, reaction.sender_name) == (
        "HEART", False, (("7712003409999", "1774000000999"),), "Lan")
    assert reaction.dedupe_keys == ("r:7712003410000",) and reaction.raw == ENGINE
    assert InboundReaction.from_json({**ENGINE, "icon": ""}).removed


@pytest.mark.parametrize(
    ("change", "error"),
    [({"threadId": None}, "thread or sender"), ({"senderId": "x1"}, "thread or sender"),
     ({"targets": []}, "names no message"), ({"targets": [{"msgId": None}, "x"]}, "names no message"),
     ({"icon": 5}, "no icon")],
)
def test_unusable_reactions_are_bad_events(change, error):
    with pytest.raises(BadEvent, match=error):
        InboundReaction.from_json({**ENGINE, **change})
    with pytest.raises(BadEvent):
        InboundReaction.from_json(["not", "an", "object"])
