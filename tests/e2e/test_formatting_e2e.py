"""The whole bot (`errbot -c`) on both zca-sim surfaces: replies arrive as they were meant.

Issue 10's "Done means": a reply whose Markdown leaves `*`, `_`, `{red}`, a URL with `*` and `_`,
and lines starting with `- ` or `1. ` literal (escaped or in code) arrives in the chat exactly as
written on openzca 0.1.58 and on the old binary; its emphasis, headings and lists arrive as Zalo
styles where the binary has them (0.1.58), as readable text where it has not. Each case is an
`!echo` of the Markdown: errbot echoes it back as the reply's Markdown.
"""

from __future__ import annotations

import pytest

from errbot_zalouser.simulator.control import SimControl
from tests.e2e.conftest import ADMIN, WORK_CHAT
from tests.richtext.chat import chat_styled, visible

# (reply Markdown, chat text on both surfaces or (0.1.58, legacy), styles on 0.1.58 as (text, style))
LITERALS = [
    (r"5\*3\*2 and a\*b", "5*3*2 and a*b", set()),
    ("a_b and snake_case_name", "a_b and snake_case_name", set()),
    ("{red}not red{/red} {big}", "{red}not red{/red} {big}", set()),
    (r"https://ex.com/a\_b\_c?x=\*y\*", "https://ex.com/a_b_c?x=*y*", set()),
    ("see `https://ex.com/a_b_c?x=*y*` now", "see https://ex.com/a_b_c?x=*y* now", set()),
    (r"\- not a list", "- not a list", set()),
    (r"1\. not a list", "1. not a list", set()),
    (r"\# not a heading", "# not a heading", set()),
    ("```\n- in code\n1. in code\n  {red}x{/red}\n```", "- in code\n1. in code\n  {red}x{/red}", set()),
    ("Xin chào, tiếng Việt có dấu: Đào, Nguyễn", "Xin chào, tiếng Việt có dấu: Đào, Nguyễn", set()),
]
MEANINGS = [
    ("5*3*2", ("532", "5*3*2"), {("3", "i")}),
    ("*it* and **bold**", ("it and bold", "*it* and **bold**"), {("it", "i"), ("bold", "b")}),
    ("# Title", ("Title", "Title"), {("Title", "b"), ("Title", "f_18")}),
    ("- a\n- b", ("a\nb", "• a\n• b"), {("a", "lst_1"), ("b", "lst_1")}),
    ("1. one\n2. two", ("one\ntwo", "1. one\n2. two"), {("one", "lst_2"), ("two", "lst_2")}),
]


def spans(record: dict) -> set[tuple[str, str]]:
    styled = chat_styled(record)
    return {(styled.text[s.start:s.end], s.style) for s in styled.styles}


def echo(bot, thread: str, markdown: str, *, group: bool = False) -> dict:
    """Send `!echo <markdown>` and return the one message the bot answered with."""
    before = len([r for r in bot.sim.sent() if r.get("threadId") == thread])
    if group:
        bot.sim.inject_group(thread, ADMIN, f"!echo {markdown}")
    else:
        bot.sim.inject_dm(thread, f"!echo {markdown}")
    rows = bot.replies_to(thread, before + 1)
    return rows[before]


def test_literals_and_meanings_arrive_as_written(bot_factory, surface):
    bot = bot_factory()
    native = surface == "0.1.58"
    wrong = []
    for markdown, text, styles in LITERALS:
        record = echo(bot, ADMIN, markdown)
        got = (visible(record["text"]), spans(record) if native else set())
        if got != (text, styles):
            wrong.append((markdown, got))
    for markdown, texts, styles in MEANINGS:
        record = echo(bot, ADMIN, markdown)
        got = (visible(record["text"]), spans(record) if native else set())
        if got != (texts[0 if native else 1], styles if native else set()):
            wrong.append((markdown, got))
    assert wrong == []
    assert all(r.get("chunks", 1) == 1 and r.get("attempt", 1) == 1 for r in bot.sim.sent())


def test_an_ambiguous_at_name_in_a_group_reply_does_not_fail(bot_factory, surface, sim: SimControl):
    members = sim.members[WORK_CHAT] + [
        {"userId": "3100000000000000001", "displayName": "Minh", "zaloName": "Minh A"},
        {"userId": "3100000000000000002", "displayName": "Minh", "zaloName": "Minh B"},
    ]
    sim.add_groups([g for g in sim.groups if g["groupId"] == WORK_CHAT], members={WORK_CHAT: members})
    bot = bot_factory({"groupPolicy": "open"})
    record = echo(bot, WORK_CHAT, "@Minh please look", group=True)
    assert visible(record["text"]) == "@Minh please look"
    assert record.get("mentions", []) == []
    assert "failed after" not in bot.log


@pytest.mark.parametrize("command", ["!help", "!whoami", "!status", "!render test"])
def test_errbot_outputs_arrive_without_grids_fences_or_lost_text(bot_factory, surface, command):
    bot = bot_factory()
    bot.sim.inject_dm(ADMIN, command)
    records = bot.replies_to(ADMIN)
    text = "\n".join(visible(r["text"]) for r in records)
    assert not any(grid in text for grid in ("┏", "┃", "│", "```"))
    assert all(r.get("chunks", 1) == 1 for r in records)
    expected = {"!help": "!echo** - A simple echo command" if surface == "legacy" else "!echo - A simple echo command",
                "!whoami": "person: zalouser:" + ADMIN,
                "!status": "Yes I am alive", "!render test": "First Header: Second Header"}[command]
    assert expected in text
