"""Capabilities: what a `zca` binary supports, from its --version and --help texts."""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from errbot_zalouser.errors import ZcaNotFound, ZcaTimeout
from errbot_zalouser.simulator import surface
from errbot_zalouser.transport import capabilities
from errbot_zalouser.transport.capabilities import OPENZCA, OTHER, PROBES, Capabilities, from_help, probe
from errbot_zalouser.transport.runner import CliRunner, CompletedRun

OPENZCA_0_1_58 = {"raw", "native_formatting", "group_mentions", "self_splitting", "send_retry", "reply_message",
                  "reply_id", "upload", "react", "analyze_text", "supervised", "heartbeat_ms", "recycle_ms"}


@pytest.fixture(autouse=True)
def fresh_cache():
    capabilities.clear_cache()
    yield
    capabilities.clear_cache()


class ScriptedRunner:
    """Answers each probe from a table: (exit code, stdout), an exception, or a hang (timeout)."""

    def __init__(self, answers: dict[str, tuple[int, str] | Exception]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, ...]] = []
        self.lock = threading.Lock()

    def run(self, args: Sequence[str], *, timeout: float | None) -> CompletedRun:
        with self.lock:
            self.calls.append(tuple(args))
        name = next(n for n, a in PROBES.items() if tuple(a) == tuple(args))
        answer = self.answers[name]
        if isinstance(answer, Exception):
            raise answer
        return CompletedRun(("zca", *args), answer[0], answer[1], "", 0.01)


def help_texts(zca_sim_path: str, sim_home: Path, which: str) -> dict[str, tuple[int, str]]:
    """What zca-sim prints for every probe on one surface."""
    env = {"ZCA_SIM_HOME": str(sim_home), "ZCA_SIM_SURFACE": which, "PATH": "/usr/bin:/bin"}
    texts = {}
    for name, args in PROBES.items():
        done = subprocess.run([zca_sim_path, *args], capture_output=True, text=True, env=env, timeout=30, check=False)
        texts[name] = (done.returncode, done.stdout)
    return texts


def test_openzca_0_1_58_has_everything(zca_sim_path, sim_home) -> None:
    found = probe(ScriptedRunner(help_texts(zca_sim_path, sim_home, surface.OPENZCA)).run, "zca")
    assert (found.kind, found.version, found.parsed) == (OPENZCA, "0.1.58", True)
    assert set(found.in_use()) == OPENZCA_0_1_58
    assert found.formats_text


def test_the_legacy_binary_has_none_of_it(zca_sim_path, sim_home) -> None:
    found = probe(ScriptedRunner(help_texts(zca_sim_path, sim_home, surface.LEGACY)).run, "zca")
    assert (found.kind, found.version, found.parsed) == (OTHER, "0.1.20", True)
    assert found.in_use() == ()


SEND_HELP = """Usage: openzca msg send [options] <threadId> <message>

Send text message with formatting. Group sends also
resolve unique @Name/@userId mentions.

Options:
  -g, --group             Send to group
  --raw                   Send raw text without parsing formatting markers
  -h, --help              display help for command
"""
LISTEN_HELP = """Usage: openzca listen [options]

Options:
  -r, --raw              Output JSON line payload
  --supervised           Supervisor mode (disable internal retry ownership; emit
                         lifecycle events in --raw; see also --heartbeat-ms and
                         --recycle-ms)
  -h, --help             display help for command
"""
MSG_HELP = """Usage: openzca msg [options] [command]

Commands:
  send [options] <threadId> <message>   Send text (use upload for files,
                                        analyze-text to preview)
  image [options] <threadId> [file]     Send image(s)
"""
PROGRAM_HELP = "Usage: openzca [options] [command]\n\nCommands:\n  msg  Messaging commands\n"


def test_options_are_read_by_their_tokens_not_from_descriptions() -> None:
    found = from_help("0.1.40", {"program": PROGRAM_HELP, "msg": MSG_HELP, "msg send": SEND_HELP,
                                 "listen": LISTEN_HELP})
    assert found.raw and found.supervised and found.group_mentions  # wrapped description read as one
    assert not (found.heartbeat_ms or found.recycle_ms)  # only named in a description
    assert not (found.upload or found.analyze_text or found.react)  # likewise
    assert not found.native_formatting  # 0.1.40 adds a style for {small}: our guards would show
    assert not (found.self_splitting or found.send_retry)


