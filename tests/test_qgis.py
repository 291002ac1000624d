"""The output GeoPackages in real QGIS: every layer opens styled, in Swedish (issue 14).

``landuse demo`` and ``landuse op-check`` write their GeoPackages; ``tests/qgis_check.py`` runs
under Debian's ``/usr/bin/python3`` (PyQGIS 3.22, offscreen, a temporary HOME) and opens every
layer of every file as a QGIS user would, so the default style of the file's ``layer_styles``
table is applied.  The tests assert what QGIS then shows: the renderer and its classes, Swedish
legend labels, "(schematisk)" exactly on schematic data, Swedish field aliases, every feature in
a class, and a rendering that is not blank (kept in ``tests/artifacts/``).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from click.testing import CliRunner

from landuse.cli import cli
from landuse.layers import catalogue
from landuse.maps import load_map_spec
from landuse.settings import Settings
from landuse.themes import THEME_LABELS

QGIS_PYTHON = Path("/usr/bin/python3")
CHECK = Path(__file__).parent / "qgis_check.py"
ARTIFACTS = Path(__file__).parent / "artifacts"
# CI installs QGIS (`make qgis`); there a missing QGIS is a failure, not a skip
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

pytestmark = pytest.mark.qgis

#: Every GeoPackage a command writes.
OUTPUTS = ("layers.gpkg", "malkonflikter.gpkg", "access_car.gpkg", "access_transit.gpkg", "access_trend.gpkg",
           "op_check.gpkg")
#: Field -> the Swedish alias QGIS must show wherever the field occurs.
ALIASES = {"kommun_code": "Kommunkod", "area_km2": "Yta (km²)", "travel_time_min": "Restid (min)",
           "share_within": "Andel inom", "score": "Poäng", "weight": "Vikt (0–3)"}
#: A Swedish label: å, ä or ö, or a Swedish word of the legends that has none.
SWEDISH = re.compile(r"[åäö]|\b(min|inom|vikt|schematisk|riksintresse|centralort\w*|kommun\w*|motortrafikled|"
                     r"jordbruksmark|friluftsliv)\b", re.IGNORECASE)


@functools.cache
def _qgis_missing() -> str | None:
    """Why Debian's PyQGIS cannot run here, or None."""
    if not QGIS_PYTHON.exists():
        return f"{QGIS_PYTHON} does not exist"
    with tempfile.TemporaryDirectory() as home:
        probe = subprocess.run([str(QGIS_PYTHON), "-c", "import qgis.core"], capture_output=True, text=True,
                               env=_qgis_env(Path(home)), timeout=120)
    return None if probe.returncode == 0 else (probe.stderr.strip().splitlines() or ["import failed"])[-1]


