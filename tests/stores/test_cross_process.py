"""The JSON stores under two processes at once: the bot and the operator CLI (or an import)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from errbot_zalouser.stores.jsonfile import JsonApprovedStore

WRITER = textwrap.dedent("""
    import sys
    from errbot_zalouser.model import ApprovedEntry
    from errbot_zalouser.stores.jsonfile import JsonApprovedStore
    store = JsonApprovedStore(sys.argv[1])
    prefix, count = sys.argv[2], int(sys.argv[3])
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(count):
        store.add(ApprovedEntry(f"{prefix}{i:04d}", "default", "chat", 1.0))
""")


def test_two_processes_adding_at_once_lose_nothing(tmp_path):
    path = tmp_path / "approved.json"
    count = 40
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), prefix, str(count)], text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE) for prefix in ("1", "2")]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:  # start both writers together
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        assert [proc.wait(timeout=60) for proc in procs] == [0, 0]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
    assert len(JsonApprovedStore(path).ids("default")) == 2 * count