@pytest.mark.parametrize(("version", "native", "splits", "retries"), [
    ("0.1.44", False, False, False), ("0.1.45", True, False, False), ("0.1.53", True, True, False),
    ("0.1.56", True, True, True), ("0.2.0", True, True, True), ("v0.1.58", True, True, True),
    ("0.1.58-beta.1", True, True, True), ("custom build", False, False, False),
])
def test_features_without_a_flag_come_from_openzca_versions(version, native, splits, retries) -> None:
    found = from_help(version, {"program": PROGRAM_HELP, "msg": MSG_HELP, "msg send": SEND_HELP,
                                "listen": LISTEN_HELP})
    assert (found.native_formatting, found.self_splitting, found.send_retry) == (native, splits, retries)


def test_versions_mean_nothing_for_another_binary() -> None:
    other = PROGRAM_HELP.replace("openzca", "zca")
    found = from_help("0.1.99", {"program": other, "msg": MSG_HELP, "msg send": SEND_HELP, "listen": LISTEN_HELP})
    assert found.kind == OTHER and found.raw and not found.native_formatting and not found.self_splitting


GOOD = {"version": (0, "0.1.58\n"), "program": (0, PROGRAM_HELP), "msg": (0, MSG_HELP),
        "msg send": (0, SEND_HELP), "listen": (0, LISTEN_HELP)}


@pytest.mark.parametrize("broken", [
    {"msg send": (1, "error: unknown command 'send'\n")},
    {"listen": (0, "listening is not supported\n")},
    {"program": (0, "")},
    {"msg": ZcaTimeout("zca msg --help timed out after 5.0s")},
], ids=["non-zero exit", "no usage line", "empty", "timeout"])
def test_help_that_cannot_be_read_means_the_oldest_surface_with_one_warning(broken, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="errbot_zalouser.transport.capabilities"):
        found = probe(ScriptedRunner({**GOOD, **broken}).run, "zca")
        assert probe(ScriptedRunner({**GOOD, **broken}).run, "zca") == found  # cached: said once
    assert found == Capabilities.oldest("0.1.58")
    assert len(caplog.records) == 1 and "using only the options every zca has" in caplog.text


def test_a_missing_binary_is_not_an_old_one() -> None:
    with pytest.raises(ZcaNotFound):
        probe(ScriptedRunner({**GOOD, "version": ZcaNotFound("no zca")}).run, "zca")


def test_a_failing_version_gives_an_empty_version() -> None:
    found = probe(ScriptedRunner({**GOOD, "version": (1, "")}).run, "zca")
    assert found.version == "" and found.kind == OPENZCA and not found.native_formatting


def test_the_help_texts_are_read_once_per_executable_and_version() -> None:
    runner = ScriptedRunner(dict(GOOD))
    first = probe(runner.run, "zca")
    assert probe(runner.run, "zca") is first
    assert len(runner.calls) == len(PROBES) + 1  # the second probe ran --version only
    runner.answers["version"] = (0, "0.1.59\n")
    assert probe(runner.run, "zca").version == "0.1.59"  # a new version is probed again
    assert len(runner.calls) == 2 * len(PROBES) + 1
    assert probe(runner.run, None) is not None and len(runner.calls) == 3 * len(PROBES) + 1  # no name: no cache


def test_probing_a_real_process_on_both_surfaces(zca_sim_path, sim, monkeypatch) -> None:
    for which, kind in ((surface.OPENZCA, OPENZCA), (surface.LEGACY, OTHER)):
        monkeypatch.setenv("ZCA_SIM_SURFACE", which)
        capabilities.clear_cache()
        found = probe(CliRunner(zca_sim_path).run, zca_sim_path)
        assert found.kind == kind and found.parsed


def test_describe_names_kind_version_and_features() -> None:
    assert Capabilities.oldest("1.0").describe() == (
        "zca-cli-or-unknown 1.0 (help not readable: oldest surface assumed); capabilities: none")
    found = from_help("0.1.58", {"program": PROGRAM_HELP, "msg": MSG_HELP, "msg send": SEND_HELP,
                                 "listen": LISTEN_HELP})
    assert found.describe().startswith("openzca 0.1.58; capabilities: raw, native_formatting, group_mentions")
