"""Typed calls to the `zca` commands the backend needs (docs/zca-contract.md, section 3).

Each method builds a safe argv (see ``argv.py``) from what the binary supports (its
``Capabilities``: no option it does not list is ever passed), runs it through a runner with the
command's timeout, turns any non-zero exit into a ``ZcaError`` subclass through
``errors.classify_failure`` and parses the output into model values.

Text goes out as openzca's markers when the binary reads them exactly and the text has styles
(``markers.to_markers``), else as it is, with ``--raw`` where the binary has it (a binary without
``--raw`` does not parse markers at all). A reply quotes the message it answers with
``--reply-message`` where the binary has it. Videos and files go through `msg upload` where the
binary has it: a running listener lends it its connection, while `msg video` would fail.

``ZcaClient`` implements ``transport.interface.ChatClient``, the interface the service uses.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from errbot_zalouser import ids, untrusted
from errbot_zalouser.errors import NotSupported, ZcaBadOutput, ZcaQuoteRefused, ZcaTimeout, classify_failure
from errbot_zalouser.model import FILE_KINDS, MEDIA_KINDS, BadEvent, SendResult, Target, ZaloGroup, ZaloUser
from errbot_zalouser.model.reaction import REACTIONS
from errbot_zalouser.richtext.styled import StyledText
from errbot_zalouser.transport.argv import build_args, option
from errbot_zalouser.transport.capabilities import Capabilities
from errbot_zalouser.transport.interface import quoted_line
from errbot_zalouser.transport.markers import NotExpressible, to_markers
from errbot_zalouser.transport.parsing import (
    extract_message_id,
    iter_json_items,
    json_starts,
    parse_json_output,
    strip_ansi,
)
from errbot_zalouser.transport.runner import CompletedRun

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds each command may run before it is killed (OpenClaw's values; docs/zca-contract.md).
TIMEOUTS: dict[str, float] = {
    "version": 5.0,
    "auth status": 5.0,
    "auth login --qr-base64": 30.0,
    "auth logout": 10.0,
    "me info": 30.0,
    "friend list": 15.0,
    "friend find": 15.0,
    "group list": 15.0,
    "group members": 20.0,
    "msg send": 30.0,
    "msg image": 30.0,
    "msg video": 30.0,
    "msg voice": 30.0,
    "msg link": 30.0,
    "msg upload": 150.0,  # the file is downloaded first, then uploaded (openzca's own limit is 120 s)
    "msg react": 30.0,
    "msg typing": 10.0,
}
UPLOAD_KINDS = ("video", "file")  # sent with `msg upload` where the binary has it
MAX_QUOTE_BYTES = 64 * 1024  # one argv word may hold 128 KiB on Linux; a longer listen line is cut down

_QR_DATA_URL = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")


class Runner(Protocol):
    """What ZcaClient needs from a runner (``CliRunner`` or a test fake)."""

    def run(self, args: Sequence[str], *, timeout: float | None) -> CompletedRun:
        """Run ``zca *args``; return a CompletedRun whatever the exit code."""
        ...


class ZcaClient:
    """One `zca` profile (one Zalo account), spoken to through a runner.

    Stateless apart from the runner: safe to use from several threads.
    """

    def __init__(self, runner: Runner, profile: str, *, send_timeout: float | None = None,
                 capabilities: Capabilities | None = None) -> None:
        self.runner = runner
        self.profile = profile
        self.send_timeout = send_timeout  # overrides the `msg ...` timeouts when set
        # What the binary supports: the oldest surface until the service has probed it.
        self.capabilities = capabilities or Capabilities.oldest()
        self._unread_outputs: set[str] = set()

    def __repr__(self) -> str:
        return f"ZcaClient(profile={self.profile!r})"

    # --- installation and session -------------------------------------------------------

    def version(self) -> str:
        """The tool's version text (first non-empty output line; may be empty)."""
        run = self._call(None, ["--version"], key="version")
        lines = [line.strip() for line in strip_ansi(run.stdout).splitlines() if line.strip()]
        return lines[0] if lines else ""

    def is_authenticated(self) -> bool:
        """True when `auth status` exits 0 within 5 s. A hang counts as not authenticated.

        ``ZcaNotFound`` propagates: a missing tool is not the same as a missing login.
        """
        args = build_args(self.profile, ["auth", "status"])
        try:
            run = self.runner.run(args, timeout=TIMEOUTS["auth status"])
        except ZcaTimeout:
            log.warning("zca auth status (profile %s) timed out: treating it as not logged in", self.profile)
            return False
        return run.returncode == 0

    def logout(self) -> None:
        """Remove the profile's stored Zalo session (`auth logout`)."""
        self._call(self.profile, ["auth", "logout"], key="auth logout")

    def login_args(self, qr_base64: bool = False) -> list[str]:
        """Arguments (without the executable) for `auth login`, e.g. for ``CliRunner.run_interactive``."""
        options = ["--qr-base64"] if qr_base64 else []
        return build_args(self.profile, ["auth", "login"], options=options)

    def login_qr_base64(self) -> str:
        """Start a background QR login and return the QR as a ``data:image/png;base64,...`` URL.

        Completion is detected by polling :meth:`is_authenticated`. Raises
        ``ZcaBadOutput`` when the tool printed no data URL.
        """
        run = self._run_checked(self.login_args(qr_base64=True), TIMEOUTS["auth login --qr-base64"])
        match = _QR_DATA_URL.search(strip_ansi(run.stdout))
        if not match:
            raise ZcaBadOutput("zca auth login --qr-base64 printed no QR data URL", argv=run.argv)
        return match.group(0)

    # --- directory ------------------------------------------------------------------------

    def me_info(self) -> ZaloUser:
        """The logged-in account itself. Raises ``ZcaBadOutput`` when it has no userId."""
        run = self._call(self.profile, ["me", "info"], options=["-j"], key="me info")
        data = parse_json_output(run.stdout, argv=run.argv)
        try:
            return ZaloUser.from_json(data)
        except BadEvent as exc:
            raise ZcaBadOutput(f"zca me info: {exc}", argv=run.argv) from exc

    def friend_list(self) -> list[ZaloUser]:
        """All friends of the account (rows without a userId are skipped)."""
        return self._rows(["friend", "list"], (), _bulk_user, key="friend list")

    def friend_find(self, query: str) -> list[ZaloUser]:
        """Users matching a phone number, username or name; best match first. ``-j`` is passed."""
        if not query.strip():
            raise ValueError("empty friend query")
        return self._rows(["friend", "find"], [query], ZaloUser.from_json, key="friend find")

    def group_list(self) -> list[ZaloGroup]:
        """All groups the account is in (rows without a groupId are skipped)."""
        return self._rows(["group", "list"], (), _bulk_group, key="group list")

    def group_members(self, group_id: str) -> list[ZaloUser]:
        """Members of one group (rows without a userId are skipped, counted and logged)."""
        _require(group_id, "group id")
        return self._rows(["group", "members"], [group_id], _bulk_user, key="group members")

    # --- sending --------------------------------------------------------------------------

    def send_text(self, target: Target, text: str | StyledText, *,
                  quote: Mapping[str, Any] | None = None) -> SendResult:
        """Send ``text`` (literal text, or a StyledText with its styles) to a user or group thread.

        ``quote`` is the listen line of the message this replies to, in the same thread: it is
        quoted with ``--reply-message`` where the binary has it (else the reply goes plain), and
        if the tool refuses that line before sending (``ZcaQuoteRefused``) the reply goes again
        without it. One `msg send`: splitting long texts is the caller's job. Empty text raises
        ValueError.
        """
        styled = text if isinstance(text, StyledText) else StyledText(text)
        if not styled.text.strip():
            raise ValueError("refusing to send an empty message")
        message, options = self._text_form(styled)
        quoted = quote_argument(quote) if quote is not None and self.capabilities.reply_message else None
        if quoted is not None:
            try:
                return self._send("send", target, [target.thread_id, message],
                                  [*options, option("reply-message", quoted)])
            except ZcaQuoteRefused as exc:
                log.warning("zca msg send refused the quoted message (%s); sending the reply without its quote",
                            untrusted.for_log(str(exc)))
        return self._send("send", target, [target.thread_id, message], options)

    def _text_form(self, styled: StyledText) -> tuple[str, list[str]]:
        """The message argument and options that make the chat show ``styled``."""
        caps = self.capabilities
        if caps.native_formatting and styled.styles:
            try:
                return to_markers(styled), []
            except NotExpressible as exc:
                log.debug("zca msg send: %s; sending the text with --raw, without its styles", exc)
        return styled.text, ["--raw"] if caps.raw else []

    def send_media(self, target: Target, kind: str, url: str, caption: str = "") -> SendResult:
        """Send an image, video, voice message or file by URL.

        Images: `msg image --url=... [--message=caption]`; voice: `msg voice --url=...` (it has no
        caption option: the caption is **not sent** here, callers send it as a text). Videos and
        files: `msg upload --url=...` where the binary has it (a caption goes first as a text of
        its own, as `msg upload` has none), else `msg video` for a video and `msg image` for a file.
        Commas in the URL are percent-encoded: openzca splits ``--url`` values at commas.
        """
        if kind not in (*MEDIA_KINDS, "file"):
            raise ValueError(f"unknown media kind {kind!r}; expected one of {sorted((*MEDIA_KINDS, 'file'))}")
        _require(url, "media url")
        url = url.replace(",", "%2C")  # openzca splits --url values at commas: a piece could be a local path
        if kind in UPLOAD_KINDS and self.capabilities.upload:
            if caption.strip():
                self.send_text(target, caption)
            return self._send("upload", target, [target.thread_id], [option("url", url)])
        if kind == "file":
            kind = "image"
        options = [option("url", url)]
        if caption and kind != "voice":
            options.append(option("message", caption))
        return self._send(kind, target, [target.thread_id], options)

    def send_file(self, target: Target, path: str, *, kind: str = "file") -> SendResult:
        """Send a local file (an absolute path) as an image, video, voice message or file.

        Each goes by the command that works while the account's listener runs: images by `msg
        image` (their upload needs no connection of its own); videos, voice messages and files by
        `msg upload`, which borrows the listener's connection (so a voice message arrives as an
        audio file: `msg voice` would open a connection of its own and knock the listener off
        Zalo). A binary without `msg upload` gets `msg video`, `msg voice`, and `msg image` for a
        file, as the oldest `zca` sends them.
        """
        if kind not in FILE_KINDS:
            raise ValueError(f"unknown file kind {kind!r}; expected one of {', '.join(FILE_KINDS)}")
        if not path.startswith("/"):
            raise ValueError(f"not an absolute path: {path!r}")
        if kind != "image" and self.capabilities.upload:
            return self._send("upload", target, [path, target.thread_id])
        verb = {"image": "image", "video": "video", "voice": "voice", "file": "image"}[kind]
        return self._send(verb, target, [target.thread_id, path])

    def react(self, target: Target, msg_id: str, cli_msg_id: str, reaction: str) -> None:
        """React to the message ``msg_id``/``cli_msg_id`` of a thread with a Zalo reaction code
        (``model.reaction.reaction_code``; ``""`` takes the reaction back). NotSupported when
        the binary has no `msg react`."""
        if reaction not in REACTIONS.values():
            raise ValueError(f"not a Zalo reaction code: {reaction!r}")
        if not (ids.is_id(msg_id) and ids.is_id(cli_msg_id)):
            raise ValueError(f"not a message id: {msg_id!r} / {cli_msg_id!r}")
        if not self.capabilities.react:
            raise NotSupported("this zca binary has no `msg react` (openzca has it): reactions cannot be sent")
        self._send("react", target, [msg_id, cli_msg_id, target.thread_id, reaction])

    def send_link(self, target: Target, url: str) -> SendResult:
        """Send a link with its preview (`msg link`)."""
        _require(url, "link url")
        return self._send("link", target, [target.thread_id, url])

    def send_typing(self, target: Target) -> None:
        """Show the typing indicator in a thread (`msg typing`)."""
        self._send("typing", target, [target.thread_id])

    # --- internals ------------------------------------------------------------------------

    def _send(
        self, verb: str, target: Target, positionals: Sequence[str], options: Sequence[str] = ()
    ) -> SendResult:
        _require(target.thread_id, "thread id")
        opts = [*options, "-g"] if target.is_group else list(options)
        run = self._call(self.profile, ["msg", verb], positionals, opts, key=f"msg {verb}")
        message_id = extract_message_id(run.stdout)
        if message_id is None and run.stdout.strip() and verb not in self._unread_outputs:
            self._unread_outputs.add(verb)  # exit 0 is the truth: sent, with an id we cannot read
            log.info("zca msg %s succeeded but printed no message id we recognise (said once): %r",
                     verb, strip_ansi(run.stdout)[:200])
        return SendResult(message_id)

    def _rows(
        self,
        command: Sequence[str],
        positionals: Sequence[str],
        parse: Callable[[Any], T],
        *,
        key: str,
    ) -> list[T]:
        run = self._call(self.profile, command, positionals, ["-j"], key=key)
        for text, start in json_starts(run.stdout):
            try:
                return _parse_rows(iter_json_items(text, start), parse, key)
            except json.JSONDecodeError:
                continue  # not JSON from here on: try the next place it may start
        shown = run.stdout[:200] if run.stdout.strip() else "<empty>"
        raise ZcaBadOutput(f"zca {key}: expected a JSON array, got {shown!r}", argv=run.argv)

    def _call(
        self,
        profile: str | None,
        command: Sequence[str],
        positionals: Sequence[str] = (),
        options: Sequence[str] = (),
        *,
        key: str,
    ) -> CompletedRun:
        args = build_args(profile, command, positionals, options)
        timeout = TIMEOUTS[key]
        if self.send_timeout and key.startswith("msg "):  # the configured send timeout; uploads get longer
            timeout = max(self.send_timeout, timeout) if key == "msg upload" else self.send_timeout
        return self._run_checked(args, timeout)

    def _run_checked(self, args: Sequence[str], timeout: float) -> CompletedRun:
        run = self.runner.run(args, timeout=timeout)
        if run.returncode != 0:
            raise classify_failure(run.argv, run.returncode, run.stderr)
        return run


