"""SimControl in process: state editing, inbox records, observation helpers, fault storage."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest

from errbot_zalouser.model import InboundEvent
from errbot_zalouser.simulator import seed, state
from errbot_zalouser.simulator.control import SimControl
from errbot_zalouser.simulator.faults import FaultStore, rule_matches
from errbot_zalouser.simulator.inbox import Inbox

ID_RE = re.compile(r"^\d{19}$")


def test_default_seed_is_deterministic_and_well_formed() -> None:
    first, second = seed.default_state(), seed.default_state()
    assert first == second
    ids = [first["me"]["userId"]] + [f["userId"] for f in first["friends"]] + [g["groupId"] for g in first["groups"]]
    assert all(ID_RE.match(i) for i in ids) and len(set(ids)) == len(ids)
    assert set(first["members"]) == {g["groupId"] for g in first["groups"]}
    for group in first["groups"]:
        assert [m["userId"] for m in first["members"][group["groupId"]]] == group["memberIds"]


def test_create_writes_state(sim_home) -> None:
    ctl = SimControl.create(sim_home, "p1", logged_in=False, friends=[{"userId": "1", "displayName": "X"}])
    assert ctl.home == sim_home and ctl.profile == "p1"
    assert ctl.friends == [{"userId": "1", "displayName": "X"}]
    assert ctl.me == seed.default_me() and ctl.groups == seed.default_groups()
    data = json.loads((sim_home / "profiles" / "p1" / "state.json").read_text(encoding="utf-8"))
    assert data["loggedIn"] is False


def test_create_with_custom_groups_derives_members_later(sim_home) -> None:
    group = seed.group_row("1000000000000000001", "G", seed.BOT_ID, [seed.BOT_ID])
    ctl = SimControl.create(sim_home, groups=[group])
    assert ctl.groups == [group] and ctl.members == {}


def test_state_edits(sim: SimControl) -> None:
    sim.set_state(me={"userId": "42", "displayName": "Other Bot"})
    assert sim.me == {"userId": "42", "displayName": "Other Bot"}
    sim.set_logged_in(False)
    assert state.Profile(sim.home, "default").load()["loggedIn"] is False
    sim.add_friends([{"userId": "2947718306652210431", "displayName": "Renamed"}, {"userId": "9", "displayName": "New"}])
    names = {f["userId"]: f["displayName"] for f in sim.friends}
    assert names["2947718306652210431"] == "Renamed" and names["9"] == "New" and len(names) == 9
    sim.add_groups([{"groupId": "77", "name": "Tiny"}], members={"77": [{"userId": "9", "displayName": "New"}]})
    assert sim.groups[-1] == {"groupId": "77", "name": "Tiny"} and sim.members["77"][0]["userId"] == "9"


def test_inject_dm_defaults(sim: SimControl) -> None:
    one = sim.inject_dm("2947718306652210431")
    two = sim.inject_dm("2947718306652210431", "x", sender_name="Override", msg_id="m1", cli_msg_id="c1",
                        timestamp=1736412345, msgType="webchat")
    assert one["content"] == "hi" and one["senderName"] == "Nguyễn Văn An"
    assert one["msgId"] != two["msgId"] and one["cliMsgId"] != two["cliMsgId"]
    assert (two["msgId"], two["cliMsgId"], two["timestamp"], two["ts"]) == ("m1", "c1", 1736412345, "1736412345000")
    assert two["senderName"] == "Override" and two["msgType"] == "webchat"
    assert InboundEvent.from_json(one).sender_name == "Nguyễn Văn An"


def test_inject_group_mentions_and_name(sim: SimControl) -> None:
    event = sim.inject_group("7031928374650192837", "4061172938805514290", "hey @Alice Smith and @Sim Bot",
                             group_name="Work Chat", mentions=["6634210987765540123", seed.BOT_ID, "5"])
    assert event["metadata"]["threadName"] == "Work Chat"
    assert event["senderName"] == "Trần Minh"
    assert event["mentionIds"] == ["6634210987765540123", seed.BOT_ID, "5"]
    text = event["content"]
    spans = [text[m["pos"] : m["pos"] + m["len"]] for m in event["mentions"]]
    assert spans == ["@Alice Smith", "@Sim Bot", ""]
    parsed = InboundEvent.from_json(event)
    assert parsed.thread_name == "Work Chat" and seed.BOT_ID in parsed.mention_ids


def test_inbox_records(sim: SimControl) -> None:
    sim.inject_raw("junk\n")
    sim.inject_raw_bytes(b"\xff\n")
    sim.inject_split({"a": 1}, pause=0.01)
    sim.close_connection(1006)
    sim.exit_listener(75)
    sim.stall()
    sim.sleep(0.5)
    records = state.read_jsonl(sim.home / "profiles" / "default" / "inbox.jsonl")
    assert [r["kind"] for r in records] == ["raw", "raw", "raw", "close", "exit", "stall", "sleep"]
    assert "".join(records[2]["parts"]) == '{"a":1}\n'
    assert sim.inbox_pending() == 7


def test_inbox_consumes_in_order_and_persists_offset(sim: SimControl) -> None:
    for i in range(3):
        sim.inject_raw(f"r{i}")
    inbox = Inbox(state.Profile(sim.home, "default"))
    assert inbox.consume(lambda r: r["text"]) == "r0"
    assert Inbox(state.Profile(sim.home, "default")).consume(lambda r: r["text"]) == "r1"
    assert sim.inbox_pending() == 1


def test_wait_sent_times_out_with_what_it_saw(sim: SimControl) -> None:
    with pytest.raises(TimeoutError, match="saw 0"):
        sim.wait_sent(1, timeout=0.1)


def test_wait_sent_returns_when_count_reached(sim: SimControl) -> None:
    path = sim.home / "profiles" / "default" / "sent.jsonl"
    timer = threading.Timer(0.1, state.append_jsonl, args=(path, {"command": "send"}))
    timer.start()
    try:
        assert sim.wait_sent(1, timeout=5.0) == [{"command": "send"}]
    finally:
        timer.cancel()


def test_listener_helpers_without_listener(sim: SimControl) -> None:
    assert sim.listener_pid() is None and sim.listener_starts() == 0
    with pytest.raises(TimeoutError):
        sim.wait_listener(timeout=0.05)
    (sim.home / "profiles" / "default" / "listen.pid").write_text("999999999\n")
    assert sim.listener_pid() is None


def test_fault_storage_and_validation(sim: SimControl) -> None:
    sim.fail("msg send", times=2, exit_code=4, stderr="Error: x")
    sim.hang("listen", 1.5)
    sim.set_latency(120)
    sim.set_noise(True)
    sim.set_send_output("bare")
    sim.set_login(delay_s=0.1, decline=True)
    store = FaultStore(sim.home)
    data = store.read()
    assert data["latency_ms"] == 120
    knobs = store.knobs(data, "default")
    assert (knobs.noise, knobs.send_output, knobs.login_delay_s, knobs.login_decline) == (True, "bare", 0.1, True)
    assert store.knobs(data, "other") == store.knobs({}, "other")
    with pytest.raises(ValueError):
        sim.fail("msg sned")
    sim.clear_faults()
    assert store.read() == {"profiles": {}}


def test_fault_consumption(sim: SimControl) -> None:
    sim.fail("msg", times=1, exit_code=5)
    sim.hang("msg send", 0.25, times=1)
    store = FaultStore(sim.home)
    trigger = store.consume(store.read(), "default", ("msg", "send"))
    assert (trigger.hang_s, trigger.failure.exit_code) == (0.25, 5)
    again = store.consume(store.read(), "default", ("msg", "send"))
    assert (again.hang_s, again.failure) == (0.0, None)
    assert store.read()["profiles"]["default"]["rules"] == []


@pytest.mark.parametrize(
    "rule, words, hit",
    [("msg send", ("msg", "send"), True), ("msg", ("msg", "link"), True), ("*", ("listen",), True),
     ("msg send", ("msg", "image"), False), ("auth status", ("auth",), False)],
)
def test_rule_matching(rule: str, words: tuple[str, ...], hit: bool) -> None:
    assert rule_matches(rule, words) is hit


def test_locks_serialise_updates(sim: SimControl) -> None:
    profile = state.Profile(sim.home, "default")

    def bump() -> None:
        for _ in range(20):
            profile.update(lambda data: data.__setitem__("counter", data.get("counter", 0) + 1))

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert profile.load()["counter"] == 80


def test_lock_timeout(tmp_path) -> None:
    lock = tmp_path / "x.lock"
    with state.locked(lock):
        started = time.monotonic()
        with pytest.raises(TimeoutError), state.locked(lock, timeout=0.05):
            pass
        assert time.monotonic() - started < 1.0


def test_surface_is_stored_validated_and_overridden_by_the_environment(sim: SimControl, monkeypatch) -> None:
    assert sim.surface == "0.1.58"
    sim.set_surface("zca-cli")
    assert sim.surface == "legacy" and FaultStore(sim.home).read()["surface"] == "legacy"
    monkeypatch.setenv("ZCA_SIM_SURFACE", "0.1.58")
    assert sim.surface == "0.1.58"
    with pytest.raises(ValueError, match="unknown zca-sim surface"):
        sim.set_surface("0.2.0")
    sim.clear_faults()  # the surface is not a fault: it stays
    monkeypatch.delenv("ZCA_SIM_SURFACE")
    assert sim.surface == "legacy"


def test_a_bad_surface_in_the_environment_is_an_error(zca, sim: SimControl) -> None:
    result = zca("--version", env={"ZCA_SIM_SURFACE": "newest"})
    assert result.returncode == 1 and result.stderr.startswith("zca-sim: unknown zca-sim surface 'newest'")


def test_submission_faults_are_stored_per_profile(sim: SimControl) -> None:
    sim.timeout_after_accept(times=2)
    sim.timeout_before_accept("msg image")
    sim.fail_chunk(3)
    rules = FaultStore(sim.home).read()["profiles"]["default"]["rules"]
    assert [(r["command"], r["accepted"], r["chunk"], r["times"]) for r in rules] == [
        ("msg send", True, None, 2), ("msg image", False, None, 1), ("msg send", False, 3, 1)]
    store = FaultStore(sim.home)
    assert [store.take_submission("default", ("msg", "send"), 1)["accepted"] for _ in range(2)] == [True, True]
    assert store.take_submission("default", ("msg", "send"), 2) is None  # only chunk 3's rule is left
    assert store.take_submission("default", ("msg", "send"), 3)["chunk"] == 3
    assert store.take_submission("other", ("msg", "send"), 1) is None
    with pytest.raises(ValueError):
        sim.fail_submission("msg sned")


def test_chat_texts_lists_send_records_only(sim: SimControl) -> None:
    path = sim.home / "profiles" / "default" / "sent.jsonl"
    for row in ({"command": "send", "threadId": "1", "text": "a"}, {"command": "image", "threadId": "1"},
                {"command": "send", "threadId": "2", "text": "b"}):
        state.append_jsonl(path, row)
    assert sim.chat_texts() == ["a", "b"] and sim.chat_texts("2") == ["b"]


def test_inject_media_validates(sim: SimControl) -> None:
    with pytest.raises(ValueError, match="unknown media kind"):
        sim.inject_media("hologram", "1", "https://x.invalid/a")
    with pytest.raises(ValueError, match="at least one URL"):
        sim.inject_media("photo", "1", [])
