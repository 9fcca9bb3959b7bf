"""A fake transport for running the backend in-process: `zca` without a process, and a listener
the test feeds.

- ``InProcessZca`` is a transport ``Runner``: each call runs zca-sim's own argv parsing and
  command handler in this process, on the simulator's state folder, so output, exit codes and
  the sent log are the simulator's (no fault latency: that is modelled per process).
- ``FakeListener`` stands where ``transport.listener.Listener`` does. The service starts and
  stops it; the test connects it and delivers listen-event dicts (from zca-sim's event builders)
  through ``InboundEvent.from_json``, as the real listener does with each JSON line.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from errbot_zalouser.model import Inbound, InboundEvent, InboundReaction
from errbot_zalouser.simulator import cli as sim_cli
from errbot_zalouser.transport.listener import ListenerSettings, ListenerState, ListenerStats
from errbot_zalouser.transport.runner import CompletedRun


class InProcessZca:
    """Runs one-shot `zca` commands in-process on zca-sim's state folder ``home``."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.commands: list[str] = []  # "msg send", "me info"... in call order

    def run(self, args: Sequence[str], *, timeout: float | None) -> CompletedRun:
        if "listen" in args and "--help" not in args:
            raise AssertionError("InProcessZca runs one-shot commands only; the listener is FakeListener")
        out, err = io.StringIO(), io.StringIO()
        call: dict[str, Any] = {}
        started = time.monotonic()
        code = sim_cli.run(list(args), self.home, call, out, err)
        self.commands.append(call.get("command", ""))
        return CompletedRun(("zca", *args), code, out.getvalue(), err.getvalue(), time.monotonic() - started)


class FakeListener:
    """Built by the service like ``Listener(executable, profile, on_event, on_state=, settings=, env=, name=)``."""

    def __init__(self, executable: str, profile: str, on_event: Callable[[Inbound], None], *,
                 on_state: Callable[[ListenerState, str], None] | None = None,
                 settings: ListenerSettings | None = None, env: Mapping[str, str] | None = None,
                 name: str = "default") -> None:
        self.profile = profile
        self.name = name
        self.settings = settings or ListenerSettings()
        self.env = dict(env or {})
        self._on_event = on_event
        self._on_state = on_state
        self._stats = ListenerStats()
        self.started = threading.Event()

    def start(self) -> None:
        self._set_state(ListenerState.STARTING)
        self.started.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._set_state(ListenerState.STOPPED)

    @property
    def stats(self) -> ListenerStats:
        return self._stats

    # --- what a test does -----------------------------------------------------------------

    def connect(self) -> None:
        """The child printed its connected banner."""
        self._set_state(ListenerState.CONNECTED)

    def deliver(self, event: Mapping[str, Any]) -> None:
        """One JSON line of `zca listen -r`, already decoded."""
        self._on_event(InboundEvent.from_json(event))

    def deliver_reaction(self, reaction: Mapping[str, Any]) -> None:
        """A reaction, as the zca-js engine's listener reports one."""
        self._on_event(InboundReaction.from_json(reaction))

    def _set_state(self, state: ListenerState, detail: str = "") -> None:
        self._stats = replace(self._stats, state=state)
        if self._on_state is not None:
            self._on_state(state, detail)


def listener_factory() -> tuple[Callable[..., FakeListener], list[FakeListener]]:
    """A factory for ``ZalouserService(listener_factory=...)`` and the list of listeners it made."""
    made: list[FakeListener] = []

    def make(*args: Any, **kwargs: Any) -> FakeListener:
        listener = FakeListener(*args, **kwargs)
        made.append(listener)
        return listener

    return make, made
