"""Codes nobody can approve are announced: dmPolicy pairing without a plugin that answers !pair approve."""

from __future__ import annotations

import time

from tests.backend.conftest import ADMIN, ZALOUSER


def _notices(h, timeout: float = 3.0) -> list[str]:
    deadline = time.monotonic() + timeout
    found: list[str] = []
    while time.monotonic() < deadline and not found:
        found = [r["text"] for r in h.sim.sent() if r.get("threadId") == ADMIN and "pair approve" in r.get("text", "")]
        time.sleep(0.05)
    return found


def test_admins_are_told_when_no_plugin_answers_pair_approve(make_harness):
    h = make_harness()  # this harness loads no companion plugin (ZALOUSER_COMPANION_PLUGINS = False)
    h.listener.connect()
    [notice] = _notices(h)
    assert notice.startswith("Pairing codes are handed out (dmPolicy pairing on default) but no plugin answers "
                             "!pair approve")
    assert "python -m errbot_zalouser pairing approve <code>" in notice


def test_no_notice_without_pairing(make_harness):
    h = make_harness({**ZALOUSER, "dmPolicy": "allowlist"})
    h.listener.connect()
    h.wait_messages(0)
    assert _notices(h, timeout=1.0) == []
