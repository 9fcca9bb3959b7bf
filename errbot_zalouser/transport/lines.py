"""Framing of the listener's byte stream into bounded lines."""

from __future__ import annotations

from collections.abc import Iterator


class LineBuffer:
    """Splits a byte stream into lines, never holding more than ``max_line_bytes`` of one line.

    A line longer than the limit is dropped whole (``oversize`` counts them); a
    partial trailing line is kept until its newline arrives.
    """

    def __init__(self, max_line_bytes: int) -> None:
        self.max_line_bytes = max_line_bytes
        self.oversize = 0
        self._buf = bytearray()
        self._discarding = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Add ``data``; yield each line it completes, without its newline."""
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            piece = data[start:end]
            start = end + 1
            line = self._take(piece)
            if line is not None:
                yield line
        self._keep(data[start:])

    def flush(self) -> bytes | None:
        """At end of stream: the unterminated last line, if any (and not oversize)."""
        line = None if self._discarding or not self._buf else bytes(self._buf)
        self._buf.clear()
        self._discarding = False
        return line

    def _take(self, piece: bytes) -> bytes | None:
        if self._discarding:
            self._discarding = False
            return None
        if len(self._buf) + len(piece) > self.max_line_bytes:
            self._buf.clear()
            self.oversize += 1
            return None
        line = bytes(self._buf) + piece if self._buf else piece
        self._buf.clear()
        return line

    def _keep(self, rest: bytes) -> None:
        if self._discarding or not rest:
            return
        if len(self._buf) + len(rest) > self.max_line_bytes:
            self._buf.clear()
            self._discarding = True
            self.oversize += 1
            return
        self._buf += rest
