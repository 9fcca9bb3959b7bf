"""Fault knobs, stored in ``<home>/faults.json`` and consumed atomically under ``faults.lock``.

Shape of the file::

    {"latency_ms": 0,
     "profiles": {"<name>": {
         "rules": [{"kind": "fail", "command": "msg send", "times": 2,
                    "exit_code": 1, "stderr": "..."},
                   {"kind": "hang", "command": "auth status", "times": 1, "seconds": 6.0},
                   {"kind": "submit", "command": "msg send", "times": 1, "chunk": 2,
                    "accepted": true, "error": "read ETIMEDOUT", "hang_s": 0.0}],
         "noise": false, "send_output": "message_id",
         "login": {"delay_s": 0.5, "decline": false}}}}

     "surface": "0.1.58"}

A rule's ``command`` is a prefix of the invocation's command words ("msg" matches every
``msg ...``, "*" matches everything). ``times`` counts down to zero, then the rule is dropped;
a negative ``times`` never runs out. Latency is global; ``ZCA_SIM_LATENCY_MS`` overrides it.

``fail`` and ``hang`` rules act once per invocation, before the command runs. ``submit`` rules
act on one *server submission* (one attempt at sending one chunk or one media message, see
``delivery.py``): ``accepted`` says whether the server took it (it then appears in the chat and
the sent log), ``hang_s`` delays the answer, ``error`` is what the client then gets (none: the
submission succeeds); ``chunk`` (1-based) limits the rule to that chunk of a split text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from errbot_zalouser.simulator import state, texts

LATENCY_ENV = "ZCA_SIM_LATENCY_MS"
DEFAULT_LOGIN_DELAY_S = 0.5


class Failure(NamedTuple):
    """What a triggered ``fail`` rule makes the command do."""

    exit_code: int
    stderr: str


class Trigger(NamedTuple):
    """The faults one invocation consumed: a hang (seconds, 0 for none) and maybe a failure."""

    hang_s: float = 0.0
    failure: Failure | None = None


class Knobs(NamedTuple):
    """Per-profile output knobs."""

    noise: bool = False
    send_output: str = texts.SEND_SHAPES[0]
    login_delay_s: float = DEFAULT_LOGIN_DELAY_S
    login_decline: bool = False


def rule_matches(rule_command: str, words: Sequence[str]) -> bool:
    """True if the rule's command words are a prefix of ``words`` ("*" or "" match all)."""
    wanted = rule_command.split()
    if not wanted or wanted == ["*"]:
        return True
    return list(words[: len(wanted)]) == wanted


class FaultStore:
    """Read, edit and consume the fault knobs of one simulator home."""

    def __init__(self, home: Path) -> None:
        self.path = home / "faults.json"
        self.lock = home / "faults.lock"

    def read(self) -> dict[str, Any]:
        """The whole file (empty dict when absent or unreadable)."""
        data = state.read_json(self.path, {})
        return data if isinstance(data, dict) else {}

    def edit(self, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Read-modify-write under the lock."""
        with state.locked(self.lock):
            data = self.read()
            change(data)
            state.write_json(self.path, data)
            return data

    def edit_profile(self, profile: str, change: Callable[[dict[str, Any]], None]) -> None:
        """Edit one profile's section in place, under the lock."""

        def apply(data: dict[str, Any]) -> None:
            section = data.setdefault("profiles", {}).setdefault(profile, {})
            change(section)

        self.edit(apply)

    # --- what one invocation needs -------------------------------------------------------

    @staticmethod
    def latency_ms(data: dict[str, Any], environ: Mapping[str, str]) -> int:
        """Latency to model: the env override, else the stored global value."""
        raw = environ.get(LATENCY_ENV)
        value: Any = raw if raw not in (None, "") else data.get("latency_ms", 0)
        try:
            return max(0, int(float(value)))
        except (TypeError, ValueError):
            return 0

    @staticmethod
    def knobs(data: dict[str, Any], profile: str) -> Knobs:
        """The output knobs of ``profile`` from a snapshot."""
        section = _section(data, profile)
        login = section.get("login")
        if not isinstance(login, dict):
            login = {}
        shape = section.get("send_output")
        return Knobs(
            noise=bool(section.get("noise", False)),
            send_output=shape if shape in texts.SEND_SHAPES else texts.SEND_SHAPES[0],
            login_delay_s=float(login.get("delay_s", DEFAULT_LOGIN_DELAY_S)),
            login_decline=bool(login.get("decline", False)),
        )

    def take_submission(self, profile: str, words: Sequence[str], chunk: int | None) -> dict[str, Any] | None:
        """Consume the first ``submit`` rule matching this submission, atomically; None if none."""

        def matches(rule: Any) -> bool:
            return (_live(rule) and rule.get("kind") == "submit"
                    and rule_matches(str(rule.get("command", "")), words)
                    and rule.get("chunk") in (None, chunk))

        if not any(matches(r) for r in _section(self.read(), profile).get("rules") or []):
            return None
        taken: list[dict[str, Any]] = []

        def take(section: dict[str, Any]) -> None:
            live = [r for r in section.get("rules") or [] if isinstance(r, dict)]
            rule = next((r for r in live if matches(r)), None)
            if rule is not None:
                taken.append(dict(rule))
                _decrement(rule)
            section["rules"] = [r for r in live if _live(r)]

        self.edit_profile(profile, take)
        return taken[0] if taken else None

    def consume(self, snapshot: dict[str, Any], profile: str, words: Sequence[str]) -> Trigger:
        """Take one hang and one failure matching ``words``, atomically. Cheap when none match."""
        rules = _section(snapshot, profile).get("rules") or []
        if not any(_first([r], kind, words) for r in rules if isinstance(r, dict) for kind in ("hang", "fail")):
            return Trigger()
        taken: dict[str, dict[str, Any]] = {}

        def take(section: dict[str, Any]) -> None:
            live = [r for r in section.get("rules") or [] if isinstance(r, dict)]
            for kind in ("hang", "fail"):
                rule = _first(live, kind, words)
                if rule is not None:
                    taken[kind] = dict(rule)
                    _decrement(rule)
            section["rules"] = [r for r in live if _live(r)]

        self.edit_profile(profile, take)
        return _trigger(taken)


def _section(data: dict[str, Any], profile: str) -> dict[str, Any]:
    profiles = data.get("profiles")
    section = profiles.get(profile) if isinstance(profiles, dict) else None
    return section if isinstance(section, dict) else {}


def _live(rule: Any) -> bool:
    return isinstance(rule, dict) and int(rule.get("times", 1)) != 0


def _first(rules: list[dict[str, Any]], kind: str, words: Sequence[str]) -> dict[str, Any] | None:
    """The first live rule of ``kind`` (fail or hang) matching ``words``."""
    for rule in rules:
        if rule.get("kind") == kind and _live(rule) and rule_matches(str(rule.get("command", "")), words):
            return rule
    return None


def _decrement(rule: dict[str, Any]) -> None:
    times = int(rule.get("times", 1))
    if times > 0:
        rule["times"] = times - 1


def _trigger(taken: dict[str, dict[str, Any]]) -> Trigger:
    hang = taken.get("hang")
    fail = taken.get("fail")
    failure = None
    if fail is not None:
        failure = Failure(int(fail.get("exit_code", 1)), str(fail.get("stderr", texts.DEFAULT_FAILURE)))
    return Trigger(hang_s=float(hang.get("seconds", 0.0)) if hang else 0.0, failure=failure)
