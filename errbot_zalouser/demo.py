"""`make run` with no config.py: the real bot on the `zca-sim` simulator, and a prompt to chat
with it as a Zalo user. Nothing here touches Zalo or the network.

The bot runs with the config.py `python -m errbot_zalouser init` writes (the template shipped in
the package), pointed at the simulator, with one change for the demo: groupPolicy "open", so
``/group`` reaches it. State lives in ./.sim and is kept between runs; ``--reset`` (``make run
ARGS=--reset``) or ``make clean`` starts afresh. The demo ends on /quit, Ctrl-D, Ctrl-C, or when
the bot stops (``!shutdown --confirm`` as the admin).
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from errbot_zalouser.paths import backend_dir, plugins_dir
from errbot_zalouser.simulator import seed
from errbot_zalouser.simulator.control import SimControl
from errbot_zalouser.templates import render_config

ADMIN_ID = "2947718306652210431"  # "Nguyễn Văn An" in the simulator's seed
GROUP_ID = "7031928374650192837"  # "Work Chat", where the stranger is a member

BANNER = """\
==============================================================================
 SIMULATOR: this bot is connected to zca-sim, a stand-in for the zca tool.
 No Zalo account and no network are used. Everything below is simulated.
==============================================================================
You type as a Zalo user; the bot's replies are printed as they are "sent".
  <text>              send a direct message to the bot
  /as stranger|admin  switch user (stranger: not approved yet; admin: in BOT_ADMINS)
  /as <user id>       any other Zalo id
  /group <text>       say <text> in the group "Work Chat"
  /quit               stop the bot (Ctrl-D and Ctrl-C work too)
Try: hi  ->  /as admin  ->  !pair approve <CODE>  ->  /as stranger  ->  !echo hello
"""
DEMO_CHANGES = """

# --- the demo's change to the template above --------------------------------------------------
ZALOUSER["groupPolicy"] = "open"  # so that /group reaches the bot in "Work Chat"
"""
RESET_HINT = "make run ARGS=--reset"

CONFIG = """\
import logging
BACKEND = {backend_name!r}
BOT_EXTRA_BACKEND_DIR = {backend!r}
BOT_EXTRA_PLUGIN_DIR = {plugins!r}
BOT_DATA_DIR = {data!r}
BOT_LOG_FILE = {log!r}
BOT_LOG_LEVEL = logging.{level}
ZALOUSER_ZCA = {zca!r}
ZALOUSER = {zalouser!r}
BOT_ADMINS = {admins!r}
CORE_PLUGINS = {core!r}
AUTOINSTALL_DEPS = False
{extra}
"""
CORE_PLUGINS = ("ACLs", "Help", "Health", "Utils", "CommandNotFoundFilter")


def simulator_config(data: Path, log: Path, zca: str, zalouser: dict[str, Any], *,
                     admins: tuple[str, ...] = (f"zalouser:{ADMIN_ID}",), extra: str = "", level: str = "INFO",
                     plugins: str | list[str] | None = None, backend_name: str = "Zalouser",
                     core: tuple[str, ...] = CORE_PLUGINS) -> str:
    """An errbot config.py text for the bot on zca-sim (the demo, the end-to-end tests, bench)."""
    return CONFIG.format(backend_name=backend_name, backend=backend_dir(), plugins=plugins or plugins_dir(),
                         data=str(data), log=str(log), level=level, zca=zca, zalouser=zalouser,
                         admins=tuple(admins), core=core, extra=extra)


def run_demo(workdir: Path = Path(".sim"), *, reset: bool = False, stdin: TextIO | None = None) -> int:
    """Start the bot on the simulator and chat with it until the user or the bot ends it; 0 then."""
    workdir = workdir.resolve()
    if reset and workdir.exists():
        shutil.rmtree(workdir)
    home = workdir / "zca-home"
    fresh = not (home / "profiles" / "default").exists()
    sim = SimControl.create(home) if fresh else SimControl(home)
    sim.set_logged_in(True)
    config = _write_config(workdir)
    print(BANNER)
    if not fresh:
        print(f"[simulator] state kept from an earlier run in {workdir}{_approved_note(workdir)}; "
              f"start afresh with: {RESET_HINT}")
    errbot = shutil.which("errbot") or str(Path(sys.executable).parent / "errbot")
    env = dict(os.environ, ZCA_SIM_HOME=str(home))
    with open(workdir / "errbot.out", "ab") as out:
        bot = subprocess.Popen([errbot, "-c", str(config)], env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)  # Ctrl-C here must not reach the bot first
    (workdir / "bot.pid").write_text(f"{bot.pid}\n")  # for whoever must stop it if this process is killed
    try:
        return _chat(sim, bot, workdir, stdin or sys.stdin)
    except KeyboardInterrupt:  # Ctrl-C is a normal way to end the demo (and make must not report it)
        print()
        return 0
    finally:
        _stop(bot)


def _write_config(workdir: Path) -> Path:
    zca = shutil.which("zca-sim") or str(Path(sys.executable).parent / "zca-sim")
    path = workdir / "config.py"
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(render_config(ADMIN_ID, zca=zca, config_name=str(path)) + DEMO_CHANGES, encoding="utf-8")
    return path


def _approved_note(workdir: Path) -> str:
    from errbot_zalouser.stores.jsonfile import open_stores

    approved = open_stores(workdir / "data").approved.ids("default")
    if seed.STRANGER_ID in approved:
        return " (the stranger is already approved, so gets no pairing code)"
    return ""


class _Prompt:
    """The input prompt, shown again after the bot's replies are printed."""

    def __init__(self) -> None:
        self.user = seed.STRANGER_ID
        self._lock = threading.Lock()

    def show(self) -> None:
        with self._lock:
            print(f"{_label(self.user)}> ", end="", flush=True)

    def write(self, text: str) -> None:
        with self._lock:
            print(text, flush=True)


