"""The ``msg`` commands of openzca 0.1.58: send (formatting, mentions, quotes, chunks, retry),
analyze-text, image, video, voice, link, upload, react, typing.

Sent-log records (``sent.jsonl``, one per accepted submission, see ``delivery.py``) carry
``command``, ``threadId``, ``isGroup``, ``msgId`` (``msgIds`` when there are several), ``attempt``,
``argv``, ``profile``, ``surface`` and, per command:

* ``send``: ``text`` (this chunk as the chat shows it), ``input`` (the whole text as given),
  ``raw``, ``styles`` (``{start, len, st}``, plus ``indentSize`` for ``ind_$``), ``mentions``
  (``{pos, len, uid}``), ``quote`` (the quote on the first chunk, else null), ``chunk`` and
  ``chunks``. Offsets count UTF-16 code units, as Zalo's do.
* ``image``/``video``/``upload``: ``attachments`` (paths, or the URLs the tool would download),
  ``url``/``urls``/``file`` as on the legacy surface, ``caption`` and ``captionAs`` (``desc`` when
  a single jpg/png/webp carries it, ``message`` when it goes out as a separate text first, the
  way zca-js splits them); ``via`` is ``ipc`` for an upload the listener made.
* ``voice``: one record per voice URL (``url``).  ``link``: ``url``.  ``react``: ``reaction``
  (the Zalo code), ``msgId``/``cliMsgId`` of the target in ``target``.

Outputs are Node ``util.inspect`` dumps: ``{ message: { msgId: 7645528516660 }, attachment: [] }``,
the chunked dump, ``{ msgId: '…' }`` for links, a ``console.table`` for voices.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from errbot_zalouser.simulator import events, nodejs, render, state, surface, texts
from errbot_zalouser.simulator.commands import Context, Fail, members_of, require_login
from errbot_zalouser.simulator.delivery import Delivery, SendFailed, retry_policy

MAX_LENGTH_ENV = "OPENZCA_TEXT_MESSAGE_MAX_LENGTH"
MAX_ESTIMATE_ENV = "OPENZCA_TEXT_REQUEST_PARAMS_MAX_ESTIMATE"
_DESC_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
_IMAGE_EXTENSIONS = (*_DESC_EXTENSIONS, "gif")


def _error(message: object) -> Fail:
    return Fail(texts.ERROR.format(message=message))


def _delivery(ctx: Context, *, retry: bool = True) -> Delivery:
    policy = retry_policy(ctx.environ) if retry else retry_policy({"OPENZCA_SEND_RETRY_COUNT": "0"})
    return Delivery(ctx.profile, ctx.faults, ctx.parsed.words, argv=ctx.argv, retry=policy,
                    extra={"surface": surface.OPENZCA})


def _submit(delivery: Delivery, fields: dict[str, Any], **options: Any) -> list[str]:
    try:
        return delivery.submit(fields, **options)
    except SendFailed as exc:
        raise _error(exc) from None


def _number(msg_id: str) -> render.Literal:
    return render.Literal(msg_id)


# --- send / analyze-text ----------------------------------------------------------------------------


def msg_send(ctx: Context) -> int:
    from errbot_zalouser.simulator import textsend

    data = require_login(ctx)
    thread, message = ctx.arg("threadId") or "", ctx.arg("message") or ""
    group, raw = bool(ctx.opt("group")), bool(ctx.opt("raw"))
    payload = _payload(ctx, data, message, raw=raw, group=group)
    quote = _quote(ctx, data, thread, group)
    try:
        chunks = textsend.plan_chunks(
            payload, group=group, thread_id=thread,
            max_length=nodejs.positive_int_env(ctx.environ, MAX_LENGTH_ENV, textsend.MAX_MESSAGE_LENGTH),
            max_estimate=nodejs.positive_int_env(ctx.environ, MAX_ESTIMATE_ENV, textsend.MAX_REQUEST_ESTIMATE),
        )
    except textsend.TextSendError as exc:
        raise _error(exc) from None
    delivery = _delivery(ctx)
    ids = []
    for index, chunk in enumerate(chunks, 1):
        obj = textsend.as_object(chunk)
        chunk_quote = quote if index == 1 else None
        _check_sendable(obj["msg"], chunk_quote)
        fields = {
            "command": "send", "threadId": thread, "isGroup": group, "text": nodejs.from_units(obj["msg"]),
            "input": message, "raw": raw, "styles": obj.get("styles") or [],
            "mentions": obj.get("mentions") or [], "quote": chunk_quote, "chunks": len(chunks),
        }
        ids += _submit(delivery, fields, chunk=index)
    ctx.say(render.inspect(_send_result(ids)))
    return 0


def _quote(ctx: Context, data: dict[str, Any], thread: str, group: bool) -> dict[str, Any] | None:
    if ctx.opt("replyId") is None and ctx.opt("replyMessage") is None:
        return None
    from errbot_zalouser.simulator import replies

    try:
        return replies.resolve_quote(ctx.opt("replyId"), ctx.opt("replyMessage"), thread_id=thread, group=group,
                                     self_id=str((data.get("me") or {}).get("userId", "")))
    except replies.ReplyError as exc:
        raise _error(exc) from None


def _payload(ctx: Context, data: dict[str, Any], message: str, *, raw: bool, group: bool) -> Any:
    from errbot_zalouser.simulator import textsend

    thread = ctx.arg("threadId") or ""
    try:
        return textsend.build_payload(nodejs.to_units(message), raw=raw, group=group,
                                      members=lambda: members_of(data, thread) or [])
    except textsend.TextSendError as exc:
        raise _error(exc) from None


def _check_sendable(msg: str, quote: dict[str, Any] | None) -> None:
    """What zca-js refuses before sending."""
    if not msg:
        raise _error(texts.MISSING_CONTENT)
    if quote is not None:
        if not isinstance(quote["content"], str) and quote["msgType"] == "webchat":
            raise _error(texts.QUOTE_OBJECT_WEBCHAT)
        if quote["msgType"] == "group.poll":
            raise _error(texts.QUOTE_POLL)


def _send_result(ids: list[str]) -> dict[str, Any]:
    responses = [{"message": {"msgId": _number(i)}, "attachment": []} for i in ids]
    if len(responses) == 1:
        return responses[0]
    return {"chunked": True, "chunkCount": len(ids), "msgId": ids[-1], "response": responses}


def msg_analyze_text(ctx: Context) -> int:
    from errbot_zalouser.simulator import textsend

    thread, message = ctx.arg("threadId") or "", ctx.arg("message") or ""
    group, raw = bool(ctx.opt("group")), bool(ctx.opt("raw"))
    units = nodejs.to_units(message)
    data: dict[str, Any] = {}
    try:
        probe = units if raw else textsend.format_units(units)[0]
        if group and textsend.might_mention(probe):
            data = require_login(ctx)  # the real tool logs in to fetch the members
        payload = textsend.build_payload(units, raw=raw, group=group, members=lambda: members_of(data, thread) or [])
        analysis = textsend.analyze(payload, group=group, thread_id=thread, raw_input_length=len(units))
    except textsend.TextSendError as exc:
        raise _error(exc) from None
    analysis = _readable(analysis)
    if ctx.opt("json") or any(arg in ("-j", "--json") for arg in ctx.argv):
        ctx.out.write(render.to_json(_drop_undefined(analysis)))
    else:
        ctx.say(render.inspect(analysis))
    return 0


def _readable(value: Any) -> Any:
    """Strings back from UTF-16 units; None (the tool's undefined) shown as ``undefined``."""
    if isinstance(value, dict):
        return {k: _readable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable(v) for v in value]
    if isinstance(value, str):
        return nodejs.from_units(value)
    if value is None:
        return render.Literal("undefined")
    return value


def _drop_undefined(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_undefined(v) for k, v in value.items() if not _is_undefined(v)}
    if isinstance(value, list):
        return [_drop_undefined(v) for v in value]
    return value


def _is_undefined(value: Any) -> bool:
    return isinstance(value, render.Literal) and value.text == "undefined"


# --- media --------------------------------------------------------------------------------------------


def _inputs(ctx: Context) -> tuple[list[str], list[str]]:
    """(local paths, URLs) from the ``[file]`` argument and ``-u`` values (split on commas)."""
    entries = [normalize_media_input(ctx.arg("file") or "")]
    entries += [normalize_media_input(part) for value in ctx.opt("url") or [] for part in value.split(",")]
    entries = [e for e in entries if e]
    urls = [e for e in entries if is_http_url(e)]
    return [e for e in entries if not is_http_url(e)], urls


def normalize_media_input(value: str) -> str:
    text = value.strip()
    if text.lower().startswith("file://"):
        text = text[7:]
    if text == "~" or text.startswith(("~/", "~\\")):
        text = str(Path.home() / text[2:]) if len(text) > 1 else str(Path.home())
    return text


def is_http_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def _require_files(paths: list[str]) -> None:
    for path in paths:
        if not os.path.exists(path):
            raise _error(texts.FILE_NOT_FOUND.format(path=path))


def _extension(path_or_url: str) -> str:
    path = path_or_url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    return path.rsplit(".", 1)[-1].lower() if "." in path else ""


def _attachment_send(
    command: str, attachments: list[str], local: list[str], urls: list[str], caption: str,
    delivery: Delivery, thread: str, group: bool,
) -> dict[str, Any]:
    """zca-js sendMessage with attachments: the caption rides on a single jpg/png/webp, else it
    goes first as its own message. One submission; returns the response object."""
    desc = len(attachments) == 1 and _extension(attachments[0]) in _DESC_EXTENSIONS
    fields = {
        "command": command, "threadId": thread, "isGroup": group, "attachments": attachments,
        "url": urls[0] if urls else None, "urls": urls, "file": local[0] if local else None,
        "files": local, "caption": caption, "captionAs": "desc" if desc or not caption else "message",
    }
    separate = bool(caption) and not desc
    ids = _submit(delivery, fields, ids=len(attachments) + (1 if separate else 0))
    message = {"msgId": _number(ids.pop(0))} if separate else None
    return {"message": message, "attachment": [{"msgId": _number(i)} for i in ids]}


def msg_image(ctx: Context) -> int:
    return _attachments_command(ctx, "image", texts.NO_IMAGE)


def msg_video(ctx: Context) -> int:
    return _attachments_command(ctx, "video", texts.NO_VIDEO, check=_video_checks)


def _video_checks(ctx: Context) -> None:
    thumbnail = normalize_media_input(ctx.opt("thumbnail") or "")
    if thumbnail and not is_http_url(thumbnail):
        _require_files([thumbnail])
    _refuse_if_listener(ctx, "video upload")


def _attachments_command(ctx: Context, command: str, missing: str,
                         check: Callable[[Context], None] | None = None) -> int:
    """msg image / msg video: inputs, checks, one attachment submission, the dump."""
    require_login(ctx)
    local, urls = _inputs(ctx)
    attachments = local + urls
    if not attachments:
        raise _error(missing)
    _require_files(local)
    if check is not None:
        check(ctx)
    response = _attachment_send(command, attachments, local, urls, ctx.opt("message") or "",
                                _delivery(ctx), ctx.arg("threadId") or "", bool(ctx.opt("group")))
    ctx.say(render.inspect(response))
    return 0


def msg_voice(ctx: Context) -> int:
    require_login(ctx)
    local, urls = _inputs(ctx)
    if not local and not urls:
        raise _error(texts.NO_VOICE)
    _require_files(local)
    if local:
        kick_listener(ctx)  # local voice files upload through their own websocket, lock or not
    voices = urls + [p for p in local if _extension(p) not in _IMAGE_EXTENSIONS]
    if not voices:
        raise _error(texts.NO_VOICE_ATTACHMENT)
    delivery = _delivery(ctx)
    thread, group = ctx.arg("threadId") or "", bool(ctx.opt("group"))
    rows = []
    for voice in voices:
        fields = {"command": "voice", "threadId": thread, "isGroup": group, "url": voice, "urls": [voice]}
        rows.append({"msgId": _number(_submit(delivery, fields)[0])})
    ctx.out.write(render.table(rows, ("msgId",)))
    return 0


def msg_upload(ctx: Context) -> int:
    require_login(ctx)
    first, second = ctx.arg("arg1") or "", ctx.arg("arg2")
    thread, file = (second, first) if second else (first, None)
    urls_and_files = [normalize_media_input(p) for v in ctx.opt("url") or [] for p in v.split(",")]
    local = [p for p in [normalize_media_input(file or ""), *urls_and_files] if p and not is_http_url(p)]
    urls = [p for p in urls_and_files if p and is_http_url(p)]
    downloads = [_download(u) for u in urls]
    try:
        return _upload(ctx, thread, local, urls, local + downloads)
    finally:
        for path in downloads:
            _remove_download(path)


def _upload(ctx: Context, thread: str, local: list[str], urls: list[str], attachments: list[str]) -> int:
    from errbot_zalouser.simulator import ipc, owner

    if not attachments:
        raise _error(texts.NO_UPLOAD)
    _require_files(attachments)
    group = bool(ctx.opt("group"))
    if nodejs.bool_env(ctx.environ, "OPENZCA_UPLOAD_IPC", True):
        request = {"kind": "upload", "requestId": events.session_token(), "profile": ctx.profile.name, "threadId": thread,
                   "threadType": "group" if group else "user", "attachments": attachments}
        timeout = nodejs.positive_int_env(ctx.environ, "OPENZCA_UPLOAD_TIMEOUT_MS", 120_000) + 5000
        try:
            response = ipc.request_upload(
                ctx.profile.path(owner.SOCKET_FILE), request,
                connect_timeout_ms=nodejs.positive_int_env(ctx.environ, "OPENZCA_UPLOAD_IPC_CONNECT_TIMEOUT_MS", 1000),
                timeout_ms=nodejs.positive_int_env(ctx.environ, "OPENZCA_UPLOAD_IPC_TIMEOUT_MS", timeout),
            )
        except ipc.IpcFailure as exc:
            raise _error(exc) from None
        if response is not None:
            ctx.say(render.inspect(response))
            return 0
    _refuse_if_listener(ctx, "upload")
    response = _attachment_send("upload", attachments, local, urls, "", _delivery(ctx), thread, group)
    ctx.say(render.inspect(response))
    return 0


def upload_for_listener(profile: state.Profile, faults: Any, environ: Any, request: dict[str, Any]) -> dict[str, Any]:
    """The listener's side of an IPC upload (one submission, with the listener's retry settings)."""
    from errbot_zalouser.simulator import ipc

    attachments = [str(a) for a in request["attachments"]]
    missing = [a for a in attachments if not os.path.exists(a)]
    if missing:
        raise ipc.UploadRejected(f"ENOENT: no such file or directory, open '{missing[0]}'")
    delivery = Delivery(profile, faults, ("msg", "upload"), retry=retry_policy(environ),
                        extra={"surface": surface.OPENZCA, "via": "ipc"})
    fields = {"command": "upload", "threadId": str(request["threadId"]),
              "isGroup": request.get("threadType") == "group", "attachments": attachments,
              "url": None, "urls": [], "file": attachments[0], "files": attachments, "caption": "",
              "captionAs": "desc"}
    try:
        ids = delivery.submit(fields, ids=len(attachments))
    except SendFailed as exc:
        raise ipc.UploadRejected(str(exc)) from None
    return {"message": None, "attachment": [{"msgId": int(i)} for i in ids]}


def _download(url: str) -> str:
    """The tool downloads URL inputs of ``msg upload`` first (here: a small placeholder file)."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="openzca-")
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "download"
    path = os.path.join(folder, name)
    with open(path, "wb") as fh:
        fh.write(b"zca-sim download of " + url.encode("utf-8", "replace"))
    return path


def _remove_download(path: str) -> None:
    try:
        os.unlink(path)
        os.rmdir(os.path.dirname(path))
    except OSError:
        pass



def _refuse_if_listener(ctx: Context, what: str) -> None:
    """msg video / msg upload (without IPC) refuse while a listener owns the profile, unless
    OPENZCA_UPLOAD_ENFORCE_SINGLE_OWNER=0, which opens a second websocket and kicks it (3000)."""
    from errbot_zalouser.simulator import owner

    if not nodejs.bool_env(ctx.environ, "OPENZCA_UPLOAD_ENFORCE_SINGLE_OWNER", True):
        kick_listener(ctx)
        return
    try:
        found = owner.active_owner(ctx.profile)
    except owner.OwnerError as exc:
        raise _error(exc) from None
    if found is not None and found["pid"] != os.getpid():
        raise _error(texts.OWNER_BLOCKS.format(profile=ctx.profile.name, pid=found["pid"], what=what))


def kick_listener(ctx: Context) -> None:
    """A second websocket on the account closes the running listener's with 3000."""
    from errbot_zalouser.simulator import owner

    try:
        found = owner.active_owner(ctx.profile)
    except owner.OwnerError:
        return
    if found is not None:
        from errbot_zalouser.simulator.inbox import Inbox

        Inbox(ctx.profile).append({"kind": "close", "code": 3000, "reason": ""})


# --- link, react, typing --------------------------------------------------------------------------------


def msg_link(ctx: Context) -> int:
    require_login(ctx)
    fields = {"command": "link", "threadId": ctx.arg("threadId"), "isGroup": bool(ctx.opt("group")),
              "url": ctx.arg("url")}
    (msg_id,) = _submit(_delivery(ctx), fields)
    ctx.say(render.inspect({"msgId": msg_id}))
    return 0


EMOJI_REACTIONS = {"❤️": "/-heart", "❤": "/-heart", "👍": "/-strong", "😆": ":>", "😂": ":>", "😮": ":o",
                   "😭": ":-((", "😡": ":-h"}
REACTIONS = {
    "HEART": "/-heart", "LIKE": "/-strong", "HAHA": ":>", "WOW": ":o", "CRY": ":-((", "ANGRY": ":-h",
    "KISS": ":-*", "TEARS_OF_JOY": ":')", "SHIT": "/-shit", "ROSE": "/-rose", "BROKEN_HEART": "/-break",
    "DISLIKE": "/-weak", "LOVE": ";xx", "CONFUSED": ";-/", "WINK": ";-)", "FADE": "/-fade", "SUN": "/-li",
    "BIRTHDAY": "/-bd", "BOMB": "/-bome", "OK": "/-ok", "PEACE": "/-v", "THANKS": "/-thanks", "PUNCH": "/-punch",
    "SHARE": "/-share", "PRAY": "_()_", "NO": "/-no", "BAD": "/-bad", "LOVE_YOU": "/-loveu", "SAD": "--b",
    "VERY_SAD": ":((", "COOL": "x-)", "NERD": "8-)", "BIG_SMILE": ";-d", "SUNGLASSES": "b-)", "NEUTRAL": ":--|",
    "SAD_FACE": "p-(", "BYE": ":-bye", "SLEEPY": "|-)", "WIPE": ":wipe", "DIG": ":-dig", "ANGUISH": "&-(",
    "HANDCLAP": ":handclap", "ANGRY_FACE": ">-|", "F_CHAIR": ":-f", "L_CHAIR": ":-l", "R_CHAIR": ":-r",
    "SILENT": ";-x", "SURPRISE": ":-o", "EMBARRASSED": ";-s", "AFRAID": ";-a", "SAD2": ":-<", "BIG_LAUGH": ":))",
    "RICH": "$-)", "BEER": "/-beer", "NONE": "",
}


def parse_reaction(text: str) -> str:
    """The Zalo reaction code for an emoji, a reaction name or a raw code (openzca's rules)."""
    normalized = text.strip(nodejs.SPACE)
    if normalized in EMOJI_REACTIONS:
        return EMOJI_REACTIONS[normalized]
    by_name = REACTIONS.get(re.sub(f"[{nodejs.SPACE}-]", "_", normalized.upper()), "")
    if by_name:
        return by_name
    if normalized in REACTIONS.values():
        return normalized
    raise _error(texts.UNSUPPORTED_REACTION.format(reaction=text))


def msg_react(ctx: Context) -> int:
    require_login(ctx)
    code = parse_reaction(ctx.arg("reaction") or "")
    fields = {"command": "react", "threadId": ctx.arg("threadId"), "isGroup": bool(ctx.opt("group")),
              "reaction": code, "target": {"msgId": ctx.arg("msgId"), "cliMsgId": ctx.arg("cliMsgId")}}
    (msg_id,) = _submit(_delivery(ctx, retry=False), fields)
    ctx.say(render.inspect({"msgIds": [_number(msg_id)]}))
    return 0


def msg_typing(ctx: Context) -> int:
    require_login(ctx)
    fields = {"command": "typing", "threadId": ctx.arg("threadId"), "isGroup": bool(ctx.opt("group"))}
    _submit(_delivery(ctx, retry=False), fields)
    return 0


HANDLERS: dict[tuple[str, ...], Callable[[Context], int]] = {
    ("msg", "send"): msg_send,
    ("msg", "analyze-text"): msg_analyze_text,
    ("msg", "image"): msg_image,
    ("msg", "video"): msg_video,
    ("msg", "voice"): msg_voice,
    ("msg", "upload"): msg_upload,
    ("msg", "link"): msg_link,
    ("msg", "react"): msg_react,
    ("msg", "typing"): msg_typing,
}
