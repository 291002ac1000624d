"""`landuse conflicts` through click's CliRunner: file names, layers and exact CSV columns, errors."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import rasterio
from click.testing import CliRunner

from landuse.cli import cli
from landuse.conflicts import FACE_COLUMNS, PAIR_COLUMNS
from landuse.errors import LanduseWarning
from landuse.layers import load_layer

from .conftest import fails_in_one_line, one_error_line, read_csv, snapshot

CSV_HEADER = "kommun_code,kommun,theme_a,theme_b,weight,area_km2,share_of_kommun"


def test_default_run_writes_the_contract(runner, tmp_path):
    result = runner.invoke(cli, ["-q", "conflicts", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["datapackage.json", "malkonflikter.gpkg",
                                                           "malkonflikter_per_kommun.csv"]
    csv_path = tmp_path / "malkonflikter_per_kommun.csv"
    assert csv_path.read_text(encoding="utf-8").splitlines()[0] == CSV_HEADER
    table = read_csv(csv_path)
    assert list(table.columns) == PAIR_COLUMNS
    assert table["kommun_code"].nunique() == 14 and (table["theme_a"] < table["theme_b"]).all()
    assert (table["area_km2"] > 0).all() and table["weight"].between(0, 3).all()
    gpkg = tmp_path / "malkonflikter.gpkg"
    assert {name for name, _ in pyogrio.list_layers(gpkg)} == {"faces", "pairs_per_kommun",
                                                                "layer_styles"}  # + QGIS styles
    faces = gpd.read_file(gpkg, layer="faces")
    assert list(faces.columns) == FACE_COLUMNS + ["geometry"]
    assert faces.crs.to_epsg() == 3006 and set(faces.geom_type) <= {"Polygon", "MultiPolygon"}
    assert faces["face_id"].dtype.kind == "i" and faces["n_themes"].dtype.kind == "i"
    assert faces["schematic"].dtype == bool and faces["score"].dtype.kind == "f"
    assert faces["feature_ids"].str.contains(":").all()
    layer = pyogrio.read_dataframe(gpkg, layer="pairs_per_kommun", read_geometry=False)
    assert list(layer.columns) == PAIR_COLUMNS and len(layer) == len(table)
    assert "schematisk" in result.output and "Theme pairs" in result.output


def test_themes_and_kommun_restrict(runner, tmp_path):
    result = runner.invoke(cli, ["-q", "conflicts", "--themes", "rennaring,energi,mineral", "--kommun", "Kiruna",
                                 "--kommun", "2523", "--score", "max", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = read_csv(tmp_path / "malkonflikter_per_kommun.csv")
    assert set(table["kommun_code"]) == {"2523", "2584"}
    assert set(table["kommun"]) == {"Gällivare", "Kiruna"}
    assert set(table["theme_a"]) | set(table["theme_b"]) <= {"rennaring", "energi", "mineral"}
    faces = gpd.read_file(tmp_path / "malkonflikter.gpkg", layer="faces")
    assert faces["score"].max() <= 3


def test_layer_replaces_embedded_theme(runner, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LanduseWarning)
        energi = load_layer("energi_vindbruk")
    user = gpd.GeoDataFrame({"id": ["NV-EGEN-1"], "namn": ["Eget naturvårdsområde"]},
                            geometry=[energi.geometry.iloc[0]], crs="EPSG:3006")
    path = tmp_path / "naturvard_egen.gpkg"
    user.to_file(path, engine="pyogrio")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["-q", "conflicts", "--layer", f"naturvard={path}", "--themes", "naturvard,energi",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    faces = gpd.read_file(out / "malkonflikter.gpkg", layer="faces")
    assert faces["feature_ids"].str.contains("naturvard_egen:NV-EGEN-1").all()
    assert not faces["feature_ids"].str.contains("naturvard:NV").any()  # embedded naturvard replaced
    assert faces["schematic"].all()  # the embedded energi features covering every face are schematic
    table = read_csv(out / "malkonflikter_per_kommun.csv")
    assert set(zip(table["theme_a"], table["theme_b"])) == {("energi", "naturvard")}
    assert table["area_km2"].sum() == pytest.approx(user.area.iloc[0] / 1e6, rel=0.05)  # minus sea/outside


def test_raster_mode_writes_score_tif(runner, tmp_path):
    result = runner.invoke(cli, ["-q", "conflicts", "--mode", "raster", "--resolution-m", "1000", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "datapackage.json", "malkonflikter.gpkg", "malkonflikter_per_kommun.csv", "malkonflikter_score.tif"]
    with rasterio.open(tmp_path / "malkonflikter_score.tif") as src:
        assert src.crs.to_epsg() == 3006 and src.res == (1000.0, 1000.0) and src.nodata == -1
        assert src.read(1).max() > 0
    assert read_csv(tmp_path / "malkonflikter_per_kommun.csv").columns.tolist() == PAIR_COLUMNS


@pytest.mark.parametrize("args, code, message", [
    (["--layer", "naturvard"], 2, "THEME=PATH"),
    (["--themes", "rennaring"], 2, "at least two themes"),
    (["--themes", "rennaring,drakar"], 2, "'drakar' is not an interest theme. Interest themes: rennaring"),
    (["--layer", "drakar=x.gpkg"], 2, "'drakar' is not an interest theme"),
    (["--kommun", "Atlantis"], 2, "Invalid value for '--kommun': 'Atlantis' matches no kommun. Kommuner: Arvidsjaur"),
    (["--kommun", "Kiruna", "--kommun", "9999"], 2, "'9999' matches no kommun"),
    (["--layer", "naturvard=saknas.gpkg"], 1, "saknas.gpkg"),
    (["--mode", "hex"], 2, "hex"),
    (["--resolution-m", "50"], 2, "--mode raster only"),
    (["--resolution", "50"], 2, "--mode raster only"),
    (["--oversample", "3"], 2, "--mode raster only"),
    (["--mode", "raster", "--oversample", "2"], 2, "'--oversample': 2 is even"),
])
def test_bad_options(runner, tmp_path, args, code, message):
    result = runner.invoke(cli, ["conflicts", *args, "--out", str(tmp_path)])
    assert result.exit_code == code
    assert message in result.output
    if code == 1:
        assert result.output.startswith("Error: ") and result.output.count("\n") == 1


def test_bad_config_names_the_file(runner, tmp_path):
    config = tmp_path / "mina_vikter.toml"
    text = (Path(__file__).parents[2] / "analyses" / "malkonflikter.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('"energi/mineral" = { weight = 1', '"energi/mineral" = { weight = 7'),
                      encoding="utf-8")
    result = runner.invoke(cli, ["conflicts", "--config", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "`mina_vikter.toml`" in result.output and "weight of 'energi/mineral' is 7" in result.output
    assert not (tmp_path / "out" / "malkonflikter_per_kommun.csv").exists()


def test_help_has_example(runner):
    result = runner.invoke(cli, ["conflicts", "--help"])
    assert result.exit_code == 0 and "$ landuse conflicts --out out" in result.output


def test_raster_resolution_too_fine_is_one_line(runner, tmp_path):
    result = runner.invoke(cli, ["conflicts", "--mode", "raster", "--resolution-m", "0.5", "--kommun", "Kiruna",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --resolution-m 0.5"), result.output
    assert "coarser resolution" in lines[0]
    assert not list(tmp_path.iterdir())


def test_raster_resolution_coarser_than_extent_is_refused(runner, tmp_path):
    result = runner.invoke(cli, ["conflicts", "--mode", "raster", "--resolution-m", "1e9", "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: --resolution-m 1e+09 (resolution_m) leaves no cell inside")
    assert not list(tmp_path.iterdir())


def test_layer_file_outside_the_kommuner_warns(runner, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LanduseWarning)
        energi = load_layer("energi_vindbruk")
    lulea = load_layer("kommuner").query("name == 'Luleå'").geometry.iloc[0]
    far_away = [g for g in energi.geometry if not g.intersects(lulea)][:1]  # energi lies elsewhere, not in Luleå
    user = gpd.GeoDataFrame({"id": ["NV-1"]}, geometry=far_away, crs="EPSG:3006")
    path = tmp_path / "naturvard_annan.gpkg"
    user.to_file(path, engine="pyogrio")
    result = runner.invoke(cli, ["conflicts", "--layer", f"naturvard={path}", "--themes", "naturvard,energi,rennaring",
                                 "--kommun", "Luleå", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "warning: Theme 'naturvard' (layer `naturvard_annan`) contributes nothing" in result.output


def test_vector_run_after_raster_removes_the_score_tif(runner, tmp_path):
    args = ["-q", "conflicts", "--themes", "rennaring,mineral", "--kommun", "Kiruna", "--out", str(tmp_path)]
    assert runner.invoke(cli, [*args, "--mode", "raster", "--resolution-m", "1000"]).exit_code == 0
    assert (tmp_path / "malkonflikter_score.tif").is_file()
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "malkonflikter_score.tif").exists()
    assert "removed" in result.output and "malkonflikter_score.tif" in result.output


def test_raster_oversample_option(runner, tmp_path):
    args = ["-q", "conflicts", "--themes", "rennaring,mineral", "--kommun", "Kiruna", "--mode", "raster",
            "--resolution-m", "1000"]
    assert runner.invoke(cli, [*args, "--out", str(tmp_path / "one")]).exit_code == 0
    result = runner.invoke(cli, [*args, "--oversample", "3", "--out", str(tmp_path / "three")])
    assert result.exit_code == 0, result.output
    one, three = (read_csv(tmp_path / d / "malkonflikter_per_kommun.csv") for d in ("one", "three"))
    assert len(one) == len(three) == 1 and one["area_km2"].iat[0] != three["area_km2"].iat[0]
    with rasterio.open(tmp_path / "three" / "malkonflikter_score.tif") as src:
        assert src.res == (1000.0, 1000.0)


@pytest.mark.parametrize("choice", ["none", "all", "CONFLICTS"])
def test_faces_option_chooses_the_faces_written_never_the_areas(runner, tmp_path, choice):
    args = ["-q", "conflicts", "--themes", "rennaring,naturvard,friluftsliv", "--kommun", "Kiruna"]
    assert runner.invoke(cli, [*args, "--out", str(tmp_path / "default")]).exit_code == 0
    result = runner.invoke(cli, [*args, "--faces", choice, "--out", str(tmp_path / "chosen")])
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(read_csv(tmp_path / "chosen" / "malkonflikter_per_kommun.csv"),
                                  read_csv(tmp_path / "default" / "malkonflikter_per_kommun.csv"))
    default = gpd.read_file(tmp_path / "default" / "malkonflikter.gpkg", layer="faces")
    chosen = gpd.read_file(tmp_path / "chosen" / "malkonflikter.gpkg", layer="faces")
    assert list(chosen.columns) == FACE_COLUMNS + ["geometry"]
    assert len(default) > 0 and (default["n_themes"] >= 2).all()
    if choice == "none":
        assert chosen.empty
    elif choice == "all":
        assert (chosen["n_themes"] == 1).any()
        assert chosen.loc[chosen["n_themes"] >= 2, "area_km2"].sum() == pytest.approx(default["area_km2"].sum())
    else:
        assert len(chosen) == len(default)


def test_raster_default_writes_the_score_grid_and_no_faces(runner, tmp_path):
    result = runner.invoke(cli, ["-q", "conflicts", "--mode", "raster", "--resolution-m", "500", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert gpd.read_file(tmp_path / "malkonflikter.gpkg", layer="faces").empty
    info = pyogrio.read_info(tmp_path / "malkonflikter.gpkg", layer="faces")
    assert info["geometry_type"] == "Polygon" and info["crs"] == "EPSG:3006"  # QGIS opens it as a map layer
    with rasterio.open(tmp_path / "malkonflikter_score.tif") as grid:
        assert grid.res == (500.0, 500.0) and grid.read(1).max() > 0


# --------------------------------------------------------------------------- the deprecated --resolution


def test_deprecated_resolution_still_works_and_says_so(runner, tmp_path):
    """Planners' scripts say --resolution: the same run as --resolution-m, and one warning line on stderr."""
    args = ["conflicts", "--themes", "rennaring,mineral", "--kommun", "Kiruna", "--mode", "raster"]
    new = runner.invoke(cli, [*args, "--resolution-m", "1000", "--out", str(tmp_path / "new")])
    old = runner.invoke(cli, [*args, "--resolution", "1000", "--out", str(tmp_path / "old")])
    assert new.exit_code == 0 and old.exit_code == 0, new.output + old.output
    assert [line for line in old.stderr.splitlines() if "deprecated" in line] == [
        "warning: --resolution is deprecated; use --resolution-m (the same value)."]
    assert "is deprecated" not in new.stderr
    pd.testing.assert_frame_equal(read_csv(tmp_path / "old" / "malkonflikter_per_kommun.csv"),
                                  read_csv(tmp_path / "new" / "malkonflikter_per_kommun.csv"))
    with rasterio.open(tmp_path / "old" / "malkonflikter_score.tif") as src:
        assert src.res == (1000.0, 1000.0)
    quiet = runner.invoke(cli, ["-q", *args, "--resolution", "1000", "--out", str(tmp_path / "quiet")])
    assert quiet.exit_code == 0 and not quiet.stderr  # -q hides warnings, this one too


