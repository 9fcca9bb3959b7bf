"""decide_dm / decide_group across every policy, as tables."""

from __future__ import annotations

import pytest

from errbot_zalouser.policy.access import (
    AccessLists,
    Decision,
    Outcome,
    decide_dm,
    decide_group,
    group_candidates,
    group_slug,
    match_group_rule,
)
from errbot_zalouser.settings import AccountConfig, GroupRule

DISPATCH, DROP, CHALLENGE = Outcome.DISPATCH, Outcome.DROP, Outcome.CHALLENGE
ALICE, BOB, STRANGER = "1001", "1002", "9999"


NM = {"name_matching": True}  # dangerouslyAllowNameMatching: group name/slug keys tried at run time


def _lists(account: AccountConfig, approved: tuple[str, ...] = (), resolved: tuple[str, ...] = ()) -> AccessLists:
    return AccessLists.build(account, approved_ids=approved, resolved_user_ids=resolved)


# --- DMs ---------------------------------------------------------------------------------------

DM_CASES = [
    # id, dm_policy, enabled, allow_from, approved, sender, outcome
    ("disabled drops an allowlisted sender", "disabled", True, [ALICE], (), ALICE, DROP),
    ("disabled drops even with *", "disabled", True, ["*"], (), STRANGER, DROP),
    ("open admits a stranger", "open", True, [], (), STRANGER, DISPATCH),
    ("open does not need *", "open", True, [ALICE], (), STRANGER, DISPATCH),
    ("disabled account drops under open", "open", False, [], (), STRANGER, DROP),
    ("disabled account drops an allowlisted sender", "pairing", False, [ALICE], (), ALICE, DROP),
    ("pairing challenges a stranger", "pairing", True, [], (), STRANGER, CHALLENGE),
    ("pairing admits a config id", "pairing", True, [ALICE], (), ALICE, DISPATCH),
    ("pairing admits a prefixed config id", "pairing", True, [f"zalouser:{ALICE}"], (), ALICE, DISPATCH),
    ("pairing admits an approved sender", "pairing", True, [], (BOB,), BOB, DISPATCH),
    ("pairing admits anyone with *", "pairing", True, ["*"], (), STRANGER, DISPATCH),
    ("pairing challenges the non-listed", "pairing", True, [ALICE], (BOB,), STRANGER, CHALLENGE),
    ("allowlist drops a stranger silently", "allowlist", True, [ALICE], (), STRANGER, DROP),
    ("allowlist admits a config id", "allowlist", True, [ALICE], (), ALICE, DISPATCH),
    ("allowlist admits an approved sender (seed)", "allowlist", True, [], (BOB,), BOB, DISPATCH),
    ("allowlist admits anyone with *", "allowlist", True, ["*"], (), STRANGER, DISPATCH),
    ("allowlist with an empty list admits nobody", "allowlist", True, [], (), STRANGER, DROP),
    ("a display name never grants access (pairing)", "pairing", True, ["Alice"], (), STRANGER, CHALLENGE),
    ("a display name never grants access (allowlist)", "allowlist", True, ["Alice"], (), STRANGER, DROP),
    ("a name is never compared with the sender id", "allowlist", True, ["Alice"], (), "Alice", DROP),
    ("ids match exactly, no substrings", "allowlist", True, [ALICE], (), ALICE + "0", DROP),
    ("an empty sender id is dropped", "open", True, [], (), "", DROP),
]


@pytest.mark.parametrize(
    ("policy", "enabled", "allow_from", "approved", "sender", "expected"),
    [case[1:] for case in DM_CASES],
    ids=[case[0] for case in DM_CASES],
)
def test_decide_dm(policy, enabled, allow_from, approved, sender, expected):
    account = AccountConfig("default", enabled=enabled, dm_policy=policy, allow_from=allow_from)
    decision = decide_dm(account, sender, _lists(account, approved))
    assert decision.outcome is expected
    assert isinstance(decision.reason, str) and decision.reason


def test_a_resolved_name_admits_only_the_resolved_id():
    account = AccountConfig("default", dm_policy="allowlist", allow_from=["Alice"])
    lists = _lists(account, resolved=(ALICE,))
    assert decide_dm(account, ALICE, lists).outcome is DISPATCH
    assert decide_dm(account, STRANGER, lists).outcome is DROP


@pytest.mark.parametrize(
    ("policy", "sender", "reason"),
    [
        ("allowlist", STRANGER, f"DM from {STRANGER} not allowlisted (dmPolicy=allowlist)"),
        ("disabled", STRANGER, f"DM from {STRANGER} blocked (dmPolicy=disabled)"),
        ("pairing", STRANGER, f"DM from unknown sender {STRANGER} (dmPolicy=pairing)"),
        ("pairing", ALICE, f"DM from {ALICE} allowlisted (dmPolicy=pairing)"),
    ],
)
def test_dm_reasons_are_short_and_name_the_policy(policy, sender, reason):
    account = AccountConfig("default", dm_policy=policy, allow_from=[ALICE])
    assert decide_dm(account, sender, _lists(account)).reason == reason


