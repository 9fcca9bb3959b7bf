"""Glue between a reply and the dispatcher: reply -> items, and items -> `zca` client calls.

Neither function imports the transport; ``client_sender`` accepts anything with the three
``ZcaClient`` send methods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from errbot_zalouser.model import SendResult, Target
from errbot_zalouser.outbound.chunking import DEFAULT_LIMIT, chunk_text, media_kind
from errbot_zalouser.outbound.item import OutboundItem


class MessageClient(Protocol):
    """The part of ``transport.client.ZcaClient`` that sending needs."""

    def send_text(self, target: Target, text: str) -> SendResult: ...

    def send_media(self, target: Target, kind: str, url: str, caption: str = "") -> SendResult: ...

    def send_link(self, target: Target, url: str) -> SendResult: ...


def reply_items(
    account: str,
    target: Target,
    text: str = "",
    media_urls: Iterable[str] = (),
    *,
    limit: int = DEFAULT_LIMIT,
    mode: str = "length",
) -> list[OutboundItem]:
    """The items for one reply, in sending order.

    Text is chunked with ``chunk_text``. Media kinds come from ``media_kind``. When the text fits
    in one message and the first media item is an image or a video, the text becomes that item's
    caption; otherwise the text chunks go first and the media follow without captions (`msg
    voice` has no caption option).
    """
    chunks = chunk_text(text, limit, mode)
    media = [(media_kind(url), url.strip()) for url in media_urls if url.strip()]
    caption = ""
    if media and len(chunks) == 1 and media[0][0] != "voice":
        caption, chunks = chunks[0], []
    items = [OutboundItem(account=account, target=target, kind="text", text=chunk) for chunk in chunks]
    for index, (kind, url) in enumerate(media):
        items.append(
            OutboundItem(account=account, target=target, kind=kind, url=url, caption=caption if index == 0 else "")
        )
    return items


def client_sender(
    clients: Mapping[str, MessageClient] | Callable[[str], MessageClient],
) -> Callable[[OutboundItem], SendResult]:
    """A ``send`` function for ``OutboundDispatcher`` that calls the item's account's client."""

    def client_for(account: str) -> MessageClient:
        if not isinstance(clients, Mapping):
            return clients(account)
        try:
            return clients[account]
        except KeyError:
            raise ValueError(f"no zca client for account {account!r}") from None

    def send(item: OutboundItem) -> SendResult:
        client = client_for(item.account)
        if item.kind == "text":
            return client.send_text(item.target, item.text)
        if item.kind == "link":
            return client.send_link(item.target, item.url)
        caption = "" if item.kind == "voice" else item.caption
        return client.send_media(item.target, item.kind, item.url, caption)

    return send
