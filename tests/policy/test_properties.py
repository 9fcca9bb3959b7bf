"""Property tests: access never opens by accident, the pending cap holds, codes are well formed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from errbot_zalouser.ids import strip_scheme, user_id
from errbot_zalouser.policy.access import AccessLists, Outcome, decide_dm, decide_group
from errbot_zalouser.policy.pairing import ALPHABET, new_code, prune, upsert
from errbot_zalouser.settings import AccountConfig, GroupRule

ids = st.text("0123456789", min_size=1, max_size=20)
names = st.text(min_size=1, max_size=20).filter(lambda s: strip_scheme(s) not in ("", "*"))
entries = st.lists(st.one_of(ids, names), max_size=6)
TTL = 3600.0


@settings(max_examples=300, deadline=None)
@given(
    policy=st.sampled_from(["pairing", "allowlist", "disabled"]),
    sender=ids,
    allow_from=entries,
    approved=st.frozensets(ids, max_size=6),
    resolved=st.frozensets(ids, max_size=6),
)
def test_unknown_dm_sender_is_never_dispatched(policy, sender, allow_from, approved, resolved):
    allow_from = [e for e in allow_from if user_id(e) != sender]
    account = AccountConfig("default", dm_policy=policy, allow_from=allow_from)
    lists = AccessLists.build(account, approved_ids=approved - {sender}, resolved_user_ids=resolved - {sender})
    decision = decide_dm(account, sender, lists)
    assert decision.outcome is not Outcome.DISPATCH
    assert decision.outcome is (Outcome.CHALLENGE if policy == "pairing" else Outcome.DROP)


@settings(max_examples=200, deadline=None)
@given(sender=st.text(max_size=20), policy=st.sampled_from(["pairing", "allowlist", "open", "disabled"]))
def test_disabled_accounts_dispatch_nothing(sender, policy):
    account = AccountConfig("default", enabled=False, dm_policy=policy, group_policy="open", allow_from=["*"])
    lists = AccessLists.build(account)
    assert decide_dm(account, sender, lists).outcome is Outcome.DROP
    assert decide_group(account, "1", "", sender, mentioned=True, lists=lists).outcome is Outcome.DROP


@settings(max_examples=200, deadline=None)
@given(group_id=ids, name=st.text(max_size=20), keys=st.lists(ids, max_size=5), mentioned=st.booleans())
def test_allowlist_never_admits_an_unlisted_group(group_id, name, keys, mentioned):
    account = AccountConfig("default", group_policy="allowlist",
                            groups={k: GroupRule() for k in keys if k != group_id}, name_matching=False)
    decision = decide_group(account, group_id, name, "1", mentioned=mentioned, lists=AccessLists.build(account))
    assert decision.outcome is Outcome.DROP


events = st.lists(
    st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 9), st.floats(0, 1500, allow_nan=False)),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(events=events, max_pending=st.integers(1, 5), scope=st.sampled_from(["channel", "account"]))
def test_upsert_never_exceeds_the_cap(events, max_pending, scope):
    requests: tuple = ()
    now = 0.0
    for account, user, step in events:
        now += step
        requests, request, created = upsert(requests, account=account, user_id=str(user), name="", now=now,
                                            ttl=TTL, max_pending=max_pending, scope=scope)
        assert not created or request is not None
        live = prune(requests, now, TTL)
        assert live == requests
        for counted in (["a", "b"] if scope == "account" else [None]):
            assert sum(1 for r in live if counted is None or r.account == counted) <= max_pending
        assert len({r.code for r in live}) == len(live)
        assert len({(r.account, r.user_id) for r in live}) == len(live)
        if request is not None:
            assert request in live and request.created_at <= now


@settings(max_examples=300, deadline=None)
@given(taken=st.sets(st.text(ALPHABET, min_size=8, max_size=8), max_size=50))
def test_codes_are_8_symbols_from_the_alphabet_and_fresh(taken):
    code = new_code(taken)
    assert len(code) == 8 and set(code) <= set(ALPHABET) and code not in taken
