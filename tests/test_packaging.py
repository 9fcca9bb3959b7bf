"""setup.cfg lists its packages by hand: a new subpackage missing there is absent from the wheel."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _listed_packages() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return {line.strip() for line in parser["options"]["packages"].splitlines() if line.strip()}


def _source_packages() -> set[str]:
    found = set()
    for init in (ROOT / "errbot_zalouser").rglob("__init__.py"):
        if "__pycache__" in init.parts:
            continue
        found.add(".".join(init.parent.relative_to(ROOT).parts))
    return found


def test_every_package_under_errbot_zalouser_is_in_setup_cfg() -> None:
    missing = _source_packages() - _listed_packages()
    assert not missing, f"add to [options] packages in setup.cfg: {sorted(missing)}"
