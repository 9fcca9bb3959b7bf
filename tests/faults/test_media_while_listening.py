"""Suite 8: media while the listener runs (issue 10 item 7), on both surfaces.

openzca 0.1.58 lets one process own a profile's Zalo connection: while `listen` runs, `msg video`
always fails and `msg upload` goes through the listener's socket. So, where the binary has
`msg upload`, videos and files go through it; images go by `msg image -u` and voices by
`msg voice -u` (both work while listening); `msg video` is never run. The old binary has no
`msg upload` and no such lock: videos go by `msg video`, files as images (its old routing).
"""

from __future__ import annotations

import subprocess

import pytest

from errbot_zalouser.model import Target
from tests.faults.conftest import FRIEND, WORK_CHAT, wait_until

URLS = {
    "image": "https://example.invalid/photo.jpg",
    "voice": "https://example.invalid/voice.m4a",
    "video": "https://example.invalid/clip.mp4",
    "file": "https://example.invalid/report.pdf",
}
COMMANDS = {
    "0.1.58": {"image": "msg image", "voice": "msg voice", "video": "msg upload", "file": "msg upload"},
    "legacy": {"image": "msg image", "voice": "msg voice", "video": "msg video", "file": "msg image"},
}


@pytest.mark.parametrize("surface", ["0.1.58", "legacy"])
@pytest.mark.parametrize("target", [Target(FRIEND), Target(WORK_CHAT, is_group=True)], ids=["dm", "group"])
@pytest.mark.parametrize("kind", list(URLS))
def test_media_go_by_a_command_that_works_while_listening(service_factory, sim, surface, target, kind):
    sim.set_surface(surface)
    service = service_factory()
    sim.wait_listener(timeout=15)
    assert wait_until(lambda: sim.listener_pid() is not None, timeout=10)
    service.send_url(None, target, URLS[kind])
    assert service.drain(15)
    calls = [c for c in sim.calls() if str(c.get("command", "")).startswith("msg ") and "--help" not in c["argv"]]
    assert [c["command"] for c in calls] == [COMMANDS[surface][kind]]
    assert calls[0]["exit"] == 0 and service.status()[0].failed_sends == 0
    [row] = sim.sent()
    assert (row["threadId"], row["isGroup"]) == (target.thread_id, target.is_group)
    if COMMANDS[surface][kind] == "msg upload":
        assert row["via"] == "ipc"  # the running listener sent it


def test_msg_video_would_have_failed_while_listening(service_factory, sim, zca_sim_path):
    """What the routing avoids: the real tool (and zca-sim) refuse `msg video` while a listener runs."""
    service_factory()
    sim.wait_listener(timeout=15)
    done = subprocess.run([zca_sim_path, "msg", "video", "--url=https://example.invalid/clip.mp4", "--", FRIEND],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 1 and "Active listener owner detected" in done.stderr
