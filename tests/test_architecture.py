"""The layering rules of docs/ARCHITECTURE.md as import contracts, checked on the source.

Each contract names the modules it governs and what they may (or may not) import; the import
graph is read with ``ast`` (tests/importgraph.py), so an import inside a function or behind
``TYPE_CHECKING`` counts too. Each contract also carries a made-up module that breaks it: the
checker must report that module, which shows the contract can fail. A last check imports the
lower layers in a fresh interpreter and looks for errbot in ``sys.modules``, which catches what
no import statement shows (``importlib``).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.importgraph import PACKAGE, PLUGINS, import_graph, sources, within

P = PACKAGE

#: Top to bottom. A module may import modules of its own entry and of lower layers; the entries
#: of one layer are independent of each other (policy never imports stores, nor stores policy).
LAYERS: tuple[tuple[str, ...], ...] = (
    (f"{P}.__main__",),
    (f"{P}.cli",),
    (f"{P}.plug", f"{P}.demo"),
    (f"{P}.backend", f"{P}.answers"),
    (f"{P}.service",),
    (f"{P}.outbound", f"{P}.config"),
    (f"{P}.policy", f"{P}.stores"),
    (f"{P}.transport",),
    (f"{P}.model", f"{P}.settings", f"{P}.durable", f"{P}.backoff", f"{P}.locks", f"{P}.paths", f"{P}.templates",
     f"{P}.richtext"),
    (f"{P}.ids", f"{P}.errors", f"{P}.untrusted"),
)
#: Outside the layers, each governed by contracts of its own below (the package's own
#: __init__ only says where the backend and plugin folders are).
OUTSIDE_LAYERS = (f"{P}.simulator", PLUGINS)

STDLIB = frozenset(sys.stdlib_module_names)


def is_stdlib(name: str) -> bool:
    return name.split(".")[0] in STDLIB


@dataclass(frozen=True)
class Contract:
    """``sources`` (minus ``exempt``) may import only what ``allowed`` accepts.

    ``allowed`` is a tuple of module prefixes; ``foreign`` says which imports from outside the
    package are fine: "any", "stdlib", or a tuple of prefixes that are forbidden ("not errbot").
    ``breaker`` is a made-up module (name, source) that breaks the contract.
    """

    name: str
    sources: tuple[str, ...]
    breaker: tuple[str, str]
    allowed: tuple[str, ...] | None = None  # None: every module of ours is fine
    forbidden: tuple[str, ...] = ()
    foreign: str | tuple[str, ...] = "any"
    exempt: tuple[str, ...] = ()

    def violations(self, graph: dict[str, set[str]]) -> list[str]:
        found = []
        for module in sorted(graph):
            if not within(module, self.sources) or within(module, self.exempt):
                continue
            for target in sorted(graph[module]):
                if not self._accepts(target, ours=target in graph or within(target, (P,))):
                    found.append(f"{module} imports {target}")
        return found

    def _accepts(self, target: str, *, ours: bool) -> bool:
        if within(target, self.forbidden):
            return False
        if ours:
            return self.allowed is None or within(target, self.allowed)
        if self.foreign == "stdlib":
            return is_stdlib(target)
        return True


CONTRACTS = (
    Contract(
        "only the backend and the plugins import errbot",
        sources=(P,), exempt=(f"{P}.backend", PLUGINS), forbidden=("errbot",),
        breaker=(f"{P}.service.made_up", "def later():\n    from errbot.backends.base import Message\n"),
    ),
    Contract(
        "policy imports, of ours, only model, ids, settings and errors",
        sources=(f"{P}.policy",),
        allowed=(f"{P}.policy", f"{P}.model", f"{P}.ids", f"{P}.settings", f"{P}.errors"),
        breaker=(f"{P}.policy.made_up", "from errbot_zalouser.stores.base import PairingStore\n"),
    ),
    Contract(
        "policy imports, from outside, only the standard library",
        sources=(f"{P}.policy",), foreign="stdlib",
        breaker=(f"{P}.policy.made_up", "import cachetools\n"),
    ),
    Contract(
        "nothing in errbot_zalouser imports the plugins",
        sources=(P,), exempt=(PLUGINS,), forbidden=(PLUGINS, "plugins"),
        breaker=(f"{P}.backend.made_up", "from errbot_zalouser.plugins.support import Call\n"),
    ),
    Contract(
        "the transport imports nothing above it: only model, ids, errors, untrusted, backoff, durable, the StyledText value",
        sources=(f"{P}.transport",),
        allowed=(f"{P}.transport", f"{P}.model", f"{P}.ids", f"{P}.errors", f"{P}.backoff", f"{P}.durable",
                 f"{P}.richtext.styled", f"{P}.untrusted"),
        forbidden=("errbot",),
        breaker=(f"{P}.transport.made_up", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                 "    from errbot_zalouser.settings import Settings\n"),
    ),
    Contract(
        "the stores know no policy: only model, ids, errors, durable, locks",
        sources=(f"{P}.stores",),
        allowed=(f"{P}.stores", f"{P}.model", f"{P}.ids", f"{P}.errors", f"{P}.durable", f"{P}.locks"),
        breaker=(f"{P}.stores.made_up", "from ..policy import pairing\n"),
    ),
    Contract(
        "the backend reaches no further than the service facade, the errors, the model, ids, paths and untrusted",
        sources=(f"{P}.backend",),
        allowed=(f"{P}.backend", f"{P}.service.service", f"{P}.errors", f"{P}.model", f"{P}.ids", f"{P}.paths", f"{P}.untrusted"),
        breaker=(f"{P}.backend.made_up", "from errbot_zalouser.policy.access import Outcome\n"),
    ),
    Contract(
        "the plugins use the ZalouserApi interface, the model, errors, ids, untrusted, the answers and their support module",
        sources=(PLUGINS,),
        allowed=(PLUGINS, f"{P}.service.api", f"{P}.model", f"{P}.errors", f"{P}.ids", f"{P}.answers", f"{P}.untrusted"),
        breaker=(f"{PLUGINS}.made_up", "from errbot_zalouser.service.service import ZalouserService\n"),
    ),
    Contract(
        "the simulator stands alone: it imports nothing of the bot, and only the standard library",
        sources=(f"{P}.simulator",), allowed=(f"{P}.simulator",), foreign="stdlib",
        breaker=(f"{P}.simulator.made_up", "from errbot_zalouser.model import InboundEvent\n"),
    ),
    Contract(
        "only the demo starts the simulator",
        sources=(P, PLUGINS), exempt=(f"{P}.simulator", f"{P}.demo"), forbidden=(f"{P}.simulator",),
        breaker=(f"{P}.service.made_up", "import errbot_zalouser.simulator.control\n"),
    ),
)


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports that go up the LAYERS, or sideways between two entries of one layer."""
    def place(module: str) -> tuple[int, str] | None:
        for depth, layer in enumerate(LAYERS):
            for entry in layer:
                if within(module, (entry,)):
                    return depth, entry
        return None

    found = []
    for module in sorted(graph):
        here = place(module)
        for target in sorted(graph[module]):
            there = place(target)
            if here is None or there is None or here[1] == there[1]:
                continue
            if there[0] <= here[0]:
                found.append(f"{module} imports {target}, which is not below it")
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_is_really_read(graph):
    assert f"{P}.settings" in graph[f"{P}.policy.access"]
    assert "errbot.core" in graph[f"{P}.backend.backend"]
    assert f"{P}.plugins.support" in graph[f"{P}.plugins.zalouser_pairing.zalouser_pairing"]
    assert "pexpect" in graph[f"{P}.transport.listener"]


