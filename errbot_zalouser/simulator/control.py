"""SimControl: the Python API tests use to drive `zca-sim` by editing its state folder.

No subprocess is needed to control the simulator; every method reads or writes files under the
home folder, with the same locks the `zca-sim` processes use.

Surface (which `zca` is played, see ``surface.py``)::

    set_surface("0.1.58" | "legacy")     stored for the whole home; ZCA_SIM_SURFACE overrides it
    .surface                              the surface in effect for this process's environment

    0.1.58 (default): openzca 0.1.58, msg send formats Markdown unless --raw, resolves group
    @mentions, splits at 2000 rendered characters, retries timeouts (OPENZCA_SEND_RETRY_COUNT,
    OPENZCA_SEND_RETRY_DELAY_MS), prints inspect dumps with 13-digit ids; the listener takes a
    lock, serves listen.sock, recycles (exit 75), restarts on 1000/3000 with -k, prints
    lifecycle lines with --supervised --raw, exits 143/130 on SIGTERM/SIGINT (ZCA_SIM_RECYCLE_
    WIND_DOWN_MS shortens the 3 s wind-down after a recycle).
    legacy: zca-cli / openzca ~0.1.20: none of the above; text sent as given; old outputs.

State::

    SimControl(home, profile="default")
    SimControl.create(home, profile="default", *, logged_in=True, me=None, friends=None,
                      groups=None, members=None) -> SimControl    (None = the default seed)
    .home (Path), .profile (str), .me (dict), .friends, .groups (lists of dicts, read live)
    .members (dict groupId -> rows, read live; also what group @mentions resolve against)
    set_state(**fields)            top-level state keys: me, friends, groups, members, loggedIn
    set_logged_in(flag)
    add_friends(rows)              rows with an existing userId replace it
    add_groups(rows, members=None) members: {groupId: [member rows]}

Inbound (delivered by a running or the next `listen`; built in the shape of the current surface)::

    inject_dm(sender_id, text="hi", *, sender_name="", content=None, msg_id=None,
              cli_msg_id=None, timestamp=None, **extra) -> dict
    inject_group(group_id, sender_id, text="hi", *, sender_name="", group_name=None,
                 mentions=(), content=None, msg_id=None, cli_msg_id=None, timestamp=None,
                 **extra) -> dict
        content=<object> injects the older object-content shape (what zca-cli could print).
    inject_media(kind, sender_id, urls=(), *, group_id=None, caption="", file_name=None,
                 mime=None, data=None, download_fails=False, **ids) -> dict
        kind: photo, gif, video, voice, file, link; files are really written to the media folder
        of this process's environment and moved, when the delivering listener's environment
        names another (OPENZCA_LISTEN_MEDIA_DIR), into that one (media.py); the event has the
        [media attached: …] note, mediaPath(s), mediaUrl(s), mediaType(s), mediaKind.
    inject_photo(sender_id, url=…, **kw), inject_file(sender_id, url=…, file_name=…, **kw),
    inject_voice(sender_id, url=…, **kw), inject_link(sender_id, url=…, title="", thumb=…, **kw),
    inject_sticker(sender_id, sticker_id="…", **kw),
    inject_quote_reply(sender_id, text, *, quoted_text, quoted_sender_id, quoted_sender_name="",
                       group_id=None, **kw) -> dict
    media_dir() -> Path
    inject_event(event) -> dict, inject_raw(text), inject_raw_bytes(data),
    inject_split(event, pause=0.05) -> dict, close_connection(code, reason="", *, hang=""),
        hang="alive" | "frozen": the process does not end after the close (timers go on, or none)
    drop_connection(code=1006, reconnect_after=0.5)   a close zca-js retries itself (-k)
    listener_error(message)        "Listener error: …" on stderr (+ lifecycle error line)
    exit_listener(code, stderr=""), stall(), sleep(seconds), inbox_pending() -> int

Observation::

    sent() -> list[dict]; wait_sent(count, timeout=10.0) -> list[dict] (TimeoutError)
        one record per accepted server submission: duplicates from retries show up here.
        0.1.58 `send` records: text (as the chat shows it), input (as given), styles, mentions,
        quote, chunk/chunks, attempt, msgId; see msg_openzca.py for every command's fields.
    chat_texts(thread_id=None) -> list[str]   the `text` of send records, oldest first
    calls(all_profiles=False) -> list[dict]
    listener_pid() -> int | None; listener_starts() -> int
    wait_listener(timeout=10.0, min_starts=1) -> int (pid; TimeoutError)
    listener_owner() -> dict | None           the 0.1.58 lock file (listener-owner.json)
    socket_path -> Path                       listen.sock (exists while a 0.1.58 listener runs)

Faults (see faults.py)::

    fail(command, times=1, exit_code=1, stderr="Error: simulated failure")
    hang(command, seconds, times=1)       times < 0: forever
    fail_submission(command="msg send", *, error=…, accepted=False, hang_s=0, times=1, chunk=None)
        per server submission (one chunk attempt, one media message); error=None succeeds
    timeout_after_accept(command="msg send", times=1, chunk=None)   delivered, then "read ETIMEDOUT"
    timeout_before_accept(command="msg send", times=1, chunk=None)  never delivered, same error
    fail_chunk(k, error=texts.RATE_LIMIT_TEXT, times=1)   chunk k fails for good (not retryable)
    set_latency(ms)                       global, for every profile
    set_noise(enabled); set_send_output(shape) (legacy); set_login(delay_s=0.5, decline=False)
    clear_faults()                        this profile's knobs and the global latency
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from errbot_zalouser.simulator import events, media, owner, render, seed, spec, state, surface, texts
from errbot_zalouser.simulator.faults import FaultStore
from errbot_zalouser.simulator.inbox import Inbox

Row = dict[str, Any]


class SimControl:
    """Control one profile of a simulator home."""

    def __init__(self, home: str | Path, profile: str = "default") -> None:
        if not state.valid_profile(profile):
            raise ValueError(f"invalid profile name: {profile!r}")
        self.home = Path(home)
        self.profile = profile
        self._profile = state.Profile(self.home, profile)
        self._faults = FaultStore(self.home)
        self._inbox = Inbox(self._profile)

    @classmethod
    def create(
        cls,
        home: str | Path,
        profile: str = "default",
        *,
        logged_in: bool = True,
        me: Row | None = None,
        friends: list[Row] | None = None,
        groups: list[Row] | None = None,
        members: Mapping[str, list[Row]] | None = None,
    ) -> SimControl:
        """Write a complete profile state (None means the default seed) and return a control."""
        control = cls(home, profile)
        if members is None:
            members = seed.default_members() if groups is None else {}
        control._profile.save(
            {
                "me": dict(me) if me is not None else seed.default_me(),
                "friends": list(friends) if friends is not None else seed.default_friends(),
                "groups": list(groups) if groups is not None else seed.default_groups(),
                "members": dict(members),
                "loggedIn": bool(logged_in),
            }
        )
        return control

    # --- state --------------------------------------------------------------------------------

    @property
    def me(self) -> Row:
        return self._profile.load().get("me") or {}

    @property
    def friends(self) -> list[Row]:
        return self._profile.load().get("friends") or []

    @property
    def groups(self) -> list[Row]:
        return self._profile.load().get("groups") or []

    @property
    def members(self) -> dict[str, list[Row]]:
        return self._profile.load().get("members") or {}

    def set_state(self, **fields: Any) -> None:
        """Replace top-level state keys (``logged_in`` is accepted for ``loggedIn``)."""
        if "logged_in" in fields:
            fields["loggedIn"] = bool(fields.pop("logged_in"))
        self._profile.update(lambda data: data.update(fields))

    def set_logged_in(self, flag: bool) -> None:
        """Log the profile in or out (cancels a pending background login)."""

        def change(data: Row) -> None:
            data["loggedIn"] = bool(flag)
            data.pop("pendingLoginAt", None)

        self._profile.update(change)

    def add_friends(self, rows: Iterable[Row]) -> None:
        """Add friends; a row whose userId already exists replaces it."""
        new = [dict(r) for r in rows]

        def change(data: Row) -> None:
            data["friends"] = _upsert(data.get("friends"), new, "userId")

        self._profile.update(change)

    def add_groups(self, rows: Iterable[Row], members: Mapping[str, list[Row]] | None = None) -> None:
        """Add groups (replacing same groupId) and, optionally, their member rows."""
        new = [dict(r) for r in rows]

        def change(data: Row) -> None:
            data["groups"] = _upsert(data.get("groups"), new, "groupId")
            if members:
                data.setdefault("members", {}).update({str(k): list(v) for k, v in members.items()})

        self._profile.update(change)

    # --- inbound --------------------------------------------------------------------------------

    def inject_dm(
        self,
        sender_id: str,
        text: str = "hi",
        *,
        sender_name: str = "",
        content: Any = None,
        msg_id: str | None = None,
        cli_msg_id: str | None = None,
        timestamp: float | None = None,
        **extra: Any,
    ) -> Row:
        """Queue a direct message from ``sender_id``; returns the event as it will be printed."""
        return self.inject_event(self._event(
            None, str(sender_id), text if content is None else content,
            sender_name=sender_name or self._name_of(str(sender_id)),
            msg_id=msg_id, cli_msg_id=cli_msg_id, timestamp=timestamp, extra=extra,
        ))

    def inject_group(
        self,
        group_id: str,
        sender_id: str,
        text: str = "hi",
        *,
        sender_name: str = "",
        group_name: str | None = None,
        mentions: Iterable[Any] = (),
        content: Any = None,
        msg_id: str | None = None,
        cli_msg_id: str | None = None,
        timestamp: float | None = None,
        **extra: Any,
    ) -> Row:
        """Queue a group message. ``mentions``: uids (or ready mention dicts) -> mentions/mentionIds."""
        body = text if content is None else content
        names = self._names(str(group_id))
        return self.inject_event(self._event(
            str(group_id), str(sender_id), body,
            sender_name=sender_name or names.get(str(sender_id), ""), group_name=group_name,
            mentions=events.build_mentions(mentions, body, names),
            msg_id=msg_id, cli_msg_id=cli_msg_id, timestamp=timestamp, extra=extra,
        ))

    def _event(self, group_id: str | None, sender_id: str, content: Any, **fields: Any) -> Row:
        """An event in the current surface's shape (``group_id`` None: a DM)."""
        if self.surface == surface.LEGACY:
            if group_id is None:
                return events.dm_event(sender_id, content, **{k: v for k, v in fields.items()
                                                              if k not in ("group_name", "mentions")})
            return events.group_event(group_id, sender_id, content, **fields)
        return events.openzca_event(
            group_id or sender_id, sender_id, content, is_group=group_id is not None,
            self_id=str(self.me.get("userId", "")), **fields,
        )

    # --- media and replies (0.1.58 shapes) -------------------------------------------------------

    def media_dir(self) -> Path:
        """Where inbound media files are written (see media.py)."""
        return media.media_dir(self.home, self.profile, os.environ)

    def inject_media(
        self,
        kind: str,
        sender_id: str,
        urls: str | Iterable[str] = (),
        *,
        group_id: str | None = None,
        caption: str = "",
        file_name: str | None = None,
        mime: str | None = None,
        data: bytes | None = None,
        download_fails: bool = False,
        **fields: Any,
    ) -> Row:
        """Queue a photo, gif, video, voice or file message whose media the listener "downloaded"."""
        if kind not in media.KINDS:
            raise ValueError(f"unknown media kind {kind!r}; expected one of {', '.join(media.KINDS)}")
        spec_ = media.KINDS[kind]
        links = [urls] if isinstance(urls, str) else list(urls)
        if not links:
            raise ValueError("inject_media needs at least one URL")
        mime = mime or spec_.mime
        paths: list[str | None] = []
        for url in links:
            if download_fails:
                paths.append(None)
                continue
            payload = data if data is not None else f"zca-sim {kind} from {url}".encode()
            paths.append(media.store(self.media_dir(), payload, media.extension_of(url, mime, spec_.extension)))
        fallback = file_name or "" if kind == "file" else links[0]
        content = media.attached_note(spec_, links, paths, mime, caption or fallback)
        warnings = [f"Warning: failed to cache inbound media (Failed to download inbound media: {u} (404))"
                    for u, p in zip(links, paths, strict=True) if p is None]
        where = {"kind": kind, "urls": links, "paths": paths, "mime": mime, "caption": caption or fallback}
        return self._inject_kind(group_id, str(sender_id), content, spec_.msg_type,
                                 media=media.media_fields(spec_, links, paths, mime), warnings=warnings,
                                 downloads=where, **fields)

    def inject_photo(self, sender_id: str, url: str = "https://f21-zpc.zdn.vn/sim/photo.jpg", **kw: Any) -> Row:
        return self.inject_media("photo", sender_id, url, **kw)

    def inject_file(self, sender_id: str, url: str = "https://f21-zpc.zdn.vn/sim/report.pdf", *,
                    file_name: str = "report.pdf", mime: str = "application/pdf", **kw: Any) -> Row:
        return self.inject_media("file", sender_id, url, file_name=file_name, mime=mime, **kw)

    def inject_voice(self, sender_id: str, url: str = "https://f21-zpc.zdn.vn/sim/voice.m4a", **kw: Any) -> Row:
        return self.inject_media("voice", sender_id, url, **kw)

    def inject_link(self, sender_id: str, url: str = "https://example.org/article", *, title: str = "",
                    thumb: str = "https://f21-zpc.zdn.vn/sim/thumb.jpg", **kw: Any) -> Row:
        """A shared link (``chat.recommended``): its thumbnail downloaded, its title (else the
        link) on the caption line."""
        return self.inject_media("link", sender_id, thumb, caption=title or url, **kw)

    def inject_sticker(self, sender_id: str, sticker_id: str = "21979", *, sticker_type: int = 7,
                       group_id: str | None = None, **fields: Any) -> Row:
        """A sticker: no media, ``<non-text:chat.sticker>``, mediaKind image, the sticker-id mention."""
        return self._inject_kind(group_id, str(sender_id), "<non-text:chat.sticker>", "chat.sticker",
                                 media={"mediaKind": "image"},
                                 mentions=[media.sticker_mention(str(sticker_id), sticker_type)], **fields)

    def inject_quote_reply(
        self,
        sender_id: str,
        text: str,
        *,
        quoted_text: str,
        quoted_sender_id: str,
        quoted_sender_name: str = "",
        quoted_msg_id: str | None = None,
        quoted_cli_msg_id: str | None = None,
        group_id: str | None = None,
        **fields: Any,
    ) -> Row:
        """A reply quoting an earlier message: content ends with the ``[reply context: …]`` line."""
        name = quoted_sender_name or self._name_of(str(quoted_sender_id))
        quote = {
            "ownerId": str(quoted_sender_id), "senderName": name or None, "msg": quoted_text or None,
            "ts": int(time.time() * 1000) - 60_000, "cliMsgId": quoted_cli_msg_id or events.new_cli_msg_id(),
            "globalMsgId": quoted_msg_id or events.new_msg_id(13), "cliMsgType": 1,
        }
        quote = {k: v for k, v in quote.items() if v is not None}
        content = f"{text}\n{media.reply_context(name or str(quoted_sender_id), quoted_text)}"
        return self._inject_kind(group_id, str(sender_id), content, "webchat", quote={"quote": quote}, **fields)

    def _inject_kind(self, group_id: str | None, sender_id: str, content: str, msg_type: str, *,
                     warnings: list[str] | None = None, downloads: dict[str, Any] | None = None,
                     **fields: Any) -> Row:
        names = self._names(group_id) if group_id else {}
        name = fields.pop("sender_name", "") or (names.get(sender_id) if group_id else self._name_of(sender_id)) or ""
        event = events.openzca_event(
            group_id or sender_id, sender_id, content, is_group=group_id is not None,
            self_id=str(self.me.get("userId", "")), sender_name=name, msg_type=msg_type, **fields,
        )
        record: Row = {"kind": "event", "event": event, "warnings": warnings or []}
        if downloads is not None:
            record["downloads"] = downloads
        self._inbox.append(record)
        return event

    def inject_event(self, event: Row) -> Row:
        """Queue any event object exactly as given."""
        self._inbox.append({"kind": "event", "event": event})
        return event

    def inject_raw(self, text: str) -> None:
        """Queue text the listener writes verbatim (no newline added)."""
        self._inbox.append({"kind": "raw", "text": text})

    def inject_raw_bytes(self, data: bytes) -> None:
        """Queue bytes the listener writes verbatim (e.g. invalid UTF-8)."""
        self._inbox.append({"kind": "raw", "raw_b64": base64.b64encode(data).decode("ascii")})

    def inject_split(self, event: Row, pause: float = 0.05) -> Row:
        """Queue one JSON event line written in two parts, ``pause`` seconds apart."""
        line = render.compact_json(event) + "\n"
        cut = len(line) // 2
        self._inbox.append({"kind": "raw", "parts": [line[:cut], line[cut:]], "pause": pause})
        return event

    def close_connection(self, code: int, reason: str = "", *, hang: str = "") -> None:
        """Queue a websocket close: the close line, then (with -k) silence. ``hang`` plays a process
        that does not end as it should after the close: "alive" (its timers, heartbeats included,
        go on; nothing else happens) or "frozen" (nothing at all, as a blocked event loop)."""
        self._inbox.append({"kind": "close", "code": int(code), "reason": reason, "hang": hang})

    def drop_connection(self, code: int = 1006, reconnect_after: float = 0.5) -> None:
        """Queue a close that zca-js retries by itself: with -k (0.1.58, not supervised) no line,
        then ``Connected to Zalo websocket.`` after ``reconnect_after`` s; otherwise a plain close."""
        self._inbox.append({"kind": "drop", "code": int(code), "reconnect_after": float(reconnect_after)})

    def listener_error(self, message: str) -> None:
        """Queue a websocket error: ``Listener error: <message>`` on stderr (and a lifecycle line)."""
        self._inbox.append({"kind": "error", "message": str(message)})

    def exit_listener(self, code: int, stderr: str = "") -> None:
        """Queue a listener exit (75 prints the recycle line first)."""
        self._inbox.append({"kind": "exit", "code": int(code), "stderr": stderr})

    def stall(self) -> None:
        """Queue a stall: the listener stays alive, prints and consumes nothing more."""
        self._inbox.append({"kind": "stall"})

    def sleep(self, seconds: float) -> None:
        """Queue a pause in delivery."""
        self._inbox.append({"kind": "sleep", "seconds": float(seconds)})

    def inbox_pending(self) -> int:
        """Records not yet consumed by any listener."""
        return self._inbox.pending()

    # --- observation ----------------------------------------------------------------------------

    def sent(self) -> list[Row]:
        """Every successful ``msg ...`` of this profile, oldest first."""
        return state.read_jsonl(self._profile.path("sent.jsonl"))

    def wait_sent(self, count: int, timeout: float = 10.0) -> list[Row]:
        """Poll until at least ``count`` messages were sent; TimeoutError lists what was seen."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self.sent()
            if len(rows) >= count:
                return rows
            if time.monotonic() >= deadline:
                raise TimeoutError(f"expected {count} sent message(s) within {timeout}s, saw {len(rows)}: {rows!r}")
            time.sleep(0.02)

    def chat_texts(self, thread_id: str | None = None) -> list[str]:
        """The texts of sent messages as the chat shows them, oldest first (one per submission)."""
        return [str(r.get("text")) for r in self.sent()
                if r.get("command") == "send" and (thread_id is None or r.get("threadId") == str(thread_id))]

    def listener_owner(self) -> Row | None:
        """The 0.1.58 listener lock record, if the file exists and holds a pid."""
        try:
            return owner.read_owner(self._profile)
        except owner.OwnerError:
            return None

    @property
    def socket_path(self) -> Path:
        """``listen.sock`` of this profile (exists while a 0.1.58 listener serves it)."""
        return self._profile.path(owner.SOCKET_FILE)

    def calls(self, all_profiles: bool = False) -> list[Row]:
        """Recorded `zca-sim` invocations (argv, exit, duration_ms...) of this profile, or all."""
        rows = state.read_jsonl(self.home / "calls.jsonl")
        return rows if all_profiles else [r for r in rows if r.get("profile") == self.profile]

    def listener_pid(self) -> int | None:
        """The pid of the running listener of this profile, if any."""
        try:
            pid = int(self._profile.path("listen.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid) else None

    def listener_starts(self) -> int:
        """How many times a listener of this profile has started (reached "connected")."""
        return len(state.read_jsonl(self._profile.path("listen.log")))

    def wait_listener(self, timeout: float = 10.0, min_starts: int = 1) -> int:
        """Wait for the ``min_starts``-th listener start; returns the pid of the latest one."""
        deadline = time.monotonic() + timeout
        while True:
            starts = state.read_jsonl(self._profile.path("listen.log"))
            if len(starts) >= min_starts:
                return int(starts[-1]["pid"])
            if time.monotonic() >= deadline:
                raise TimeoutError(f"expected {min_starts} listener start(s) within {timeout}s, saw {len(starts)}")
            time.sleep(0.01)

    # --- faults -----------------------------------------------------------------------------------

    def fail(self, command: str, times: int = 1, exit_code: int = 1, stderr: str = texts.DEFAULT_FAILURE) -> None:
        """Make ``command`` (e.g. "msg send") fail ``times`` times with ``exit_code`` and ``stderr``."""
        rule = {"kind": "fail", "command": _command(command), "times": int(times),
                "exit_code": int(exit_code), "stderr": stderr}
        self._add_rule(rule)

    def hang(self, command: str, seconds: float, times: int = 1) -> None:
        """Make ``command`` sleep ``seconds`` before it proceeds, ``times`` times."""
        self._add_rule({"kind": "hang", "command": _command(command), "times": int(times), "seconds": float(seconds)})

    def fail_submission(
        self,
        command: str = "msg send",
        *,
        error: str | None = texts.SEND_TIMEOUT_TEXT,
        accepted: bool = False,
        hang_s: float = 0.0,
        times: int = 1,
        chunk: int | None = None,
    ) -> None:
        """Decide the next ``times`` server submissions of ``command`` (see faults.py)."""
        self._add_rule({"kind": "submit", "command": _command(command), "times": int(times),
                        "chunk": None if chunk is None else int(chunk), "accepted": bool(accepted),
                        "error": error, "hang_s": float(hang_s)})

    def timeout_after_accept(self, command: str = "msg send", times: int = 1, chunk: int | None = None) -> None:
        """The server takes the message (it is in the chat), then the client times out."""
        self.fail_submission(command, accepted=True, times=times, chunk=chunk)

    def timeout_before_accept(self, command: str = "msg send", times: int = 1, chunk: int | None = None) -> None:
        """The request times out before the server takes it (nothing in the chat)."""
        self.fail_submission(command, accepted=False, times=times, chunk=chunk)

    def fail_chunk(self, chunk: int, error: str = texts.RATE_LIMIT_TEXT, times: int = 1) -> None:
        """Chunk ``chunk`` of the next split ``msg send`` fails (the earlier chunks went out)."""
        self.fail_submission("msg send", error=error, chunk=chunk, times=times)

    @property
    def surface(self) -> str:
        """The surface `zca-sim` plays for processes started with this process's environment."""
        return surface.resolve(os.environ, self._faults.read().get("surface"))

    def set_surface(self, name: str) -> None:
        """Play ``"0.1.58"`` (openzca 0.1.58) or ``"legacy"`` for every profile of this home."""
        value = surface.normalise(name)

        def change(data: Row) -> None:
            data["surface"] = value

        self._faults.edit(change)

    def set_latency(self, ms: int) -> None:
        """Every invocation (all profiles) lasts at least ``ms`` from its process start."""

        def change(data: Row) -> None:
            data["latency_ms"] = max(0, int(ms))

        self._faults.edit(change)

    def set_noise(self, enabled: bool) -> None:
        """List commands print log lines and ANSI colours before their output."""
        self._set_knob("noise", bool(enabled))

    def set_send_output(self, shape: str) -> None:
        """The stdout of ``msg`` commands: one of texts.SEND_SHAPES."""
        if shape not in texts.SEND_SHAPES:
            raise ValueError(f"unknown send output shape {shape!r}; expected one of {texts.SEND_SHAPES}")
        self._set_knob("send_output", shape)

    def set_login(self, delay_s: float = 0.5, decline: bool = False) -> None:
        """How QR logins go: completion delay, and whether the phone declines."""
        self._set_knob("login", {"delay_s": float(delay_s), "decline": bool(decline)})

    def clear_faults(self) -> None:
        """Drop this profile's fault rules and knobs, and the global latency."""

        def change(data: Row) -> None:
            data.pop("latency_ms", None)
            data.get("profiles", {}).pop(self.profile, None)

        self._faults.edit(change)

    def _add_rule(self, rule: Row) -> None:
        self._faults.edit_profile(self.profile, lambda section: section.setdefault("rules", []).append(rule))

    def _set_knob(self, key: str, value: Any) -> None:

        def change(section: Row) -> None:
            section[key] = value

        self._faults.edit_profile(self.profile, change)

    # --- names --------------------------------------------------------------------------------------

    def _name_of(self, user_id: str) -> str:
        data = self._profile.load()
        for user in [data.get("me") or {}, *(data.get("friends") or [])]:
            if str(user.get("userId")) == user_id:
                return str(user.get("displayName") or "")
        return ""

    def _names(self, group_id: str) -> dict[str, str]:
        """uid -> display name from the group's members, the friends and the account itself."""
        data = self._profile.load()
        users = [*(data.get("friends") or []), *((data.get("members") or {}).get(group_id) or []), data.get("me") or {}]
        return {str(u.get("userId")): str(u.get("displayName") or "") for u in users if u.get("userId")}


def _upsert(existing: Any, new: list[Row], key: str) -> list[Row]:
    replaced = {str(r.get(key)) for r in new}
    kept = [r for r in (existing or []) if str(r.get(key)) not in replaced]
    return kept + new


def _command(command: str) -> str:
    """Normalise and check a fault's command words against the simulator's commands."""
    words = tuple(command.split())
    if words in ((), ("*",)):
        return "*"
    known = spec.leaf_commands()
    if not any(leaf[: len(words)] == words for leaf in known):
        raise ValueError(f"unknown zca command {command!r}; known: {', '.join(' '.join(k) for k in known)}")
    return " ".join(words)


def _alive(pid: int) -> bool:
    """Alive and not a zombie (an exited listener its parent has not reaped yet)."""
    if not owner.pid_alive(pid):
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True
