"""The markers checked against a real openzca (opt-in: ``ZALOUSER_REAL_ZCA`` names one, 0.1.45+).

Each case is written with ``to_markers`` and given to the real ``msg analyze-text -j`` (offline:
no login for a user thread), with a throw-away ``OPENZCA_HOME``; what the tool says the chat
will show must be the StyledText, as tests/transport/test_markers.py expects it of the model.
The cases: the literals of issue 10's "Done means", the styled table, errbot's own replies, a
card, fenced code and Vietnamese text, and a slice of random cases.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from errbot_zalouser.richtext.markdown import from_markdown
from errbot_zalouser.richtext.styled import INDENT, StyledText, StyleRange
from errbot_zalouser.transport.markers import NotExpressible, to_markers
from tests.transport.test_markers import LITERALS, MARKDOWN, STYLED_CASES, expected

REAL_ZCA = os.environ.get("ZALOUSER_REAL_ZCA", "")
THREAD = "2947718306652210431"

pytestmark = pytest.mark.skipif(
    not REAL_ZCA, reason="set ZALOUSER_REAL_ZCA to a real `zca` (openzca 0.1.45 or later) to run these")


def real_chat(tmp_path: Path, markers: str) -> tuple[str, list[frozenset[str]]]:
    """What the real tool says the chat shows for ``markers``: text and each character's styles."""
    home = tmp_path / "openzca-home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENZCA_", "ZCA_"))} | {"OPENZCA_HOME": str(home)}
    done = subprocess.run([REAL_ZCA, "msg", "analyze-text", "-j", "--", THREAD, markers], capture_output=True,
                          text=True, encoding="utf-8", errors="surrogateescape", stdin=subprocess.DEVNULL, env=env,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)["payloadObject"]
    text = payload["msg"]
    units = text.encode("utf-16-le")
    per_unit: list[set[str]] = [set() for _ in range(len(units) // 2)]
    for style in payload.get("styles") or []:
        name = f"ind_{style['indentSize']}" if style["st"] == INDENT else style["st"]
        for index in range(style["start"], style["start"] + style["len"]):
            per_unit[index].add(name)
    chars, position = [], 0
    for ch in text:
        chars.append(frozenset(per_unit[position]))
        position += 2 if ord(ch) > 0xFFFF else 1
    return text, chars


def _random_cases(count: int) -> list[StyledText]:
    rng = random.Random(10)
    alphabet = [*"ab1. \t*_~#\\{}>+-`[]xé👍", "\n", "{red}", "```"]
    cases = []
    for _ in range(count):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        styles = []
        for _ in range(rng.randint(0, 5)):
            start = rng.randrange(len(text))
            styles.append(StyleRange(start, rng.randint(1, len(text) - start),
                                     rng.choice(["b", "i", "s", "c_db342e", "f_18", "u"])))
        cases.append(StyledText(text, tuple(styles)))
    return cases


CASES = {**{f"literal {i}": StyledText(t.replace("\x01", "\ufffd")) for i, t in enumerate(LITERALS)},
         **STYLED_CASES, **{name: from_markdown(md) for name, md in MARKDOWN.items()},
         **{f"random {i}": s for i, s in enumerate(_random_cases(60))}}


@pytest.mark.parametrize("styled", CASES.values(), ids=CASES.keys())
def test_the_real_tool_shows_what_was_meant(tmp_path: Path, styled: StyledText) -> None:
    try:
        markers = to_markers(styled)
    except NotExpressible:
        pytest.skip("sent with --raw")
    assert real_chat(tmp_path, markers) == (styled.text, expected(styled))