def quote_argument(line: Mapping[str, Any]) -> str | None:
    """The ``--reply-message`` value for a quoted listen line: the line as it was printed, or,
    when that is too long for one argv word, only the fields openzca reads with the text cut;
    None when even that is too long (the reply then goes without its quote)."""
    try:
        whole = json.dumps(line, separators=(",", ":"))  # ASCII only: no lone surrogate reaches argv
    except (TypeError, ValueError, RecursionError):
        return None
    if len(whole) <= MAX_QUOTE_BYTES:
        return whole
    cut = json.dumps(quoted_line(line), separators=(",", ":"))
    return cut if len(cut) <= MAX_QUOTE_BYTES else None


# Lists can hold tens of thousands of rows, cached for minutes: keep their typed fields only.
_bulk_user = functools.partial(ZaloUser.from_json, keep_raw=False)
_bulk_group = functools.partial(ZaloGroup.from_json, keep_raw=False)


def _parse_rows(data: Iterable[Any], parse: Callable[[Any], T], key: str) -> list[T]:
    rows: list[T] = []
    bad = 0
    for item in data:
        try:
            rows.append(parse(item))
        except BadEvent as exc:
            bad += 1
            log.debug("zca %s: skipping row: %s", key, exc)
    if bad:
        log.warning("zca %s: skipped %d of %d rows without an id", key, bad, len(rows) + bad)
    return rows


def _require(value: str, what: str) -> None:
    if not value or not value.strip():
        raise ValueError(f"empty {what}")
