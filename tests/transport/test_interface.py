"""The transport interface is real: ZcaClient and EngineClient have every method of ChatClient with
its exact signature, and its attributes."""

from __future__ import annotations

import pytest

from errbot_zalouser.transport.client import ZcaClient
from errbot_zalouser.transport.engine.client import EngineClient
from errbot_zalouser.transport.engine.engine import Engine, EngineSettings
from errbot_zalouser.transport.interface import ChatClient, MessageSender
from tests.protocols import mismatches, protocol_attributes, protocol_methods


def test_the_interface_lists_sending_reactions_files_and_the_directory():
    assert set(protocol_methods(MessageSender)) == {"send_text", "send_media", "send_file", "send_link", "react"}
    assert set(protocol_methods(ChatClient)) >= set(protocol_methods(MessageSender)) | {"me_info", "group_members"}
    assert protocol_attributes(ChatClient) == {"profile": "str", "capabilities": "Capabilities"}


def _cli_client() -> ZcaClient:
    return ZcaClient(runner=None, profile="p")  # type: ignore[arg-type]  # attributes only, nothing is run


def _engine_client() -> EngineClient:
    return EngineClient(Engine("p", EngineSettings(zca_js="/nonexistent")), "p")  # never started


@pytest.mark.parametrize("make", [_cli_client, _engine_client], ids=["zca tool", "zca-js engine"])
def test_both_clients_implement_it(make):
    client = make()
    assert mismatches(ChatClient, type(client)) == []
    assert all(hasattr(client, name) for name in protocol_attributes(ChatClient))
    assert client.profile == "p"


def test_a_missing_or_differently_spelt_method_is_reported():
    class Partial:
        def send_text(self, target, text):  # no quote, no annotations
            ...

    problems = mismatches(MessageSender, Partial)
    assert any(p.startswith("send_text: ") and "!=" in p for p in problems)
    assert "react: missing" in problems
