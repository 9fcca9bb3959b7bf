"""Shared helpers for the benchmarks: machine info, statistics, targets, the simulator, the real bot.

Nothing here asserts anything: benchmarks report figures and whether a target was met, as data.
Every process a benchmark starts is started here (``BotProcess``) or by the product under test,
and is stopped by pid; every wait is bounded by a deadline.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import errbot_zalouser
from errbot_zalouser.demo import simulator_config
from errbot_zalouser.simulator.control import SimControl

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ZCA_SIM = str(BIN / "zca-sim")
ERRBOT = str(BIN / "errbot")

#: A seeded friend ("Nguyễn Văn An"), used as the bot admin everywhere, as in tests/e2e.
ADMIN = "2947718306652210431"

#: The companion plugins plus errbot's core plugins as the config template lists them.
CORE_PLUGINS = ("ACLs", "Help", "Health", "Utils", "Plugins", "CommandNotFoundFilter", "ChatRoom")

#: Outbound settings that never bind in a benchmark (the config caps ratePerSecond at 50).
UNBOUND_OUTBOUND = {"ratePerSecond": 50, "burst": 100, "retryBaseSeconds": 0.05, "retryMaxSeconds": 0.2}


# --- environment -----------------------------------------------------------------------------------

#: Bytecode cache for the processes the benchmarks start (bots, zca-sim), outside the repository.
PYCACHE = Path(tempfile.gettempdir()) / "zalouser-bench-pycache"


def prepare_environment() -> dict[str, Any]:
    """Let child processes cache bytecode, as any normal install does, under PYCACHE.

    This sandbox exports PYTHONDONTWRITEBYTECODE=1 and the checkout has no __pycache__, so every
    zca-sim call and bot start would compile the project's modules from source (+~14 ms CPU per
    zca-sim call). PYTHONPYCACHEPREFIX keeps the cache out of the source tree.
    """
    before = os.environ.get("PYTHONDONTWRITEBYTECODE")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return {"bytecode_cache_for_children": str(PYCACHE), "PYTHONDONTWRITEBYTECODE_in_env": before}


# --- machine and results ------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """CPU model, cores, memory, Python and OS versions, and the date (UTC)."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except (OSError, ValueError):
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_model": model or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "mem_total_mb": round(mem_kb / 1024) if mem_kb else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def load_average() -> list[float] | None:
    """/proc/loadavg's 1, 5 and 15 minute figures (other work on the machine skews timings)."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return None


def target(what: str, value: Any, limit: Any, op: str) -> dict[str, Any]:
    """One target as data: ``value op limit`` (op in >=, <=, ==); ``met`` is None without a value."""
    if value is None:
        met = None
    elif op == ">=":
        met = value >= limit
    elif op == "<=":
        met = value <= limit
    elif op == "==":
        met = value == limit
    else:
        raise ValueError(op)
    return {"what": what, "target": f"{op} {limit}", "value": value, "met": met}


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (``fraction`` in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))  # ceil(fraction * n), at least 1
    return ordered[min(rank, len(ordered)) - 1]


def r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


class Deadline:
    """A monotonic deadline: ``left()`` seconds remaining, ``passed()``."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def passed(self) -> bool:
        return time.monotonic() >= self.end


def wait_for(predicate: Callable[[], Any], timeout: float, interval: float = 0.01) -> Any:
    """Poll ``predicate`` until it returns something truthy; TimeoutError after ``timeout`` s."""
    deadline = Deadline(timeout)
    while True:
        value = predicate()
        if value:
            return value
        if deadline.passed():
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(interval)


# --- temporary folders and the simulator -----------------------------------------------------------


@contextlib.contextmanager
def workdir(name: str) -> Iterator[Path]:
    """A fresh temporary folder, removed afterwards (kept when BENCH_KEEP=1, for inspection)."""
    if os.environ.get("BENCH_KEEP") == "1":
        path = Path(tempfile.mkdtemp(prefix=f"zalouser-bench-{name}-"))
        print(f"  (keeping {path})", file=sys.stderr)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=f"zalouser-bench-{name}-") as tmp:
        yield Path(tmp)


@contextlib.contextmanager
def sim_env(home: Path) -> Iterator[None]:
    """Export ZCA_SIM_HOME for the zca-sim processes this process starts, restored afterwards."""
    old = os.environ.get("ZCA_SIM_HOME")
    os.environ["ZCA_SIM_HOME"] = str(home)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("ZCA_SIM_HOME", None)
        else:
            os.environ["ZCA_SIM_HOME"] = old


def new_sim(base: Path, **create: Any) -> SimControl:
    """A logged-in simulator profile "default" under ``base/sim`` (SimControl.create keywords)."""
    home = base / "sim"
    home.mkdir(parents=True, exist_ok=True)
    return SimControl.create(home, "default", **create)


