"""auth status / login / login --qr-base64 / logout."""

from __future__ import annotations

import base64
import re
import struct
import time
import zlib

from errbot_zalouser.simulator import texts
from errbot_zalouser.simulator.control import SimControl

DATA_URL_RE = re.compile(r"data:image\/png;base64,[A-Za-z0-9+/=]+")


def test_status_logged_in(zca, sim: SimControl) -> None:
    result = zca("auth", "status")
    assert result.returncode == 0
    assert result.stdout.startswith("{")
    assert "profile: 'default'" in result.stdout and "loggedIn: true" in result.stdout
    assert f"userId: '{sim.me['userId']}'" in result.stdout


def test_logout_then_status_fails(zca, sim: SimControl) -> None:
    result = zca("auth", "logout")
    assert (result.returncode, result.stdout) == (0, "Logged out profile default\n")
    status = zca("auth", "status")
    assert (status.returncode, status.stdout, status.stderr) == (1, "", "Error: Profile default: not logged in\n")
    assert zca("msg", "send", "1", "hi").returncode == 1
    assert zca("--version").returncode == 0
    assert zca("auth", "logout").returncode == 0
    assert sim.sent() == []


def test_interactive_login(zca, sim: SimControl) -> None:
    sim.set_logged_in(False)
    sim.set_login(delay_s=0.05)
    result = zca("auth", "login")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == texts.QR_SCAN_PROMPT
    assert "██" in result.stdout
    assert texts.QR_SCAN_HINT in lines
    assert f"Logged in profile default as Sim Bot ({sim.me['userId']})" in lines
    assert lines[-1] == "Cache refreshed: 8 friends, 3 groups"
    assert zca("auth", "status").returncode == 0


def test_interactive_login_declined(zca, sim: SimControl, tmp_path) -> None:
    sim.set_logged_in(False)
    sim.set_login(delay_s=0.0, decline=True)
    qr_path = tmp_path / "my-qr.png"
    result = zca("auth", "login", "--qr-path", str(qr_path))
    assert result.returncode == 1
    assert f"QR code saved to: {qr_path}" in result.stdout
    assert result.stdout.splitlines()[-1] == texts.QR_DECLINED
    assert qr_path.read_bytes().startswith(b"\x89PNG")
    assert zca("auth", "status").returncode == 1


def _check_png(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(tag + body) & 0xFFFFFFFF == crc
        chunks.append((tag, body))
        pos += 12 + length
    assert [t for t, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    zlib.decompress(chunks[1][1])
    return struct.unpack(">II", chunks[0][1][:8])


def test_qr_base64_prints_one_line_and_login_completes_after_delay(zca, sim: SimControl) -> None:
    sim.set_logged_in(False)
    sim.set_login(delay_s=0.6)
    started = time.monotonic()
    result = zca("auth", "login", "--qr-base64")
    assert result.returncode == 0 and time.monotonic() - started < 2.0
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and DATA_URL_RE.fullmatch(lines[0])
    width, height = _check_png(base64.b64decode(lines[0].split(",", 1)[1]))
    assert width == height > 20
    if time.monotonic() - started < 0.5:
        assert zca("auth", "status").returncode == 1
    deadline = time.monotonic() + 5.0
    while zca("auth", "status").returncode != 0:
        assert time.monotonic() < deadline, "background login never completed"
        time.sleep(0.05)
    assert time.monotonic() - started >= 0.6


def test_qr_base64_declined_never_logs_in(zca, sim: SimControl) -> None:
    sim.set_logged_in(False)
    sim.set_login(delay_s=0.0, decline=True)
    assert zca("auth", "login", "--qr-base64").returncode == 0
    time.sleep(0.05)
    assert zca("auth", "status").returncode == 1


def test_logout_cancels_pending_login(zca, sim: SimControl) -> None:
    sim.set_logged_in(False)
    sim.set_login(delay_s=0.0)
    zca("auth", "login", "--qr-base64")
    zca("auth", "logout")
    assert zca("auth", "status").returncode == 1
