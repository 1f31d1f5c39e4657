"""Who may import what: the driver only through `cibgraph.db`, routers stay thin.

Read from the sources (no import is run), so a new module is checked as soon as it exists.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "cibgraph"
ROUTERS = sorted((PACKAGE / "api" / "routers").glob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports in functions too)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def test_the_checker_sees_lazy_and_from_imports(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from neo4j import GraphDatabase\n    import cibgraph.db\n")
    assert {"neo4j", "neo4j.GraphDatabase", "cibgraph.db"} <= imported(f)


@pytest.mark.parametrize(
    "path", [*ROUTERS, PACKAGE / "demo.py"], ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_routers_and_demo_import_no_driver_and_no_router(path: Path) -> None:
    mods = imported(path)
    assert not {m for m in mods if m == "neo4j" or m.startswith("neo4j.")}, path
    assert not {m for m in mods if m.startswith("cibgraph.api.routers")}, path


def test_only_db_opens_drivers() -> None:
    """The driver's error classes may be caught anywhere; its driver, graph and time
    types are used in `db.py` alone."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "db.py":
            continue
        for m in imported(path):
            if (m == "neo4j" or m.startswith("neo4j.")) and not m.startswith("neo4j.exceptions"):
                offenders.append(f"{path.relative_to(PACKAGE)}: {m}")
    assert offenders == []


def graph_calls(path: Path) -> list[str]:
    """`graph.read(...)`, `graph.write(...)` and the like: Cypher run in this file."""
    return [
        f"{path.name}:{node.lineno} graph.{node.func.attr}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "graph"
        and node.func.attr in {"read", "write", "write_now", "write_many", "session"}
    ]


def test_the_call_checker_sees_a_read(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("def f(graph):\n    return graph.read('RETURN 1')\n")
    assert graph_calls(f) == ["m.py:2 graph.read"]


@pytest.mark.parametrize(
    "path",
    [*ROUTERS, *sorted((PACKAGE / "viz").glob("*.py")), PACKAGE / "demo.py", PACKAGE / "case.py"],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_views_routers_report_and_demo_read_through_the_read_model(path: Path) -> None:
    assert graph_calls(path) == []
