"""What the admins are told of the bot's own health, once and not per event: a data folder that
stops taking writes (a log line and a notice, status while it lasts), and an account whose
profile was logged out (a notice, and another once it is logged in again)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from errbot_zalouser import untrusted
from errbot_zalouser.errors import StoreError
from errbot_zalouser.service.account import AccountRuntime
from errbot_zalouser.service.status import login_hint
from errbot_zalouser.transport.listen_settings import ListenerState

log = logging.getLogger(__name__)


class DataFolderHealth:
    """Thread-safe. ``refused`` after a failed write, ``accepted`` after one that succeeded."""

    def __init__(self, folder: Path, notify_admins: Callable[[str], None],
                 clock: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self._notify = notify_admins
        self._clock = clock
        self._lock = threading.Lock()
        self._since: float | None = None
        self._error = ""
        self._refused = 0

    def refused(self, what: str, exc: StoreError) -> None:
        """A write for ``what`` (e.g. "a pairing request from 123") failed with ``exc``."""
        with self._lock:
            self._refused += 1
            first = self._since is None
            if first:
                self._since, self._error = self._clock(), untrusted.for_log(str(exc), 300)
        if not first:
            log.debug("data folder still not writable: %s not saved", what)
            return
        log.error("zalouser cannot write its data folder %s (%s): %s was not saved; the bot keeps running "
                  "and says so once (status shows it until a write succeeds)", self.folder, self._error, what)
        self._notify(f"Zalouser cannot write its data folder {self.folder}: {self._error}. Not saved: {what}; "
                     "pairing requests and queued replies are not kept until this is fixed. Free some space or "
                     "fix the folder's permissions; the bot notices by itself when writes work again.")

    def accepted(self) -> None:
        """A write succeeded: the folder works (again)."""
        if self._since is None:
            return
        with self._lock:
            since, refused = self._since, self._refused
            self._since, self._error, self._refused = None, "", 0
        if since is not None:
            log.info("zalouser data folder %s is writable again (%d write(s) refused since %.0f s ago)",
                     self.folder, refused, self._clock() - since)

    @property
    def warning(self) -> str | None:
        """For status: what is wrong, or None."""
        with self._lock:
            if self._since is None:
                return None
            return (f"cannot write the data folder {self.folder} ({self._error}); {self._refused} write(s) "
                    "refused so far: pairing requests and queued replies are not kept")


def tell_login_change(rt: AccountRuntime, state: ListenerState, notify: Callable[[str], None],
                      retry_seconds: float) -> None:
    """A logged-out profile is said to the admins once (over Zalo that reaches them through
    another account only; errbot.log always has it), and its end once more: then the account
    can send again, so admins of a single account hear of it at the latest there."""
    if state is ListenerState.CONNECTED and rt.activity.logged_out_told:
        rt.activity.logged_out_told = False
        notify(f"Zalo account {rt.account_id} is logged in again and listening; it had been logged out "
               "(messages sent to it meanwhile were not received).")
    elif state is ListenerState.LOGGED_OUT and not rt.activity.logged_out_told:
        rt.activity.logged_out_told = True
        notify(f"Zalo account {rt.account_id} (profile {rt.config.profile}) is logged out: {login_hint(rt)}. "
               f"The bot checks again every {retry_seconds:g} s and resumes by itself.")
