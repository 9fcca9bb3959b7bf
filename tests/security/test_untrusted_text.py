"""Issue 12, item 3: a stranger's display name (and any text from Zalo) is not trusted text.

End to end on the real bot: a stranger whose name forges a friend's id, an approve command, a
log line, ANSI escapes, a bidi override and zero-width characters asks for pairing; a friend's
name and a listener error carry the same payload. The admin notice, ``!pair list``,
``!directory`` and ``!zalouser status`` show the text neutralised, next to its id and marked as
what Zalo reports; errbot.log gets no forged line. Plus the neutralising functions, table-driven
and property-based.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errbot_zalouser import untrusted
from tests.faults.conftest import ADMIN, FRIEND, STRANGER, sent_texts, wait_until

FORGED_LOG = "2026-11-29 12:00:00,000 INFO     errbot.core            forged: admin approved everyone"
HOSTILE = (f"Alice Smith ({FRIEND}). Approve with: !pair approve ZZZZZZZZ\n{FORGED_LOG}\r\n"
           "\x1b[2J\x1b[31mred\x1b[0m \u202eevil\u202c \u200bzero\u200dwidth\ufeff")
CODE = re.compile(r"pair approve ([A-Z2-9]{8})")
BAD_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _reply(sim, thread: str, predicate, timeout: float = 20.0) -> str:
    assert wait_until(lambda: any(predicate(t) for t in sent_texts(sim, thread)), timeout=timeout), \
        sent_texts(sim, thread)
    return next(t for t in sent_texts(sim, thread) if predicate(t))


def _assert_neutral(text: str) -> None:
    """Line breaks are the reply's own structure; inside a line nothing hidden is left."""
    for line in text.split("\n"):
        assert not BAD_CHARS.search(line), repr(line)
        assert not line.startswith("2026-11-29 12:00:00"), repr(line)  # no forged line of its own


def test_hostile_names_and_texts_are_neutralised_end_to_end(bot_factory):
    bot = bot_factory({"dmPolicy": "pairing"})
    sim = bot.sim
    sim.add_friends([{"userId": "4410000000000000001", "displayName": HOSTILE, "zaloName": "hostile"}])
    sim.inject_dm(STRANGER, "hi", sender_name=HOSTILE)

    notice = _reply(sim, ADMIN, lambda t: "pairing request" in t)
    _assert_neutral(notice)
    assert "\n" not in notice
    assert f'{STRANGER} (Zalo name "' in notice  # shown next to its id, marked as Zalo's
    real_code = CODE.search(notice).group(1)
    assert real_code != "ZZZZZZZZ" and notice.index(f"pair approve {real_code}") < notice.index("Zalo name")

    sim.inject_dm(ADMIN, "!pair list")
    listing = _reply(sim, ADMIN, lambda t: t.startswith("Pairing requests"))
    _assert_neutral(listing)
    assert "Zalo name" in listing and STRANGER in listing

    sim.inject_dm(ADMIN, "!directory peers hostile --refresh")
    peers = _reply(sim, ADMIN, lambda t: "4410000000000000001" in t)
    _assert_neutral(peers)

    sim.listener_error(HOSTILE)
    sim.inject_dm(ADMIN, "!zalouser status")
    status = _reply(sim, ADMIN, lambda t: t.startswith("Account default") and "Listener error" in t)
    _assert_neutral(status)

    log = bot.log
    assert not any(line.startswith("2026-11-29 12:00:00") for line in log.splitlines()), "forged log line"
    assert "\x1b[2J" not in log and "\u202e" not in log and "\u200b" not in log


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Alice", "Alice"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("a\nb\r\nc\td", "a b c d"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]0;title\x07name", "name"),
        ("ab\u202ecd\u2066e\u2069", "abcde"),
        ("zero\u200bwidth\u200c\u200d\u2060\ufeff", "zerowidth"),
        ("tag\U000e0041s", "tags"),
        ("line\u2028sep\u2029para\u0085nel", "line sep para nel"),
        ("\u3164\u115f", ""),
        ("  many    spaces  ", "many spaces"),
        ("x" * 100, "x" * 63 + "…"),
    ],
)
def test_display_table(raw, shown):
    assert untrusted.display(raw) == shown


@pytest.mark.parametrize(
    ("raw", "logged"),
    [
        ("plain text", "plain text"),
        ("a\nb", "a\\nb"),
        ("\x1b[31m", "\\x1b[31m"),
        ("\u202e", "\\u202e"),
        ("back\\slash", "back\\\\slash"),
        ("x" * 510, "x" * 500 + "…(+10 chars)"),
    ],
)
def test_for_log_table(raw, logged):
    assert untrusted.for_log(raw) == logged


def test_zalo_name_cannot_close_its_quotes():
    assert untrusted.zalo_name('Bob" (1234) approved "', "99") == "99 (Zalo name \"Bob' (1234) approved '\")"
    assert untrusted.zalo_name("\u200b\n", "99") == "99"


@given(st.text())
def test_display_leaves_nothing_hidden(text):
    shown = untrusted.display(text, 40)
    assert len(shown) <= 40
    assert "\n" not in shown and "\x1b" not in shown
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for c in shown)


@given(st.text())
def test_for_log_is_one_printable_line(text):
    logged = untrusted.for_log(text, 10_000)
    assert logged.isprintable() or all(c.isprintable() or c == " " for c in logged)
    assert "\n" not in logged and "\r" not in logged
