"""Which `zca` the simulator plays: openzca 0.1.58 (the default) or an older binary.

``legacy`` is the surface of the closed zca-cli and of openzca up to about 0.1.20, as consumers
saw it: no ``--raw``, ``--supervised``, ``--heartbeat-ms``, ``--recycle-ms``, ``--reply-message``,
``--reply-id``, ``msg upload`` or ``msg analyze-text``; ``msg send`` sends its text unchanged (no
Markdown parsing, no mention resolution, no splitting, no built-in retry); no listener lock or
socket; the old success output (see ``texts.SEND_SHAPES``); ``zca`` as the program name in help.
Commander rejects the missing options as unknown (exit 1) on both surfaces.

The choice is the environment variable ``ZCA_SIM_SURFACE`` when set, else the value stored by
``SimControl.set_surface`` in the home's ``faults.json``, else 0.1.58. An unknown name is an
error (``zca-sim`` prints it and exits 1) rather than a silent fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OPENZCA = "0.1.58"
LEGACY = "legacy"
SURFACES = (OPENZCA, LEGACY)
ENV = "ZCA_SIM_SURFACE"
_ALIASES = {"0.1.58": OPENZCA, "openzca": OPENZCA, "current": OPENZCA, "legacy": LEGACY,
            "0.1.20": LEGACY, "zca-cli": LEGACY}


def normalise(name: str) -> str:
    """The surface a name or alias stands for; ValueError for anything else."""
    try:
        return _ALIASES[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown zca-sim surface {name!r}; expected one of {', '.join(_ALIASES)}") from None


def resolve(environ: Mapping[str, str], stored: Any) -> str:
    """The surface of one invocation; ValueError names a bad value (the CLI prints it, exit 1)."""
    for candidate in (environ.get(ENV), stored):
        if isinstance(candidate, str) and candidate.strip():
            return normalise(candidate)
    return OPENZCA
