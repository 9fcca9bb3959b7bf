"""The listener's line splitter and backoff, as pure units."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from errbot_zalouser.transport.lines import LineBuffer


def feed_all(buf: LineBuffer, chunks: list[bytes]) -> list[bytes]:
    out: list[bytes] = []
    for chunk in chunks:
        out.extend(buf.feed(chunk))
    return out


def test_partial_line_is_kept_until_its_newline():
    buf = LineBuffer(100)
    assert feed_all(buf, [b'{"a":', b"1}"]) == []
    assert feed_all(buf, [b"\nnext"]) == [b'{"a":1}']
    assert buf.flush() == b"next"
    assert buf.flush() is None


def test_oversize_line_split_over_chunks_is_dropped_once():
    buf = LineBuffer(10)
    lines = feed_all(buf, [b"ok\n", b"x" * 8, b"x" * 8, b"x" * 8, b"\nafter\n"])
    assert lines == [b"ok", b"after"]
    assert buf.oversize == 1


def test_oversize_line_inside_one_chunk_is_dropped():
    buf = LineBuffer(10)
    assert feed_all(buf, [b"a\n" + b"y" * 50 + b"\nb\n"]) == [b"a", b"b"]
    assert buf.oversize == 1


def test_a_line_of_exactly_the_limit_passes():
    buf = LineBuffer(10)
    assert feed_all(buf, [b"0123456789\n", b"01234", b"56789\n"]) == [b"0123456789"] * 2
    assert buf.oversize == 0


def test_memory_stays_bounded_while_discarding():
    buf = LineBuffer(1000)
    for _ in range(200):
        assert feed_all(buf, [b"z" * 4096]) == []
        assert len(buf._buf) <= 1000
    assert buf.flush() is None
    assert buf.oversize == 1


@given(
    st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=20),
    st.lists(st.integers(min_value=1, max_value=15), min_size=1, max_size=10),
)
def test_any_chunking_gives_the_same_lines(lines, cuts):
    stream = b"".join(line + b"\n" for line in lines)
    chunks, pos, i = [], 0, 0
    while pos < len(stream):
        step = cuts[i % len(cuts)]
        chunks.append(stream[pos : pos + step])
        pos += step
        i += 1
    buf = LineBuffer(64)
    assert feed_all(buf, chunks) == lines
    assert buf.flush() is None

