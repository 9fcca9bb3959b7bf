"""Group mentions from the sending side: neutralised @, labels that resolve to one member.

The oracle for "what openzca resolves" is zca-sim's model of openzca 0.1.58's mention code
(``simulator.textsend``), run on the text as it would reach the tool.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errbot_zalouser.model import ZaloUser
from errbot_zalouser.richtext.styled import BOLD, MentionRange, StyledText, StyleRange
from errbot_zalouser.simulator import nodejs, textsend
from errbot_zalouser.transport.mentions import JOINER, mention_label, neutralise, with_mentions

MEMBERS = [
    ZaloUser("2947718306652210431", "Minh", "Minh Nguyen"),
    ZaloUser("6634210987765540123", "Minh", "Minh Tran"),
    ZaloUser("3000000000000000001", "An"),
    ZaloUser("3000000000000000002", "An Khang"),
    ZaloUser("3000000000000000003", "Bảo"),
]
ROWS = [{"userId": m.user_id, "displayName": m.display_name, "zaloName": m.zalo_name} for m in MEMBERS]


def resolved(text: str) -> list[tuple[str, str]]:
    """(mention text, user id) as openzca resolves ``text`` in a group (TextSendError if it fails)."""
    units = nodejs.to_units(text)
    return [(nodejs.from_units(units[m["pos"]:m["pos"] + m["len"]]), m["uid"])
            for m in textsend.resolve_mentions(units, ROWS)]


@pytest.mark.parametrize(("text", "expected"), [
    ("@Minh hi", f"{JOINER}@Minh hi"),
    ("hi (@An) and x@y and @ alone and trailing @", f"hi ({JOINER}@An) and x@y and @ alone and trailing @"),
    ("line\n@Bảo", f"line\n{JOINER}@Bảo"),
    ("no at sign", "no at sign"),
])
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(StyledText(text)).text == expected


def test_without_neutralising_an_ambiguous_name_fails_the_send() -> None:
    with pytest.raises(textsend.TextSendError, match="Ambiguous mention"):
        resolved("@Minh hi")
    assert resolved(neutralise(StyledText("@Minh hi")).text) == []


def test_styles_stay_on_their_text() -> None:
    styled = neutralise(StyledText("say @An", (StyleRange(4, 3, BOLD),)))
    assert styled.text[styled.styles[0].start:styled.styles[0].end] == "@An"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("@ aAnMinhBảo(,:.\n\t\u00a0x")), max_size=40))
def test_a_neutralised_text_mentions_nobody_and_never_fails(text: str) -> None:
    assert resolved(neutralise(StyledText(text)).text) == []
    assert not textsend.might_mention(nodejs.to_units(neutralise(StyledText(text)).text))


@pytest.mark.parametrize(("user_id", "label"), [
    ("2947718306652210431", "Minh Nguyen"),  # "Minh" is shared: the Zalo name is not
    ("3000000000000000001", "3000000000000000001"),  # "An" starts "An Khang": @An would not be safe
    ("3000000000000000002", "An Khang"),
    ("3000000000000000003", "Bảo"),
    ("9999999999999999999", "9999999999999999999"),  # not a member: the id (the caller checks membership)
])
def test_mention_label(user_id: str, label: str) -> None:
    assert mention_label(user_id, MEMBERS) == label


@pytest.mark.parametrize("user_id", [m.user_id for m in MEMBERS])
def test_a_requested_mention_resolves_to_that_member_only(user_id: str) -> None:
    label = mention_label(user_id, MEMBERS)
    styled = neutralise(with_mentions(StyledText("@Minh, your build is done"), [(label, user_id)]))
    assert styled.mentions == (MentionRange(0, len(label) + 1, user_id),)
    assert resolved(styled.text) == [(f"@{label}", user_id)]
    assert styled.text.endswith(f"{JOINER}@Minh, your build is done")
