"""Where the block comes from: errbot's ``ZALOUSER`` dict, or the JSON5 file ``ZALOUSER_CONFIG`` names."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import json5

from errbot_zalouser.config.channel import parse_channel_block
from errbot_zalouser.config.readers import Warnings, show, zca_executable
from errbot_zalouser.errors import ConfigError
from errbot_zalouser.settings import Settings


def load_settings(bot_config: object, *, env: Mapping[str, str] | None = None) -> Settings:
    """Read ``ZALOUSER`` / ``ZALOUSER_CONFIG`` / ``ZALOUSER_ZCA`` from errbot's config object.

    Raises ConfigError (never exits). Warnings are returned in ``Settings.warnings``, not logged.
    """
    inline = getattr(bot_config, "ZALOUSER", None)
    path = getattr(bot_config, "ZALOUSER_CONFIG", None)
    if inline is not None and path:
        raise ConfigError("ZALOUSER_CONFIG", "ZALOUSER and ZALOUSER_CONFIG are both set",
                          "keep one of them in config.py: the inline dict or the path of a JSON5 file")
    if path:
        doc, source, key = _read_json5(path), f"file {path}", "ZALOUSER_CONFIG"
    else:
        doc, source, key = inline, "ZALOUSER in config.py", "ZALOUSER"
    block, defaults, notes = _split_document(doc, key, source)
    zca = zca_executable(getattr(bot_config, "ZALOUSER_ZCA", None))
    try:
        settings = parse_channel_block(block, defaults, zca=zca, env=os.environ if env is None else env)
    except ConfigError as exc:
        raise ConfigError(exc.key, f"{exc.problem}; read from {source}", exc.fix) from exc
    return replace(settings, warnings=tuple(notes) + settings.warnings) if notes else settings


def _read_json5(path: object) -> Any:
    if not isinstance(path, (str, os.PathLike)):
        raise ConfigError("ZALOUSER_CONFIG", f"must be a file path, got {show(path)}",
                          'e.g. ZALOUSER_CONFIG = "/etc/errbot/zalouser.json5"')
    file = Path(os.path.expanduser(os.fspath(path)))
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("ZALOUSER_CONFIG", f"cannot read {file}: {exc}",
                          "check the path; a relative path is read from the bot's working directory") from exc
    try:
        return json5.loads(text)
    except ValueError as exc:
        raise ConfigError("ZALOUSER_CONFIG", f"{file} is not valid JSON5: {exc}", "fix the syntax error") from exc


def _split_document(doc: Any, key: str, source: str) -> tuple[Mapping[str, Any], Any, Warnings]:
    """A bare channel block, or a whole OpenClaw config -> (block, channels.defaults, notes)."""
    if doc is None:
        return {}, None, []
    if not isinstance(doc, Mapping):
        raise ConfigError(key, f"must hold an object (a channels.zalouser block), got {show(doc)}",
                          'e.g. {"dmPolicy": "pairing", "allowFrom": []}')
    channels = doc.get("channels")
    if not isinstance(channels, Mapping):
        return doc, None, []
    block = channels.get("zalouser")
    notes = [] if block is not None else [f"{source} has no channels.zalouser section; using the defaults"]
    return block or {}, channels.get("defaults"), notes
