"""The engine an account uses (``engine``) and where the zca-js engine's parts are (``zcaJs``):
read, merged, validated like every other key."""

from __future__ import annotations

import os

import pytest

from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.errors import ConfigError
from errbot_zalouser.settings import AccountConfig, EngineKind, ZcaJsSettings


def parse(block):
    return parse_channel_block(block, env={})


def engines(block) -> dict[str, EngineKind]:
    return {a.account_id: a.engine for a in parse(block).accounts}


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({}, {"default": EngineKind.CLI}),
        ({"engine": "zca-js"}, {"default": EngineKind.ZCA_JS}),
        ({"engine": "cli"}, {"default": EngineKind.CLI}),
        ({"engine": "zca-js", "accounts": {"a": {"profile": "a"}, "b": {"profile": "b", "engine": "cli"}}},
         {"a": EngineKind.ZCA_JS, "b": EngineKind.CLI}),
        ({"accounts": {"a": {"profile": "a", "engine": "zca-js"}, "b": {"profile": "b"}}},
         {"a": EngineKind.ZCA_JS, "b": EngineKind.CLI}),
        ({"engine": None}, {"default": EngineKind.CLI}),
    ],
    ids=["default", "channel-level", "cli-spelled-out", "account-overrides-channel", "one-account-opts-in", "null"],
)
def test_engine_is_an_account_key_defaulting_to_the_cli(block, expected):
    assert engines(block) == expected


def test_engine_values_compare_as_the_strings_configs_use():
    assert EngineKind.ZCA_JS == "zca-js" and AccountConfig("a", engine="zca-js").engine is EngineKind.ZCA_JS
    with pytest.raises(ValueError):
        AccountConfig("a", engine="zcajs")


@pytest.mark.parametrize(
    ("block", "key", "shown"),
    [
        ({"engine": "zcajs"}, "channels.zalouser.engine", '"zcajs"'),
        ({"engine": "ZCA-JS"}, "channels.zalouser.engine", '"ZCA-JS"'),
        ({"engine": True}, "channels.zalouser.engine", "true"),
        ({"accounts": {"w": {"engine": ["zca-js"]}}}, "channels.zalouser.accounts.w.engine", '["zca-js"]'),
        ({"engine": "js\u202e"}, "channels.zalouser.engine", '"js\u202e"'),
    ],
    ids=["typo", "case", "bool", "list", "hostile"],
)
def test_a_bad_engine_names_the_key_the_value_and_the_accepted_values(block, key, shown):
    with pytest.raises(ConfigError) as err:
        parse(block)
    assert err.value.key == key
    assert str(err.value).startswith(f'{key}: invalid value {shown}; accepted values: "cli", "zca-js"')


def test_a_near_miss_gets_a_suggestion():
    with pytest.raises(ConfigError) as err:
        parse({"engine": "zca_js"})
    assert 'did you mean "zca-js"?' in str(err.value)


def test_zca_js_block_is_read_with_paths_expanded():
    block = {"engine": "zca-js", "zcaJs": {"installFolder": "~/engine", "package": "/opt/zca-js",
                                          "node": "/usr/local/bin/node", "openzcaHome": " ~/.openzca-work "}}
    settings = parse(block)
    home = os.path.expanduser("~")
    assert settings.zca_js == ZcaJsSettings(install_folder=f"{home}/engine", package="/opt/zca-js",
                                            node="/usr/local/bin/node", openzca_home=f"{home}/.openzca-work")
    assert settings.warnings == ()


def test_zca_js_defaults():
    assert parse({}).zca_js == ZcaJsSettings(install_folder=None, package=None, node="node", openzca_home=None)


@pytest.mark.parametrize(
    ("value", "key", "fragment"),
    [
        ("~/engine", "channels.zalouser.zcaJs", "must be an object"),
        ({"installFolder": ""}, "channels.zalouser.zcaJs.installFolder", 'invalid value ""'),
        ({"node": 18}, "channels.zalouser.zcaJs.node", "invalid value 18"),
        ({"package": "a\x00b"}, "channels.zalouser.zcaJs.package", "accepted: a path"),
        ({"openzcaHome": ["~"]}, "channels.zalouser.zcaJs.openzcaHome", '["~"]'),
    ],
    ids=["not-an-object", "empty", "number", "nul", "list"],
)
def test_bad_zca_js_values_name_the_key(value, key, fragment):
    with pytest.raises(ConfigError) as err:
        parse({"engine": "zca-js", "zcaJs": value})
    assert err.value.key == key and fragment in str(err.value)


def test_zca_js_unknown_keys_and_misplacement_warn():
    text = "\n".join(parse({"engine": "zca-js", "zcaJs": {"nodePath": "x"},
                            "accounts": {"a": {"zcaJs": {"node": "x"}}}}).warnings)
    assert 'channels.zalouser.zcaJs.nodePath: unknown key, ignored (did you mean "node"?)' in text
    assert "channels.zalouser.accounts.a.zcaJs: only read at the channels.zalouser level" in text


@pytest.mark.parametrize(
    ("block", "warned"),
    [
        ({"zcaJs": {"node": "node18"}}, True),
        ({"zcaJs": {"node": "node18"}, "accounts": {"a": {"engine": "zca-js", "enabled": False}}}, True),
        ({"zcaJs": {"node": "node18"}, "accounts": {"a": {"engine": "zca-js"}}}, False),
        ({"zcaJs": {}}, False),
    ],
    ids=["no-engine-account", "only-a-disabled-one", "used", "empty-block"],
)
def test_a_zca_js_block_no_account_uses_is_pointed_out(block, warned):
    text = "\n".join(parse(block).warnings)
    assert ('channels.zalouser.zcaJs is set, but no enabled account has engine "zca-js"' in text) is warned
