"""How one account reaches Zalo: the `zca` tool or the zca-js engine, as its ``engine`` setting says.

This is the one module that reads ``AccountConfig.engine`` (``account_transport``). The rest of
the service (outbox, access control, directory, status) holds an ``AccountTransport`` and uses
only its client (a ``transport.interface.ChatClient``: the client's ``capabilities`` shape every
reply) and the listener it makes (a ``ListenerHandle``):

- ``cli_transport``: a ``ZcaClient`` on the service's runner (one `zca` process per call) and one
  `zca listen` child per account (``transport.listener.Listener``, or a test's factory), both
  with the bot's environment for `zca` (``TOOL_ENV``);
- ``engine_transport``: one ``Engine`` per account, a long-lived Node process started by the first
  call (normally preflight's login check) and shared by its ``EngineClient`` and
  ``EngineListener``; ``close`` ends it, once the outbox no longer needs it. The `zca` tool stays
  the account's way to log in and out (``EngineClient.cli``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from errbot_zalouser.settings import AccountConfig, EngineKind, ListenerConfig, Settings, ZcaJsSettings
from errbot_zalouser.transport.capabilities import TOOL_ENV
from errbot_zalouser.transport.client import Runner, ZcaClient
from errbot_zalouser.transport.engine.client import EngineClient
from errbot_zalouser.transport.engine.engine import Engine, EngineSettings
from errbot_zalouser.transport.engine.install import default_folder, zca_js_dir
from errbot_zalouser.transport.engine.listener import EngineListener
from errbot_zalouser.transport.interface import ChatClient
from errbot_zalouser.transport.listen_settings import EventCallback, ListenerSettings, ListenerStats, StateCallback


class ListenerHandle(Protocol):
    """What the service needs of a running listener (``Listener``, ``EngineListener``, a test fake)."""

    def start(self) -> None: ...

    def stop(self, timeout: float = 5.0) -> None: ...

    @property
    def stats(self) -> ListenerStats: ...


ListenerFactory = Callable[..., ListenerHandle]  # called like transport.listener.Listener
#: ``listen(on_event, on_state, settings, media_env)``; ``media_env`` tells a `zca` listener where to
#: save received files (the engine downloads none: its attachments are URLs).
MakeListener = Callable[[EventCallback, StateCallback, ListenerSettings, Mapping[str, str]], ListenerHandle]


def _nothing_to_close(timeout: float) -> None:
    """A CLI account runs nothing between calls: its listener is stopped on its own."""


@dataclass(frozen=True)
class AccountTransport:
    """One account's way to Zalo: its client, ``listen(on_event, on_state, settings, media_env)``
    making its listener, and ``close(timeout)`` ending what it runs (after the listener and outbox stopped)."""

    kind: EngineKind
    client: ChatClient
    listen: MakeListener
    close: Callable[[float], None] = _nothing_to_close


def account_transport(account: AccountConfig, settings: Settings, runner: Runner, *,
                      listener_factory: ListenerFactory, engines: bool = True) -> AccountTransport:
    """The transport ``account.engine`` names; the `zca` tool for every account when not ``engines``
    (and for a disabled account, which is never started). EngineNotInstalled as ``engine_settings``."""
    timeout = settings.outbound.send_timeout
    if engines and account.enabled and account.engine == EngineKind.ZCA_JS:
        return engine_transport(account, engine_settings(settings.zca_js, settings.listener), send_timeout=timeout,
                                cli=ZcaClient(runner, account.profile))
    return cli_transport(runner, account, zca=settings.zca, send_timeout=timeout, listener_factory=listener_factory)


def cli_transport(runner: Runner, account: AccountConfig, *, zca: str, send_timeout: float | None,
                  listener_factory: ListenerFactory) -> AccountTransport:
    """The `zca` tool: ``runner`` for every call, ``listener_factory(zca, profile, ...)`` for inbound."""
    client = ZcaClient(runner, account.profile, send_timeout=send_timeout)

    def listen(on_event: EventCallback, on_state: StateCallback, settings: ListenerSettings,
               media_env: Mapping[str, str]) -> ListenerHandle:
        return listener_factory(zca, account.profile, on_event, on_state=on_state, settings=settings,
                                env={**TOOL_ENV, **media_env}, name=account.account_id)

    return AccountTransport(EngineKind.CLI, client, listen)


def listener_settings(cfg: ListenerConfig, *, supervised: bool) -> ListenerSettings:
    """The ``listener`` block as the transport's listener settings (an engine uses what applies);
    ``supervised``: the probed `zca` has `listen --supervised` with heartbeats."""
    return ListenerSettings(
        stall_seconds=cfg.stall_seconds,
        closed_grace_seconds=cfg.closed_grace_seconds,
        recycle_seconds=cfg.recycle_seconds,
        backoff_initial=cfg.backoff_initial_seconds,
        backoff_max=max(cfg.backoff_max_seconds, cfg.backoff_initial_seconds),
        supervised=supervised,
        heartbeat_seconds=cfg.heartbeat_seconds,
        logged_out_retry_seconds=cfg.logged_out_retry_seconds,
        lock_retry_seconds=cfg.lock_retry_seconds,
    )


def engine_settings(zca_js: ZcaJsSettings, listener: ListenerConfig) -> EngineSettings:
    """The engine's settings from the ``zcaJs`` block; its restarts follow ``listener``'s backoff
    and its slow retries while logged out or locked out.

    EngineNotInstalled (naming the command that fixes it) when no ``package`` is given and the
    install folder holds no zca-js of the pinned version.
    """
    package = zca_js.package or str(zca_js_dir(zca_js.install_folder or default_folder()))
    return EngineSettings(zca_js=package, node=zca_js.node, openzca_home=zca_js.openzca_home,
                          backoff_initial=listener.backoff_initial_seconds,
                          backoff_max=max(listener.backoff_max_seconds, listener.backoff_initial_seconds),
                          logged_out_retry_seconds=listener.logged_out_retry_seconds,
                          lock_retry_seconds=listener.lock_retry_seconds)


def engine_transport(account: AccountConfig, settings: EngineSettings, *, send_timeout: float | None,
                     cli: ZcaClient) -> AccountTransport:
    """The zca-js engine: one ``Engine`` for the account's client and listener (not started here)."""
    engine = Engine(account.profile, settings, name=account.account_id)
    client = EngineClient(engine, account.profile, send_timeout=send_timeout, cli=cli)

    def listen(on_event: EventCallback, on_state: StateCallback, listener_settings: ListenerSettings,
               media_env: Mapping[str, str]) -> ListenerHandle:
        return EngineListener(engine, account.profile, on_event, on_state=on_state, settings=listener_settings,
                              name=account.account_id)

    return AccountTransport(EngineKind.ZCA_JS, client, listen, engine.stop)
