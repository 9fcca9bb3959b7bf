"""The outbox: where every reply is queued, for the backend, the plugins and the pairing flow.

A reply is literal text (``send_text``) or Errbot Markdown (``send_markdown``). Either becomes a
StyledText, shaped for the account's chat: Zalo styles where the account's `zca` reads formatting
markers exactly and ``formatting`` is ``auto``, readable plain text otherwise
(``richtext.plain.plain_form``). In a group, every ``@`` the tool would try to resolve is
neutralised, and the mentions a plugin asked for are written in front. Then it is cut into
messages by the length the chat will show, and by the tool's own request limit where the tool
would otherwise split (``outbound.chunking``), and each message becomes one ``OutboundItem``
(see ``outbound.compose.reply_items``) for the ``OutboundDispatcher``: journaled first (so
queued replies survive a restart), then sent in order per conversation by a bounded worker pool
under each account's rate limit, with retries chosen by error type. Sends and failures are
stamped on the account's activity for ``!zalouser status``.

A reply may quote the message it answers (``reply_to``: a message the bot was shown, remembered
in ``seen``; its listen line rides on the first text item). Files
from a stream are staged (``service.outgoing``) and sent as one item each, by the command that
works while the listener runs; the caller learns the outcome through ``on_done``, and the staged
file is deleted once its item is done. Reactions are items too: rate-limited, retried and
ordered with the replies of their conversation.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from errbot_zalouser.errors import NotFound, NotSent, NotSupported
from errbot_zalouser.model import InboundEvent, SendResult, Target
from errbot_zalouser.model.reaction import reaction_code
from errbot_zalouser.outbound.chunking import Fits, transmissible
from errbot_zalouser.outbound.compose import CAPTIONED, client_sender, reply_items
from errbot_zalouser.outbound.dispatcher import DispatcherStats, OutboundDispatcher
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.outbound.queues import QueueLimits
from errbot_zalouser.outbound.ratelimit import TokenBucket
from errbot_zalouser.richtext.card import card_markdown, card_picture
from errbot_zalouser.richtext.markdown import from_markdown
from errbot_zalouser.richtext.plain import plain_form
from errbot_zalouser.richtext.styled import StyledText
from errbot_zalouser.service.account import AccountRuntime, Accounts
from errbot_zalouser.service.health import DataFolderHealth
from errbot_zalouser.service.outgoing import OutgoingFiles, StagedFile
from errbot_zalouser.service.seen import PER_THREAD, THREADS, SeenMessages
from errbot_zalouser.settings import Formatting, OutboundSettings
from errbot_zalouser.transport import mentions as group_mentions
from errbot_zalouser.transport.client import quote_argument
from errbot_zalouser.transport.markers import NotExpressible, fits_one_request

log = logging.getLogger(__name__)

JOURNAL_NAME = "outbox.jsonl"
OUTGOING_FOLDER = "outgoing"
#: Told once an item is done: None when it was sent, else the error it failed with.
Done = Callable[[Exception | None], None]
_ALL_MEMBERS = 100_000
_DROP_NOTICE_EVERY = 3600.0
_HTTP_URL = re.compile(r"https?://\S", re.IGNORECASE)


class Outbox:
    """Queues replies on the send pool; ``start``/``stop`` run the pool's workers."""

    def __init__(self, accounts: Accounts, settings: OutboundSettings, data_dir: Path,
                 *, clock: Callable[[], float] = time.time, health: DataFolderHealth | None = None,
                 notify_admins: Callable[[str], None] | None = None) -> None:
        self._accounts = accounts
        self._clock = clock
        self._settings = settings
        self._notify = notify_admins
        self._drop_noticed: dict[str, float] = {}  # account -> when the admins were last told of drops
        data_dir.mkdir(parents=True, exist_ok=True)
        self._journal = Journal(data_dir / JOURNAL_NAME)
        self.files = OutgoingFiles(data_dir / OUTGOING_FOLDER)
        self.seen = SeenMessages()
        self._waiters: dict[str, Done] = {}
        self._waiters_lock = threading.Lock()
        self._dispatcher = OutboundDispatcher(
            client_sender(lambda account: self._accounts.get(account).client),
            workers=settings.workers,
            rate_limits={rt.account_id: TokenBucket(settings.rate_per_second, settings.burst) for rt in accounts},
            max_attempts=settings.max_attempts,
            retry_base=settings.retry_base_seconds,
            retry_max=settings.retry_max_seconds,
            retry_unknown_delivery=settings.retry_unknown_delivery,
            journal=self._journal,
            on_sent=self._on_sent,
            on_failed=self._on_failed,
            on_journal=(health.accepted, health.refused) if health else None,
            limits=QueueLimits(settings.max_queued_per_conversation, settings.max_queued_per_account,
                               settings.max_age_seconds),
            on_dropped=self._on_dropped,
            on_expired=self._on_expired,
            wall_clock=clock,
        )

    # --- sending ------------------------------------------------------------------------------

    def send_text(self, account: str | None, target: Target, text: str, *, mentions: Sequence[str] = (),
                  reply_to: str | None = None, expires_at: float | None = None) -> int:
        """Queue literal text (shown exactly as given), split into chunks; returns the number queued
        (0 when the conversation's queue is full). ``mentions``: user ids to mention (``@name`` in
        front) in a group. ``reply_to``: the id of the message of ``target`` this answers, quoted
        when the bot remembers it. ``expires_at``: epoch seconds after which it is not sent (a
        pairing code's end)."""
        return self._submit(account, target, StyledText(_clean(text)), mentions=mentions,
                            quote=self._quote(account, target, reply_to), expires_at=expires_at)

    def send_markdown(self, account: str | None, target: Target, markdown: str, *,
                      mentions: Sequence[str] = (), reply_to: str | None = None) -> int:
        """Queue an Errbot Markdown reply, split into chunks; returns the number of chunks queued."""
        return self._submit(account, target, from_markdown(_clean(markdown)), mentions=mentions,
                            quote=self._quote(account, target, reply_to))

    def remember(self, account: str, event: InboundEvent) -> None:
        """Keep ``event`` as one a reply may quote and a reaction may answer."""
        self.seen.remember(account, event)

    def _quote(self, account: str | None, target: Target, reply_to: str | None) -> Mapping[str, Any] | None:
        if not reply_to:
            return None
        seen = self.seen.find(self._accounts.get(account).account_id, target, reply_to)
        if seen is None:
            log.debug("reply to %s in %s: the message is not remembered; sent without a quote", reply_to, target.key)
            return None
        return seen.line

    def send_card(self, account: str | None, target: Target, **card: Any) -> int:
        """Queue an Errbot card (the keyword arguments of ``richtext.card.card_markdown``): its text as
        one message, then its picture as a photo. Returns the number of items queued."""
        picture = card_picture(image=card.get("image"), thumbnail=card.get("thumbnail"))
        return self._submit(account, target, from_markdown(_clean(card_markdown(**card))),
                            (picture,) if picture else ())

    def send_stream(self, account: str | None, target: Target, source: Any, *, name: str | None,
                    stream_type: str | None, size: int | None, on_done: Done | None) -> None:
        """Stage a stream (at most the account's ``mediaMaxMb``) and queue it (MediaError first
        when it cannot be sent)."""
        rt = self._accounts.get(account)
        staged = self.stage(source, name=name, stream_type=stream_type, size_hint=size,
                            max_bytes=rt.config.media_max_bytes)
        self.send_file(rt.account_id, target, staged, on_done)

    def stage(self, source: Any, *, name: str | None, stream_type: str | None, size_hint: int | None,
              max_bytes: int) -> StagedFile:
        """Copy a stream into a private file to send (MediaError when it cannot be sent)."""
        return self.files.stage(source, name=name, stream_type=stream_type, size_hint=size_hint, max_bytes=max_bytes)

    def send_file(self, account: str | None, target: Target, staged: StagedFile, on_done: Done | None = None) -> None:
        """Queue a staged file; ``on_done`` is told the outcome (from a send-pool thread), and the
        staged file is deleted once its item is done."""
        rt = self._accounts.get(account)
        item = OutboundItem(account=rt.account_id, target=target, kind=staged.kind, path=str(staged.path),
                            created_at=self._clock())
        if on_done is not None:
            with self._waiters_lock:
                self._waiters[item.id] = on_done
        if not self._dispatcher.submit(item):
            self._done(item, NotSent(f"{staged.path.name} was not sent: {target.key} has too much waiting already "
                                     "(outbound.maxQueuedPerConversation)"))

    def react(self, account: str | None, target: Target, message_id: str, reaction: str) -> None:
        """Queue a reaction (an emoji, a Zalo reaction name or code) to a message of ``target`` the
        bot was shown (by its msgId or cliMsgId). ValueError for an unknown reaction, NotFound for
        a message the bot does not remember, NotSupported when the account's `zca` has no `msg react`."""
        code = reaction_code(reaction)
        if code is None:
            raise ValueError(f"unsupported reaction {reaction[:40]!r}: use an emoji (❤️ 👍 😆 😮 😭 😡), a Zalo "
                             "reaction name (HEART, LIKE, HAHA, WOW, CRY, ANGRY, OK, THANKS...) or NONE to take one back")
        rt = self._accounts.get(account)
        seen = self.seen.find(rt.account_id, target, message_id)
        if seen is None:
            raise NotFound(f"cannot react to message {message_id[:40]!r} in {target.key}: the bot has not seen it "
                           f"(it remembers the last {PER_THREAD} messages of its {THREADS} latest chats)")
        if not rt.client.capabilities.react:
            raise NotSupported(f"account {rt.account_id}: this zca binary has no `msg react` (openzca has it): "
                               "reactions cannot be sent")
        self._dispatcher.submit(OutboundItem(account=rt.account_id, target=target, kind="reaction", text=code,
                                             msg_id=seen.msg_id, cli_msg_id=seen.cli_msg_id,
                                             created_at=self._clock()))

    def send_url(self, account: str | None, target: Target, url: str, caption: str = "") -> None:
        """Queue a URL as media chosen by its ending (image, video, voice or file), with ``caption``
        as its caption when the media takes one (else the caption goes first, as a text).

        Only http(s) URLs: ValueError for anything else, since `zca` reads any other value as a
        path on this machine and would send that file.
        """
        url = transmissible(url).strip()
        if not _HTTP_URL.match(url):
            raise ValueError(f"not an http(s) URL: {url[:100]!r}")
        self._submit(account, target, StyledText(_clean(caption)), (url,))

    def send_link(self, account: str | None, target: Target, url: str) -> None:
        """Queue a URL for `msg link` (a link preview)."""
        rt = self._accounts.get(account)
        self._dispatcher.submit(OutboundItem(account=rt.account_id, target=target, kind="link", url=transmissible(url),
                                             created_at=self._clock()))

    def _submit(self, account: str | None, target: Target, styled: StyledText, media_urls: tuple[str, ...] = (),
                *, mentions: Sequence[str] = (), quote: Mapping[str, Any] | None = None,
                expires_at: float | None = None) -> int:
        rt = self._accounts.get(account)
        caps = rt.client.capabilities
        native = caps.native_formatting and rt.config.formatting == Formatting.AUTO
        shaped = styled if native else plain_form(styled)
        if target.is_group and mentions:
            shaped = group_mentions.with_mentions(shaped, self._labels(rt, target, mentions))
        if target.is_group and caps.group_mentions:
            shaped = group_mentions.neutralise(shaped)
        items = reply_items(rt.account_id, target, shaped, media_urls, limit=rt.config.text_chunk_limit,
                            mode=rt.config.chunk_mode, fits=_one_request(target, native) if caps.self_splitting else None,
                            captioned=("image",) if caps.upload else CAPTIONED, files=caps.upload,
                            quote=(quote_argument(quote) or "") if quote else "")
        now = self._clock()  # the age limit counts from here, by the service's clock
        items = [replace(item, created_at=now, expires_at=expires_at) for item in items]
        if items and not self._dispatcher.submit_many(items):
            return 0
        return len(items)

    def _labels(self, rt: AccountRuntime, target: Target, user_ids: Sequence[str]) -> list[tuple[str, str]]:
        """(label, user id) for each mention asked for; NotFound for someone not in the group."""
        members = rt.directory.members(target.thread_id, _ALL_MEMBERS).rows
        known = {m.user_id for m in members}
        missing = [u for u in user_ids if u not in known]
        if missing:
            raise NotFound(f"cannot mention {', '.join(missing)}: not a member of group {target.thread_id}")
        return [(group_mentions.mention_label(u, members), u) for u in dict.fromkeys(user_ids)]

    # --- the pool -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the workers; replies journaled by an earlier run are sent first. Staged files no
        journaled item names any more (left by a crash) are deleted first."""
        removed = self.files.sweep({item.path for item in self._journal.pending() if item.path})
        if removed:
            log.info("outbound: deleted %d staged file(s) no queued item needs", removed)
        self._dispatcher.start()

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is queued or in flight; False when ``timeout`` passed first."""
        return self._dispatcher.drain(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Give queued sends a moment, then stop the workers (the journal keeps the rest)."""
        self._dispatcher.drain(timeout=min(timeout, 2.0))
        self._dispatcher.stop(timeout=timeout)

    def stats(self, account: str) -> DispatcherStats:
        return self._dispatcher.account_stats(account)

    def _on_sent(self, item: OutboundItem, _result: SendResult) -> None:
        self._accounts.get(item.account).activity.last_outbound_at = self._clock()
        self._done(item, None)

    def _on_dropped(self, item: OutboundItem, dropped: int) -> None:
        """Tell the admins, at most once an hour per account, that replies are being dropped."""
        now = self._clock()
        last = self._drop_noticed.get(item.account)
        if self._notify is None or (last is not None and now - last < _DROP_NOTICE_EVERY):
            return
        self._drop_noticed[item.account] = now
        self._notify(f"Replies are being dropped on account {item.account}: {item.target.key} already had "
                     f"{self._settings.max_queued_per_conversation} waiting (outbound.maxQueuedPerConversation), "
                     f"so a flood there cannot build a backlog. {dropped} dropped so far; see !zalouser status. "
                     "(Said at most once an hour.)")

    def _on_expired(self, item: OutboundItem) -> None:
        self._done(item, NotSent(f"not sent: it waited longer than {self._settings.max_age_seconds:g} s "
                                 "(outbound.maxAgeSeconds)"))

    def _on_failed(self, item: OutboundItem, error: Exception) -> None:
        self._accounts.get(item.account).activity.last_error = f"send to {item.target.key} failed: {error}"
        self._done(item, error)

    def _done(self, item: OutboundItem, error: Exception | None) -> None:
        if item.path:
            self.files.remove(item.path)
        with self._waiters_lock:
            waiter = self._waiters.pop(item.id, None)
        if waiter is not None:
            try:
                waiter(error)
            except Exception:  # the caller's callback must not break the send pool
                log.exception("outbound: the callback for %s %s raised", item.kind, item.id)


def _clean(text: str) -> str:
    return transmissible(text).replace("\r\n", "\n")


def _one_request(target: Target, native: bool) -> Fits:
    """A chunk test: the tool would send it as one message (it splits by its request size too)."""

    def fits(chunk: StyledText) -> bool:
        try:
            return fits_one_request(chunk, target, native=native and bool(chunk.styles))
        except NotExpressible:  # it will go with --raw
            return fits_one_request(chunk, target, native=False)

    return fits
