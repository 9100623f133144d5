"""pyproject declares every package the code imports, so a fresh install never depends on luck."""

import ast
import importlib.metadata
import re
import sys
import tomllib

from distro.settings import PROJECT_ROOT

OWN_PACKAGES = {"distro", "webhooks", "bench", "tests", "migrations"}


def imported_top_level_names() -> dict[str, str]:
    """Each third-party top-level module imported in the project, with one file importing it."""
    found: dict[str, str] = {}
    for folder in sorted(OWN_PACKAGES):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in OWN_PACKAGES and top != "__future__":
                        found.setdefault(top, str(path.relative_to(PROJECT_ROOT)))
    return found


def declared_distributions() -> set[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {_normalise(re.split(r"[<>=!~\[;\s]", requirement)[0]) for requirement in requirements}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_package_is_declared_in_pyproject():
    providers = importlib.metadata.packages_distributions()
    declared = declared_distributions()
    undeclared = {
        module: where
        for module, where in imported_top_level_names().items()
        if not {_normalise(dist) for dist in providers.get(module, [module])} & declared
    }
    assert undeclared == {}
