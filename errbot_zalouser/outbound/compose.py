"""Glue between a reply and the dispatcher: reply -> items, and items -> client calls.

``client_sender`` accepts any ``transport.interface.MessageSender`` (the `zca` client, or
another engine's).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping

from errbot_zalouser.model import SendResult, Target
from errbot_zalouser.outbound.chunking import DEFAULT_LIMIT, Fits, chunk_styled, media_kind
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.richtext.styled import StyledText
from errbot_zalouser.transport.interface import MessageSender

CAPTIONED = ("image", "video")


def reply_items(
    account: str,
    target: Target,
    text: str | StyledText = "",
    media_urls: Iterable[str] = (),
    *,
    limit: int = DEFAULT_LIMIT,
    mode: str = "length",
    fits: Fits | None = None,
    captioned: Collection[str] = CAPTIONED,
    files: bool = False,
    quote: str = "",
) -> list[OutboundItem]:
    """The items for one reply, in sending order.

    ``text`` is literal text or a StyledText; it is chunked with ``chunk_styled`` (``limit``,
    ``mode``, ``fits``). Media kinds come from ``media_kind`` (``files``: the tool can upload
    files). When the text is one unstyled message and the first media item's kind takes a caption
    (``captioned``), the text becomes that caption; otherwise the text chunks go first and the
    media follow without captions. ``quote`` (a listen line as JSON text) goes on the first text
    item: the reply quotes the message it answers once.
    """
    styled = text if isinstance(text, StyledText) else StyledText(text.replace("\r\n", "\n"))
    chunks = chunk_styled(styled, limit, mode, fits=fits)
    media = [(media_kind(url, files=files), url.strip()) for url in media_urls if url.strip()]
    caption = ""
    if media and len(chunks) == 1 and media[0][0] in captioned and not chunks[0].styles and not chunks[0].mentions:
        caption, chunks = chunks[0].text, []
    items = [OutboundItem(account=account, target=target, kind="text", text=chunk.text, styles=chunk.styles,
                          mentions=chunk.mentions, quote=quote if index == 0 else "")
             for index, chunk in enumerate(chunks)]
    for index, (kind, url) in enumerate(media):
        items.append(
            OutboundItem(account=account, target=target, kind=kind, url=url, caption=caption if index == 0 else "")
        )
    return items


def client_sender(
    clients: Mapping[str, MessageSender] | Callable[[str], MessageSender],
) -> Callable[[OutboundItem], SendResult]:
    """A ``send`` function for ``OutboundDispatcher`` that calls the item's account's client."""

    def client_for(account: str) -> MessageSender:
        if not isinstance(clients, Mapping):
            return clients(account)
        try:
            return clients[account]
        except KeyError:
            raise ValueError(f"no zca client for account {account!r}") from None

    def send(item: OutboundItem) -> SendResult:
        client = client_for(item.account)
        if item.kind == "text":
            return client.send_text(item.target, item.styled, quote=json.loads(item.quote) if item.quote else None)
        if item.kind == "link":
            return client.send_link(item.target, item.url)
        if item.kind == "reaction":
            client.react(item.target, item.msg_id, item.cli_msg_id, item.text)
            return SendResult()
        if item.path:
            return client.send_file(item.target, item.path, kind=item.kind)
        caption = "" if item.kind == "voice" else item.caption
        return client.send_media(item.target, item.kind, item.url, caption)

    return send
