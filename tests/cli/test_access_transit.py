"""``landuse access transit`` through click's CliRunner: the output contract, errors and what -q prints."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from landuse.cli import cli

from .conftest import DATA, fails_in_one_line, one_error_line

TINY = DATA / "gtfs_tiny"
X0, Y0 = 800_000.0, 7_200_000.0
CSV_COLUMNS = ["kommun_code", "kommun", "minutes", "population", "population_within", "share_within"]
ORIGIN_COLUMNS = ["origin_id", "kommun_code", "population", "travel_time_min", "best_min", "median_min", "target"]
ORIGIN_LAYER_COLUMNS = ORIGIN_COLUMNS + ["name", "share_within", "radius_m"]  # spelled out: a contract
ISO_COLUMNS = ["target_id", "centralort", "kommun_code", "minutes", "mode", "schematic"]


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    origins = gpd.GeoDataFrame(
        {"id": ["A3", "FAR"], "name": ["Vid A3", "Långt bort"], "kommun_code": ["2580", "2581"],
         "population": [300, 100]},
        geometry=[shapely.Point(X0, Y0 + 200_000), shapely.Point(X0 + 50_000, Y0 + 250_000)], crs="EPSG:3006",
    )
    targets = gpd.GeoDataFrame(
        {"id": ["T3", "T1"], "name": ["Mål 3", "Mål 1"], "kommun_code": ["2580", "2581"]},
        geometry=[shapely.Point(X0 + 20_000, Y0 + 200_000), shapely.Point(X0 + 30_000, Y0 + 400)], crs="EPSG:3006",
    )
    origins.to_file(tmp_path / "origins.gpkg", driver="GPKG")
    targets.to_file(tmp_path / "centralorter.gpkg", driver="GPKG")
    return tmp_path / "origins.gpkg", tmp_path / "centralorter.gpkg"


def run(*args: str):
    return CliRunner().invoke(cli, ["access", "transit", *args], catch_exceptions=False)


def test_contract_on_the_tiny_feed(tmp_path, inputs):
    origins, targets = inputs
    out = tmp_path / "out"
    result = run("--gtfs", str(TINY), "--date", "2024-03-05", "--window", "06:00-06:30", "--population", str(origins),
                 "--centralorter", str(targets), "--minutes", "20,30", "--out", str(out))
    assert result.exit_code == 0, result.output
    # FAR has no stop within reach: said on stderr with counts, not hidden
    assert ("warning: 1 of 2 origins (100 people) have no stop within 1000 m (--max-walk-m) and no centralort "
            "within walking distance; they count as not reached") in result.output
    table = pd.read_csv(out / "access_transit.csv", dtype={"kommun_code": str})
    assert list(table.columns) == CSV_COLUMNS
    # A3 reaches Mål 3 in 15 min at best (see test_transit); FAR has no stop: 300 of 400 people
    county = table[table["kommun_code"] == "25"].set_index("minutes")
    assert county.loc[20, "population_within"] == 300 and county.loc[30, "share_within"] == pytest.approx(0.75)
    assert set(table["kommun_code"]) == {"2580", "2581", "25"}
    assert [name for name, _ in pyogrio.list_layers(out / "access_transit.gpkg")] == ["origins", "origin_points",
                                                                                     "isochrones", "layer_styles"]
    layer = gpd.read_file(out / "access_transit.gpkg", layer="origins")
    assert list(layer.columns) == ORIGIN_LAYER_COLUMNS + ["geometry"]
    assert layer.crs.to_epsg() == 3006
    near, far = layer.iloc[0], layer.iloc[1]
    assert (near["best_min"], near["median_min"], near["travel_time_min"], near["target"]) == (15.0, 24.5, 15.0, "Mål 3")
    assert far[["travel_time_min", "best_min", "median_min", "target"]].isna().all()
    iso = gpd.read_file(out / "access_transit.gpkg", layer="isochrones")
    assert list(iso.columns) == ISO_COLUMNS + ["geometry"]
    assert len(iso) == 4 and set(iso["minutes"]) == {30, 60} and set(iso["mode"]) == {"transit"}
    assert not iso["schematic"].astype(bool).any()
    assert set(iso.geom_type) <= {"Polygon", "MultiPolygon"}
    assert not list(out.glob(".*"))  # atomic writes leave no temporaries


def test_statistic_median_and_target_own(tmp_path, inputs):
    origins, targets = inputs
    out = tmp_path / "out"
    result = run("--gtfs", str(TINY), "--date", "2024-03-05", "--window", "06:00-06:30", "--population", str(origins),
                 "--centralorter", str(targets), "--statistic", "median", "--target", "own", "--out", str(out))
    assert result.exit_code == 0, result.output
    layer = gpd.read_file(out / "access_transit.gpkg", layer="origins")
    assert layer.iloc[0]["travel_time_min"] == 24.5 and layer.iloc[0]["target"] == "Mål 3"


def test_walk_options_reach_the_cli(tmp_path, inputs):
    origins, targets = inputs
    out = tmp_path / "out"
    # at 0 m walking range the A3 origin still stands on its stop; the target is 0 m from D3
    result = run("--gtfs", str(TINY), "--date", "2024-03-05", "--window", "06:00-06:30", "--population", str(origins),
                 "--centralorter", str(targets), "--max-walk-m", "0", "--walk-speed-kph", "4",
                 "--transfer-max-m", "0", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert gpd.read_file(out / "access_transit.gpkg", layer="origins").iloc[0]["best_min"] == 15.0


def test_date_outside_validity(tmp_path, inputs):
    origins, targets = inputs
    result = CliRunner().invoke(cli, ["access", "transit", "--gtfs", str(TINY), "--date", "2025-01-07",
                                      "--population", str(origins), "--centralorter", str(targets),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "valid 2024-03-01 to 2024-03-31" in result.output
    assert not (tmp_path / "out" / "access_transit.csv").exists()


@pytest.mark.parametrize(("feed", "message"), [
    ("gtfs_bad_missing_stop_times.zip", "missing stop_times.txt"),
    ("gtfs_bad_missing_column.zip", "trips.txt lacks column service_id"),
    ("gtfs_bad_truncated.zip", "not a readable zip archive"),
])
def test_broken_feed_is_one_line(tmp_path, feed, message):
    result = CliRunner().invoke(cli, ["access", "transit", "--gtfs", str(DATA / feed), "--out", str(tmp_path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:") and message in lines[0] and feed in lines[0]


def test_feed_that_does_not_cover_the_origins(tmp_path):
    # the tiny feed lies far from every tätort: only those on a centralort would be "reached", on foot
    line = one_error_line(CliRunner().invoke(cli, ["access", "transit", "--gtfs", str(DATA / "gtfs_tiny.zip"),
                                                   "--out", str(tmp_path / "out")]))
    assert "None of the 89 origins (3,517 points over their areas) has a stop of GTFS feed `gtfs_tiny.zip` within " \
           "1000 m (--max-walk-m)" in line
    assert "does not seem to cover the origins" in line and "--gtfs" in line
    assert not (tmp_path / "out" / "access_transit.csv").exists()


def test_missing_population_file_is_one_line(tmp_path):
    line = one_error_line(CliRunner().invoke(cli, ["access", "transit", "--gtfs", str(TINY), "--population",
                                                   str(tmp_path / "nope.gpkg"), "--out", str(tmp_path / "out")]))
    assert "nope.gpkg" in line and "does not exist" in line


def test_source_crs_for_origins_without_one(tmp_path, inputs):
    origins, targets = inputs
    bare = tmp_path / "origins_nocrs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # pyogrio, writing the bad input on purpose
        gpd.read_file(origins).set_crs(None, allow_override=True).to_file(bare)
    args = ["--gtfs", str(TINY), "--date", "2024-03-05", "--window", "06:00-06:30", "--population", str(bare),
            "--centralorter", str(targets), "--out", str(tmp_path / "out")]
    line = one_error_line(CliRunner().invoke(cli, ["access", "transit", *args]))
    assert "`origins_nocrs.gpkg` has no CRS" in line and "--source-crs" in line
    result = run(*args, "--source-crs", "EPSG:3006")
    assert result.exit_code == 0, result.output
    layer = gpd.read_file(tmp_path / "out" / "access_transit.gpkg", layer="origins")
    assert layer.iloc[0]["best_min"] == 15.0


def test_bad_window(tmp_path):
    result = CliRunner().invoke(cli, ["access", "transit", "--window", "9-6", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "'--window': '9-6' is not HH:MM-HH:MM" in result.output  # a usage error


def test_defaults_on_the_embedded_data(tmp_path):
    out = tmp_path / "out"
    result = run("--out", str(out))
    assert result.exit_code == 0, result.output
    assert "2023-01-17" in result.output  # a typical Tuesday of the embedded feed
    table = pd.read_csv(out / "access_transit.csv", dtype={"kommun_code": str})
    assert list(table.columns) == CSV_COLUMNS
    assert sorted(set(table["minutes"])) == [45, 60, 90]
    assert len(table) == 3 * 15
    county60 = table[(table["kommun_code"] == "25") & (table["minutes"] == 60)].iloc[0]
    assert county60["population"] == pytest.approx(207_398)
    assert 0.5 < county60["share_within"] <= 1
    layer = gpd.read_file(out / "access_transit.gpkg", layer="origins")
    assert len(layer) == 89 and list(layer.columns) == ORIGIN_LAYER_COLUMNS + ["geometry"]
    iso = gpd.read_file(out / "access_transit.gpkg", layer="isochrones")
    assert len(iso) == 28 and iso["centralort"].nunique() == 14


def test_help_lists_the_contract_options():
    result = CliRunner().invoke(cli, ["access", "transit", "--help"])
    for option in ("--gtfs", "--date", "--window", "--statistic", "--population", "--population-column",
                   "--centralorter", "--minutes", "--target", "--walk-speed-kph", "--max-walk-m",
                   "--transfer-max-m", "--source-crs", "--out"):
        assert option in result.output


def test_defaults_come_from_settings_and_the_library():
    """The CLI's defaults are the library's: Settings for the numbers, the router's window, the enums."""
    import inspect

    from landuse.access import transit
    from landuse.access.transit_router import DEFAULT_WINDOW
    from landuse.settings import Settings

    defaults = {p.name: p.default for p in cli.commands["access"].commands["transit"].params}
    settings = Settings()
    assert (defaults["walk_speed_kph"], defaults["max_walk_m"], defaults["transfer_max_m"]) == (
        settings.walk_speed_kph, settings.max_walk_m, settings.transfer_max_m)
    assert defaults["window"] == DEFAULT_WINDOW
    signature = inspect.signature(transit.accessibility).parameters
    assert tuple(float(m) for m in defaults["minutes"].split(",")) == tuple(signature["minutes"].default)
    assert defaults["target"] == signature["target"].default and defaults["statistic"] == "best"


