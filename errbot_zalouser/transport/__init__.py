"""The `zca` transport: process runner, safe argv, tolerant parsing, typed client, listener.

Nothing here imports errbot; the layer can be used and tested on its own.
"""

from __future__ import annotations

from errbot_zalouser.transport.argv import build_args, option
from errbot_zalouser.transport.client import TIMEOUTS, ZcaClient
from errbot_zalouser.transport.listener import (
    Listener,
    ListenerSettings,
    ListenerState,
    ListenerStats,
)
from errbot_zalouser.transport.parsing import extract_message_id, parse_json_output, strip_ansi
from errbot_zalouser.transport.runner import CliRunner, CompletedRun

__all__ = [
    "TIMEOUTS",
    "CliRunner",
    "CompletedRun",
    "Listener",
    "ListenerSettings",
    "ListenerState",
    "ListenerStats",
    "ZcaClient",
    "build_args",
    "extract_message_id",
    "option",
    "parse_json_output",
    "strip_ansi",
]
