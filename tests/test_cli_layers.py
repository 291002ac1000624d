"""The `landuse layers` and `landuse demo` commands through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

from landuse.cli import cli

DATA = Path(__file__).parent / "data"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


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
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_check_with_source_crs_succeeds(runner):
    path = DATA / "layers_noprj" / "layers_noprj.shp"
    result = runner.invoke(cli, ["layers", "check", str(path), "--theme", "naturvard", "--source-crs", "EPSG:3006"])
    assert result.exit_code == 0, result.output
    assert "CRS found: none -> EPSG:3006" in result.output


def test_write_layers_gpkg_has_every_layer_in_sweref(tmp_path):
    from landuse.demo import write_layers
    from landuse.layers import catalogue

    path = write_layers(tmp_path)
    names = [name for name, _ in pyogrio.list_layers(path)]
    assert sorted(names) == sorted(catalogue()) and len(names) >= 12  # the loop below must not run zero times
    for name in names:
        assert pyogrio.read_info(path, layer=name)["crs"] == "EPSG:3006"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_verbose_shows_the_traceback(runner):
    result = runner.invoke(cli, ["-v", "layers", "check", "nowhere.gpkg", "--theme", "naturvard"])
    assert result.exit_code == 1
    assert result.exception is not None and "does not exist" in str(result.exception)


def test_unwritable_out_folder_fails_at_once_in_one_line(runner, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    result = runner.invoke(cli, ["demo", "--out", str(blocker / "out")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: --out ") and "is a file, so no folder can be made under it" in lines[0]
