"""What openzca 0.1.58's ``msg send`` does with its text before sending: format it (unless
``--raw``), resolve group ``@mentions``, analyse it (``msg analyze-text``) and split it into chunks.

Like :mod:`textfmt` (which it builds on), everything works on UTF-16 unit strings and is loaded
only by the commands that need it. Text in which no formatting construct can start (no ``*``,
``_``, ``~``, ``{``, backslash or backtick, and no line that starts with ``#``, ``>``, ``-``,
``+``, a digit or whitespace) comes out of the parser unchanged, so it skips the parser and
its start-up cost.

Payload values mirror the tool's: a bare string (nothing to attach), or a dict
``{"msg", "styles"?, "mentions"?}``; the ``styles``/``mentions`` keys are present but ``None`` when a
formatted payload has none (the tool's ``undefined``), and absent in sliced chunks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from errbot_zalouser.simulator.nodejs import SPACE, from_units, to_units

Style = dict[str, Any]
INDENT = "ind_$"

Payload = str | dict[str, Any]
Members = Sequence[dict[str, Any]]

MAX_MESSAGE_LENGTH = 2000
MAX_REQUEST_ESTIMATE = 4000
_CLIENT_ID = 1_700_000_000_000
_IMEI = "000000000000000"

_SPACE = frozenset(SPACE)
_START_BOUNDARY = set('([{<",;:')
_END_BOUNDARY = set(',;:!?)]}>"')


class TextSendError(Exception):
    """An error the tool reports as ``Error: <message>`` (exit 1)."""


# --- mentions -------------------------------------------------------------------------------------


def might_mention(text: str) -> bool:
    """True when the text has an ``@`` at a mention boundary followed by a non-space."""
    for index, ch in enumerate(text):
        if ch == "@" and _starts_mention(text, index):
            following = text[index + 1 : index + 2]
            if following and following not in _SPACE:
                return True
    return False


def resolve_mentions(text: str, members: Members) -> list[dict[str, Any]]:
    """Mentions ``{pos, len, uid}`` for every ``@label`` that names exactly one member.

    Labels are each member's userId, displayName and zaloName, matched ignoring case; the
    longest matching label wins; two members sharing it raise :class:`TextSendError`.
    """
    if "@" not in text or not members:
        return []
    candidates = _candidates(members)
    if not candidates:
        return []
    lower = text.lower()
    mentions: list[dict[str, Any]] = []
    index = 0
    while index < len(text):
        if text[index] == "@" and _starts_mention(text, index):
            match = _mention_at(text, lower, index, candidates)
            if match is not None:
                label, uid = match
                mentions.append({"pos": index, "len": len(label) + 1, "uid": uid})
                index += len(label)
        index += 1
    return mentions


def _candidates(members: Members) -> list[tuple[str, str, str]]:
    """(label, lower-cased label, userId), longest label first, one per (user, label)."""
    seen: dict[tuple[str, str], tuple[str, str, str]] = {}
    for member in members:
        raw_id = member.get("userId")
        user_id = str(raw_id).strip() if raw_id is not None else ""
        if not user_id:
            continue
        for raw in (raw_id, member.get("displayName"), member.get("zaloName")):
            label = to_units(str(raw).strip()) if isinstance(raw, (str, int)) else ""
            if not label:
                continue
            key = (user_id, label.lower())
            seen.setdefault(key, (label, label.lower(), user_id))
    return sorted(seen.values(), key=lambda c: -len(c[0]))


def _mention_at(text: str, lower: str, at: int, candidates: list[tuple[str, str, str]]) -> tuple[str, str] | None:
    start = at + 1
    matches = [c for c in candidates if lower.startswith(c[1], start) and _ends_mention(text, start + len(c[0]))]
    if not matches:
        return None
    longest = max(len(c[0]) for c in matches)
    best = [c for c in matches if len(c[0]) == longest]
    if len({c[2] for c in best}) != 1:
        label = from_units(text[at : start + longest])
        raise TextSendError(f'Ambiguous mention "{label}": matched multiple group members.')
    return best[0][0], best[0][2]


def _starts_mention(text: str, at: int) -> bool:
    return at == 0 or text[at - 1] in _SPACE or text[at - 1] in _START_BOUNDARY


def _ends_mention(text: str, end: int) -> bool:
    if end > len(text):
        return False
    following = text[end : end + 1]
    if not following or following in _SPACE or following in _END_BOUNDARY:
        return True
    if following == ".":
        after = text[end + 1 : end + 2]
        return not after or after in _SPACE or after in _END_BOUNDARY
    return False


# --- payload --------------------------------------------------------------------------------------


def build_payload(message: str, *, raw: bool, group: bool, members: Callable[[], Members] | None) -> Payload:
    """The payload ``msg send`` hands to zca-js (``message`` in UTF-16 units)."""
    if raw:
        mentions = _group_mentions(message, group, members)
        return {"msg": message, "mentions": mentions} if mentions else message
    text, styles = format_units(message)
    mentions = _group_mentions(text, group, members)
    return {"msg": text, "styles": styles or None, "mentions": mentions}


_MAY_FORMAT = re.compile(f"[*_~{{\\\\`]|(?:^|\n)[#>+\\-0-9{SPACE}]")


def format_units(text: str) -> tuple[str, list[Style]]:
    """``textfmt.parse_units``, skipped for text the parser would return unchanged."""
    if not _MAY_FORMAT.search(text):
        return text, []
    from errbot_zalouser.simulator import textfmt

    try:
        return textfmt.parse_units(text)
    except textfmt.FormatCrash as exc:
        raise TextSendError(str(exc)) from None


def _group_mentions(text: str, group: bool, members: Callable[[], Members] | None) -> list[dict[str, Any]] | None:
    if not group or members is None or not might_mention(text):
        return None
    return resolve_mentions(text, members()) or None


def as_object(payload: Payload) -> dict[str, Any]:
    return {"msg": payload} if isinstance(payload, str) else payload


def analyze(payload: Payload, *, group: bool, thread_id: str, raw_input_length: int) -> dict[str, Any]:
    """The ``msg analyze-text`` record for one payload (field names as the tool prints them)."""
    obj = as_object(payload)
    text_properties = _text_properties(obj.get("styles"))
    mention_info = _mention_info(group, obj["msg"], obj.get("mentions"))
    request = {"message": obj["msg"], "clientId": _CLIENT_ID}
    if mention_info is not None:
        request["mentionInfo"] = mention_info
    if group:
        request.update({"ttl": 0, "visibility": 0, "grid": thread_id})
    else:
        request.update({"imei": _IMEI, "ttl": 0, "toid": thread_id})
    if text_properties is not None:
        request["textProperties"] = text_properties
    path = ("mention" if mention_info else "sendmsg") if group else "sms"
    return {
        "payload": payload,
        "payloadObject": obj,
        "rawInputLength": raw_input_length,
        "renderedTextLength": len(obj["msg"]),
        "styleCount": len(obj.get("styles") or ()),
        "mentionCount": len(obj.get("mentions") or ()),
        "textPropertiesLength": len(text_properties or ""),
        "mentionInfoLength": len(mention_info or ""),
        "requestParamsLengthEstimate": len(_js_json(request)),
        "sendPath": path,
    }


def _js_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _text_properties(styles: list[Style] | None) -> str | None:
    if not styles:
        return None
    wire = []
    for style in styles:
        code = style["st"]
        if code == INDENT:
            code = f"ind_{style.get('indentSize') or 1}0"
        wire.append({"start": style["start"], "len": style["len"], "st": code})
    return _js_json({"styles": wire, "ver": 0})


def _mention_info(group: bool, msg: str, mentions: list[dict[str, Any]] | None) -> str | None:
    if not group or not mentions:
        return None
    final = [
        {"pos": m["pos"], "uid": m["uid"], "len": m["len"], "type": 1 if m["uid"] == "-1" else 0}
        for m in mentions
        if m["pos"] >= 0 and m["uid"] and m["len"] > 0
    ]
    if sum(m["len"] for m in final) > len(msg):
        raise TextSendError("Invalid mentions: total mention characters exceed message length")
    return _js_json(final) if final else None


# --- chunking -----------------------------------------------------------------------------------------


def plan_chunks(
    payload: Payload,
    *,
    group: bool,
    thread_id: str,
    max_length: int = MAX_MESSAGE_LENGTH,
    max_estimate: int = MAX_REQUEST_ESTIMATE,
) -> list[Payload]:
    """Split a payload until every chunk is within both limits (rendered length, request estimate)."""
    chunks: list[Payload] = []
    pending: list[Payload] = [payload]
    while pending:
        current = pending.pop(0)
        analysis = analyze(current, group=group, thread_id=thread_id, raw_input_length=0)
        length, estimate = analysis["renderedTextLength"], analysis["requestParamsLengthEstimate"]
        if length <= max_length and estimate <= max_estimate:
            chunks.append(current)
            continue
        target = _next_chunk_length(length, estimate, max_length, max_estimate)
        parts = split_payload(current, target)
        if len(parts) <= 1:
            raise TextSendError(
                f"Unable to split formatted text payload into deliverable chunks within {target} characters."
            )
        pending[:0] = parts
    return chunks


def _next_chunk_length(length: int, estimate: int, max_length: int, max_estimate: int) -> int:
    targets = [t for t in (max_length, length - 1) if t > 0]
    if estimate > max_estimate:
        targets.append((length * max_estimate) // estimate)
    target = max(1, min((t for t in targets if t > 0), default=length))
    return min(target, length - 1)


def split_payload(payload: Payload, max_length: int) -> list[Payload]:
    """Cut a payload into pieces of at most ``max_length`` units: after a newline, else after a
    space or tab, else anywhere; never inside a mention. Styles and mentions are rebased."""
    if max_length <= 0:
        raise TextSendError("Text chunk size must be a positive integer")
    obj = as_object(payload)
    msg = obj["msg"]
    if len(msg) <= max_length:
        return [payload]
    pieces: list[Payload] = []
    start = 0
    while start < len(msg):
        end = _chunk_end(obj, start, max_length)
        pieces.append(_slice(obj, start, end))
        start = end
    return pieces


def _chunk_end(obj: dict[str, Any], start: int, max_length: int) -> int:
    msg = obj["msg"]
    mentions = obj.get("mentions") or []
    if len(msg) - start <= max_length:
        return len(msg)
    max_end = start + max_length
    for wanted in (("\n",), (" ", "\t")):
        for cursor in range(max_end, start, -1):
            if _safe_split(mentions, cursor) and msg[cursor - 1] in wanted:
                return cursor
    for cursor in range(max_end, start, -1):
        if _safe_split(mentions, cursor):
            return cursor
    raise TextSendError(f"Unable to split text payload safely within {max_length} characters.")


def _safe_split(mentions: list[dict[str, Any]], position: int) -> bool:
    return all(position <= m["pos"] or position >= m["pos"] + m["len"] for m in mentions)


def _slice(obj: dict[str, Any], start: int, end: int) -> Payload:
    msg: str = obj["msg"][start:end]
    styles = []
    for style in obj.get("styles") or ():
        low, high = max(style["start"], start), min(style["start"] + style["len"], end)
        if low >= high:
            continue
        piece: Style = {"start": low - start, "len": high - low, "st": style["st"]}
        if style["st"] == INDENT:
            piece["indentSize"] = style.get("indentSize")
        styles.append(piece)
    mentions = [
        {"pos": m["pos"] - start, "uid": m["uid"], "len": m["len"]}
        for m in obj.get("mentions") or ()
        if m["pos"] >= start and m["pos"] + m["len"] <= end
    ]
    if not styles and not mentions:
        return msg
    sliced: dict[str, Any] = {"msg": msg}
    if styles:
        sliced["styles"] = styles
    if mentions:
        sliced["mentions"] = mentions
    return sliced
