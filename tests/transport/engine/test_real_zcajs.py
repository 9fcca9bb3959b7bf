"""The engine on the real, pinned zca-js: installed by install_engine into a cache folder (the npm
registry is reachable here and in CI), then made to fail its login cleanly with bogus credentials.
Zalo is never contacted: nonet.mjs replaces fetch inside the engine and records every URL asked for.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from errbot_zalouser.errors import EngineNotInstalled, EngineUnavailable, ZcaNotAuthenticated
from errbot_zalouser.model import Target
from errbot_zalouser.transport.engine.client import EngineClient
from errbot_zalouser.transport.engine.install import install_engine, is_network_failure, pinned_version

NONET = Path(__file__).with_name("nonet.mjs")


@pytest.fixture(scope="session")
def zca_js(node: str) -> str:
    """The pinned zca-js package folder, installed once into a cache folder."""
    base = os.environ.get("ZALOUSER_TEST_ENGINE_DIR") or str(Path.home() / ".cache" / "errbot-zalouser" / "test-engine")
    try:
        return str(install_engine(Path(base) / pinned_version()))
    except EngineNotInstalled as exc:
        if is_network_failure(exc):
            pytest.skip(f"the npm registry cannot be reached, so the real zca-js cannot be installed: {exc}")
        raise


def real_engine(make_engine, zca_js: str, tmp_path: Path, mode: str):
    urls = tmp_path / "urls.log"
    env = {"NODE_OPTIONS": f"--import={NONET.as_uri()}", "NONET_LOG": str(urls), "NONET_MODE": mode}
    return make_engine(zca_js=zca_js, env=env, login_timeout=20.0), urls


def requested(urls: Path) -> list[str]:
    return urls.read_text().split() if urls.exists() else []


def test_the_real_package_loads_and_refused_credentials_are_an_auth_error(make_engine, fake, zca_js, tmp_path):
    engine, urls = real_engine(make_engine, zca_js, tmp_path, "refuse")
    client = EngineClient(engine, "default")
    assert client.version().startswith(f"zca-js {pinned_version()} ")
    started = time.monotonic()
    assert client.is_authenticated() is False
    with pytest.raises(ZcaNotAuthenticated, match="login failed"):
        client.send_text(Target("2947718306652210431"), "hello")
    assert time.monotonic() - started < 25
    asked = requested(urls)
    assert asked and all("zalo.me" in url for url in asked)  # the login, and no npm update check
    assert not any("registry.npmjs.org" in url for url in asked)


def test_an_unreachable_zalo_is_a_typed_network_failure_in_bounded_time(make_engine, fake, zca_js, tmp_path):
    engine, urls = real_engine(make_engine, zca_js, tmp_path, "unreachable")
    client = EngineClient(engine, "default", send_timeout=2.0)
    started = time.monotonic()
    assert client.is_authenticated() is False
    assert "ENOTFOUND" in engine.stats.last_error
    with pytest.raises(EngineUnavailable, match="not sent"):
        client.send_text(Target("2947718306652210431"), "hello")
    assert time.monotonic() - started < 25
    assert requested(urls)


def test_incomplete_credentials_fail_before_any_request(make_engine, fake, zca_js, tmp_path):
    fake.write_credentials(imei="", cookie=[])
    engine, urls = real_engine(make_engine, zca_js, tmp_path, "unreachable")
    with pytest.raises(ZcaNotAuthenticated, match="Missing required params"):
        EngineClient(engine, "default").me_info()
    assert requested(urls) == []


def test_the_stand_in_exports_what_the_engine_takes_from_zca_js(node, zca_js):
    from tests.transport.engine.conftest import run_node
    from tests.transport.engine.fakezca import MODULE

    probe = ("const m = await import({url}); const keys = ['Zalo','ThreadType','Reactions','ZaloApiError'];"
             "console.log(keys.map((k) => typeof m[k]).join(' '), m.ThreadType.User, m.ThreadType.Group,"
             " m.Reactions.HEART, m.Reactions.LIKE);")
    real_entry = (Path(zca_js) / "dist" / "index.js").as_uri()
    real = run_node(node, probe.format(url=repr(real_entry)))
    stand_in = run_node(node, probe.format(url=repr((MODULE / "index.mjs").as_uri())))
    assert real.returncode == 0, real.stderr
    assert real.stdout == stand_in.stdout == "function object object function 0 1 /-heart /-strong\n"
