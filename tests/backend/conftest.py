"""The real ZalouserBackend in this process: errbot's plugin manager and Memory storage wired as
errbot's ``setup_bot`` wires them, the real ZalouserService behind it, and the fake transport of
``tests/fake_transport.py`` under the service (no subprocess anywhere).

``serve_once`` runs on a thread, as errbot's main loop would run it; the test feeds listen-event
dicts through the fake listener and reads what reached the ``BackendRecorder`` plugin and what
zca-sim recorded as sent.
"""

from __future__ import annotations

import functools
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from errbot.bootstrap import bot_config_defaults, get_storage_plugin
from errbot.plugin_manager import BotPluginManager
from errbot.repo_manager import BotRepoManager

from errbot_zalouser.backend.backend import ZalouserBackend
from errbot_zalouser.service.service import ZalouserService
from errbot_zalouser.simulator import seed
from errbot_zalouser.simulator.control import SimControl
from tests.fake_transport import FakeListener, InProcessZca, listener_factory

RECORDER_DIR = str(Path(__file__).resolve().parent / "plugins")
ADMIN = "2947718306652210431"  # Nguyễn Văn An, a friend of the simulated account
FRIEND = "6634210987765540123"  # Alice Smith
STRANGER = seed.STRANGER_ID
WORK_CHAT = "7031928374650192837"
OTHER_GROUP = "7031928374650190000"
FAST_OUTBOUND = {"ratePerSecond": 50, "burst": 100, "retryBaseSeconds": 0.01, "retryMaxSeconds": 0.05}
ZALOUSER = {
    "dmPolicy": "pairing",
    "allowFrom": [FRIEND],
    "groupPolicy": "allowlist",
    "groups": {WORK_CHAT: {"allow": True}},
    "outbound": FAST_OUTBOUND,
}


def bot_config(data_dir: Path, zalouser: dict[str, Any]) -> SimpleNamespace:
    config = SimpleNamespace(
        BOT_DATA_DIR=str(data_dir),
        BOT_EXTRA_PLUGIN_DIR=RECORDER_DIR,
        ZALOUSER_COMPANION_PLUGINS=False,  # only the recorder: these tests are about the backend
        BOT_ADMINS=(f"zalouser:{ADMIN}",),
        CORE_PLUGINS=(),
        STORAGE="Memory",
        AUTOINSTALL_DEPS=False,
        BOT_PLUGIN_INDEXES=(),
        ZALOUSER=zalouser,
    )
    bot_config_defaults(config)
    return config


def attach_errbot(bot: ZalouserBackend, config: SimpleNamespace) -> None:
    """What errbot's setup_bot does after building the backend: storage, repos, plugins."""
    storage = get_storage_plugin(config)
    plugin_dir = Path(config.BOT_DATA_DIR) / "plugins"
    plugin_dir.mkdir(exist_ok=True)
    bot.attach_storage_plugin(storage)
    bot.attach_repo_manager(BotRepoManager(storage, str(plugin_dir), ()))
    bot.attach_plugin_manager(BotPluginManager(
        storage, config.BOT_EXTRA_PLUGIN_DIR, False, config.CORE_PLUGINS,
        lambda name, clazz: clazz(bot, name), (None,),
    ))
    bot.initialize_backend_storage()
    errors = bot.plugin_manager.update_plugin_places([])
    assert not errors, errors


@dataclass
class Harness:
    bot: ZalouserBackend
    sim: SimControl
    zca: InProcessZca
    listeners: list[FakeListener]

    @property
    def listener(self) -> FakeListener:
        return self.listeners[0]

    @property
    def recorder(self) -> Any:
        return self.bot.plugin_manager.get_plugin_obj_by_name("BackendRecorder")

    def feed(self, *events: dict[str, Any]) -> None:
        for event in events:
            self.listener.deliver(event)

    def wait_messages(self, count: int, timeout: float = 10.0) -> list[Any]:
        """The first ``count`` messages the plugin received (AssertionError if fewer arrive)."""
        return self._wait(lambda: self.recorder.messages, count, timeout)

    def wait_mentions(self, count: int, timeout: float = 10.0) -> list[Any]:
        return self._wait(lambda: self.recorder.mentions, count, timeout)

    def wait_reactions(self, count: int, timeout: float = 10.0) -> list[Any]:
        return self._wait(lambda: self.recorder.reactions, count, timeout)

    def _wait(self, rows: Callable[[], list[Any]], count: int, timeout: float) -> list[Any]:
        deadline = time.monotonic() + timeout
        with self.recorder.changed:
            while len(rows()) < count and time.monotonic() < deadline:
                self.recorder.changed.wait(min(0.1, max(0.0, deadline - time.monotonic())))
            got = list(rows())
        assert len(got) >= count, f"expected {count} callback(s), got {len(got)}: {got!r}"
        return got[:count]

    def sent_to(self, thread_id: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The first ``count`` messages zca-sim sent to ``thread_id``."""
        deadline = time.monotonic() + timeout
        rows: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            rows = [r for r in self.sim.sent() if r.get("threadId") == thread_id]
            if len(rows) >= count:
                return rows[:count]
            time.sleep(0.02)
        raise AssertionError(f"expected {count} message(s) sent to {thread_id}, got {rows!r}")


def _build(tmp_path: Path, sim: SimControl, zalouser: dict[str, Any]) -> tuple[ZalouserBackend, InProcessZca, list]:
    zca = InProcessZca(sim.home)
    make_listener, listeners = listener_factory()
    data = tmp_path / "data"
    data.mkdir(parents=True)
    config = bot_config(data, zalouser)
    factory = functools.partial(ZalouserService.from_bot_config, runner=zca, listener_factory=make_listener)
    bot = ZalouserBackend(config, service_factory=factory)
    attach_errbot(bot, config)
    return bot, zca, listeners


@pytest.fixture
def make_harness(tmp_path: Path, sim: SimControl) -> Iterator[Callable[..., Harness]]:
    """``make(zalouser=ZALOUSER, serve=True)``: a backend whose dispatch loop runs on a thread
    (started with ``serve``); stopped and shut down at the end of the test."""
    running: list[tuple[ZalouserBackend, threading.Thread | None]] = []
    sigint = signal.getsignal(signal.SIGINT)

    def make(zalouser: dict[str, Any] | None = None, serve: bool = True) -> Harness:
        bot, zca, listeners = _build(tmp_path / f"bot{len(running)}", sim, zalouser or ZALOUSER)
        loop = threading.Thread(target=bot.serve_once, name="test-serve-once", daemon=True) if serve else None
        running.append((bot, loop))
        if loop is not None:
            loop.start()
            deadline = time.monotonic() + 10
            while not listeners and time.monotonic() < deadline:
                time.sleep(0.01)
            assert listeners and listeners[0].started.wait(10), "the service started no listener"
        return Harness(bot, sim, zca, listeners)

    yield make
    for bot, loop in running:
        bot.stop_serving()
        if loop is not None:
            loop.join(timeout=10)
        bot.shutdown()
        bot.thread_pool.close()
        bot.thread_pool.join()
    signal.signal(signal.SIGINT, sigint)  # shutdown() on the main thread ignores SIGINT during cleanup
