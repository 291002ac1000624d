"""Bad inputs the engines refuse or report: origins outside the county, mixed CRS, styled GeoPackages.

How each failure reaches a planner (one line, exit code 1, --out left as it was) is
tested per command in ``tests/cli``.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

X0, Y0 = 830_000.0, 7_290_000.0  # Luleå, EPSG:3006


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