def test_deprecated_resolution_is_hidden_and_not_given_twice(runner, tmp_path):
    help_text = runner.invoke(cli, ["conflicts", "--help"]).output
    assert "--resolution-m" in help_text and "--resolution " not in help_text
    line = one_error_line(runner.invoke(cli, ["-q", "conflicts", "--mode", "raster", "--resolution", "100",
                                              "--resolution-m", "100", "--out", str(tmp_path)]), code=2)
    assert "--resolution is the deprecated spelling of --resolution-m; give --resolution-m only" in line
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------- failures leave --out as it was


@pytest.mark.parametrize("args, expected", [
    (["conflicts", "--themes", "naturvard,rennaring", "--layer", "naturvard={d}/null_ids.gpkg"],
     ["null_ids.gpkg", "id column 'id' is empty (NULL) in 1 of 3 features", "--id-column"]),
    (["conflicts", "--themes", "naturvard,rennaring", "--layer", "naturvard={d}/table.csv"],
     ["table.csv", "table without geometry", "GeoPackage"]),
], ids=["null ids", "csv as layer"])
def test_bad_input_is_one_line_and_leaves_out_untouched(work, args, expected):
    line = fails_in_one_line(work, args)
    assert line.startswith("Error: "), line
    for text in expected:
        assert text in line, line