def _chat(sim: SimControl, bot: subprocess.Popen[bytes], workdir: Path, stdin: TextIO) -> int:
    try:
        sim.wait_listener(timeout=30, min_starts=sim.listener_starts() + 1)
    except TimeoutError:
        print(f"The bot did not start; see {workdir / 'errbot.out'} and {workdir / 'data' / 'errbot.log'}.")
        return 1
    prompt = _Prompt()
    stop = threading.Event()
    threading.Thread(target=_print_replies, args=(sim, stop, prompt), daemon=True).start()
    print(f"[simulator] bot is listening. You are the stranger (zalouser:{prompt.user}).")
    try:
        prompt.show()
        while True:
            line = _next_line(stdin, bot)
            if line is None or line.strip() in ("/quit", "/exit"):
                break
            prompt.user = _handle(sim, prompt.user, line)
            prompt.show()
    finally:
        stop.set()
    if bot.poll() is not None:
        print(f"\n[simulator] the bot stopped (exit code {bot.returncode}).")
    return 0


def _next_line(stdin: TextIO, bot: subprocess.Popen[bytes]) -> str | None:
    """The next line typed, or None at end of input or once the bot has stopped."""
    while bot.poll() is None:
        ready, _, _ = select.select([stdin], [], [], 0.2)
        if ready:
            line = stdin.readline()
            return line if line else None
    return None


def _handle(sim: SimControl, user: str, line: str) -> str:
    text = line.strip()
    if not text:
        return user
    if text.startswith("/as "):
        who = text[4:].strip()
        user = {"stranger": seed.STRANGER_ID, "admin": ADMIN_ID}.get(who, who)
        print(f"[simulator] you are now {_label(user)} (zalouser:{user})")
    elif text.startswith("/group "):
        sim.inject_group(GROUP_ID, user, text[7:])
    else:
        sim.inject_dm(user, text)
    return user


def _label(user: str) -> str:
    return {seed.STRANGER_ID: "stranger", ADMIN_ID: "admin"}.get(user, user)


def _print_replies(sim: SimControl, stop: threading.Event, prompt: _Prompt) -> None:
    seen = len(sim.sent())
    while not stop.wait(0.1):
        rows = sim.sent()
        for row in rows[seen:]:
            where = f"group {row.get('threadId')}" if row.get("isGroup") else _label(str(row.get("threadId")))
            body = row.get("text") or row.get("url") or ""
            prompt.write(f"\n[bot -> {where}]\n{body}\n")
        if len(rows) > seen:
            prompt.show()
        seen = len(rows)


def _stop(bot: subprocess.Popen[bytes]) -> None:
    if bot.poll() is None:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=15)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait(timeout=5)
