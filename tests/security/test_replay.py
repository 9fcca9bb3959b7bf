"""Issue 12, item 6: a replayed message does not run twice, and an old one does not run as new.

Listener lines go through the real line handler of ``transport.listener.Listener`` (no child
process) into the real service's ``admit``, as they do in the bot. The same message id comes
back after 5,001 other events, after a restart of the service on the same data folder, and an
event stamped three days ago arrives: none is dispatched, each is counted in status.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from errbot_zalouser.model import InboundEvent
from errbot_zalouser.simulator import events
from errbot_zalouser.transport.listener import LineBuffer, Listener, ListenerSettings, Session
from tests.faults.harness import Harness

FRIEND = "6634210987765540123"
REPLAYED = "7645528516660"
DAY = 86400.0


def _pipeline(h: Harness) -> tuple[Callable[..., None], list[str]]:
    """``say(msg_id, text, timestamp=None)`` feeds one listen line; returns it and the dispatched texts."""
    dispatched: list[str] = []

    def on_event(event: InboundEvent) -> None:
        if h.service.admit("default", event).dispatch:
            dispatched.append(event.content)

    listener = Listener("/nonexistent/zca", "default", on_event, settings=ListenerSettings(), name="replay")
    session = Session(child=None, started=0.0, last_output=0.0, lines=LineBuffer(1_048_576))

    def say(msg_id: str, text: str, timestamp: float | None = None) -> None:
        stamp = h.clock.now if timestamp is None else timestamp
        line = json.dumps(events.dm_event(FRIEND, text, msg_id=msg_id, cli_msg_id=str(int(stamp * 1000)),
                                          timestamp=stamp))
        listener._feed(session, (line + "\n").encode())

    return say, dispatched


def test_the_same_message_after_5001_other_events_is_not_run_again(make_service):
    h: Harness = make_service({"dmPolicy": "allowlist", "allowFrom": [FRIEND]})
    say, dispatched = _pipeline(h)
    say(REPLAYED, "!deploy production")
    for n in range(5001):
        h.clock.advance(0.01)
        say(str(8_000_000_000_000 + n), f"chat {n}")
    h.clock.advance(0.01)
    say(REPLAYED, "!deploy production")
    assert dispatched.count("!deploy production") == 1 and len(dispatched) == 5002
    [status] = h.service.status()
    assert status.replayed_events == 1


def test_an_event_stamped_three_days_ago_is_dropped_and_counted(make_service):
    h: Harness = make_service({"dmPolicy": "allowlist", "allowFrom": [FRIEND]})
    say, dispatched = _pipeline(h)
    say("7645528516661", "!deploy production", timestamp=h.clock.now - 3 * DAY)
    say("7645528516662", "fresh")
    assert dispatched == ["fresh"]
    [status] = h.service.status()
    assert status.old_events == 1


def test_the_dedupe_window_survives_a_restart(make_service, tmp_path):
    first: Harness = make_service({"dmPolicy": "allowlist", "allowFrom": [FRIEND]}, data_dir=tmp_path / "bot")
    say, dispatched = _pipeline(first)
    say(REPLAYED, "!deploy production")
    assert dispatched == ["!deploy production"]
    first.service.stop()

    again: Harness = make_service({"dmPolicy": "allowlist", "allowFrom": [FRIEND]}, data_dir=tmp_path / "bot")
    again.clock.now = first.clock.now + 60  # a minute later, a new process
    say, dispatched = _pipeline(again)
    say(REPLAYED, "!deploy production", timestamp=first.clock.now)
    say("7645528516663", "new")
    assert dispatched == ["new"]
