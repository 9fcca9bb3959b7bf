"""`zca-sim`: the entry point. Parses argv like `zca`, applies fault knobs, runs the command.

Order of one invocation: model the start-up latency, pick the surface (``surface.py``), parse
(help, version and usage errors end here), resolve the profile, consume matching faults (hang,
then fail), run the handler. Every invocation, whatever its outcome, is appended to
``<home>/calls.jsonl`` once that folder exists (help, version and usage errors do not create
it). SIGTERM/SIGINT end a 0.1.58 invocation with exit 143/130 (after the listener's clean-up);
on the legacy surface SIGTERM kills the process as a signal does.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from errbot_zalouser.simulator import commands, process, spec, state, surface, texts
from errbot_zalouser.simulator.cliparse import CliExit, Parsed
from errbot_zalouser.simulator.faults import FaultStore

PROFILE_ENV = "ZCA_PROFILE"
DEFAULT_PROFILE = "default"


def main(argv: list[str] | None = None) -> int:
    """Run one `zca-sim` invocation and return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    _utf8_streams()
    process.install_signal_handlers()
    home = state.sim_home()
    call: dict[str, Any] = {"ts": time.time(), "pid": os.getpid(), "argv": args,
                            "profile": guess_profile(args), "command": ""}
    died = 0
    try:
        code = run(args, home, call)
    except process.Terminated as exc:
        code, died = 128 + exc.signum, exc.signum
        if call.get("surface") == surface.OPENZCA:
            died = 0  # openzca handles the signal and exits 128 + signal number
    except BrokenPipeError:
        code = 1
    process.ignore_signals()
    _flush()
    _record_call(home, call, code, died)
    if died:
        process.die_by_signal(died)
    return code


def run(args: list[str], home: Path, call: dict[str, Any], out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    """Everything after process set-up; fills ``call`` with the command and profile.

    Output goes to ``out``/``err`` (this process's stdout/stderr by default), so tests can run a
    one-shot command in-process.
    """
    out, err = out or sys.stdout, err or sys.stderr
    faults = FaultStore(home)
    snapshot = faults.read()
    process.sleep_until_age(faults.latency_ms(snapshot, os.environ) / 1000.0)
    try:
        which = surface.resolve(os.environ, snapshot.get("surface"))
    except ValueError as exc:
        return _fail(err, f"zca-sim: {exc}")
    call["surface"] = which
    try:
        parsed = spec.parser(which).parse(args)
    except CliExit as exc:
        call["command"] = " ".join(exc.words)
        out.write(exc.stdout)
        err.write(exc.stderr)
        return exc.code
    call["command"] = " ".join(parsed.words)
    name = resolve_profile(parsed)
    call["profile"] = name
    if not state.valid_profile(name):
        return _fail(err, texts.INVALID_PROFILE.format(profile=name))
    trigger = faults.consume(snapshot, name, parsed.words)
    if trigger.hang_s > 0:
        time.sleep(trigger.hang_s)
    if trigger.failure is not None:
        return _fail(err, trigger.failure.stderr, trigger.failure.exit_code)
    ctx = commands.Context(parsed, state.Profile(home, name), faults.knobs(snapshot, name),
                           out, err, args, surface=which, faults=faults)
    try:
        return dispatch(ctx)
    except commands.Fail as exc:
        return _fail(err, exc.stderr, exc.code)


def dispatch(ctx: commands.Context) -> int:
    """Run the handler of the parsed command (modules other than ``commands`` load on demand)."""
    words = ctx.parsed.words
    if words == ("listen",):
        from errbot_zalouser.simulator import listen

        return listen.run(ctx)
    handler = commands.HANDLERS.get(words)
    if ctx.openzca and words[:1] == ("msg",):
        from errbot_zalouser.simulator import msg_openzca

        handler = msg_openzca.HANDLERS.get(words)
    if handler is None:
        raise commands.Fail(texts.NOT_SIMULATED.format(command=" ".join(words)))
    return handler(ctx)


def resolve_profile(parsed: Parsed) -> str:
    """``--profile``, then ``$ZCA_PROFILE``, then "default"."""
    return parsed.opts.get("profile") or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE


def guess_profile(args: list[str]) -> str:
    """The profile named in argv, for logging calls that end before parsing succeeds."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg in ("-p", "--profile") and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--profile="):
            return arg.partition("=")[2]
        if arg.startswith("-p") and len(arg) > 2 and not arg.startswith("--"):
            return arg[2:]
    return os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE


def _fail(err: TextIO, stderr: str, code: int = 1) -> int:
    if stderr:
        err.write(stderr if stderr.endswith("\n") else stderr + "\n")
    return code


def _utf8_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


def _flush() -> None:
    """Flush stdout/stderr; a reader that went away must not cause a traceback at exit."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def _record_call(home: Path, call: dict[str, Any], code: int, died: int) -> None:
    if not home.is_dir():
        return  # `zca-sim --help`, a usage error: nothing ran, and no state folder is made for it
    call["exit"] = -died if died else code
    call["duration_ms"] = round(process.process_age() * 1000, 1)
    with contextlib.suppress(OSError):
        state.append_jsonl(home / "calls.jsonl", call)
