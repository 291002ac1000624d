"""datapackage.json of an output folder, and the schematic marks on every printed figure."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import frictionless
import geopandas as gpd
import pytest
import shapely

from landuse.access import car as car_mode
from landuse.conflicts import CONFLICT_FILES, PAIR_COLUMNS, ConflictMatrix, ConflictResult, conflicts_from_layers, \
    write_conflicts
from landuse.datapackage import DATAPACKAGE_NAME, describe_folder, write_datapackage
from landuse.demo import car_step, conflicts_step, run_demo, transit_step
from landuse.access.indicator import INDICATOR_COLUMNS
from landuse.network import network_from_edges
from landuse.opcheck import OP_COLUMNS, OP_FILES
from landuse.settings import Settings

X0, Y0 = 830_000.0, 7_290_000.0  # inside Luleå kommun, EPSG:3006
MARK = "schematisk"
SETTINGS = Settings(progress=False)


def validate(path: Path) -> frictionless.Report:
    report = frictionless.validate(str(path))
    if not report.valid:
        print(report.flatten(["taskNumber", "rowNumber", "fieldNumber", "type", "message"]))
    return report


def resources(descriptor: dict) -> dict[str, dict]:
    return {r["path"]: r for r in descriptor["resources"]}


def with_digits(lines: list[str]) -> list[str]:
    return [line for line in lines if re.search(r"\d", line)]


# --------------------------------------------------------------------------- tiny, real-looking inputs


def tiny_features(schematic: bool) -> gpd.GeoDataFrame:
    """Two overlapping 2 km squares (rennäring, energi) in Luleå."""
    boxes = [shapely.box(X0, Y0, X0 + 2000, Y0 + 2000), shapely.box(X0 + 1000, Y0, X0 + 3000, Y0 + 2000)]
    return gpd.GeoDataFrame({"layer": ["rennaring", "energi"], "theme": ["rennaring", "energi"],
                             "feature_id": ["r1", "e1"], "name": ["R", "E"], "schematic": schematic},
                            geometry=boxes, crs="EPSG:3006")


def tiny_conflicts(schematic: bool, **kw) -> ConflictResult:
    matrix = ConflictMatrix(themes=("rennaring", "energi"), weights={("energi", "rennaring"): 3})
    zone = gpd.GeoDataFrame({"kommun_code": ["2580"], "kommun": ["Luleå"]},
                            geometry=[shapely.box(X0 - 5000, Y0 - 5000, X0 + 8000, Y0 + 8000)], crs="EPSG:3006")
    return conflicts_from_layers(tiny_features(schematic), matrix, kommuner=zone, settings=SETTINGS, **kw)


def tiny_car(schematic: bool) -> car_mode.CarResult:
    """A 3-node road (1 min per km) with the centralort at one end and two origins along it."""
    net = network_from_edges([X0, X0 + 1000, X0 + 2000], [Y0] * 3, [0, 1, 1, 2], [1, 0, 2, 1], [1.0] * 4,
                             source="hand-made road", schematic=schematic)
    centralorter = gpd.GeoDataFrame({"target_id": ["T"], "name": ["Luleå"], "kommun_code": ["2580"]},
                                    geometry=[shapely.Point(X0, Y0)], crs="EPSG:3006")
    origins = gpd.GeoDataFrame({"origin_id": ["a", "b"], "kommun_code": ["2580", "2580"], "population": [100, 50]},
                               geometry=[shapely.Point(X0 + 1000, Y0), shapely.Point(X0 + 2000, Y0)],
                               crs="EPSG:3006")
    return car_mode.accessibility(origins, centralorter, source=net, minutes=(60,), settings=SETTINGS)


# --------------------------------------------------------------------------- console marks


def test_conflict_lines_on_embedded_data_carry_the_mark(tmp_path: Path):
    lines = conflicts_step(tmp_path, settings=SETTINGS)
    hotspots = [line for line in lines if line.startswith("hotspots")]
    assert hotspots and hotspots[0].endswith("[schematisk]")
    union = [line for line in lines if line.startswith("union area")]
    assert union and union[0].endswith("[schematisk]")
    pair_lines = [line for line in lines if " x " in line and "%" in line]
    assert pair_lines and all(line.endswith("[schematisk]") for line in pair_lines)
    # the run line names only the kommuner analysed and their (real, SCB) area
    unmarked = [line for line in with_digits(lines) if MARK not in line]
    assert len(unmarked) == 1 and unmarked[0].startswith("målkonflikter: vector"), unmarked


@pytest.mark.parametrize("schematic", [True, False])
def test_conflict_lines_are_marked_only_on_schematic_input(schematic: bool):
    lines = tiny_conflicts(schematic).summary_lines()
    pair = next(line for line in lines if line.startswith("energi x rennaring"))
    hotspot = next(line for line in lines if line.startswith("hotspots"))
    union = next(line for line in lines if line.startswith("union area"))
    kommun = next(line for line in lines if line.startswith("  2580"))
    for line in (pair, hotspot, union, kommun):
        assert (MARK in line) is schematic, line
    if not schematic:
        assert not any(MARK in line for line in lines), lines


def test_car_lines_on_embedded_data_carry_no_mark(tmp_path: Path):
    """The default car network is Lantmäteriet's real main roads: car figures are no longer schematic."""
    lines = car_step(tmp_path, settings=SETTINGS)
    kommun_lines = [line for line in lines if line.startswith("  25")]
    assert len(kommun_lines) == 14 and not any(MARK in line for line in lines)
    county = next(line for line in lines if line.startswith("county 25"))
    assert "Norrbottens län" in county


