"""FakeZca: drive the zca-js stand-in (tests/transport/engine/fake_zca) by editing its state folder.

Method names follow ``SimControl`` (errbot_zalouser/simulator/control.py) where they mean the same
thing, so that a test can be written once for both engines::

    FakeZca.create(home, profile="default", *, logged_in=True, me=None, friends=None, groups=None,
                   members=None) -> FakeZca          (None = the simulator's default seed)
    .home, .profile, .openzca_home, .credentials_path, .module (what ZALOUSER_ENGINE_ZCA_JS names)
    .me, .friends, .groups, .members; set_state(**fields), set_logged_in(flag), add_friends(rows),
    add_groups(rows, members=None)

    inject_dm(sender_id, text="hi", *, sender_name="", content=None, msg_id=None, cli_msg_id=None,
              timestamp=None, msg_type="webchat", quote=None, **extra) -> dict (zca-js message data)
    inject_group(group_id, sender_id, text="hi", *, sender_name="", mentions=(), ...) -> dict
    inject_photo(thread_id, sender_id, *, is_group=False, url=..., caption="") -> dict
    inject_reaction(thread_id, sender_id, msg_id, cli_msg_id, icon="/-heart", *, is_group=False)
    inject_undo(thread_id, sender_id, msg_id, cli_msg_id, *, is_group=False)
    close_connection(code, reason="", retry=False), listener_error(message), exit_listener(code),
    stall(), sleep(seconds), inbox_pending() -> int

    sent() -> list[dict]; wait_sent(count, timeout=10.0); calls(); logins()
    listener_pid() -> int | None; listener_starts() -> int; wait_listener(timeout=10.0, min_starts=1) -> pid
    fail(command, times=1, *, code=None, message="simulated failure", errno=None)
    fail_blocked(command), fail_rate_limited(command), fail_auth(command), fail_network(command)
    hang(command, seconds, times=1)       seconds < 0: never answers
    set_latency(ms); set_login(delay_s=0.0, fail=None | "auth" | "network" | "hang"); clear_faults()

``command`` is a zca command ("msg send", "msg image", "group members"...), a zca-js method name
("sendMessage") or "*".
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from errbot_zalouser.simulator import events, seed

Row = dict[str, Any]
MODULE = Path(__file__).resolve().with_name("fake_zca")
IMEI = "fake-imei-0001"
BLOCKED = (123, "Không thể nhận tin nhắn từ bạn.")
RATE_LIMITED = (221, "Vượt quá số request cho phép")
AUTH = (102, "The session key was improperly submitted or has reached its timeout.")


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, IndexError):
        return False


def _read_jsonl(path: Path) -> list[Row]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class FakeZca:
    """One fake account: its state folder and the openzca-style profile holding its credentials."""

    def __init__(self, home: str | Path, profile: str = "default") -> None:
        self.home = Path(home)
        self.profile = profile
        self.state_dir = self.home / "fake"
        self.openzca_home = self.home / "openzca"
        self.credentials_path = self.openzca_home / "profiles" / profile / "credentials.json"
        self.module = str(MODULE)

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
    ) -> FakeZca:
        fake = cls(home, profile)
        fake.state_dir.mkdir(parents=True, exist_ok=True)
        fake.credentials_path.parent.mkdir(parents=True, exist_ok=True)
        if members is None:
            members = seed.default_members() if groups is None else {}
        _write_json(fake.state_dir / "state.json", {
            "me": dict(me) if me is not None else seed.default_me(),
            "friends": list(friends) if friends is not None else seed.default_friends(),
            "groups": list(groups) if groups is not None else seed.default_groups(),
            "members": dict(members),
            "loggedIn": bool(logged_in),
            "imei": IMEI,
        })
        fake.write_credentials()
        return fake

    def env(self) -> dict[str, str]:
        """What the engine process needs to find this fake."""
        return {"FAKE_ZCA_HOME": str(self.state_dir)}

    def write_credentials(self, imei: str = IMEI, **fields: Any) -> None:
        """The credentials file `zca auth login` would have written ({imei, cookie, userAgent})."""
        data = {"imei": imei, "cookie": [{"key": "zpw_sek", "value": "fake", "domain": "chat.zalo.me"}],
                "userAgent": "Mozilla/5.0 (fake)", "language": "vi", **fields}
        _write_json(self.credentials_path, data)

    # --- state -------------------------------------------------------------------------------------

    def _state(self) -> Row:
        return _read_json(self.state_dir / "state.json", {})

    @property
    def me(self) -> Row:
        return self._state().get("me") or {}

    @property
    def friends(self) -> list[Row]:
        return self._state().get("friends") or []

    @property
    def groups(self) -> list[Row]:
        return self._state().get("groups") or []

    @property
    def members(self) -> dict[str, list[Row]]:
        return self._state().get("members") or {}

    def set_state(self, **fields: Any) -> None:
        if "logged_in" in fields:
            fields["loggedIn"] = bool(fields.pop("logged_in"))
        _write_json(self.state_dir / "state.json", {**self._state(), **fields})

    def set_logged_in(self, flag: bool) -> None:
        self.set_state(loggedIn=bool(flag))

    def add_friends(self, rows: Iterable[Row]) -> None:
        new = [dict(r) for r in rows]
        ids = {str(r.get("userId")) for r in new}
        self.set_state(friends=[f for f in self.friends if str(f.get("userId")) not in ids] + new)

    def add_groups(self, rows: Iterable[Row], members: Mapping[str, list[Row]] | None = None) -> None:
        new = [dict(r) for r in rows]
        ids = {str(r.get("groupId")) for r in new}
        all_members = {**self.members, **{str(k): list(v) for k, v in (members or {}).items()}}
        self.set_state(groups=[g for g in self.groups if str(g.get("groupId")) not in ids] + new, members=all_members)

    # --- inbound -------------------------------------------------------------------------------------

    def _push(self, record: Row) -> None:
        with open(self.state_dir / "inbox.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _message(self, thread_id: str, sender_id: str, is_group: bool, content: Any, *, sender_name: str,
                 msg_id: str | None, cli_msg_id: str | None, timestamp: float | None, msg_type: str,
                 quote: Row | None, extra: Mapping[str, Any]) -> Row:
        cli = cli_msg_id or events.new_cli_msg_id()
        millis = int(cli) if timestamp is None and cli.isdigit() else int((timestamp or time.time()) * 1000)
        data: Row = {
            "actionId": str(millis), "msgId": msg_id or str(int(events.new_msg_id()) % 10**13), "cliMsgId": cli,
            "msgType": msg_type, "uidFrom": str(sender_id), "idTo": str(thread_id) if is_group else "0",
            "dName": sender_name, "ts": str(millis), "status": 1, "content": content, "notify": "1", "ttl": 0,
            "userId": "0", "uin": "0", "cmd": 501 if not is_group else 521, "st": 3, "at": 5,
            "realMsgId": "0", "quote": quote, "propertyExt": None,
        }
        data.update(extra)
        self._push({"kind": "message", "isGroup": is_group, "data": data})
        return data

    def inject_dm(self, sender_id: str, text: str = "hi", *, sender_name: str = "", content: Any = None,
                  msg_id: str | None = None, cli_msg_id: str | None = None, timestamp: float | None = None,
                  msg_type: str = "webchat", quote: Row | None = None, **extra: Any) -> Row:
        """A direct message from ``sender_id`` (the thread is the sender)."""
        name = sender_name or self._name_of(str(sender_id))
        return self._message(str(sender_id), str(sender_id), False, text if content is None else content,
                             sender_name=name, msg_id=msg_id, cli_msg_id=cli_msg_id, timestamp=timestamp,
                             msg_type=msg_type, quote=quote, extra=extra)

    def inject_group(self, group_id: str, sender_id: str, text: str = "hi", *, sender_name: str = "",
                     mentions: Iterable[Any] = (), content: Any = None, msg_id: str | None = None,
                     cli_msg_id: str | None = None, timestamp: float | None = None, msg_type: str = "webchat",
                     quote: Row | None = None, **extra: Any) -> Row:
        """A group message; ``mentions`` are uids (or ready {uid,pos,len,type} dicts), located by @name."""
        body = text if content is None else content
        names = self._names(str(group_id))
        found = events.build_mentions(mentions, body, names)
        if found:
            extra = {"mentions": found, **extra}
        return self._message(str(group_id), str(sender_id), True, body,
                             sender_name=sender_name or names.get(str(sender_id), ""), msg_id=msg_id,
                             cli_msg_id=cli_msg_id, timestamp=timestamp, msg_type=msg_type, quote=quote, extra=extra)

    def inject_photo(self, thread_id: str, sender_id: str, *, is_group: bool = False,
                     url: str = "https://f21-zpc.zdn.vn/jpg/1234/photo.jpg", caption: str = "", **extra: Any) -> Row:
        """A chat.photo message whose content is zca-js's attachment object."""
        content = {"title": caption, "description": "", "href": url, "thumb": url.replace("/jpg/", "/thumb/"),
                   "childnumber": 0, "action": "", "type": "", "params": json.dumps({"hd": url, "width": 800, "height": 600})}
        if is_group:
            return self.inject_group(thread_id, sender_id, content=content, msg_type="chat.photo", **extra)
        return self.inject_dm(sender_id, content=content, msg_type="chat.photo", **extra)

    def inject_reaction(self, thread_id: str, sender_id: str, msg_id: str, cli_msg_id: str, icon: str = "/-heart",
                        *, is_group: bool = False) -> Row:
        data = {"actionId": "1", "msgId": str(int(events.new_msg_id()) % 10**13), "cliMsgId": events.new_cli_msg_id(),
                "msgType": "reaction", "uidFrom": str(sender_id), "idTo": str(thread_id) if is_group else "0",
                "dName": self._name_of(str(sender_id)),
                "content": {"rMsg": [{"gMsgID": str(msg_id), "cMsgID": str(cli_msg_id), "msgType": 1}],
                            "rIcon": icon, "rType": 3, "source": 6},
                "ts": str(int(time.time() * 1000)), "ttl": 0}
        self._push({"kind": "reaction", "isGroup": is_group, "data": data})
        return data

    def inject_undo(self, thread_id: str, sender_id: str, msg_id: str, cli_msg_id: str, *, is_group: bool = False) -> Row:
        data = {"actionId": "1", "msgId": str(int(events.new_msg_id()) % 10**13), "cliMsgId": events.new_cli_msg_id(),
                "msgType": "chat.undo", "uidFrom": str(sender_id), "idTo": str(thread_id) if is_group else "0",
                "dName": "", "ts": str(int(time.time() * 1000)), "status": 1,
                "content": {"globalMsgId": int(msg_id), "cliMsgId": int(cli_msg_id), "deleteMsg": 1, "srcId": 1, "destId": 1},
                "notify": "1", "ttl": 0, "userId": "0", "uin": "0", "cmd": 0, "st": 0, "at": 0, "realMsgId": "0"}
        self._push({"kind": "undo", "isGroup": is_group, "data": data})
        return data

    def close_connection(self, code: int, reason: str = "", retry: bool = False) -> None:
        """The websocket closes with ``code``; zca-js reconnects by itself when ``retry``."""
        self._push({"kind": "close", "code": int(code), "reason": reason, "retry": bool(retry)})

    def listener_error(self, message: str = "simulated listener error") -> None:
        self._push({"kind": "error", "message": message})

    def exit_listener(self, code: int) -> None:
        """The engine process dies with exit ``code`` while delivering (a crash inside zca-js)."""
        self._push({"kind": "exit", "code": int(code)})

    def stall(self) -> None:
        """The engine process stays alive but stops doing anything (its event loop blocks)."""
        self._push({"kind": "stall"})

    def sleep(self, seconds: float) -> None:
        self._push({"kind": "sleep", "ms": int(seconds * 1000)})

    def inbox_pending(self) -> int:
        try:
            data = (self.state_dir / "inbox.jsonl").read_bytes()
        except FileNotFoundError:
            return 0
        cursor = _read_json(self.state_dir / "inbox.cursor", 0)
        return data[int(cursor or 0):].count(b"\n")

    # --- observation ------------------------------------------------------------------------------------

    def sent(self) -> list[Row]:
        return _read_jsonl(self.state_dir / "sent.jsonl")

    def wait_sent(self, count: int, timeout: float = 10.0) -> list[Row]:
        deadline = time.monotonic() + timeout
        while True:
            rows = self.sent()
            if len(rows) >= count:
                return rows
            if time.monotonic() >= deadline:
                raise TimeoutError(f"expected {count} sent message(s) within {timeout}s, saw {len(rows)}: {rows!r}")
            time.sleep(0.02)

    def calls(self) -> list[Row]:
        return _read_jsonl(self.state_dir / "calls.jsonl")

    def logins(self) -> list[Row]:
        return _read_jsonl(self.state_dir / "logins.jsonl")

    def _listener_starts(self) -> list[Row]:
        return [c for c in self.calls() if c.get("method") == "listener.start"]

    def listener_starts(self) -> int:
        """How many times a websocket listener was started."""
        return len(self._listener_starts())

    def listener_pid(self) -> int | None:
        """The pid of the process whose listener started last, if it is still running."""
        starts = self._listener_starts()
        pid = int(starts[-1]["pid"]) if starts else None
        return pid if pid and _alive(pid) else None

    def wait_listener(self, timeout: float = 10.0, min_starts: int = 1) -> int:
        """Wait for the ``min_starts``-th listener start; returns the pid of the latest one."""
        deadline = time.monotonic() + timeout
        while True:
            starts = self._listener_starts()
            if len(starts) >= min_starts:
                return int(starts[-1]["pid"])
            if time.monotonic() >= deadline:
                raise TimeoutError(f"expected {min_starts} listener start(s) within {timeout}s, saw {len(starts)}")
            time.sleep(0.02)

    # --- faults --------------------------------------------------------------------------------------------

    def _faults(self) -> Row:
        return _read_json(self.state_dir / "faults.json", {})

    def _add_rule(self, rule: Row) -> None:
        faults = self._faults()
        faults.setdefault("rules", []).append({"id": uuid.uuid4().hex, **rule})
        _write_json(self.state_dir / "faults.json", faults)

    def fail(self, command: str, times: int = 1, *, code: int | None = None, message: str = "simulated failure",
             errno: str | None = None) -> None:
        """The next ``times`` calls of ``command`` throw a ZaloApiError(message, code), or a network
        error with ``errno`` (ETIMEDOUT, ECONNRESET, ECONNREFUSED...) as Node's fetch does."""
        self._add_rule({"command": command, "times": int(times), "code": code, "message": message, "errno": errno})

    def fail_blocked(self, command: str = "msg send", times: int = 1) -> None:
        self.fail(command, times, code=BLOCKED[0], message=BLOCKED[1])

    def fail_rate_limited(self, command: str = "msg send", times: int = 1) -> None:
        self.fail(command, times, code=RATE_LIMITED[0], message=RATE_LIMITED[1])

    def fail_auth(self, command: str = "msg send", times: int = 1) -> None:
        self.fail(command, times, code=AUTH[0], message=AUTH[1])

    def fail_network(self, command: str = "msg send", times: int = 1, errno: str = "ECONNRESET") -> None:
        self.fail(command, times, errno=errno)

    def hang(self, command: str, seconds: float, times: int = 1) -> None:
        """The next ``times`` calls of ``command`` wait ``seconds`` first (< 0: forever)."""
        self._add_rule({"command": command, "times": int(times), "hangMs": int(seconds * 1000) if seconds >= 0 else -1})

    def set_latency(self, ms: int) -> None:
        _write_json(self.state_dir / "faults.json", {**self._faults(), "latencyMs": max(0, int(ms))})

    def set_login(self, delay_s: float = 0.0, fail: str | None = None) -> None:
        if fail not in (None, "auth", "network", "hang"):
            raise ValueError(f"unknown login failure {fail!r}")
        _write_json(self.state_dir / "faults.json", {**self._faults(), "login": {"delayMs": int(delay_s * 1000), "fail": fail}})

    def clear_faults(self) -> None:
        _write_json(self.state_dir / "faults.json", {})
        (self.state_dir / "fault-uses.jsonl").unlink(missing_ok=True)

    # --- names -----------------------------------------------------------------------------------------------

    def _name_of(self, user_id: str) -> str:
        for user in [self.me, *self.friends]:
            if str(user.get("userId")) == user_id:
                return str(user.get("displayName") or "")
        return ""

    def _names(self, group_id: str) -> dict[str, str]:
        users = [*self.friends, *self.members.get(group_id, []), self.me]
        return {str(u.get("userId")): str(u.get("displayName") or "") for u in users if u.get("userId")}
