"""distro's modules import one another without a circle, and a table loads neither Flask nor the driver.

Only the composition roots (distro/app.py, distro/cli.py, distro/worker.py, migrations/env.py) import every
table; the models take their timestamps from distro/clock.py, not from distro/db.py.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from distro.settings import PROJECT_ROOT

PACKAGES = ("distro", "webhooks")


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def own_modules() -> dict[str, Path]:
    """Every module of distro and webhooks by its dotted name."""
    return {module_name(path): path for package in PACKAGES for path in (PROJECT_ROOT / package).rglob("*.py")}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The own modules path imports, anywhere in it (inside a function too, which hides a circle only until
    that function runs), except under `if TYPE_CHECKING:`, which never runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_checking_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for statement in node.body
        for inner in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_checking_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from distro import db` imports the module distro.db; `from distro.db import utcnow`, distro.db.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
            found.add(node.module)
    # A package's __init__ is no edge: each of ours is empty.
    return {name for name in found if name in modules and modules[name].name != "__init__.py"}


def import_graph() -> dict[str, set[str]]:
    modules = own_modules()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_circle_finder_finds_a_circle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]


def test_no_module_of_distro_or_webhooks_imports_itself_back_through_others():
    graph = import_graph()
    assert len(graph) > 100 and "distro.models" in graph["distro.app"]
    assert circles(graph) == []


def test_only_the_composition_roots_import_every_table():
    graph = import_graph()
    importers = sorted(name for name, targets in graph.items() if "distro.models" in targets)
    assert importers == ["distro.app", "distro.cli", "distro.worker"]


TABLES_ALONE = """
import importlib, json, os, sys
from sqlmodel import SQLModel

def alone(name):
    importlib.import_module(name)
    unresolved = []
    for table in SQLModel.metadata.tables.values():
        for key in table.foreign_keys:
            try:
                key.column
            except Exception as error:
                unresolved.append(str(error))
    loaded = sorted(module for module in ("flask", "psycopg", "distro.db") if module in sys.modules)
    return {"loaded": loaded, "unresolved": unresolved}

found = {}
for name in sys.argv[1:]:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write, json.dumps(alone(name)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        found[name] = json.loads(answer.read())
    os.waitpid(child, 0)
print(json.dumps(found))
"""


def test_importing_any_table_alone_loads_neither_flask_nor_the_database_driver_and_knows_what_it_references():
    # Each module in a process of its own (forked once SQLModel is loaded), so none finds another's tables loaded.
    domains = [module_name(path) for path in (PROJECT_ROOT / "distro").glob("*/models.py")]
    names = sorted([*domains, "distro.audit", "distro.models"])
    output = subprocess.run(  # noqa: S603 - our own interpreter on a fixed script
        [sys.executable, "-c", TABLES_ALONE, *names], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    ).stdout
    found = json.loads(output)
    assert sorted(found) == names and len(names) >= 13
    assert {name: alone for name, alone in found.items() if alone != {"loaded": [], "unresolved": []}} == {}
