"""errbot-zalouser: run an Errbot bot on a personal Zalo account through `zca`.

``errbot_zalouser.backend_dir()`` and ``errbot_zalouser.plugins_dir()`` name the backend's and the
companion plugins' folders for an errbot config.py.
"""

from __future__ import annotations

from errbot_zalouser.paths import backend_dir, plugins_dir

__version__ = "0.1.0"
__all__ = ["__version__", "backend_dir", "plugins_dir"]
