"""`landuse access car` through click's CliRunner: the output contract, the default network, errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from landuse.access.car import ORIGIN_COLUMNS
from landuse.cli import cli
from landuse.gtfs import DEFAULT_FEED
from landuse.settings import DATA_DIR

# the hand-made road network of the engine tests (a few OpenStreetMap ways in Luleå) and its places
from test_access_car import OSM, XY, centralorter_ae, points  # noqa: E402 - tests/ is on sys.path

from .conftest import DATA, fails_in_one_line, one_error_line


@pytest.fixture
def cli_inputs(tmp_path) -> dict[str, Path]:
    population = points(
        [{"id": "P1", "namn": "Nära", "kommun_code": "2580", "befolkning": 100},
         {"id": "P2", "namn": "Mitten", "kommun_code": "2582", "befolkning": 50},
         {"id": "P3", "namn": "Långt bort", "kommun_code": "2582", "befolkning": 25}],
        [XY["B"], XY["D"], (XY["E"][0] + 9000, XY["E"][1])],
    )
    pop_path = tmp_path / "car_population.gpkg"
    population.to_file(pop_path)
    cen_path = tmp_path / "car_centralorter.gpkg"
    centralorter_ae().rename(columns={"target_id": "id"}).to_file(cen_path)
    return {"population": pop_path, "centralorter": cen_path}


def test_cli_contract(tmp_path, cli_inputs):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "access", "car", "--network", str(OSM), "--population", str(cli_inputs["population"]),
        "--population-column", "befolkning", "--centralorter", str(cli_inputs["centralorter"]),
        "--minutes", "1,60", "--target", "any", "--access-speed-kph", "30", "--max-snap-m", "5000",
        "--speed-factor", "1.0", "--out", str(out),
    ])
    assert result.exit_code == 0, result.output
    assert "network: OpenStreetMap XML car_roads.osm" in result.output
    assert "1 of 3 origins are farther than 5000 m" in result.output  # the warning, on stderr
    assert sorted(p.name for p in out.iterdir()) == ["access_car.csv", "access_car.gpkg", "datapackage.json"]
    table = pd.read_csv(out / "access_car.csv", dtype={"kommun_code": str})
    assert list(table.columns) == ["kommun_code", "kommun", "minutes", "population", "population_within",
                                   "share_within"]
    county = table[(table["kommun_code"] == "25") & (table["minutes"] == 60)].iloc[0]
    assert county["population"] == 175 and county["population_within"] == 150
    assert county["share_within"] == pytest.approx(150 / 175)
    # by hand: P1 (100, Luleå) and P2 (50, Boden) reach a centralort; P3 (25, Boden) lies 9 km off the network
    at_60 = table[table["minutes"] == 60].set_index("kommun_code")
    assert at_60.loc["2580", ["population", "population_within"]].tolist() == [100, 100]
    assert at_60.loc["2582", ["population", "population_within"]].tolist() == [75, 50]
    assert at_60.loc["2582", "share_within"] == pytest.approx(50 / 75)
    assert [name for name, _ in pyogrio.list_layers(out / "access_car.gpkg")] == [
        "origins", "origin_points", "isochrones", "network", "layer_styles"]
    origins = gpd.read_file(out / "access_car.gpkg", layer="origins")
    assert list(origins.columns) == ORIGIN_COLUMNS + ["name", "share_within", "radius_m", "access_m", "access_min",
                                                      "geometry"]
    network = gpd.read_file(out / "access_car.gpkg", layer="network")
    for column in ("length_m", "speed_kph", "travel_time_min", "road", "source"):
        assert column in network.columns, column
    # each edge's time is its length at its speed (straight segments between OSM nodes here)
    assert np.allclose(network["travel_time_min"], network["length_m"] / 1000 / network["speed_kph"] * 60, rtol=1e-6)
    assert origins["target"].tolist()[:2] == ["Luleå", "Boden"]
    with sqlite3.connect(out / "access_car.gpkg") as db:
        nulls = db.execute("SELECT origin_id FROM origins WHERE travel_time_min IS NULL AND target IS NULL").fetchall()
    assert nulls == [("P3",)]
    iso = gpd.read_file(out / "access_car.gpkg", layer="isochrones")
    assert list(iso.columns) == ["target_id", "centralort", "kommun_code", "minutes", "mode", "schematic", "geometry"]
    assert sorted(iso["minutes"].unique()) == [30, 60] and set(iso["centralort"]) == {"Luleå", "Boden"}
    assert iso["schematic"].dtype == bool and not iso["schematic"].any()
    assert iso.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_cli_default_is_the_lantmateriet_main_roads_and_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["access", "car", "--minutes", "60", "--target", "own", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "network: Lantmäteriet Topografi 250, huvudvägnät" in result.output
    assert "schematisk" not in result.output and "APPROXIMATE/SCHEMATIC" not in result.output
    assert "county 25 Norrbottens län" in result.output and "tätort people" in result.output
    assert "; all 249,614 inhabitants: " in result.output  # the bounds over everybody
    iso = gpd.read_file(tmp_path / "access_car.gpkg", layer="isochrones")
    assert not iso["schematic"].any() and len(iso) == 28
    network = gpd.read_file(tmp_path / "access_car.gpkg", layer="network")
    assert network["source"].str.contains("Lantmäteriet Topografi 250").all()
    assert {"E4", "E10", "E45"} <= set(network["road"].dropna())
    points = gpd.read_file(tmp_path / "access_car.gpkg", layer="origin_points")
    assert (points["access_m"] >= 0).all() and (points["access_min"] >= 0).all()  # every point's access leg
    bad = runner.invoke(cli, ["access", "car", "--speed-factor", "0", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "'--speed-factor': 0.0 is not in the range x>0" in bad.output  # a usage error


def test_cli_gtfs_stand_in_stays_an_option(tmp_path):
    result = CliRunner().invoke(cli, ["access", "car", "--network", str(DATA_DIR / DEFAULT_FEED),
                                      "--minutes", "60", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "GTFS stand-in" in result.output and "APPROXIMATE/SCHEMATIC" in result.output
    iso = gpd.read_file(tmp_path / "access_car.gpkg", layer="isochrones")
    assert iso["schematic"].all() and len(iso) == 28


@pytest.mark.parametrize(("feed", "message"), [
    ("gtfs_bad_truncated.zip", "GTFS feed `gtfs_bad_truncated.zip` is not a readable zip archive"),
    ("gtfs_bad_missing_stop_times.zip", "GTFS feed `gtfs_bad_missing_stop_times.zip` is incomplete: "
                                        "missing stop_times.txt"),
    ("gtfs_bad_missing_column.zip", "GTFS feed `gtfs_bad_missing_column.zip` is incomplete: "
                                    "trips.txt lacks column service_id"),
])
def test_cli_broken_gtfs_network_is_one_line(tmp_path, feed, message):
    line = one_error_line(CliRunner().invoke(cli, ["access", "car", "--network", str(DATA / feed),
                                                   "--out", str(tmp_path)]))
    assert message in line
    assert ".shp" not in line and "vector file" not in line and "--gtfs" not in line


def test_cli_truncated_shapefile_zip_keeps_the_shapefile_advice(tmp_path):
    line = one_error_line(CliRunner().invoke(cli, ["access", "car", "--network", str(DATA / "bad_truncated.zip"),
                                                   "--out", str(tmp_path)]))
    assert "`bad_truncated.zip` is not a readable zip archive" in line and ".shp" in line


@pytest.mark.parametrize("option", ["--population", "--centralorter", "--network"])
def test_cli_missing_input_file_is_one_line(tmp_path, option):
    missing = tmp_path / "nope.gpkg"
    line = one_error_line(CliRunner().invoke(cli, ["access", "car", option, str(missing), "--out", str(tmp_path)]))
    assert "nope.gpkg" in line and "does not exist" in line


def test_cli_source_crs_for_population_without_one(tmp_path, cli_inputs):
    bare = tmp_path / "population_nocrs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # pyogrio, writing the bad input on purpose
        gpd.read_file(cli_inputs["population"]).set_crs(None, allow_override=True).to_file(bare)
    args = ["access", "car", "--network", str(OSM), "--population", str(bare), "--population-column", "befolkning",
            "--centralorter", str(cli_inputs["centralorter"]), "--max-snap-m", "5000", "--out", str(tmp_path / "out")]
    line = one_error_line(CliRunner().invoke(cli, args))
    assert "`population_nocrs.gpkg` has no CRS" in line and "--source-crs" in line
    result = CliRunner().invoke(cli, [*args, "--source-crs", "EPSG:3006"])
    assert result.exit_code == 0, result.output
    origins = gpd.read_file(tmp_path / "out" / "access_car.gpkg", layer="origins")
    assert origins["target"].tolist()[:2] == ["Luleå", "Boden"]


def test_cli_help_lists_the_options():
    result = CliRunner().invoke(cli, ["access", "car", "--help"])
    for option in ("--network", "--population", "--population-column", "--centralorter", "--minutes", "--target",
                   "--access-speed-kph", "--max-snap-m", "--speed-factor", "--speed-column", "--oneway-column",
                   "--source-crs", "--out"):
        assert option in result.output


def test_defaults_come_from_settings():
    import inspect

    from landuse.access import car
    from landuse.settings import Settings

    defaults = {p.name: p.default for p in cli.commands["access"].commands["car"].params}
    settings = Settings()
    assert (defaults["access_speed_kph"], defaults["max_snap_m"], defaults["speed_factor"]) == (
        settings.access_speed_kph, settings.max_snap_m, settings.speed_factor)
    signature = inspect.signature(car.accessibility).parameters
    assert tuple(float(m) for m in defaults["minutes"].split(",")) == tuple(signature["minutes"].default)
    assert defaults["target"] == signature["target"].default


@pytest.mark.parametrize("args, expected", [
    (["access", "car", "--population", "{d}/table.csv"], ["table.csv", "table without geometry"]),
    (["access", "car", "--population", "{d}/pop_text.gpkg", "--population-column", "pop"],
     ["pop_text.gpkg", "1 non-numeric (e.g. 'tolv')", "--population-column"]),
], ids=["csv as population", "population not numeric"])
def test_bad_input_is_one_line_and_leaves_out_untouched(work, args, expected):
    line = fails_in_one_line(work, args)
    for text in expected:
        assert text in line, line
