"""Attachments from both listener shapes: openzca 0.1.58's media fields and notes, the older object
content; the body a person wrote; odd and hostile fields."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errbot_zalouser.model import Attachment, BadEvent, InboundEvent
from errbot_zalouser.model.attachments import human_text, is_caption, kind_of, note, url_name

PEER = "1543478002790642374"
PATH = "/srv/bot/media/default/1774152600123-9f1c2a7b.jpg"
URL = "https://f21-zpc.zdn.vn/jpg/abc/photo.jpg"


def line(content: Any, msg_type: str = "webchat", **fields: Any) -> dict[str, Any]:
    """An openzca 0.1.58 DM line (media fields at the top level and in metadata, as printed)."""
    meta = {"isGroup": False, "senderId": PEER, "fromId": PEER, "msgType": msg_type, **fields}
    return {"threadId": PEER, "msgId": "7645528516660", "cliMsgId": "1774152479593", "content": content,
            "type": 0, "timestamp": 1774152480, "msgType": msg_type, **fields, "metadata": meta,
            "chatType": "user", "senderId": PEER}


def photo_line(caption: str = URL, **over: Any) -> dict[str, Any]:
    fields = {"mediaPath": PATH, "mediaPaths": [PATH], "mediaUrl": URL, "mediaUrls": [URL], "mediaType": "image/jpeg",
              "mediaTypes": ["image/jpeg"], "mediaKind": "image", **over}
    return line(f"[media attached: {PATH} (image/jpeg) | {URL}]\n{caption}", "chat.photo", **fields)


def test_a_photo_without_caption_is_a_photo_note_with_its_downloaded_file():
    event = InboundEvent.from_json(photo_line())
    assert event.content == "[photo]" and event.msg_type == "chat.photo"
    assert event.attachments == (Attachment("image", url=URL, path=PATH, mime="image/jpeg", name="photo.jpg"),)
    assert event.attachments[0].raw == {"mediaKind": "image", "mediaPath": PATH, "mediaUrl": URL,
                                        "mediaType": "image/jpeg"}


def test_a_photo_caption_is_the_body_and_can_be_a_command():
    assert InboundEvent.from_json(photo_line("!ocr vi")).content == "!ocr vi"


@pytest.mark.parametrize(
    ("msg_type", "media_kind", "caption", "body", "kind", "name"),
    [
        ("share.file", "file", "report.pdf", "[file: report.pdf]", "file", "report.pdf"),
        ("chat.voice", "audio", "https://f21-zpc.zdn.vn/v/voice.m4a", "[voice message]", "voice", "voice.m4a"),
        ("chat.video.msg", "video", "", "[video]", "video", "clip.mp4"),
        ("chat.gif", "image", "vui quá", "vui quá", "image", "clip.mp4"),
        ("chat.recommended", "image", "Báo Mới - tin nóng", "[link: Báo Mới - tin nóng]", "link",
         "Báo Mới - tin nóng"),
        ("chat.location.new", "", "", "[message]", "unknown", "clip.mp4"),
    ],
)
def test_each_media_kind_and_its_body(msg_type, media_kind, caption, body, kind, name):
    url = "https://f21-zpc.zdn.vn/v/clip.mp4" if "voice" not in msg_type else caption
    fields = {"mediaUrl": url, "mediaUrls": [url], **({"mediaKind": media_kind} if media_kind else {})}
    event = InboundEvent.from_json(line(f"[media attached: {url} (video/*)]\n{caption}".rstrip(), msg_type, **fields))
    assert event.content == body
    (attachment,) = event.attachments
    assert (attachment.kind, attachment.url, attachment.path, attachment.name) == (kind, url, "", name)


def test_a_sticker_has_no_media_no_mentions_and_a_sticker_note():
    event = InboundEvent.from_json(line("<non-text:chat.sticker>", "chat.sticker", mediaKind="image",
                                        mentions=[{"uid": "21979", "type": 7}], mentionIds=["21979"]))
    assert (event.content, event.mention_ids, event.mentions) == ("[sticker]", (), ())
    assert [(a.kind, a.url, a.path) for a in event.attachments] == [("sticker", "", "")]


def test_several_files_pair_paths_urls_and_types_by_position():
    paths = [f"/m/{i}.jpg" for i in range(3)]
    urls = [f"https://x.invalid/{i}.jpg" for i in range(3)]
    note_lines = ["[media attached: 3 files]"] + [f"[media attached {i + 1}/3: {p} (image/png) | {u}]"
                                                  for i, (p, u) in enumerate(zip(paths, urls, strict=True))]
    event = InboundEvent.from_json(line("\n".join([*note_lines, "ba ảnh"]), "chat.photo", mediaPaths=paths,
                                        mediaUrls=urls, mediaTypes=["image/png"] * 3, mediaKind="image"))
    assert event.content == "ba ảnh"
    assert [(a.path, a.url, a.mime) for a in event.attachments] == list(zip(paths, urls, ["image/png"] * 3,
                                                                            strict=True))


def test_failed_downloads_keep_the_urls_without_paths():
    event = InboundEvent.from_json(line(f"[media attached: {URL} (image/*)]\n{URL}", "chat.photo", mediaUrl=URL,
                                        mediaUrls=[URL], mediaKind="image"))
    assert [(a.url, a.path, a.mime) for a in event.attachments] == [(URL, "", "")] and event.content == "[photo]"


def test_media_fields_only_in_metadata_are_read():
    event = line(f"[media attached: {PATH} (image/jpeg) | {URL}]", "chat.photo")
    event["metadata"].update(mediaPaths=[PATH], mediaUrls=[URL], mediaTypes=["image/jpeg"], mediaKind="image")
    assert InboundEvent.from_json(event).attachments[0].path == PATH


def test_a_quote_reply_body_loses_its_reply_context_lines():
    event = InboundEvent.from_json(line("ok để mình xem\n[reply media attached: /m/q.jpg (image/jpeg)]\n"
                                        "[reply context: Thu: gửi báo giá giúp em]",
                                        quote={"ownerId": PEER, "msg": "gửi báo giá giúp em"}))
    assert event.content == "ok để mình xem"


def test_a_typed_media_note_in_a_text_message_is_kept_as_typed():
    typed = f"[media attached: /etc/passwd (text/plain) | {URL}]\n[reply context: x: y]"
    event = InboundEvent.from_json(line(typed))
    assert (event.content, event.attachments) == (typed, ())  # not media, no quote: nothing is stripped


# --- the older object content ------------------------------------------------------------------------

FILE_OBJECT = {"title": "hợp đồng.pdf", "href": "https://f9-zpc.zdn.vn/f/hop-dong.pdf",
               "params": json.dumps({"fileSize": "48213", "fileExt": "pdf", "checksum": "x"})}


@pytest.mark.parametrize(
    ("content", "msg_type", "body", "kind", "url", "name", "size"),
    [
        (FILE_OBJECT, "", "[file: hợp đồng.pdf]", "file", FILE_OBJECT["href"], "hợp đồng.pdf", 48213),
        ({"title": "", "href": URL, "thumb": "https://x.invalid/t.jpg",
          "params": json.dumps({"hd": "https://x.invalid/hd.jpg"})}, "chat.photo", "[photo]", "image",
         "https://x.invalid/hd.jpg", "hd.jpg", None),
        ({"title": "photo.jpg", "href": URL}, "", "[photo]", "image", URL, "photo.jpg", None),
        ({"href": "https://x.invalid/v.m4a", "params": "{\"duration\": 3000}"}, "", "[voice message]", "voice",
         "https://x.invalid/v.m4a", "v.m4a", None),
        ({"id": 21979, "catId": 10, "type": 7}, "", "[sticker]", "sticker", "", "", None),
        ({"title": "Trang chủ", "href": "https://example.org/", "action": "recommened.link"}, "", "[link: Trang chủ]",
         "link", "https://example.org/", "Trang chủ", None),
        ({"title": "Lan Phạm", "action": "recommened.user", "params": "{\"phone\": \"0900\"}"}, "chat.recommended",
         "[contact card: Lan Phạm]", "contact", "", "Lan Phạm", None),
        ({"weird": [1, 2]}, "", "[message]", "unknown", "", "", None),
        ({}, "", "[message]", "unknown", "", "", None),
    ],
)
def test_the_older_object_content(content, msg_type, body, kind, url, name, size):
    event = InboundEvent.from_json(line(content, msg_type) if msg_type else
                                   {"threadId": PEER, "content": content, "metadata": {"fromId": PEER}})
    assert event.content == body
    (attachment,) = event.attachments
    assert (attachment.kind, attachment.url, attachment.name, attachment.size) == (kind, url, name, size)
    assert attachment.raw == content


@pytest.mark.parametrize("content", [[1, 2], 42, True, 1.5])
def test_content_that_is_neither_text_nor_an_object_is_an_unknown_message(content):
    event = InboundEvent.from_json({"threadId": PEER, "content": content})
    assert event.content == "[message]" and event.attachments[0].kind == "unknown"
    assert event.attachments[0].raw == {"content": content}


# --- odd and hostile fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"mediaPaths": "not a list", "mediaUrls": {"a": 1}, "mediaKind": 7},
        {"mediaPaths": [None, 3, {"x": 1}], "mediaUrls": [], "mediaKind": "image"},
        {"mediaUrls": ["javascript:alert(1)", "file:///etc/passwd", "ftp://x/y"], "mediaKind": "image"},
        {"mediaPaths": ["../../etc/passwd"] * 40, "mediaKind": "image"},
    ],
)
def test_odd_media_fields_still_make_a_message(fields):
    event = InboundEvent.from_json(line("[media attached: x]", "chat.photo", **fields))
    assert event.content == "[photo]" and 1 <= len(event.attachments) <= 16
    assert all(a.url == "" for a in event.attachments)  # only http(s) URLs are kept


def test_a_hostile_url_name_is_never_a_path():
    assert url_name("https://x.invalid/a/..%2F..%2Fetc%2Fpasswd") == "....etcpasswd"
    assert url_name("https://x.invalid/%00evil%0a.jpg") == "evil .jpg"  # a line break shows as a space
    assert url_name("https://x.invalid/gpj.%E2%80%AEexe") == "gpj.exe"  # no bidi override reorders it
    assert url_name("http://[::1") == "" and url_name("") == ""


def test_an_unknown_attachment_kind_is_refused():
    with pytest.raises(ValueError, match="unknown attachment kind"):
        Attachment("hologram")


@pytest.mark.parametrize(
    ("msg_type", "media_kind", "kind"),
    [("webchat", "", None), ("", "", None), ("chat.photo", "", "image"), ("chat.todo", "", "unknown"),
     ("chat.todo", "file", "file"), ("", "audio", "voice"), ("chat.recommended", "image", "link")],
)
def test_kind_of(msg_type, media_kind, kind):
    assert kind_of(msg_type, media_kind) == kind


def test_notes_and_captions():
    assert (note("file", "a.pdf"), note("image", "a.jpg"), note("nonsense")) == ("[file: a.pdf]", "[photo]",
                                                                                   "[message]")
    found = (Attachment("image", url=URL, name="photo.jpg"),)
    assert not is_caption(URL, "image", found) and not is_caption("photo.jpg", "image", found)
    assert is_caption("đẹp quá", "image", found) and not is_caption("report.pdf", "file", ())
    assert human_text("[media attached: 2 files]\n[media attached 1/2: a]\n[media attached 2/2: b]\ncap",
                      media=True, quoted=False) == "cap"
    assert human_text("<non-text:chat.todo>", media=True, quoted=False) == ""


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                 max_size=4), max_leaves=12)
MEDIA_KEYS = st.sampled_from(["content", "msgType", "mediaKind", "mediaPath", "mediaPaths", "mediaUrl", "mediaUrls",
                              "mediaType", "mediaTypes", "quote", "mentions", "mentionIds", "metadata"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(MEDIA_KEYS, JSON, max_size=8))
def test_any_fields_give_a_message_or_bad_event_never_a_crash(fields):
    try:
        event = InboundEvent.from_json({"threadId": PEER, **fields})
    except BadEvent:
        return
    assert isinstance(event.content, str) and all(isinstance(a, Attachment) for a in event.attachments)
    assert event.content.strip() or event.attachments or event.quote is not None


def test_attachments_are_immutable_raw_included():
    attachment = InboundEvent.from_json(photo_line()).attachments[0]
    with pytest.raises(TypeError):
        attachment.raw["mediaPath"] = "/etc/passwd"  # type: ignore[index]  # read-only: the assignment must fail
    with pytest.raises(AttributeError):
        attachment.path = "/etc/passwd"  # type: ignore[misc]  # frozen: the assignment must fail