def stamping_zca(base: Path, stamps: Path) -> str:
    """A bash wrapper for zca-sim that appends ``<epoch seconds> <pid>`` to ``stamps`` and execs it.

    The stamp is taken about 1-2 ms after the bot's fork/exec (bash start-up), before any of
    zca-sim's own Python start-up; ``exec`` keeps the pid, so stamps join calls.jsonl by pid.
    """
    path = base / "zca-stamped"
    path.write_text(
        "#!/bin/bash\n"
        f"printf '%s %s\\n' \"$EPOCHREALTIME\" \"$$\" >> {sh_quote(str(stamps))}\n"
        f"exec {sh_quote(ZCA_SIM)} \"$@\"\n"
    )
    path.chmod(0o755)
    return str(path)


def sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def read_stamps(path: Path) -> dict[int, float]:
    """pid -> epoch seconds from a stamping_zca file (the last stamp wins for a reused pid)."""
    stamps: dict[int, float] = {}
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return stamps
    for line in lines:
        parts = line.split()
        if len(parts) == 2:
            with contextlib.suppress(ValueError):
                stamps[int(parts[1])] = float(parts[0].replace(",", "."))
    return stamps


def friend_rows(count: int, start: int = 3_000_000_000_000_000_000) -> list[dict[str, Any]]:
    """``count`` synthetic friends in the simulator's row format, Vietnamese names."""
    from errbot_zalouser.simulator import seed

    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
    middle = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang"]
    given = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Linh", "Nam"]
    rows = []
    for i in range(count):
        name = f"{family[i % len(family)]} {middle[(i // 7) % len(middle)]} {given[(i // 3) % len(given)]}"
        rows.append(seed.user_row(str(start + i * 7919), name, name, "", f"849{10_000_000 + i}", i % 2))
    return rows


def group_rows(count: int, member_ids: list[str], start: int = 6_100_000_000_000_000_000) -> list[dict[str, Any]]:
    """``count`` synthetic groups (simulator row format) of up to 20 of ``member_ids`` each."""
    from errbot_zalouser.simulator import seed

    rows = []
    for i in range(count):
        members = [member_ids[(i * 13 + k) % len(member_ids)] for k in range(min(20, len(member_ids)))]
        rows.append(seed.group_row(str(start + i * 104729), f"Nhóm {i} Hà Nội", members[0], members))
    return rows


# --- the real bot (`errbot -c`) ------------------------------------------------------------------



def write_config(base: Path, zca: str, zalouser: Mapping[str, Any], *, level: str = "INFO",
                 plugins: list[str] | None = None, extra: str = "", backend_name: str = "Zalouser",
                 admins: tuple[str, ...] = (f"zalouser:{ADMIN}",)) -> Path:
    """A config.py for ``errbot -c`` like tests/e2e/conftest.py writes, in ``base``."""
    data = base / "data"
    data.mkdir(parents=True, exist_ok=True)
    path = base / "bot_config.py"
    path.write_text(simulator_config(
        data, base / "errbot.log", zca, dict(zalouser), admins=admins, level=level,
        plugins=plugins if plugins is not None else [errbot_zalouser.plugins_dir()], backend_name=backend_name,
        core=CORE_PLUGINS, extra='BOT_ADMINS_NOTIFICATIONS = ()\nBOT_PREFIX = "!"\n' + extra,
    ))
    return path


@dataclass
class BotProcess:
    """One `errbot -c` process started by a benchmark (stopped by pid, never by name)."""

    proc: subprocess.Popen
    base: Path
    started_at: float  # time.time() just before Popen
    sim: SimControl | None = None
    extra_pids: list[int] = field(default_factory=list)

    @classmethod
    def start(cls, base: Path, config: Path, sim: SimControl | None, *, args: tuple[str, ...] = (),
              stdin: Any = subprocess.DEVNULL, env: Mapping[str, str] | None = None) -> BotProcess:
        environ = dict(os.environ)
        if sim is not None:
            environ["ZCA_SIM_HOME"] = str(sim.home)
        environ.update(env or {})
        out = open(base / "errbot.out", "ab")  # noqa: SIM115 - closed with the process
        started_at = time.time()
        proc = subprocess.Popen([ERRBOT, "-c", str(config), *args], stdout=out, stderr=subprocess.STDOUT,
                                stdin=stdin, cwd=base, env=environ)
        out.close()
        return cls(proc, base, started_at, sim)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        path = self.base / "errbot.out"
        return path.read_text(errors="replace") if path.exists() else ""

    def log(self) -> str:
        path = self.base / "errbot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def describe_failure(self) -> str:
        return (f"bot exit={self.proc.poll()}\n--- output ---\n{self.output()[-2000:]}\n"
                f"--- log ---\n{self.log()[-2000:]}")

    def wait_listener(self, min_starts: int, timeout: float) -> dict[str, Any]:
        """Wait for the ``min_starts``-th listen.log entry of the sim profile; return it."""
        assert self.sim is not None
        log_path = self.sim.home / "profiles" / self.sim.profile / "listen.log"
        from errbot_zalouser.simulator import state

        deadline = Deadline(timeout)
        while True:
            rows = state.read_jsonl(log_path)
            if len(rows) >= min_starts:
                return rows[min_starts - 1]
            if self.proc.poll() is not None:
                raise RuntimeError("the bot exited before its listener started\n" + self.describe_failure())
            if deadline.passed():
                raise TimeoutError(f"no listener start within {timeout}s\n" + self.describe_failure())
            time.sleep(0.005)

    def status_kb(self, key: str) -> int | None:
        return proc_status_kb(self.pid, key)

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; then kill the sim listener if it outlived the bot."""
        listener = self.sim.listener_pid() if self.sim is not None else None
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                self.proc.wait(timeout=5)
        for pid in [listener, *self.extra_pids]:
            if pid:
                kill_pid_if_alive(pid, must_contain=b"zca")
        return self.proc.returncode


def kill_pid_if_alive(pid: int, grace: float = 3.0, must_contain: bytes = b"") -> None:
    """SIGTERM one process this benchmark started (directly or through the bot), SIGKILL if needed.

    ``must_contain``: only if its command line contains this (guards against a reused pid).
    """
    if not pid_alive(pid):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return
    if must_contain not in cmdline:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)
    deadline = Deadline(grace)
    while pid_alive(pid) and not deadline.passed():
        time.sleep(0.02)
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def proc_status_kb(pid: int | str, key: str) -> int | None:
    """A ``kB`` field of /proc/<pid>/status (VmHWM, VmRSS...), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


