"""Pairing codes and the pure request-list operations."""

from __future__ import annotations

import itertools

import pytest

from errbot_zalouser.errors import PolicyError
from errbot_zalouser.model import PairingRequest
from errbot_zalouser.policy import pairing
from errbot_zalouser.policy.pairing import ALPHABET, new_code, normalize_code, prune, take, upsert

TTL = 3600.0


def scripted(chars: str):
    """A ``choice`` that returns the given characters in order."""
    source = iter(chars)
    return lambda _alphabet: next(source)


def add(requests, user, now, *, account="default", max_pending=3, scope="channel", name=""):
    return upsert(requests, account=account, user_id=user, name=name, now=now, ttl=TTL,
                  max_pending=max_pending, scope=scope)


# --- codes -------------------------------------------------------------------------------------


def test_alphabet_has_32_unambiguous_symbols():
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("0O1I") & set(ALPHABET)
    assert ALPHABET.upper() == ALPHABET


def test_new_code_is_8_chars_from_the_alphabet():
    for _ in range(200):
        code = new_code(set())
        assert len(code) == 8 and set(code) <= set(ALPHABET)


def test_new_code_skips_taken_codes():
    assert new_code({"AAAAAAAA"}, choice=scripted("A" * 8 + "B" * 8)) == "BBBBBBBB"
    assert new_code({"aaaaaaaa"}, choice=scripted("A" * 8 + "C" * 8)) == "CCCCCCCC"


def test_new_code_gives_up_after_500_attempts():
    calls = itertools.count()

    def always_a(_alphabet):
        next(calls)
        return "A"

    with pytest.raises(PolicyError, match="failed to generate unique pairing code"):
        new_code({"AAAAAAAA"}, choice=always_a)
    assert next(calls) == 500 * 8


def test_new_code_length_is_configurable():
    assert len(new_code(set(), length=4)) == 4


@pytest.mark.parametrize(("typed", "stored"), [(" abcd2345 ", "ABCD2345"), ("AbCd2345\n", "ABCD2345")])
def test_normalize_code(typed, stored):
    assert normalize_code(typed) == stored


# --- upsert ------------------------------------------------------------------------------------


def test_first_message_creates_a_request():
    requests, request, created = add((), "1", 100.0, name="Ann")
    assert created and request is not None
    assert requests == (request,)
    assert (request.user_id, request.account, request.name) == ("1", "default", "Ann")
    assert request.created_at == request.last_seen_at == 100.0


def test_repeat_only_bumps_last_seen_and_never_extends_the_ttl():
    requests, first, _ = add((), "1", 0.0)
    requests, again, created = add(requests, "1", 3000.0, name="Ann")
    assert not created
    assert again.code == first.code and again.created_at == 0.0 and again.last_seen_at == 3000.0
    assert again.name == "Ann" and len(requests) == 1
    # TTL counts from creation: at 3600 s the request is gone and a new code is made.
    requests, fresh, created = add(requests, "1", TTL)
    assert created and fresh.created_at == TTL and len(requests) == 1


def test_repeat_keeps_the_old_name_when_none_is_given():
    requests, _, _ = add((), "1", 0.0, name="Ann")
    _, again, _ = add(requests, "1", 5.0)
    assert again.name == "Ann"


def test_cap_ignores_a_new_sender_without_recording_it():
    requests = ()
    for user in "123":
        requests, _, _ = add(requests, user, 0.0)
    after, request, created = add(requests, "4", 10.0)
    assert (request, created) == (None, False)
    assert after == requests
    # A pending sender at the cap still gets its request back.
    _, again, created = add(requests, "2", 11.0)
    assert again is not None and not created


def test_cap_frees_up_when_a_request_expires():
    requests, _, _ = add((), "1", 0.0)
    requests, _, _ = add(requests, "2", 100.0)
    requests, _, _ = add(requests, "3", 200.0)
    requests, request, created = add(requests, "4", TTL + 1)
    assert request is not None
    assert created and {r.user_id for r in requests} == {"2", "3", "4"}


@pytest.mark.parametrize(("scope", "created"), [("channel", False), ("account", True)])
def test_cap_scope(scope, created):
    requests = ()
    for user in "123":
        requests, _, _ = add(requests, user, 0.0, account="a", scope=scope)
    _, request, was_created = add(requests, "9", 1.0, account="b", scope=scope)
    assert was_created is created and (request is not None) is created


def test_same_sender_on_two_accounts_gets_two_requests_with_distinct_codes():
    requests, first, _ = add((), "1", 0.0, account="a")
    requests, second, created = add(requests, "1", 0.0, account="b")
    assert created and first.code != second.code and len(requests) == 2


def test_a_lowered_cap_keeps_the_most_recently_seen():
    requests = tuple(PairingRequest(f"CODE000{i}", str(i), "default", 0.0, float(i)) for i in range(2, 7))
    trimmed, request, created = add(requests, "3", 100.0)
    assert {r.user_id for r in trimmed} == {"3", "5", "6"}
    assert not created and request.user_id == "3"


def test_codes_are_unique_among_pending_requests():
    requests = (PairingRequest("AAAAAAAA", "1", "default", 0.0, 0.0),)
    requests, request, _ = upsert(requests, account="default", user_id="2", name="", now=1.0, ttl=TTL,
                                  max_pending=3, scope="channel", choice=scripted("A" * 8 + "B" * 8))
    assert request.code == "BBBBBBBB"


# --- prune / take ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created", "now", "live"),
    [(0.0, 0.0, True), (0.0, TTL - 0.001, True), (0.0, TTL, False), (float("nan"), 0.0, False),
     (float("inf"), 0.0, False), (10 * TTL, 0.0, False), (10.0, 5.0, True)],
)
def test_prune(created, now, live):
    request = PairingRequest("AAAAAAAA", "1", "default", created, created)
    assert prune((request,), now, TTL) == ((request,) if live else ())


def test_take_is_case_insensitive_and_removes_the_request():
    requests, request, _ = add((), "1", 0.0)
    rest, found = take(requests, f"  {request.code.lower()} ", now=10.0, ttl=TTL)
    assert found == request and rest == ()


def test_take_filters_by_account():
    requests, request, _ = add((), "1", 0.0, account="a")
    assert take(requests, request.code, account="b", now=1.0, ttl=TTL) == (requests, None)
    assert take(requests, request.code, account="a", now=1.0, ttl=TTL)[1] == request


def test_take_ignores_expired_requests_and_prunes_them():
    requests, request, _ = add((), "1", 0.0)
    assert take(requests, request.code, now=TTL, ttl=TTL) == ((), None)


def test_take_unknown_code():
    requests, _, _ = add((), "1", 0.0)
    assert take(requests, "ZZZZZZZZ", now=1.0, ttl=TTL) == (requests, None)


def test_find_does_not_remove():
    requests, request, _ = add((), "1", 0.0)
    assert pairing.find(requests, request.code.lower(), now=1.0, ttl=TTL) == request
    assert pairing.find(requests, request.code, now=TTL, ttl=TTL) is None