@pytest.mark.parametrize("args, expected", [
    (["access", "transit", "--population", "{d}/table.xlsx"], ["table.xlsx", "table without geometry"]),
    (["access", "transit", "--window", "48:00-50:00"],
     ["--window 48:00-50:00: no trip of", "departs between 48:00 and 52:00", "06:00-09:00"]),
    (["access", "transit", "--population", "{d}/pop_negative.gpkg", "--population-column", "pop"],
     ["pop_negative.gpkg", "1 negative (e.g. -5)", "head counts >= 0"]),
], ids=["xlsx as population", "window without departures", "population negative"])
def test_bad_input_is_one_line_and_leaves_out_untouched(work, args, expected):
    line = fails_in_one_line(work, args)
    for text in expected:
        assert text in line, line


def test_quiet_prints_the_result_without_warnings(tmp_path, inputs):
    """-q hides the warning about FAR, never the county figures or the files written (one rule for all)."""
    origins, targets = inputs
    args = ["access", "transit", "--gtfs", str(TINY), "--date", "2024-03-05", "--window", "06:00-06:30",
            "--population", str(origins), "--centralorter", str(targets), "--minutes", "20,30"]
    loud = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "loud")])
    quiet = CliRunner().invoke(cli, ["-q", *args, "--out", str(tmp_path / "quiet")])
    assert loud.exit_code == 0 and quiet.exit_code == 0, loud.output + quiet.output
    assert "warning: 1 of 2 origins" in loud.stderr and not quiet.stderr
    assert quiet.stdout.replace(str(tmp_path / "quiet"), str(tmp_path / "loud")) == loud.stdout
    assert "2024-03-05 06:00-06:30, best travel time, target any, county:" in quiet.stdout
    assert "  75.0% within 20 min\n  75.0% within 30 min\n" in quiet.stdout
    assert f"wrote {tmp_path / 'quiet' / 'access_transit.csv'} and" in quiet.stdout
