"""Where the `zca` listener saves the files the bot is given, and how long they stay.

The bot tells each account's listener where to save them (``OPENZCA_LISTEN_MEDIA_DIR``:
``<media.folder>/<account>``, by default under ``<BOT_DATA_DIR>/zalouser/media``) and how large
one may be (``OPENZCA_LISTEN_MEDIA_MAX_BYTES``: ``mediaMaxMb``), so it knows the one folder those
files can be in. Paths in a listener line are untrusted: ``MediaFolder.vet`` keeps an
attachment's path only when it names a regular file directly in that folder (its real path, not
through a link) and fills in its size; any other path is dropped unread, with a log line.

openzca never deletes what it saved. ``MediaFolder.sweep`` deletes the files of the folder that
are older than ``media.retentionHours`` and named as openzca names them (``<epoch ms>-<8 hex>
<ext>``), so a folder set by mistake to a place holding other files loses none of them; it never
follows a link and never enters a subfolder. ``MediaJanitor`` sweeps every account's folder when
the bot starts, then every hour (or a quarter of the retention, when shorter), on a thread of its
own. A retention of 0 turns the sweeping off: whoever runs the bot cleans the folder.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from errbot_zalouser import untrusted
from errbot_zalouser.model import Attachment, InboundEvent

log = logging.getLogger(__name__)

OPENZCA_NAME = re.compile(r"\d{10,16}-[0-9a-f]{8}(\.[A-Za-z0-9]{1,10})?\Z")
"""How openzca names a downloaded file: the download time in ms, 8 hex digits, the extension."""
MIN_SWEEP_SECONDS = 60.0
MAX_SWEEP_SECONDS = 3600.0
_SHOWN = 200  # characters of an untrusted path shown in a log line


class MediaFolder:
    """One account's download folder."""

    def __init__(self, path: Path, account: str) -> None:
        self.path = path
        self.account = account
        self._real = ""

    def prepare(self) -> None:
        """Create the folder (private to the bot's user) and learn its real path."""
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._real = os.path.realpath(self.path)

    def listener_env(self, max_bytes: int) -> dict[str, str]:
        """What the account's listener is told: where to save files, and the largest it may save."""
        return {"OPENZCA_LISTEN_MEDIA_DIR": str(self.path), "OPENZCA_LISTEN_MEDIA_MAX_BYTES": str(max_bytes)}

    # --- inbound events ---------------------------------------------------------------------------

    def vet(self, event: InboundEvent) -> InboundEvent:
        """``event`` with every attachment path that is not a file of this folder dropped, and the
        sizes of the others filled in."""
        attachments = tuple(self._vet(a) for a in event.attachments)
        quote = event.quote
        if quote is not None and quote.attachments:
            quote = replace(quote, attachments=tuple(self._vet(a) for a in quote.attachments))
        if attachments == event.attachments and quote is event.quote:
            return event
        return replace(event, attachments=attachments, quote=quote)

    def _vet(self, attachment: Attachment) -> Attachment:
        if not attachment.path:
            return attachment
        size = self._size_of(attachment.path)
        if size is None:
            log.warning("zalouser %s: a listener line names a file outside the media folder %s; ignored: %s",
                        self.account, self.path, untrusted.for_log(attachment.path, _SHOWN))
            return attachment.with_file("", None)
        return attachment.with_file(attachment.path, size)

    def _size_of(self, path: str) -> int | None:
        """The size of ``path`` when it is a regular file directly in this folder, else None."""
        if not self._real or not os.path.isabs(path):
            return None
        try:
            if os.path.realpath(os.path.dirname(path)) != self._real:
                return None
            found = os.lstat(path)
        except (OSError, ValueError):  # ValueError: a NUL in the path
            return None
        return found.st_size if stat.S_ISREG(found.st_mode) else None

    # --- retention --------------------------------------------------------------------------------

    def sweep(self, now: float, retention_seconds: float) -> int:
        """Delete openzca's files older than ``retention_seconds``; returns how many went."""
        removed = 0
        try:
            entries = list(os.scandir(self.path))
        except FileNotFoundError:
            return 0
        except OSError as exc:
            log.warning("zalouser %s: cannot read the media folder %s: %s", self.account, self.path, exc)
            return 0
        for entry in entries:
            if not OPENZCA_NAME.match(entry.name):
                continue
            try:
                found = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(found.st_mode) and now - found.st_mtime >= retention_seconds:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:
                continue  # a plugin removed it first
            except OSError as exc:
                log.warning("zalouser %s: cannot delete %s: %s", self.account, entry.path, exc)
        return removed


class MediaFolders:
    """Every account's folder (``<root>/<account>``) and the janitor that sweeps them."""

    def __init__(self, root: Path, accounts: Iterable[str], retention_hours: float, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.folders = {account: MediaFolder(root / account, account) for account in accounts}
        self._janitor = MediaJanitor(self.folders.values(), retention_hours, clock=clock)

    def __getitem__(self, account: str) -> MediaFolder:
        return self.folders[account]

    def start(self, accounts: Iterable[str]) -> None:
        """Create the folders of ``accounts`` (the enabled ones), then start sweeping."""
        for account in accounts:
            self.folders[account].prepare()
        self._janitor.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._janitor.stop(timeout)


class MediaJanitor:
    """Sweeps the folders at ``start`` and then periodically, until ``stop``."""

    def __init__(self, folders: Iterable[MediaFolder], retention_hours: float, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._folders = list(folders)
        self._retention = retention_hours * 3600.0
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def interval(self) -> float:
        return min(max(self._retention / 4, MIN_SWEEP_SECONDS), MAX_SWEEP_SECONDS)

    def sweep_all(self) -> int:
        removed = sum(folder.sweep(self._clock(), self._retention) for folder in self._folders)
        if removed:
            log.info("zalouser: deleted %d received file(s) older than %s h", removed, self._retention / 3600)
        return removed

    def start(self) -> None:
        if self._retention <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="zalouser-media-janitor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while True:
            try:
                self.sweep_all()
            except Exception:  # a bug here must not end the sweeping for good
                log.exception("zalouser: sweeping the media folders failed")
            if self._stop.wait(self.interval):
                return
