"""The docs stay true: every function the data paths of docs/ARCHITECTURE.md name exists, and no
file of the repository points at a file outside it (a clone would not have it)."""

from __future__ import annotations

import importlib
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
DOTTED = re.compile(r"`((?:errbot_zalouser|errbot)(?:\.\w+)+)`")

#: Words that only ever name something outside the repository: the reference notes this project
#: was written from, and the shared folders of the machines it was written on.
OUTSIDE = ("zca-cli.md", "openclaw-semantics.md", "openzca-0.1.58.md", "errbot-notes.md", "style.md",
           "shared/reference", "/work/", "seed-era")


def data_path_names(text: str) -> list[str]:
    """The dotted names in the "two data paths" section."""
    section = text.split("## The two data paths", 1)[1].split("\n## ", 1)[0]
    return DOTTED.findall(section)


def resolve(dotted: str) -> Any:
    """Import the longest module prefix of ``dotted`` and look the rest up as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ModuleNotFoundError(dotted)


def test_every_function_of_the_data_paths_exists():
    names = data_path_names(ARCHITECTURE.read_text(encoding="utf-8"))
    assert len(names) > 50
    missing = []
    for name in names:
        try:
            resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert missing == []


@pytest.mark.parametrize("name", [
    "errbot_zalouser.transport.listener.Listener._no_such_step",
    "errbot_zalouser.transport.no_such_module.run",
])
def test_a_renamed_function_is_caught(name):
    with pytest.raises((ImportError, AttributeError)):
        resolve(name)


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30)
    paths = [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    return [p for p in paths if p.is_file() and not p.is_symlink() and p.suffix not in (".png", ".jpg")]


def outside_references(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in OUTSIDE if word in lowered]


def test_no_file_points_outside_the_repository():
    files = tracked_text_files()
    assert len(files) > 200
    found = {}
    for path in files:
        if path == Path(__file__).resolve():
            continue  # this file names the words it looks for
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        words = outside_references(text)
        if words:
            found[str(path.relative_to(ROOT))] = words
    assert found == {}


def test_the_check_sees_an_outside_reference():
    assert outside_references("see ../shared/reference/zca-cli.md section 3") == ["zca-cli.md", "shared/reference"]
    assert outside_references("Seed-era semantics") == ["seed-era"]
    assert outside_references("docs/zca-contract.md and docs/glossary.md") == []
