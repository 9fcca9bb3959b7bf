"""The listener's health, read from the tool's own signals. Pure: no I/O, no state.

How a ``zca listen`` child ended decides what happens next (``ending``):

============  =====================================================  ===========================
kind          signal                                                  next
============  =====================================================  ===========================
stopped       we asked it to stop                                     nothing
recycle       exit 75 (openzca's ``-k`` recycle, healthy), or our      restart at once, backoff
              own periodic recycle                                    starts over
clean         exit 0 after a ``Listener closed`` line (supervised),   restart after the first
              exit 143/130 (SIGTERM/SIGINT from someone else)         backoff step, logged at
                                                                      info, not an error
locked        ``Another openzca listener already owns profile``       retry after 1 s, waits
              (a second listener on the profile, or a predecessor     growing to
              still winding down)                                     ``lock_retry_seconds``;
                                                                      state WAITING
logged_out    the profile has no valid session                        re-probe every
                                                                      ``logged_out_retry_seconds``;
                                                                      state LOGGED_OUT
fault         anything else (exit 1, a signal, a watchdog)            exponential backoff
============  =====================================================  ===========================

While a child runs, the watchdog (``recycle_reason``) ends it when it has gone quiet in a way
the tool itself shows: with ``--supervised``, no heartbeat for ``heartbeat_misses`` periods
(the heartbeat is a plain interval of the process, so this catches a wedged process), or a
``closed`` line not followed by the exit supervised mode promises; without it, a close that
openzca does not restart by itself (every code but 1000 and 3000: 1006, 3003...) after a
moment, and 1000/3000 when no reconnect follows within ``closed_grace_seconds``. The general
``stall_seconds`` (no output at all) and the optional ``recycle_seconds`` age limit still apply.
"""

from __future__ import annotations

import enum
import re
import signal
from collections.abc import Sequence
from typing import Any, NamedTuple

from errbot_zalouser.errors import ZcaNotAuthenticated, classify_failure
from errbot_zalouser.transport.listen_settings import ListenerSettings

SELF_RESTARTING_CLOSES = frozenset({1000, 3000})  # openzca -k reconnects these by itself after 2 s
SILENT_CLOSE_GRACE = 2.0  # seconds to let a trailing line arrive after a close nothing will follow
SUPERVISED_EXIT_GRACE = 5.0  # seconds a supervised child has to exit after its closed line
RECYCLE_EXIT = 75
SIGNAL_EXITS = {143: "SIGTERM", 130: "SIGINT"}
_LOCKED = re.compile(r"Another openzca listener already owns profile|already owns profile", re.I)
_CLOSE_CODE = re.compile(r"\((-?\d+)\)")


class EndKind(enum.Enum):
    STOPPED = "stopped"
    RECYCLE = "recycle"
    CLEAN = "clean"
    LOCKED = "locked"
    LOGGED_OUT = "logged_out"
    FAULT = "fault"


class Ending(NamedTuple):
    """How a child ended: its kind and the one line that says so."""

    kind: EndKind
    detail: str


def describe_exit(code: int | None) -> str:
    """``exited with code N`` or ``killed by signal NAME (exit code -N)``."""
    if code is None:
        return "exited (status unknown)"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"killed by signal {name} (exit code {code})"
    return f"exited with code {code}"


def ending(code: int | None, tail: Sequence[str], watchdog: str | None, *, argv: Sequence[str],
           closed: bool) -> Ending:
    """Classify the end of one child. ``tail`` is its last status lines, ``watchdog`` the reason
    our watchdog ended it (None when it ended by itself), ``closed`` whether it printed a
    ``Listener closed`` line."""
    what = describe_exit(code)
    last = tail[-1] if tail else ""
    if watchdog is not None:
        if watchdog.startswith("periodic recycle"):
            return Ending(EndKind.RECYCLE, f"recycled: {watchdog}")
        return Ending(EndKind.FAULT, f"recycled: {watchdog}")
    text = "\n".join(tail)
    if code == RECYCLE_EXIT:
        return Ending(EndKind.RECYCLE, f"{what}: the tool's planned recycle")
    if code in SIGNAL_EXITS:
        return Ending(EndKind.CLEAN, f"stopped by {SIGNAL_EXITS[code]} ({what})")
    if _LOCKED.search(text):
        return Ending(EndKind.LOCKED, f"waiting for the profile ({what}): {last}")
    if code and isinstance(classify_failure(argv, code, text), ZcaNotAuthenticated):
        return Ending(EndKind.LOGGED_OUT, f"logged out ({what}): {last}")
    if code == 0 and closed:
        return Ending(EndKind.CLEAN, f"{what} after {last}" if last else what)
    return Ending(EndKind.FAULT, f"{what}: {last}" if last else what)


def close_code(text: str) -> int | None:
    """The code of a ``Listener closed (<code>) ...`` line."""
    found = _CLOSE_CODE.search(text)
    return int(found.group(1)) if found else None


def closed_grace(settings: ListenerSettings, code: int | None) -> float:
    """How long after a close to wait for what should follow (an exit, or a reconnect)."""
    if settings.supervised:
        return min(SUPERVISED_EXIT_GRACE, settings.closed_grace_seconds)
    if code in SELF_RESTARTING_CLOSES:
        return settings.closed_grace_seconds
    return min(SILENT_CLOSE_GRACE, settings.closed_grace_seconds)


def heartbeat_overdue(settings: ListenerSettings, last_beat: float, now: float) -> str | None:
    """Under ``--supervised``: the reason to recycle when heartbeats stopped, else None."""
    if not settings.supervised or settings.heartbeat_seconds <= 0:
        return None
    window = settings.heartbeat_misses * settings.heartbeat_seconds
    if now - last_beat >= window:
        return f"no heartbeat for {window:g}s ({settings.heartbeat_misses} periods of {settings.heartbeat_seconds:g}s)"
    return None


def is_heartbeat(obj: Any) -> bool:
    """A lifecycle line that proves the process alive: any known or unknown fields beside it."""
    return isinstance(obj, dict) and obj.get("event") == "heartbeat"
