"""reply_items (reply -> items) and client_sender (items -> client calls)."""

from __future__ import annotations

import pytest

from errbot_zalouser.model import SendResult, Target
from errbot_zalouser.outbound.compose import client_sender, reply_items
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.richtext.styled import BOLD, MentionRange, StyledText, StyleRange

T = Target("99", True)


def _shape(items) -> list[tuple[str, str, str, str]]:
    return [(i.kind, i.text, i.url, i.caption) for i in items]


def test_text_only_is_chunked() -> None:
    items = reply_items("acc", T, "alpha beta gamma delta epsilon", limit=20)
    assert _shape(items) == [("text", "alpha beta gamma", "", ""), ("text", "delta epsilon", "", "")]
    assert all(i.account == "acc" and i.target == T for i in items)
    assert len({i.id for i in items}) == 2


def test_short_text_becomes_caption_of_first_image_or_video() -> None:
    items = reply_items("acc", T, "Ảnh đây", ["https://x/a.JPG", "https://x/b.mp4?sig=1"])
    assert _shape(items) == [
        ("image", "", "https://x/a.JPG", "Ảnh đây"),
        ("video", "", "https://x/b.mp4?sig=1", ""),
    ]


def test_voice_never_gets_a_caption() -> None:
    items = reply_items("acc", T, "nghe nè", ["https://x/a.m4a"])
    assert _shape(items) == [("text", "nghe nè", "", ""), ("voice", "", "https://x/a.m4a", "")]


def test_long_text_goes_first_then_uncaptioned_media() -> None:
    items = reply_items("acc", T, "alpha beta gamma delta epsilon", [" https://x/a.png ", ""], limit=20)
    assert _shape(items) == [
        ("text", "alpha beta gamma", "", ""),
        ("text", "delta epsilon", "", ""),
        ("image", "", "https://x/a.png", ""),
    ]


def test_nothing_to_send() -> None:
    assert reply_items("acc", T, "  ", []) == []


def test_styles_and_mentions_ride_on_their_chunk() -> None:
    styled = StyledText("@An alpha beta gamma delta", (StyleRange(4, 5, BOLD), StyleRange(21, 5, BOLD)),
                        (MentionRange(0, 3, "2947718306652210431"),))
    items = reply_items("acc", T, styled, limit=20)
    assert [i.styled for i in items] == [
        StyledText("@An alpha beta gamma", (StyleRange(4, 5, BOLD),), (MentionRange(0, 3, "2947718306652210431"),)),
        StyledText("delta", (StyleRange(0, 5, BOLD),)),
    ]


def test_styled_text_is_never_a_caption() -> None:
    items = reply_items("acc", T, StyledText("nice", (StyleRange(0, 4, BOLD),)), ["https://x/a.png"])
    assert _shape(items) == [("text", "nice", "", ""), ("image", "", "https://x/a.png", "")]


def test_where_the_tool_uploads_files_videos_and_files_take_no_caption() -> None:
    items = reply_items("acc", T, "xem", ["https://x/b.mp4", "https://x/r.pdf"], captioned=("image",), files=True)
    assert _shape(items) == [("text", "xem", "", ""), ("video", "", "https://x/b.mp4", ""),
                             ("file", "", "https://x/r.pdf", "")]


def test_a_fits_test_cuts_chunks_shorter() -> None:
    items = reply_items("acc", T, "alpha beta gamma delta", fits=lambda chunk: len(chunk.text) <= 11)
    assert [i.text for i in items] == ["alpha beta", "gamma delta"]


def test_a_quote_rides_on_the_first_text_item_only() -> None:
    items = reply_items("acc", T, "alpha beta gamma delta epsilon", ["https://x/a.png"], limit=20, quote='{"a":1}')
    assert [(i.kind, i.quote) for i in items] == [("text", '{"a":1}'), ("text", ""), ("image", "")]


class FakeClient:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def send_text(self, target: Target, text: str | StyledText, *, quote=None) -> SendResult:
        self.calls.append(("text", target, text, quote) if quote else ("text", target, text))
        return SendResult("t")

    def send_file(self, target: Target, path: str, *, kind: str = "file") -> SendResult:
        self.calls.append(("path", target, path, kind))
        return SendResult("f")

    def react(self, target: Target, msg_id: str, cli_msg_id: str, reaction: str) -> None:
        self.calls.append(("react", target, msg_id, cli_msg_id, reaction))

    def send_media(self, target: Target, kind: str, url: str, caption: str = "") -> SendResult:
        self.calls.append((kind, target, url, caption))
        return SendResult("m")

    def send_link(self, target: Target, url: str) -> SendResult:
        self.calls.append(("link", target, url))
        return SendResult("l")


def test_client_sender_routes_by_kind_and_account() -> None:
    main, other = FakeClient(), FakeClient()
    send = client_sender({"main": main, "other": other})
    items = reply_items("main", T, "hi", ["https://x/a.png", "https://x/v.ogg"])
    items.append(OutboundItem(account="other", target=T, kind="link", url="https://x"))
    items.append(OutboundItem(account="other", target=T, kind="voice", url="https://x/v.mp3", caption="dropped"))
    results = [send(i).message_id for i in items]
    assert results == ["m", "m", "l", "m"]
    assert main.calls == [("image", T, "https://x/a.png", "hi"), ("voice", T, "https://x/v.ogg", "")]
    assert other.calls == [("link", T, "https://x"), ("voice", T, "https://x/v.mp3", "")]


def test_client_sender_sends_local_files_reactions_and_quotes() -> None:
    client = FakeClient()
    send = client_sender({"a": client})
    quoted = reply_items("a", T, "ok", quote='{"msgId": "7"}')[0]
    results = [send(item).message_id for item in (
        OutboundItem(account="a", target=T, kind="file", path="/data/out/1/r.pdf"),
        OutboundItem(account="a", target=T, kind="image", path="/data/out/2/c.png"),
        OutboundItem(account="a", target=T, kind="reaction", text="/-heart", msg_id="7", cli_msg_id="8"),
        quoted)]
    assert results == ["f", "f", None, "t"]
    assert client.calls == [("path", T, "/data/out/1/r.pdf", "file"), ("path", T, "/data/out/2/c.png", "image"),
                            ("react", T, "7", "8", "/-heart"), ("text", T, StyledText("ok"), {"msgId": "7"})]


def test_client_sender_with_callable_and_unknown_account() -> None:
    client = FakeClient()
    send = client_sender(lambda account: client)
    send(reply_items("any", T, "hello")[0])
    assert client.calls == [("text", T, StyledText("hello"))]
    with pytest.raises(ValueError, match="no zca client"):
        client_sender({})(reply_items("ghost", T, "hello")[0])
