"""Split long replies into Zalo-sized messages, and pick the `zca msg` command for a media URL.

``chunk_styled`` cuts a StyledText by the length the chat will show: UTF-16 code units of the
rendered text (what Zalo and openzca count), not the markers or escapes that carry its styles.
Each chunk is one message, so a tool that would split a long text itself never has to: with
``fits`` the caller adds its own test (openzca also splits by the size of its request, which
styles inflate), and a chunk that fails it is cut shorter. Styles and marks cut by a boundary
continue on both sides; a mention is never cut.

Code blocks need no care here: they reach the chat as plain lines (no fence lines), so a block
cut in two simply continues in the next message.

A hard cut (no whitespace in reach) avoids splitting a combining mark, a zero-width joiner
sequence or an emoji modifier from the character before it when it can.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable

from errbot_zalouser.richtext.styled import StyledText, utf16_offsets
from errbot_zalouser.settings import ChunkMode

DEFAULT_LIMIT = 2000
MIN_LIMIT = 20
MODES = tuple(mode.value for mode in ChunkMode)

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".heic")
VIDEO_EXTENSIONS = (".mp4", ".mov", ".avi", ".webm", ".mkv", ".3gp")
VOICE_EXTENSIONS = (".mp3", ".wav", ".ogg", ".m4a", ".aac", ".opus")
FILE_EXTENSIONS = (".pdf", ".zip", ".rar", ".7z", ".txt", ".csv", ".json", ".xml", ".doc", ".docx", ".xls",
                   ".xlsx", ".ppt", ".pptx", ".apk", ".tar", ".gz")

_ZWJ = "\u200d"
_GRAPHEME_LOOKBACK = 8
_BLANK_LINE = re.compile(r"\n[ \t]*\n")

Fits = Callable[[StyledText], bool]


def chunk_styled(styled: StyledText, limit: int = DEFAULT_LIMIT, mode: str = "length",
                 *, fits: Fits | None = None) -> list[StyledText]:
    """Split ``styled`` into messages of at most ``limit`` rendered (UTF-16) characters.

    ``length``: while the rest is too long (or ``fits`` says no), cut at the last newline in the
    window, else the last other whitespace, else hard at the limit; never inside a mention. The
    separator is consumed; the next chunk's leading newlines are dropped and every chunk's
    trailing whitespace too. ``newline``: first split into paragraphs at blank lines (each
    paragraph its own message), then apply ``length`` to each.

    Returns [] for empty or whitespace-only text. Raises ValueError for ``limit`` < 20 or an
    unknown ``mode``.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"chunk limit must be at least {MIN_LIMIT} characters (got {limit})")
    if mode not in MODES:
        raise ValueError(f"unknown chunk mode {mode!r} (expected one of {', '.join(MODES)})")
    if not styled.text.strip():
        return []
    pieces = [styled] if mode == ChunkMode.LENGTH else _paragraphs(styled)
    chunks: list[StyledText] = []
    for piece in pieces:
        chunks += _chunk_length(piece, limit, fits)
    return chunks


def chunk_text(text: str, limit: int = DEFAULT_LIMIT, mode: str = "length") -> list[str]:
    """``chunk_styled`` for literal text (CRLF read as LF): the chunks' texts."""
    return [chunk.text for chunk in chunk_styled(StyledText(text.replace("\r\n", "\n")), limit, mode)]


def media_kind(url: str, *, files: bool = False) -> str:
    """``"video"``, ``"voice"``, ``"image"`` or ``"file"`` from the lower-cased ending of the URL's path.

    A query string and a fragment are ignored. With ``files`` (the tool can upload any file), a
    document or archive is a ``"file"``; without, and for anything not recognised, an image, which
    is how `zca` deployments have always routed it.
    """
    path = url.split("#", 1)[0].split("?", 1)[0].lower()
    if path.endswith(VIDEO_EXTENSIONS):
        return "video"
    if path.endswith(VOICE_EXTENSIONS):
        return "voice"
    if files and path.endswith(FILE_EXTENSIONS):
        return "file"
    return "image"


