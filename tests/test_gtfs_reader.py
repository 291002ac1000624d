"""One GTFS reader: every command that takes a feed reads it through ``landuse.gtfs``.

A feed zipped inside a top folder (``feed/stops.txt`` ...) works wherever a feed is taken;
the stråk of the tiny feed match departures counted by hand; and no other module of the
package parses GTFS.
"""

from __future__ import annotations

import ast
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import landuse
from landuse._readers import read_gtfs_stops
from landuse.cli import cli
from landuse.errors import SchematicDataWarning
from landuse.gtfs import is_feed, load_feed, read_stops
from landuse.maps import load_map_spec
from landuse.network import network_from_file, network_from_gtfs
from landuse.timetable import strak

DATA = Path(__file__).parent / "data"
TINY = DATA / "gtfs_tiny"
X0, Y0 = 800_000.0, 7_200_000.0  # the tiny feed's origin in EPSG:3006 (tests/data/make_gtfs_fixtures.py)


@pytest.fixture(scope="module")
def nested_zip(tmp_path_factory) -> Path:
    """The tiny feed zipped inside a top folder, as a zip tool makes it from a folder."""
    path = tmp_path_factory.mktemp("nested") / "feed_in_folder.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gtfs_tiny/", "")
        for member in sorted(TINY.iterdir()):
            archive.write(member, f"gtfs_tiny/{member.name}")
    return path


def test_nested_zip_loads_like_the_folder(nested_zip):
    assert is_feed(nested_zip)
    nested, folder = load_feed(nested_zip), load_feed(TINY)
    assert nested.stops.equals(folder.stops)
    assert nested.stop_times.equals(folder.stop_times)
    assert nested.services_on("2024-03-05") == folder.services_on("2024-03-05") == {"WK", "WK2", "CDONLY"}
    assert read_stops(nested_zip).equals(read_stops(TINY))
    stops = read_gtfs_stops(nested_zip)  # the reader of the catalogue layer `hallplatser`
    assert stops.crs.to_epsg() == 4326 and list(stops["stop_id"]) == list(folder.stops["stop_id"])


def test_nested_zip_as_car_network(nested_zip):
    with pytest.warns(SchematicDataWarning):
        from_file = network_from_file(nested_zip)
    with pytest.warns(SchematicDataWarning):
        from_feed = network_from_gtfs(load_feed(TINY))
    assert from_file.n_nodes == from_feed.n_nodes == 13  # 15 stops, P1 and P2 merged into S1
    assert (from_file.minutes != from_feed.minutes).nnz == 0


def test_network_from_file_reads_the_feed_once(nested_zip, monkeypatch):
    import landuse.gtfs as gtfs

    calls = []
    real = gtfs._load
    monkeypatch.setattr(gtfs, "_load", lambda *args: calls.append(args) or real(*args))
    with pytest.warns(SchematicDataWarning):
        network_from_file(nested_zip)
    assert len(calls) == 1


def test_strak_of_the_tiny_feed_by_hand():
    # Tuesday 2024-03-05 runs WK, WK2 and CDONLY (not NIGHT); platforms P1, P2 count as station S1;
    # t4f runs every 20 min from 08:00 to before 09:00: three departures A4-D4
    lines = strak(load_feed(TINY), "2024-03-05")
    got = {(r.from_stop_id, r.to_stop_id): r.departures for r in lines.itertuples()}
    assert got == {
        ("A1", "S1"): 1,   # t1a
        ("D1", "S1"): 3,   # t1b, t1c (from P2), t1d
        ("A2", "B2a"): 2,  # t2a, t2e
        ("B2a", "D2"): 2,  # t2b, t2e
        ("B2b", "D2"): 1,  # t2d
        ("B2c", "D2"): 1,  # t2c
        ("A3", "D3"): 2,   # t3b (calendar_dates only), t3c (WK2)
        ("A4", "X4"): 1,   # t4a
        ("D4", "X4"): 1,   # t4a
        ("A4", "D4"): 3,   # t4f#0..2
    }
    assert lines.crs.to_epsg() == 3006
    a4_d4 = lines[(lines["from_stop_id"] == "A4") & (lines["to_stop_id"] == "D4")].geometry.iloc[0]
    assert a4_d4.length == pytest.approx(20_000, abs=0.01)  # stops on round EPSG:3006 offsets
    # 2024-03-12: WK2 is removed (exception_type 2) and CDONLY does not run: no A3-D3
    assert ("A3", "D3") not in set(zip(*strak(load_feed(TINY), "2024-03-12")[["from_stop_id", "to_stop_id"]].T.values))


# --------------------------------------------------------------------------- every command


