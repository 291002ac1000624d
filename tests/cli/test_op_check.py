"""`landuse op-check` through click's CliRunner: the output contract, --interest, errors."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from landuse.cli import cli
from landuse.opcheck import OP_COLUMNS
from landuse.settings import Settings

from .conftest import fails_in_one_line, one_error_line


def test_op_check_cli_on_embedded_layers(tmp_path):
    # a planned industrial area over the first embedded mineral object and a housing area in the sea
    from landuse.conflicts import load_interest_layers

    mineral = load_interest_layers(["mineral", "rennaring"], settings=Settings(progress=False))
    centre = mineral[mineral["theme"] == "mineral"].geometry.iloc[0].representative_point()
    plan = gpd.GeoDataFrame({"id": ["A"], "kategori": ["Verksamheter och industri"]},
                            geometry=[centre.buffer(2000)], crs="EPSG:3006")
    path = tmp_path / "op_plan.gpkg"
    plan.to_file(path, layer="mark", engine="pyogrio")
    result = CliRunner().invoke(cli, ["-q", "op-check", str(path), "--layer", "mark", "--use-column", "kategori",
                                      "--id-column", "id", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "op_check.csv")
    assert list(table.columns) == OP_COLUMNS
    assert "mineral" in set(table["theme"]) and (table["plan_id"] == "A").all()
    assert table["schematic"].all() and "schematisk" in result.output
    assert {n for n, _ in pyogrio.list_layers(tmp_path / "out" / "op_check.gpkg")} == {"op_check", "layer_styles"}  # + QGIS styles
    bad = CliRunner().invoke(cli, ["op-check", str(path), "--use-column", "saknas", "--out", str(tmp_path)])
    assert bad.exit_code == 1 and "saknas" in bad.output


def test_plan_outside_the_county_is_reported(tmp_path) -> None:
    """A plan partly outside Norrbotten warns; wholly outside (here Stockholm, as a wrong CRS label would put
    it) is an error, even under -q: never a silent "0 overlaps"."""
    inside = shapely.box(830_000, 7_290_000, 831_000, 7_291_000)
    stockholm = shapely.box(674_000, 6_580_000, 675_000, 6_581_000)
    for name, geoms in (("half.gpkg", [inside, stockholm]), ("far.gpkg", [stockholm])):
        gpd.GeoDataFrame({"anvandning": ["Sammanhängande bostadsbebyggelse"] * len(geoms)}, geometry=geoms,
                         crs="EPSG:3006").to_file(tmp_path / name)
    result = CliRunner().invoke(cli, ["op-check", str(tmp_path / "half.gpkg"), "--use-column", "anvandning",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0
    assert "50% of the planned areas lie more than 10 km outside Norrbotten" in result.stderr, result.output
    result = CliRunner().invoke(cli, ["-q", "op-check", str(tmp_path / "far.gpkg"), "--use-column", "anvandning",
                                      "--out", str(tmp_path / "out2")])
    line = one_error_line(result)
    assert "far.gpkg" in line and "none of the 1 planned areas lies in Norrbotten" in line
    assert not (tmp_path / "out2").exists()


@pytest.mark.parametrize("args, expected", [
    (["op-check", "{d}/null_ids.gpkg", "--use-column", "namn", "--id-column", "id"],
     ["null_ids.gpkg", "id column 'id' is empty (NULL) in 1 of 3 features (feature 2)"]),
    (["op-check", "{d}/null_ids.gpkg", "--use-column", "namn", "--source-crs", "EPSG:99999"],
     ["--source-crs 'EPSG:99999' is not a CRS"]),
], ids=["plan with NULL ids", "unknown --source-crs"])
def test_bad_input_is_one_line_and_leaves_out_untouched(work, args, expected):
    line = fails_in_one_line(work, args)
    for text in expected:
        assert text in line, line


def test_interest_takes_theme_equals_path(tmp_path):
    """--interest is the THEME=PATH option of conflicts --layer: the same parser, the flag in its message."""
    line = one_error_line(CliRunner().invoke(cli, ["op-check", "plan.gpkg", "--use-column", "a", "--interest",
                                                   "naturvard", "--out", str(tmp_path)]), code=2)
    assert "'naturvard' is not THEME=PATH, e.g. --interest naturvard=RI_naturvard.gpkg" in line
    twice = one_error_line(CliRunner().invoke(cli, ["op-check", "plan.gpkg", "--use-column", "a", "--interest",
                                                    "mineral=a.gpkg", "--interest", "mineral=b.gpkg",
                                                    "--out", str(tmp_path)]), code=2)
    assert "theme 'mineral' is given twice" in twice


def test_more_than_ten_overlaps_says_how_many_more(tmp_path):
    plan = gpd.GeoDataFrame({"id": ["STOR"], "kategori": ["Landsbygd"]},
                            geometry=[shapely.box(700_000, 7_400_000, 800_000, 7_500_000)], crs="EPSG:3006")
    path = tmp_path / "stor_plan.gpkg"
    plan.to_file(path, engine="pyogrio")
    result = CliRunner().invoke(cli, ["-q", "op-check", str(path), "--use-column", "kategori", "--id-column", "id",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "op_check.csv")
    assert len(table) > 10
    rows = [line for line in result.output.splitlines() if line.startswith("  STOR ")]
    assert len(rows) == 10
    assert f"  ... and {len(table) - 10} more (see the CSV)" in result.output.splitlines()
