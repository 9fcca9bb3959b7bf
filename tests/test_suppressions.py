"""Every ``# noqa`` and ``# type: ignore`` names what it silences and says why, on the same line.

Accepted: ``# noqa: BLE001 - a callback bug must not kill the listener`` and
``# type: ignore[attr-defined]  # errbot sets it at run time``. A bare ``# noqa``, one without a
reason, or a ``type: ignore`` without an error code fails.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("errbot_zalouser", "plugins", "tests", "bench")

_NOQA = re.compile(r"#\s*noqa\b(?P<rest>.*)", re.I)
_NOQA_OK = re.compile(r"^:\s*[A-Z]+[0-9]+(\s*,\s*[A-Z]+[0-9]+)*\s+-\s+\S.*$")
_IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<rest>.*)")
_IGNORE_OK = re.compile(r"^\[[a-z0-9-]+(\s*,\s*[a-z0-9-]+)*\]\s*(#|-)\s*\S.*$")


def unexplained(source: str) -> list[tuple[int, str]]:
    """(line, comment) for each suppression comment that lacks a code or a reason."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        text = token.string
        for pattern, ok in ((_NOQA, _NOQA_OK), (_IGNORE, _IGNORE_OK)):
            match = pattern.search(text)
            if match and not ok.match(match.group("rest").strip()):
                found.append((token.start[0], text))
    return found


def python_files() -> list[Path]:
    return sorted(p for top in CHECKED for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts)


def test_every_suppression_says_what_and_why():
    files = python_files()
    assert len(files) > 150
    bad = [f"{path.relative_to(ROOT)}:{line}: {text}" for path in files
           for line, text in unexplained(path.read_text(encoding="utf-8"))]
    assert bad == []


@pytest.mark.parametrize("line", [
    "x = 1  # noqa\n",
    "x = 1  # noqa: E741\n",
    "x = 1  # noqa: E741 -\n",
    "x = 1  # type: ignore\n",
    "x = 1  # type: ignore[attr-defined]\n",
])
def test_a_suppression_without_code_or_reason_is_caught(line):
    assert unexplained(line) == [(1, line.split("  ", 1)[1].strip())]


@pytest.mark.parametrize("line", [
    "O = Option  # noqa: E741 - one-letter aliases keep the table readable\n",
    "x = 1  # noqa: B008, B006 - frozen defaults\n",
    "x = f()  # type: ignore[no-any-return]  # the library is untyped\n",
    'text = "# noqa"  # a string that mentions it is no comment\n',
])
def test_an_explained_suppression_passes(line):
    assert unexplained(line) == []