def test_out_under_a_file(work):
    before = snapshot(work)
    result = CliRunner().invoke(cli, ["-q", "conflicts", "--out", str(work / "a_file" / "sub")])
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "a_file` is a file, so no folder can be made under it" in line
    assert snapshot(work) == before


def test_output_name_taken_by_a_folder(work):
    out = work / "out"
    (out / "malkonflikter_per_kommun.csv").unlink()
    (out / "malkonflikter_per_kommun.csv").mkdir()
    (out / "malkonflikter.gpkg").write_bytes(b"earlier run")
    before = snapshot(work)
    result = CliRunner().invoke(cli, ["-q", "conflicts", "--themes", "rennaring,energi", "--out", str(out)])
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "malkonflikter_per_kommun.csv` is a folder" in line and "choose another --out" in line
    assert snapshot(work) == before, "no file of the run may move in when one cannot"


def test_a_users_own_file_with_an_owned_name_stays(runner, tmp_path):
    """Only files an earlier landuse run wrote (listed in datapackage.json) are removed as stale."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "malkonflikter_per_kommun.xlsx").write_text("my own notes")  # not written by landuse
    (out / "malkonflikter_score.tif").write_text("mine too")
    args = ["-q", "conflicts", "--themes", "rennaring,naturvard", "--kommun", "Kiruna", "--out", str(out)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (out / "malkonflikter_per_kommun.xlsx").read_text() == "my own notes"
    assert (out / "malkonflikter_score.tif").read_text() == "mine too"
    assert "removed" not in result.output
    # a workbook landuse wrote is listed in datapackage.json, so a later run without --xlsx removes it
    (out / "malkonflikter_per_kommun.xlsx").unlink()
    assert runner.invoke(cli, [*args, "--xlsx"]).exit_code == 0
    result = runner.invoke(cli, args)
    assert "removed" in result.output and not (out / "malkonflikter_per_kommun.xlsx").exists()
    assert (out / "malkonflikter_score.tif").read_text() == "mine too"


def test_summary_of_real_layers_has_one_header_and_no_schematic_mark(runner, tmp_path):
    from shapely import box

    x0, y0 = 663_000.0, 7_425_000.0  # inside Jokkmokk, 5 km from any border
    paths = {}
    for theme, (dx, dy) in {"naturvard": (0, 0), "friluftsliv": (1000, 0)}.items():
        frame = gpd.GeoDataFrame({"id": [f"{theme}-1"]}, geometry=[box(x0 + dx, y0 + dy, x0 + dx + 2000, y0 + 2000)],
                                 crs="EPSG:3006")
        paths[theme] = tmp_path / f"{theme}.gpkg"
        frame.to_file(paths[theme], engine="pyogrio")
    result = runner.invoke(cli, ["-q", "conflicts", "--themes", "naturvard,friluftsliv",
                                 *[arg for t, p in paths.items() for arg in ("--layer", f"{t}={p}")],
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("målkonflikter: vector")
    assert not any(line.startswith("pair ") for line in lines)  # the table has its own header
    assert "Theme pairs" in result.output and "schematisk" not in result.output
    # text lines are never wrapped at the 80 columns of a pipe: a script greps whole lines
    (hotspots,) = [line for line in lines if line.startswith("hotspots")]
    assert len(hotspots) > 80 and hotspots.endswith("km²"), hotspots
    table = read_csv(tmp_path / "out" / "malkonflikter_per_kommun.csv")
    assert table["area_km2"].sum() == pytest.approx(2.0)  # 1 km x 2 km of overlap, hand-computed


def test_one_kommun_is_one_kommun_in_the_run_line(runner, tmp_path):
    result = runner.invoke(cli, ["-q", "conflicts", "--themes", "rennaring,energi", "--kommun", "Kiruna",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "; 1 kommun, " in result.output.splitlines()[0]
