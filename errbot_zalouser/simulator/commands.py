"""Handlers for the one-shot commands: auth, me, friend, group, and msg on the legacy surface
(openzca 0.1.58's msg commands are in ``msg_openzca``).

Each handler takes a :class:`Context` and returns the exit code. A runtime failure is raised
as :class:`Fail`, which the CLI prints on stderr (``Error: <message>``) with its exit code.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from errbot_zalouser.simulator import render, seed, state, texts
from errbot_zalouser.simulator import surface as surfaces
from errbot_zalouser.simulator.cliparse import Parsed
from errbot_zalouser.simulator.faults import FaultStore, Knobs


class Fail(Exception):
    """A command failed: ``stderr`` is printed verbatim (newline added), then exit ``code``."""

    def __init__(self, stderr: str, code: int = 1) -> None:
        super().__init__(stderr)
        self.stderr = stderr
        self.code = code


class Context:
    """What a handler gets: the parsed invocation, its profile, knobs and output streams."""

    def __init__(
        self,
        parsed: Parsed,
        profile: state.Profile,
        knobs: Knobs,
        out: TextIO,
        err: TextIO,
        argv: list[str],
        *,
        surface: str = surfaces.LEGACY,
        faults: FaultStore | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.parsed = parsed
        self.profile = profile
        self.knobs = knobs
        self.out = out
        self.err = err
        self.argv = argv
        self.surface = surface
        self.faults = faults if faults is not None else FaultStore(profile.home)
        self.environ = os.environ if environ is None else environ

    @property
    def openzca(self) -> bool:
        """True on the openzca 0.1.58 surface."""
        return self.surface == surfaces.OPENZCA

    def arg(self, name: str) -> str | None:
        return self.parsed.args.get(name)

    def opt(self, key: str, default: Any = None) -> Any:
        return self.parsed.opts.get(key, default)

    def say(self, text: str = "") -> None:
        """Print one line on stdout."""
        self.out.write(text + "\n")


# --- session ------------------------------------------------------------------------------------


def current_state(profile: state.Profile) -> dict[str, Any]:
    """The profile state, completing a background (``--qr-base64``) login whose time has come."""
    data = profile.load()
    if not data.get("loggedIn") and _login_due(data):
        data = profile.update(_complete_login)
    return data


def _login_due(data: dict[str, Any]) -> bool:
    due = data.get("pendingLoginAt")
    return isinstance(due, (int, float)) and time.time() >= due


def _complete_login(data: dict[str, Any]) -> None:
    if _login_due(data):
        data["loggedIn"] = True
        data.pop("pendingLoginAt", None)


def require_login(ctx: Context) -> dict[str, Any]:
    """The state of a logged-in profile; otherwise fail with the tool's error for this command
    (0.1.58 says "has no credentials" everywhere but ``auth status``)."""
    data = current_state(ctx.profile)
    if not data.get("loggedIn"):
        text = texts.NOT_LOGGED_IN
        if ctx.openzca and ctx.parsed.words != ("auth", "status"):
            text = texts.NO_CREDENTIALS
        raise Fail(text.format(profile=ctx.profile.name))
    return data


# --- auth ---------------------------------------------------------------------------------------------


def auth_status(ctx: Context) -> int:
    data = require_login(ctx)
    me = data.get("me") or {}
    dump = {
        "profile": ctx.profile.name,
        "loggedIn": True,
        "userId": str(me.get("userId", "")),
        "displayName": me.get("displayName", ""),
        "credentialsPath": str(ctx.profile.state_path),
    }
    ctx.say(render.inspect(dump))
    return 0


def auth_login(ctx: Context) -> int:
    from errbot_zalouser.simulator import qr  # only login draws QR codes

    grid = qr.matrix(f"{ctx.profile.name}:{time.time_ns()}")
    if ctx.opt("qrBase64"):
        return _login_background(ctx, qr.data_url(grid))
    path = ctx.opt("qrPath") or str(ctx.profile.path("qr.png"))
    _save_png(path, qr.png_bytes(grid))
    ctx.say(texts.QR_SCAN_PROMPT)
    ctx.say(qr.ascii_block(grid))
    ctx.say(texts.QR_SCAN_HINT)
    ctx.say(texts.QR_SAVED.format(path=path))
    ctx.out.flush()
    time.sleep(ctx.knobs.login_delay_s)
    if ctx.knobs.login_decline:
        ctx.say(texts.QR_DECLINED)
        return 1
    return _login_done(ctx)


def _login_background(ctx: Context, data_url: str) -> int:
    """``--qr-base64``: print the data URL, exit at once; the login completes after the delay."""
    if not ctx.knobs.login_decline:
        due = time.time() + ctx.knobs.login_delay_s

        def schedule(data: dict[str, Any]) -> None:
            data["pendingLoginAt"] = due

        ctx.profile.update(schedule)
    ctx.say(data_url)
    return 0


def _login_done(ctx: Context) -> int:
    data = ctx.profile.update(_set_logged_in)
    me = data.get("me") or {}
    name = me.get("displayName", "")
    ctx.say(texts.QR_SCANNED.format(name=name))
    ctx.say(texts.LOGGED_IN.format(profile=ctx.profile.name, name=name, user_id=me.get("userId", "")))
    ctx.say(texts.CACHE_REFRESHED.format(friends=len(data.get("friends") or []), groups=len(data.get("groups") or [])))
    return 0


def _set_logged_in(data: dict[str, Any]) -> None:
    data["loggedIn"] = True
    data.pop("pendingLoginAt", None)


def _save_png(path: str, png: bytes) -> None:
    try:
        with open(path, "wb") as fh:
            fh.write(png)
    except OSError as exc:
        raise Fail(texts.ERROR.format(message=f"cannot save QR code: {exc}")) from exc


def auth_logout(ctx: Context) -> int:
    def logout(data: dict[str, Any]) -> None:
        data["loggedIn"] = False
        data.pop("pendingLoginAt", None)

    ctx.profile.update(logout)
    ctx.say(texts.LOGGED_OUT.format(profile=ctx.profile.name))
    return 0


def auth_cache_refresh(ctx: Context) -> int:
    data = require_login(ctx)
    friends, groups = len(data.get("friends") or []), len(data.get("groups") or [])
    ctx.say(texts.CACHE_REFRESHED_FOR.format(profile=ctx.profile.name, friends=friends, groups=groups))
    return 0


# --- me / friend / group -------------------------------------------------------------------------------


def _noise(ctx: Context, count: int) -> None:
    if ctx.knobs.noise:
        for line in texts.NOISE_LINES:
            ctx.say(line.format(profile=ctx.profile.name, count=count))


def _listing(ctx: Context, rows: Any, columns: tuple[str, ...], as_json: bool) -> int:
    _noise(ctx, len(rows) if isinstance(rows, list) else 1)
    if as_json:
        ctx.out.write(render.to_json(rows))
    elif isinstance(rows, list):
        ctx.out.write(render.table(rows, columns))
    else:
        ctx.say(render.inspect(rows))
    return 0


def me_info(ctx: Context) -> int:
    me = require_login(ctx).get("me") or {}
    return _listing(ctx, me, (), bool(ctx.opt("json")))


def me_id(ctx: Context) -> int:
    me = require_login(ctx).get("me") or {}
    ctx.say(str(me.get("userId", "")))
    return 0


_USER_COLUMNS = ("userId", "displayName", "zaloName")


def friend_list(ctx: Context) -> int:
    friends = require_login(ctx).get("friends") or []
    return _listing(ctx, friends, _USER_COLUMNS, bool(ctx.opt("json")))


def friend_find(ctx: Context) -> int:
    friends = require_login(ctx).get("friends") or []
    found = find_users(friends, ctx.arg("query") or "")
    as_json = bool(ctx.opt("json")) or not ctx.out.isatty()
    return _listing(ctx, found, _USER_COLUMNS, as_json)


def find_users(friends: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """openzca's lookup: a numeric query by phone, then username; then a substring search."""
    query = query.strip()
    if not query:
        return []
    if query.lstrip("+").isdigit():
        phone = _phone(query)
        hits = [f for f in friends if phone and _phone(str(f.get("phoneNumber") or "")) == phone]
        if hits:
            return hits
    hits = [f for f in friends if str(f.get("username") or "").casefold() == query.casefold()]
    if hits:
        return hits
    needle = query.casefold()
    fields = ("displayName", "zaloName", "username", "userId", "phoneNumber")
    return [f for f in friends if any(needle in str(f.get(k) or "").casefold() for k in fields)]


