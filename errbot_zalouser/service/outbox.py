"""The outbox: where every reply is queued, for the backend, the plugins and the pairing flow.

A reply becomes one ``OutboundItem`` per `zca msg ...` call (text chunks, a media URL, a link;
see ``outbound.compose.reply_items``) and goes to the ``OutboundDispatcher``: journaled first (so
queued replies survive a restart), then sent in order per conversation by a bounded worker pool
under each account's rate limit, with retries chosen by error type. Sends and failures are
stamped on the account's activity for ``!zalouser status``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from errbot_zalouser.model import SendResult, Target
from errbot_zalouser.outbound.chunking import transmissible
from errbot_zalouser.outbound.compose import client_sender, reply_items
from errbot_zalouser.outbound.dispatcher import DispatcherStats, OutboundDispatcher
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.outbound.queues import QueueLimits
from errbot_zalouser.outbound.ratelimit import TokenBucket
from errbot_zalouser.service.account import Accounts
from errbot_zalouser.service.health import DataFolderHealth
from errbot_zalouser.settings import OutboundSettings

JOURNAL_NAME = "outbox.jsonl"
_DROP_NOTICE_EVERY = 3600.0


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

    def send_text(self, account: str | None, target: Target, text: str, *, expires_at: float | None = None) -> int:
        """Queue a text reply, split into chunks; returns the number of chunks queued (0 when the
        conversation's queue is full). ``expires_at``: epoch seconds after which it is not sent."""
        return self._submit(account, target, text, expires_at=expires_at)

    def send_url(self, account: str | None, target: Target, url: str, caption: str = "") -> None:
        """Queue a URL as media chosen by its ending (msg image|video|voice, OpenClaw's routing),
        with ``caption`` as its caption when it fits (voice has none: the text goes first)."""
        self._submit(account, target, caption, (transmissible(url),))

    def send_link(self, account: str | None, target: Target, url: str) -> None:
        """Queue a URL for `msg link` (a link preview)."""
        rt = self._accounts.get(account)
        self._dispatcher.submit(OutboundItem(account=rt.account_id, target=target, kind="link", url=transmissible(url),
                                             created_at=self._clock()))

    def _submit(self, account: str | None, target: Target, text: str, media_urls: tuple[str, ...] = (),
                *, expires_at: float | None = None) -> int:
        rt = self._accounts.get(account)
        now = self._clock()
        items = [replace(item, created_at=now, expires_at=expires_at)
                 for item in reply_items(rt.account_id, target, transmissible(text), media_urls,
                                         limit=rt.config.text_chunk_limit, mode=rt.config.chunk_mode)]
        if items and not self._dispatcher.submit_many(items):
            return 0
        return len(items)

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
