"""is_mentioned and addressed_text: the bot's id among the mentions, or "@" and its whole name or id."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errbot_zalouser.ids import name_key
from errbot_zalouser.model import InboundEvent, Mention
from errbot_zalouser.policy.mention import addressed_text, is_mentioned

BOT_ID, BOT_NAME = "9001", "Bot Zalo"


def event(content: str = "hi", mentions: tuple[str, ...] = (), places: tuple[Mention, ...] = ()) -> InboundEvent:
    return InboundEvent(thread_id="5001", sender_id="1001", content=content, is_group=True,
                        mention_ids=mentions or tuple(m.user_id for m in places), mentions=places)


@pytest.mark.parametrize(
    ("content", "mentions", "self_id", "self_name", "expected"),
    [
        ("hi", (BOT_ID,), BOT_ID, BOT_NAME, True),
        ("hi", ("1002", BOT_ID), BOT_ID, "", True),
        ("hi", ("1002",), BOT_ID, BOT_NAME, False),
        ("@Bot Zalo hi", (), BOT_ID, BOT_NAME, True),
        ("hey @bot zalo, hi", (), BOT_ID, BOT_NAME, True),
        ("HEY @BOT ZALO", (), "", BOT_NAME, True),
        ("(@Bot Zalo)", (), "", BOT_NAME, True),
        ("ask @Bot Zalo. Then", (), "", BOT_NAME, True),
        ("Bot Zalo without the at sign", (), BOT_ID, BOT_NAME, False),
        ("@Bot", (), BOT_ID, BOT_NAME, False),
        ("@Bot Zalos", (), BOT_ID, BOT_NAME, False),  # a longer word: another name
        ("@Bot Zalo.com", (), BOT_ID, BOT_NAME, False),
        ("mail@Bot Zalo", (), BOT_ID, BOT_NAME, False),  # not at a mention's start
        ("@Anh ơi", (), BOT_ID, "An", False),  # "An" is not mentioned by "@Anh"
        ("@An ơi", (), BOT_ID, "An", True),
        ("@Nguyễn Văn An ơi", (), BOT_ID, "Nguyễn Văn An", True),
        ("@nguyen van an: xem", (), BOT_ID, "Nguyễn Văn An", True),  # the one rule for names
        ("@9001 hi", (), BOT_ID, BOT_NAME, True),  # the id typed
        ("@90012 hi", (), BOT_ID, BOT_NAME, False),
        ("@", (), BOT_ID, "", False),  # no name known: typed text never counts
        ("hi", ("",), "", "", False),  # no id known: an empty mention id is not ours
        ("hi", (BOT_ID + "0",), BOT_ID, BOT_NAME, False),  # ids match whole
    ],
)
def test_is_mentioned(content, mentions, self_id, self_name, expected):
    assert is_mentioned(event(content, mentions), self_id, self_name) is expected


@pytest.mark.parametrize(
    ("content", "places", "self_name", "expected"),
    [
        ("@Bot Zalo !echo hi", (), BOT_NAME, "!echo hi"),
        ("  @bot zalo: !echo hi", (), BOT_NAME, "!echo hi"),
        ("@Bot Zalo, !help", (), BOT_NAME, "!help"),
        ("@Mon !echo hi", (Mention(BOT_ID, 0, 4),), BOT_NAME, "!echo hi"),  # mention data: any label
        ("@9001 !echo hi", (), BOT_NAME, "!echo hi"),
        ("@Bot Zalo", (), BOT_NAME, ""),
        ("@Anh !echo hi", (), "An", None),
        ("@Mon !echo hi", (Mention("1002", 0, 4),), BOT_NAME, None),  # someone else
        ("hi @Bot Zalo !echo", (), BOT_NAME, None),  # mentioned, but not at the start
        ("@Mon !echo", (Mention(BOT_ID),), BOT_NAME, None),  # a mention without a place
        ("!echo hi", (), BOT_NAME, None),
    ],
)
def test_addressed_text(content, places, self_name, expected):
    assert addressed_text(event(content, places=places), BOT_ID, self_name) == expected


@settings(max_examples=200, deadline=None)
@given(content=st.text(max_size=40), mentions=st.lists(st.text("0123456789", min_size=1, max_size=5), max_size=4))
def test_an_unknown_identity_is_never_mentioned(content, mentions):
    assert is_mentioned(event(content, tuple(mentions)), "", "") is False
    assert addressed_text(event(content), "", "") is None


NAMES = st.text(st.characters(categories=("L", "N"), max_codepoint=0x1EFF), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(before=st.sampled_from(["", "hi ", "(", "a, "]), after=st.sampled_from(["", " x", ", y", "!", ". z"]),
       name=NAMES)
def test_at_whole_name_at_a_boundary_is_a_mention_and_addresses_the_bot(before, after, name):
    assert is_mentioned(event(f"{before}@{name}{after}"), "", name) is True
    if not before:
        assert addressed_text(event(f"@{name}{after}"), "", name) == after.lstrip(" ,:")


@settings(max_examples=200, deadline=None)
@given(name=NAMES, extra=NAMES)
def test_a_longer_name_that_starts_with_the_bots_is_not_a_mention(name, extra):
    longer = name + extra
    if name_key(longer) != name_key(name):
        assert is_mentioned(event(f"@{longer} hi"), "", name) is False


def test_only_the_first_hundred_at_signs_are_looked_at():
    crowd = "@x " * 100
    assert not is_mentioned(event(f"{crowd}@Bot Zalo"), "", BOT_NAME)
    assert is_mentioned(event(f"{crowd[3:]}@Bot Zalo"), "", BOT_NAME)


def test_only_the_first_thousand_at_signs_are_looked_at():
    signs = "x@" * 1000
    assert not is_mentioned(event(f"{signs} @Bot Zalo"), "", BOT_NAME)
    assert is_mentioned(event(f"{signs[2:]} @Bot Zalo"), "", BOT_NAME)