_SURROGATE = re.compile("[\ud800-\udfff]")


def transmissible(text: str) -> str:
    """``text`` as it can travel in an argv and a UTF-8 journal: NULs dropped, lone surrogates
    (which no encoder accepts; a Python str holds astral characters whole) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


# --- length mode -----------------------------------------------------------------------------------


def _chunk_length(styled: StyledText, limit: int, fits: Fits | None) -> list[StyledText]:
    text = styled.text
    units = utf16_offsets(text)
    chunks: list[StyledText] = []
    end = len(text.rstrip())
    position = 0
    while True:
        while position < end and text[position] == "\n":
            position += 1
        if position >= end:
            return chunks
        window = bisect.bisect_right(units, units[position] + limit) - 1 - position  # characters that fit
        while True:
            cut, consumed = _find_cut(styled, position, min(window, end - position))
            chunk = _trimmed(styled, position, cut)
            if fits is None or fits(chunk) or window <= 1:
                break
            window = max(1, min(window - 1, (cut - position) * 9 // 10))
        if chunk.text:
            chunks.append(chunk)
        position = cut + consumed


def _trimmed(styled: StyledText, start: int, end: int) -> StyledText:
    """``styled[start:end]`` without trailing whitespace."""
    return styled.slice(start, start + len(styled.text[start:end].rstrip()))


def _find_cut(styled: StyledText, position: int, window: int) -> tuple[int, int]:
    """(cut, characters consumed) for the chunk starting at ``position`` with ``window`` characters
    at most: the whole rest when it fits, else the last newline, the last whitespace, a hard cut."""
    text = styled.text
    limit = position + window
    if limit >= len(text.rstrip()):
        return len(text), 0
    first = position + len(text[position : limit + 1]) - len(text[position : limit + 1].lstrip())
    blocked = _mention_interiors(styled)
    space = None
    for cut in range(limit, first, -1):
        if not text[cut].isspace() or cut in blocked:
            continue
        if text[cut] == "\n":
            return cut, 1
        if space is None:
            space = cut
    if space is not None:
        return space, 1
    cut = _grapheme_boundary(text, position, limit)
    while cut in blocked and cut > position + 1:
        cut -= 1
    return cut, 0


def _mention_interiors(styled: StyledText) -> set[int]:
    """Offsets a cut must not fall on: inside a mention (after its first character)."""
    return {i for m in styled.mentions for i in range(m.start + 1, m.end)}


def _grapheme_boundary(text: str, pos: int, cut: int) -> int:
    """Move ``cut`` back (a few characters at most) so it does not split a visible character."""
    candidate = cut
    for _ in range(_GRAPHEME_LOOKBACK):
        if candidate - 1 <= pos:
            return cut
        if not (_continues(text[candidate]) or text[candidate - 1] == _ZWJ):
            return candidate
        candidate -= 1
    return cut


def _continues(char: str) -> bool:
    """True for characters that attach to the one before: marks, joiners, selectors, modifiers."""
    if char == _ZWJ or "\ufe00" <= char <= "\ufe0f" or "\U0001f3fb" <= char <= "\U0001f3ff":
        return True
    if "\U000e0020" <= char <= "\U000e007f":  # emoji tag sequences (subdivision flags)
        return True
    return unicodedata.category(char) in ("Mn", "Mc", "Me")


# --- newline mode --------------------------------------------------------------------------------


def _paragraphs(styled: StyledText) -> list[StyledText]:
    """Split at blank lines; blank paragraphs are dropped."""
    pieces = []
    start = 0
    for match in _BLANK_LINE.finditer(styled.text):
        pieces.append(styled.slice(start, match.start()))
        start = match.end()
    pieces.append(styled.slice(start, len(styled.text)))
    return [p for p in pieces if p.text.strip()]
