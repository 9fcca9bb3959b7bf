"""Who imports whom in errbot_zalouser and its companion plugins, read from the source with ``ast``.

Every import statement counts wherever it stands: at the top, in a function, behind
``TYPE_CHECKING``. The plugins are read under the name they are installed as
(``plugins/support.py`` is ``errbot_zalouser.plugins.support``). An imported name is resolved to
the deepest module of ours it names (``from errbot_zalouser import ids`` is
``errbot_zalouser.ids``; ``from errbot_zalouser.model import Target`` is
``errbot_zalouser.model``); a foreign import keeps its dotted name (``errbot.backends.base``).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "errbot_zalouser"
PLUGINS = f"{PACKAGE}.plugins"


def module_name(path: Path, base: Path, prefix: str) -> tuple[str, bool]:
    """The dotted name of ``path`` under ``base`` (named ``prefix``) and whether it is a package."""
    parts = (prefix, *path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def sources(root: Path = ROOT) -> dict[str, tuple[Path, bool]]:
    """Module name -> (file, is a package) for the package and the plugins."""
    found: dict[str, tuple[Path, bool]] = {}
    for base, prefix in ((root / PACKAGE, PACKAGE), (root / "plugins", PLUGINS)):
        for path in sorted(base.rglob("*.py")):
            if "__pycache__" not in path.parts:
                name, is_package = module_name(path, base, prefix)
                found[name] = (path, is_package)
    return found


def _targets(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The dotted names one statement imports (``from a import b`` gives ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - node.level + 1]
        base = ".".join(anchor + ([base] if base else []))
    return [f"{base}.{alias.name}" for alias in node.names]


def imports_of(text: str, module: str, is_package: bool, known: set[str]) -> set[str]:
    """What the module whose source is ``text`` imports: our modules by their deepest known name,
    foreign ones as written (``from json import loads`` gives ``json``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        for name in _targets(node, module, is_package):
            ours = name
            while ours and ours not in known:  # "pkg.mod.Class" -> "pkg.mod"
                ours = ours.rpartition(".")[0]
            if ours:
                found.add(ours)
            elif isinstance(node, ast.ImportFrom):
                found.add(name.rpartition(".")[0])  # the module, not the name taken from it
            else:
                found.add(name)
    return found - {module}


def import_graph(extra: dict[str, str] | None = None) -> dict[str, set[str]]:
    """Module -> what it imports, for the package and the plugins; ``extra`` adds made-up modules
    (name -> source text) as if they were files of the package."""
    found = sources()
    known = set(found) | set(extra or {})
    graph = {
        module: imports_of(path.read_text(encoding="utf-8"), module, is_package, known)
        for module, (path, is_package) in found.items()
    }
    for module, text in (extra or {}).items():
        graph[module] = imports_of(text, module, False, known)
    return graph


def internal_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph with only our own modules as targets."""
    return {module: {t for t in targets if t in graph} for module, targets in graph.items()}


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    """``name`` is one of ``prefixes`` or inside one of them (``a.b`` is within ``a``)."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)
