"""Errbot identifiers keyed on Zalo ids.

Text forms (``str()`` of each round-trips through :func:`parse_identifier`):

    zalouser:<uid>                  a person (also its ``person`` and ``aclattr``)
    zalouser:group:<gid>            a group room
    zalouser:group:<gid>/<uid>      a member of a group (``aclattr`` is the member's ``zalouser:<uid>``)

Input follows the one id grammar of ``errbot_zalouser.ids`` (``zlu:`` as an alias of
``zalouser:``, a bare id means a person). Equality and hashing use ids only. The display name and
the account the identifier was seen on are decoration: they never take part in identity or
authority. Building, comparing and hashing identifiers does no I/O; the Room API (``exists``,
``joined``, ``occupants``, ``join``) asks the backend, which may run `zca`.
"""

from __future__ import annotations

from typing import Any

from errbot import CommandError
from errbot.backends.base import Person, Room, RoomDoesNotExistError, RoomError, RoomOccupant

from errbot_zalouser import ids
from errbot_zalouser.errors import ZcaError

PREFIX = ids.SCHEME
GROUP_PREFIX = ids.SCHEME + ids.GROUP


class ZaloPerson(Person):
    """A Zalo user, identified by user id."""

    def __init__(self, user_id: str, name: str = "", account: str | None = None) -> None:
        self._user_id = str(user_id)
        self._name = name
        self.account = account

    @property
    def user_id(self) -> str:
        return self._user_id

    @property
    def person(self) -> str:
        return PREFIX + self._user_id

    @property
    def client(self) -> str:
        return self.account or ""

    @property
    def nick(self) -> str:
        return self._name or self._user_id

    @property
    def aclattr(self) -> str:
        return self.person

    @property
    def fullname(self) -> str:
        return self._name or self._user_id

    def __str__(self) -> str:
        return self.person

    def __repr__(self) -> str:
        return f"<ZaloPerson {self.person} {self._name!r}>"

    def __eq__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._user_id == other._user_id

    def __hash__(self) -> int:
        return hash(("zalouser-person", self._user_id))


class ZaloRoom(Room):
    """A Zalo group thread. Joining, creating or inviting is not possible through zca."""

    def __init__(self, group_id: str, name: str = "", account: str | None = None, backend: Any = None) -> None:
        self._group_id = str(group_id)
        self._name = name
        self.account = account
        self._backend = backend

    @property
    def group_id(self) -> str:
        return self._group_id

    @property
    def name(self) -> str:
        return self._name or self._group_id

    @property
    def aclattr(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return GROUP_PREFIX + self._group_id

    def __repr__(self) -> str:
        return f"<ZaloRoom {self} {self._name!r}>"

    def __eq__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._group_id == other._group_id

    def __hash__(self) -> int:
        return hash(("zalouser-room", self._group_id))

    # Room API: a personal account can only talk in groups it is already a member of. Refusals are
    # ZaloRoomError: errbot's RoomError for plugins, and a CommandError so that errbot answers a
    # command such as `!room create` with the one sentence, without a traceback.
    @property
    def exists(self) -> bool:
        """True when the account is a member of the group; raises ZcaError when `zca` cannot tell."""
        return self._backend is not None and self._backend.group_exists(self._group_id)

    @property
    def joined(self) -> bool:
        return self.exists

    @property
    def topic(self) -> str | None:
        """The group's name when known (Zalo groups have no separate topic)."""
        return self._name or None

    @topic.setter
    def topic(self, topic: str) -> None:
        raise ZaloRoomError("Renaming a Zalo group from the bot is not supported; rename it in the Zalo app.")

    @property
    def occupants(self) -> list[ZaloOccupant]:
        if self._backend is None:
            return []
        try:
            members = self._backend.group_members(self._group_id)
        except ZcaError as exc:
            raise ZaloRoomError(f"Cannot list the members of {self}: {first_line(exc)}") from exc
        return [ZaloOccupant(u.user_id, self, u.name) for u in members]

    def join(self, username: str | None = None, password: str | None = None) -> None:
        """Nothing to do for a group the account is in; ZaloRoomNotFound for any other."""
        try:
            member = self.exists
        except ZcaError as exc:
            raise ZaloRoomError(f"cannot tell whether {self} is a group of this Zalo account: "
                                f"{first_line(exc)}") from exc
        if not member:
            raise ZaloRoomNotFound(f"{self} is not a group of this Zalo account; add the account to it "
                                   "from the Zalo app (the bot cannot join groups itself).")

    def leave(self, reason: str | None = None) -> None:
        raise ZaloRoomError("Leaving a Zalo group from the bot is not supported; leave it in the Zalo app.")

    def create(self) -> None:
        raise ZaloRoomError("Creating a Zalo group from the bot is not supported; create it in the Zalo app "
                            "and add the bot's account to it.")

    def destroy(self) -> None:
        raise ZaloRoomError("Deleting a Zalo group from the bot is not supported; delete it in the Zalo app.")

    def invite(self, *args: Any) -> None:
        raise ZaloRoomError("Inviting people to a Zalo group from the bot is not supported; add them in the "
                            "Zalo app.")


class ZaloRoomError(RoomError, CommandError):
    """A Room operation a personal Zalo account cannot do through zca. It is errbot's RoomError, so
    a plugin's ``except RoomError`` catches it, and errbot's CommandError, so that errbot answers a
    command that raised it with ``reason`` alone (no "Computer says nooo", no traceback)."""

    def __init__(self, reason: str) -> None:
        Exception.__init__(self, reason)
        self.reason = reason
        self.template = None

    def __str__(self) -> str:
        return self.reason


class ZaloRoomNotFound(ZaloRoomError, RoomDoesNotExistError):
    """No such group among the account's groups (errbot's RoomDoesNotExistError)."""


def first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


class ZaloOccupant(ZaloPerson, RoomOccupant):
    """A group member as seen in a group message."""

    def __init__(self, user_id: str, room: ZaloRoom, name: str = "", account: str | None = None) -> None:
        super().__init__(user_id, name, account if account is not None else room.account)
        self._room = room

    @property
    def room(self) -> ZaloRoom:
        return self._room

    def __str__(self) -> str:
        return f"{self._room}/{self.user_id}"

    def __repr__(self) -> str:
        return f"<ZaloOccupant {self} {self._name!r}>"

    def __eq__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.user_id == other.user_id and self._room == other._room

    def __hash__(self) -> int:
        return hash(("zalouser-occupant", self.user_id, self._room.group_id))


def parse_identifier(text: str, *, backend: Any = None) -> ZaloPerson | ZaloRoom | ZaloOccupant:
    """Parse the text forms listed in the module docstring; raise ValueError on anything else."""
    ref = ids.parse(text) if isinstance(text, str) else None
    if ref is None:
        raise ValueError(
            f"not a Zalouser identifier: {text!r} "
            "(expected zalouser:<user id>, zalouser:group:<group id> or zalouser:group:<group id>/<user id>)"
        )
    if not ref.group_id:
        return ZaloPerson(ref.user_id)
    room = ZaloRoom(ref.group_id, backend=backend)
    return ZaloOccupant(ref.user_id, room) if ref.user_id else room
