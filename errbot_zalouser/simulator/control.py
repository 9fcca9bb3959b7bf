"""SimControl: the Python API tests use to drive `zca-sim` by editing its state folder.

No subprocess is needed to control the simulator; every method reads or writes files under the
home folder, with the same locks the `zca-sim` processes use.

State::

    SimControl(home, profile="default")
    SimControl.create(home, profile="default", *, logged_in=True, me=None, friends=None,
                      groups=None, members=None) -> SimControl    (None = the default seed)
    .home (Path), .profile (str), .me (dict), .friends, .groups (lists of dicts, read live)
    .members (dict groupId -> rows, read live)
    set_state(**fields)            top-level state keys: me, friends, groups, members, loggedIn
    set_logged_in(flag)
    add_friends(rows)              rows with an existing userId replace it
    add_groups(rows, members=None) members: {groupId: [member rows]}

Inbound (delivered by a running or the next `listen`)::

    inject_dm(sender_id, text="hi", *, sender_name="", content=None, msg_id=None,
              cli_msg_id=None, timestamp=None, **extra) -> dict
    inject_group(group_id, sender_id, text="hi", *, sender_name="", group_name=None,
                 mentions=(), content=None, msg_id=None, cli_msg_id=None, timestamp=None,
                 **extra) -> dict
    inject_event(event) -> dict, inject_raw(text), inject_raw_bytes(data),
    inject_split(event, pause=0.05) -> dict, close_connection(code, reason=""),
    exit_listener(code, stderr=""), stall(), sleep(seconds), inbox_pending() -> int

Observation::

    sent() -> list[dict]; wait_sent(count, timeout=10.0) -> list[dict] (TimeoutError)
    calls(all_profiles=False) -> list[dict]
    listener_pid() -> int | None; listener_starts() -> int
    wait_listener(timeout=10.0, min_starts=1) -> int (pid; TimeoutError)

Faults (see faults.py)::

    fail(command, times=1, exit_code=1, stderr="Error: simulated failure")
    hang(command, seconds, times=1)       times < 0: forever
    set_latency(ms)                       global, for every profile
    set_noise(enabled); set_send_output(shape); set_login(delay_s=0.5, decline=False)
    clear_faults()                        this profile's knobs and the global latency
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from errbot_zalouser.simulator import events, render, seed, spec, state, texts
from errbot_zalouser.simulator.faults import FaultStore
from errbot_zalouser.simulator.inbox import Inbox

Row = dict[str, Any]


class SimControl:
    """Control one profile of a simulator home."""

    def __init__(self, home: str | Path, profile: str = "default") -> None:
        if not state.valid_profile(profile):
            raise ValueError(f"invalid profile name: {profile!r}")
        self.home = Path(home)
        self.profile = profile
        self._profile = state.Profile(self.home, profile)
        self._faults = FaultStore(self.home)
        self._inbox = Inbox(self._profile)

    @classmethod
    def create(
        cls,
        home: str | Path,
        profile: str = "default",
        *,
        logged_in: bool = True,
        me: Row | None = None,
        friends: list[Row] | None = None,
        groups: list[Row] | None = None,
        members: Mapping[str, list[Row]] | None = None,
    ) -> SimControl:
        """Write a complete profile state (None means the default seed) and return a control."""
        control = cls(home, profile)
        if members is None:
            members = seed.default_members() if groups is None else {}
        control._profile.save(
            {
                "me": dict(me) if me is not None else seed.default_me(),
                "friends": list(friends) if friends is not None else seed.default_friends(),
                "groups": list(groups) if groups is not None else seed.default_groups(),
                "members": dict(members),
                "loggedIn": bool(logged_in),
            }
        )
        return control

    # --- state --------------------------------------------------------------------------------

    @property
    def me(self) -> Row:
        return self._profile.load().get("me") or {}

    @property
    def friends(self) -> list[Row]:
        return self._profile.load().get("friends") or []

    @property
    def groups(self) -> list[Row]:
        return self._profile.load().get("groups") or []

    @property
    def members(self) -> dict[str, list[Row]]:
        return self._profile.load().get("members") or {}

    def set_state(self, **fields: Any) -> None:
        """Replace top-level state keys (``logged_in`` is accepted for ``loggedIn``)."""
        if "logged_in" in fields:
            fields["loggedIn"] = bool(fields.pop("logged_in"))
        self._profile.update(lambda data: data.update(fields))

    def set_logged_in(self, flag: bool) -> None:
        """Log the profile in or out (cancels a pending background login)."""

        def change(data: Row) -> None:
            data["loggedIn"] = bool(flag)
            data.pop("pendingLoginAt", None)

        self._profile.update(change)

    def add_friends(self, rows: Iterable[Row]) -> None:
        """Add friends; a row whose userId already exists replaces it."""
        new = [dict(r) for r in rows]

        def change(data: Row) -> None:
            data["friends"] = _upsert(data.get("friends"), new, "userId")

        self._profile.update(change)

    def add_groups(self, rows: Iterable[Row], members: Mapping[str, list[Row]] | None = None) -> None:
        """Add groups (replacing same groupId) and, optionally, their member rows."""
        new = [dict(r) for r in rows]

        def change(data: Row) -> None:
            data["groups"] = _upsert(data.get("groups"), new, "groupId")
            if members:
                data.setdefault("members", {}).update({str(k): list(v) for k, v in members.items()})

        self._profile.update(change)

    # --- inbound --------------------------------------------------------------------------------

    def inject_dm(
        self,
        sender_id: str,
        text: str = "hi",
        *,
        sender_name: str = "",
        content: Any = None,
        msg_id: str | None = None,
        cli_msg_id: str | None = None,
        timestamp: float | None = None,
        **extra: Any,
    ) -> Row:
        """Queue a direct message from ``sender_id``; returns the event as it will be printed."""
        event = events.dm_event(
            str(sender_id),
            text if content is None else content,
            sender_name=sender_name or self._name_of(str(sender_id)),
            msg_id=msg_id,
            cli_msg_id=cli_msg_id,
            timestamp=timestamp,
            extra=extra,
        )
        return self.inject_event(event)

    def inject_group(
        self,
        group_id: str,
        sender_id: str,
        text: str = "hi",
        *,
        sender_name: str = "",
        group_name: str | None = None,
        mentions: Iterable[Any] = (),
        content: Any = None,
        msg_id: str | None = None,
        cli_msg_id: str | None = None,
        timestamp: float | None = None,
        **extra: Any,
    ) -> Row:
        """Queue a group message. ``mentions``: uids (or ready mention dicts) -> mentions/mentionIds."""
        body = text if content is None else content
        names = self._names(str(group_id))
        event = events.group_event(
            str(group_id),
            str(sender_id),
            body,
            sender_name=sender_name or names.get(str(sender_id), ""),
            group_name=group_name,
            mentions=events.build_mentions(mentions, body, names),
            msg_id=msg_id,
            cli_msg_id=cli_msg_id,
            timestamp=timestamp,
            extra=extra,
        )
        return self.inject_event(event)

    def inject_event(self, event: Row) -> Row:
        """Queue any event object exactly as given."""
        self._inbox.append({"kind": "event", "event": event})
        return event

    def inject_raw(self, text: str) -> None:
        """Queue text the listener writes verbatim (no newline added)."""
        self._inbox.append({"kind": "raw", "text": text})

    def inject_raw_bytes(self, data: bytes) -> None:
        """Queue bytes the listener writes verbatim (e.g. invalid UTF-8)."""
        self._inbox.append({"kind": "raw", "raw_b64": base64.b64encode(data).decode("ascii")})

    def inject_split(self, event: Row, pause: float = 0.05) -> Row:
        """Queue one JSON event line written in two parts, ``pause`` seconds apart."""
        line = render.compact_json(event) + "\n"
        cut = len(line) // 2
        self._inbox.append({"kind": "raw", "parts": [line[:cut], line[cut:]], "pause": pause})
        return event

    def close_connection(self, code: int, reason: str = "") -> None:
        """Queue a websocket close: the close line, then (with -k) silence."""
        self._inbox.append({"kind": "close", "code": int(code), "reason": reason})

    def exit_listener(self, code: int, stderr: str = "") -> None:
        """Queue a listener exit (75 prints the recycle line first)."""
        self._inbox.append({"kind": "exit", "code": int(code), "stderr": stderr})

    def stall(self) -> None:
        """Queue a stall: the listener stays alive, prints and consumes nothing more."""
        self._inbox.append({"kind": "stall"})

    def sleep(self, seconds: float) -> None:
        """Queue a pause in delivery."""
        self._inbox.append({"kind": "sleep", "seconds": float(seconds)})

    def inbox_pending(self) -> int:
        """Records not yet consumed by any listener."""
        return self._inbox.pending()

    # --- observation ----------------------------------------------------------------------------

    def sent(self) -> list[Row]:
        """Every successful ``msg ...`` of this profile, oldest first."""
        return state.read_jsonl(self._profile.path("sent.jsonl"))

    def wait_sent(self, count: int, timeout: float = 10.0) -> list[Row]:
        """Poll until at least ``count`` messages were sent; TimeoutError lists what was seen."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self.sent()
            if len(rows) >= count:
                return rows
            if time.monotonic() >= deadline:
                raise TimeoutError(f"expected {count} sent message(s) within {timeout}s, saw {len(rows)}: {rows!r}")
            time.sleep(0.02)

    def calls(self, all_profiles: bool = False) -> list[Row]:
        """Recorded `zca-sim` invocations (argv, exit, duration_ms...) of this profile, or all."""
        rows = state.read_jsonl(self.home / "calls.jsonl")
        return rows if all_profiles else [r for r in rows if r.get("profile") == self.profile]

    def listener_pid(self) -> int | None:
        """The pid of the running listener of this profile, if any."""
        try:
            pid = int(self._profile.path("listen.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid) else None

    def listener_starts(self) -> int:
        """How many times a listener of this profile has started (reached "connected")."""
        return len(state.read_jsonl(self._profile.path("listen.log")))

    def wait_listener(self, timeout: float = 10.0, min_starts: int = 1) -> int:
        """Wait for the ``min_starts``-th listener start; returns the pid of the latest one."""
        deadline = time.monotonic() + timeout
        while True:
            starts = state.read_jsonl(self._profile.path("listen.log"))
            if len(starts) >= min_starts:
                return int(starts[-1]["pid"])
            if time.monotonic() >= deadline:
                raise TimeoutError(f"expected {min_starts} listener start(s) within {timeout}s, saw {len(starts)}")
            time.sleep(0.01)

    # --- faults -----------------------------------------------------------------------------------

    def fail(self, command: str, times: int = 1, exit_code: int = 1, stderr: str = texts.DEFAULT_FAILURE) -> None:
        """Make ``command`` (e.g. "msg send") fail ``times`` times with ``exit_code`` and ``stderr``."""
        rule = {"kind": "fail", "command": _command(command), "times": int(times),
                "exit_code": int(exit_code), "stderr": stderr}
        self._add_rule(rule)

    def hang(self, command: str, seconds: float, times: int = 1) -> None:
        """Make ``command`` sleep ``seconds`` before it proceeds, ``times`` times."""
        self._add_rule({"kind": "hang", "command": _command(command), "times": int(times), "seconds": float(seconds)})

    def set_latency(self, ms: int) -> None:
        """Every invocation (all profiles) lasts at least ``ms`` from its process start."""

        def change(data: Row) -> None:
            data["latency_ms"] = max(0, int(ms))

        self._faults.edit(change)

    def set_noise(self, enabled: bool) -> None:
        """List commands print log lines and ANSI colours before their output."""
        self._set_knob("noise", bool(enabled))

    def set_send_output(self, shape: str) -> None:
        """The stdout of ``msg`` commands: one of texts.SEND_SHAPES."""
        if shape not in texts.SEND_SHAPES:
            raise ValueError(f"unknown send output shape {shape!r}; expected one of {texts.SEND_SHAPES}")
        self._set_knob("send_output", shape)

    def set_login(self, delay_s: float = 0.5, decline: bool = False) -> None:
        """How QR logins go: completion delay, and whether the phone declines."""
        self._set_knob("login", {"delay_s": float(delay_s), "decline": bool(decline)})

    def clear_faults(self) -> None:
        """Drop this profile's fault rules and knobs, and the global latency."""

        def change(data: Row) -> None:
            data.pop("latency_ms", None)
            data.get("profiles", {}).pop(self.profile, None)

        self._faults.edit(change)

    def _add_rule(self, rule: Row) -> None:
        self._faults.edit_profile(self.profile, lambda section: section.setdefault("rules", []).append(rule))

    def _set_knob(self, key: str, value: Any) -> None:

        def change(section: Row) -> None:
            section[key] = value

        self._faults.edit_profile(self.profile, change)

    # --- names --------------------------------------------------------------------------------------

    def _name_of(self, user_id: str) -> str:
        data = self._profile.load()
        for user in [data.get("me") or {}, *(data.get("friends") or [])]:
            if str(user.get("userId")) == user_id:
                return str(user.get("displayName") or "")
        return ""

    def _names(self, group_id: str) -> dict[str, str]:
        """uid -> display name from the group's members, the friends and the account itself."""
        data = self._profile.load()
        users = [*(data.get("friends") or []), *((data.get("members") or {}).get(group_id) or []), data.get("me") or {}]
        return {str(u.get("userId")): str(u.get("displayName") or "") for u in users if u.get("userId")}


def _upsert(existing: Any, new: list[Row], key: str) -> list[Row]:
    replaced = {str(r.get(key)) for r in new}
    kept = [r for r in (existing or []) if str(r.get(key)) not in replaced]
    return kept + new


def _command(command: str) -> str:
    """Normalise and check a fault's command words against the simulator's commands."""
    words = tuple(command.split())
    if words in ((), ("*",)):
        return "*"
    known = spec.leaf_commands()
    if not any(leaf[: len(words)] == words for leaf in known):
        raise ValueError(f"unknown zca command {command!r}; known: {', '.join(' '.join(k) for k in known)}")
    return " ".join(words)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True
