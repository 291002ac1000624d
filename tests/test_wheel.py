"""The released product: the built wheel, installed in a fresh virtual environment, run from an empty folder.

Nothing may depend on the checkout: the catalogue, the configs and the embedded data
must travel inside the wheel.  Slow (it builds and installs), so it runs once per suite;
the dependencies come from the package registry, pinned by ``constraints.txt``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CONSTRAINTS = REPO / "constraints.txt"

pytestmark = pytest.mark.slow


def _run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Build the wheel, install it into a new venv; return the venv's bin folder and a clean environment."""
    root = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    # build from a copy: setuptools writes build/ and *.egg-info into the source tree
    source = root / "source"
    shutil.copytree(REPO, source, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", ".venv*", "out", "build", "dist", "*.egg-info", "__pycache__",
                                                  ".pytest_cache", ".hypothesis", "artifacts"))
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(root / "dist"), str(source)],
                 cwd=root, env=env)
    assert built.returncode == 0, built.stderr[-3000:]
    wheels = list((root / "dist").glob("landuse-*.whl"))
    assert len(wheels) == 1, wheels
    venv.EnvBuilder(with_pip=True, clear=True).create(root / "venv")
    bin_dir = root / "venv" / "bin"
    install = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheels[0])]
    if CONSTRAINTS.is_file():
        install += ["-c", str(CONSTRAINTS)]
    done = _run(install, cwd=root, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return bin_dir, env


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_the_wheel_imports_from_site_packages(installed, empty_dir: Path) -> None:
    bin_dir, env = installed
    done = _run([str(bin_dir / "python"), "-c", "import landuse, sys; print(landuse.__file__); "
                 "print(landuse.__version__); print('geopandas' in sys.modules)"], cwd=empty_dir, env=env)
    assert done.returncode == 0, done.stderr
    path, version, heavy = done.stdout.split()
    assert "site-packages" in path and not path.startswith(str(REPO)), path
    assert version[0].isdigit()
    assert heavy == "False", "import landuse must not import geopandas"


def test_layers_list_json_from_an_empty_folder(installed, empty_dir: Path) -> None:
    bin_dir, env = installed
    done = _run([str(bin_dir / "landuse"), "layers", "list", "--json"], cwd=empty_dir, env=env)
    assert done.returncode == 0, done.stderr
    layers = {row["name"]: row for row in json.loads(done.stdout)}
    assert {"kommuner", "tatorter", "naturvard", "rennaring_karnomraden"} <= set(layers)
    assert layers["kommuner"]["feature_count"] == 14


def test_conflicts_from_an_empty_folder(installed, empty_dir: Path) -> None:
    bin_dir, env = installed
    done = _run([str(bin_dir / "landuse"), "-q", "conflicts", "--out", "out"], cwd=empty_dir, env=env)
    assert done.returncode == 0, done.stderr
    out = empty_dir / "out"
    header = (out / "malkonflikter_per_kommun.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "kommun_code,kommun,theme_a,theme_b,weight,area_km2,share_of_kommun"
    assert (out / "malkonflikter.gpkg").stat().st_size > 0
    assert (out / "datapackage.json").is_file()


def test_demo_from_an_empty_folder(installed, empty_dir: Path) -> None:
    bin_dir, env = installed
    done = _run([str(bin_dir / "landuse"), "-q", "demo", "--out", "demo"], cwd=empty_dir, env=env)
    assert done.returncode == 0, done.stderr
    names = {p.name for p in (empty_dir / "demo").iterdir()}
    assert {"layers.gpkg", "malkonflikter_per_kommun.csv", "access_car.csv", "access_transit.csv",
            "strukturbild.html", "rapport.html", "datapackage.json"} <= names
    assert [p.name for p in empty_dir.iterdir()] == ["demo"], "no staging folder may be left behind"


def test_a_failure_is_one_line_from_the_wheel(installed, empty_dir: Path) -> None:
    bin_dir, env = installed
    done = _run([str(bin_dir / "landuse"), "layers", "check", "nothing.gpkg", "--theme", "naturvard"],
                cwd=empty_dir, env=env)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "nothing.gpkg" in done.stderr
