"""Suite 3: `kill -9` at random moments during pairing approvals and queued replies.

50 full `errbot -c` restarts do not fit the time budget (about 1.3 s of start-up each before any
work), so the 50 kills go to a smaller harness process, tests/faults/crash_harness.py, that runs
the real ZalouserService (JSON stores, gate, send pool and its journal, listener) on `zca-sim`;
then 5 kills hit the full bot, fed through the simulator like a real Zalo account.

After every kill: every JSON file under ``BOT_DATA_DIR/zalouser/`` parses (and no store or
journal was found corrupt and moved aside), and every approval that was acknowledged (the
harness said so after ``approve_pairing`` returned; or the "approved" notice or the approver's
reply is in the sent log) is still in the approved store. At the end, a clean run replays the
journal: every reply that was acknowledged as queued is sent.
"""

from __future__ import annotations

import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from errbot_zalouser.settings import DEFAULT_APPROVED_TEXT
from errbot_zalouser.simulator import state
from tests.e2e.conftest import start_bot
from tests.faults.conftest import ADMIN, pid_alive, sent_texts, wait_until

HARNESS = Path(__file__).resolve().parent / "crash_harness.py"
KILLS = 50
BOT_KILLS = 5
CODE = re.compile(r"Pairing code: ([A-Z2-9]{8})")
APPROVER_REPLY = re.compile(r"^Approved (?:.* \()?(\d+)\)? on account")  # "Name (id)" or just the id


# --- checks shared by both parts ----------------------------------------------------------------


def check_store_files(data_dir: Path) -> dict[str, list]:
    """Every JSON file parses, nothing was moved aside as corrupt; returns the lists by file name."""
    folder = data_dir / "zalouser"
    assert not list(folder.glob("*.corrupt-*")), sorted(p.name for p in folder.iterdir())
    found: dict[str, list] = {}
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(doc, dict) and doc.get("version") == 1, (path.name, doc)
        [items] = [v for k, v in doc.items() if k != "version"]
        assert isinstance(items, list)
        found[path.name] = items
    journal_pending(data_dir)  # complete journal lines are records; a torn last line is allowed
    return found


def journal_pending(data_dir: Path) -> list[dict]:
    """Items the journal still holds (queued and not done), read without opening a Journal."""
    path = data_dir / "zalouser" / "outbox.jsonl"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    pending: dict[str, dict] = {}
    lines = data.split(b"\n")
    for line in lines[:-1]:  # the part after the last newline may be torn
        if not line.strip():
            continue
        record = json.loads(line)
        if record["op"] == "queued":
            pending.setdefault(record["item"]["id"], record["item"])
        elif record["op"] == "done":
            pending.pop(record["id"], None)
    return list(pending.values())


def approved_ids(found: dict[str, list]) -> set[str]:
    return {str(e["userId"]) for e in found.get("approved.json", [])}


def notified_ids(sim) -> set[str]:
    """Users who got the "approved" notice: their approval was acknowledged."""
    return {r["threadId"] for r in sim.sent() if r.get("text") == DEFAULT_APPROVED_TEXT}


def listener_pids(sim) -> list[int]:
    return [int(row["pid"]) for row in state.read_jsonl(state.Profile(sim.home, sim.profile).path("listen.log"))]


def assert_no_listener_left(sim) -> None:
    pids = listener_pids(sim)
    left = [p for p in pids if pid_alive(p)]
    if left and not wait_until(lambda: not any(pid_alive(p) for p in left), timeout=5):
        for pid in left:  # children of processes this test started; reap them before failing
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"listener processes outlived their bot: {left}")


# --- 50 kills of the harness ---------------------------------------------------------------------


def _lines(raw: bytes) -> list[str]:
    """Complete lines only: a line torn by the kill acknowledges nothing."""
    return raw.decode("utf-8", "replace").split("\n")[:-1]


def _run_harness(data_dir: Path, zca: str, run: int, mode: str) -> subprocess.Popen:
    with open(data_dir.parent / "harness.err", "ab") as err:
        return subprocess.Popen([sys.executable, str(HARNESS), str(data_dir), zca, str(run), mode],
                                stdout=subprocess.PIPE, stderr=err, cwd=HARNESS.parent)


def _stderr(data_dir: Path) -> str:
    path = data_dir.parent / "harness.err"
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _wait_ready(proc: subprocess.Popen, timeout: float = 20.0) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while b"ready\n" not in out:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            proc.kill()
            proc.wait(5)
            raise AssertionError(f"harness not ready (exit {proc.returncode}): {out!r}")
        if select.select([proc.stdout], [], [], left)[0]:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                continue
            out += chunk
    return out


