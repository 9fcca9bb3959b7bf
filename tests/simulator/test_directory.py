"""me / friend / group: JSON shapes (ids as strings), human tables, lookups, errors."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess

import pytest

from errbot_zalouser.model import ZaloGroup, ZaloUser
from errbot_zalouser.simulator import seed, surface
from errbot_zalouser.simulator.control import SimControl

ID_RE = re.compile(r"^\d{19}$")
WORK_CHAT = "7031928374650192837"


def test_me_info_json(zca, sim: SimControl) -> None:
    result = zca("me", "info", "-j")
    assert result.returncode == 0
    me = json.loads(result.stdout)
    assert result.stdout.startswith('{\n  "userId": "')  # pretty, 2-space indent
    assert ID_RE.match(me["userId"])
    for key in ("displayName", "zaloName", "avatar", "phoneNumber", "username"):
        assert isinstance(me[key], str)
    assert ZaloUser.from_json(me).display_name == "Sim Bot"


def test_friend_list_json(zca, sim: SimControl) -> None:
    result = zca("friend", "list", "-j")
    friends = json.loads(result.stdout)
    assert "Nguyễn Văn An" in result.stdout  # UTF-8, not \u escapes
    assert len(friends) == 8
    assert all(ID_RE.match(f["userId"]) for f in friends)
    names = [f["displayName"] for f in friends]
    assert {"Nguyễn Văn An", "Đào Thị Bích", "Trần Minh"} <= set(names)
    assert names.count("Trần Minh") == 2
    assert "Phạm Linh" in names and "phạm linh" in names
    assert [ZaloUser.from_json(f).user_id for f in friends] == [f["userId"] for f in friends]


def test_group_list_json(zca, sim: SimControl) -> None:
    groups = json.loads(zca("group", "list", "-j").stdout)
    assert len(groups) == 3
    assert [g["name"] for g in groups].count("Work Chat") == 2
    for group in groups:
        assert ID_RE.match(group["groupId"])
        assert group["totalMember"] == len(group["memberIds"])
        assert group["type"] == 1 and "memberCount" not in group
        assert ZaloGroup.from_json(group).total_member == group["totalMember"]


def test_group_members_json(zca, sim: SimControl) -> None:
    members = json.loads(zca("group", "members", WORK_CHAT, "-j").stdout)
    assert {"userId", "displayName", "zaloName"} <= set(members[0])
    assert seed.BOT_ID in [m["userId"] for m in members]
    assert seed.STRANGER_ID in [m["userId"] for m in members]


def test_group_members_of_unknown_group(zca, sim: SimControl) -> None:
    result = zca("group", "members", "1234567890123456789", "-j")
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "Error: Group not found: 1234567890123456789\n")


def test_group_members_derived_from_member_ids(zca, sim: SimControl) -> None:
    sim.add_groups([seed.group_row("1000000000000000001", "New", seed.BOT_ID, [seed.BOT_ID, "2947718306652210431"])])
    members = json.loads(zca("group", "members", "1000000000000000001", "-j").stdout)
    assert [m["displayName"] for m in members] == ["Sim Bot", "Nguyễn Văn An"]


@pytest.mark.parametrize("args", [["friend", "list"], ["group", "list"], ["group", "members", WORK_CHAT], ["me", "info"]])
def test_without_json_flag_output_is_human(zca, sim: SimControl, args: list[str]) -> None:
    result = zca(*args)
    assert result.returncode == 0 and result.stdout.strip()
    with pytest.raises(ValueError):
        json.loads(result.stdout)


@pytest.mark.parametrize(
    "query, ids",
    [
        ("84912345602", ["3318205567419902764"]),  # phone
        ("0912345602", ["3318205567419902764"]),  # local phone form
        ("alice", ["6634210987765540123"]),  # username
        ("văn", ["2947718306652210431"]),  # substring of displayName
        ("PHẠM LINH", ["5523901846127730915", "5529083317742261508"]),  # case-insensitive
        ("7745318260094413377", ["7745318260094413377"]),  # numeric: falls through to userId
        ("nobody-like-this", []),
    ],
)
def test_friend_find_prints_json_when_not_a_tty(zca, sim: SimControl, query: str, ids: list[str]) -> None:
    result = zca("friend", "find", query)  # no -j: stdout is a pipe
    assert result.returncode == 0
    assert [row["userId"] for row in json.loads(result.stdout)] == ids


def test_friend_find_on_a_tty_prints_a_table(zca_sim_path: str, sim: SimControl) -> None:
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([zca_sim_path, "friend", "find", "alice"], stdout=slave, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=10)
        os.close(slave)
        slave = -1
        output = b""
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            output += data
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    assert proc.returncode == 0
    assert b"(index)" in output and b"'6634210987765540123'" in output


@pytest.mark.parametrize(
    "which, stderr",
    [(surface.LEGACY, "Error: Profile default: not logged in\n"),
     (surface.OPENZCA, 'Error: Profile "default" has no credentials. Run: auth login\n')],
)
def test_directory_commands_fail_when_logged_out(zca, sim: SimControl, which: str, stderr: str) -> None:
    sim.set_surface(which)
    sim.set_logged_in(False)
    for args in (["me", "info", "-j"], ["friend", "list", "-j"], ["friend", "find", "an"], ["group", "list", "-j"],
                 ["group", "members", WORK_CHAT, "-j"]):
        result = zca(*args)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", stderr)
    assert zca("auth", "status").stderr == "Error: Profile default: not logged in\n"  # both surfaces
