"""Folding, ranked search and the TTL directory cache (errbot_zalouser.service.directory)."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errbot_zalouser.errors import AmbiguousName, NotFound
from errbot_zalouser.ids import name_key
from errbot_zalouser.model import ZaloGroup, ZaloUser
from errbot_zalouser.service.directory import (
    DirectoryCache,
    SearchIndex,
    group_fields,
    query_variants,
    search,
    user_fields,
    user_sort_key,
)


@pytest.mark.parametrize(
    ("query", "variants"),
    [
        ("Nguyễn", ("nguyen",)),
        ("user:1001", ("1001",)),
        ("zalouser:group:5001", ("5001",)),
        ("+84 912 345 678", ("+84 912 345 678", "0912345678")),
        ("0912-345-678", ("0912-345-678", "0912345678")),
        ("", ()),
    ],
)
def test_query_variants(query: str, variants: tuple[str, ...]) -> None:
    assert query_variants(query) == variants


# --- search --------------------------------------------------------------------------------------

USERS = [
    ZaloUser("1001", "Nguyễn Văn An", phone="84912345678"),
    ZaloUser("1002", "An Nguyen"),
    ZaloUser("1003", "Đào Thị Nguyệt"),
    ZaloUser("1004", "Trần Nguyên"),
    ZaloUser("1005", "Lan"),
    ZaloUser("1006", "Nguyen"),
    ZaloUser("1007", "ĐẶNG Hữu Phước", zalo_name="Phuoc Dang", username="phuocdang"),
    ZaloUser("2001", "Bùi Văn Nam"),
]


def ids(result) -> list[str]:
    return [u.user_id for u in result.rows]


def find(query: str, limit: int | None = None) -> list[str]:
    return ids(search(USERS, query, fields=user_fields, limit=limit, sort_key=user_sort_key))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nguyen", ["1006", "1002", "1001", "1004"]),  # exact name, then word starts (by name)
        ("NGUYỄN", ["1006", "1002", "1001", "1004"]),
        ("dao", ["1003"]),
        ("Đào", ["1003"]),
        ("dang", ["1007"]),
        ("phuoc", ["1007"]),  # display name and zalo name, one row
        ("phuocdang", ["1007"]),  # username
        ("1001", ["1001"]),  # exact id
        ("user:1001", ["1001"]),
        ("100", ["1002", "1007", "1003", "1005", "1006", "1001", "1004"]),  # id starts, by name
        ("0912345678", ["1001"]),  # local form of 84912345678
        ("84912345678", ["1001"]),
        ("+84 912 345 678", ["1001"]),
        ("an", ["1002", "1001", "2001", "1007", "1005", "1004"]),  # word starts, then substrings
        ("van an", ["1001"]),
        ("nguyen an", ["1002", "1001"]),  # every word starts a word, in any order
        ("an ngu", ["1002", "1004", "1001"]),  # word start, substring, all words
        ("van", ["2001", "1001"]),
        ("xyz", []),
    ],
)
def test_search_ranking(query: str, expected: list[str]) -> None:
    assert find(query) == expected


def test_empty_query_lists_everything_by_name() -> None:
    assert find("") == ["1002", "2001", "1007", "1003", "1005", "1006", "1001", "1004"]


def test_ties_by_name_then_id() -> None:
    twins = [ZaloUser("30", "Hà"), ZaloUser("10", "Ha"), ZaloUser("20", "Hà An")]
    assert ids(search(twins, "ha", fields=user_fields, sort_key=user_sort_key)) == ["10", "30", "20"]


def test_limit_and_omitted_count() -> None:
    result = search(USERS, "nguyen", fields=user_fields, limit=2, sort_key=user_sort_key)
    assert ids(result) == ["1006", "1002"]
    assert result.total == 4
    assert result.omitted == 2


def test_limit_none_means_all_and_zero_means_count_only() -> None:
    index = SearchIndex(USERS, user_fields, sort_key=user_sort_key)
    assert len(index.search("", None).rows) == len(USERS)
    counted = index.search("nguyen", 0)
    assert counted.rows == () and counted.total == 4


def test_default_sort_key_is_the_folded_first_field() -> None:
    groups = [ZaloGroup("2", "Đội bóng"), ZaloGroup("1", "Công việc"), ZaloGroup("3", "gia đình")]
    assert [g.group_id for g in search(groups, "", fields=group_fields).rows] == ["1", "2", "3"]


def test_index_named_and_exact() -> None:
    index = SearchIndex(USERS, user_fields, names=lambda u: (u.display_name, u.zalo_name))
    assert [u.user_id for u in index.named("dao thi nguyet")] == ["1003"]
    assert [u.user_id for u in index.named("phuoc dang")] == ["1007"]
    assert index.named("1001") == []  # ids are not names
    assert [u.user_id for u in index.exact("0912345678")] == ["1001"]


def reference_rank(user: ZaloUser, query: str) -> int | None:
    """The documented ranking, computed the slow way."""
    keys = [name_key(f) for f in user_fields(user) if name_key(f)]
    if query in keys:
        return 0
    if any(k.startswith(query) or f" {query}" in k for k in keys):
        return 1
    if any(query in k for k in keys):
        return 2
    words = query.split()
    starts = [w for k in keys for w in k.split()]
    if len(words) > 1 and all(any(s.startswith(w) for s in starts) for w in words):
        return 3
    return None


def reference_search(users: list[ZaloUser], query: str) -> list[str]:
    ranked = [(reference_rank(u, name_key(query)), user_sort_key(u), u.user_id) for u in users]
    return [uid for rank, _key, uid in sorted(r for r in ranked if r[0] is not None)]


NAME_WORDS = ["Nguyễn", "Văn", "An", "Đào", "Thị", "Lan", "Hà", "Anh", "Ngân"]
names = st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=3)


@given(
    st.lists(st.tuples(names, st.integers(1000, 1100)), max_size=30, unique_by=lambda t: t[1]),
    st.sampled_from(["an", "nguyen", "dao", "van an", "ha", "10", "105", "anh lan", "ngan", "a"]),
)
def test_index_matches_the_reference_ranking(people: list, query: str) -> None:
    users = [ZaloUser(str(uid), " ".join(words)) for words, uid in people]
    index = SearchIndex(users, user_fields, sort_key=user_sort_key)
    assert [u.user_id for u in index.search(query).rows] == reference_search(users, query)


def test_large_index_finds_the_same_as_a_linear_scan() -> None:
    users = [ZaloUser(str(10_000 + i), f"Nguyễn Văn {i}", phone=f"0912{i:06d}") for i in range(3000)]
    index = SearchIndex(users, user_fields, sort_key=user_sort_key)
    for query in ("van 12", "1234", "nguyen", "0912000077"):
        result = index.search(query, limit=None)
        assert [u.user_id for u in result.rows] == reference_search(users, query)
        assert result.total == len(result.rows)


# --- DirectoryCache ------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Fetcher:
    """Counting fetch functions over fixed lists."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.groups = [ZaloGroup("5001", "Gia đình"), ZaloGroup("5002", "Công việc"), ZaloGroup("5003", "Gia Đình")]

    def friends(self) -> list[ZaloUser]:
        self.calls.append("friends")
        return list(USERS)

    def group_list(self) -> list[ZaloGroup]:
        self.calls.append("groups")
        return list(self.groups)

    def members(self, group_id: str) -> list[ZaloUser]:
        self.calls.append(f"members:{group_id}")
        return USERS[:3] if group_id == "5001" else []

    def me(self) -> ZaloUser:
        self.calls.append("self")
        return ZaloUser("9999", "Bot")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher()