def test_access_transit_takes_the_nested_zip(tmp_path, nested_zip):
    origins = gpd.GeoDataFrame({"id": ["A3"], "name": ["Vid A3"], "kommun_code": ["2580"], "population": [300]},
                               geometry=[shapely.Point(X0, Y0 + 200_000)], crs="EPSG:3006")
    targets = gpd.GeoDataFrame({"id": ["T3"], "name": ["Mål 3"], "kommun_code": ["2580"]},
                               geometry=[shapely.Point(X0 + 20_000, Y0 + 200_000)], crs="EPSG:3006")
    origins.to_file(tmp_path / "origins.gpkg")
    targets.to_file(tmp_path / "centralorter.gpkg")
    result = CliRunner().invoke(cli, [
        "access", "transit", "--gtfs", str(nested_zip), "--date", "2024-03-05", "--window", "06:00-06:30",
        "--population", str(tmp_path / "origins.gpkg"), "--centralorter", str(tmp_path / "centralorter.gpkg"),
        "--minutes", "20,30", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "access_transit.csv", dtype={"kommun_code": str})
    county = table[table["kommun_code"] == "25"].set_index("minutes")
    assert county.loc[20, "population_within"] == 300  # A3 -> D3 in 15 min at best (see test_transit)
    # access trend takes the same zip (with its day) and gives the same figures
    trend = CliRunner().invoke(cli, [
        "access", "trend", "--gtfs", f"{nested_zip}=2024-03-05", "--window", "06:00-06:30",
        "--population", str(tmp_path / "origins.gpkg"), "--centralorter", str(tmp_path / "centralorter.gpkg"),
        "--minutes", "20,30", "--out", str(tmp_path / "trend")])
    assert trend.exit_code == 0, trend.output
    rows = pd.read_csv(tmp_path / "trend" / "access_trend.csv", dtype={"kommun_code": str})
    assert rows.drop(columns=["feed", "date"]).equals(table)


def test_access_car_takes_the_nested_zip(tmp_path, nested_zip):
    # corridor 2 is the stand-in's largest component: A2 -> B2a -> D2
    origins = gpd.GeoDataFrame({"id": ["O"], "name": ["Vid A2"], "kommun_code": ["2580"], "population": [40]},
                               geometry=[shapely.Point(X0, Y0 + 100_000)], crs="EPSG:3006")
    targets = gpd.GeoDataFrame({"id": ["T"], "name": ["Vid D2"], "kommun_code": ["2580"]},
                               geometry=[shapely.Point(X0 + 30_000, Y0 + 100_000)], crs="EPSG:3006")
    origins.to_file(tmp_path / "origins.gpkg")
    targets.to_file(tmp_path / "centralorter.gpkg")
    result = CliRunner().invoke(cli, [
        "access", "car", "--network", str(nested_zip), "--population", str(tmp_path / "origins.gpkg"),
        "--centralorter", str(tmp_path / "centralorter.gpkg"), "--minutes", "30", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "GTFS stand-in from feed_in_folder.zip" in result.output
    origins_out = gpd.read_file(tmp_path / "out" / "access_car.gpkg", layer="origins")
    # median running times x 0.85: A2-B2a 10 min (t2a, t2e) -> 8.5; B2a-D2 median(18, 29) = 23.5 min -> 19.975;
    # origin and target lie on the stops
    assert origins_out["travel_time_min"].iloc[0] == pytest.approx(8.5 + 19.975, abs=0.01)


def test_map_takes_the_nested_zip(tmp_path, nested_zip):
    spec = load_map_spec()
    text = spec.path.read_text(encoding="utf-8")
    assert text.count('date = "2023-01-17"') == 1
    (tmp_path / "tiny.toml").write_text(text.replace('date = "2023-01-17"', 'date = "2024-03-05"'), encoding="utf-8")
    out = tmp_path / "karta.html"
    result = CliRunner().invoke(cli, ["map", "--gtfs", str(nested_zip), "--spec", str(tmp_path / "tiny.toml"),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    # folium writes the GeoJSON with \uXXXX escapes
    html = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), out.read_text(encoding="utf-8"))
    assert "Hållplats A4 – Hållplats D4: 3 avgångar/dag" in html
    assert "Hållplats A3 – Hållplats D3: 2 avgångar/dag" in html


def test_map_gtfs_errors_name_the_map_option(tmp_path):
    result = CliRunner().invoke(cli, ["map", "--gtfs", str(DATA / "gtfs_bad_missing_stop_times.zip"),
                                      "--out", str(tmp_path / "karta.html")])
    assert result.exit_code == 1
    assert "missing stop_times.txt. Fix the feed or pass another --gtfs." in result.output


# --------------------------------------------------------------------------- one parser


def _code_of(path: Path) -> tuple[set[str], set[str]]:
    """Imported module names and string constants (docstrings left out) of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    imports, strings = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imports.add(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            strings.add(node.value)
    return imports, strings


GTFS_FILES = {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
              "calendar_dates.txt", "frequencies.txt", "transfers.txt", "feed_info.txt"}


def test_gtfs_is_parsed_in_one_module_only():
    package = Path(landuse.__file__).parent
    modules = sorted(package.rglob("*.py"))
    assert len(modules) > 20
    for path in modules:
        name = path.relative_to(package).as_posix()
        imports, strings = _code_of(path)
        if name != "gtfs.py":
            # member lookups ("stop_times.txt") and calendar parsing live in landuse.gtfs
            assert not (strings & GTFS_FILES), f"{name} looks up GTFS members {strings & GTFS_FILES}"
            assert not any("calendar_dates" in s for s in strings), f"{name} reads calendar_dates"
        if name not in ("gtfs.py", "_readers.py"):  # _readers opens zipped Shapefiles, never GTFS
            assert "zipfile" not in imports, f"{name} imports zipfile"
