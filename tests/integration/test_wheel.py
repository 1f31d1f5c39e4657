"""The wheel as a new user gets it: built, installed into a fresh venv, then used.

The fresh venv has no system site-packages and installs with `--no-index` from
a wheelhouse (`.cibgraph/wheelhouse`, filled from the package index on the
first run), so only what the wheel declares can be there. Maven's ~/.m2 cache
makes `cibgraph neo4j install` quick after the first time.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".cibgraph" / "wheelhouse"
# Imported by no module, but loaded by the driver itself when present.
PLUGINS = {"neo4j-rust-ext"}

pytestmark = pytest.mark.slow


def _run(args: list[str | Path], **kw: object) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, **kw)  # type: ignore[call-overload]
    assert out.returncode == 0, f"{args}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out  # type: ignore[no-any-return]


def _norm(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def _imported_top_level_names() -> set[str]:
    """Third-party top-level names that `cibgraph`'s own code imports."""
    names: set[str] = set()
    for f in (REPO / "cibgraph").rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "cibgraph"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, REPO])
    (wheel,) = dist.glob("cibgraph-*.whl")
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    # pip download keeps a copy of the wheel and would reuse it, stale, next time.
    for old in WHEELHOUSE.glob("cibgraph-*.whl"):
        old.unlink()
    # Fetches only what the wheelhouse lacks.
    _run([sys.executable, "-m", "pip", "download", "-q", "-d", WHEELHOUSE, wheel])
    for copy in WHEELHOUSE.glob("cibgraph-*.whl"):
        copy.unlink()
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    py = env_dir / "bin" / "python"
    _run([py, "-m", "pip", "install", "-q", "--no-index", "-f", WHEELHOUSE, wheel])
    return env_dir


def _user_env(tmp: Path) -> dict[str, str]:
    """A user's environment: no test settings, a home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "CIBGRAPH_"))}
    env["CIBGRAPH_HOME"] = str(tmp / "home")
    return env


def test_wheel_ships_every_package_file(installed: Path) -> None:
    (wheel,) = (installed.parent / "dist").glob("cibgraph-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(
        ["git", "ls-files", "cibgraph"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    missing = [f for f in tracked if f not in shipped]
    assert not missing, f"package files left out of the wheel: {missing}"


def test_dependencies_are_exactly_the_imported_ones(installed: Path) -> None:
    py = installed / "bin" / "python"
    probe = (
        "import importlib, importlib.metadata as md, json, pkgutil, cibgraph\n"
        "for m in pkgutil.walk_packages(cibgraph.__path__, 'cibgraph.'):\n"
        "    importlib.import_module(m.name)\n"
        "every = md.requires('cibgraph') or []\n"
        "reqs = [r for r in every if 'extra ==' not in r]\n"
        "extras = [r for r in every if 'extra ==' in r]\n"
        "print(json.dumps({'dists': md.packages_distributions(), 'requires': reqs,"
        " 'extras': extras}))\n"
    )
    # Every module imports in the fresh venv: nothing imported is undeclared.
    found = json.loads(_run([py, "-c", probe], cwd=installed).stdout)
    declared = {_norm(re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0]) for r in found["requires"]}
    # an optional extra's packages (pyspark for `[spark]`) are imported only when
    # asked for, and are not in the base install
    optional = {_norm(re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0]) for r in found["extras"]}
    imported: set[str] = set()
    for name in _imported_top_level_names():
        dists = found["dists"].get(name)
        if not dists and _norm(name) in optional:
            continue
        assert dists, f"cibgraph imports {name!r}, which no installed distribution provides"
        imported.update(_norm(d) for d in dists)
    assert declared - PLUGINS <= imported, f"declared, never imported: {declared - imported}"
    assert imported <= declared, f"imported, not declared: {imported - declared}"


def test_installed_cli_installs_neo4j_and_lists_queries(installed: Path, tmp_path: Path) -> None:
    cli = installed / "bin" / "cibgraph"
    env = _user_env(tmp_path)
    out = _run([cli, "neo4j", "install"], cwd=tmp_path, env=env)
    assert "Installed" in out.stdout
    plugins = list((tmp_path / "home" / "neo4j" / "plugins").glob("apoc-*.jar"))
    assert plugins, "APOC was not installed into plugins/"
    listed = json.loads(_run([cli, "queries", "--json"], cwd=tmp_path, env=env).stdout)
    shipped = sorted(p.stem for p in (REPO / "cibgraph" / "cypher").glob("*.cypher"))
    assert sorted(q["name"] for q in listed) == shipped
