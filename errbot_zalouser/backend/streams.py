"""errbot's ``send_stream_request`` on Zalo: a plugin's file goes out as a photo, video, voice
message or file, and its ``Stream`` says how it went.

``StreamSender.send`` returns at once with a ``ZaloStream`` (an errbot ``Stream``). On a small
pool of its own (never errbot's command threads, never the send pool), the stream is accepted,
then copied into a private, size-capped file and queued on the send pool like any reply
(journaled, rate-limited, retried, in its conversation's order; ``ZalouserService.send_stream``).
The stream becomes ``success`` once Zalo took the file, or ``error`` with a ``reason`` when the
stream was over the size limit, unreadable, of a type Zalo cannot take, or the send failed: each
also logged. ``ZaloStream.wait`` lets a plugin wait for that outcome.
"""

from __future__ import annotations

import io
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from errbot.backends.base import STREAM_ERROR, STREAM_SUCCESSFULLY_TRANSFERED, Stream

from errbot_zalouser import untrusted
from errbot_zalouser.errors import ZalouserError
from errbot_zalouser.model import Target
from errbot_zalouser.service.service import ZalouserService

log = logging.getLogger(__name__)

WORKERS = 2  # streams copied at once; more wait their turn


class ZaloStream(Stream):
    """errbot's ``Stream`` with the reason of an error and a way to wait for the outcome."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._finished = threading.Event()

    @property
    def reason(self) -> str:
        """Why the transfer failed (errbot's default ``"unknown"`` while it has not)."""
        return str(self._reason)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the stream succeeded or failed; False when ``timeout`` passed first."""
        return self._finished.wait(timeout)

    def error(self, reason: str = "unknown") -> None:
        super().error(reason)
        self._finished.set()

    def success(self) -> None:
        super().success()
        self._finished.set()


class StreamSender:
    def __init__(self, service: ZalouserService, workers: int = WORKERS) -> None:
        self._service = service
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="zalouser-stream")

    def send(self, identifier: Any, account: str, target: Target, fsource: Any, name: str | None,
             size: int | None, stream_type: str | None) -> ZaloStream:
        """Start sending ``fsource`` (a binary file object) to ``target``; returns its Stream, which
        is already in error when ``fsource`` cannot be read at all (closed, or not a file)."""
        try:
            stream = ZaloStream(identifier, fsource, name, size, stream_type)
        except (ValueError, TypeError, AttributeError, OSError) as exc:
            stream = ZaloStream(identifier, io.BytesIO(), name, size, stream_type)
            _finish(stream, target, exc, f"cannot read the stream ({type(exc).__name__}: {exc}); "
                    "send_stream_request needs an open binary file object (for a public URL use send_url)")
            return stream
        self._pool.submit(self._run, stream, account, target)
        return stream

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, stream: ZaloStream, account: str, target: Target) -> None:
        try:
            stream.accept()
            self._service.send_stream(account, target, stream, name=stream.name, stream_type=stream.stream_type,
                                      size=stream.size, on_done=lambda error: _finish(stream, target, error))
        except ZalouserError as exc:
            _finish(stream, target, exc)
        except Exception as exc:  # a bug must still end the stream, not leave the plugin waiting
            log.exception("zalouser: sending %s to %s failed", untrusted.for_log(stream.name or "a file"), target.key)
            _finish(stream, target, exc)


def _finish(stream: ZaloStream, target: Target, error: Exception | None, reason: str = "") -> None:
    if stream.status in (STREAM_SUCCESSFULLY_TRANSFERED, STREAM_ERROR):
        return
    if error is None:
        log.info("zalouser: sent %s to %s", untrusted.for_log(stream.name or "a file"), target.key)
        stream.success()
        return
    reason = reason or str(error) or type(error).__name__
    log.warning("zalouser: could not send %s to %s: %s", untrusted.for_log(stream.name or "a file"), target.key,
                untrusted.for_log(reason))
    stream.error(reason)
