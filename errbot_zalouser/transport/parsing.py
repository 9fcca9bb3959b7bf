"""Tolerant readers for what `zca` prints: JSON results and message ids after a send.

`zca` may prefix its JSON with log lines or colour it with ANSI escapes, and the
success output of ``msg send`` differs between editions and versions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from errbot_zalouser.errors import ZcaBadOutput

# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and 2-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_MESSAGE_ID = re.compile(r"message[_\s]?id[:\s]+(\S+)", re.IGNORECASE)
_BARE_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_INSPECT_MSG_ID = re.compile(r"\bmsgId['\"]?\s*:\s*['\"]?(\d+)")
# console.table of [{msgId}] (openzca's msg voice): the header names msgId, row 0 holds the id.
_TABLE_MSG_ID = re.compile(r"^│\s*\(index\)\s*│\s*msgId\s*│.*?^│\s*0\s*│\s*'?(\d+)'?\s*│", re.MULTILINE | re.DOTALL)
_MAX_JSON_STARTS = 50
_decoder = json.JSONDecoder()


def strip_ansi(text: str) -> str:
    """``text`` without terminal escape sequences."""
    return _ANSI.sub("", text)


def parse_json_output(stdout: str, *, argv: Sequence[str] = ()) -> Any:
    """Decode the JSON a `zca ... -j` call printed.

    Tries, in order: the whole stdout, stdout with ANSI escapes stripped, then the
    text from each line that starts with ``{`` or ``[`` (so INFO lines before the
    JSON, and even a ``[tag] ...`` log line, are skipped; text after the JSON value
    is ignored). Raises ``ZcaBadOutput`` keeping argv and the first 200 characters.
    """
    for candidate in (stdout, strip_ansi(stdout)):
        try:
            return json.loads(candidate)
        except ValueError:
            pass
    found = _from_json_line(strip_ansi(stdout))
    if found is not _NOTHING:
        return found
    shown = stdout[:200] if stdout.strip() else "<empty>"
    raise ZcaBadOutput(f"zca printed no readable JSON: {shown!r}", argv=argv)


_NOTHING = object()
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def json_starts(stdout: str) -> Iterator[tuple[str, int]]:
    """Where the JSON of a list command may begin, most likely first, with the same tolerance as
    :func:`parse_json_output`: (text, offset) pairs in stdout, then in the ANSI-stripped text."""
    seen: set[tuple[int, int]] = set()
    stripped = strip_ansi(stdout)
    texts = (stdout,) if stripped == stdout else (stdout, stripped)
    for number, text in enumerate(texts):
        first = _skip_space(text, 0)
        starts = [first, *[m.start() for m in re.finditer(r"^[\[{]", text, re.MULTILINE)][:_MAX_JSON_STARTS]]
        for start in starts:
            if text[start : start + 1] in ("[", "{") and (number, start) not in seen:
                seen.add((number, start))
                yield text, start


def iter_json_items(text: str, start: int) -> Iterator[Any]:
    """The elements of the array at ``text[start]``, decoded one at a time (an object there is one
    element), so a 10,000-row list never exists as 10,000 dicts at once. Raises
    ``json.JSONDecodeError`` where the text stops being JSON."""
    if text[start] == "{":
        yield _decoder.raw_decode(text, start)[0]
        return
    position = _skip_space(text, start + 1)
    if text[position : position + 1] == "]":
        return
    while True:
        value, position = _decoder.raw_decode(text, position)
        yield value
        position = _skip_space(text, position)
        separator = text[position : position + 1]
        if separator == "]":
            return
        if separator != ",":
            raise json.JSONDecodeError("expected ',' or ']'", text, position)
        position = _skip_space(text, position + 1)


def _from_json_line(text: str) -> Any:
    offset = 0
    tried = 0
    for line in text.splitlines(keepends=True):
        if line[:1] in ("{", "[") and tried < _MAX_JSON_STARTS:
            tried += 1
            try:
                value, _end = _decoder.raw_decode(text, offset)
                return value
            except ValueError:
                pass
        offset += len(line)
    return _NOTHING


def extract_message_id(stdout: str) -> str | None:
    """The message id in a successful ``msg ...`` output, or None when there is none.

    Tried in order: ``message id: X`` / ``message_id: X`` (any case); a first word
    that looks like an id (letters, digits, ``_``/``-``, and at least one digit, so
    words such as ``Sent`` or ``OK`` are not taken for ids); a numeric ``msgId:`` in
    a Node inspect dump (openzca; in a chunked dump the first one is the last chunk's id);
    row 0 of a ``console.table`` with a msgId column (openzca's ``msg voice``). The id is
    optional: editions differ.
    """
    text = strip_ansi(stdout).strip()
    if not text:
        return None
    match = _MESSAGE_ID.search(text)
    if match:
        return match.group(1).strip("'\",;{}[]()") or None
    first = text.split(None, 1)[0]
    if _BARE_ID.match(first) and any(ch.isdigit() for ch in first):
        return first
    match = _INSPECT_MSG_ID.search(text) or _TABLE_MSG_ID.search(text)
    return match.group(1) if match else None


def _skip_space(text: str, position: int) -> int:
    """The first index at or after ``position`` that is not JSON whitespace."""
    match = _WHITESPACE.match(text, position)
    return match.end() if match else position