# --- in-process errbot --------------------------------------------------------------------------

NOOP_PLUG = """\
[Core]
Name = BenchNoop
Module = bench_noop

[Documentation]
Description = A no-op command for the benchmarks

[Python]
Version = 3
"""

NOOP_PY = '''\
"""Benchmark plugin: !noop does nothing but count (and note when it reached a goal)."""

import threading
import time

from errbot import BotPlugin, botcmd


class BenchNoop(BotPlugin):
    """No-op command for benchmarks."""

    def activate(self):
        super().activate()
        self.bench_lock = threading.Lock()
        self.bench_reset(None)

    def bench_reset(self, goal):
        with self.bench_lock:
            self.bench_count = 0
            self.bench_goal = goal
            self.bench_done_at = None

    @botcmd
    def noop(self, msg, args):
        """Do nothing (benchmarks)."""
        with self.bench_lock:
            self.bench_count += 1
            if self.bench_count == self.bench_goal:
                self.bench_done_at = time.perf_counter()
        return None
'''


def write_noop_plugin(base: Path) -> str:
    """Write the BenchNoop plugin into ``base/noop_plugin``; return that folder."""
    folder = base / "noop_plugin"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench_noop.plug").write_text(NOOP_PLUG)
    (folder / "bench_noop.py").write_text(NOOP_PY)
    return str(folder)


def config_module(base: Path, zalouser: Mapping[str, Any], *, zca: str = ZCA_SIM, level: int = logging.INFO,
                  plugin_dirs: list[str] | None = None) -> ModuleType:
    """An in-memory config module for errbot.bootstrap.setup_bot (what `errbot -c` would import)."""
    data = base / "data"
    data.mkdir(parents=True, exist_ok=True)
    config = ModuleType("bench_bot_config")
    config.BACKEND = "Zalouser"
    config.BOT_EXTRA_BACKEND_DIR = errbot_zalouser.backend_dir()
    config.BOT_EXTRA_PLUGIN_DIR = plugin_dirs if plugin_dirs is not None else [errbot_zalouser.plugins_dir()]
    config.BOT_DATA_DIR = str(data)
    config.BOT_LOG_FILE = str(base / "errbot.log")
    config.BOT_LOG_LEVEL = level
    config.ZALOUSER_ZCA = zca
    config.ZALOUSER = dict(zalouser)
    config.BOT_ADMINS = (f"zalouser:{ADMIN}",)
    config.BOT_ADMINS_NOTIFICATIONS = ()
    config.BOT_PREFIX = "!"
    config.CORE_PLUGINS = CORE_PLUGINS
    config.AUTOINSTALL_DEPS = False
    return config


@contextlib.contextmanager
def pinned(cpu: int | None = None) -> Iterator[int]:
    """Pin every thread of this process (present and future) to one CPU; restore afterwards."""
    before = os.sched_getaffinity(0)
    cpu = min(before) if cpu is None else cpu
    tids = _tids()
    saved = {}
    for tid in tids:
        with contextlib.suppress(OSError):
            saved[tid] = os.sched_getaffinity(tid)
            os.sched_setaffinity(tid, {cpu})
    try:
        yield cpu
    finally:
        for tid in _tids():
            with contextlib.suppress(OSError):
                os.sched_setaffinity(tid, saved.get(tid, before))


def _tids() -> list[int]:
    try:
        return [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        return [0]


def children_cpu_seconds() -> float:
    """CPU time of reaped child processes so far (the zca-sim calls this process ran)."""
    t = os.times()
    return t.children_user + t.children_system
