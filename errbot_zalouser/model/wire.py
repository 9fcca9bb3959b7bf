"""Tolerant readers for the JSON `zca` prints: every model value reads its fields through these.

A field of the wrong type reads as empty (``""``, ``[]``, an empty mapping, ``None``), never as
an exception: listener lines come from a tool whose output grows, and from Zalo users, so an odd
field must cost that field only. Pure: no I/O.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

EMPTY: Mapping[str, Any] = MappingProxyType({})
MAX_NESTED_JSON = 100_000  # characters of a JSON-in-a-string field (``params``) worth decoding


class BadEvent(ValueError):
    """A listener line is JSON but not a usable message event."""


def frozen_mapping(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only view. A plain dict is taken over as it is (callers pass freshly decoded JSON),
    which keeps a 10,000-contact directory from holding every row twice."""
    return MappingProxyType(obj if type(obj) is dict else dict(obj))


def text(value: Any) -> str:
    """A string or an integer as text; anything else (booleans, floats, objects) as ``""``."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, (str, int)):
        return str(value)
    return ""


def first_text(*values: Any) -> str:
    """The first of ``values`` that reads as non-blank text, stripped; ``""`` when none does."""
    for value in values:
        found = text(value).strip()
        if found:
            return found
    return ""


def listing(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def mapping(value: Any) -> Mapping[str, Any]:
    """An object as a mapping; a JSON object in a string (openzca's ``params``) decoded; else empty."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value.lstrip().startswith("{") and len(value) <= MAX_NESTED_JSON:
        try:
            decoded = json.loads(value)
        except (ValueError, RecursionError):
            return EMPTY
        return decoded if isinstance(decoded, Mapping) else EMPTY
    return EMPTY


def whole_number(value: Any) -> int | None:
    """A non-negative whole number given as a number or as digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and math.isfinite(value) and value >= 0 and value == int(value):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value.strip())
    return None


def timestamp(value: Any) -> float:
    """Epoch seconds from seconds or milliseconds (anything over 1e10 is milliseconds); 0 if unreadable."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0.0
    return value / 1000.0 if value > 1e10 else float(value)
