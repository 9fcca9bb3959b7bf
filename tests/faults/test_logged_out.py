"""Issue 12, item 10: a logged-out profile is not a crash.

End to end on the real bot: the Zalo session goes away under a running bot. The listener is not
restarted as after a crash but re-probed slowly (``listener.loggedOutRetrySeconds``), the admins
are told once, ``!zalouser status`` says what to run, and once the profile is logged in again
the bot resumes by itself.
"""

from __future__ import annotations

import time

from errbot_zalouser.transport.listener import ListenerState
from tests.faults.conftest import ADMIN, sent_texts, wait_until

LOGIN_HINT = "python -m errbot_zalouser login --account default"


def _listen_calls(sim) -> int:
    return sum(1 for c in sim.calls() if "listen" in (c.get("argv") or []))


def test_a_logged_out_profile_is_reprobed_slowly_said_once_and_resumed(bot_factory):
    bot = bot_factory({"listener": {"loggedOutRetrySeconds": 4}})
    sim = bot.sim
    sim.set_logged_in(False)  # the session expired, or was logged out on the phone
    sim.exit_listener(1, 'Error: Profile "default" has no credentials. Run: auth login')
    time.sleep(9)  # with crash backoff (1, 2, 4 s) this would be 4 or 5 starts
    calls = _listen_calls(sim)
    assert calls <= 4, calls  # the first life, then a probe every 4 s

    sim.set_logged_in(True)  # the admin logged in again: resumes by itself
    sim.wait_listener(timeout=20, min_starts=2)
    sim.inject_dm(ADMIN, "!zalouser status")
    assert wait_until(lambda: any(t.startswith("Account default") for t in sent_texts(sim, ADMIN)), timeout=20)
    # Told once while logged out: over Zalo that cannot reach an admin of this very account, so the
    # log has it, and the admin hears of it as soon as the account can send again.
    told = [line for line in bot.log.splitlines() if "is logged out" in line and "WARNING" in line]
    assert len(told) == 1 and LOGIN_HINT in told[0], told
    back = [t for t in sent_texts(sim, ADMIN) if "logged in again" in t]
    assert len(back) == 1 and "had been logged out" in back[0], sent_texts(sim, ADMIN)
    status = next(t for t in sent_texts(sim, ADMIN) if t.startswith("Account default"))
    assert "listener: connected" in status


def test_status_says_what_to_run_while_logged_out(make_service):
    h = make_service(start=True)
    [listener] = h.listeners
    listener._set_state(ListenerState.LOGGED_OUT, 'logged out (exited with code 1): Error: Profile "default" has no '
                        "credentials. Run: auth login; trying again in 30.0s")
    [status] = h.service.status()
    assert status.listener_state == "logged_out"
    assert any(w.startswith("logged out") and LOGIN_HINT in w for w in status.warnings), status.warnings
    assert len([n for n in h.notices if "logged out" in n]) == 1
    listener._set_state(ListenerState.LOGGED_OUT, "again")  # the next probe: no second notice
    assert len([n for n in h.notices if "logged out" in n]) == 1
