"""`init [DIR]`: a commented config.py from the packaged template, with the admin's id."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pexpect
import pytest

from errbot_zalouser.cli.configfile import load
from errbot_zalouser.config import load_settings
from errbot_zalouser.config.admins import EXAMPLE_ADMIN_ID
from tests.cli.conftest import run_cli

ADMIN = "2947718306652210431"


def test_init_writes_a_config_errbot_and_the_backend_accept(tmp_path):
    result = run_cli(tmp_path, None, "init", "bot", "--admin", f"zalouser:{ADMIN}")
    assert result.returncode == 0, result.stderr
    config_file = tmp_path / "bot" / "config.py"
    assert f"Wrote {config_file}" in result.stdout and f"errbot -c {config_file}" in result.stdout
    config = load(str(config_file))
    admins = config.module.BOT_ADMINS
    assert admins == (f"zalouser:{ADMIN}",)
    assert config.data_dir == tmp_path / "bot" / "data" and config.data_dir.is_dir()
    assert config.module.BACKEND == "Zalouser" and config.module.HIDE_RESTRICTED_COMMANDS is True
    assert config.module.BOT_EXTRA_PLUGIN_DIR is None  # the backend adds its plugins itself
    assert config.module.ACCESS_CONTROLS["ChatRoom:*"] == {"allowusers": (f"zalouser:{ADMIN}",), "allowmuc": False}
    settings = load_settings(config.module)
    assert settings.zca == "zca" and settings.warnings == ()
    assert "Approve a stranger's pairing code" in config_file.read_text()  # commented


def test_init_asks_for_the_admin_on_a_terminal(tmp_path):
    child = pexpect.spawn(sys.executable, ["-m", "errbot_zalouser", "init", "--zca", "/opt/zca"], cwd=str(tmp_path),
                          encoding="utf-8", timeout=30)
    try:
        child.expect("Your Zalo user id \\(the bot admin\\): ")
        child.sendline(f"zlu:{ADMIN}")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    module = load(str(tmp_path / "config.py")).module
    admins, zca = module.BOT_ADMINS, module.ZALOUSER_ZCA
    assert admins == (f"zalouser:{ADMIN}",) and zca == "/opt/zca"


@pytest.mark.parametrize(("args", "message"), [
    ((), "give the bot admin's Zalo user id with --admin <id>"),
    (("--admin", "Nguyen"), "'Nguyen' is not a Zalo user id"),
    (("--admin", "zalouser:group:123"), "is not a Zalo user id"),
    (("--admin", EXAMPLE_ADMIN_ID), "is the example id of the documentation, not yours"),
])
def test_init_without_a_usable_admin_id_writes_nothing(tmp_path, args, message):
    result = run_cli(tmp_path, None, "init", *args)  # stdin is not a terminal: nobody to ask
    assert result.returncode == 1
    assert message in result.stderr and "status" in result.stderr  # says how to find the id
    assert list(tmp_path.iterdir()) == []


def test_init_keeps_an_existing_config_unless_forced(tmp_path):
    (tmp_path / "config.py").write_text("# mine\n")
    kept = run_cli(tmp_path, None, "init", "--admin", ADMIN)
    assert kept.returncode == 1 and "already exists; keep it, or write a new one with --force" in kept.stderr
    assert (tmp_path / "config.py").read_text() == "# mine\n"
    assert run_cli(tmp_path, None, "init", "--admin", ADMIN, "--force").returncode == 0
    assert "BOT_ADMINS = (\"zalouser:" in (tmp_path / "config.py").read_text()


def test_the_template_renders_every_placeholder():
    from errbot_zalouser.templates import render_config

    text = render_config("42", zca="/x/zca'sim", config_name="c.py")
    assert "${" not in text and "$admin" not in text
    namespace: dict = {"__file__": "/tmp/c.py"}
    exec(compile(text.replace("os.makedirs(BOT_DATA_DIR, exist_ok=True)", ""), "c.py", "exec"), namespace)
    assert SimpleNamespace(**namespace).ZALOUSER_ZCA == "/x/zca'sim"