@pytest.fixture
def cache(fetcher: Fetcher, clock: FakeClock) -> DirectoryCache:
    return DirectoryCache(fetcher.friends, fetcher.group_list, fetcher.members, fetcher.me, ttl=60, clock=clock)


def test_second_query_costs_no_fetch(cache: DirectoryCache, fetcher: Fetcher) -> None:
    assert ids(cache.peers("nguyen", 20)) == ["1006", "1002", "1001", "1004"]
    assert ids(cache.peers("dao", 20)) == ["1003"]
    cache.find_users_exact("Lan")
    assert fetcher.calls == ["friends"]


def test_refresh_refetches(cache: DirectoryCache, fetcher: Fetcher) -> None:
    cache.groups("gia", 20)
    fetcher.groups.append(ZaloGroup("5004", "Gia phả"))
    assert cache.groups("gia", 20).total == 2
    assert cache.groups("gia", 20, refresh=True).total == 3
    assert cache.groups("gia", 20).total == 3
    assert fetcher.calls == ["groups", "groups"]


def test_ttl_expiry(cache: DirectoryCache, fetcher: Fetcher, clock: FakeClock) -> None:
    cache.self_info()
    clock.now += 59
    cache.self_info()
    assert fetcher.calls == ["self"]
    clock.now += 2
    assert cache.self_info().user_id == "9999"
    assert fetcher.calls == ["self", "self"]


