"""The one grammar of Zalo ids and the one key for matching names. Pure; imports nothing of ours.

Ids
---
A Zalo id, of a user or of a group, is 1 to 32 ASCII digits: ``"4830021983762145322"``.
Nothing else is an id: not ``"12a"``, not a 40-digit number, not ``"٤٢"`` (Arabic-Indic digits).

Where people write an id (configuration, chat commands, errbot identifiers, directory queries)
it may carry prefixes. They are read case-insensitively, each may be followed by spaces, and the
whole text is trimmed::

    reference := scheme* ( "group:" ID [ "/" ID ]  |  [ "user:" ] ID )
    scheme    := "zalouser:" | "zlu:"

==================================================  ==============================================
text                                                 means
==================================================  ==============================================
``123``, ``zalouser:123``, ``ZLU: 123``              user 123 (:func:`user_id`)
``user:123``                                         user 123 (the form logs and status print)
``zalouser:zlu:123``                                 user 123 (schemes may repeat)
``group:456``, ``zalouser:group:456``                group 456 (:func:`group_id`)
``456`` where a group is expected                    group 456
``zalouser:group:456/123``                           user 123 as a member of group 456 (:func:`parse`)
``group:456`` where a user is expected               nothing: not a user
``zalouser:abc``, ``zalo:123``, 40 digits            nothing: not a reference
==================================================  ==============================================

Configuration entries that are not references (names, ``"*"``) keep their text with the schemes
removed: :func:`strip_scheme` (``"zlu:*"`` -> ``"*"``, ``"zalouser:Alice"`` -> ``"Alice"``).

Names
-----
A person or group is matched by name (``allowFrom`` and ``groups`` at start-up, ``!allowlist``,
``!pair revoke``, directory search) by comparing :func:`name_key` of both sides. The key
case-folds, removes Vietnamese (and all other) diacritics, maps đ/Đ (which Unicode does not
decompose) to d, drops control characters and collapses whitespace, so the form a name was typed
in does not matter:

==================================  ==================
name                                 name_key
==================================  ==================
``Nguyễn Văn An``                    ``nguyen van an``
``NGUYEN  van an``                   ``nguyen van an``
``Đào``, ``Dao``, ``ĐÀO``            ``dao``
``Nguyễn`` in NFC or in NFD          ``nguyen``
==================================  ==================

Matching is exact on the key: no substrings (directory *search* ranks substrings, but an
allowlist never does). A key shared by two people is ambiguous and resolves to nobody.
Run-time group matching under ``dangerouslyAllowNameMatching`` is OpenClaw's own rule (the exact
``groups`` key, or its slug) and is deliberately not this key: see ``policy.access``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

SCHEME = "zalouser:"
"""The canonical scheme: errbot identifiers and ACLs are written ``zalouser:<id>``."""
GROUP = "group:"
"""The kind prefix of a group reference."""
USER = "user:"
"""The kind prefix of a user reference (optional)."""
MAX_ID_DIGITS = 32

_ID = rf"[0-9]{{1,{MAX_ID_DIGITS}}}"
_ID_RE = re.compile(rf"{_ID}\Z")
_SCHEMES_RE = re.compile(r"(?:(?:zalouser|zlu):\s*)+", re.IGNORECASE)
_REFERENCE_RE = re.compile(
    rf"""(?:(?:zalouser|zlu):\s*)*
    (?: group:\s*(?P<group>{_ID})(?:/(?P<member>{_ID}))?
      | (?P<user_kind>user:\s*)?(?P<user>{_ID}) )\Z""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Reference:
    """What a written reference names. ``user_id`` and ``group_id`` are "" where absent; both are
    set for a group member. ``kind_written`` is False for a bare id (its kind comes from context)."""

    user_id: str = ""
    group_id: str = ""
    kind_written: bool = field(default=True, compare=False)

    def __str__(self) -> str:
        """The canonical text, which :func:`parse` reads back to an equal reference."""
        if not self.group_id:
            return SCHEME + self.user_id
        member = f"/{self.user_id}" if self.user_id else ""
        return f"{SCHEME}{GROUP}{self.group_id}{member}"


def is_id(text: str) -> bool:
    """True for 1 to 32 ASCII digits and nothing else (no prefix, no spaces)."""
    return isinstance(text, str) and _ID_RE.match(text) is not None


def is_overlong_id(text: str) -> bool:
    """True for ASCII digits too many to be an id (a typo, or a number that lost precision)."""
    return len(text) > MAX_ID_DIGITS and text.isascii() and text.isdigit()


def parse(text: object) -> Reference | None:
    """The reference ``text`` writes (see the grammar above), or None. Numbers count as their digits."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        return None
    match = _REFERENCE_RE.match(str(text).strip())
    if match is None:
        return None
    if match["group"]:
        return Reference(user_id=match["member"] or "", group_id=match["group"])
    return Reference(user_id=match["user"], kind_written=match["user_kind"] is not None)


def user_id(text: object) -> str | None:
    """The user id of a user reference (``123``, ``zalouser:123``, ``user:123``...), else None."""
    ref = parse(text)
    return ref.user_id if ref is not None and not ref.group_id else None


def group_id(text: object) -> str | None:
    """The group id of a group reference, or of a bare id (``456``, ``group:456``...), else None."""
    ref = parse(text)
    if ref is None or (ref.user_id and ref.group_id):
        return None
    if ref.group_id:
        return ref.group_id
    return None if ref.kind_written else ref.user_id


def thread_id(text: object) -> str | None:
    """The id of a user or a group reference, whichever it is (directory queries), else None."""
    ref = parse(text)
    if ref is None or (ref.user_id and ref.group_id):
        return None
    return ref.group_id or ref.user_id


def strip_scheme(entry: object) -> str:
    """A configuration entry without its ``zalouser:``/``zlu:`` schemes, trimmed; numbers become text.

    ``"ZaloUser:zlu: 123"`` -> ``"123"``, ``"zlu:*"`` -> ``"*"``, ``"group:5"`` stays ``"group:5"``.
    """
    text = str(entry).strip()
    match = _SCHEMES_RE.match(text)
    return text[match.end():].strip() if match else text


# --- names -----------------------------------------------------------------------------------------


class _FoldTable(dict[int, str | None]):
    """str.translate table, filled lazily: drop combining marks and control characters (but not
    whitespace), map đ and ð (no Unicode decomposition; Ð is a look-alike sometimes typed for Đ)
    to d, keep everything else."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        value: str | None = char
        if char in "đð":
            value = "d"
        elif _is_dropped(char):
            value = None
        self[code] = value
        return value


def _is_dropped(char: str) -> bool:
    """True for combining marks and for control characters other than whitespace."""
    if unicodedata.combining(char):
        return True
    category = unicodedata.category(char)
    return category in ("Mn", "Me") or (category == "Cc" and not char.isspace())


_FOLD_TABLE = _FoldTable()


def name_key(name: str) -> str:
    """The comparison form of a name (see the module docstring). Idempotent:
    ``name_key(name_key(x)) == name_key(x)``; the NFC and NFD forms of a name share one key."""
    if name.isascii():
        return " ".join(name.lower().translate(_FOLD_TABLE).split())
    decomposed = unicodedata.normalize("NFD", name.casefold()).translate(_FOLD_TABLE)
    if not decomposed.isascii():  # rare: a few characters change again when casefolded
        decomposed = unicodedata.normalize("NFD", decomposed.casefold()).translate(_FOLD_TABLE)
    return " ".join(decomposed.split())
