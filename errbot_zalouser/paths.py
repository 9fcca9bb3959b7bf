"""Where the package's errbot folders are: the backend's .plug and the companion plugins."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def backend_dir() -> str:
    """The folder holding zalouser.plug, for errbot's BOT_EXTRA_BACKEND_DIR."""
    return str(_HERE / "plug")


def plugins_dir() -> str:
    """The companion plugins: inside the package when installed from a wheel,
    the repository's top-level plugins/ folder in a checkout or editable install."""
    installed = _HERE / "plugins"
    if installed.is_dir():
        return str(installed)
    return str(_HERE.parent / "plugins")
