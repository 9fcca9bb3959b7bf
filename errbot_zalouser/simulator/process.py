"""Process-level helpers: signal handling and the age of this process."""

from __future__ import annotations

import os
import signal
import time

_IMPORTED_AT = time.monotonic()


class Terminated(BaseException):
    """Raised from the SIGTERM/SIGINT handler so ``finally`` blocks run and no traceback shows.

    A BaseException, so that ``except Exception`` never swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def install_signal_handlers() -> None:
    """Turn SIGTERM and SIGINT into :class:`Terminated`."""
    signal.signal(signal.SIGTERM, _raise_terminated)
    signal.signal(signal.SIGINT, _raise_terminated)


def ignore_signals() -> None:
    """Ignore SIGTERM/SIGINT (for the last bookkeeping before exit)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def die_by_signal(signum: int) -> None:
    """End the process the way an unhandled signal would (the parent sees ``-signum``)."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    time.sleep(1.0)  # the signal is delivered before this returns


def process_age() -> float:
    """Seconds since this process started (interpreter start-up included, when /proc tells)."""
    try:
        with open("/proc/self/stat", "rb") as fh:
            stat = fh.read()
        start_ticks = int(stat[stat.rindex(b")") + 2 :].split()[19])  # field 22: starttime
        # starttime is rounded down to a clock tick: count from the tick's end, never too early
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - (start_ticks + 1) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        age = -1.0
    if 0.0 <= age < 3600.0:
        return max(age, time.monotonic() - _IMPORTED_AT)
    return time.monotonic() - _IMPORTED_AT


def sleep_until_age(seconds: float) -> None:
    """Sleep until the process is ``seconds`` old (models the real tool's start-up latency)."""
    remaining = seconds - process_age()
    if remaining > 0:
        time.sleep(remaining)
