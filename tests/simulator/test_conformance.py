"""zca-sim against what openzca 0.1.58 itself printed (data/openzca_0_1_58.json, see its "about").

Help texts and the help after a usage error are compared by their facts (``helpfacts``: usage
line, option flags, commands, defaults, the mention syntax), never by wording: zca-sim's
descriptions are its own. The same table runs against a real `zca` when ``ZALOUSER_REAL_ZCA``
names one (openzca 0.1.58, run with a throw-away ``OPENZCA_HOME``; only offline commands are
used: ``--help``, ``--version``, usage errors and ``msg analyze-text``), so the table itself
stays honest.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from errbot_zalouser.simulator import nodejs, spec, surface, textsend
from errbot_zalouser.simulator.cliparse import CliExit
from tests.simulator.helpfacts import help_facts, usage_error_facts

DATA = json.loads((Path(__file__).parent / "data" / "openzca_0_1_58.json").read_text(encoding="utf-8"))
REAL_ZCA = os.environ.get("ZALOUSER_REAL_ZCA", "")
ANALYSIS_KEYS = ("rawInputLength", "renderedTextLength", "styleCount", "textPropertiesLength",
                 "requestParamsLengthEstimate", "sendPath")


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


# --- the simulator ------------------------------------------------------------------------------------


def simulated_analysis(text: str, options: list[str], thread: str) -> dict[str, Any]:
    """What zca-sim's analyze-text computes, in the table's terms."""
    group, raw = "-g" in options, "--raw" in options
    units = nodejs.to_units(text)
    try:
        payload = textsend.build_payload(units, raw=raw, group=group, members=None)
        analysis = textsend.analyze(payload, group=group, thread_id=thread, raw_input_length=len(units))
    except textsend.TextSendError as exc:
        return {"exit": 1, "stderr": f"Error: {exc}\n"}
    obj = analysis["payloadObject"]
    return {"msg": nodejs.from_units(obj["msg"]), "styles": obj.get("styles") or [],
            **{key: analysis[key] for key in ANALYSIS_KEYS}}


@pytest.mark.parametrize("case", DATA["formatting"], ids=_ids(DATA["formatting"]))
def test_formatting_matches_openzca(case: dict[str, Any]) -> None:
    assert simulated_analysis(case["input"], case["options"], case["thread"]) == case["expected"]


def _units(value: Any) -> Any:
    if isinstance(value, str):
        return nodejs.to_units(value)
    if isinstance(value, dict):
        return {k: _units(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_units(v) for v in value]
    return value


@pytest.mark.parametrize("case", DATA["send_plans"], ids=_ids(DATA["send_plans"]))
def test_send_plans_match_openzca(case: dict[str, Any]) -> None:
    members = case.get("members")
    limits = {"max_length": case.get("maxLength") or textsend.MAX_MESSAGE_LENGTH,
              "max_estimate": case.get("maxEstimate") or textsend.MAX_REQUEST_ESTIMATE}
    try:
        payload = textsend.build_payload(nodejs.to_units(case["input"]), raw=case["raw"], group=case["group"],
                                         members=None if members is None else (lambda: members))
        got: dict[str, Any] = {"chunks": _units(textsend.plan_chunks(payload, group=case["group"],
                                                                      thread_id=case["thread"], **limits))}
    except textsend.TextSendError as exc:
        got = {"error": str(exc)}
    assert got == _units(case["expected"])


def simulated_exit(argv: list[str]) -> CliExit:
    with pytest.raises(CliExit) as info:
        spec.parser(surface.OPENZCA).parse(argv)
    return info.value


def usage_error(code: int, stdout: str, stderr: str) -> dict[str, Any]:
    """A usage error in the table's terms."""
    return {"exit": code, "stdout": stdout, **usage_error_facts(stderr)}


def recorded_usage_error(case: dict[str, Any]) -> dict[str, Any]:
    return {key: case[key] for key in ("exit", "stdout", "errors", "help")}


def _argv_id(case: dict[str, Any]) -> str:
    return " ".join(case["argv"]) or "-"


