"""Holding an implementation to a Protocol: every method present, each with the protocol's exact
signature (names, kinds, defaults, annotations spelled alike)."""

from __future__ import annotations

import inspect
from typing import Any


def _own_classes(protocol: type) -> list[type]:
    """The protocol and the protocols it extends (not typing's machinery), base first."""
    return [c for c in reversed(protocol.__mro__) if c.__module__ not in ("typing", "builtins")]


def protocol_methods(protocol: type) -> dict[str, Any]:
    return {name: member for cls in _own_classes(protocol) for name, member in vars(cls).items()
            if callable(member) and not name.startswith("_")}


def protocol_attributes(protocol: type) -> dict[str, str]:
    """Annotated attributes and read-only properties, by name, with their types as written."""
    found: dict[str, str] = {}
    for cls in _own_classes(protocol):
        found.update(vars(cls).get("__annotations__", {}))
        found.update({name: _plain(inspect.signature(member.fget).return_annotation)
                      for name, member in vars(cls).items() if isinstance(member, property)})
    return found


def _plain(annotation: Any) -> str:
    """Annotations are strings (``from __future__ import annotations``); compare them spelled alike."""
    text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
    return " ".join(text.split())


def _shape(signature: inspect.Signature) -> tuple[Any, ...]:
    params = tuple((p.name, p.kind, p.default, _plain(p.annotation)) for p in signature.parameters.values())
    return params, _plain(signature.return_annotation)


def mismatches(protocol: type, implementation: Any) -> list[str]:
    """What ``implementation`` (a class or an instance) lacks or spells differently."""
    problems = []
    for name, method in protocol_methods(protocol).items():
        found = inspect.getattr_static(implementation, name, None)
        if found is None or not callable(found):
            problems.append(f"{name}: missing")
        elif _shape(inspect.signature(found)) != _shape(inspect.signature(method)):
            problems.append(f"{name}: {inspect.signature(found)} != protocol {inspect.signature(method)}")
    return problems
