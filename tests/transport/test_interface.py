"""The transport interface is real: ZcaClient has every method of ChatClient with its exact signature."""

from __future__ import annotations

from errbot_zalouser.transport.client import ZcaClient
from errbot_zalouser.transport.interface import ChatClient, MessageSender
from tests.protocols import mismatches, protocol_attributes, protocol_methods


def test_the_interface_lists_sending_reactions_files_and_the_directory():
    assert set(protocol_methods(MessageSender)) == {"send_text", "send_media", "send_file", "send_link", "react"}
    assert set(protocol_methods(ChatClient)) >= set(protocol_methods(MessageSender)) | {"me_info", "group_members"}
    assert protocol_attributes(ChatClient) == {"profile": "str", "capabilities": "Capabilities"}


def test_the_cli_client_implements_it():
    assert mismatches(ChatClient, ZcaClient) == []
    client = ZcaClient(runner=None, profile="p")  # type: ignore[arg-type]  # attributes only, nothing is run
    assert all(hasattr(client, name) for name in protocol_attributes(ChatClient))
