"""Every failure that reaches the CLI is one line and exit code 1, and leaves --out as it was.

Each bad input gets its own, specific message (naming the file and the fix); a
failed run neither creates nor changes an output file and leaves no staging folder.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

import landuse.conflicts
from landuse.cli import cli

X0, Y0 = 830_000.0, 7_290_000.0  # Luleå, EPSG:3006
OLD = "kommun_code,kommun\n0000,left by an earlier run\n"


def _snapshot(folder) -> dict[str, bytes]:  # noqa: ANN001 - Path
    """Every file under ``folder`` (relative name -> bytes); folders as b'<dir>'."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(folder.rglob("*"))}


def _one_error_line(result) -> str:  # noqa: ANN001 - click Result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output + result.stderr
    return lines[0]


@pytest.fixture
def work(tmp_path):  # noqa: ANN001, ANN201
    """A work folder with an earlier run's output in out/ and the bad inputs beside it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "malkonflikter_per_kommun.csv").write_text(OLD, encoding="utf-8")
    (out / "access_car.csv").write_text(OLD, encoding="utf-8")
    boxes = [shapely.box(X0 + i * 2000, Y0, X0 + i * 2000 + 1000, Y0 + 1000) for i in range(3)]
    gpd.GeoDataFrame({"id": [1, None, 3], "namn": ["a", "b", "c"]}, geometry=boxes,
                     crs="EPSG:3006").to_file(tmp_path / "null_ids.gpkg")
    pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]}).to_csv(tmp_path / "table.csv", index=False)
    pyogrio.write_dataframe(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), tmp_path / "table.xlsx", driver="XLSX")
    points = [shapely.Point(X0, Y0), shapely.Point(X0 + 1000, Y0 + 1000)]
    gpd.GeoDataFrame({"pop": ["12", "tolv"]}, geometry=points, crs="EPSG:3006").to_file(tmp_path / "pop_text.gpkg")
    gpd.GeoDataFrame({"pop": [12, -5]}, geometry=points, crs="EPSG:3006").to_file(tmp_path / "pop_negative.gpkg")
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    return tmp_path


CASES = {
    "null ids": (["conflicts", "--themes", "naturvard,rennaring", "--layer", "naturvard={d}/null_ids.gpkg"],
                 ["null_ids.gpkg", "id column 'id' is empty (NULL) in 1 of 3 features", "--id-column"]),
    "csv as layer": (["conflicts", "--themes", "naturvard,rennaring", "--layer", "naturvard={d}/table.csv"],
                     ["table.csv", "table without geometry", "GeoPackage"]),
    "xlsx as layer": (["layers", "check", "{d}/table.xlsx", "--theme", "naturvard"],
                      ["table.xlsx", "table without geometry"]),
    "csv as population": (["access", "car", "--population", "{d}/table.csv"],
                          ["table.csv", "table without geometry"]),
    "xlsx as population": (["access", "transit", "--population", "{d}/table.xlsx"],
                           ["table.xlsx", "table without geometry"]),
    "population not numeric": (["access", "car", "--population", "{d}/pop_text.gpkg", "--population-column", "pop"],
                               ["pop_text.gpkg", "1 non-numeric (e.g. 'tolv')", "--population-column"]),
    "window without departures": (["access", "transit", "--window", "48:00-50:00"],
                                   ["--window 48:00-50:00: no trip of", "departs between 48:00 and 52:00", "06:00-09:00"]),
    "plan with NULL ids": (["op-check", "{d}/null_ids.gpkg", "--use-column", "namn", "--id-column", "id"],
                           ["null_ids.gpkg", "id column 'id' is empty (NULL) in 1 of 3 features (feature 2)"]),
    "unknown --source-crs": (["op-check", "{d}/null_ids.gpkg", "--use-column", "namn", "--source-crs", "EPSG:99999"],
                             ["--source-crs 'EPSG:99999' is not a CRS"]),
    "map under a file": (["map", "--out", "{d}/a_file/karta.html"], ["a_file: this is a file, not a folder"]),
    "population negative": (["access", "transit", "--population", "{d}/pop_negative.gpkg",
                             "--population-column", "pop"],
                            ["pop_negative.gpkg", "1 negative (e.g. -5)", "head counts >= 0"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_and_leaves_out_untouched(work, case: str) -> None:
    args, expected = CASES[case]
    before = _snapshot(work)
    args = [a.format(d=work) for a in args]
    if args[0] not in ("layers", "map"):
        args += ["--out", str(work / "out")]
    result = CliRunner().invoke(cli, ["-q", *args])
    assert result.exit_code == 1, result.output
    line = _one_error_line(result)
    assert line.startswith("Error: "), line
    for text in expected:
        assert text in line, line
    assert _snapshot(work) == before, "a failed run must not create, change or leave any file"


def test_out_under_a_file(work) -> None:
    before = _snapshot(work)
    result = CliRunner().invoke(cli, ["-q", "conflicts", "--out", str(work / "a_file" / "sub")])
    assert result.exit_code == 1
    line = _one_error_line(result)
    assert "a_file` is a file, so no folder can be made under it" in line
    assert _snapshot(work) == before


def test_output_name_taken_by_a_folder(work) -> None:
    out = work / "out"
    (out / "malkonflikter_per_kommun.csv").unlink()
    (out / "malkonflikter_per_kommun.csv").mkdir()
    (out / "malkonflikter.gpkg").write_bytes(b"earlier run")
    before = _snapshot(work)
    result = CliRunner().invoke(cli, ["-q", "conflicts", "--themes", "rennaring,energi", "--out", str(out)])
    assert result.exit_code == 1
    line = _one_error_line(result)
    assert "malkonflikter_per_kommun.csv` is a folder" in line and "choose another --out" in line
    assert _snapshot(work) == before, "no file of the run may move in when one cannot"


def test_a_library_exception_is_an_internal_error_line(work, monkeypatch) -> None:
    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(landuse.conflicts, "conflicts_from_layers", broken)
    before = _snapshot(work)
    result = CliRunner().invoke(cli, ["-q", "conflicts", "--themes", "rennaring,energi", "--out", str(work / "out")])
    assert result.exit_code == 1
    assert _one_error_line(result) == ("internal error: ZeroDivisionError: float division by zero "
                                       "(run with -v for the traceback)")
    assert _snapshot(work) == before
    verbose = CliRunner().invoke(cli, ["-v", "conflicts", "--themes", "rennaring,energi", "--out", str(work / "out")])
    assert verbose.exit_code == 1
    assert isinstance(verbose.exception, ZeroDivisionError), "-v lets the traceback through"


@pytest.mark.parametrize("args, expected", [
    (["conflicts", "--bogus"], "No such option '--bogus'"),
    (["conflicts", "--mode", "hexagons", "--out", "x"], "Invalid value for '--mode'"),
    (["access", "car", "--minutes", "soon", "--out", "x"], "Invalid value for '--minutes'"),
    (["access", "car", "--speed-factor", "0", "--out", "x"], "'--speed-factor': 0.0 is not in the range x>0"),
    (["access", "transit", "--max-walk-m", "-3", "--out", "x"], "'--max-walk-m': -3.0 is not in the range x>=0"),
    (["access", "transit", "--window", "09:00-06:00", "--out", "x"], "'--window': '09:00-06:00' ends before it"),
    (["access", "transit", "--date", "2023-02-30", "--out", "x"], "'--date': '2023-02-30' is not a date"),
    (["conflicts", "--mode", "raster", "--oversample", "4", "--out", "x"], "'--oversample': 4 is even"),
])
def test_usage_errors_are_one_line_with_exit_code_2(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert expected in line and "--help`" in line, line


def test_county_row_leaves_out_origins_outside_the_county(tmp_path) -> None:
    """One origin in Stockholm (by code), one in Finland: both out of every row, one warning with counts."""
    pts = [shapely.Point(X0, Y0), shapely.Point(X0 + 5000, Y0), shapely.Point(674_000, 6_580_000),
           shapely.Point(960_000, 7_300_000)]
    origins = gpd.GeoDataFrame({"Totalt": [100, 50, 7000, 300]}, geometry=pts, crs="EPSG:3006")
    origins.to_file(tmp_path / "rutor.gpkg")
    coded = origins.assign(kommun_code=[2580, 2580, 180, 2584])  # read as integers, as spreadsheets do
    coded.to_file(tmp_path / "rutor_koder.gpkg")
    from landuse.errors import PartialLossWarning
    from landuse.access.indicator import indicator_table, load_origins

    with pytest.warns(PartialLossWarning, match=r"2 origins \(7,300 people\) lie outside Norrbotten"):
        by_place = load_origins(tmp_path / "rutor.gpkg")
    assert sorted(by_place["population"]) == [50.0, 100.0]
    with pytest.warns(PartialLossWarning, match=r"1 origins \(7,000 people\) lie outside Norrbotten"):
        by_code = load_origins(tmp_path / "rutor_koder.gpkg")
    assert sorted(by_code["kommun_code"]) == ["2580", "2580", "2584"]
    table = indicator_table(by_code.assign(travel_time_min=[10.0, 70.0, 30.0]), [60])
    county = table[table["kommun_code"] == "25"].iloc[0]
    kommuner = table[table["kommun_code"] != "25"]
    assert (county["population"], county["population_within"]) == (450, 400)
    assert kommuner["population"].sum() == county["population"]
    assert kommuner["population_within"].sum() == county["population_within"]
    # a frame that still holds another county's origin: it counts in no row, the county's included
    raw = pd.DataFrame({"kommun_code": ["2580", "0180"], "population": [10.0, 90.0], "travel_time_min": [5.0, 5.0]})
    table = indicator_table(raw, [60])
    assert table["kommun_code"].tolist() == ["2580", "25"]
    assert table["population"].tolist() == [10, 10]


def test_mixed_crs_inputs_are_refused() -> None:
    from landuse.conflicts import conflicts_from_layers
    from landuse.errors import MissingCRSError

    square = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    layers = {"energi": gpd.GeoDataFrame(geometry=[square], crs="EPSG:3006"),
              "rennaring": gpd.GeoDataFrame(geometry=[square])}
    with pytest.raises(MissingCRSError, match="theme rennaring has no CRS while the others have one"):
        conflicts_from_layers(layers)


def test_plan_outside_the_county_is_reported(tmp_path) -> None:
    """A plan outside Norrbotten (here Stockholm, as a wrong CRS label would put it): warn, never a silent 0."""
    plan = gpd.GeoDataFrame({"anvandning": ["Sammanhängande bostadsbebyggelse"]},
                            geometry=[shapely.box(674_000, 6_580_000, 675_000, 6_581_000)], crs="EPSG:3006")
    plan.to_file(tmp_path / "plan.gpkg")
    result = CliRunner().invoke(cli, ["op-check", str(tmp_path / "plan.gpkg"), "--use-column", "anvandning",
                                      "--out", str(tmp_path / "out")])
    assert "100% of the planned areas lie more than 10 km outside Norrbotten" in result.stderr, result.output


def test_layers_check_says_when_nothing_lies_in_the_county(tmp_path) -> None:
    inside = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    stockholm = shapely.box(674_000, 6_580_000, 675_000, 6_581_000)
    for name, geoms, expected in (("far.gpkg", [stockholm], "in county: 0% of the features lie in Norrbotten (or within 10 km) - "),
                                  ("half.gpkg", [inside, stockholm], "in county: 50% of the features lie in Norrbotten (or within 10 km)")):
        gpd.GeoDataFrame({"id": list(range(len(geoms)))}, geometry=geoms, crs="EPSG:3006").to_file(tmp_path / name)
        result = CliRunner().invoke(cli, ["layers", "check", str(tmp_path / name), "--theme", "naturvard"])
        assert result.exit_code == 0 and expected in result.output, result.output


def test_a_styled_geopackage_still_has_one_layer_to_read(tmp_path) -> None:
    """QGIS keeps styles in the table layer_styles; a one-layer file saved with its style needs no --layer."""
    from landuse.layers import load_layer
    from landuse.qgis_styles import style_geopackage

    path = tmp_path / "mitt_omrade.gpkg"
    gpd.GeoDataFrame({"id": [1], "namn": ["Ett"]}, geometry=[shapely.box(X0, Y0, X0 + 500, Y0 + 500)],
                     crs="EPSG:3006").to_file(path, layer="omrade")
    assert style_geopackage(path) >= 1
    assert {name for name, _ in pyogrio.list_layers(path)} == {"omrade", "layer_styles"}
    assert len(load_layer(path, theme="naturvard")) == 1


def test_a_plan_in_the_archipelago_is_in_the_county(tmp_path) -> None:
    """SCB's generalised boundaries leave out Luleå's archipelago; a plan there is no CRS mistake."""
    from landuse.layers import share_in_county
    from landuse.settings import DATA_DIR

    sea = gpd.GeoSeries([shapely.box(835_000, 7_285_000, 836_000, 7_286_000)], crs="EPSG:3006")  # ~5 km off Luleå
    kommuner = gpd.read_file(DATA_DIR / "kommuner.gpkg")
    assert not shapely.intersects(sea.iloc[0], shapely.union_all(kommuner.geometry.values))  # outside the polygons
    assert share_in_county(sea) == 1.0
