"""Outbound delivery: chunking, rate limiting, retries, per-conversation ordering, a journal.

Nothing here imports errbot, and of the transport only its interface (``transport.interface``):
the dispatcher is given a ``send`` callable, which ``compose.client_sender`` makes from any
``MessageSender``.
"""

from __future__ import annotations

from errbot_zalouser.outbound.chunking import chunk_styled, chunk_text, media_kind
from errbot_zalouser.outbound.compose import client_sender, reply_items
from errbot_zalouser.outbound.dispatcher import DispatcherStats, OutboundDispatcher
from errbot_zalouser.outbound.item import KINDS, OutboundItem
from errbot_zalouser.outbound.journal import Journal
from errbot_zalouser.outbound.ratelimit import TokenBucket

__all__ = [
    "KINDS",
    "DispatcherStats",
    "Journal",
    "OutboundDispatcher",
    "OutboundItem",
    "TokenBucket",
    "chunk_styled",
    "chunk_text",
    "client_sender",
    "media_kind",
    "reply_items",
]