def test_fifty_kill_9_of_the_service_harness(sim, zca_sim_path, tmp_path):
    rng = random.Random(91)
    data_dir = tmp_path / "data"
    acked_approved: set[str] = set()
    acked_challenged: set[str] = set()
    acked_queued: list[str] = []
    replays = 0  # kills that left unsent items in the journal
    for run in range(KILLS):
        proc = _run_harness(data_dir, zca_sim_path, run, "burst")
        try:
            out = _wait_ready(proc)
            time.sleep(rng.uniform(0.0, 0.3))
        finally:
            proc.send_signal(signal.SIGKILL)  # our own child, by pid
            rest, _ = proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL, f"the harness died by itself:\n{_stderr(data_dir)}"
        for line in _lines(out + rest):
            word, _, value = line.partition(" ")
            if word == "APPROVED":
                acked_approved.add(value)
            elif word == "CHALLENGED":
                acked_challenged.add(value)
            elif word == "QUEUED":
                acked_queued.append(value)
        found = check_store_files(data_dir)
        replays += bool(journal_pending(data_dir))
        missing = (acked_approved | notified_ids(sim)) - approved_ids(found)
        assert not missing, f"run {run}: acknowledged approvals lost: {missing}"

    assert acked_queued and acked_approved, "the kills never let the harness do any work"
    assert replays, "no kill left an unsent item in the journal: the replay was not exercised"
    proc = _run_harness(data_dir, zca_sim_path, KILLS, "drain")
    out, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0 and b"drained True" in out, (out[-2000:], _stderr(data_dir))
    for line in _lines(out):
        if line.startswith("APPROVED "):
            acked_approved.add(line.split()[1])
    found = check_store_files(data_dir)
    assert acked_approved <= approved_ids(found)
    assert journal_pending(data_dir) == []
    # The journal replayed what each kill left: every acknowledged reply and notice went out.
    to_admin = sent_texts(sim, ADMIN)
    assert [t for t in acked_queued if t not in to_admin] == []
    assert acked_approved <= notified_ids(sim)
    coded = {r["threadId"] for r in sim.sent() if CODE.search(r.get("text", ""))}
    assert acked_challenged <= coded
    assert_no_listener_left(sim)


# --- 5 kills of the full bot --------------------------------------------------------------------


def _acknowledged_approvals(sim) -> set[str]:
    """Approvals the outside world saw: the user's notice, or the approver's reply."""
    ids = notified_ids(sim)
    for text in sent_texts(sim, ADMIN):
        match = APPROVER_REPLY.match(text)
        if match:
            ids.add(match.group(1))
    return ids


def test_kill_9_of_the_full_bot_during_approvals_and_replies(sim, zca_sim_path, tmp_path):
    rng = random.Random(5)
    workdir = tmp_path / "bot"
    data_dir = workdir / "data"
    block = {"dmPolicy": "pairing", "pairing": {"maxPending": 100}}
    # A slow send pool during the bursts, so that each kill leaves replies queued in the journal.
    slow = {**block, "outbound": {"ratePerSecond": 8, "burst": 2, "retryBaseSeconds": 0.05, "retryMaxSeconds": 0.2}}
    owed: dict[str, list[str]] = {}  # thread -> texts a kill left in the journal
    strangers: list[str] = []
    approved_codes: set[str] = set()
    for run in range(BOT_KILLS):
        bot = start_bot(workdir, sim, zca_sim_path, slow)
        try:
            listener = sim.wait_listener(timeout=30)
            new = [f"8{run:03d}{n:015d}" for n in range(3)]
            strangers += new
            for uid in new:
                sim.inject_dm(uid, "hi, let me in")
            for k in range(4):
                sim.inject_dm(ADMIN, f"!echo queued {run}-{k}")
            deadline = time.monotonic() + rng.uniform(0.4, 2.0)
            while time.monotonic() < deadline:  # the admin approves codes as they are sent
                for row in sim.sent():
                    match = CODE.search(row.get("text", ""))
                    if match and row["threadId"] in strangers and match.group(1) not in approved_codes:
                        approved_codes.add(match.group(1))
                        sim.inject_dm(ADMIN, f"!pair approve {match.group(1)}")
                time.sleep(0.05)
        finally:
            bot.proc.send_signal(signal.SIGKILL)  # the bot this test started, by pid
            bot.proc.wait(10)
        assert wait_until(lambda listener=listener: not pid_alive(listener), timeout=5), "the listener outlived kill -9"
        found = check_store_files(data_dir)
        lost = _acknowledged_approvals(sim) - approved_ids(found)
        assert not lost, f"run {run}: acknowledged approvals lost: {lost}"
        for item in journal_pending(data_dir):
            if item.get("kind") == "text":
                owed.setdefault(item["target"]["thread_id"], []).append(item["text"])

    acknowledged = _acknowledged_approvals(sim)
    assert acknowledged, "no approval was acknowledged before any kill"
    bot = start_bot(workdir, sim, zca_sim_path, block)
    try:  # a clean run: approved senders are answered, and the journal's leftovers go out
        for uid in acknowledged:
            sim.inject_dm(uid, f"!echo {uid} is in")
        assert wait_until(lambda: all(f"{uid} is in" in sent_texts(sim, uid) for uid in acknowledged),
                          timeout=30), bot.log[-3000:]
        assert wait_until(lambda: journal_pending(data_dir) == [], timeout=30)
    finally:
        assert bot.stop() == 0
    all_sent = sent_texts(sim)
    assert owed, "no kill left a reply in the journal: the replay was not exercised"
    assert [t for texts in owed.values() for t in texts if t not in all_sent] == []
    # Notices the replay sent only now acknowledge approvals too: those must be stored as well.
    assert _acknowledged_approvals(sim) <= approved_ids(check_store_files(data_dir))
    assert_no_listener_left(sim)
