"""Configuration: merging, profiles, defaults, validation messages, warnings, loading."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from errbot_zalouser.config import load_settings, parse_channel_block
from errbot_zalouser.errors import ConfigError, NotFound
from errbot_zalouser.policy.pairing import render_approved_text, render_pairing_reply
from errbot_zalouser.settings import (
    DEFAULT_PAIRING_REPLY,
    AccountConfig,
    GroupRule,
    ListenerConfig,
    OutboundSettings,
    PairingSettings,
    Settings,
    normalize_account_id,
)


def parse(block, defaults=None, env=None):
    return parse_channel_block(block, defaults, env=env or {})


def warnings_of(block, **kw) -> str:
    return "\n".join(parse(block, **kw).warnings)


# --- defaults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("block", [None, {}])
def test_empty_block_means_one_default_account_with_seed_defaults(block):
    settings = parse(block)
    assert settings.account_ids == ("default",)
    assert settings.default_account == "default"
    account = settings.account()
    assert account == AccountConfig("default")
    assert (account.dm_policy, account.group_policy, account.profile) == ("pairing", "open", "default")
    assert account.require_mention is False and account.name_matching is False
    assert (account.chunk_mode, account.text_chunk_limit) == ("length", 2000)
    assert account.pairing == PairingSettings()
    assert settings.outbound == OutboundSettings()
    assert settings.listener == ListenerConfig()
    assert settings.warnings == ()
    assert settings.zca == "zca"


def test_outbound_defaults_are_slow():
    out = OutboundSettings()
    assert (out.workers, out.rate_per_second, out.burst, out.max_attempts) == (8, 1.0, 5, 4)
    assert (out.retry_base_seconds, out.retry_max_seconds, out.send_timeout) == (1.0, 30.0, 30.0)


# --- accounts, merge, default account ----------------------------------------------------------


def test_account_ids_are_sorted_and_normalised():
    settings = parse({"accounts": {"Work Phone": {}, "alpha": {}, "x" * 80: {}}})
    assert settings.account_ids == ("alpha", "work-phone", "x" * 64)


@pytest.mark.parametrize(("raw", "normalised"), [("Work", "work"), ("a.b@c", "a-b-c"), ("  ", "default"),
                                                 ("ok_id-1", "ok_id-1"), ("Đức", "c"), ("--my  phone--", "my-phone")])
def test_normalize_account_id(raw, normalised):
    assert normalize_account_id(raw) == normalised


def test_two_keys_normalising_to_one_id_are_an_error():
    with pytest.raises(ConfigError) as err:
        parse({"accounts": {"Work": {}, "work": {}}})
    assert "channels.zalouser.accounts.work" in str(err.value)
    assert 'account id "work"' in str(err.value)


@pytest.mark.parametrize(
    ("block", "default"),
    [
        ({}, "default"),
        ({"accounts": {"work": {}, "default": {}}}, "default"),
        ({"accounts": {"work": {}, "home": {}}}, "home"),
        ({"defaultAccount": "Work", "accounts": {"work": {}, "default": {}}}, "work"),
    ],
)
def test_default_account(block, default):
    assert parse(block).default_account == default


def test_default_account_that_does_not_exist_warns_and_falls_back():
    # The OpenClaw docs example: defaultAccount "default" with only accounts.work.
    settings = parse({"enabled": True, "defaultAccount": "default", "accounts": {"work": {"profile": "work"}}})
    assert settings.default_account == "work"
    assert any('defaultAccount is "default", which is not a configured account' in w for w in settings.warnings)


def test_accounts_inherit_the_top_level_and_replace_lists_and_maps():
    settings = parse({
        "dmPolicy": "allowlist",
        "allowFrom": ["1", "2"],
        "groups": {"10": {"allow": True}, "11": {}},
        "textChunkLimit": 1500,
        "accounts": {
            "home": {},
            "work": {"allowFrom": ["3"], "groups": {"12": {}}, "dmPolicy": "pairing"},
        },
    })
    home, work = settings.account("home"), settings.account("work")
    assert (home.dm_policy, home.allow_from, set(home.groups)) == ("allowlist", ("1", "2"), {"10", "11"})
    assert (work.dm_policy, work.allow_from, set(work.groups)) == ("pairing", ("3",), {"12"})
    assert home.text_chunk_limit == work.text_chunk_limit == 1500
    assert work.config_path == "channels.zalouser.accounts.work"


def test_pairing_objects_replace_as_a_whole():
    settings = parse({"pairing": {"ttlSeconds": 60, "maxPending": 5},
                      "accounts": {"a": {}, "b": {"pairing": {"maxPending": 2}}}})
    assert settings.account("a").pairing == PairingSettings(ttl_seconds=60.0, max_pending=5)
    assert settings.account("b").pairing == PairingSettings(max_pending=2)


@pytest.mark.parametrize(
    ("channel", "account", "enabled"),
    [(None, None, True), (True, None, True), (False, None, False), (None, False, False),
     (False, True, False), (True, False, False), (True, True, True)],
)
def test_enabled_only_if_neither_level_says_false(channel, account, enabled):
    block = {"accounts": {"a": {} if account is None else {"enabled": account}}}
    if channel is not None:
        block["enabled"] = channel
    settings = parse(block)
    assert settings.account("a").enabled is enabled
    assert settings.enabled_accounts == ((settings.account("a"),) if enabled else ())


# --- profiles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "env", "profiles"),
    [
        ({}, {}, {"default": "default"}),
        ({}, {"ZCA_PROFILE": "env"}, {"default": "env"}),
        ({"profile": "top"}, {"ZCA_PROFILE": "env"}, {"default": "top"}),
        ({"accounts": {"work": {}, "default": {}}}, {}, {"work": "work", "default": "default"}),
        ({"accounts": {"work": {"profile": "w"}}}, {"ZCA_PROFILE": "env"}, {"work": "w"}),
        ({"accounts": {"work": {}}}, {"ZCA_PROFILE": " env "}, {"work": "env"}),
        ({"accounts": {"work": {}}}, {"ZCA_PROFILE": ""}, {"work": "work"}),
    ],
)
def test_profile_resolution(block, env, profiles):
    settings = parse(block, env=env)
    assert {a.account_id: a.profile for a in settings.accounts} == profiles


def test_shared_profile_from_top_level_is_a_warning_naming_both_accounts_and_the_fix():
    settings = parse({"profile": "shared", "accounts": {"work": {}, "home": {}}})
    (warning,) = [w for w in settings.warnings if "profile" in w]
    assert '"home", "work"' in warning and 'profile "shared"' in warning
    assert "accounts.<id>.profile" in warning and "ZCA_PROFILE" in warning


def test_shared_profile_from_env_warns_but_disabled_accounts_do_not_count():
    assert "share the zca profile" in warnings_of({"accounts": {"a": {}, "b": {}}}, env={"ZCA_PROFILE": "p"})
    assert "share the zca profile" not in warnings_of({"accounts": {"a": {}, "b": {"enabled": False}}},
                                                      env={"ZCA_PROFILE": "p"})


def test_invalid_zca_profile_env_is_an_error():
    with pytest.raises(ConfigError) as err:
        parse({}, env={"ZCA_PROFILE": "-x"})
    assert "ZCA_PROFILE" in str(err.value)


# --- group policy, allowFrom, groups -----------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "defaults", "policy"),
    [({}, None, "open"), ({}, {"groupPolicy": "allowlist"}, "allowlist"),
     ({"groupPolicy": "disabled"}, {"groupPolicy": "allowlist"}, "disabled"),
     ({"accounts": {"a": {"groupPolicy": "open"}}, "groupPolicy": "disabled"}, None, "open")],
)
def test_group_policy_fallbacks(block, defaults, policy):
    assert parse(block, defaults).accounts[0].group_policy == policy


def test_allow_from_entries_are_normalised():
    account = parse({"allowFrom": [123, "zalouser:456", "ZLU:789", "ZaloUser:zlu:42", " Alice ", "*", "456",
                                   "alice"]}).account()
    assert account.allow_from == ("123", "456", "789", "42", "Alice", "*")


def test_large_numeric_ids_are_kept_exactly_but_warned_about():
    settings = parse({"allowFrom": [4830021983762145322]})
    assert settings.account().allow_from == ("4830021983762145322",)
    assert "write it as a string" in "\n".join(settings.warnings)


def test_groups_keys_and_rules():
    account = parse({"groups": {
        "zlu:123": {"allow": True},
        "group:456": {},
        "Work Chat": {"requireMention": True},
        "off": {"enabled": False},
        "denied": {"allow": False, "enabled": True},
        "*": None,
    }}).account()
    assert dict(account.groups) == {
        "123": GroupRule(), "group:456": GroupRule(), "Work Chat": GroupRule(require_mention=True),
        "off": GroupRule(allow=False), "denied": GroupRule(allow=False), "*": GroupRule(),
    }
    with pytest.raises(TypeError):
        account.groups["x"] = GroupRule()  # type: ignore[index]  # read-only: the assignment must fail


def test_tools_in_a_group_rule_is_accepted_with_a_note():
    text = warnings_of({"groups": {"1": {"allow": True, "tools": {"deny": ["exec"]}}}})
    assert 'channels.zalouser.groups.1.tools: an OpenClaw setting that errbot-zalouser does not use' in text


# --- validation errors -------------------------------------------------------------------------

POLICY_VALUES = '"pairing", "allowlist", "open", "disabled"'

ERROR_CASES = [
    # id, block, key, value as shown, accepted, fix fragment
    ("mistranslated dmPolicy", {"dmPolicy": "appairage"}, "channels.zalouser.dmPolicy", '"appairage"',
     POLICY_VALUES, 'did you mean "pairing"?'),
    ("dmPolicy in an account", {"accounts": {"work": {"dmPolicy": "appairage"}}},
     "channels.zalouser.accounts.work.dmPolicy", '"appairage"', POLICY_VALUES, 'did you mean "pairing"?'),
    ("dmPolicy typo", {"dmPolicy": "paring"}, "channels.zalouser.dmPolicy", '"paring"', POLICY_VALUES,
     'did you mean "pairing"?'),
    ("dmPolicy case", {"dmPolicy": "Allowlist"}, "channels.zalouser.dmPolicy", '"Allowlist"', POLICY_VALUES,
     'did you mean "allowlist"?'),
    ("dmPolicy synonym", {"dmPolicy": "whitelist"}, "channels.zalouser.dmPolicy", '"whitelist"', POLICY_VALUES,
     'did you mean "allowlist"?'),
    ("dmPolicy bool", {"dmPolicy": False}, "channels.zalouser.dmPolicy", "false", POLICY_VALUES, ""),
    ("groupPolicy", {"groupPolicy": "closed"}, "channels.zalouser.groupPolicy", '"closed"',
     '"open", "allowlist", "disabled"', 'did you mean "disabled"?'),
    ("defaults groupPolicy", None, "channels.defaults.groupPolicy", '"nope"', '"open", "allowlist"', ""),
    ("chunkMode", {"chunkMode": "paragraph"}, "channels.zalouser.chunkMode", '"paragraph"',
     '"length", "newline"', 'did you mean "newline"?'),
    ("textChunkLimit too big", {"textChunkLimit": 5000}, "channels.zalouser.textChunkLimit", "5000",
     "an integer greater than 0, at most 2000", ""),
    ("textChunkLimit string", {"textChunkLimit": "2000"}, "channels.zalouser.textChunkLimit", '"2000"',
     "an integer", ""),
    ("enabled", {"accounts": {"a": {"enabled": "yes"}}}, "channels.zalouser.accounts.a.enabled", '"yes"',
     "true, false", ""),
    ("requireMention", {"requireMention": "true"}, "channels.zalouser.requireMention", '"true"', "true, false", ""),
    ("allowFrom not a list", {"allowFrom": "123"}, "channels.zalouser.allowFrom", '"123"', "a list", ""),
    ("allowFrom bool entry", {"allowFrom": ["1", True]}, "channels.zalouser.allowFrom[1]", "true",
     "a user id string", ""),
    ("allowFrom float entry", {"allowFrom": [1.5]}, "channels.zalouser.allowFrom[0]", "1.5", "a user id string",
     "as strings"),
    ("groupAllowFrom entry", {"groupAllowFrom": [{"id": 1}]}, "channels.zalouser.groupAllowFrom[0]",
     '{"id": 1}', "a user id string", ""),
    ("groups not a map", {"groups": ["1"]}, "channels.zalouser.groups", '["1"]', "a map", ""),
    ("group rule not an object", {"groups": {"Work Chat": True}}, 'channels.zalouser.groups["Work Chat"]',
     "true", "an object", '{"allow": true}'),
    ("group rule flag", {"groups": {"1": {"allow": "no"}}}, "channels.zalouser.groups.1.allow", '"no"',
     "true, false", ""),
    ("profile", {"accounts": {"a": {"profile": "my profile"}}}, "channels.zalouser.accounts.a.profile",
     '"my profile"', "without spaces", ""),
    ("accounts not a map", {"accounts": ["a"]}, "channels.zalouser.accounts", '["a"]', "a map", ""),
    ("account not an object", {"accounts": {"a": 1}}, "channels.zalouser.accounts.a", "1", "an object", ""),
    ("pairing maxPending", {"pairing": {"maxPending": 0}}, "channels.zalouser.pairing.maxPending", "0",
     "an integer from 1, at most 100", ""),
    ("pairing ttl", {"pairing": {"ttlSeconds": -1}}, "channels.zalouser.pairing.ttlSeconds", "-1",
     "a number greater than 0", ""),
    ("pairing scope", {"accounts": {"a": {"pairing": {"scope": "global"}}}},
     "channels.zalouser.accounts.a.pairing.scope", '"global"', '"channel", "account"', 'did you mean "channel"?'),
    ("outbound workers", {"outbound": {"workers": 0}}, "channels.zalouser.outbound.workers", "0",
     "an integer from 1", ""),
    ("outbound rate", {"outbound": {"ratePerSecond": True}}, "channels.zalouser.outbound.ratePerSecond", "true",
     "a number greater than 0", ""),
    ("outbound retry order", {"outbound": {"retryBaseSeconds": 10, "retryMaxSeconds": 5}},
     "channels.zalouser.outbound.retryMaxSeconds", "5", "retryBaseSeconds (10)", "raise retryMaxSeconds"),
    ("listener stall", {"listener": {"stallSeconds": 0}}, "channels.zalouser.listener.stallSeconds", "0",
     "a number greater than 0", ""),
    ("pairing cooldown", {"pairing": {"cooldownSeconds": -5}}, "channels.zalouser.pairing.cooldownSeconds", "-5",
     "a number from 0", ""),
    ("pairing summary", {"pairing": {"summaryIntervalSeconds": 10}},
     "channels.zalouser.pairing.summaryIntervalSeconds", "10", "a number from 60", ""),
    ("pairing first contacts", {"pairing": {"firstContactsPerHour": 2.5}},
     "channels.zalouser.pairing.firstContactsPerHour", "2.5", "an integer from 1, at most 1000", ""),
    ("outbound max age", {"outbound": {"maxAgeSeconds": "10m"}}, "channels.zalouser.outbound.maxAgeSeconds",
     '"10m"', "a number greater than 0", ""),
    ("outbound caps order", {"outbound": {"maxQueuedPerConversation": 50, "maxQueuedPerAccount": 10}},
     "channels.zalouser.outbound.maxQueuedPerAccount", "10", "maxQueuedPerConversation (50)",
     "raise maxQueuedPerAccount"),
    ("listener heartbeat", {"listener": {"heartbeatSeconds": 0.5}}, "channels.zalouser.listener.heartbeatSeconds",
     "0.5", "a number from 1", ""),
    ("listener event age", {"listener": {"maxEventAgeSeconds": 0}}, "channels.zalouser.listener.maxEventAgeSeconds",
     "0", "a number greater than 0", ""),
    ("defaultAccount", {"defaultAccount": 3}, "channels.zalouser.defaultAccount", "3", '"default"', ""),
    ("mediaMaxMb zero", {"mediaMaxMb": 0}, "channels.zalouser.mediaMaxMb", "0", "a number greater than 0", ""),
    ("mediaMaxMb string", {"accounts": {"a": {"mediaMaxMb": "20MB"}}}, "channels.zalouser.accounts.a.mediaMaxMb",
     '"20MB"', "at most 1024", ""),
    ("media retention", {"media": {"retentionHours": -1}}, "channels.zalouser.media.retentionHours", "-1",
     "a number from 0", ""),
    ("media folder relative", {"media": {"folder": "media"}}, "channels.zalouser.media.folder", '"media"',
     "an absolute folder path", "write the whole path"),
    ("media not an object", {"media": "/x"}, "channels.zalouser.media", '"/x"', "an object", ""),
]


@pytest.mark.parametrize(
    ("block", "key", "shown", "accepted", "fix"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_validation_errors_name_key_value_and_accepted_values(block, key, shown, accepted, fix):
    defaults = {"groupPolicy": "nope"} if block is None else None
    with pytest.raises(ConfigError) as err:
        parse(block or {}, defaults)
    message = str(err.value)
    assert err.value.key == key
    assert message.startswith(f"{key}: ")
    assert shown in message
    assert accepted in message
    assert fix in err.value.fix if fix else True


def test_appairage_message_in_full():
    with pytest.raises(ConfigError) as err:
        parse({"accounts": {"work": {"dmPolicy": "appairage"}}})
    assert str(err.value) == (
        'channels.zalouser.accounts.work.dmPolicy: invalid value "appairage"; accepted values: "pairing", '
        '"allowlist", "open", "disabled" (did you mean "pairing"?)'
    )


@pytest.mark.parametrize(
    ("template", "fragment"),
    [("Code: {code} {foo}", '"{foo}"'), ("{code.__class__}", "{code.__class__}"), ("{0}", '"{0}"'),
     ("{}", '"{}"'), ("oops {", "not a valid template"), ("{code!z}", "cannot be rendered")],
)
def test_reply_template_placeholders_are_checked_at_load(template, fragment):
    with pytest.raises(ConfigError) as err:
        parse({"pairing": {"replyText": template}})
    assert err.value.key == "channels.zalouser.pairing.replyText"
    assert fragment in str(err.value)


def test_approved_text_may_not_use_the_code():
    with pytest.raises(ConfigError) as err:
        parse({"pairing": {"approvedText": "ok {code}"}})
    assert "{user_id}, {name}, {prefix}" in str(err.value)


# --- warnings ----------------------------------------------------------------------------------


def test_unknown_keys_warn_with_a_suggestion():
    text = warnings_of({"dmpolicy": "open", "allow_from": [], "accounts": {"a": {"groupPolcy": "open"}},
                        "zzz": 1})
    assert 'channels.zalouser.dmpolicy: unknown key, ignored (did you mean "dmPolicy"?)' in text
    assert '(did you mean "allowFrom"?)' in text
    assert 'channels.zalouser.accounts.a.groupPolcy: unknown key, ignored (did you mean "groupPolicy"?)' in text
    assert "channels.zalouser.zzz: unknown key, ignored\n" in text + "\n"


def test_unknown_keys_inside_our_objects_warn_too():
    text = warnings_of({"pairing": {"ttl": 5}, "outbound": {"rate": 1}, "listener": {"stall": 1}})
    assert 'pairing.ttl: unknown key, ignored (did you mean "ttlSeconds"?)' in text
    assert "outbound.rate: unknown key" in text
    assert 'listener.stall: unknown key, ignored (did you mean "stallSeconds"?)' in text


def test_openclaw_keys_we_accept_without_warning():
    assert parse({"markdown": {"tables": "code"}, "messagePrefix": "[bot]", "name": "Phone", "chunkMode": "newline",
                  "textChunkLimit": 1000, "requireMention": True, "groupAllowFrom": ["1"],
                  "dangerouslyAllowNameMatching": False}).warnings == ()


def test_media_settings_and_their_defaults():
    default = parse({})
    assert (default.media.folder, default.media.retention_hours) == (None, 24)
    assert default.account().media_max_mb == 20 and default.account().media_max_bytes == 20 * 1024 * 1024
    chosen = parse({"media": {"folder": "~/zalo-media/", "retentionHours": 0}, "mediaMaxMb": 5,
                    "accounts": {"big": {"mediaMaxMb": 100}, "small": {}}})
    assert chosen.media.folder == os.path.expanduser("~/zalo-media") and chosen.media.retention_hours == 0
    assert [a.media_max_mb for a in chosen.accounts] == [100, 5]
    assert "media" in warnings_of({"accounts": {"a": {"media": {}}}})  # read at the channel level only


def test_later_openclaw_keys_are_named_as_unused():
    assert "historyLimit: an OpenClaw setting that errbot-zalouser does not use" in warnings_of({"historyLimit": 50})


def test_channel_only_keys_inside_an_account_warn():
    text = warnings_of({"accounts": {"a": {"outbound": {"workers": 1}}}})
    assert "channels.zalouser.accounts.a.outbound: only read at the channels.zalouser level" in text


def test_open_dm_policy_warns():
    text = warnings_of({"dmPolicy": "open"})
    assert ('dmPolicy is "open": anyone can message the bot without pairing; '
            'set dmPolicy to "pairing" or "allowlist"') in text


@pytest.mark.parametrize("policy", ["pairing", "allowlist"])
def test_wildcard_under_pairing_or_allowlist_warns_loudly(policy):
    text = warnings_of({"dmPolicy": policy, "allowFrom": ["zlu:*"]})
    assert text.startswith("SECURITY:")
    assert "pairing is effectively OFF" in text and 'remove "*" from allowFrom' in text


def test_no_security_warnings_for_disabled_accounts():
    assert warnings_of({"enabled": False, "dmPolicy": "open"}) == ""


def test_fast_outbound_rate_warns():
    assert "rate-limited or blocked" in warnings_of({"outbound": {"ratePerSecond": 10}})


def test_outbound_and_listener_values_are_read():
    settings = parse({"outbound": {"workers": 2, "ratePerSecond": 0.5, "burst": 3, "maxAttempts": 2,
                                   "retryBaseSeconds": 2, "retryMaxSeconds": 8, "sendTimeoutSeconds": 12},
                      "listener": {"stallSeconds": 600, "closedGraceSeconds": 0, "recycleSeconds": 86400}})
    assert settings.outbound == OutboundSettings(2, 0.5, 3, 2, 2.0, 8.0, 12.0)
    assert settings.listener == ListenerConfig(600.0, 0.0, 86400.0)


def test_null_values_count_as_not_set():
    account = parse({"dmPolicy": None, "allowFrom": None, "accounts": {"a": {"profile": None}}}).account()
    assert (account.dm_policy, account.allow_from, account.profile) == ("pairing", (), "a")


# --- Settings ----------------------------------------------------------------------------------


def test_settings_account_lookup():
    settings = parse({"accounts": {"work": {}, "home": {"enabled": False}}})
    assert settings.account(None).account_id == "home"
    assert settings.account("WORK").account_id == "work"
    assert [a.account_id for a in settings.enabled_accounts] == ["work"]
    with pytest.raises(NotFound) as err:
        settings.account("nope")
    assert "home, work" in str(err.value)


def test_account_config_accepts_lists_and_dicts_and_stays_hashable():
    account = AccountConfig("a", allow_from=["1"], groups={"5": GroupRule()})
    assert account.allow_from == ("1",)
    assert hash(account) == hash(AccountConfig("a", allow_from=("1",), groups={"5": GroupRule()}))
    assert isinstance(Settings((account,), "a").account("a"), AccountConfig)


# --- pairing texts -----------------------------------------------------------------------------


def test_default_pairing_reply_is_unbranded_and_uses_the_prefix():
    text = render_pairing_reply(PairingSettings(), "123", "ABCD2345", "Bob", prefix="/")
    assert text == ("Access to this bot is not set up for you yet.\n\nYour Zalo user id: 123\n"
                    "Pairing code: ABCD2345\n\nAsk the bot owner to approve it by sending:\n/pair approve ABCD2345")
    assert "OpenClaw" not in DEFAULT_PAIRING_REPLY
    assert render_pairing_reply(PairingSettings(), "1", "C", "").endswith("!pair approve C")


def test_custom_pairing_texts_render_from_an_account():
    account = parse({"pairing": {"replyText": "Hi {name} ({user_id}): {{code}} is {code}",
                                 "approvedText": "Welcome {name}!"}}).account()
    assert render_pairing_reply(account.pairing, "1", "XY", "Ann") == "Hi Ann (1): {code} is XY"
    assert render_approved_text(account.pairing, "1", "Ann") == "Welcome Ann!"
    assert render_approved_text(PairingSettings(), "1") == "Your pairing request has been approved."


def test_empty_reply_text_means_no_reply():
    account = parse({"pairing": {"replyText": ""}}).account()
    assert render_pairing_reply(account.pairing, "1", "XY") == ""


# --- load_settings -----------------------------------------------------------------------------


def test_load_settings_without_anything_gives_defaults():
    settings = load_settings(SimpleNamespace(), env={})
    assert settings.account_ids == ("default",) and settings.zca == "zca"


def test_load_settings_from_inline_dict_and_zca():
    settings = load_settings(SimpleNamespace(ZALOUSER={"dmPolicy": "allowlist"}, ZALOUSER_ZCA="/opt/zca"), env={})
    assert settings.account().dm_policy == "allowlist"
    assert settings.zca == "/opt/zca"


def test_load_settings_from_a_json5_block(tmp_path):
    path = tmp_path / "zalouser.json5"
    path.write_text("// comments and trailing commas are fine\n{dmPolicy: 'allowlist', allowFrom: ['1',],}\n")
    settings = load_settings(SimpleNamespace(ZALOUSER_CONFIG=str(path)), env={})
    assert settings.account().allow_from == ("1",)


def test_load_settings_from_a_whole_openclaw_config(tmp_path):
    path = tmp_path / "openclaw.json"
    path.write_text('{"gateway": {"port": 1}, "channels": {"defaults": {"groupPolicy": "allowlist"}, '
                    '"zalouser": {"enabled": true, "accounts": {"work": {"profile": "work"}}}}}')
    settings = load_settings(SimpleNamespace(ZALOUSER_CONFIG=path), env={})
    assert settings.account_ids == ("work",)
    assert settings.account().group_policy == "allowlist"
    assert settings.warnings == ()


def test_whole_config_without_a_zalouser_section_notes_it(tmp_path):
    path = tmp_path / "openclaw.json"
    path.write_text('{"channels": {"telegram": {}}}')
    settings = load_settings(SimpleNamespace(ZALOUSER_CONFIG=path), env={})
    assert "has no channels.zalouser section" in settings.warnings[0]


def test_load_settings_errors_name_the_source(tmp_path):
    path = tmp_path / "z.json5"
    path.write_text("{dmPolicy: 'appairage'}")
    with pytest.raises(ConfigError) as err:
        load_settings(SimpleNamespace(ZALOUSER_CONFIG=str(path)), env={})
    assert err.value.key == "channels.zalouser.dmPolicy"
    assert str(path) in str(err.value) and 'did you mean "pairing"?' in str(err.value)


@pytest.mark.parametrize(
    ("attrs", "key", "fragment"),
    [
        ({"ZALOUSER": {}, "ZALOUSER_CONFIG": "x.json5"}, "ZALOUSER_CONFIG", "both set"),
        ({"ZALOUSER_CONFIG": "/nonexistent/z.json5"}, "ZALOUSER_CONFIG", "cannot read /nonexistent/z.json5"),
        ({"ZALOUSER_CONFIG": 5}, "ZALOUSER_CONFIG", "must be a file path"),
        ({"ZALOUSER": ["dmPolicy"]}, "ZALOUSER", "must hold an object"),
        ({"ZALOUSER_ZCA": ""}, "ZALOUSER_ZCA", "zca executable"),
    ],
)
def test_load_settings_errors(attrs, key, fragment):
    with pytest.raises(ConfigError) as err:
        load_settings(SimpleNamespace(**attrs), env={})
    assert err.value.key == key and fragment in str(err.value)


def test_bad_json5_is_a_config_error(tmp_path):
    path = tmp_path / "z.json5"
    path.write_text("{dmPolicy: }")
    with pytest.raises(ConfigError) as err:
        load_settings(SimpleNamespace(ZALOUSER_CONFIG=str(path)), env={})
    assert "not valid JSON5" in str(err.value)
