"""The errbot config file the CLI commands read (``-c``, default ./config.py).

An explicit ``-c`` that names no file is an error. Without ``-c`` and without ./config.py the
commands use defaults: the default account and profile, the `zca` on PATH (or $ZALOUSER_ZCA),
and ./data as the data folder (``run`` starts the simulator demo instead).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from errbot_zalouser.errors import ZalouserError

DEFAULT = "config.py"


class ConfigFileError(ZalouserError):
    """The config file named on the command line is missing or cannot be loaded."""


@dataclass(frozen=True)
class BotConfig:
    """errbot's config module (or defaults); ``path`` is None when no file was read."""

    module: Any
    path: Path | None

    @property
    def data_dir(self) -> Path:
        return Path(self.module.BOT_DATA_DIR)


def find(explicit: str | None) -> Path | None:
    """The config file to read: the one given (ConfigFileError when missing), else ./config.py if any."""
    if explicit is None:
        default = Path(DEFAULT)
        return default if default.is_file() else None
    path = Path(explicit).expanduser()
    if not path.is_file():
        what = "is a folder, not" if path.is_dir() else "does not exist: no such"
        raise ConfigFileError(f"{explicit} {what} errbot config file; give the path of your config.py with -c, "
                              "or write one with `python -m errbot_zalouser init`")
    return path


def load(explicit: str | None) -> BotConfig:
    """Read the config file ``find`` picks, or defaults when there is none."""
    path = find(explicit)
    if path is None:
        zca = os.environ.get("ZALOUSER_ZCA", "zca")
        return BotConfig(SimpleNamespace(ZALOUSER_ZCA=zca, BOT_DATA_DIR=str(Path("data").resolve())), None)
    spec = importlib.util.spec_from_file_location("errbot_config", path)
    assert spec is not None and spec.loader is not None  # a file path always gives a loader
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # any error in the user's file becomes one line
        raise ConfigFileError(f"{path} cannot be loaded: {type(exc).__name__}: {exc}") from exc
    if not getattr(module, "BOT_DATA_DIR", None):
        raise ConfigFileError(f"{path} sets no BOT_DATA_DIR; errbot needs it (the folder the bot keeps its data in)")
    return BotConfig(module, path)
