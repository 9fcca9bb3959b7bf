"""An engine's settings, states and counters (frozen values), and the environment its child gets."""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass

from errbot_zalouser.transport.engine.install import ENGINE_SCRIPT


class EngineState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"  # child spawned, no hello yet
    LOGGING_IN = "logging_in"  # hello received, login under way
    READY = "ready"
    BACKOFF = "backoff"  # the child ended; waiting before the next start
    STOPPING = "stopping"


@dataclass(frozen=True)
class EngineSettings:
    """How to run and watch one engine. Times in seconds."""

    zca_js: str  # the zca-js package folder (install.zca_js_dir), or a stand-in module
    node: str = "node"
    script: str = str(ENGINE_SCRIPT)  # the engine program (another copy, or a test stand-in)
    openzca_home: str | None = None  # where `zca auth login` keeps profiles (default: $OPENZCA_HOME, ~/.openzca)
    credentials: str | None = None  # a credentials.json path, overriding the profile's
    lock: bool = True
    start_timeout: float = 20.0  # spawn -> hello (node start-up and loading zca-js)
    login_timeout: float = 45.0  # hello -> login result (the engine gives up itself after 30)
    heartbeat_seconds: float = 15.0
    stall_seconds: float = 60.0  # a ready engine that prints nothing this long is restarted
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    backoff_stable_seconds: float = 60.0
    logged_out_retry_seconds: float = 30.0  # the login was refused: try again this often, not sooner
    lock_retry_seconds: float = 30.0  # another process owns the profile: waits grow from 1 s to this
    kill_grace: float = 3.0
    max_line_bytes: int = 4 * 1024 * 1024
    env: Mapping[str, str] | None = None  # laid over the bot's environment


@dataclass(frozen=True)
class EngineStats:
    """A snapshot of one engine's state and counters. Times are epoch seconds."""

    state: EngineState = EngineState.STOPPED
    pid: int | None = None
    starts: int = 0
    requests: int = 0
    responses: int = 0
    timeouts: int = 0
    lost: int = 0  # requests in flight when a child died
    bad_lines: int = 0
    oversize_lines: int = 0
    unknown_ids: int = 0
    unknown_fields: int = 0
    unknown_events: int = 0
    protocol_errors: int = 0
    stderr_lines: int = 0
    last_error: str = ""
    last_exit_code: int | None = None
    user_id: str = ""
    connected: bool = False
    last_output_at: float | None = None


def _ms(seconds: float) -> str:
    return str(max(1, int(seconds * 1000)))


def child_env(profile: str, settings: EngineSettings) -> dict[str, str]:
    """The engine child's environment: the bot's, its ZALOUSER_ENGINE_* settings, then ``settings.env``."""
    env = dict(os.environ)
    env.update({
        "ZALOUSER_ENGINE_PROFILE": profile,
        "ZALOUSER_ENGINE_ZCA_JS": settings.zca_js,
        "ZALOUSER_ENGINE_LOCK": "1" if settings.lock else "0",
        "ZALOUSER_ENGINE_HEARTBEAT_MS": _ms(settings.heartbeat_seconds),
        "ZALOUSER_ENGINE_DRAIN_MS": _ms(settings.kill_grace * 0.8),  # finish before we stop waiting
        "ZALOUSER_ENGINE_LOGIN_TIMEOUT_MS": _ms(min(settings.login_timeout * 0.9, 30.0)),  # answer before we give up
    })
    if settings.openzca_home:
        env["ZALOUSER_ENGINE_HOME"] = settings.openzca_home
    if settings.credentials:
        env["ZALOUSER_ENGINE_CREDENTIALS"] = settings.credentials
    env.update(settings.env or {})
    return env