def test_unknown_dm_policy_fails_closed():
    account = AccountConfig("default")
    object.__setattr__(account, "dm_policy", "appairage")  # a value AccountConfig itself refuses
    assert decide_dm(account, STRANGER, _lists(account)).outcome is DROP


@pytest.mark.parametrize("field", ["dm_policy", "group_policy", "chunk_mode"])
def test_account_config_refuses_unknown_policies(field):
    with pytest.raises(ValueError):
        AccountConfig("default", **{field: "appairage"})


# --- groups ------------------------------------------------------------------------------------

GID, NAME = "6918273645501928374", "Work Chat"
R = GroupRule

GROUP_CASES = [
    # id, group_policy, groups, extra account kwargs, sender, mentioned, outcome, reason fragment
    ("disabled drops", "disabled", {GID: R()}, {}, ALICE, True, DROP, "groupPolicy=disabled"),
    ("allowlist with no groups drops everything", "allowlist", {}, {}, ALICE, True, DROP,
     f"group {GID} not allowlisted (groupPolicy=allowlist)"),
    ("allowlist admits by id", "allowlist", {GID: R()}, {}, ALICE, False, DISPATCH, f'groups["{GID}"]'),
    ("allowlist admits by group:<id>", "allowlist", {f"group:{GID}": R()}, {}, ALICE, False, DISPATCH, "group:"),
    ("name matching admits by exact name", "allowlist", {NAME: R()}, NM, ALICE, False, DISPATCH, NAME),
    ("name keys are case-sensitive", "allowlist", {"work chat": R()}, NM, ALICE, False, DROP, "not allowlisted"),
    ("name matching admits by slug", "allowlist", {"work-chat": R()}, NM, ALICE, False, DISPATCH, "work-chat"),
    ("by default name keys are inert", "allowlist", {NAME: R()}, {}, ALICE, False, DROP,
     "not allowlisted"),
    ("id-only mode ignores name keys", "allowlist", {NAME: R()}, {"name_matching": False}, ALICE, False, DROP,
     "not allowlisted"),
    ("id-only mode ignores slug keys", "allowlist", {"work-chat": R()}, {"name_matching": False}, ALICE, False,
     DROP, "not allowlisted"),
    ("id-only mode still admits by id", "allowlist", {GID: R()}, {"name_matching": False}, ALICE, False,
     DISPATCH, ""),
    ("* admits any group", "allowlist", {"*": R()}, {}, ALICE, False, DISPATCH, '"*"'),
    ("* with allow false drops", "allowlist", {"*": R(allow=False)}, {}, ALICE, False, DROP, "disabled"),
    ("other groups' keys do not match", "allowlist", {"123": R()}, {}, ALICE, False, DROP, "not allowlisted"),
    ("first present key decides: id deny beats * allow", "allowlist", {GID: R(allow=False), "*": R()}, {},
     ALICE, False, DROP, f'disabled by groups["{GID}"]'),
    ("first present key decides: id allow beats name deny", "allowlist", {GID: R(), NAME: R(allow=False)}, {},
     ALICE, False, DISPATCH, ""),
    ("a denied name key drops", "allowlist", {NAME: R(allow=False), "*": R()}, NM, ALICE, False, DROP,
     "disabled"),
    ("open admits every group", "open", {}, {}, ALICE, False, DISPATCH, "groupPolicy=open"),
    ("open ignores enabled:false (seed)", "open", {GID: R(allow=False)}, {}, ALICE, False, DISPATCH, ""),
    ("disabled account drops", "open", {}, {"enabled": False}, ALICE, True, DROP, "disabled"),
    # requireMention (later option)
    ("account requireMention drops without mention", "open", {}, {"require_mention": True}, ALICE, False,
     DROP, "mention required"),
    ("account requireMention passes with mention", "open", {}, {"require_mention": True}, ALICE, True,
     DISPATCH, ""),
    ("rule requireMention drops without mention", "allowlist", {GID: R(require_mention=True)}, {}, ALICE,
     False, DROP, "mention required"),
    ("rule requireMention false beats * and account", "allowlist",
     {GID: R(require_mention=False), "*": R(require_mention=True)}, {"require_mention": True}, ALICE, False,
     DISPATCH, ""),
    ("* requireMention applies when the rule says nothing", "allowlist",
     {GID: R(), "*": R(require_mention=True)}, {}, ALICE, False, DROP, "mention required"),
    ("* requireMention applies under open", "open", {"*": R(require_mention=True)}, {}, ALICE, False, DROP,
     "mention required"),
    ("* requireMention false beats the account", "open", {"*": R(require_mention=False)},
     {"require_mention": True}, ALICE, False, DISPATCH, ""),
    # groupAllowFrom (later option)
    ("groupAllowFrom admits a listed sender", "open", {}, {"group_allow_from": [ALICE]}, ALICE, False,
     DISPATCH, ""),
    ("groupAllowFrom drops other senders", "open", {}, {"group_allow_from": [ALICE]}, BOB, False, DROP,
     "groupAllowFrom"),
    ("groupAllowFrom * admits everyone", "allowlist", {GID: R()}, {"group_allow_from": ["*"]}, BOB, False,
     DISPATCH, ""),
    ("groupAllowFrom names never match a sender", "open", {}, {"group_allow_from": ["Alice"]}, "Alice",
     False, DROP, "groupAllowFrom"),
    ("empty groupAllowFrom admits any member", "allowlist", {GID: R()}, {"group_allow_from": []}, STRANGER,
     False, DISPATCH, ""),
    ("the DM allowlist does not admit groups", "allowlist", {}, {"allow_from": [ALICE]}, ALICE, True, DROP,
     "not allowlisted"),
]


