"""Shared fixtures: tiny geometries in EPSG:3006, settings, and one headless Chromium."""

from __future__ import annotations

from pathlib import Path

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


#: Debian's chromium, as the house rules run it (no sandbox as root, no background traffic).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 - playwright Browser
    """One headless Chromium (playwright driving Debian's binary) for every browser test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
