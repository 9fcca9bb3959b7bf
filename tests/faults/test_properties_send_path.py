"""Suite 6: property tests for what tests/outbound, tests/policy and tests/backend leave out.

Already covered there: chunk_styled itself (limits, content, styles, fixed points), identifier
round trips of ASCII ids, and the pure DM/group decisions. Added here:

* chunking through the whole send path, on both surfaces of `zca-sim`: Markdown ->
  service.send_markdown -> send pool -> `zca-sim`; the chat (the sent log), in order, shows
  exactly the chunks of the rendered reply (Zalo styles on 0.1.58, readable plain text on the
  legacy binary), every message within the limit and sent as one submission, nothing lost or
  reordered;
* the service's gate with start-up name resolution: a DM is dispatched exactly when its sender
  id is allowed, whatever display name it carries (names never grant access);
* identifiers: only ASCII digit ids are accepted.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errbot_zalouser.backend.identifiers import ZaloPerson, ZaloRoom, parse_identifier
from errbot_zalouser.model import InboundEvent, Target
from errbot_zalouser.outbound.chunking import chunk_styled
from errbot_zalouser.policy.access import Outcome
from errbot_zalouser.richtext.markdown import from_markdown
from errbot_zalouser.richtext.plain import plain_form
from errbot_zalouser.richtext.styled import styles_by_char
from errbot_zalouser.simulator import seed
from tests.faults.conftest import ADMIN, STRANGER
from tests.outbound.test_chunking_properties import documents
from tests.richtext.chat import chat_styled

LIMIT = 60
_threads = itertools.count(1)

markdown_extras = st.sampled_from(["- item", "* star *emph*", "**bold** text", "1. first", "> quoted", "# Title",
                                   "`inline code`", "[a link](https://example.invalid)", "5*3*2 a_b {red}",
                                   "```\n1. code\n```"])
markdown = st.lists(st.one_of(documents, markdown_extras), min_size=1, max_size=4).map("\n\n".join)


@pytest.mark.parametrize("surface", ["0.1.58", "legacy"])
@pytest.mark.parametrize("mode", ["length", "newline"])
def test_rendered_markdown_reaches_the_chat_chunked_and_whole(service_factory, sim, mode, surface):
    sim.set_surface(surface)
    service = service_factory({"textChunkLimit": LIMIT, "chunkMode": mode})

    @settings(max_examples=8, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(text=markdown)
    def check(text: str) -> None:
        thread = f"1{next(_threads):018d}"
        styled = from_markdown(text)
        shaped = styled if surface == "0.1.58" else plain_form(styled)
        expected = chunk_styled(shaped, LIMIT, mode)
        assert service.send_markdown(None, Target(thread), text) == len(expected)
        assert service.drain(30)
        records = [r for r in sim.sent() if r.get("threadId") == thread]
        assert all(r.get("chunks", 1) == 1 for r in records)  # the tool never split a message itself
        chat = [chat_styled(r) for r in records]
        assert [c.text for c in chat] == [c.text for c in expected]
        if surface == "0.1.58":
            assert [styles_by_char(c) for c in chat] == [styles_by_char(c) for c in expected]
        assert all(0 < c.rendered_length <= LIMIT for c in chat)

    check()
    assert service.status()[0].failed_sends == 0


# --- the gate: ids decide, names never do -----------------------------------------------------

FRIENDS = {f["userId"]: f["displayName"] for f in seed.default_friends()}
ALLOWED_BY_NAME = ("Alice Smith", "Lê Quốc Bảo")
ALLOWED_IDS = {uid for uid, name in FRIENDS.items() if name in ALLOWED_BY_NAME}
OTHER_IDS = [*sorted(set(FRIENDS) - ALLOWED_IDS - {ADMIN}), STRANGER, "1", "9" * 19]
NAMES = [*sorted(set(FRIENDS.values())), "", "Sim Bot", "alice smith", " Alice Smith "]


@pytest.mark.parametrize("policy", ["allowlist", "pairing", "disabled"])
def test_gate_admits_by_id_never_by_display_name(service_factory, policy):
    service = service_factory({"dmPolicy": policy, "allowFrom": list(ALLOWED_BY_NAME),
                               "pairing": {"replyText": ""}})

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(sender=st.sampled_from(sorted(ALLOWED_IDS) + OTHER_IDS), name=st.sampled_from(NAMES),
           content=st.sampled_from(["hi", "!echo x", "!pair approve ABCDEFGH", "--help"]))
    def check(sender: str, name: str, content: str) -> None:
        event = InboundEvent(thread_id=sender, sender_id=sender, content=content, is_group=False,
                             sender_name=name)
        outcome = service.admit("default", event).outcome
        if policy != "disabled" and sender in ALLOWED_IDS:
            assert outcome is Outcome.DISPATCH
        else:
            assert outcome is not Outcome.DISPATCH
            assert outcome is (Outcome.CHALLENGE if policy == "pairing" else Outcome.DROP)

    check()


# --- identifiers --------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(digits=st.text(st.characters(categories=["Nd"]), min_size=1, max_size=20),
       form=st.sampled_from(["zalouser:{}", "{}", "zalouser:group:{}", "zalouser:group:1/{}"]))
def test_identifiers_accept_only_ascii_digit_ids(digits, form):
    try:
        found = parse_identifier(form.format(digits))
    except ValueError:
        return
    ids = [found.group_id] if isinstance(found, ZaloRoom) else [found.user_id]
    if hasattr(found, "room"):
        ids.append(found.room.group_id)
    assert all(i.isascii() and i.isdigit() for i in ids), found
    assert isinstance(found, (ZaloPerson, ZaloRoom))
