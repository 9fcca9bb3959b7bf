"""Issue 12, items 7 and 8: the pairing file under a chatty stranger, and a data folder that
refuses writes.

- A pending stranger who keeps writing does not rewrite and fsync pairing.json for every
  message: last-seen is recorded at most once a minute.
- A full (or read-only) data folder: the gate keeps deciding (no exception, no traceback), the
  log gets one clear line, the admins one notice, status says so; a pending stranger's messages
  are handled as before, and the first newcomer after the folder is writable again gets a code.
"""

from __future__ import annotations

import errno
import logging

import pytest

from errbot_zalouser import durable
from errbot_zalouser.policy.access import Outcome
from tests.faults.harness import Harness

PENDING = "3318205567419902764"
NEWCOMERS = ("3318205567419900001", "3318205567419900002")
LATE = "3318205567419900003"


@pytest.fixture
def writes(monkeypatch) -> list[str]:
    """The name of every file durable.write_atomic replaced."""
    seen: list[str] = []
    real = durable.write_atomic

    def counting(path, data, **kwargs):
        seen.append(path.name)
        return real(path, data, **kwargs)

    monkeypatch.setattr(durable, "write_atomic", counting)
    return seen


def test_a_chatty_pending_stranger_does_not_rewrite_the_pairing_file(make_service, writes):
    h: Harness = make_service({"dmPolicy": "pairing"})
    assert h.dm(PENDING, "hi").outcome is Outcome.CHALLENGE
    assert writes.count("pairing.json") == 1  # the request itself
    for _ in range(300):  # 300 messages over 30 s
        h.clock.advance(0.1)
        assert h.dm(PENDING, "hello?").outcome is Outcome.CHALLENGE
    assert writes.count("pairing.json") <= 2  # at most one last-seen update in that half minute
    h.clock.advance(61)
    h.dm(PENDING, "still there")
    [request] = h.service.pairing_requests()
    assert request.last_seen_at == h.clock.now  # last-seen still moves, a minute at a time


def _refuse_writes(monkeypatch) -> None:
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(durable.tempfile, "mkstemp", full)


def test_a_full_data_folder_is_said_once_and_drops_nobody_silently(make_service, monkeypatch, caplog):
    h: Harness = make_service({"dmPolicy": "pairing"})
    assert h.dm(PENDING, "hi").outcome is Outcome.CHALLENGE
    h.notices.clear()
    caplog.set_level(logging.INFO, logger="errbot_zalouser")
    _refuse_writes(monkeypatch)

    for newcomer in NEWCOMERS:
        for _ in range(3):
            h.clock.advance(120)  # long enough for a last-seen write to be due each time
            assert h.dm(newcomer, "hi", "Newcomer").outcome is Outcome.CHALLENGE
            assert h.dm(PENDING, "hello?").outcome is Outcome.CHALLENGE  # still pending, no error

    assert len(h.notices) == 1, h.notices
    [notice] = h.notices
    assert "No space left on device" in notice and "zalouser" in notice and NEWCOMERS[0] in notice
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None, [r.getMessage() for r in errors]
    [status] = h.service.status()
    assert any("cannot write" in w for w in status.warnings), status.warnings
    assert [r.user_id for r in h.service.pairing_requests()] == [PENDING]

    monkeypatch.undo()  # the disk has room again
    h.clock.advance(1)
    assert h.dm(LATE, "hi").outcome is Outcome.CHALLENGE
    assert LATE in [r.user_id for r in h.service.pairing_requests()]
    assert any("writable again" in r.getMessage() for r in caplog.records)
    [status] = h.service.status()
    assert not any("cannot write" in w for w in status.warnings)
