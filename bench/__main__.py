"""Run the benchmarks and write bench/results.json (``make bench``).

    python -m bench                      # all of them, in the order below
    python -m bench inbound outbound     # only those (other entries of results.json are kept)

Each benchmark module ``bench/bench_<name>.py`` has ``run() -> dict``; its figures go into
results.json under its name, next to ``machine`` (CPU model, cores, Python, date...). A figure
dict may hold ``targets``: a list of ``{what, target, value, met}``. Nothing here asserts: a
missed target is printed as MISSED and the exit status stays 0. A benchmark that raises is
recorded with its error and makes the exit status 1 (the benchmark itself is broken); a missing
module (e.g. bench_directory.py not written yet) is reported and skipped.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench.common import load_average, machine_info, prepare_environment

BENCHMARKS = ("inbound", "latency", "outbound", "directory", "memory", "startup", "engine", "zcasim", "health",
              "rich")
RESULTS = Path(__file__).resolve().with_name("results.json")


def run_one(name: str) -> tuple[dict[str, Any], bool]:
    """(figures, ok). Prints the benchmark's summary."""
    print(f"== {name} ==", flush=True)
    try:
        module = importlib.import_module(f"bench.bench_{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.bench_{name}":
            print(f"   skipped: bench/bench_{name}.py does not exist", flush=True)
            return {"skipped": f"bench/bench_{name}.py does not exist"}, True
        raise
    started = time.monotonic()
    load = load_average()
    try:
        figures = dict(module.run())
    except Exception as exc:  # noqa: BLE001 - record it, go on with the others
        traceback.print_exc()
        print(f"   ERROR: {name} failed: {exc.__class__.__name__}: {exc}", flush=True)
        return {"error": f"{exc.__class__.__name__}: {exc}", "traceback": traceback.format_exc()[-4000:]}, False
    figures.setdefault("targets", [])
    figures["bench_seconds"] = round(time.monotonic() - started, 1)
    figures["measured_at"] = machine_info()["date"]
    figures.setdefault("load_average_before", load)
    summary = getattr(module, "summary", None)
    text = summary(figures) if summary else ""
    if text:
        print("   " + text, flush=True)
    for item in figures["targets"]:
        print(f"   {'MET   ' if item['met'] else 'MISSED'} {item['what']}: {item['value']} (target {item['target']})",
              flush=True)
    print(f"   ({figures['bench_seconds']} s)", flush=True)
    return figures, True


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    env = prepare_environment()
    results: dict[str, Any] = {}
    if argv and RESULTS.exists():
        try:
            results = json.loads(RESULTS.read_text())
        except ValueError:
            results = {}
    results["machine"] = {**machine_info(), **env}
    ok = True
    for name in names:
        figures, good = run_one(name)
        ok = ok and good
        results[name] = figures
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")  # after each: partial runs count

    print("\n== summary ==")
    machine = results["machine"]
    print(f"machine: {machine['cpu_model']}, {machine['cores']} cores, Python {machine['python']}, {machine['date']}")
    for name in BENCHMARKS:
        figures = results.get(name)
        if not isinstance(figures, dict):
            continue
        if "error" in figures:
            print(f"  {name:<10} ERROR  {figures['error']}")
            continue
        if "skipped" in figures:
            print(f"  {name:<10} skipped")
            continue
        targets = figures.get("targets") or []
        if not targets:
            print(f"  {name:<10} (no target) figures recorded")
        for item in targets:
            status = "MET" if item["met"] else "MISSED"
            print(f"  {name:<10} {status:<6} {item['what']}: {item['value']} (target {item['target']})")
    missed = sum(1 for n in BENCHMARKS if isinstance(results.get(n), dict)
                 for t in results[n].get("targets") or [] if not t["met"])
    print(f"results: {RESULTS}" + (f"  ({missed} target(s) MISSED)" if missed else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
