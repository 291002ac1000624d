"""The demo calls the engines; the engines do not know the demo (issue 15, item 3)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import landuse

PACKAGE = Path(landuse.__file__).parent


def test_importing_the_demo_and_the_summaries_loads_no_geopandas():
    code = ("import sys, landuse.demo, landuse.summaries; "
            "print(sorted(m for m in ('geopandas', 'pandas', 'shapely') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_no_engine_holds_a_demo_step_or_imports_the_demo():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE.parent).as_posix()
        if name in ("landuse/demo.py", "landuse/cli/demo.py", "landuse/__init__.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            assert not (isinstance(node, ast.FunctionDef) and node.name == "demo_step"), name
            if isinstance(node, ast.ImportFrom):
                assert node.module != "landuse.demo", name
            if isinstance(node, ast.Import):
                assert all(alias.name != "landuse.demo" for alias in node.names), name


def test_the_demo_names_its_steps_as_calls_not_strings():
    tree = ast.parse((PACKAGE / "demo.py").read_text(encoding="utf-8"))
    strings = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert not [s for s in strings if s.startswith("landuse.") and ":" in s]
