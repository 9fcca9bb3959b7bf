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
from pathlib import Path

from errbot_zalouser.model import SendResult, Target
from errbot_zalouser.outbound.chunking import transmissible
from errbot_zalouser.outbound.compose import client_sender, reply_items
from errbot_zalouser.outbound.dispatcher import DispatcherStats, OutboundDispatcher
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.outbound.ratelimit import TokenBucket
from errbot_zalouser.service.account import Accounts
from errbot_zalouser.service.health import DataFolderHealth
from errbot_zalouser.settings import OutboundSettings

JOURNAL_NAME = "outbox.jsonl"


class Outbox:
    """Queues replies on the send pool; ``start``/``stop`` run the pool's workers."""

    def __init__(self, accounts: Accounts, settings: OutboundSettings, data_dir: Path,
                 *, clock: Callable[[], float] = time.time, health: DataFolderHealth | None = None) -> None:
        self._accounts = accounts
        self._clock = clock
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
        )

    # --- sending ------------------------------------------------------------------------------

    def send_text(self, account: str | None, target: Target, text: str) -> int:
        """Queue a text reply, split into chunks; returns the number of chunks queued."""
        return self._submit(account, target, text)

    def send_url(self, account: str | None, target: Target, url: str, caption: str = "") -> None:
        """Queue a URL as media chosen by its ending (msg image|video|voice, OpenClaw's routing),
        with ``caption`` as its caption when it fits (voice has none: the text goes first)."""
        self._submit(account, target, caption, (transmissible(url),))

    def send_link(self, account: str | None, target: Target, url: str) -> None:
        """Queue a URL for `msg link` (a link preview)."""
        rt = self._accounts.get(account)
        self._dispatcher.submit(OutboundItem(account=rt.account_id, target=target, kind="link", url=transmissible(url)))

    def _submit(self, account: str | None, target: Target, text: str, media_urls: tuple[str, ...] = ()) -> int:
        rt = self._accounts.get(account)
        items = reply_items(rt.account_id, target, transmissible(text), media_urls,
                            limit=rt.config.text_chunk_limit, mode=rt.config.chunk_mode)
        if items:
            self._dispatcher.submit_many(items)
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

    def _on_failed(self, item: OutboundItem, error: Exception) -> None:
        self._accounts.get(item.account).activity.last_error = f"send to {item.target.key} failed: {error}"
