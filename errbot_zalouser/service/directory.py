"""Directory search: Vietnamese-aware folding, ranked search, and a TTL cache of the lists.

The account's friend list, group list, group member lists and own profile are fetched through
callables (the service passes `zca` calls) and kept in a :class:`cachetools.TTLCache`, so repeated
queries cost no `zca` call. Every fill builds a :class:`SearchIndex` once; queries then run over
pre-folded keys.

Names are compared by ``ids.name_key`` (the one name rule), which makes matching case- and
diacritic-insensitive for Vietnamese: "nguyen" finds Nguyễn, "dao" finds Đào. Below, "folded"
means "turned into its name key". Ranking puts exact matches (id, phone or folded name) first,
then matches at the start of a word, then other substrings, then (for several words) items where
every word starts a word; ties are broken by folded name, then id.

Nothing here imports errbot.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from cachetools import TTLCache

from errbot_zalouser import ids
from errbot_zalouser.errors import AmbiguousName, NotFound
from errbot_zalouser.ids import name_key
from errbot_zalouser.model import ZaloGroup, ZaloUser
from errbot_zalouser.service.api import SearchResult

log = logging.getLogger(__name__)

T = TypeVar("T")
V = TypeVar("V")
_Key = tuple[str, ...]  # ("friends",), ("groups",), ("self",), ("members", group_id)

_PHONE_LIKE_RE = re.compile(r"^\+?[\d\s().-]*\d[\d\s().-]*$")
_NON_DIGIT_RE = re.compile(r"\D")
# name_key() drops control characters, so no key or query contains these field delimiters.
_FIELD_START, _FIELD_END = "\x01", "\x00"


def phone_variants(phone: str) -> tuple[str, ...]:
    """Searchable forms of a phone number: as written, digits only, and 84... as 0...."""
    digits = _NON_DIGIT_RE.sub("", phone)
    forms = [phone, digits]
    if digits.startswith("84") and len(digits) >= 10:
        forms.append("0" + digits[2:])
    return tuple(f for f in forms if f)


def query_variants(query: str) -> tuple[str, ...]:
    """Folded forms of a query: an id reference is its id; phones also match digits only."""
    text = query.strip()
    thread = ids.thread_id(text)
    if thread:
        return (thread,)
    forms = [name_key(text)]
    if _PHONE_LIKE_RE.match(text):
        digits = _NON_DIGIT_RE.sub("", text)
        if text.startswith("+84") and len(digits) >= 10:
            digits = "0" + digits[2:]
        forms.append(digits)
    return tuple(dict.fromkeys(f for f in forms if f))


def user_fields(user: ZaloUser) -> tuple[str, ...]:
    """What a peer search looks at: display name, Zalo name, username, id and phone."""
    return (user.display_name, user.zalo_name, user.username, user.user_id, *phone_variants(user.phone))


def user_names(user: ZaloUser) -> tuple[str, ...]:
    """The names a user may be referred to by (for exact name -> id resolution)."""
    return (user.display_name, user.zalo_name, user.username)


def user_sort_key(user: ZaloUser) -> tuple[str, str]:
    """Order of equally ranked users: folded name, then id."""
    return (name_key(user.name), user.user_id)


def group_fields(group: ZaloGroup) -> tuple[str, ...]:
    """What a group search looks at: name and id."""
    return (group.name, group.group_id)


def group_names(group: ZaloGroup) -> tuple[str, ...]:
    """The names a group may be referred to by."""
    return (group.name,)


def group_sort_key(group: ZaloGroup) -> tuple[str, str]:
    """Order of equally ranked groups: folded name, then id."""
    return (name_key(group.name), group.group_id)


class SearchIndex(Generic[T]):
    """Items with pre-folded keys, searchable many times. Build once per cache fill.

    ``fields`` gives the searchable strings of an item, ``names`` those for exact name lookup
    (defaults to ``fields``), ``sort_key`` the order of equally ranked items (defaults to the
    folded first field).

    Each item's keys are joined into one string (see ``_joined``): a substring test finds any
    match, ``" " + query`` a match at the start of a word, and no match spans two fields.
    """

    def __init__(
        self,
        items: Iterable[T],
        fields: Callable[[T], Iterable[str]],
        *,
        names: Callable[[T], Iterable[str]] | None = None,
        sort_key: Callable[[T], Any] | None = None,
    ) -> None:
        self.items: tuple[T, ...] = tuple(items)
        keys = [_folded_keys(fields(item)) for item in self.items]
        # One joined string per item serves every lookup (no per-key maps: they cost more memory
        # than a linear scan of 10,000 short strings costs time).
        self._text = [_joined(item_keys) for item_keys in keys]
        self._names = [_joined(_folded_keys(names(i))) for i in self.items] if names else self._text
        self._order = _sorted_indices(self.items, keys, sort_key)
        self._position = [0] * len(self.items)
        for position, index in enumerate(self._order):
            self._position[index] = position

    def __len__(self) -> int:
        return len(self.items)

    def search(self, query: str, limit: int | None = None) -> SearchResult[T]:
        """Best matches first; an empty query lists everything. ``limit=None`` means no limit."""
        variants = query_variants(query)
        if not variants:
            return SearchResult(self._take(self._order, limit), len(self.items))
        buckets = self._buckets(variants)
        total = sum(len(b) for b in buckets)
        return SearchResult(self._take(self._ranked(buckets, limit), limit), total)

    def named(self, name: str) -> list[T]:
        """Items one of whose names folds to exactly ``name_key(name)``, in sort order."""
        return self._whole_field_matches(self._names, [name_key(name)])

    def exact(self, text: str) -> list[T]:
        """Items one of whose fields (names, id, phone...) folds to exactly ``name_key(text)``."""
        return self._whole_field_matches(self._text, query_variants(text))

    def _whole_field_matches(self, texts: Sequence[str], variants: Sequence[str]) -> list[T]:
        needles = [_joined((v,)) for v in variants if v]
        hits = [i for i, t in enumerate(texts) if any(n in t for n in needles)]
        return [self.items[i] for i in sorted(hits, key=self._position.__getitem__)]

    def _buckets(self, variants: Sequence[str]) -> list[set[int]]:
        """Disjoint sets of item indices: exact, word start, other substring, all words."""
        exact: set[int] = set()
        prefix: set[int] = set()
        substring: set[int] = set()
        text = self._text
        for q in variants:
            found = [i for i, t in enumerate(text) if q in t]
            whole, word_start = _joined((q,)), " " + q
            for i in found:
                if whole in text[i]:
                    exact.add(i)
                elif word_start in text[i]:
                    prefix.add(i)
            substring.update(found)
        words = self._all_words(variants[0])
        prefix -= exact
        substring -= exact | prefix
        words -= exact | prefix | substring
        return [exact, prefix, substring, words]

    def _all_words(self, folded: str) -> set[int]:
        """Items where every word of a multi-word query starts a word, in any field and order."""
        words = [" " + w for w in folded.split()]
        if len(words) < 2:
            return set()
        found: Sequence[int] = range(len(self._text))
        text = self._text
        for word in words:
            found = [i for i in found if word in text[i]]
            if not found:
                break
        return set(found)

    def _ranked(self, buckets: list[set[int]], limit: int | None) -> list[int]:
        """Indices in rank order, sorted only as far as the limit needs."""
        out: list[int] = []
        for bucket in buckets:
            room = None if limit is None else limit - len(out)
            if room is not None and room <= 0:
                break
            out.extend(self._first(bucket, room))
        return out

    def _first(self, bucket: set[int], room: int | None) -> list[int]:
        """The first ``room`` members of ``bucket`` in sort order."""
        if room is None or len(bucket) <= 4 * room + 64:
            ordered = sorted(bucket, key=self._position.__getitem__)
            return ordered if room is None else ordered[:room]
        # A large bucket: walk the precomputed order and stop early.
        return list(itertools.islice((i for i in self._order if i in bucket), room))

    def _take(self, indices: Sequence[int], limit: int | None) -> tuple[T, ...]:
        chosen = indices if limit is None else indices[: max(limit, 0)]
        return tuple(self.items[i] for i in chosen)


def _sorted_indices(
    items: Sequence[T], keys: Sequence[tuple[str, ...]], sort_key: Callable[[T], Any] | None
) -> list[int]:
    """Item indices in tie-break order: ``sort_key`` or the folded first field."""
    if sort_key is None:
        return sorted(range(len(items)), key=lambda i: keys[i][:1])
    return sorted(range(len(items)), key=lambda i: sort_key(items[i]))


def _folded_keys(values: Iterable[str]) -> tuple[str, ...]:
    """Distinct non-empty folded forms, in field order."""
    return tuple(dict.fromkeys(k for k in (name_key(v) for v in values if v) if k))


def _joined(keys: Iterable[str]) -> str:
    """Each key as ``<start> key<end>``: a query is found as a substring, at a word start as
    ``" " + query``, as a whole field as ``_joined([query])``, and never across two fields."""
    return "".join(f"{_FIELD_START} {k}{_FIELD_END}" for k in keys)


def search(
    items: Iterable[T],
    query: str,
    *,
    fields: Callable[[T], Iterable[str]],
    limit: int | None = None,
    sort_key: Callable[[T], Any] | None = None,
) -> SearchResult[T]:
    """One-off ranked search. For repeated queries build a :class:`SearchIndex` once."""
    return SearchIndex(items, fields, sort_key=sort_key).search(query, limit)


class DirectoryCache:
    """Cached friend, group, member and self lookups for one account, with ranked search.

    Thread-safe. Each list is fetched at most once per ``ttl`` seconds (concurrent misses of the
    same list wait for one fetch); ``refresh=True`` bypasses the cache and refills it.
    """

    def __init__(
        self,
        fetch_friends: Callable[[], list[ZaloUser]],
        fetch_groups: Callable[[], list[ZaloGroup]],
        fetch_members: Callable[[str], list[ZaloUser]],
        fetch_self: Callable[[], ZaloUser],
        *,
        ttl: float = 300.0,
        maxsize: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch_friends = fetch_friends
        self._fetch_groups = fetch_groups
        self._fetch_members = fetch_members
        self._fetch_self = fetch_self
        self._cache: TTLCache[_Key, Any] = TTLCache(maxsize=maxsize, ttl=ttl, timer=clock)
        self._lock = threading.Lock()
        self._fill_locks: dict[_Key, threading.Lock] = {}

    # -- public lookups ------------------------------------------------------------------------

    def self_info(self, refresh: bool = False) -> ZaloUser:
        """The account's own profile (`me info`)."""
        return self._get(("self",), self._fetch_self, refresh)

    def friends(self, refresh: bool = False) -> SearchIndex[ZaloUser]:
        """The friend list, indexed."""
        return self._get(("friends",), lambda: _user_index(self._fetch_friends()), refresh)

    def group_list(self, refresh: bool = False) -> SearchIndex[ZaloGroup]:
        """The group list, indexed."""
        return self._get(("groups",), lambda: _group_index(self._fetch_groups()), refresh)

    def member_list(self, group_id: str, refresh: bool = False) -> SearchIndex[ZaloUser]:
        """The members of one group, indexed."""
        return self._get(("members", group_id), lambda: _user_index(self._fetch_members(group_id)), refresh)

    def peers(self, query: str, limit: int | None = 20, refresh: bool = False) -> SearchResult[ZaloUser]:
        """Friends matching ``query``, best first."""
        return self.friends(refresh).search(query, limit)

    def groups(self, query: str, limit: int | None = 20, refresh: bool = False) -> SearchResult[ZaloGroup]:
        """Groups matching ``query``, best first."""
        return self.group_list(refresh).search(query, limit)

    def members(
        self, group_id: str, limit: int | None = 50, refresh: bool = False, *, query: str = ""
    ) -> SearchResult[ZaloUser]:
        """Members of a group (optionally filtered by ``query``), sorted by name."""
        return self.member_list(group_id, refresh).search(query, limit)

    def find_users_exact(self, name: str, refresh: bool = False) -> list[ZaloUser]:
        """Friends whose display name, Zalo name or username folds to ``name_key(name)``."""
        return self.friends(refresh).named(name)

    def find_groups_exact(self, name: str, refresh: bool = False) -> list[ZaloGroup]:
        """Groups whose name folds to ``name_key(name)``."""
        return self.group_list(refresh).named(name)

    def resolve_group(self, text: str, refresh: bool = False, *, strict: bool = False) -> ZaloGroup:
        """A group from its id, ``group:<id>`` or exact (folded) name.

        An id the group list does not know gives a bare ``ZaloGroup(id)``, unless ``strict``; a group
        whose name is all digits is found by that name when no group has it as id.
        Raises NotFound, or AmbiguousName when several groups carry the name.
        """
        wanted = text.strip()
        if not wanted:
            raise NotFound("No group given.")
        index = self.group_list(refresh)
        found = index.named(wanted)
        group_id = ids.group_id(wanted)
        if group_id:
            by_id = [g for g in index.exact(group_id) if g.group_id == group_id]
            if by_id:
                return by_id[0]
            if not (found and ids.is_id(wanted)):  # a group whose name is these bare digits wins
                return _unknown_group(group_id, strict)
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousName(wanted, [(g.group_id, g.name) for g in found])
        raise NotFound(f'No group named "{wanted}".')

    def invalidate(self) -> None:
        """Forget everything; the next lookups fetch again."""
        with self._lock:
            self._cache.clear()

    # -- internals -----------------------------------------------------------------------------

    def _get(self, key: _Key, fill: Callable[[], V], refresh: bool) -> V:
        """The cached value for ``key``, filled by ``fill()`` on a miss or a refresh."""
        hit: V | None
        if not refresh:
            hit = self._lookup(key)
            if hit is not None:
                return hit
        with self._fill_lock(key):
            if not refresh:
                hit = self._lookup(key)
                if hit is not None:
                    return hit
            started = time.monotonic()
            value = fill()
            log.debug("directory %s filled in %.3fs", key[0], time.monotonic() - started)
            with self._lock:
                self._cache[key] = value
            return value

    def _lookup(self, key: _Key) -> Any:
        with self._lock:
            return self._cache.get(key)

    def _fill_lock(self, key: _Key) -> threading.Lock:
        with self._lock:
            return self._fill_locks.setdefault(key, threading.Lock())


def _unknown_group(group_id: str, strict: bool) -> ZaloGroup:
    """A group id the list does not know: a bare group, or NotFound when ``strict``."""
    if strict:
        raise NotFound(f"No group with id {group_id}.")
    return ZaloGroup(group_id=group_id)


def _user_index(users: Iterable[ZaloUser]) -> SearchIndex[ZaloUser]:
    return SearchIndex(users, user_fields, names=user_names, sort_key=user_sort_key)


def _group_index(groups: Iterable[ZaloGroup]) -> SearchIndex[ZaloGroup]:
    return SearchIndex(groups, group_fields, names=group_names, sort_key=group_sort_key)
