"""The glue reaches no further than the service: backend/ imports, from this package, only
itself, the error tree, the model values, the id grammar, the untrusted-text rules and the
service facade."""

from __future__ import annotations

import ast
from pathlib import Path

import errbot_zalouser

BACKEND = Path(errbot_zalouser.__file__).resolve().parent / "backend"
ALLOWED = ("errbot_zalouser.backend", "errbot_zalouser.errors", "errbot_zalouser.model",
           "errbot_zalouser.ids", "errbot_zalouser.untrusted", "errbot_zalouser.service.service")


def package_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "errbot_zalouser":
            found.update(f"errbot_zalouser.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "errbot_zalouser"}


def test_backend_modules_import_only_the_service_errors_model_and_ids():
    modules = sorted(BACKEND.glob("*.py"))
    assert {m.name for m in modules} >= {"backend.py", "identifiers.py", "render.py"}
    reaching = {f"{m.name}: {name}" for m in modules for name in package_imports(m)
                if not name.startswith(ALLOWED)}
    assert reaching == set()


def test_the_check_sees_a_reach_past_the_service(tmp_path):
    glue = tmp_path / "glue.py"
    glue.write_text("from errbot_zalouser.policy.access import Outcome\nimport errbot_zalouser.model\n"
                    "from errbot_zalouser import config, ids\n")
    assert package_imports(glue) == {"errbot_zalouser.policy.access", "errbot_zalouser.model",
                                     "errbot_zalouser.config", "errbot_zalouser.ids"}