def _phone(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    return "84" + digits[1:] if digits.startswith("0") else digits


def group_list(ctx: Context) -> int:
    groups = require_login(ctx).get("groups") or []
    return _listing(ctx, groups, ("groupId", "name", "totalMember"), bool(ctx.opt("json")))


def group_members(ctx: Context) -> int:
    data = require_login(ctx)
    group_id = ctx.arg("groupId") or ""
    rows = members_of(data, group_id)
    if rows is None:
        raise Fail(texts.GROUP_NOT_FOUND.format(group_id=group_id))
    return _listing(ctx, rows, _USER_COLUMNS, bool(ctx.opt("json")))


def members_of(data: dict[str, Any], group_id: str) -> list[dict[str, Any]] | None:
    """Stored member rows, else rows derived from the group's memberIds; None if no such group."""
    members = data.get("members") or {}
    if group_id in members:
        rows: list[dict[str, Any]] = members[group_id]
        return rows
    for group in data.get("groups") or []:
        if str(group.get("groupId")) == group_id:
            return seed.derive_members(group, data.get("me") or {}, data.get("friends") or [])
    return None


# --- msg ---------------------------------------------------------------------------------------------------


def msg_send(ctx: Context) -> int:
    return _deliver(ctx, "send", {"text": ctx.arg("message")})


def msg_link(ctx: Context) -> int:
    return _deliver(ctx, "link", {"url": ctx.arg("url")})


def msg_typing(ctx: Context) -> int:
    require_login(ctx)
    _log_sent(ctx, "typing", {}, None)
    return 0


def msg_image(ctx: Context) -> int:
    return _deliver(ctx, "image", _media(ctx, caption=True))


def msg_video(ctx: Context) -> int:
    fields = _media(ctx, caption=True)
    if ctx.opt("thumbnail"):
        fields["thumbnail"] = ctx.opt("thumbnail")
    return _deliver(ctx, "video", fields)


def msg_voice(ctx: Context) -> int:
    return _deliver(ctx, "voice", _media(ctx, caption=False))


def _media(ctx: Context, *, caption: bool) -> dict[str, Any]:
    urls = list(ctx.opt("url") or [])
    file = ctx.arg("file")
    if not urls and not file:
        raise Fail(texts.NO_MEDIA)
    if file and not os.path.exists(file):
        raise Fail(texts.ERROR.format(message=f"ENOENT: no such file or directory, open '{file}'"))
    fields: dict[str, Any] = {"url": urls[0] if urls else None, "urls": urls, "file": file}
    if caption:
        fields["caption"] = ctx.opt("message") or ""
    return fields


def _deliver(ctx: Context, command: str, fields: dict[str, Any]) -> int:
    """One submission, no built-in retry (the legacy surface has none), the old output."""
    from errbot_zalouser.simulator.delivery import Delivery, SendFailed

    require_login(ctx)
    record = {"command": command, "threadId": ctx.arg("threadId"), "isGroup": bool(ctx.opt("group")), **fields}
    try:
        (msg_id,) = Delivery(ctx.profile, ctx.faults, ctx.parsed.words, argv=ctx.argv).submit(record, digits=19)
    except SendFailed as exc:
        raise Fail(texts.ERROR.format(message=exc)) from None
    _print_send_result(ctx, msg_id)
    return 0


def _log_sent(ctx: Context, command: str, fields: dict[str, Any], msg_id: str | None) -> None:
    record = {
        "ts": time.time(),
        "command": command,
        "threadId": ctx.arg("threadId"),
        "isGroup": bool(ctx.opt("group")),
        **fields,
        "msgId": msg_id,
        "argv": ctx.argv,
        "profile": ctx.profile.name,
    }
    state.append_jsonl(ctx.profile.path("sent.jsonl"), record, sync=True)


def _print_send_result(ctx: Context, msg_id: str) -> None:
    shape = ctx.knobs.send_output
    if shape == "message_id":
        ctx.say(f"message_id: {msg_id}")
    elif shape == "message id":
        ctx.say(f"message id: {msg_id}")
    elif shape == "bare":
        ctx.say(msg_id)
    elif shape == "inspect":
        ctx.say(render.inspect({"message": {"msgId": render.Literal(msg_id)}, "attachment": []}))


# --- dispatch --------------------------------------------------------------------------------------------

Handler = Callable[[Context], int]

HANDLERS: dict[tuple[str, ...], Handler] = {
    ("auth", "login"): auth_login,
    ("auth", "status"): auth_status,
    ("auth", "logout"): auth_logout,
    ("auth", "cache-refresh"): auth_cache_refresh,
    ("me", "info"): me_info,
    ("me", "id"): me_id,
    ("friend", "list"): friend_list,
    ("friend", "find"): friend_find,
    ("group", "list"): group_list,
    ("group", "members"): group_members,
    ("msg", "send"): msg_send,
    ("msg", "image"): msg_image,
    ("msg", "video"): msg_video,
    ("msg", "voice"): msg_voice,
    ("msg", "link"): msg_link,
    ("msg", "typing"): msg_typing,
}
