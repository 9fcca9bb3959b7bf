"""-c must name a file; without -c, ./config.py or defaults. No traceback for a broken file."""

from __future__ import annotations

import pytest

from errbot_zalouser.cli.configfile import ConfigFileError, find, load


def test_an_explicit_path_that_does_not_exist_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigFileError, match=r"nope\.py does not exist: no such errbot config file; .* init"):
        find("nope.py")


def test_a_folder_is_not_a_config_file(tmp_path):
    with pytest.raises(ConfigFileError, match="is a folder, not errbot config file"):
        find(str(tmp_path))


def test_without_c_the_local_config_or_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find(None) is None
    defaults = load(None)
    assert defaults.path is None and defaults.data_dir == tmp_path / "data"
    (tmp_path / "config.py").write_text(f"BOT_DATA_DIR = {str(tmp_path / 'd')!r}\n")
    assert load(None).data_dir == tmp_path / "d"


@pytest.mark.parametrize(("text", "problem"), [
    ("BOT_DATA_DIR = (\n", "SyntaxError"),
    ("import no_such_module_here\n", "ModuleNotFoundError"),
    ("raise RuntimeError('boom')\n", "RuntimeError: boom"),
    ("X = 1\n", "sets no BOT_DATA_DIR"),
])
def test_a_broken_config_is_one_line(tmp_path, text, problem):
    path = tmp_path / "bad.py"
    path.write_text(text)
    with pytest.raises(ConfigFileError, match=problem) as caught:
        load(str(path))
    assert "\n" not in str(caught.value).strip()
