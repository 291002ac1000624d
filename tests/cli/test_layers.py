"""`landuse layers list` and `landuse layers check` through click's CliRunner."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from landuse.cli import cli

from .conftest import DATA, X0, Y0, fails_in_one_line, one_error_line


def test_layers_list_json(runner):
    result = runner.invoke(cli, ["layers", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert len(rows) >= 12
    assert rows["kommuner"]["schematic"] is False and rows["kommuner"]["feature_count"] == 14
    assert rows["hallplatser"]["schematic"] is False and rows["hallplatser"]["feature_count"] == 4374
    assert rows["totalforsvar"]["schematic"] is True
    assert all({"theme", "feature_count", "schematic"} <= set(row) for row in rows.values())


def test_layers_check_reports_a_usable_file(runner):
    result = runner.invoke(cli, ["layers", "check", str(DATA / "layers_zipped_shp.zip"), "--theme", "naturvard"])
    assert result.exit_code == 0, result.output
    assert "features:  2" in result.output
    assert "area:      1.5 km²" in result.output  # union of two 1 km² squares overlapping by 0.5 km²
    assert "usable: yes" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.gpkg", "--theme", "naturvard"], "does not exist"),
        ([str(DATA / "bad_truncated.zip"), "--theme", "naturvard"], "`bad_truncated.zip` is not a readable zip archive"),
        ([str(DATA / "layers_noprj" / "layers_noprj.shp"), "--theme", "naturvard"], "has no CRS. Set it with --source-crs"),
        ([str(DATA / "layers_wgs84.geojson"), "--theme", "skog"], "Unknown theme 'skog'. Valid themes:"),
        ([str(DATA / "bad_empty.gpkg"), "--theme", "naturvard"], "`bad_empty.gpkg` has no features"),
        ([str(DATA / "bad_points_for_area_theme.gpkg"), "--theme", "naturvard"], "needs polygons"),
        ([str(DATA / "layers_wgs84.geojson"), "--theme", "naturvard", "--id-column", "OBJ"], "Columns found: RI_ID, NAMN"),
        ([str(DATA / "layers_wgs84.geojson"), "--theme", "naturvard", "--name-column", "N"], "Columns found: RI_ID, NAMN"),
        ([str(DATA / "bad_duplicate_ids.gpkg"), "--theme", "naturvard"], "duplicated ids"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(runner, args, message):
    result = runner.invoke(cli, ["layers", "check", *args])
    assert result.exit_code == 1
    line = one_error_line(result)
    assert line.startswith("Error: ") and message in line
    assert "Traceback" not in result.output


def test_check_with_source_crs_succeeds(runner):
    path = DATA / "layers_noprj" / "layers_noprj.shp"
    result = runner.invoke(cli, ["layers", "check", str(path), "--theme", "naturvard", "--source-crs", "EPSG:3006"])
    assert result.exit_code == 0, result.output
    assert "CRS found: none -> EPSG:3006" in result.output


def test_verbose_shows_the_traceback(runner):
    result = runner.invoke(cli, ["-v", "layers", "check", "nowhere.gpkg", "--theme", "naturvard"])
    assert result.exit_code == 1
    assert result.exception is not None and "does not exist" in str(result.exception)


def test_a_spreadsheet_is_one_line_and_leaves_the_folder_untouched(work):
    line = fails_in_one_line(work, ["layers", "check", "{d}/table.xlsx", "--theme", "naturvard"], out=False)
    for text in ("table.xlsx", "table without geometry"):
        assert text in line, line


def test_layers_check_says_when_nothing_lies_in_the_county(runner, tmp_path):
    inside = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    stockholm = shapely.box(674_000, 6_580_000, 675_000, 6_581_000)
    for name, geoms, expected in (("far.gpkg", [stockholm], "in county: 0% of the features lie in Norrbotten (or within 10 km) - "),
                                  ("half.gpkg", [inside, stockholm], "in county: 50% of the features lie in Norrbotten (or within 10 km)")):
        gpd.GeoDataFrame({"id": list(range(len(geoms)))}, geometry=geoms, crs="EPSG:3006").to_file(tmp_path / name)
        result = runner.invoke(cli, ["layers", "check", str(tmp_path / name), "--theme", "naturvard"])
        assert expected in result.output, result.output
        # nothing in the county: readable but not usable here (exit 1); half of it: usable
        far = name == "far.gpkg"
        assert result.exit_code == (1 if far else 0), result.output
        assert result.output.strip().splitlines()[-1] == ("usable: no (nothing in Norrbotten)" if far else "usable: yes")


def test_layers_list_shows_every_name_whole_in_a_narrow_terminal(runner, monkeypatch):
    # the name is what a user types: 80 columns (a pipe, a small window) must not shorten it
    from landuse.layers import list_layers

    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(cli, ["layers", "list"])
    assert result.exit_code == 0, result.output
    cells = {line.split("│")[1].strip() for line in result.output.splitlines() if line.startswith("│")}
    assert set(list_layers()["name"]) <= cells
