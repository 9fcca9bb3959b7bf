"""`make run` with no config.py: the real bot on the `zca-sim` simulator, and a prompt to chat
with it as a Zalo user. Nothing here touches Zalo or the network.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from errbot_zalouser import backend_dir, plugins_dir
from errbot_zalouser.simulator import seed
from errbot_zalouser.simulator.control import SimControl

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
  /quit               stop the bot (Ctrl-D works too)
Try: hi  ->  /as admin  ->  !pair approve <CODE>  ->  /as stranger  ->  !echo hello
"""

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


def run_demo(workdir: Path = Path(".sim")) -> int:
    workdir = workdir.resolve()
    home, data = workdir / "zca-home", workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    sim = SimControl(home) if (home / "profiles" / "default").exists() else SimControl.create(home)
    sim.set_logged_in(True)
    config = _write_config(workdir, home, data)
    env = dict(os.environ, ZCA_SIM_HOME=str(home))
    print(BANNER)
    errbot = shutil.which("errbot") or str(Path(sys.executable).parent / "errbot")
    with open(workdir / "errbot.out", "ab") as out:
        bot = subprocess.Popen([errbot, "-c", str(config)], env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        return _chat(sim, bot, workdir)
    finally:
        _stop(bot)


def _write_config(workdir: Path, home: Path, data: Path) -> Path:
    zca = shutil.which("zca-sim") or str(Path(sys.executable).parent / "zca-sim")
    path = workdir / "demo_config.py"
    demo_block = {"dmPolicy": "pairing", "groupPolicy": "open", "outbound": {"ratePerSecond": 5, "burst": 10}}
    path.write_text(simulator_config(data, workdir / "errbot.log", zca, demo_block))
    return path


def _chat(sim: SimControl, bot: subprocess.Popen[bytes], workdir: Path) -> int:
    try:
        sim.wait_listener(timeout=30, min_starts=sim.listener_starts() + 1)
    except TimeoutError:
        print(f"The bot did not start; see {workdir / 'errbot.out'} and {workdir / 'errbot.log'}.")
        return 1
    stop = threading.Event()
    threading.Thread(target=_print_replies, args=(sim, stop), daemon=True).start()
    user = seed.STRANGER_ID
    print(f"[simulator] bot is listening. You are the stranger (zalouser:{user}).")
    try:
        while bot.poll() is None:
            try:
                line = input(f"{_label(user)}> ")
            except EOFError:
                break
            if line.strip() in ("/quit", "/exit"):
                break
            user = _handle(sim, user, line)
    finally:
        stop.set()
    return 0


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


def _print_replies(sim: SimControl, stop: threading.Event) -> None:
    seen = len(sim.sent())
    while not stop.wait(0.1):
        rows = sim.sent()
        for row in rows[seen:]:
            where = f"group {row.get('threadId')}" if row.get("isGroup") else _label(str(row.get("threadId")))
            body = row.get("text") or row.get("url") or ""
            print(f"\n[bot -> {where}]\n{body}\n", flush=True)
        seen = len(rows)


def _stop(bot: subprocess.Popen[bytes]) -> None:
    if bot.poll() is None:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=15)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait(timeout=5)