def _qgis_env(home: Path) -> dict[str, str]:
    """Offscreen Qt, a throwaway HOME (QGIS writes its profile there), nothing of the venv.

    The venv's GDAL/PROJ data paths (rasterio and pyproj may set them) would point Debian's
    older GDAL at another version's files, so they are left out too.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "XDG_", "QGIS_", "GDAL_", "PROJ_"))}
    runtime = home / "runtime"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime))
    return env


@pytest.fixture(scope="module")
def qgis_python() -> Path:
    reason = _qgis_missing()
    if reason is not None:
        message = f"Debian's QGIS is not usable ({reason}): run `make qgis` (apt-get install qgis python3-qgis)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return QGIS_PYTHON


def run_check(python: Path, files: list[Path], work: Path, png_dir: Path | None = None) -> dict:
    """``tests/qgis_check.py`` on ``files``: its JSON report (layers keyed by (file, layer))."""
    out = work / f"qgis_report_{time.monotonic_ns()}.json"
    args = [str(python), str(CHECK), str(out), *map(str, files)]
    if png_dir is not None:
        args += ["--png-dir", str(png_dir)]
    done = subprocess.run(args, capture_output=True, text=True, env=_qgis_env(work / "home"), timeout=600)
    assert done.returncode == 0 and out.exists(), f"qgis_check.py failed ({done.returncode}):\n{done.stderr[-3000:]}"
    report = json.loads(out.read_text(encoding="utf-8"))
    report["by_layer"] = {(e["file"], e["layer"]): e for e in report["layers"]}
    return report


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, qgis_python):
    """A demo folder plus an op-check of a tiny plan, opened in QGIS: (folder, report, seconds in QGIS)."""
    from landuse.conflicts import load_interest_layers

    folder = tmp_path_factory.mktemp("qgis_demo")
    out = folder / "out"
    result = CliRunner().invoke(cli, ["-q", "demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    # a planned industrial area over the first embedded mineral object
    mineral = load_interest_layers(["mineral"], settings=Settings(progress=False))
    plan = gpd.GeoDataFrame({"id": ["A"], "kategori": ["Verksamheter och industri"]},
                            geometry=[mineral.geometry.iloc[0].representative_point().buffer(2000)], crs="EPSG:3006")
    plan.to_file(folder / "plan.gpkg", layer="mark", engine="pyogrio")
    result = CliRunner().invoke(cli, ["-q", "op-check", str(folder / "plan.gpkg"), "--layer", "mark",
                                      "--use-column", "kategori", "--id-column", "id", "--out", str(out)])
    assert result.exit_code == 0, result.output
    start = time.perf_counter()
    report = run_check(qgis_python, [out / name for name in OUTPUTS], folder, png_dir=folder / "png")
    return out, report, time.perf_counter() - start


def expectations(out: Path) -> dict[tuple[str, str], dict]:
    """What each spatial layer of the demo outputs must show in QGIS: renderer, attribute, classes, schematic."""
    spec = load_map_spec()
    conflicts = next(o for o in spec.overlays if o.kind == "conflicts")
    roads = next(o for o in spec.overlays if o.kind == "roads")
    times = len(spec.time_bins) + 2  # the bins, the open last class, "når ej"
    expected: dict[tuple[str, str], dict] = {}
    for name, layer in catalogue().items():
        expected["layers.gpkg", name] = dict(renderer="categorizedSymbol", attribute="schematic", classes=1,
                                             schematic=layer.schematic, words=THEME_LABELS[layer.theme])
    expected["malkonflikter.gpkg", "faces"] = dict(renderer="graduatedSymbol", attribute="score",
                                                   classes=len(conflicts.score_bins) + 1, schematic=True,
                                                   words="Poäng")
    expected["op_check.gpkg", "op_check"] = dict(renderer="categorizedSymbol", attribute="weight", classes=4,
                                                 schematic=True, words="Vikt")
    # on the default Lantmäteriet road network and the real Länstrafiken feed nothing here is schematic
    for mode, label in (("car", "bil"), ("transit", "kollektivtrafik")):
        file = f"access_{mode}.gpkg"
        for layer in ("origins", "origin_points"):
            expected[file, layer] = dict(renderer="categorizedSymbol", classes=times, schematic=False, words="min")
        expected[file, "isochrones"] = dict(renderer="categorizedSymbol", attribute="minutes", classes=2,
                                            schematic=False, words=f"Inom 30 min med {label}")
    expected["access_car.gpkg", "network"] = dict(renderer="categorizedSymbol", attribute="klass",
                                                  classes=len(roads.classes) + 1, schematic=False,
                                                  words="Motorväg")
    expected["access_trend.gpkg", "origins"] = dict(renderer="categorizedSymbol", classes=times, schematic=False,
                                                    words="når ej")
    return expected


def problems(entry: dict, expected: dict | None) -> list[str]:
    """What is wrong with one layer as QGIS showed it (empty when it opens as specified)."""
    where = f"{entry['file']}/{entry['layer']}"
    if not entry["valid"]:
        return [f"{where}: QGIS cannot open it"]
    found = []
    for field, alias in ALIASES.items():
        if field in entry["fields"] and entry["aliases"].get(field) != alias:
            found.append(f"{where}: field {field} shows as {entry['aliases'].get(field, field)!r}, not {alias!r}")
    if not entry["spatial"]:
        return found
    if expected is None:
        return found + [f"{where}: no expectation for this layer: add it to expectations()"]
    labels = entry["labels"]
    if entry["renderer"] != expected["renderer"]:
        found.append(f"{where}: renderer {entry['renderer']}, expected {expected['renderer']}")
    if "attribute" in expected and entry["attribute"] != expected["attribute"]:
        found.append(f"{where}: classified by {entry['attribute']!r}, expected {expected['attribute']!r}")
    if entry["classes"] != expected["classes"]:
        found.append(f"{where}: {entry['classes']} classes, expected {expected['classes']}: {labels}")
    if not labels or not all(SWEDISH.search(label) for label in labels):
        found.append(f"{where}: legend labels not Swedish: {labels}")
    if not any(expected["words"] in label for label in labels):
        found.append(f"{where}: no legend label holds {expected['words']!r}: {labels}")
    marked = [label for label in labels if "schematisk" in label]
    if expected["schematic"] and len(marked) != len(labels):
        found.append(f"{where}: schematic data, but labels lack \"(schematisk)\": {labels}")
    if not expected["schematic"] and marked:
        found.append(f"{where}: real data, but labels say schematisk: {marked}")
    if entry["unclassified"]:
        found.append(f"{where}: {entry['unclassified']} of {entry['features']} features fall in no class")
    if entry["features"] and not entry["drawn_pixels"]:
        found.append(f"{where}: the 400 × 400 rendering is blank")
    return found


def test_every_output_layer_opens_styled_in_qgis(outputs):
    out, report, seconds = outputs
    expected = expectations(out)
    by_layer = report["by_layer"]
    # QGIS sees exactly the layers GDAL lists, except the style table itself
    for name in OUTPUTS:
        listed = {str(n) for n in pyogrio.list_layers(out / name)[:, 0]} - {"layer_styles"}
        assert {layer for file, layer in by_layer if file == name} == listed, name
        with sqlite3.connect(out / name) as con:
            rows = con.execute("SELECT f_table_name, styleName, useAsDefault FROM layer_styles").fetchall()
            registered = con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
                                     ).fetchone()
        assert registered == ("attributes",) and sorted(r[0] for r in rows) == sorted(listed), name
        assert {(r[1], r[2]) for r in rows} == {("landuse", 1)}
    found = [p for entry in report["layers"] for p in problems(entry, expected.get((entry["file"], entry["layer"])))]
    assert found == [], "\n".join(found)
    assert set(expected) <= set(by_layer), sorted(set(expected) - set(by_layer))
    # the conflict faces as QGIS draws them, kept for a look (tests/artifacts is not committed)
    faces = by_layer["malkonflikter.gpkg", "faces"]
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(faces["png"], ARTIFACTS / "qgis_faces.png")
    assert faces["drawn_pixels"] > 2_000, faces["drawn_pixels"]
    assert seconds < 120, f"QGIS took {seconds:.1f} s"


def test_a_layer_without_its_style_fails_the_check(outputs, qgis_python, tmp_path):
    out, _, _ = outputs
    copy = tmp_path / "malkonflikter.gpkg"
    shutil.copyfile(out / "malkonflikter.gpkg", copy)
    with sqlite3.connect(copy) as con:
        assert con.execute("DELETE FROM layer_styles WHERE f_table_name = 'faces'").rowcount == 1
    report = run_check(qgis_python, [copy], tmp_path)
    expected = expectations(out)
    faces = report["by_layer"]["malkonflikter.gpkg", "faces"]
    # QGIS's own default: one symbol in a random colour, English field names
    assert faces["renderer"] == "singleSymbol" and faces["classes"] == 1
    found = problems(faces, expected["malkonflikter.gpkg", "faces"])
    assert any("renderer singleSymbol" in p for p in found) and any("Kommunkod" in p for p in found), found
    # the other table keeps its style
    pairs = report["by_layer"]["malkonflikter.gpkg", "pairs_per_kommun"]
    assert problems(pairs, None) == [] and pairs["aliases"]["kommun_code"] == "Kommunkod"
