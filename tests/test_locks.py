"""locks.py: the bot's instance locks and the store lock shared between processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from errbot_zalouser.locks import AlreadyRunning, ProcessLock, claim_instance, default_lock_dir, profile_key

ENV = {"ZCA_SIM_HOME": "/sim/a", "OPENZCA_HOME": "/oz"}


def _claim(tmp_path: Path, data: str = "data", profiles: tuple[str, ...] = ("default",), env: dict | None = None):
    return claim_instance(tmp_path / data, profiles, environ=env or ENV, lock_dir=tmp_path / "locks")


def test_a_second_claim_on_the_data_folder_names_the_holder(tmp_path):
    first = _claim(tmp_path, profiles=())
    with pytest.raises(AlreadyRunning) as refused:
        _claim(tmp_path, profiles=())
    assert refused.value.pid == os.getpid()
    assert f"pid {os.getpid()}" in str(refused.value) and "the data folder" in str(refused.value)
    first.release()
    _claim(tmp_path, profiles=()).release()  # free again once released


def test_the_same_profile_from_another_data_folder_is_refused(tmp_path):
    first = _claim(tmp_path, "one")
    with pytest.raises(AlreadyRunning, match='the Zalo profile "default"'):
        _claim(tmp_path, "two")
    first.release()


def test_a_refused_claim_gives_back_what_it_took(tmp_path):
    holder = _claim(tmp_path, "one", profiles=("work",))
    with pytest.raises(AlreadyRunning):
        _claim(tmp_path, "two", profiles=("work",))  # took data folder "two", then failed on "work"
    holder.release()
    _claim(tmp_path, "two", profiles=("work",)).release()


@pytest.mark.parametrize(("profile", "env", "same"), [
    ("default", ENV, True),
    ("work", ENV, False),
    ("default", {"ZCA_SIM_HOME": "/sim/b", "OPENZCA_HOME": "/oz"}, False),
    ("default", {"ZCA_SIM_HOME": "/sim/a", "OPENZCA_HOME": "/other"}, False),
    ("default", {"ZCA_SIM_HOME": "/sim/a/../a", "OPENZCA_HOME": "/oz"}, True),
])
def test_a_profile_is_named_by_its_tool_homes(profile, env, same):
    assert (profile_key(profile, env) == profile_key("default", ENV)) is same


def test_profile_keys_are_file_names(tmp_path):
    key = profile_key("../../etc/passwd\n", ENV)
    assert "/" not in key and "\n" not in key and len(key) < 80


def test_two_accounts_on_one_profile_take_one_lock(tmp_path):
    _claim(tmp_path, profiles=("default", "default")).release()


def test_lock_folder_follows_xdg(tmp_path):
    assert default_lock_dir({"XDG_RUNTIME_DIR": "/run/user/7"}) == Path("/run/user/7/errbot-zalouser")
    assert default_lock_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/errbot-zalouser/locks")


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from errbot_zalouser.locks import claim_instance
    tmp = Path(sys.argv[1])
    claim_instance(tmp / "data", ["default"], environ={"ZCA_SIM_HOME": "/sim/a"}, lock_dir=tmp / "locks")
    print("held", flush=True)
    time.sleep(60)
""")


def _holder(tmp_path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_kill_9_of_the_holder_frees_the_lock(tmp_path):
    proc = _holder(tmp_path)
    try:
        with pytest.raises(AlreadyRunning) as refused:
            claim_instance(tmp_path / "data", [], lock_dir=tmp_path / "locks")
        assert refused.value.pid == proc.pid
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    claim = claim_instance(tmp_path / "data", ["default"], environ={"ZCA_SIM_HOME": "/sim/a"},
                           lock_dir=tmp_path / "locks")
    claim.release()


def test_a_child_process_does_not_inherit_the_lock(tmp_path):
    claim = _claim(tmp_path, profiles=())
    child = subprocess.Popen(["sleep", "30"], close_fds=False)
    try:
        claim.release()
        _claim(tmp_path, profiles=()).release()  # the child, still running, holds nothing
    finally:
        child.kill()
        child.wait(timeout=5)


def test_process_lock_is_reentrant_and_excludes_other_processes(tmp_path):
    lock = ProcessLock(tmp_path / "x.lock")
    script = textwrap.dedent("""
        import fcntl, os, sys
        fd = os.open(sys.argv[1], os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("busy")
        else:
            print("free")
    """)

    def other_process_sees() -> str:
        return subprocess.run([sys.executable, "-c", script, str(lock.path)], capture_output=True, text=True,
                              timeout=30).stdout.strip()

    with lock, lock:
        assert other_process_sees() == "busy"
    assert other_process_sees() == "free"


def test_process_lock_waits_for_the_other_process(tmp_path):
    path, marker = tmp_path / "x.lock", tmp_path / "written-under-the-lock"
    script = textwrap.dedent("""
        import sys, time
        from pathlib import Path
        from errbot_zalouser.locks import ProcessLock
        with ProcessLock(Path(sys.argv[1])):
            print("in", flush=True)
            time.sleep(0.5)
            Path(sys.argv[2]).write_text("done")
    """)
    proc = subprocess.Popen([sys.executable, "-c", script, str(path), str(marker)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "in"
        with ProcessLock(path):
            assert marker.exists()  # entered only after the other process finished its step
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
