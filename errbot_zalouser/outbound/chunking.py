"""Split long replies into Zalo-sized messages, and pick the `zca msg` command for a media URL.

``chunk_text`` is Markdown-aware in one respect only: fenced code blocks. A block cut across a
message boundary is closed at the end of one chunk and re-opened (same fence, same info string)
at the start of the next, and the limit holds for every chunk including those added lines.

Lengths are counted in Python characters (code points). A hard cut avoids splitting a combining
mark, a zero-width joiner sequence or an emoji modifier from the character before it when it can.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from errbot_zalouser.settings import ChunkMode

DEFAULT_LIMIT = 2000
MIN_LIMIT = 20
MODES = tuple(mode.value for mode in ChunkMode)

VIDEO_EXTENSIONS = (".mp4", ".mov", ".avi", ".webm")
VOICE_EXTENSIONS = (".mp3", ".wav", ".ogg", ".m4a")

# CommonMark-style fences: up to three spaces of indentation, three or more ` or ~.
_OPENER = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_CLOSER = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_ZWJ = "\u200d"
_GRAPHEME_LOOKBACK = 8


@dataclass(frozen=True)
class _Fence:
    """One fenced block, as offsets into the text being chunked.

    open_start: first character of the opening line; open_end: the newline ending it (or the end
    of the text); close_start: first character of the closing line; close_end: just past the
    closing marker. An unclosed block has close_start == close_end == len(text).
    """

    open_start: int
    open_end: int
    close_start: int
    close_end: int
    marker: str
    reopen: str


class _Fences:
    """The fenced blocks of one text, with the position questions the splitter asks."""

    def __init__(self, fences: list[_Fence]) -> None:
        self._fences = fences
        self._starts = [f.open_start for f in fences]

    def _before(self, index: int) -> _Fence | None:
        """The last fence that opens strictly before ``index``."""
        i = bisect.bisect_left(self._starts, index) - 1
        return self._fences[i] if i >= 0 else None

    def open_at(self, index: int) -> _Fence | None:
        """The fence still open when a chunk ends (exclusive) or starts at ``index``."""
        fence = self._before(index)
        if fence is not None and fence.open_end < index < fence.close_end:
            return fence
        return None

    def covering(self, index: int) -> _Fence | None:
        """The fence whose lines (opener through closer) contain ``index``."""
        fence = self._before(index + 1)
        if fence is not None and fence.open_start <= index < fence.close_end:
            return fence
        return None

    def forbidden(self, index: int) -> bool:
        """True when cutting at ``index`` would split a fence line."""
        fence = self._before(index)
        if fence is None:
            return False
        return fence.open_start < index <= fence.open_end or fence.close_start < index < fence.close_end

    def line_start(self, index: int) -> int | None:
        """Start of the fence line that a cut at ``index`` would split, if any."""
        fence = self._before(index)
        if fence is None:
            return None
        if fence.open_start < index <= fence.open_end:
            return fence.open_start
        if fence.close_start < index < fence.close_end:
            return fence.close_start
        return None


def chunk_text(text: str, limit: int = DEFAULT_LIMIT, mode: str = "length") -> list[str]:
    """Split ``text`` into messages of at most ``limit`` characters.

    ``length``: while the rest is too long, cut at the last newline in the window that is outside
    a code fence, else the last newline inside one, else the last other whitespace, else hard at
    the limit. The separator is consumed; the next chunk's leading newlines are dropped and every
    chunk's trailing whitespace too. ``newline``: first split into paragraphs at blank lines
    outside fences (each paragraph its own message), then apply ``length`` to each.

    Every chunk but the last has balanced fences; the last is unbalanced only when ``text`` is.
    Returns [] for empty or whitespace-only text. Raises ValueError for ``limit`` < 20 or an
    unknown ``mode``.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"chunk limit must be at least {MIN_LIMIT} characters (got {limit})")
    if mode not in MODES:
        raise ValueError(f"unknown chunk mode {mode!r} (expected one of {', '.join(MODES)})")
    text = text.replace("\r\n", "\n")
    if not text.strip():
        return []
    if mode == "length":
        return _chunk_length(text, limit)
    chunks: list[str] = []
    for paragraph in _paragraphs(text, limit):
        chunks.extend(_chunk_length(paragraph, limit))
    return chunks


def media_kind(url: str) -> str:
    """``"video"``, ``"voice"`` or ``"image"`` from the lower-cased ending of the URL's path.

    A query string and a fragment are ignored. Anything not recognised (PDFs too) is an image,
    which is how `zca` deployments have always routed it.
    """
    path = url.split("#", 1)[0].split("?", 1)[0].lower()
    if path.endswith(VIDEO_EXTENSIONS):
        return "video"
    if path.endswith(VOICE_EXTENSIONS):
        return "voice"
    return "image"


