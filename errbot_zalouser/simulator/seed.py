"""The deterministic default state of a fresh simulator profile.

A bot account, eight friends and three groups, chosen to exercise name handling: Vietnamese
names with diacritics, two friends with the same display name, a case variant ("Phạm Linh" /
"phạm linh"), two groups with the same name, and a group member who is not a friend. Ids are
19-digit numeric strings, as Zalo's are. Every call returns fresh copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BOT_ID = "5190347726618830547"
STRANGER_ID = "8812093746152093847"

_AVATAR = "https://s120-ava-talk.zadn.vn/sim/{uid}.jpg"

# (userId, displayName, zaloName, username, phoneNumber, gender)
_FRIENDS: tuple[tuple[str, str, str, str, str, int], ...] = (
    ("2947718306652210431", "Nguyễn Văn An", "An Nguyễn", "annguyen", "84912345601", 0),
    ("3318205567419902764", "Đào Thị Bích", "Bích Đào", "", "84912345602", 1),
    ("4061172938805514290", "Trần Minh", "Trần Minh", "tranminh", "84912345603", 0),
    ("4107725519063381846", "Trần Minh", "Minh Trần (HN)", "", "", 0),
    ("5523901846127730915", "Phạm Linh", "Phạm Linh", "phamlinh", "84912345605", 1),
    ("5529083317742261508", "phạm linh", "linh pham", "", "84912345606", 1),
    ("6634210987765540123", "Alice Smith", "Alice", "alice", "84912345607", 1),
    ("7745318260094413377", "Lê Quốc Bảo", "Bảo Lê", "baole", "84912345608", 0),
)

# (groupId, name, creatorId, memberIds)
_GROUPS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "6920154873301128374",
        "Gia đình",
        "2947718306652210431",
        (BOT_ID, "2947718306652210431", "3318205567419902764", "5523901846127730915"),
    ),
    (
        "7031928374650192837",
        "Work Chat",
        BOT_ID,
        (BOT_ID, "4061172938805514290", "6634210987765540123", "7745318260094413377", STRANGER_ID),
    ),
    (
        "7031928374650197777",
        "Work Chat",
        "4107725519063381846",
        (BOT_ID, "4107725519063381846", "5529083317742261508"),
    ),
)


def user_row(
    user_id: str,
    display_name: str,
    zalo_name: str = "",
    username: str = "",
    phone: str = "",
    gender: int = 0,
    *,
    is_friend: bool = True,
) -> dict[str, Any]:
    """A zca-js `User`-like object (the fields consumers read, plus a few raw ones)."""
    return {
        "userId": user_id,
        "username": username,
        "displayName": display_name,
        "zaloName": zalo_name or display_name,
        "avatar": _AVATAR.format(uid=user_id),
        "gender": gender,
        "dob": 0,
        "sdob": "",
        "status": "",
        "phoneNumber": phone,
        "isFr": 1 if is_friend else 0,
        "isBlocked": 0,
        "lastActionTime": 0,
        "globalId": "",
    }


def member_row(user: dict[str, Any]) -> dict[str, Any]:
    """The `group members -j` row for a user object."""
    return {
        "userId": str(user.get("userId", "")),
        "displayName": user.get("displayName", ""),
        "zaloName": user.get("zaloName", ""),
        "avatar": user.get("avatar", ""),
    }


def group_row(group_id: str, name: str, creator_id: str, member_ids: list[str]) -> dict[str, Any]:
    """A zca-js `DetailGroupInfo`-like object: `totalMember`, not `memberCount`."""
    return {
        "groupId": group_id,
        "name": name,
        "desc": "",
        "type": 1,
        "creatorId": creator_id,
        "avt": "",
        "fullAvt": "",
        "memberIds": list(member_ids),
        "adminIds": [creator_id],
        "totalMember": len(member_ids),
        "maxMember": 1000,
        "subType": 0,
        "createdTime": 1700000000000,
        "globalId": "",
    }


def default_me() -> dict[str, Any]:
    """The bot's own account (`me info`)."""
    return user_row(BOT_ID, "Sim Bot", "Sim Bot", "simbot", "84900000001", is_friend=False)


def default_friends() -> list[dict[str, Any]]:
    """The seeded friend list."""
    return [user_row(*row) for row in _FRIENDS]


def default_groups() -> list[dict[str, Any]]:
    """The seeded group list."""
    return [group_row(gid, name, creator, list(ids)) for gid, name, creator, ids in _GROUPS]


def default_members() -> dict[str, list[dict[str, Any]]]:
    """Members of each seeded group, keyed by groupId."""
    stranger = user_row(STRANGER_ID, "Người Lạ", "Người Lạ", is_friend=False)
    return {group["groupId"]: derive_members(group, default_me(), default_friends(), [stranger])
            for group in default_groups()}


def derive_members(
    group: dict[str, Any],
    me: dict[str, Any],
    friends: list[dict[str, Any]],
    others: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Member rows for ``group['memberIds']``, named from the known users where possible."""
    known = {str(u.get("userId")): u for u in [me, *friends, *others] if isinstance(u, dict)}
    rows = []
    for uid in group.get("memberIds") or []:
        user = known.get(str(uid), {"userId": str(uid), "displayName": "", "zaloName": "", "avatar": ""})
        rows.append(member_row(user))
    return rows


def default_state(logged_in: bool = True) -> dict[str, Any]:
    """A complete fresh profile state."""
    return {
        "me": default_me(),
        "friends": default_friends(),
        "groups": default_groups(),
        "members": default_members(),
        "loggedIn": logged_in,
    }
