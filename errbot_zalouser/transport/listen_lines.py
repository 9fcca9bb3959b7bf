"""What one line of ``zca listen -r`` output is. Pure: no I/O, no state.

The child's stdout and stderr arrive merged through a pseudo-terminal. A line is a JSON value
(a message event, or openzca's ``--supervised`` lifecycle object), one of the status lines
``zca`` prints around the stream (``Listening...``, ``Connected to Zalo websocket.``,
``Listener closed (<code>) <reason>``, ``Listener error: ...``, the recycle notice, webhook and
echo chatter), or anything else. docs/zca-contract.md lists them.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from errbot_zalouser.transport.parsing import strip_ansi


class LineKind(enum.Enum):
    """The kinds of listener output line, in the order they are recognised."""

    JSON = "json"  # a JSON value that is no lifecycle object: a message event, or unusable JSON
    LIFECYCLE = "lifecycle"  # {"kind":"lifecycle","event":...} (openzca --supervised --raw)
    CONNECTED = "connected"  # Connected to Zalo websocket.
    LISTENING = "listening"  # Listening... Press Ctrl+C to stop.
    CLOSED = "closed"  # Listener closed (<code>) <reason>
    LISTENER_ERROR = "listener error"  # Listener error: <message>
    RECYCLE = "recycle"  # Listener recycle triggered after <ms>ms ...
    QUIET = "quiet"  # Webhook response:/Webhook failed:/Echo failed: (not ours to act on)
    OTHER = "other"  # anything else: logged at debug and counted as skipped


class Line(NamedTuple):
    """One classified line: its kind, its text, and for JSON kinds the decoded value."""

    kind: LineKind
    text: str
    value: Any = None


_STATUS = (
    (LineKind.CONNECTED, re.compile(r"^Connected to Zalo websocket", re.I)),
    (LineKind.LISTENING, re.compile(r"^Listening\.\.\.", re.I)),
    (LineKind.CLOSED, re.compile(r"^Listener closed \((-?\d+)\)", re.I)),
    (LineKind.LISTENER_ERROR, re.compile(r"^Listener error:", re.I)),
    (LineKind.RECYCLE, re.compile(r"^Listener recycle triggered", re.I)),
    (LineKind.QUIET, re.compile(r"^(Webhook response:|Webhook failed:|Echo failed:)", re.I)),
)


def text_lines(raw: bytes) -> Iterator[str]:
    """The non-empty texts in one framed line: a bare CR ends a line too (a pty turns ``\\n``
    into ``\\r\\n``; some writers end with ``\\r``); ANSI escapes, surrounding space and a BOM go."""
    for piece in raw.split(b"\r"):
        text = strip_ansi(piece.decode("utf-8", errors="replace")).strip().lstrip("\ufeff")
        if text:
            yield text


def classify(text: str) -> Line:
    """The kind of one non-empty line of listener output."""
    if text[0] in "{[":
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
            pass
        else:
            if isinstance(value, dict) and value.get("kind") == "lifecycle":
                return Line(LineKind.LIFECYCLE, text, value)
            return Line(LineKind.JSON, text, value)
    for kind, pattern in _STATUS:
        if pattern.match(text):
            return Line(kind, text)
    return Line(LineKind.OTHER, text)
