"""The shared indicator table, origins and centralort loading."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landuse.errors import ColumnNotFoundError
from landuse.access.indicator import (
    INDICATOR_COLUMNS,
    assign_kommun,
    coverage_table,
    indicator_table,
    load_centralorter,
    load_origins,
)


def test_indicator_counts_threshold_inclusive_and_unreachable_as_outside():
    origins = pd.DataFrame({
        "kommun_code": ["2580", "2580", "2580", "2584", "2584"],
        "population": [10.0, 20.0, 30.0, 5.0, 0.0],
        "travel_time_min": [60.0, 60.0001, np.inf, np.nan, 1.0],
    })
    table = indicator_table(origins, [60, 90])
    assert list(table.columns) == INDICATOR_COLUMNS
    rows = {(r.kommun_code, r.minutes): r for r in table.itertuples()}
    assert rows[("2580", 60)].population_within == 10.0  # 60.0 is within 60, 60.0001 is not
    assert rows[("2580", 90)].population_within == 30.0
    assert rows[("2584", 60)].population_within == 0.0  # the reachable origin has nobody
    county = rows[("25", 60)]
    assert (county.population, county.population_within) == (65.0, 10.0)
    assert county.share_within == pytest.approx(10 / 65)
    assert rows[("2580", 60)].kommun == "Luleå" and county.kommun == "Norrbottens län"


def test_zero_population_kommun_has_empty_share():
    origins = pd.DataFrame({"kommun_code": ["2521"], "population": [0.0], "travel_time_min": [5.0]})
    table = indicator_table(origins, [60])
    assert np.isnan(table.loc[0, "share_within"])


def test_default_origins_are_the_tatorter():
    origins = load_origins()
    assert len(origins) == 89 and origins["population"].sum() == 207_398
    assert origins["kommun_code"].notna().all()
    assert set(origins.geom_type) == {"Point"}


def test_polygon_origins_are_reduced_to_centroids_and_joined_to_kommun(tmp_path):
    cells = gpd.GeoDataFrame(
        {"id": ["c1", "c2"], "Totalt": [12, 7]},
        geometry=[shapely.box(830_000, 7_290_000, 831_000, 7_291_000),   # Luleå
                  shapely.box(720_000, 7_535_000, 721_000, 7_536_000)],  # Kiruna
        crs=3006,
    )
    path = tmp_path / "grid.gpkg"
    cells.to_file(path)
    origins = load_origins(path, population_column="Totalt")
    assert origins["kommun_code"].tolist() == ["2580", "2584"]
    assert origins.geometry.iloc[0].equals(shapely.Point(830_500, 7_290_500))
    with pytest.raises(ColumnNotFoundError, match="has no population column folk. Columns found: .*Totalt"):
        load_origins(path, population_column="folk")


def test_point_just_off_the_generalised_coast_takes_the_nearest_kommun():
    # Seskarö-like point in the sea off Haparanda, outside the generalised polygons
    points = gpd.GeoDataFrame(geometry=[shapely.Point(905_000, 7_318_000)], crs=3006)
    assert assign_kommun(points).iloc[0] == "2583"


def test_centralorter_have_kommun_codes():
    targets = load_centralorter()
    assert len(targets) == 14 and targets["kommun_code"].is_unique


def test_coverage_of_tatorter_is_about_83_percent():
    cov = coverage_table(load_origins()).set_index("kommun_code")
    assert cov.loc["25", "coverage"] == pytest.approx(207_398 / 249_614)
    assert (cov["coverage"] < 1).all()


def test_thresholds_are_deduplicated_sorted_and_counts_stay_whole():
    origins = pd.DataFrame({"kommun_code": ["2580"], "population": [4673.0], "travel_time_min": [50.0]})
    table = indicator_table(origins, [90, 60, 60])
    assert table["minutes"].tolist() == [60, 60, 90, 90]  # kommun + county per threshold
    assert table["population"].dtype == "int64" and table["population"].iloc[0] == 4673
    halves = indicator_table(origins, [30.5, 60])
    assert halves["minutes"].tolist() == [30.5, 30.5, 60.0, 60.0]
