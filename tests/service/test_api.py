"""The plugin interface is real: the service and the plugin tests' FakeApi implement every
member of ZalouserApi, each method with the protocol's exact signature."""

from __future__ import annotations

from pathlib import Path

import pytest

from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.model import Target
from errbot_zalouser.service.api import ZalouserApi
from errbot_zalouser.service.service import ZalouserService
from tests.plugins.fake_api import FakeApi
from tests.protocols import mismatches, protocol_attributes, protocol_methods


@pytest.fixture
def service(tmp_path: Path) -> ZalouserService:
    return ZalouserService(parse_channel_block({}, zca="zca", env={}), tmp_path)


def test_the_protocol_lists_what_plugins_are_told_to_call():
    methods = protocol_methods(ZalouserApi)
    assert {"send_text", "send_url", "send_link", "check", "status", "approve_pairing"} <= set(methods)
    assert protocol_attributes(ZalouserApi) == {"default_account": "str"}


@pytest.mark.parametrize("implementation", [ZalouserService, FakeApi], ids=["service", "fake"])
def test_every_method_has_the_protocol_signature(implementation):
    assert mismatches(ZalouserApi, implementation) == []


def test_instances_carry_the_protocol_attributes(service):
    for instance in (service, FakeApi()):
        for name in protocol_attributes(ZalouserApi):
            assert isinstance(getattr(instance, name), str), (type(instance).__name__, name)


def test_the_check_catches_a_missing_method_and_a_changed_signature():
    class Drifted:
        default_account = "default"

        def account_ids(self) -> list[str]:
            return []

        def send_link(self, account: str | None, target: Target, url: str, preview: bool = True) -> None:
            return None

        def send_text(self, account: str | None, target: Target, text: str) -> str:  # wrong return type
            return ""

    problems = mismatches(ZalouserApi, Drifted)
    assert "account_ids" not in " ".join(problems)
    assert any(p.startswith("send_link: (self") for p in problems)
    assert any(p.startswith("send_text: (self") for p in problems)
    assert "check: missing" in problems
    assert len(problems) == len(protocol_methods(ZalouserApi)) - 1
