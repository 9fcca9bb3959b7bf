"""The service, in this process, with an account on the zca-js engine (the real engine program under
Node, over the zca-js stand-in): start-up checks and their one-line errors, replies shaped by the
engine's capabilities, and the order of shutdown. The whole bot on the engine is tests/e2e's.

Skipped, saying why, where Node.js 18+ is not installed (the ``node`` fixture).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.model import InboundEvent, Target
from errbot_zalouser.richtext.markdown import from_markdown
from errbot_zalouser.richtext.plain import plain_form
from errbot_zalouser.service.service import StartupError, ZalouserService
from errbot_zalouser.transport.engine.client import ENGINE_KIND
from tests.fake_transport import InProcessZca
from tests.transport.conftest import pid_alive, wait_until
from tests.transport.engine.fakezca import FakeZca

ADMIN = "2947718306652210431"
FRIEND = "6634210987765540123"  # Alice Smith
WORK_CHAT = "7031928374650192837"
FAST = {"ratePerSecond": 50, "burst": 50, "retryBaseSeconds": 0.05, "retryMaxSeconds": 0.2}

Make = Callable[..., ZalouserService]


@pytest.fixture
def make_service(node: str, fake: FakeZca, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Make]:
    """``make(block=None, notify_admins=None, **zca_js)`` -> a ZalouserService whose account runs on the
    engine over ``fake``.
    Its `zca` runner is in-process zca-sim on an empty folder, recording every command (there
    should be none)."""
    monkeypatch.setenv("FAKE_ZCA_HOME", str(fake.state_dir))
    made: list[ZalouserService] = []

    def make(block: dict[str, Any] | None = None, notify_admins: Callable[[str], None] | None = None,
             **zca_js: str) -> ZalouserService:
        settings = parse_channel_block({
            "engine": "zca-js", "outbound": FAST,
            "zcaJs": {"package": fake.module, "node": node, "openzcaHome": str(fake.openzca_home), **zca_js},
            "listener": {"backoffInitialSeconds": 0.1, "backoffMaxSeconds": 0.3},
            **(block or {})}, zca="zca", env={})
        service = ZalouserService(settings, tmp_path / f"data{len(made)}", runner=InProcessZca(tmp_path / "no-zca"),
                                  notify_admins=notify_admins)
        made.append(service)
        return service

    yield make
    for service in made:
        service.stop(timeout=3.0)


def zca_commands(service: ZalouserService) -> list[str]:
    runner = service._runner
    assert isinstance(runner, InProcessZca)
    return runner.commands


def test_preflight_logs_in_once_through_the_engine_and_never_runs_zca(make_service, fake):
    service = make_service()
    service.preflight()
    assert service.self_user().user_id == fake.me["userId"]
    assert len(fake.logins()) == 1 and zca_commands(service) == []
    [status] = service.status(probe=True)
    assert status.zca_kind == ENGINE_KIND and status.logged_in is True and status.probe.ok
    assert status.zca_version.startswith("zca-js ") and status.warnings == ()  # version and capabilities agree
    assert len(fake.logins()) == 1


@pytest.mark.parametrize(
    ("prepare", "zca_js", "expected"),
    [
        (lambda fake: fake.set_logged_in(False), {},
         "is not logged in: run `python -m errbot_zalouser login --account default` and scan the QR code"),
        (lambda fake: None, {"node": "/nonexistent/node"},
         "cannot run '/nonexistent/node'"),
        (lambda fake: fake.credentials_path.unlink(), {}, "is not logged in"),
    ],
    ids=["refused-login", "no-node", "no-credentials"],
)
def test_preflight_failures_are_one_line_naming_the_fix(make_service, fake, prepare, zca_js, expected):
    prepare(fake)
    service = make_service(**zca_js)
    with pytest.raises(StartupError) as err:
        service.preflight()
    assert expected in str(err.value) and "\n" not in str(err.value)
    if "node" in zca_js:
        assert "python -m errbot_zalouser engine install" in str(err.value)
        assert "zca executable" not in str(err.value)  # not mistaken for a missing `zca`


def test_events_arrive_named_by_account_and_replies_go_as_ranges(make_service, fake):
    service = make_service({"groupPolicy": "open"})
    service.preflight()
    events: list[tuple[str, InboundEvent]] = []
    connected = threading.Event()
    service.start(lambda account, event: events.append((account, event)),
                  lambda account, change: connected.set() if change.connected else None)
    assert connected.wait(15)
    fake.inject_dm(ADMIN, "hello engine")
    assert wait_until(lambda: events, 10)
    assert events[0][0] == "default" and events[0][1].content == "hello engine"

    service.send_markdown(None, Target(ADMIN), "**Done**: see `a_b*c` and *this*")
    service.send_text(None, Target(WORK_CHAT, is_group=True), "have a look", mentions=[FRIEND])
    assert service.drain(15)
    dm, group = fake.wait_sent(2)
    assert dm["text"] == "Done: see a_b*c and this"
    assert {(dm["text"][s["start"]:s["start"] + s["len"]], s["st"]) for s in dm["styles"]} == {("Done", "b"), ("this", "i")}
    assert (group["text"], group["mentions"]) == ("@Alice Smith have a look", [{"pos": 0, "len": 12, "uid": FRIEND}])
    assert zca_commands(service) == []


def test_stop_sends_what_is_queued_before_ending_the_engine(make_service, fake):
    service = make_service()
    service.preflight()
    service.start(lambda account, event: None)
    fake.set_latency(300)
    pid = service.accounts.get(None).client.engine.pid
    service.send_text(None, Target(ADMIN), "last words")
    service.stop(timeout=5.0)
    assert [row["text"] for row in fake.sent()] == ["last words"]
    assert not pid_alive(pid)
    assert not (fake.openzca_home / "profiles" / fake.profile / "listener-owner.json").exists()


def test_formatting_plain_sends_the_readable_form_without_ranges(make_service, fake):
    service = make_service({"formatting": "plain"})
    service.preflight()
    service.outbox.start()
    markdown = "**Done** and *this*\n\n- a\n- b"
    service.send_markdown(None, Target(ADMIN), markdown)
    assert service.drain(15)
    [row] = fake.wait_sent(1)
    assert (row["text"], row["styles"]) == (plain_form(from_markdown(markdown)).text, [])
    assert "• a" in row["text"]


def test_a_logged_out_engine_account_is_told_once_and_resumes(make_service, fake):
    """The health rules of the `zca` listener hold on the engine: a profile logged out while the
    bot runs is said to the admins once, retried slowly, and said again when it is back."""
    notices: list[str] = []
    service = make_service({"listener": {"backoffInitialSeconds": 0.1, "loggedOutRetrySeconds": 1}},
                           notify_admins=notices.append)
    service.preflight()
    connected = threading.Event()
    service.start(lambda account, event: None, lambda account, change: connected.set() if change.connected else None)
    assert connected.wait(15)
    fake.set_logged_in(False)
    fake.close_connection(3003, "kicked")
    assert wait_until(lambda: any("is logged out" in n for n in notices), 15)
    [status] = service.status()
    assert status.listener_state == "logged_out" and any("errbot_zalouser login" in w for w in status.warnings)
    time.sleep(2.5)
    assert len([n for n in notices if "is logged out" in n]) == 1  # once, however many retries
    fake.set_logged_in(True)
    assert wait_until(lambda: any("is logged in again" in n for n in notices), 15)
