"""Shared fixtures: tiny geometries in EPSG:3006 and a temporary output folder."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from landuse.settings import Settings


@pytest.fixture
def settings() -> Settings:
    return Settings(progress=False)


def square(x0: float, y0: float, side: float) -> shapely.Polygon:
    """An axis-aligned square in metres."""
    return shapely.box(x0, y0, x0 + side, y0 + side)


@pytest.fixture
def two_squares() -> gpd.GeoDataFrame:
    """Two 1 km squares in Luleå overlapping by 500 m x 1000 m (0.5 km²)."""
    x, y = 830_000.0, 7_290_000.0
    return gpd.GeoDataFrame(
        {"id": ["A", "B"], "namn": ["Område A", "Område B"]},
        geometry=[square(x, y, 1000), square(x + 500, y, 1000)],
        crs="EPSG:3006",
    )
