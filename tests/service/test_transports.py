"""Choosing an account's transport: the `zca` tool by default, the zca-js engine where the account
says ``engine: "zca-js"``; what each client says it can do; where the engine's parts come from.
Nothing here starts a process (the engine starts on its first call)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.errors import EngineNotInstalled, ZalouserError
from errbot_zalouser.service.service import ZalouserService
from errbot_zalouser.service.transports import account_transport, engine_settings
from errbot_zalouser.settings import EngineKind, ListenerConfig, ZcaJsSettings
from errbot_zalouser.transport.capabilities import Capabilities
from errbot_zalouser.transport.client import ZcaClient
from errbot_zalouser.transport.engine.client import ENGINE_KIND, EngineClient
from errbot_zalouser.transport.engine.install import INSTALL_COMMAND, pinned_version
from errbot_zalouser.transport.engine.listener import EngineListener
from errbot_zalouser.transport.listen_settings import ListenerSettings
from tests.fake_transport import InProcessZca, listener_factory
from tests.transport.engine.fakezca import MODULE

PACKAGE = str(MODULE)  # the zca-js stand-in: any folder will do, nothing is started


def settings_for(block):
    return parse_channel_block({"zcaJs": {"package": PACKAGE}, **block}, zca="zca", env={})


def transports(block, *, engines: bool = True):
    settings = settings_for(block)
    make, _made = listener_factory()
    return {a.account_id: account_transport(a, settings, InProcessZca(Path("/nonexistent")), listener_factory=make,
                                            engines=engines) for a in settings.accounts}


@pytest.mark.parametrize(
    ("block", "engines", "kinds"),
    [
        ({}, True, {"default": EngineKind.CLI}),
        ({"engine": "zca-js"}, True, {"default": EngineKind.ZCA_JS}),
        ({"engine": "zca-js"}, False, {"default": EngineKind.CLI}),
        ({"accounts": {"a": {"profile": "a", "engine": "zca-js"}, "b": {"profile": "b"},
                       "c": {"profile": "c", "engine": "zca-js", "enabled": False}}}, True,
         {"a": EngineKind.ZCA_JS, "b": EngineKind.CLI, "c": EngineKind.CLI}),
    ],
    ids=["default", "opted-in", "operator-cli", "per-account"],
)
def test_each_account_gets_the_transport_its_engine_names(block, engines, kinds):
    found = transports(block, engines=engines)
    assert {account: t.kind for account, t in found.items()} == kinds
    for t in found.values():
        assert isinstance(t.client, EngineClient if t.kind == EngineKind.ZCA_JS else ZcaClient)


def test_the_engine_client_describes_itself_truthfully():
    caps = transports({"engine": "zca-js"})["default"].client.capabilities
    assert caps.kind == ENGINE_KIND and caps.parsed
    # styles and quotes go as they are, files are uploaded; nothing is parsed, resolved or split by it
    assert (caps.native_formatting, caps.upload, caps.reply_message, caps.react) == (True,) * 4
    assert (caps.raw, caps.formats_text, caps.group_mentions, caps.self_splitting, caps.send_retry) == (False,) * 5
    assert caps.in_use() == ("native_formatting", "reply_message", "upload", "react")


def test_the_cli_client_starts_with_the_oldest_surface_until_probed():
    assert transports({})["default"].client.capabilities == Capabilities.oldest()


def test_an_engine_account_shares_one_engine_between_client_and_listener_and_logs_in_with_zca():
    transport = transports({"engine": "zca-js", "profile": "work", "outbound": {"sendTimeoutSeconds": 12}})["default"]
    client = transport.client
    assert isinstance(client, EngineClient) and client.profile == "work" and client.send_timeout == 12
    assert isinstance(client.cli, ZcaClient) and client.cli.profile == "work"
    listener = transport.listen(lambda event: None, lambda state, detail: None, ListenerSettings(), {})
    assert isinstance(listener, EngineListener) and listener.engine is client.engine and listener.name == "default"
    assert client.engine.pid is None  # nothing started yet
    transport.close(1.0)  # and closing what never started is fine


def test_a_cli_account_listens_with_the_factory_and_the_bots_environment():
    settings = settings_for({"profile": "p"})
    make, made = listener_factory()
    transport = account_transport(settings.account(), settings, InProcessZca(Path("/x")), listener_factory=make)
    transport.listen(lambda event: None, lambda state, detail: None, ListenerSettings(),
                     {"OPENZCA_LISTEN_MEDIA_DIR": "/data/media/default"})
    assert (made[0].profile, made[0].name) == ("p", "default")
    assert made[0].env["OPENZCA_SEND_RETRY_COUNT"] == "0"
    assert made[0].env["OPENZCA_LISTEN_MEDIA_DIR"] == "/data/media/default"  # where its files are saved


# --- where the engine's parts are ---------------------------------------------------------------


def installed(folder: Path, version: str) -> Path:
    package = folder / "node_modules" / "zca-js"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "zca-js", "version": version}))
    return package


def test_engine_settings_use_the_install_folder_and_the_listener_backoff(tmp_path):
    package = installed(tmp_path / "engine", pinned_version())
    zca_js = ZcaJsSettings(install_folder=str(tmp_path / "engine"), node="/opt/node", openzca_home="/srv/openzca")
    settings = engine_settings(zca_js, ListenerConfig(backoff_initial_seconds=2, backoff_max_seconds=1))
    assert (settings.zca_js, settings.node, settings.openzca_home) == (str(package), "/opt/node", "/srv/openzca")
    assert (settings.backoff_initial, settings.backoff_max) == (2, 2)  # the max is never below the first wait


def test_a_package_is_used_as_it_is():
    assert engine_settings(ZcaJsSettings(package="/somewhere/zca-js"), ListenerConfig()).zca_js == "/somewhere/zca-js"


@pytest.mark.parametrize("version", [None, "2.0.0"], ids=["missing", "other-version"])
def test_no_pinned_zca_js_in_the_install_folder_names_the_command_that_fixes_it(tmp_path, version):
    if version:
        installed(tmp_path, version)
    with pytest.raises(EngineNotInstalled) as err:
        engine_settings(ZcaJsSettings(install_folder=str(tmp_path)), ListenerConfig())
    assert f"run `{INSTALL_COMMAND}`" in str(err.value) and "\n" not in str(err.value)


def test_a_bot_whose_engine_is_not_installed_does_not_start_and_holds_no_lock(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    settings = parse_channel_block({"engine": "zca-js", "zcaJs": {"installFolder": str(tmp_path / "none")}},
                                   zca="zca", env={})
    with pytest.raises(ZalouserError, match="engine install"):
        ZalouserService(settings, tmp_path / "data", runner=InProcessZca(tmp_path), exclusive=True)
    ZalouserService(settings, tmp_path / "data", runner=InProcessZca(tmp_path), exclusive=True,
                    engines=False).stop()  # the locks were given back


def test_the_operator_cli_never_starts_an_engine(tmp_path):
    """engines=False (the operator commands): the account is reached through `zca` even though
    its zca-js engine is not installed here."""
    settings = parse_channel_block({"engine": "zca-js", "zcaJs": {"installFolder": str(tmp_path / "none")}},
                                   zca="zca", env={})
    service = ZalouserService(settings, tmp_path / "data", runner=InProcessZca(tmp_path), engines=False)
    assert isinstance(service.accounts.get(None).client, ZcaClient)
