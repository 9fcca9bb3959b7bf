"""``listen.sock``: the listener's upload socket (openzca 0.1.58), both ends.

Protocol: one request and one response per connection, each one line of JSON::

    -> {"kind":"upload","requestId":"…","profile":"default","threadId":"…","threadType":"group"|"user",
        "attachments":["/abs/file", …],"uploadTimeoutMs":120000}
    <- {"kind":"upload_result","requestId":"…","ok":true,"response":{"message":null,"attachment":[{"msgId":…}]}}
    <- {"kind":"upload_result","requestId":"…","ok":false,"error":"<text>"}

The server answers ``Invalid JSON request.``, ``Unsupported IPC request kind.``, ``Profile
mismatch.``, ``Invalid upload payload.``, ``Empty IPC request.`` or ``IPC request too large.``
(over 2,000,000 characters before a newline) as the real one does; the attachments are read by
the listener, so they must exist. Unlike the real tool, a socket path longer than the OS limit
still works: both ends go through the profile folder with a relative name, so tests may keep
deep temporary homes.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_REQUEST = 2_000_000
_SUN_PATH_MAX = 100

Handler = Callable[[dict[str, Any]], Any]  # request -> response object (raises UploadRejected)


class UploadRejected(Exception):
    """The listener answers ``ok: false`` with this text."""


class IpcFailure(Exception):
    """The client side failed after reaching the socket (the text is openzca's)."""


# --- server (the listener) --------------------------------------------------------------------------


class UploadServer:
    """Serve upload requests on ``path`` in daemon threads until :meth:`close`."""

    def __init__(self, path: Path, profile: str, upload: Handler) -> None:
        self.path = path
        self.profile = profile
        self.upload = upload
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        _at(path, self._sock.bind)
        self._sock.listen(16)
        self._closed = False
        threading.Thread(target=self._accept_loop, name="listen.sock", daemon=True).start()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._sock.close()
        finally:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                conn, _addr = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            line, problem = _read_request(conn)
            response = _failure("", problem) if problem else self._answer(line)
            with contextlib.suppress(OSError):
                conn.sendall((json.dumps(response, ensure_ascii=False, separators=(",", ":")) + "\n").encode())

    def _answer(self, line: str) -> dict[str, Any]:
        try:
            request = json.loads(line)
        except ValueError:
            return _failure("", "Invalid JSON request.")
        if not isinstance(request, dict):
            return _failure("", "Invalid JSON request.")
        request_id = request.get("requestId") or ""
        if request.get("kind") != "upload":
            return _failure(request_id, "Unsupported IPC request kind.")
        if request.get("profile") != self.profile:
            return _failure(request_id, "Profile mismatch.")
        files = request.get("attachments")
        if not request.get("threadId") or not isinstance(files, list) or not files:
            return _failure(request_id, "Invalid upload payload.")
        try:
            response = self.upload(request)
        except UploadRejected as exc:
            return _failure(request_id, str(exc))
        return {"kind": "upload_result", "requestId": request_id, "ok": True, "response": response}


def _read_request(conn: socket.socket) -> tuple[str, str]:
    """(first line, "") or ("", problem text)."""
    buffer = b""
    while b"\n" not in buffer:
        data = conn.recv(65536)
        if not data:
            return "", "Empty IPC request." if not buffer.strip() else "Invalid JSON request."
        buffer += data
        if len(buffer) > MAX_REQUEST * 4 or len(buffer.decode("utf-8", "replace")) > MAX_REQUEST:
            return "", "IPC request too large."
    line = buffer.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    return (line, "") if line else ("", "Empty IPC request.")


def _failure(request_id: Any, error: str) -> dict[str, Any]:
    return {"kind": "upload_result", "requestId": request_id, "ok": False, "error": error}


# --- client (msg upload) ----------------------------------------------------------------------------


def request_upload(path: Path, request: dict[str, Any], *, connect_timeout_ms: int, timeout_ms: int) -> Any | None:
    """Send one request; the response object, or None when no listener socket exists
    (ENOENT/ECONNREFUSED: the caller falls back). IpcFailure for anything else."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with sock:
        sock.settimeout(connect_timeout_ms / 1000.0)
        try:
            _at(path, sock.connect)
        except (FileNotFoundError, ConnectionRefusedError):
            return None
        except TimeoutError:
            raise IpcFailure(f"Timed out waiting {connect_timeout_ms}ms to connect upload IPC.") from None
        sock.sendall((json.dumps(request, ensure_ascii=False, separators=(",", ":")) + "\n").encode())
        line = _read_response(sock, timeout_ms)
    if not line:
        raise IpcFailure("Upload IPC returned empty response.")
    try:
        response = json.loads(line)
    except ValueError:
        raise IpcFailure("Upload IPC returned invalid JSON.") from None
    if not isinstance(response, dict) or response.get("kind") != "upload_result" or \
            response.get("requestId") != request.get("requestId"):
        raise IpcFailure("Upload IPC returned mismatched response.")
    if not response.get("ok"):
        raise IpcFailure(str(response.get("error") or "Upload IPC failed."))
    return response.get("response")


def _read_response(sock: socket.socket, timeout_ms: int) -> str:
    deadline = time.monotonic() + timeout_ms / 1000.0
    buffer = b""
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise IpcFailure(f"Timed out waiting {timeout_ms}ms for upload IPC response.")
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            raise IpcFailure(f"Timed out waiting {timeout_ms}ms for upload IPC response.") from None
        if not data:
            raise IpcFailure("Upload IPC connection closed before response.")
        buffer += data
    return buffer.split(b"\n", 1)[0].decode("utf-8", "replace").strip()


def _at(path: Path, operation: Callable[[str], None]) -> None:
    """Bind or connect to ``path``; a path too long for AF_UNIX is reached from its folder
    (a moment's chdir: only the single-threaded `zca-sim` processes take this branch)."""
    if len(os.fsencode(path)) < _SUN_PATH_MAX:
        operation(str(path))
        return
    previous = os.getcwd()
    os.chdir(path.parent)
    try:
        operation(path.name)
    finally:
        os.chdir(previous)
