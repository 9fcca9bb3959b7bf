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
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from errbot_zalouser.errors import NotFound
from errbot_zalouser.model import SendResult, Target
from errbot_zalouser.outbound.chunking import Fits, transmissible
from errbot_zalouser.outbound.compose import CAPTIONED, client_sender, reply_items
from errbot_zalouser.outbound.dispatcher import DispatcherStats, OutboundDispatcher
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.outbound.queues import QueueLimits
from errbot_zalouser.outbound.ratelimit import TokenBucket
from errbot_zalouser.richtext.markdown import from_markdown
from errbot_zalouser.richtext.plain import plain_form
from errbot_zalouser.richtext.styled import StyledText
from errbot_zalouser.service.account import AccountRuntime, Accounts
from errbot_zalouser.service.health import DataFolderHealth
from errbot_zalouser.settings import Formatting, OutboundSettings
from errbot_zalouser.transport import mentions as group_mentions
from errbot_zalouser.transport.markers import NotExpressible, fits_one_request

JOURNAL_NAME = "outbox.jsonl"
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
        self._dispatcher = OutboundDispatcher(
            client_sender(lambda account: self._accounts.get(account).client),
            workers=settings.workers,
            rate_limits={rt.account_id: TokenBucket(settings.rate_per_second, settings.burst) for rt in accounts},
            max_attempts=settings.max_attempts,
            retry_base=settings.retry_base_seconds,
            retry_max=settings.retry_max_seconds,
            retry_unknown_delivery=settings.retry_unknown_delivery,
            journal=Journal(data_dir / JOURNAL_NAME),
            on_sent=self._on_sent,
            on_failed=self._on_failed,
            on_journal=(health.accepted, health.refused) if health else None,
            limits=QueueLimits(settings.max_queued_per_conversation, settings.max_queued_per_account,
                               settings.max_age_seconds),
            on_dropped=self._on_dropped,
            wall_clock=clock,
        )

    # --- sending ------------------------------------------------------------------------------

    def send_text(self, account: str | None, target: Target, text: str, *, mentions: Sequence[str] = (),
                  expires_at: float | None = None) -> int:
        """Queue literal text (shown exactly as given), split into chunks; returns the number queued
        (0 when the conversation's queue is full). ``mentions``: user ids to mention (``@name`` in
        front) in a group. ``expires_at``: epoch seconds after which it is not sent (a pairing code's end)."""
        return self._submit(account, target, StyledText(_clean(text)), mentions=mentions, expires_at=expires_at)

    def send_markdown(self, account: str | None, target: Target, markdown: str, *,
                      mentions: Sequence[str] = ()) -> int:
        """Queue an Errbot Markdown reply, split into chunks; returns the number of chunks queued."""
        return self._submit(account, target, from_markdown(_clean(markdown)), mentions=mentions)

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
                *, mentions: Sequence[str] = (), expires_at: float | None = None) -> int:
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
                            captioned=("image",) if caps.upload else CAPTIONED, files=caps.upload)
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
        """Start the workers; replies journaled by an earlier run are sent first."""
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

    def _on_failed(self, item: OutboundItem, error: Exception) -> None:
        self._accounts.get(item.account).activity.last_error = f"send to {item.target.key} failed: {error}"


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
