"""What a Zalo message carries besides its text, as immutable ``Attachment`` values.

Two listener shapes carry media, and both are read here:

* openzca 0.1.58's string ``content``: the message type (``msgType``), what the tool downloaded
  (``mediaPath(s)``, absolute paths in its media folder), the source URLs (``mediaUrl(s)``: only
  those of successful downloads when any succeeded, else every URL tried), their content types
  (``mediaType(s)``, one per download) and ``mediaKind`` (image, video, audio, file). ``content``
  is then a ``[media attached: …]`` note followed by a caption line that falls back to the media's
  URL or file name; openzca keeps no content object, so a contact card reads as a link here.
* the older object ``content`` (zca-cli and other producers): zca-js's attachment object itself
  (``href``, ``thumb``, ``title``, ``params`` as a JSON string, ``action``...), with or without a
  ``msgType``.

``Attachment.kind`` is one of ``KINDS``: ``image`` (photos, GIFs, drawings), ``video``, ``voice``,
``file``, ``sticker``, ``link``, ``contact`` (a shared contact card) or ``unknown`` (a message
type the bot does not know: location, poll, call...; its ``raw`` keeps what arrived). ``url`` is
an http(s) URL or ``""``; ``path`` is where the tool saved the file, ``""`` when it did not (the
service clears any path outside the tool's media folder before a plugin sees it, and fills
``size``); ``mime`` is the download's content type; ``name`` is a display name (a file's name,
a link's title, a contact's name), untrusted text from Zalo, never a path. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote, urlsplit

from errbot_zalouser import untrusted
from errbot_zalouser.model.wire import EMPTY, first_text, frozen_mapping, listing, mapping, text, whole_number

IMAGE, VIDEO, VOICE, FILE = "image", "video", "voice", "file"
STICKER, LINK, CONTACT, UNKNOWN = "sticker", "link", "contact", "unknown"
KINDS = (IMAGE, VIDEO, VOICE, FILE, STICKER, LINK, CONTACT, UNKNOWN)
MAX_FILES = 16  # openzca downloads at most 16 files of one message
MAX_NAME = 255

#: Zalo message types (``msgType``) that carry something other than text.
BY_MSG_TYPE = {
    "chat.photo": IMAGE, "chat.gif": IMAGE, "chat.doodle": IMAGE, "chat.video.msg": VIDEO, "chat.voice": VOICE,
    "share.file": FILE, "chat.sticker": STICKER, "chat.recommended": LINK, "chat.link": LINK,
}
TEXT_MSG_TYPES = frozenset({"", "webchat"})
_BY_MEDIA_KIND = {"image": IMAGE, "video": VIDEO, "audio": VOICE, "file": FILE}
_NOTES = {IMAGE: "photo", VIDEO: "video", VOICE: "voice message", FILE: "file", STICKER: "sticker", LINK: "link",
          CONTACT: "contact card", UNKNOWN: "message"}
_EXTENSIONS = {
    IMAGE: frozenset({"jpg", "jpeg", "png", "gif", "webp", "bmp", "heic"}),
    VIDEO: frozenset({"mp4", "mov", "m4v", "webm", "3gp"}),
    VOICE: frozenset({"m4a", "aac", "mp3", "amr", "ogg", "opus", "wav"}),
}
_URL_KEYS = {
    IMAGE: ("hdUrl", "normalUrl", "rawUrl", "oriUrl", "imageUrl", "photoUrl", "href", "url", "thumbUrl", "thumb"),
    VIDEO: ("videoUrl", "href", "url", "fileUrl"),
    VOICE: ("voiceUrl", "m4aUrl", "audioUrl", "href", "url"),
    FILE: ("fileUrl", "downloadUrl", "href", "url"),
    LINK: ("href", "url"),
}
_BARE_URL = re.compile(r"https?://\S+\Z", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"<non-text:[^>\n]*>\Z")
_NOTE_FILES = re.compile(r"\[media attached: (\d{1,3}) files\]\Z")
_FILE_NAME = re.compile(r"[^\s/\\]{1,200}\.[A-Za-z0-9]{1,8}\Z")
_PATH_SEPARATORS = re.compile(r"[/\\]")


@dataclass(frozen=True)
class Attachment:
    """One photo, video, voice note, file, sticker, link or contact card of a message."""

    kind: str
    url: str = ""
    path: str = ""
    mime: str = ""
    size: int | None = None
    name: str = ""
    raw: Mapping[str, Any] = field(default_factory=lambda: EMPTY, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown attachment kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if not isinstance(self.raw, MappingProxyType):
            object.__setattr__(self, "raw", frozen_mapping(self.raw))

    def with_file(self, path: str, size: int | None) -> Attachment:
        """This attachment with its local file (``""`` and None: no usable local file)."""
        return replace(self, path=path, size=size)


def kind_of(msg_type: str, media_kind: str = "") -> str | None:
    """The kind a message type (else openzca's ``mediaKind``) says; None for a text message."""
    if msg_type in BY_MSG_TYPE:
        return BY_MSG_TYPE[msg_type]
    if msg_type not in TEXT_MSG_TYPES:
        return _BY_MEDIA_KIND.get(media_kind, UNKNOWN)
    return _BY_MEDIA_KIND.get(media_kind)


def note(kind: str, name: str = "") -> str:
    """The short body that stands for a message without a caption: ``[photo]``, ``[file: a.pdf]``."""
    word = _NOTES.get(kind, _NOTES[UNKNOWN])
    return f"[{word}: {name}]" if name and kind in (FILE, LINK, CONTACT) else f"[{word}]"


def human_text(content: str, *, media: bool, quoted: bool) -> str:
    """The part of openzca's ``content`` a person wrote: without the leading ``[media attached …]``
    note of a media message, without the trailing ``[reply …]`` lines of a quote-reply, and
    without the ``<non-text:…>`` placeholder."""
    lines = content.replace("\r\n", "\n").split("\n")
    if quoted:
        while lines and lines[-1].lstrip().startswith("[reply "):
            lines.pop()
    if media and lines:
        many = _NOTE_FILES.match(lines[0].strip())
        if many:
            count = int(many.group(1))
            del lines[0]
            while count and lines and lines[0].startswith("[media attached "):
                del lines[0]
                count -= 1
        elif lines[0].startswith("[media attached: "):
            del lines[0]
    found = "\n".join(lines).strip()
    return "" if _PLACEHOLDER.match(found) else found


def is_caption(found: str, kind: str, attachments: tuple[Attachment, ...]) -> bool:
    """Whether the text of a media message was written by a person, rather than being openzca's
    fallback (the media's URL, a file's name, a link's or a card's title)."""
    if not found or kind in (FILE, LINK, CONTACT, STICKER) or _BARE_URL.match(found):
        return False
    return all(found not in (a.url, a.name) for a in attachments)


# --- openzca 0.1.58: the media fields ------------------------------------------------------------


def from_listen_fields(obj: Mapping[str, Any], meta: Mapping[str, Any], kind: str,
                       caption: str) -> tuple[Attachment, ...]:
    """The attachments a listen line's ``media*`` fields describe (top level, else ``metadata``).

    Paths pair with URLs and types by position; without paths, each URL is one attachment that
    was not downloaded. A media message without any of them (a sticker, a failed link) is one
    attachment with neither path nor URL."""
    paths = _strings(obj, meta, "mediaPaths", "mediaPath")
    urls = _strings(obj, meta, "mediaUrls", "mediaUrl")
    mimes = _strings(obj, meta, "mediaTypes", "mediaType") if paths else []
    media_kind = first_text(obj.get("mediaKind"), meta.get("mediaKind"))
    title = caption if kind in (FILE, LINK, CONTACT) and not _BARE_URL.match(caption) and "\n" not in caption else ""
    found = []
    for index in range(min(max(len(paths), len(urls)), MAX_FILES)):
        url = _http(urls[index] if index < len(urls) else "")
        raw = {"mediaKind": media_kind, "mediaPath": paths[index] if index < len(paths) else "", "mediaUrl": url,
               "mediaType": mimes[index] if index < len(mimes) else ""}
        found.append(Attachment(kind, url=url, path=raw["mediaPath"], mime=raw["mediaType"],
                                name=_clean_name(title) or url_name(url), raw={k: v for k, v in raw.items() if v}))
    if not found:
        found.append(Attachment(kind, name=_clean_name(title), raw={"mediaKind": media_kind} if media_kind else EMPTY))
    return tuple(found)


def _strings(obj: Mapping[str, Any], meta: Mapping[str, Any], many: str, one: str) -> list[str]:
    for source in (obj, meta):
        values = listing(source.get(many))
        if values:
            return [text(v).strip() for v in values]
        single = text(source.get(one)).strip()
        if single:
            return [single]
    return []


# --- the older object content ----------------------------------------------------------------------


def from_object(content: Mapping[str, Any], msg_type: str) -> tuple[str, tuple[Attachment, ...]]:
    """(caption, attachments) of an object ``content``: zca-js's attachment object itself."""
    params = mapping(content.get("params"))
    kind = kind_of(msg_type) if msg_type not in TEXT_MSG_TYPES else None
    action = text(content.get("action"))
    if action in ("recommened.user", "recommened.vip"):
        kind = CONTACT
    kind = kind or _kind_of_object(content, params, action)
    url = next((u for key in _URL_KEYS.get(kind, ()) for u in (_http(text(content.get(key))),
                                                              _http(text(params.get(key)))) if u), "")
    if kind == IMAGE:
        url = _http(text(params.get("hd"))) or url
    title = first_text(content.get("fileName"), content.get("title"), content.get("name"), content.get("displayName"))
    caption = first_text(content.get("msg"), content.get("message"), content.get("text"), content.get("caption"))
    name = ""
    if kind in (FILE, LINK, CONTACT):
        name = _clean_name(title)
    elif kind in (IMAGE, VIDEO) and title:
        name, caption = (_clean_name(title), caption) if _FILE_NAME.match(title) else (url_name(url), caption or title)
    size = whole_number(params.get("fileSize")) if kind == FILE else None
    attachment = Attachment(kind, url=url, size=size if size is not None else whole_number(content.get("fileSize")),
                            mime="", name=name or (url_name(url) if kind in (IMAGE, VIDEO, VOICE, FILE) else ""),
                            raw=content)
    return caption, (attachment,)


def _kind_of_object(content: Mapping[str, Any], params: Mapping[str, Any], action: str) -> str:
    keys = set(content)
    if "catId" in keys or ({"id", "type"} <= keys and not keys & {"href", "url", "thumb"}):
        return STICKER
    if "link" in action:
        return LINK
    if keys & {"fileName", "fileUrl"} or params.keys() & {"fileExt", "fileSize"}:
        return FILE
    if keys & {"voiceUrl", "m4aUrl", "audioUrl"}:
        return VOICE
    if "videoUrl" in keys:
        return VIDEO
    extension = _extension(text(content.get("href")) or text(content.get("url")))
    for kind in (VOICE, VIDEO, IMAGE):
        if extension in _EXTENSIONS[kind]:
            return kind
    if keys & {"hdUrl", "normalUrl", "thumbUrl", "thumb", "oriUrl", "rawUrl", "imageUrl"}:
        return IMAGE
    if _http(text(content.get("href"))) or _http(text(content.get("url"))):
        return LINK
    return UNKNOWN


# --- small readers ----------------------------------------------------------------------------------


def url_name(url: str) -> str:
    """The last segment of a URL's path, decoded, as a display name (never a path)."""
    if not url:
        return ""
    try:
        segment = urlsplit(url).path.rsplit("/", 1)[-1]
    except ValueError:
        return ""
    return _clean_name(unquote(segment))


def _clean_name(name: str) -> str:
    """A name as people may be shown it (``untrusted.display``), never a path."""
    return untrusted.display(_PATH_SEPARATORS.sub("", name), MAX_NAME)


def _http(value: str) -> str:
    value = value.strip()
    return value if _BARE_URL.match(value) else ""


def _extension(url: str) -> str:
    name = url_name(_http(url))
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""
