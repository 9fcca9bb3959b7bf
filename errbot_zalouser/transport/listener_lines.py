"""What one line of ``zca listen`` output is: pure classification, no state.

A line that starts with ``{`` or ``[`` and decodes as JSON is a message or (openzca
``--supervised --raw``) a lifecycle line; anything else is a status line, recognised by
the patterns below or counted as skipped.
"""

from __future__ import annotations

import enum
import json
import re
from typing import Any

from errbot_zalouser.transport.parsing import strip_ansi

SHOWN_CHARS = 300  # how much of a status line is logged and kept


class StatusLine(enum.Enum):
    """The kinds of non-JSON lines the tool prints."""

    CONNECTED = "connected"  # "Connected to Zalo websocket."
    LISTENING = "listening"  # "Listening... Press Ctrl+C to stop."
    CLOSED = "closed"  # "Listener closed (<code>) <reason>"
    ERROR = "error"  # "Listener error: <message>"
    RECYCLE = "recycle"  # "Listener recycle triggered after <ms>ms ..."
    QUIET = "quiet"  # webhook and echo chatter, logged at debug level
    OTHER = "other"  # anything else: skipped


_PATTERNS: tuple[tuple[re.Pattern[str], StatusLine], ...] = (
    (re.compile(r"^Connected to Zalo websocket", re.I), StatusLine.CONNECTED),
    (re.compile(r"^Listening\.\.\.", re.I), StatusLine.LISTENING),
    (re.compile(r"^Listener closed \((-?\d+)\)", re.I), StatusLine.CLOSED),
    (re.compile(r"^Listener error:", re.I), StatusLine.ERROR),
    (re.compile(r"^Listener recycle triggered", re.I), StatusLine.RECYCLE),
    (re.compile(r"^(Webhook response:|Webhook failed:|Echo failed:)", re.I), StatusLine.QUIET),
)

NOT_JSON: Any = object()
"""What ``decode_json`` returns for a line that is not JSON."""


def text_pieces(raw: bytes) -> list[str]:
    """The non-blank texts of one framed line. A bare CR ends a line too (a pty turns "\\n" into
    "\\r\\n"; some writers end with "\\r"); ANSI sequences, outer blanks and a BOM are removed."""
    pieces = []
    for piece in raw.split(b"\r"):
        text = strip_ansi(piece.decode("utf-8", errors="replace")).strip().lstrip("\ufeff")
        if text:
            pieces.append(text)
    return pieces


def decode_json(text: str) -> Any:
    """The JSON value of a line that looks like JSON, or ``NOT_JSON``."""
    if text[0] not in "{[":
        return NOT_JSON
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return NOT_JSON


def classify_status(text: str) -> StatusLine:
    """The kind of a non-JSON line."""
    for pattern, kind in _PATTERNS:
        if pattern.match(text):
            return kind
    return StatusLine.OTHER


def is_lifecycle(obj: Any) -> bool:
    """An openzca ``--supervised --raw`` lifecycle line (never a message)."""
    return isinstance(obj, dict) and obj.get("kind") == "lifecycle"
