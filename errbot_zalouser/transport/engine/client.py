"""``EngineClient``: ``ZcaClient``'s methods, signatures, return types and errors over an ``Engine``.

Differences a caller can see (docs/engine-protocol.md, "Matching the CLI client", has the list):
the constructor takes the account's ``Engine``; ``send_text`` sends its text as it is (the CLI's
openzca parses Markdown-like markers unless given ``--raw``, and splits long texts itself);
``login_args``, ``login_qr_base64`` and ``logout`` need the `zca` command-line client (``cli``),
because logging in stays `zca auth login`'s job; ``is_authenticated`` raises ``ZcaProfileBusy``
when another process owns the profile. Beyond the interface: ``send_styled`` (ranges as they are).

``capabilities`` describes the engine in the terms the outbox shapes replies by
(``engine_capabilities``): styles and mentions go as ranges, nothing in the text is parsed or
resolved, nothing is split by the engine, files and videos are uploaded, quotes and reactions
are sent. A quote the engine refuses before sending (``ZcaQuoteRefused``) is dropped and the
reply goes plain, as ZcaClient does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from errbot_zalouser import ids, untrusted
from errbot_zalouser.errors import (
    EngineUnavailable,
    ZcaBadOutput,
    ZcaCommandFailed,
    ZcaNotAuthenticated,
    ZcaQuoteRefused,
    ZcaTimeout,
)
from errbot_zalouser.model import FILE_KINDS, BadEvent, InboundEvent, SendResult, Target, ZaloGroup, ZaloUser
from errbot_zalouser.model.reaction import REACTIONS
from errbot_zalouser.richtext.styled import StyledText
from errbot_zalouser.transport.capabilities import Capabilities
from errbot_zalouser.transport.client import (
    TIMEOUTS,
    UPLOAD_KINDS,
    ZcaClient,
    _bulk_group,
    _bulk_user,
    _parse_rows,
    _require,
)
from errbot_zalouser.transport.engine.engine import Engine
from errbot_zalouser.transport.engine.protocol import MentionRange, StyleRange, rows_of, text_args, thread_args

log = logging.getLogger(__name__)

T = TypeVar("T")

ENGINE_KIND = "zca-js engine"
FILE_KIND = "file"


def engine_capabilities(version: str = "") -> Capabilities:
    """What the engine does with a reply, as a ``Capabilities`` value (``kind`` ENGINE_KIND).

    native_formatting: styles go as Zalo style ranges (``raw`` is False: no text is ever parsed);
    group_mentions False: an ``@`` in a text is only a character, mentions are ranges by user id;
    self_splitting False: the outbox's chunks are the messages; upload: files and videos are
    uploaded (also while listening: the engine is the listener); reply_message: quotes; react:
    reactions by Zalo code.
    """
    return Capabilities(kind=ENGINE_KIND, version=version, parsed=True, native_formatting=True,
                        reply_message=True, upload=True, react=True)


class EngineClient:
    """One Zalo account spoken to through its engine. Safe to use from several threads."""

    def __init__(
        self,
        engine: Engine,
        profile: str,
        *,
        send_timeout: float | None = None,
        cli: ZcaClient | None = None,
    ) -> None:
        self.engine = engine
        self.profile = profile
        self.send_timeout = send_timeout  # overrides the send timeouts when set, as in ZcaClient
        self.cli = cli

    def __repr__(self) -> str:
        return f"EngineClient(profile={self.profile!r})"

    @property
    def capabilities(self) -> Capabilities:
        """``engine_capabilities``, with ``version()``'s text once the engine has said hello."""
        hello = self.engine.hello
        return engine_capabilities(_version_text(hello) if hello is not None else "")

    # --- installation and session -------------------------------------------------------------

    def version(self) -> str:
        """``zca-js <version> (engine <version>, node <version>)``; starts the engine if needed."""
        return _version_text(self.engine.wait_hello(self.engine.settings.start_timeout))

    def is_authenticated(self) -> bool:
        """True once the engine has logged in with the stored credentials.

        A refused or failed login, or none within the engine's login timeout, is False.
        ``ZcaNotFound`` (EngineNotInstalled) and ``ZcaProfileBusy`` propagate.
        """
        settings = self.engine.settings
        try:
            self.engine.wait_ready(settings.start_timeout + settings.login_timeout, any_failure=True)
        except (ZcaNotAuthenticated, EngineUnavailable, ZcaTimeout) as exc:
            log.warning("zca-js engine (profile %s) is not logged in: %s", self.profile, exc)
            return False
        return True

    def logout(self) -> None:
        self._cli("logout").logout()

    def login_args(self, qr_base64: bool = False) -> list[str]:
        return self._cli("login").login_args(qr_base64=qr_base64)

    def login_qr_base64(self) -> str:
        return self._cli("login").login_qr_base64()

    # --- directory ------------------------------------------------------------------------------

    def me_info(self) -> ZaloUser:
        result = self._call("me", {}, "me info")
        try:
            return ZaloUser.from_json(result)
        except BadEvent as exc:
            raise ZcaBadOutput(f"zca-js engine me: {exc}", argv=("zca-js", "me")) from exc

    def friend_list(self) -> list[ZaloUser]:
        return self._rows("friends", {}, _bulk_user, "friend list")

    def friend_find(self, query: str) -> list[ZaloUser]:
        if not query.strip():
            raise ValueError("empty friend query")
        return self._rows("find_user", {"query": query}, ZaloUser.from_json, "friend find")

    def group_list(self) -> list[ZaloGroup]:
        return self._rows("groups", {}, _bulk_group, "group list")

    def group_members(self, group_id: str) -> list[ZaloUser]:
        _require(group_id, "group id")
        return self._rows("members", {"groupId": group_id}, _bulk_user, "group members")

    # --- sending ------------------------------------------------------------------------------------

    def send_text(self, target: Target, text: str | StyledText, *,
                  quote: Mapping[str, Any] | None = None) -> SendResult:
        """Send ``text`` exactly as given (no Markdown parsing, no splitting), a StyledText with its
        styles and mentions, quoting ``quote`` (a listen line of the same thread; one the engine
        refuses before sending is dropped and the reply goes plain). Empty text: ValueError."""
        styled = text if isinstance(text, StyledText) else StyledText(text)
        if quote is not None:
            try:
                return self.send_styled(target, styled.text, styled.styles, styled.mentions, quote)
            except ZcaQuoteRefused as exc:
                log.warning("zca-js engine refused the quoted message (%s); sending the reply without its quote",
                            untrusted.for_log(str(exc)))
        return self.send_styled(target, styled.text, styled.styles, styled.mentions)

    def send_styled(
        self,
        target: Target,
        text: str,
        styles: Iterable[StyleRange] = (),
        mentions: Iterable[MentionRange] = (),
        quote: InboundEvent | Mapping[str, Any] | None = None,
    ) -> SendResult:
        """Send plain ``text`` with Zalo style ranges, mention ranges (groups) and a quoted message.

        Ranges are Python string indices; ``quote`` is an inbound event (or its listen line) of the
        same thread. Bad ranges or an empty text raise ValueError before anything is sent.
        """
        if not text or not text.strip():
            raise ValueError("refusing to send an empty message")
        _require(target.thread_id, "thread id")
        return self._send("send_text", text_args(target, text, styles, mentions, quote), "msg send")

    def send_media(self, target: Target, kind: str, url: str, caption: str = "") -> SendResult:
        """Send an image, video, voice message or file by URL (the engine fetches it, then uploads
        it). As with ZcaClient, a voice caption is not sent."""
        if kind not in FILE_KINDS:
            raise ValueError(f"unknown media kind {kind!r}; expected one of {', '.join(FILE_KINDS)}")
        _require(url, "media url")
        extra = {"caption": caption} if caption and kind != "voice" else {}
        key = "msg upload" if kind in UPLOAD_KINDS else f"msg {kind}"  # fetched, then uploaded
        return self._send("send_media", thread_args(target, kind=kind, url=url, **extra), key)

    def send_file(self, target: Target, path: str, *, kind: str = "file") -> SendResult:
        """Send a local file (an absolute path) as one of ``FILE_KINDS``; the engine uploads it.
        zca-js sends voice messages by URL only, so a local voice file goes as a file (as
        ZcaClient's `msg upload` sends it)."""
        if kind not in FILE_KINDS:
            raise ValueError(f"unknown file kind {kind!r}; expected one of {', '.join(FILE_KINDS)}")
        if not path.startswith("/"):
            raise ValueError(f"not an absolute path: {path!r}")
        sent_as = kind if kind in ("image", "video") else FILE_KIND
        return self._send("send_media", thread_args(target, kind=sent_as, path=path), "msg upload")

    def send_link(self, target: Target, url: str) -> SendResult:
        _require(url, "link url")
        return self._send("send_link", thread_args(target, url=url), "msg link")

    def send_typing(self, target: Target) -> None:
        _require(target.thread_id, "thread id")
        self._call("typing", thread_args(target), "msg typing")

    def react(self, target: Target, msg_id: str, cli_msg_id: str, reaction: str) -> None:
        """React to the message ``msg_id``/``cli_msg_id`` of a thread with a Zalo reaction code
        (``model.reaction.reaction_code``; ``""`` takes the reaction back)."""
        if reaction not in REACTIONS.values():
            raise ValueError(f"not a Zalo reaction code: {reaction!r}")
        if not (ids.is_id(msg_id) and ids.is_id(cli_msg_id)):
            raise ValueError(f"not a message id: {msg_id!r} / {cli_msg_id!r}")
        self._call("react", thread_args(target, msgId=msg_id, cliMsgId=cli_msg_id, reaction=reaction), "msg react")

    # --- internals --------------------------------------------------------------------------------

    def _cli(self, what: str) -> ZcaClient:
        if self.cli is None:
            raise ZcaCommandFailed(
                f"{what} is done by the zca command-line tool (`zca --profile {self.profile} auth {what}`); "
                "this EngineClient was built without one",
                argv=("zca-js", what),
            )
        return self.cli

    def _send(self, op: str, args: Mapping[str, Any], key: str) -> SendResult:
        _require(str(args.get("threadId") or ""), "thread id")
        result = self._call(op, args, key)
        msg_id = result.get("msgId")
        return SendResult(str(msg_id) if isinstance(msg_id, (str, int)) and str(msg_id) else None)

    def _call(self, op: str, args: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        timeout = self.send_timeout if self.send_timeout and key.startswith("msg ") else TIMEOUTS[key]
        return self.engine.call(op, args, timeout=timeout)

    def _rows(self, op: str, args: Mapping[str, Any], parse: Callable[[Any], T], key: str) -> list[T]:
        rows = rows_of(self._call(op, args, key))
        if rows is None:
            raise ZcaBadOutput(f"zca-js engine {op}: the result has no list of rows", argv=("zca-js", op))
        return _parse_rows(rows, parse, key)


def _version_text(hello: Mapping[str, Any]) -> str:
    return f"zca-js {hello.get('zcaJs') or '?'} (engine {hello.get('engine') or '?'}, node {hello.get('node') or '?'})"
