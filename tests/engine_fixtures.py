"""Fixtures for every test that runs the zca-js engine program (a pytest plugin: tests/conftest.py
loads it, so the engine tests in tests/transport/engine, tests/service and tests/e2e share them).

``node``: the path of a usable Node.js 18+, or the test is skipped saying why (CI has it).
``fake``: a logged-in account of the zca-js stand-in (tests/transport/engine/fake_zca), with the
simulator's default seed, driven by ``FakeZca``.
``www`` and ``web``: a folder, and the base URL of a web server on 127.0.0.1 serving it (media
the engine fetches by URL).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from errbot_zalouser.errors import EngineNotInstalled
from errbot_zalouser.transport.engine.install import node_version
from tests.transport.engine.fakezca import FakeZca

NO_NODE = "Node.js 18+ is not installed here: the zca-js engine tests need `node` on PATH (CI has it)"


@pytest.fixture(scope="session")
def node() -> str:
    """The path of a usable `node`, or the test is skipped with the reason."""
    try:
        node_version("node")
    except EngineNotInstalled as exc:
        pytest.skip(f"{NO_NODE} ({exc})")
    found = shutil.which("node")
    assert found
    return found


@pytest.fixture
def fake(tmp_path: Path) -> FakeZca:
    """A logged-in fake account with the simulator's default seed."""
    return FakeZca.create(tmp_path / "fakezca")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # `format`: the base class's name
        pass


@pytest.fixture
def www(tmp_path: Path) -> Path:
    """The folder ``web`` serves (empty)."""
    folder = tmp_path / "www"
    folder.mkdir()
    return folder


@pytest.fixture
def web(www: Path) -> Iterator[str]:
    """http://127.0.0.1:<port>: the files of ``www``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
