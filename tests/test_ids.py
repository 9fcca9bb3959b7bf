"""The one id grammar and the one name key (errbot_zalouser.ids), and that every module uses them."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errbot_zalouser import ids
from errbot_zalouser.backend.identifiers import parse_identifier
from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.ids import Reference, name_key
from errbot_zalouser.policy.access import AccessLists
from errbot_zalouser.policy.resolve import resolve_users
from errbot_zalouser.service.migrate import import_openclaw
from errbot_zalouser.settings import AccountConfig
from errbot_zalouser.stores.memory import memory_stores
from errbot_zalouser.transport.runner import describe_args

# --- ids -----------------------------------------------------------------------------------------

FORTY_DIGITS = "1234567890" * 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4830021983762145322", True),
        ("0", True),
        ("9" * 32, True),
        ("9" * 33, False),
        (FORTY_DIGITS, False),
        ("", False),
        ("12a", False),
        (" 12", False),  # is_id takes no spaces and no prefixes: parse() reads what people write
        ("zalouser:12", False),
        ("٤٢", False),  # Arabic-Indic digits are digits to Python, not to Zalo
        ("１２", False),  # noqa: RUF001 - full-width digits on purpose
        ("-1", False),
    ],
)
def test_is_id(text: str, expected: bool) -> None:
    assert ids.is_id(text) is expected


# text, user_id(), group_id(), thread_id(), parse()
GRAMMAR = [
    ("123", "123", "123", "123", Reference("123")),
    (123, "123", "123", "123", Reference("123")),
    (" 123 ", "123", "123", "123", Reference("123")),
    ("zalouser:123", "123", "123", "123", Reference("123")),
    ("ZaloUser:123", "123", "123", "123", Reference("123")),
    ("zlu:123", "123", "123", "123", Reference("123")),
    ("ZLU: 123", "123", "123", "123", Reference("123")),
    ("zalouser:zlu:123", "123", "123", "123", Reference("123")),
    ("user:123", "123", None, "123", Reference("123")),
    ("zalouser:user:123", "123", None, "123", Reference("123")),
    ("group:456", None, "456", "456", Reference(group_id="456")),
    ("GROUP: 456", None, "456", "456", Reference(group_id="456")),
    ("zalouser:group:456", None, "456", "456", Reference(group_id="456")),
    ("zalouser:group:456/123", None, None, None, Reference("123", "456")),
    ("zalouser:group:456/", None, None, None, None),
    ("zalouser:123/456", None, None, None, None),
    ("group:1/2/3", None, None, None, None),
    ("user:group:1", None, None, None, None),
    ("zalo:123", None, None, None, None),
    ("zalouser:", None, None, None, None),
    ("zalouser:abc", None, None, None, None),
    ("Alice", None, None, None, None),
    ("*", None, None, None, None),
    (FORTY_DIGITS, None, None, None, None),
    ("zalouser:" + FORTY_DIGITS, None, None, None, None),
    ("group:" + FORTY_DIGITS, None, None, None, None),
    ("٤٢", None, None, None, None),
    ("", None, None, None, None),
    (True, None, None, None, None),
    (None, None, None, None, None),
    (1.5, None, None, None, None),
]


@pytest.mark.parametrize(("text", "user", "group", "thread", "ref"), GRAMMAR, ids=[repr(g[0]) for g in GRAMMAR])
def test_grammar(text: object, user: str | None, group: str | None, thread: str | None,
                 ref: Reference | None) -> None:
    assert ids.user_id(text) == user
    assert ids.group_id(text) == group
    assert ids.thread_id(text) == thread
    assert ids.parse(text) == ref


@pytest.mark.parametrize(
    ("ref", "text"),
    [(Reference("123"), "zalouser:123"), (Reference(group_id="456"), "zalouser:group:456"),
     (Reference("123", "456"), "zalouser:group:456/123")],
)
def test_reference_text_is_canonical(ref: Reference, text: str) -> None:
    assert str(ref) == text


@pytest.mark.parametrize(
    ("entry", "stripped"),
    [("zalouser:123", "123"), ("ZLU:123", "123"), ("ZaloUser:zlu:123", "123"), (" 123 ", "123"), (123, "123"),
     ("*", "*"), ("zlu:*", "*"), ("Alice", "Alice"), ("zalouser: Nguyễn An", "Nguyễn An"), ("group:5", "group:5"),
     ("user:5", "user:5"), ("zalouser:group:5", "group:5"), ("", ""), ("zalouser:", "")],
)
def test_strip_scheme(entry: object, stripped: str) -> None:
    assert ids.strip_scheme(entry) == stripped


digits = st.from_regex(r"\A[0-9]{1,32}\Z")
schemes = st.lists(st.sampled_from(["zalouser:", "zlu:", "ZaloUser:", "ZLU:", "zalouser: ", "zlu:  "]), max_size=3)


def _case(text: str, upper: bool) -> str:
    return text.upper() if upper else text


@given(uid=digits, gid=digits, written=schemes, upper=st.booleans(), pad=st.sampled_from(["", " ", "\t "]))
def test_prefixes_round_trip(uid: str, gid: str, written: list[str], upper: bool, pad: str) -> None:
    scheme = "".join(written)
    assert ids.user_id(f"{pad}{scheme}{uid}{pad}") == uid
    assert ids.user_id(f"{scheme}{_case('user:', upper)}{uid}") == uid
    assert ids.group_id(f"{pad}{scheme}{_case('group:', upper)}{gid}{pad}") == gid
    assert ids.group_id(f"{scheme}{uid}") == uid  # where a group is expected, a bare id is the group
    assert ids.user_id(f"{scheme}group:{gid}") is None  # ...and a group is never a user
    member = ids.parse(f"{scheme}group:{gid}/{uid}")
    assert member == Reference(uid, gid)
    for ref in (Reference(uid), Reference(group_id=gid), member):
        assert ids.parse(str(ref)) == ref
        assert ids.strip_scheme(str(ref)).startswith(("group:", uid))


@given(st.text(max_size=40))
def test_whatever_parses_names_ids_only(text: str) -> None:
    ref = ids.parse(text)
    if ref is not None:
        assert all(ids.is_id(i) for i in (ref.user_id, ref.group_id) if i)
        assert ref.user_id or ref.group_id


# --- name_key ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Nguyễn", "nguyen"),
        ("NGUYỄN", "nguyen"),
        ("Nguyen", "nguyen"),
        ("Nguyễn Văn An", "nguyen van an"),
        ("NGUYEN  van   an", "nguyen van an"),
        ("Đào", "dao"),
        ("đào", "dao"),
        ("Dao", "dao"),
        ("ĐÀO", "dao"),
        ("ĐẶNG", "dang"),
        ("Ðào", "dao"),  # U+00D0, the look-alike sometimes typed for Đ
        ("Trần Thị Ưng", "tran thi ung"),
        ("Phở  bò\t tái\n", "pho bo tai"),
        ("Lê Văn Nguyện", "le van nguyen"),
        (unicodedata.normalize("NFD", "Nguyễn Đức"), "nguyen duc"),
        (unicodedata.normalize("NFC", "Nguyễn Đức"), "nguyen duc"),
        ("Ali\x00ce\x1b", "alice"),  # control characters are dropped
        ("84912345678", "84912345678"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_name_key_table(text: str, key: str) -> None:
    assert name_key(text) == key


VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
vietnamese_text = st.text(
    alphabet=st.sampled_from(VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " 0123456789\t"), max_size=60
)


@given(st.text(max_size=80))
def test_name_key_is_idempotent(text: str) -> None:
    assert name_key(name_key(text)) == name_key(text)


@given(st.text(max_size=80))
def test_name_key_ignores_the_normalization_form(text: str) -> None:
    forms = {name_key(unicodedata.normalize(form, text)) for form in ("NFC", "NFD")}
    assert len(forms) == 1


@given(st.text(max_size=80))
def test_name_key_ignores_case(text: str) -> None:
    assert name_key(text.casefold()) == name_key(text)


@given(vietnamese_text)
def test_name_key_of_vietnamese_ignores_case_and_form_and_is_plain_ascii(text: str) -> None:
    key = name_key(text)
    assert key == name_key(text.upper()) == name_key(text.lower())
    assert key == name_key(unicodedata.normalize("NFD", text.upper()))
    assert key.isascii() and key == key.lower()
    assert "  " not in key and key == key.strip()


# --- one answer everywhere: a 40-digit number is no Zalo id ------------------------------------


def test_a_40_digit_number_is_no_id_anywhere(tmp_path: Path) -> None:
    settings = parse_channel_block({"allowFrom": [FORTY_DIGITS, "123"]}, env={})
    assert settings.account().allow_from == ("123",)
    assert any("not a Zalo id" in w and FORTY_DIGITS in w for w in settings.warnings)
    assert AccessLists.build(AccountConfig("a", allow_from=[FORTY_DIGITS])).dm_ids == frozenset()
    assert resolve_users([FORTY_DIGITS], []).ids == ()
    with pytest.raises(ValueError):
        parse_identifier("zalouser:" + FORTY_DIGITS)
    (tmp_path / "zalouser-allowFrom.json").write_text(f'{{"version": 1, "allowFrom": ["{FORTY_DIGITS}", "7"]}}')
    stores = memory_stores()
    report = import_openclaw(tmp_path, stores, now=0.0)
    assert stores.approved.ids("default") == {"7"}
    assert [s.reason for s in report.skipped] == ["not a numeric Zalo user id"]
    assert describe_args(["msg", "send", "--", FORTY_DIGITS]) == "msg send -- <40 chars>"  # not shown as an id


@pytest.mark.parametrize(("text", "expected"), [(FORTY_DIGITS, True), ("9" * 33, True), ("9" * 32, False),
                                                ("٤" * 40, False), ("1" * 39 + "a", False), ("", False)])
def test_is_overlong_id(text: str, expected: bool) -> None:
    assert ids.is_overlong_id(text) is expected
