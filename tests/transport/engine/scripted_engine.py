"""A stand-in for engine.mjs that speaks the protocol as a scenario says, badly on purpose.

Run with this interpreter as the engine's "node" and this file as its "script". $SCRIPTED_ENGINE
names a JSON file: a list of runs, one per start (the last repeats). A run is
{"start": [step...], "ops": {"<op>": [step...], "*": [step...]}}. Steps: a string (written as a
line; "{id}" becomes the request id), {"raw": "..."} (written as is), {"stderr": "..."}, {"exit": n}, {"sleep": s},
{"hang": true} (stop reading and answering; keep the process alive). Each start is counted in
$SCRIPTED_STATE/count and its pid appended to $SCRIPTED_STATE/pids. No process lives over 60 s.
"""

from __future__ import annotations

import json
import os
import sys
import time

LIFETIME = 60.0
HELLO = '{"type":"event","event":"hello","protocol":1,"engine":"scripted","zcaJs":"0","node":"0","pid":%d}'
LOGIN = '{"type":"event","event":"login","ok":true,"userId":"5190347726618830547"}'


def main() -> int:
    state = os.environ["SCRIPTED_STATE"]
    with open(os.environ["SCRIPTED_ENGINE"], encoding="utf-8") as fh:
        runs = json.load(fh)
    count_file = os.path.join(state, "count")
    try:
        with open(count_file) as fh:
            count = int(fh.read())
    except FileNotFoundError:
        count = 0
    with open(count_file, "w") as fh:
        fh.write(str(count + 1))
    with open(os.path.join(state, "pids"), "a") as fh:
        fh.write(f"{os.getpid()}\n")
    run = runs[min(count, len(runs) - 1)]
    deadline = time.monotonic() + LIFETIME
    play(run.get("start", []), "", deadline)
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        steps = run.get("ops", {}).get(request.get("op"), run.get("ops", {}).get("*", []))
        play(steps, str(request.get("id")), deadline)
    return 0


def play(steps: list, request_id: str, deadline: float) -> None:
    for step in steps:
        if isinstance(step, str):
            text = step.replace("{hello}", HELLO % os.getpid()).replace("{login}", LOGIN)
            write(text.replace("{id}", request_id) + "\n")
        elif "raw" in step:
            write(step["raw"])
        elif "stderr" in step:
            sys.stderr.write(step["stderr"])
            sys.stderr.flush()
        elif "exit" in step:
            sys.stdout.flush()
            os._exit(step["exit"])
        elif "sleep" in step:
            time.sleep(min(step["sleep"], max(0.0, deadline - time.monotonic())))
        elif "hang" in step:
            time.sleep(max(0.0, deadline - time.monotonic()))
            os._exit(0)


def write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