@pytest.mark.parametrize(
    ("policy", "groups", "extra", "sender", "mentioned", "expected", "fragment"),
    [case[1:] for case in GROUP_CASES],
    ids=[case[0] for case in GROUP_CASES],
)
def test_decide_group(policy, groups, extra, sender, mentioned, expected, fragment):
    account = AccountConfig("default", group_policy=policy, groups=groups, **extra)
    lists = AccessLists.build(account)
    decision = decide_group(account, GID, NAME, sender, mentioned=mentioned, lists=lists)
    assert decision.outcome is expected, decision.reason
    assert fragment in decision.reason


def test_group_messages_never_challenge():
    for policy in ("open", "allowlist", "disabled"):
        account = AccountConfig("default", group_policy=policy, dm_policy="pairing")
        decision = decide_group(account, GID, "", STRANGER, mentioned=True, lists=AccessLists.build(account))
        assert decision.outcome is not CHALLENGE


def test_approved_dm_senders_get_nothing_in_groups():
    account = AccountConfig("default", group_policy="allowlist", group_allow_from=[ALICE], groups={GID: R()})
    lists = AccessLists.build(account, approved_ids=[BOB])
    assert decide_group(account, GID, "", BOB, mentioned=True, lists=lists).outcome is DROP


def test_group_without_a_name_tries_ids_only():
    assert group_candidates(GID, "") == (GID, f"group:{GID}")
    assert group_candidates(GID, NAME) == (GID, f"group:{GID}", NAME, "work-chat")
    assert group_candidates(GID, NAME, name_matching=False) == (GID, f"group:{GID}")


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Work Chat", "work-chat"), ("#General", "general"), ("  Dev -- Ops!! ", "dev-ops"), ("Nhóm 1", "nh-m-1"),
     ("!!!", "")],
)
def test_group_slug(name, slug):
    assert group_slug(name) == slug


def test_match_group_rule_order():
    rules = {"*": R(require_mention=True), NAME: R(allow=False)}
    assert match_group_rule(rules, GID, NAME) == (NAME, rules[NAME])
    assert match_group_rule(rules, GID, "") == ("*", rules["*"])
    assert match_group_rule({}, GID, NAME) is None


# --- AccessLists.build -------------------------------------------------------------------------


def test_build_combines_config_resolution_and_store():
    account = AccountConfig("default", allow_from=["zlu:1", "Alice", "*"], group_allow_from=["7", "Carol"])
    lists = AccessLists.build(account, resolved_user_ids=["2"], approved_ids=["3"], resolved_group_allow_ids=["8"])
    assert lists.dm_ids == {"1", "2", "3"}
    assert lists.dm_wildcard is True
    assert lists.group_allow_from == {"7", "8"}
    assert lists.group_allow_wildcard is False


def test_build_adds_chat_groups_but_config_rules_win():
    account = AccountConfig("default", groups={"5": R(allow=False)})
    lists = AccessLists.build(account, chat_group_ids=["5", "6"])
    assert lists.groups["5"] == R(allow=False)
    assert lists.groups["6"] == R(allow=True)


def test_build_uses_the_start_up_resolution_even_in_id_only_mode():
    account = AccountConfig("default", allow_from=["Alice"], groups={"Work": R()}, name_matching=False)
    lists = AccessLists.build(account, resolved_user_ids=["2"], group_rules={"Work": R(), "77": R()},
                              resolved_group_allow_ids=["9"])
    assert lists.dm_ids == frozenset({"2"})
    assert dict(lists.groups) == {"Work": R(), "77": R()}
    assert lists.group_allow_from == frozenset({"9"})


def test_access_lists_are_read_only_values():
    lists = AccessLists(dm_ids={"1"}, groups={"5": R()})
    assert isinstance(lists.dm_ids, frozenset)
    with pytest.raises(TypeError):
        lists.groups["6"] = R()  # type: ignore[index]  # read-only: the assignment must fail
    assert lists == AccessLists(dm_ids=frozenset({"1"}), groups={"5": R()})
    assert hash(lists) == hash(AccessLists(dm_ids=frozenset({"1"}), groups={"5": R()}))


def test_decision_is_frozen():
    decision = Decision(DISPATCH, "ok")
    assert decision.dispatch
    with pytest.raises(AttributeError):
        decision.outcome = DROP  # type: ignore[misc]  # frozen: the assignment must fail
