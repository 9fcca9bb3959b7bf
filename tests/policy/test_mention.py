"""is_mentioned: the bot's id among the mention ids, or "@<its name>" in the text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errbot_zalouser.model import InboundEvent
from errbot_zalouser.policy.mention import is_mentioned

BOT_ID, BOT_NAME = "9001", "Bot Zalo"


def event(content: str = "hi", mentions: tuple[str, ...] = ()) -> InboundEvent:
    return InboundEvent(thread_id="5001", sender_id="1001", content=content, is_group=True, mention_ids=mentions)


@pytest.mark.parametrize(
    ("content", "mentions", "self_id", "self_name", "expected"),
    [
        ("hi", (BOT_ID,), BOT_ID, BOT_NAME, True),
        ("hi", ("1002", BOT_ID), BOT_ID, "", True),
        ("hi", ("1002",), BOT_ID, BOT_NAME, False),
        ("@Bot Zalo hi", (), BOT_ID, BOT_NAME, True),
        ("hey @bot zalo, hi", (), BOT_ID, BOT_NAME, True),
        ("HEY @BOT ZALO", (), "", BOT_NAME, True),
        ("Bot Zalo without the at sign", (), BOT_ID, BOT_NAME, False),
        ("@Bot", (), BOT_ID, BOT_NAME, False),
        ("@Nguyễn Văn An ơi", (), BOT_ID, "Nguyễn Văn An", True),
        ("@", (), BOT_ID, "", False),  # no name known: typed text never counts
        ("hi", ("",), "", "", False),  # no id known: an empty mention id is not ours
        ("hi", (BOT_ID + "0",), BOT_ID, BOT_NAME, False),  # ids match whole
    ],
)
def test_is_mentioned(content, mentions, self_id, self_name, expected):
    assert is_mentioned(event(content, mentions), self_id, self_name) is expected


@settings(max_examples=200, deadline=None)
@given(content=st.text(max_size=40), mentions=st.lists(st.text("0123456789", min_size=1, max_size=5), max_size=4))
def test_an_unknown_identity_is_never_mentioned(content, mentions):
    assert is_mentioned(event(content, tuple(mentions)), "", "") is False


@settings(max_examples=200, deadline=None)
@given(before=st.text(max_size=20), after=st.text(max_size=20), name=st.text(min_size=1, max_size=15))
def test_at_name_anywhere_is_a_mention(before, after, name):
    assert is_mentioned(event(f"{before}@{name}{after}"), "", name) is True