@pytest.mark.parametrize("schematic", [True, False])
def test_car_lines_are_marked_only_on_a_schematic_network(schematic: bool):
    lines = car_mode.summary_lines(tiny_car(schematic), settings=SETTINGS)
    county = next(line for line in lines if line.startswith("county 25"))
    kommun = next(line for line in lines if line.startswith("  2580"))
    assert "100.0 %" in county and (MARK in county) is schematic
    assert (MARK in kommun) is schematic
    if not schematic:
        assert not any(MARK in line or "schematic" in line for line in lines), lines


def test_transit_lines_on_the_real_feed_carry_no_mark(tmp_path: Path):
    lines = transit_step(tmp_path, settings=SETTINGS)
    assert any(line.startswith("county share within 60 min") for line in lines)
    assert not any(MARK in line for line in lines), lines


# --------------------------------------------------------------------------- the demo's data package


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    run_demo(folder, settings=SETTINGS, echo=lambda line: None)
    (folder / ".hidden").write_text("not an output")
    write_datapackage(folder, title="landuse demo")
    return folder


@pytest.fixture(scope="module")
def demo_package(demo_folder: Path) -> dict:
    return json.loads((demo_folder / DATAPACKAGE_NAME).read_text(encoding="utf-8"))


def test_every_file_is_a_resource(demo_folder: Path, demo_package: dict):
    files = {p.name for p in demo_folder.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert set(resources(demo_package)) == files - {DATAPACKAGE_NAME}
    assert {"layers.gpkg", CONFLICT_FILES["csv"], "access_car.csv", "strukturbild.html", "rapport.md"} <= files
    assert not [p for p in demo_folder.iterdir() if p.name.startswith(".datapackage")]  # no temporary left
    assert demo_package["title"] == "landuse demo" and demo_package["crs"] == "EPSG:3006"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", demo_package["created"])
    assert {lic["name"] for lic in demo_package["licenses"]} == {"CC0-1.0"}
    titles = " | ".join(s["title"] for s in demo_package["sources"])
    assert "SCB" in titles and "Samtrafiken GTFS" in titles and "schematisk" in titles
    roads = [s for s in demo_package["sources"] if "huvudvägnät" in s["title"]]
    assert len(roads) == 1 and roads[0]["files"] == ["access_car.gpkg"] and "Lantmäteriet" in roads[0]["licence"]


def test_csv_schemas_are_the_contracts_with_units(demo_package: dict):
    res = resources(demo_package)
    contracts = {CONFLICT_FILES["csv"]: PAIR_COLUMNS, "access_car.csv": INDICATOR_COLUMNS,
                 "access_transit.csv": INDICATOR_COLUMNS}
    for name, columns in contracts.items():
        fields = res[name]["schema"]["fields"]
        assert [f["name"] for f in fields] == columns, name
        assert all(f.get("unit") or f.get("description") for f in fields), name
        assert all(f.get("unit") for f in fields if f["type"] in {"number", "integer"}), name
        assert res[name]["type"] == "table" and res[name]["mediatype"] == "text/csv"
    units = {f["name"]: f.get("unit") for f in res["access_car.csv"]["schema"]["fields"]}
    assert units["minutes"] == "minutes" and units["population"] == "people" and units["share_within"] == "share 0–1"
    pair_units = {f["name"]: f.get("unit") for f in res[CONFLICT_FILES["csv"]]["schema"]["fields"]}
    assert pair_units["area_km2"] == "km²"


def test_non_tabular_files_are_file_resources(demo_package: dict):
    res = resources(demo_package)
    for name, mediatype in (("layers.gpkg", "application/geopackage+sqlite3"), ("strukturbild.html", "text/html"),
                            ("rapport.md", "text/markdown"), ("rapport_malkonflikter.png", "image/png")):
        assert res[name]["type"] == "file" and res[name]["mediatype"] == mediatype, name
    faces = next(layer for layer in res[CONFLICT_FILES["gpkg"]]["layers"] if layer["name"] == "faces")
    assert faces["crs"] == "EPSG:3006" and faces["features"] > 0
    assert {f["name"]: f["type"] for f in faces["fields"]}["schematic"] == "boolean"
    assert res[CONFLICT_FILES["gpkg"]]["crs"] == "EPSG:3006"


def test_schematic_files_are_flagged_from_their_content(demo_package: dict):
    res = resources(demo_package)
    schematic = {"layers.gpkg", CONFLICT_FILES["gpkg"], CONFLICT_FILES["csv"], "malkonflikter_per_kommun.xlsx",
                 "strukturbild.html", "rapport.md", "rapport.html", "rapport_malkonflikter.png"}
    for name, resource in res.items():
        assert resource["schematic"] is (name in schematic), name
        assert bool(resource.get("schematicReason")) is (name in schematic), name
    assert not res["access_transit.csv"]["schematic"] and not res["access_transit.gpkg"]["schematic"]
    assert not res["access_car.csv"]["schematic"] and not res["access_car.gpkg"]["schematic"]
    assert res[CONFLICT_FILES["csv"]]["schematicFields"] == ["area_km2", "share_of_kommun"]
    layers = {layer["name"]: layer["schematic"] for layer in res["layers.gpkg"]["layers"]}
    assert layers["naturvard"] and not layers["tatorter"] and not layers["kommuner"]
    assert demo_package["schematic"] is True and set(demo_package["schematicResources"]) == schematic
    assert f"{CONFLICT_FILES['csv']} (figures: area_km2, share_of_kommun)" in demo_package["schematicStatement"]


def test_frictionless_validates_the_demo_package(demo_folder: Path):
    report = validate(demo_folder / DATAPACKAGE_NAME)
    assert report.valid
    assert len(report.tasks) == len(json.loads((demo_folder / DATAPACKAGE_NAME).read_text())["resources"])


def test_frictionless_cli_validates_the_demo_package(demo_folder: Path):
    binary = Path(sys.executable).parent / "frictionless"
    done = subprocess.run([str(binary), "validate", str(demo_folder / DATAPACKAGE_NAME)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


# --------------------------------------------------------------------------- small folders


def write_rows(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def test_a_wrong_column_makes_the_package_invalid(tmp_path: Path):
    header = INDICATOR_COLUMNS[:-1] + ["share"]
    write_rows(tmp_path / "access_car.csv", header, [["2580", "Luleå", 60, 100, 50, 0.5]])
    descriptor = json.loads(write_datapackage(tmp_path).read_text(encoding="utf-8"))
    assert [f["name"] for f in descriptor["resources"][0]["schema"]["fields"]] == INDICATOR_COLUMNS
    report = frictionless.validate(str(tmp_path / DATAPACKAGE_NAME))
    assert not report.valid
    assert "incorrect-label" in {error[0] for error in report.flatten(["type"])}


def test_a_share_above_one_makes_the_package_invalid(tmp_path: Path):
    write_rows(tmp_path / "access_transit.csv", INDICATOR_COLUMNS, [["2580", "Luleå", 60, 100, 150, 1.5]])
    write_datapackage(tmp_path)
    report = frictionless.validate(str(tmp_path / DATAPACKAGE_NAME))
    assert not report.valid and "constraint-error" in {error[0] for error in report.flatten(["type"])}


def test_real_inputs_give_a_package_without_schematic_files(tmp_path: Path):
    write_conflicts(tiny_conflicts(False), tmp_path)
    car_mode.write_outputs(tiny_car(False), tmp_path)
    descriptor = json.loads(write_datapackage(tmp_path).read_text(encoding="utf-8"))
    assert {r["path"] for r in descriptor["resources"]} == {
        CONFLICT_FILES["csv"], CONFLICT_FILES["gpkg"], "access_car.csv", "access_car.gpkg"}
    assert not any(r["schematic"] for r in descriptor["resources"])
    assert descriptor["schematic"] is False and descriptor["schematicResources"] == []
    assert not any(s["schematic"] for s in descriptor["sources"])
    assert not any("huvudvägnät" in s["title"] for s in descriptor["sources"])  # a hand-made road, not Lantmäteriet's
    assert validate(tmp_path / DATAPACKAGE_NAME).valid


def test_describing_a_conflict_folder_loads_no_road_network_code(tmp_path: Path):
    # the main-road label lives in the output contract: reading it cost a conflicts run scipy and
    # the whole network package (0.06-0.09 s) just to find no road in its files
    write_conflicts(tiny_conflicts(False), tmp_path)
    code = ("import sys; from landuse.datapackage import write_datapackage; write_datapackage(sys.argv[1]); "
            "print(sorted(m for m in ('landuse.network', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert (tmp_path / DATAPACKAGE_NAME).is_file()


def test_raster_score_grid_inherits_the_schematic_flag_of_its_run(tmp_path: Path):
    write_conflicts(tiny_conflicts(True, mode="raster", resolution_m=100), tmp_path)
    res = resources(describe_folder(tmp_path))
    tif = res[CONFLICT_FILES["tif"]]
    assert tif["type"] == "file" and tif["mediatype"].startswith("image/tiff") and tif["crs"] == "EPSG:3006"
    assert tif["schematic"] and CONFLICT_FILES["gpkg"] in tif["schematicReason"]
    assert tif["raster"]["resolution_m"] == [100.0, 100.0]


def test_op_check_csv_uses_its_contract_and_own_schematic_column(tmp_path: Path):
    row = {"plan_id": "P1", "use": "Verksamheter och industri", "theme": "naturvard", "layer": "naturvard",
           "feature_id": "n1", "feature_name": "Abisko (schematisk)", "overlap_m2": 1250.5,
           "share_of_plan_area": 0.25, "weight": 3, "schematic": True}
    write_rows(tmp_path / OP_FILES["csv"], OP_COLUMNS, [[row[c] for c in OP_COLUMNS]])
    write_datapackage(tmp_path)
    resource = resources(json.loads((tmp_path / DATAPACKAGE_NAME).read_text(encoding="utf-8")))[OP_FILES["csv"]]
    assert [f["name"] for f in resource["schema"]["fields"]] == OP_COLUMNS
    assert {f["name"]: f.get("unit") for f in resource["schema"]["fields"]}["overlap_m2"] == "m²"
    assert resource["schematic"] and "1 of 1 rows" in resource["schematicReason"]
    assert validate(tmp_path / DATAPACKAGE_NAME).valid


def test_unknown_csv_gets_an_inferred_schema_and_hidden_files_are_left_out(tmp_path: Path):
    write_rows(tmp_path / "egen.csv", ["id", "yta", "namn", "ok"], [[1, 2.5, "Å", "true"], [2, "", "B", "false"]])
    (tmp_path / ".egen.csv.swp").write_text("editor swap file")
    (tmp_path / DATAPACKAGE_NAME).write_text("{}")  # an earlier descriptor is replaced, not described
    descriptor = json.loads(write_datapackage(tmp_path).read_text(encoding="utf-8"))
    assert [r["path"] for r in descriptor["resources"]] == ["egen.csv"]
    fields = descriptor["resources"][0]["schema"]["fields"]
    assert [(f["name"], f["type"]) for f in fields] == [("id", "integer"), ("yta", "number"), ("namn", "string"),
                                                      ("ok", "boolean")]
    assert validate(tmp_path / DATAPACKAGE_NAME).valid


# --------------------------------------------------------------------------- coverage of the indicator tables


def scb_totals() -> dict[str, float]:
    """SCB population per kommun and county, 31 Dec 2020, read by hand from the embedded CSV."""
    from landuse.settings import DATA_DIR

    with (DATA_DIR / "kommun_folkmangd.csv").open(encoding="utf-8", newline="") as fh:
        return {row["kommun_code"]: float(row["folkmangd_2020_12_31"]) for row in csv.DictReader(fh)}


@pytest.mark.parametrize("name", ["access_car.csv", "access_transit.csv"])
def test_indicator_tables_state_their_coverage(demo_folder: Path, demo_package: dict, name: str):
    coverage = resources(demo_package)[name]["coverage"]
    assert "share_lower" in coverage["description"] and "share_upper" in coverage["description"]
    assert "whole population" in coverage["description"]
    totals = scb_totals()
    with (demo_folder / name).open(encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(coverage["rows"]) == len(table) == 3 * 15  # 45, 60, 90 min x 14 kommuner and the county
    for got, row in zip(coverage["rows"], table):
        total = totals[row["kommun_code"]]
        population, within = float(row["population"]), float(row["population_within"])
        assert (got["kommun_code"], got["minutes"]) == (row["kommun_code"], float(row["minutes"]))
        assert got["population_total"] == total
        assert got["share_within"] == pytest.approx(float(row["share_within"]))
        assert got["share_lower"] == pytest.approx(within / total)
        assert got["share_upper"] == pytest.approx((within + max(total - population, 0.0)) / total)
    county = next(r for r in coverage["rows"] if r["kommun_code"] == "25" and r["minutes"] == 60)
    assert 0.5 < county["share_lower"] < county["share_within"] and county["share_upper"] <= 1


def test_coverage_of_a_hand_made_table(tmp_path: Path):
    write_rows(tmp_path / "access_car.csv", INDICATOR_COLUMNS,
               [["2580", "Luleå", 60, 100, 50, 0.5], ["9999", "Nowhere", 60, 10, 5, 0.5]])
    resource = describe_folder(tmp_path)["resources"][0]
    lulea, nowhere = resource["coverage"]["rows"]
    total = scb_totals()["2580"]
    assert lulea["share_lower"] == pytest.approx(50 / total)
    assert lulea["share_upper"] == pytest.approx((50 + total - 100) / total)
    # no SCB total: no bounds, written as JSON null (never NaN)
    assert nowhere["population_total"] is None and nowhere["share_lower"] is None
    json.dumps(resource, allow_nan=False)
    assert validate(write_datapackage(tmp_path)).valid


def test_no_coverage_for_a_table_without_the_contract_columns(tmp_path: Path):
    write_rows(tmp_path / "access_car.csv", INDICATOR_COLUMNS[:-1] + ["share"], [["2580", "Luleå", 60, 100, 50, 0.5]])
    assert "coverage" not in describe_folder(tmp_path)["resources"][0]


def test_new_gpkg_columns_have_units(demo_package: dict):
    res = resources(demo_package)
    car = {layer["name"]: {f["name"]: f for f in layer["fields"]} for layer in res["access_car.gpkg"]["layers"]}
    assert set(car) == {"origins", "origin_points", "isochrones", "network"}
    assert car["origins"]["access_m"]["unit"] == "m" and car["origins"]["access_min"]["unit"] == "minutes"
    assert car["origins"]["share_within"]["unit"] == "share 0–1" and car["origins"]["radius_m"]["unit"] == "m"
    assert "description" in car["origin_points"]["point_id"]
    assert car["network"]["length_m"]["unit"] == "m" and car["network"]["speed_kph"]["unit"] == "km/h"
    assert "vägnummer" in car["network"]["road"]["description"]
    assert "motorvag" in car["network"]["klass"]["description"]
    transit = {layer["name"]: {f["name"] for f in layer["fields"]} for layer in res["access_transit.gpkg"]["layers"]}
    assert {"share_within", "radius_m", "name"} <= transit["origins"] and "point_id" in transit["origin_points"]


def test_stand_in_network_makes_the_car_files_schematic(tmp_path: Path):
    car_mode.write_outputs(tiny_car(True), tmp_path)
    res = resources(describe_folder(tmp_path))
    assert res["access_car.gpkg"]["schematic"] and res["access_car.csv"]["schematic"]
    assert res["access_car.csv"]["schematicFields"] == ["population_within", "share_within"]
    layers = {layer["name"]: layer["schematic"] for layer in res["access_car.gpkg"]["layers"]}
    assert layers["network"] and layers["isochrones"]
