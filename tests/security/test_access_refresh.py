"""Issue 12, item 1: an access change takes effect at once, whatever its source.

The approved-senders file is edited by hand under a running bot (as a restored backup or an
``import-openclaw`` run beside it would): the gate, ``!allowlist`` and ``!pair revoke`` follow
the file at the next message, with no restart and no command.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.faults.conftest import ADMIN, FRIEND, sent_texts, wait_until


def _approved_file(bot) -> Path:
    return bot.workdir / "data" / "zalouser" / "approved.json"


def _edit_by_hand(path: Path, keep) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["entries"] = [e for e in doc["entries"] if keep(e)]
    path.write_text(json.dumps(doc), encoding="utf-8")  # in place, as an editor would


def _ask(bot, sender: str, text: str, control: str) -> list[str]:
    """``sender`` says ``text``, then the admin's control echo; returns what ``sender`` got once the
    control came back (events pass the gate in order, so ``text`` was decided by then)."""
    sim = bot.sim
    sim.inject_dm(sender, text)
    sim.inject_dm(ADMIN, f"!echo {control}")
    assert wait_until(lambda: control in sent_texts(sim, ADMIN), timeout=20), bot.log[-3000:]
    time.sleep(0.3)  # a reply to ``text`` would be queued before the control's
    return sent_texts(sim, sender)


def test_a_sender_removed_from_the_file_by_hand_is_refused_at_once(bot_factory):
    bot = bot_factory({"dmPolicy": "pairing"})
    sim = bot.sim
    sim.inject_dm(ADMIN, f"!allowlist add {FRIEND}")
    assert wait_until(lambda: any("Added" in t or "added" in t for t in sent_texts(sim, ADMIN)), timeout=20)
    assert "one" in _ask(bot, FRIEND, "!echo one", "control 1")

    _edit_by_hand(_approved_file(bot), keep=lambda e: e["userId"] != FRIEND)
    after = _ask(bot, FRIEND, "!echo two", "control 2")
    assert "two" not in after, after
    assert any("Pairing code" in t for t in after), after  # now a stranger: challenged, not served

    sim.inject_dm(ADMIN, "!allowlist")
    assert wait_until(lambda: any("dmPolicy" in t for t in sent_texts(sim, ADMIN)), timeout=20)
    listing = next(t for t in sent_texts(sim, ADMIN) if "dmPolicy" in t)
    assert FRIEND not in listing


def test_a_sender_restored_from_a_backup_is_served_at_once(bot_factory):
    bot = bot_factory({"dmPolicy": "allowlist"})
    sim = bot.sim
    sim.inject_dm(ADMIN, f"!allowlist add {FRIEND}")
    assert wait_until(lambda: _approved_file(bot).exists() and FRIEND in _approved_file(bot).read_text(),
                      timeout=20)
    backup = _approved_file(bot).read_text(encoding="utf-8")
    sim.inject_dm(ADMIN, f"!allowlist remove {FRIEND}")
    assert wait_until(lambda: FRIEND not in _approved_file(bot).read_text(), timeout=20)
    assert "one" not in _ask(bot, FRIEND, "!echo one", "control 1")

    _approved_file(bot).write_text(backup, encoding="utf-8")  # the backup put back by hand
    assert "two" in _ask(bot, FRIEND, "!echo two", "control 2")
