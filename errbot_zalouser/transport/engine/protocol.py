"""The engine's line protocol as values: request encoding, line decoding, errors. No I/O.

docs/engine-protocol.md is the description; this module is its Python half. Every decoded line is a
``Response``, an ``Event`` or a ``BadLine``; decoding never raises. Text ranges (styles, mentions)
are given here in Python string indices (code points) and sent in UTF-16 code units, Zalo's unit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from errbot_zalouser.errors import (
    EngineLost,
    EngineNotInstalled,
    EngineUnavailable,
    ZcaBlocked,
    ZcaCommandFailed,
    ZcaError,
    ZcaNotAuthenticated,
    ZcaProfileBusy,
    ZcaQuoteRefused,
    ZcaRateLimited,
    ZcaTimeout,
)
from errbot_zalouser.model import InboundEvent, Target
from errbot_zalouser.richtext.styled import MentionRange as MentionRange  # re-exported: the engine's API
from errbot_zalouser.richtext.styled import StyleRange as StyleRange
from errbot_zalouser.richtext.styled import utf16_offsets

PROTOCOL_VERSION = 1

#: The fields each event may carry besides ``type`` and ``event``; others are counted as unknown.
EVENT_FIELDS: Mapping[str, frozenset[str]] = MappingProxyType({
    "hello": frozenset({"protocol", "engine", "zcaJs", "node", "pid", "profile", "sessionId"}),
    "login": frozenset({"ok", "userId"}),
    "fatal": frozenset({"error"}),
    "connection": frozenset({"state", "code", "reason"}),
    "message": frozenset({"message"}),
    "reaction": frozenset({"reaction"}),
    "undo": frozenset({"undo"}),
    "heartbeat": frozenset({"ts", "state", "profile", "userId", "listening", "connected", "inFlight", "queued"}),
    "late": frozenset({"id", "op", "ok", "error"}),
    "protocol_error": frozenset({"message"}),
})
_RESPONSE_FIELDS = frozenset({"type", "id", "ok", "result", "error"})
_EMPTY: Mapping[str, Any] = MappingProxyType({})

#: Zalo's text styles as zca-js names them (colours: ``c_`` and six hex digits).
STYLE_NAMES = frozenset({"b", "i", "u", "s", "f_13", "f_18", "lst_1", "lst_2", "ind_$"})


@dataclass(frozen=True)
class WireError:
    """An error as the engine reports it (see the protocol's error kinds)."""

    kind: str
    message: str
    code: int | None = None
    delivery: str = "not_sent"  # or "unknown"

    @classmethod
    def from_json(cls, obj: Any) -> WireError:
        if not isinstance(obj, Mapping):
            return cls("internal", f"malformed error object: {obj!r:.100}", None, "unknown")
        code = obj.get("code")
        return cls(
            kind=str(obj.get("kind") or "internal"),
            message=str(obj.get("message") or "")[:1000],
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            delivery="not_sent" if obj.get("delivery") == "not_sent" else "unknown",
        )


@dataclass(frozen=True)
class Response:
    request_id: str
    ok: bool
    result: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    error: WireError | None = None
    unknown_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    name: str
    body: Mapping[str, Any]
    unknown_fields: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.name in EVENT_FIELDS


@dataclass(frozen=True)
class BadLine:
    """A line that is not a protocol object; ``reason`` says why, ``sample`` shows its start."""

    reason: str
    sample: str


Line = Response | Event | BadLine


def decode_line(raw: bytes) -> Line:
    """Decode one stdout line of the engine. Never raises."""
    text = raw.decode("utf-8", errors="replace").strip()
    sample = text[:120]
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return BadLine("not JSON", sample)
    if not isinstance(obj, dict):
        return BadLine("not a JSON object", sample)
    kind = obj.get("type")
    if kind == "response":
        return _response(obj, sample)
    if kind == "event" and isinstance(obj.get("event"), str):
        name = obj["event"]
        body = {k: v for k, v in obj.items() if k not in ("type", "event")}
        expected = EVENT_FIELDS.get(name)
        unknown = tuple(sorted(k for k in body if k not in expected)) if expected is not None else ()
        return Event(name, MappingProxyType(body), unknown)
    return BadLine("neither a response nor an event", sample)


def _response(obj: dict[str, Any], sample: str) -> Line:
    request_id, ok = obj.get("id"), obj.get("ok")
    if not isinstance(request_id, str) or not isinstance(ok, bool):
        return BadLine("a response without a string id and a boolean ok", sample)
    unknown = tuple(sorted(k for k in obj if k not in _RESPONSE_FIELDS))
    if ok:
        result = obj.get("result")
        return Response(request_id, True, MappingProxyType(result if isinstance(result, dict) else {}), None, unknown)
    return Response(request_id, False, _EMPTY, WireError.from_json(obj.get("error")), unknown)


def encode_request(request_id: str, op: str, args: Mapping[str, Any]) -> bytes:
    """One request line. ASCII-only JSON, so any Python string (even a lone surrogate) encodes."""
    return (json.dumps({"id": request_id, "op": op, "args": dict(args)}, ensure_ascii=True) + "\n").encode("ascii")


# --- errors ------------------------------------------------------------------------------------

_BY_KIND: Mapping[str, type[ZcaError]] = MappingProxyType({
    "auth": ZcaNotAuthenticated,
    "blocked": ZcaBlocked,
    "rate_limited": ZcaRateLimited,
    "profile_locked": ZcaProfileBusy,
    "not_installed": EngineNotInstalled,
    "not_ready": EngineUnavailable,
    "bad_quote": ZcaQuoteRefused,
})


def error_for(op: str, error: WireError) -> ZcaError:
    """The exception for an engine error: chosen by kind, and by delivery for unclear outcomes."""
    unknown = error.delivery == "unknown"
    cls: type[ZcaError]
    if error.kind in _BY_KIND:
        cls = _BY_KIND[error.kind]
    elif error.kind == "timeout":
        cls = ZcaTimeout if unknown else EngineUnavailable
    elif error.kind in ("network", "internal") and unknown:
        cls = EngineLost
    elif error.kind == "network":
        cls = EngineUnavailable
    else:
        cls = ZcaCommandFailed
    text = f"zca-js engine {op} failed: {error.message or error.kind}"
    if error.code is not None:
        text += f" (Zalo code {error.code})"
    if unknown and "unknown whether" not in text:
        text += "; unknown whether it was sent"
    return cls(text, argv=("zca-js", op), stderr=error.message, zalo_code=error.code)


# --- text requests -------------------------------------------------------------------------------


def _span(offsets: list[int], start: int, length: int, what: str) -> tuple[int, int]:
    if start < 0 or length <= 0 or start + length > len(offsets) - 1:
        raise ValueError(f"{what} {start}+{length} is outside the text (length {len(offsets) - 1})")
    return offsets[start], offsets[start + length] - offsets[start]


def text_args(
    target: Target,
    text: str,
    styles: Iterable[StyleRange] = (),
    mentions: Iterable[MentionRange] = (),
    quote: InboundEvent | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``send_text`` arguments; ranges are checked here (ValueError) and converted to UTF-16."""
    offsets = utf16_offsets(text)
    wire_styles: list[dict[str, Any]] = []
    for s in styles:
        if s.style not in STYLE_NAMES and not _is_colour(s.style):
            raise ValueError(f"unknown style {s.style!r}")
        start, length = _span(offsets, s.start, s.length, "style")
        item: dict[str, Any] = {"start": start, "len": length, "st": s.style}
        if s.indent_size is not None:
            item["indentSize"] = s.indent_size
        wire_styles.append(item)
    wire_mentions = []
    for m in mentions:
        start, length = _span(offsets, m.start, m.length, "mention")
        wire_mentions.append({"pos": start, "len": length, "uid": m.user_id})
    args: dict[str, Any] = {"threadId": target.thread_id, "isGroup": target.is_group, "text": text}
    if wire_styles:
        args["styles"] = wire_styles
    if wire_mentions:
        args["mentions"] = wire_mentions
    if quote is not None:
        args["quote"] = dict(quote.raw) if isinstance(quote, InboundEvent) else dict(quote)
    return args


def _is_colour(style: str) -> bool:
    return len(style) == 8 and style.startswith("c_") and all(c in "0123456789abcdef" for c in style[2:])


def thread_args(target: Target, **extra: Any) -> dict[str, Any]:
    return {"threadId": target.thread_id, "isGroup": target.is_group, **extra}


def rows_of(result: Mapping[str, Any]) -> Sequence[Any] | None:
    """The ``rows`` list of a listing result, or None when it is not a list."""
    rows = result.get("rows")
    return rows if isinstance(rows, list) else None
