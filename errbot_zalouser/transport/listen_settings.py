"""The listener's public values: its state, its settings, its counters, its callbacks."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from errbot_zalouser.model import Inbound


class ListenerState(enum.Enum):
    """Where the supervised listener child is in its life cycle."""

    STOPPED = "stopped"
    STARTING = "starting"  # child spawned (or reconnecting), not yet known to be connected
    CONNECTED = "connected"
    BACKOFF = "backoff"  # the child ended; waiting before the next start
    WAITING = "waiting"  # another listener owns the profile (its lock file); retrying slowly
    LOGGED_OUT = "logged_out"  # the profile has no valid session; re-probing slowly until it has
    STOPPING = "stopping"


@dataclass(frozen=True)
class ListenerSettings:
    """Tunables for one Listener. Times are in seconds; None disables a watchdog."""

    max_line_bytes: int = 1_048_576
    dedupe_ttl: float = 1200.0
    dedupe_size: int = 5000
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    backoff_stable_seconds: float = 60.0
    stall_seconds: float | None = 3600.0
    closed_grace_seconds: float = 30.0
    recycle_seconds: float | None = None
    assume_connected_seconds: float = 3.0
    kill_grace: float = 3.0
    # openzca --supervised: lifecycle lines and heartbeats, no internal reconnect (the capability
    # probe turns it on where the binary lists the option); a missed window of
    # heartbeat_misses x heartbeat_seconds recycles the child
    supervised: bool = False
    heartbeat_seconds: float = 30.0
    heartbeat_misses: int = 3
    lock_retry_seconds: float = 30.0  # another listener owns the profile: waits grow from 1 s to this
    logged_out_retry_seconds: float = 30.0  # no session: re-probe this often until a login


@dataclass(frozen=True)
class ListenerStats:
    """A snapshot of one Listener's counters.

    ``lines`` counts every complete line read; ``skipped_lines`` those that were
    neither an event nor a recognised status line (garbage, JSON that is not a
    usable event); ``oversize_lines`` lines discarded for exceeding
    ``max_line_bytes``. ``last_event_at`` and ``connected_at`` are epoch seconds.
    ``last_exit_code`` is negative for a child killed by a signal.
    """

    state: ListenerState = ListenerState.STOPPED
    restarts: int = 0
    last_error: str = ""
    last_exit_code: int | None = None
    lines: int = 0
    events: int = 0
    skipped_lines: int = 0
    oversize_lines: int = 0
    duplicates: int = 0
    last_event_at: float | None = None
    connected_at: float | None = None
    pid: int | None = None
    heartbeat_at: float | None = None  # epoch seconds of the last --supervised heartbeat
    recycles: int = 0  # planned restarts (exit 75, the periodic recycle): not faults


EventCallback = Callable[[Inbound], None]
StateCallback = Callable[[ListenerState, str], None]
