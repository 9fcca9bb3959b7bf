"""The commented config.py a newcomer starts from (``config.py.tmpl``), shipped in the package.

``python -m errbot_zalouser init`` writes it with the admin's id; the simulator demo runs the bot
with it too, so the demo shows what a new installation does.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

CONFIG_TEMPLATE = Path(__file__).resolve().parent / "config.py.tmpl"


def render_config(admin_id: str, *, zca: str = "zca", config_name: str = "config.py") -> str:
    """The template with the admin's Zalo user id, the zca executable and the file's name filled in."""
    return Template(CONFIG_TEMPLATE.read_text(encoding="utf-8")).substitute(
        admin_id=admin_id, zca=repr(zca), config_name=config_name)