@pytest.mark.parametrize("contract", CONTRACTS, ids=[c.name for c in CONTRACTS])
def test_contract_holds(graph, contract):
    assert contract.violations(graph) == []


@pytest.mark.parametrize("contract", CONTRACTS, ids=[c.name for c in CONTRACTS])
def test_contract_catches_a_module_that_breaks_it(contract):
    name, text = contract.breaker
    broken = contract.violations(import_graph({name: text}))
    assert broken and all(line.startswith(f"{name} imports ") for line in broken), broken


def test_imports_go_down_the_layers(graph):
    assert layer_violations(graph) == []


@pytest.mark.parametrize(("name", "text"), [
    (f"{P}.transport.made_up", "from errbot_zalouser.service import service\n"),  # up
    (f"{P}.stores.made_up", "def f():\n    from errbot_zalouser.policy import pairing\n"),  # sideways
])
def test_the_layer_check_catches_an_import_up_or_sideways(name, text):
    broken = layer_violations(import_graph({name: text}))
    assert broken and all(line.startswith(f"{name} imports ") for line in broken), broken


def unplaced(graph: dict[str, set[str]]) -> list[str]:
    placed = tuple(entry for layer in LAYERS for entry in layer) + OUTSIDE_LAYERS
    return sorted(m for m in graph if m != P and not within(m, placed))


def test_every_module_has_a_place(graph):
    """A new top-level module must be put in LAYERS (or under a contract of its own) to pass."""
    assert unplaced(graph) == []
    assert unplaced(import_graph({f"{P}.helpers": "import json\n"})) == [f"{P}.helpers"]


def test_the_lower_layers_load_no_errbot_at_run_time(graph):
    lower = sorted(m for m in graph if within(m, tuple(e for layer in LAYERS[4:] for e in layer)))
    code = (
        "import importlib, sys\n"
        f"for name in {lower!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'errbot' or m.startswith('errbot.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert len(lower) > 40 and result.stdout.strip() == "[]"


#: "About 400 lines": a module longer than this must say at its top why it is not split.
SIZE_LIMIT = 420
SIZE_REASON = "Over 400 lines:"


def needs_a_reason(text: str) -> bool:
    """Longer than SIZE_LIMIT lines and no SIZE_REASON near the top."""
    return text.count("\n") > SIZE_LIMIT and SIZE_REASON not in text[:3000]


def test_no_module_is_over_400_lines_without_a_reason_at_its_top(graph):
    found = [module for module, (path, _) in sources().items()
             if not within(module, (f"{P}.simulator", PLUGINS)) and needs_a_reason(path.read_text(encoding="utf-8"))]
    assert found == []
    assert f"{P}.transport.engine.engine" in graph  # the one that gives a reason is really looked at


def test_the_size_check_catches_a_long_module():
    body = "x = 1\n" * 450
    assert needs_a_reason('"""A module."""\n' + body)
    assert not needs_a_reason('"""A module.\n\n(Over 400 lines: one state machine.)"""\n' + body)
    assert not needs_a_reason('"""A module."""\n' + "x = 1\n" * 400)