@pytest.mark.parametrize("command", sorted(DATA["help"]))
def test_help_texts_state_what_openzca_states(command: str) -> None:
    done = simulated_exit([*command.split(), "--help"])
    assert (done.code, help_facts(done.stdout), done.stderr) == (0, DATA["help"][command], "")


@pytest.mark.parametrize("case", DATA["usage_errors"], ids=_argv_id)
def test_usage_errors_match_openzca(case: dict[str, Any]) -> None:
    done = simulated_exit(case["argv"])
    assert usage_error(done.code, done.stdout, done.stderr) == recorded_usage_error(case)


@pytest.mark.parametrize("case", DATA["versions"], ids=_argv_id)
def test_versions_match_openzca(case: dict[str, Any]) -> None:
    done = simulated_exit(case["argv"])
    assert (done.code, done.stdout, done.stderr) == (0, case["stdout"], "")


SAMPLE = [c for c in DATA["formatting"] if c["name"] in (
    "bold", "orphan math", "vietnamese heading", "url star", "emoji bold", "fence indentation", "errbot whoami",
    "group heading", "raw markers", "placeholder out of range")]


@pytest.mark.parametrize("case", SAMPLE, ids=_ids(SAMPLE))
def test_the_command_line_prints_the_same_analysis(zca, sim_home, case: dict[str, Any]) -> None:
    result = zca("msg", "analyze-text", "-j", *case["options"], "--", case["thread"], case["input"])
    assert (result.returncode, result.stderr) == (case["expected"].get("exit", 0), case["expected"].get("stderr", ""))
    if result.returncode == 0:
        printed = json.loads(result.stdout)
        obj = printed["payloadObject"]
        got = {"msg": obj["msg"], "styles": obj.get("styles", []), **{k: printed[k] for k in ANALYSIS_KEYS}}
        assert got == case["expected"]


# --- the real tool ----------------------------------------------------------------------------------------

needs_real_zca = pytest.mark.skipif(
    not REAL_ZCA, reason="set ZALOUSER_REAL_ZCA to a real `zca` (openzca 0.1.58) to run the table against it")


def run_real(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "openzca-home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENZCA_", "ZCA_"))}
    env["OPENZCA_HOME"] = str(home)
    return subprocess.run([REAL_ZCA, *args], capture_output=True, text=True, encoding="utf-8", errors="surrogateescape",
                          stdin=subprocess.DEVNULL, env=env, timeout=30)


@needs_real_zca
@pytest.mark.parametrize("case", DATA["formatting"], ids=_ids(DATA["formatting"]))
def test_real_zca_formats_as_the_table_says(tmp_path: Path, case: dict[str, Any]) -> None:
    result = run_real(tmp_path, "msg", "analyze-text", "-j", *case["options"], "--", case["thread"], case["input"])
    if result.returncode != 0:
        assert {"exit": result.returncode, "stderr": result.stderr} == case["expected"]
        return
    printed = json.loads(result.stdout)
    obj = printed["payloadObject"]
    got = {"msg": obj["msg"], "styles": obj.get("styles", []), **{k: printed[k] for k in ANALYSIS_KEYS}}
    assert got == case["expected"]


@needs_real_zca
@pytest.mark.parametrize("command", sorted(DATA["help"]))
def test_real_zca_help_texts(tmp_path: Path, command: str) -> None:
    result = run_real(tmp_path, *command.split(), "--help")
    assert (result.returncode, help_facts(result.stdout), result.stderr) == (0, DATA["help"][command], "")


@needs_real_zca
@pytest.mark.parametrize("case", DATA["usage_errors"], ids=_argv_id)
def test_real_zca_usage_errors(tmp_path: Path, case: dict[str, Any]) -> None:
    result = run_real(tmp_path, *case["argv"])
    assert usage_error(result.returncode, result.stdout, result.stderr) == recorded_usage_error(case)


@needs_real_zca
@pytest.mark.parametrize("case", DATA["versions"], ids=_argv_id)
def test_real_zca_versions(tmp_path: Path, case: dict[str, Any]) -> None:
    result = run_real(tmp_path, *case["argv"])
    assert (result.returncode, result.stdout, result.stderr) == (0, case["stdout"], "")