# --- fences --------------------------------------------------------------------------------------


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(start offset, line without its newline) for every line of ``text``."""
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        yield start, text[start:end]
        start = end + 1


def _opener(line: str, budget: int) -> tuple[str, str] | None:
    """(marker, re-open line) when ``line`` opens a fence this splitter can close and re-open.

    A fence whose re-open line plus newline would take more than ``budget`` characters is treated
    as plain text, so the added fence lines can never crowd the content out of a chunk.
    """
    match = _OPENER.match(line)
    if match is None:
        return None
    marker, info = match.group(1), match.group(2)
    if marker[0] == "`" and "`" in info:
        return None  # CommonMark: a backtick fence's info string has no backticks
    reopen = (marker + info).rstrip()
    if len(reopen) + 1 > budget:
        return None
    return marker, reopen


def _closes(line: str, marker: str, budget: int) -> bool:
    match = _CLOSER.match(line)
    if match is None:
        return False
    found = match.group(1)
    return found[0] == marker[0] and len(found) >= len(marker) and len(line.rstrip()) + 1 <= budget


def _find_fences(text: str, limit: int) -> _Fences:
    budget = limit // 4
    fences: list[_Fence] = []
    current: tuple[int, int, str, str] | None = None  # open_start, open_end, marker, reopen
    for start, line in _lines(text):
        if current is None:
            opened = _opener(line, budget)
            if opened is not None:
                current = (start, start + len(line), *opened)
        elif _closes(line, current[2], budget):
            fences.append(_Fence(current[0], current[1], start, start + len(line.rstrip()), current[2], current[3]))
            current = None
    if current is not None:
        fences.append(_Fence(current[0], current[1], len(text), len(text), current[2], current[3]))
    return _Fences(fences)


# --- length mode ---------------------------------------------------------------------------------


def _chunk_length(text: str, limit: int) -> list[str]:
    fences = _find_fences(text, limit)
    chunks: list[str] = []
    end = len(text.rstrip())  # text[end - 1] is the last non-whitespace character
    pos = 0
    while True:
        while pos < end and text[pos] == "\n":
            pos += 1
        if pos >= end:
            return chunks
        opened = fences.open_at(pos)
        prefix = opened.reopen + "\n" if opened else ""
        if len(prefix) + end - pos <= limit:
            chunks.append(prefix + text[pos:end])
            return chunks
        cut, consumed, closing = _next_cut(text, pos, prefix, limit, fences)
        body = text[pos:cut].rstrip()
        if body.strip():
            chunks.append(prefix + body + closing)
        pos = cut + consumed


def _next_cut(text: str, pos: int, prefix: str, limit: int, fences: _Fences) -> tuple[int, int, str]:
    """(cut, characters consumed, closing fence line) for the chunk that starts at ``pos``.

    The window shrinks until the chunk, with the re-open prefix and any closing line, fits.
    """
    window = limit - len(prefix)
    while window > 0:
        cut, consumed = _find_cut(text, pos, window, fences)
        fence = fences.open_at(cut)
        closing = "\n" + fence.marker if fence else ""
        if len(prefix) + len(text[pos:cut].rstrip()) + len(closing) <= limit:
            return cut, consumed, closing
        window = min(window - 1, limit - len(prefix) - len(closing))
    raise RuntimeError("chunking window collapsed")  # unreachable: fence lines are <= limit // 4


def _find_cut(text: str, pos: int, window: int, fences: _Fences) -> tuple[int, int]:
    """Best cut in text[pos : pos + window], by the preference order in ``chunk_text``."""
    segment = text[pos : pos + window + 1]
    first = pos + len(segment) - len(segment.lstrip())  # the first non-whitespace character
    inside_newline = before_closer = space = None
    for cut in range(pos + window, first, -1):
        char = text[cut]
        if not char.isspace() or fences.forbidden(cut):
            continue
        if char != "\n":
            space = space if space is not None else cut
            continue
        fence = fences.open_at(cut)
        if fence is None:
            return cut, 1
        if cut + 1 == fence.close_start:
            before_closer = before_closer if before_closer is not None else cut
        elif inside_newline is None:
            inside_newline = cut
    for candidate in (inside_newline, before_closer, space):
        if candidate is not None:
            return candidate, 1
    return _hard_cut(text, pos, pos + window, first, fences), 0


def _hard_cut(text: str, pos: int, cut: int, first: int, fences: _Fences) -> int:
    """A cut with no separator: moved back off a grapheme continuation and out of fence lines."""
    cut = _grapheme_boundary(text, pos, cut)
    line_start = fences.line_start(cut)
    if line_start is not None and line_start > first:
        return line_start
    return cut


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


def _paragraphs(text: str, limit: int) -> list[str]:
    """Split at blank lines that are outside code fences; blank paragraphs are dropped."""
    fences = _find_fences(text, limit)
    paragraphs: list[str] = []
    start = 0
    for line_start, line in _lines(text):
        if line.strip() or fences.covering(line_start) is not None:
            continue
        paragraphs.append(text[start:line_start])
        start = line_start + len(line) + 1
    paragraphs.append(text[start:])
    return [p for p in paragraphs if p.strip()]


_SURROGATE = re.compile("[\ud800-\udfff]")


def transmissible(text: str) -> str:
    """``text`` as it can travel in an argv and a UTF-8 journal: NULs dropped, lone surrogates
    (which no encoder accepts; a Python str holds astral characters whole) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))