def test_members_are_cached_per_group(cache: DirectoryCache, fetcher: Fetcher) -> None:
    assert cache.members("5001", 50).total == 3
    assert cache.members("5001", 2).omitted == 1
    assert cache.members("5002", 50).total == 0
    assert fetcher.calls == ["members:5001", "members:5002"]


def test_invalidate(cache: DirectoryCache, fetcher: Fetcher) -> None:
    cache.peers("", 1)
    cache.invalidate()
    cache.peers("", 1)
    assert fetcher.calls == ["friends", "friends"]


def test_failed_fetch_is_not_cached(fetcher: Fetcher, clock: FakeClock) -> None:
    attempts = []

    def flaky() -> list[ZaloUser]:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("zca down")
        return list(USERS)

    cache = DirectoryCache(flaky, fetcher.group_list, fetcher.members, fetcher.me, clock=clock)
    with pytest.raises(RuntimeError):
        cache.peers("an", 5)
    assert cache.peers("an", 5).total == 6
    assert len(attempts) == 2


def test_concurrent_misses_fetch_once(fetcher: Fetcher) -> None:
    gate = threading.Event()
    calls = []

    def slow_friends() -> list[ZaloUser]:
        calls.append(1)
        gate.wait(5)
        return list(USERS)

    cache = DirectoryCache(slow_friends, fetcher.group_list, fetcher.members, fetcher.me)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(cache.peers("an", 5).total)) for _ in range(4)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(5)
    assert results == [6, 6, 6, 6]
    assert calls == [1]


@pytest.mark.parametrize(
    ("text", "group_id"),
    [("5002", "5002"), ("group:5002", "5002"), ("cong viec", "5002"), ("Công Việc", "5002")],
)
def test_resolve_group(cache: DirectoryCache, text: str, group_id: str) -> None:
    found = cache.resolve_group(text)
    assert (found.group_id, found.name) == (group_id, "Công việc")


def test_resolve_group_ambiguous_name(cache: DirectoryCache) -> None:
    with pytest.raises(AmbiguousName) as caught:
        cache.resolve_group("gia dinh")
    assert caught.value.candidates == (("5001", "Gia đình"), ("5003", "Gia Đình"))


def test_resolve_group_never_guesses_from_a_partial_name(cache: DirectoryCache) -> None:
    with pytest.raises(NotFound):
        cache.resolve_group("cong")


def test_resolve_group_unknown_id(cache: DirectoryCache) -> None:
    assert cache.resolve_group("7777") == ZaloGroup("7777")
    with pytest.raises(NotFound):
        cache.resolve_group("7777", strict=True)
    with pytest.raises(NotFound):
        cache.resolve_group("  ")


def test_find_users_exact_reports_every_match(cache: DirectoryCache, fetcher: Fetcher) -> None:
    assert [u.user_id for u in cache.find_users_exact("NGUYEN")] == ["1006"]
    assert [u.user_id for u in cache.find_users_exact("phuoc dang")] == ["1007"]
    assert cache.find_users_exact("Nguy") == []


def test_find_groups_exact(cache: DirectoryCache) -> None:
    assert [g.group_id for g in cache.find_groups_exact("GIA ĐÌNH")] == ["5001", "5003"]


def test_resolve_group_with_a_digit_name(fetcher: Fetcher, clock: FakeClock) -> None:
    fetcher.groups += [ZaloGroup("6001", "2024"), ZaloGroup("2024", "Lớp 12")]
    cache = DirectoryCache(fetcher.friends, fetcher.group_list, fetcher.members, fetcher.me, clock=clock)
    assert cache.resolve_group("2024").name == "Lớp 12"  # an id wins over a name
    fetcher.groups.pop()
    assert cache.resolve_group("2024", refresh=True).group_id == "6001"
    assert cache.resolve_group("group:2024").group_id == "2024"  # explicitly an id
