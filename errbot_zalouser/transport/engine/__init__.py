"""The persistent zca-js engine: one long-lived Node process per account, one Zalo session for
listening and sending (docs/engine-protocol.md).

``Engine`` runs and supervises the process; ``EngineClient`` and ``EngineListener`` offer the CLI
``ZcaClient``'s and ``Listener``'s surface on top of it; ``install.install_engine`` puts the pinned
zca-js into a folder of ours. Nothing here imports errbot, and nothing starts at import time.
"""

from __future__ import annotations

from errbot_zalouser.transport.engine.client import EngineClient
from errbot_zalouser.transport.engine.engine import Engine, EngineSettings, EngineState, EngineStats
from errbot_zalouser.transport.engine.install import default_folder, install_engine, pinned_version, zca_js_dir
from errbot_zalouser.transport.engine.listener import EngineListener
from errbot_zalouser.transport.engine.protocol import MentionRange, StyleRange

__all__ = [
    "Engine",
    "EngineClient",
    "EngineListener",
    "EngineSettings",
    "EngineState",
    "EngineStats",
    "MentionRange",
    "StyleRange",
    "default_folder",
    "install_engine",
    "pinned_version",
    "zca_js_dir",
]
