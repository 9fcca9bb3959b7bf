"""A QR-looking picture for `auth login`: finder squares, timing lines and pseudo-random data.

It is not a decodable QR code (nothing can be scanned in a simulator); it only has to look like
one in a terminal and be a real, valid PNG for ``--qr-base64``.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterator

SIZE = 21  # a version-1 QR code is 21 x 21 modules


def matrix(token: str) -> list[list[bool]]:
    """``SIZE`` rows of booleans (True = dark), deterministic for a given ``token``."""
    bits = _noise(token)
    grid = [[next(bits) for _x in range(SIZE)] for _y in range(SIZE)]
    for i in range(SIZE):
        grid[6][i] = grid[i][6] = i % 2 == 0
    for ox, oy in ((0, 0), (SIZE - 7, 0), (0, SIZE - 7)):
        _finder(grid, ox, oy)
    return grid


def _noise(token: str) -> Iterator[bool]:
    """Pseudo-random bits (xorshift32 seeded from the token)."""
    state = zlib.crc32(token.encode()) or 1
    while True:
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        yield bool(state & 0x10000)


def _finder(grid: list[list[bool]], ox: int, oy: int) -> None:
    for dy in range(-1, 8):
        for dx in range(-1, 8):
            x, y = ox + dx, oy + dy
            if 0 <= x < SIZE and 0 <= y < SIZE:
                ring = max(abs(dx - 3), abs(dy - 3))
                grid[y][x] = ring in (0, 1, 3)


def ascii_block(grid: list[list[bool]], border: int = 2) -> str:
    """The picture as terminal text, two characters per module, without a final newline."""
    width = len(grid) + 2 * border
    blank = ["  " * width] * border
    rows = ["  " * border + "".join("██" if dark else "  " for dark in row) + "  " * border for row in grid]
    return "\n".join(blank + rows + blank)


def png_bytes(grid: list[list[bool]], scale: int = 4, border: int = 4) -> bytes:
    """A 1-bit greyscale PNG of the picture (dark modules black, quiet zone white)."""
    size = (len(grid) + 2 * border) * scale
    raw = b"".join(b"\x00" + _png_row(grid, y // scale - border, scale, border) for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def _png_row(grid: list[list[bool]], my: int, scale: int, border: int) -> bytes:
    n = len(grid)
    width = (n + 2 * border) * scale
    bits = [not (0 <= my < n and 0 <= x // scale - border < n and grid[my][x // scale - border]) for x in range(width)]
    bits += [True] * (-len(bits) % 8)
    return bytes(int("".join("1" if b else "0" for b in bits[i : i + 8]), 2) for i in range(0, len(bits), 8))


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def data_url(grid: list[list[bool]]) -> str:
    """``data:image/png;base64,...`` for the picture."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(grid)).decode("ascii")
