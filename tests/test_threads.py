"""Engines called from several threads at once give the serial results (a notebook, a web service)."""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import landuse._overlay as overlay
from landuse.conflicts import ConflictMatrix, conflicts_from_layers
from landuse.settings import Settings

X0, Y0 = 760_000.0, 7_300_000.0  # Boden / Luleå, EPSG:3006
THEMES = ("rennaring", "energi", "mineral", "naturvard")


def _random_layers(seed: int, n: int = 120) -> gpd.GeoDataFrame:
    """Irregular overlapping polygons of four themes (64 vertices each), 60 x 60 km."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 60_000, size=(n, 2)) + (X0, Y0)
    radii = rng.uniform(1_500, 6_000, size=n)
    angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    polys = []
    for (cx, cy), r in zip(centres, radii):
        wobble = r * rng.uniform(0.6, 1.0, size=len(angles))
        polys.append(shapely.Polygon(np.c_[cx + wobble * np.cos(angles), cy + wobble * np.sin(angles)]))
    return gpd.GeoDataFrame(
        {"theme": [THEMES[i % len(THEMES)] for i in range(n)],
         "layer": "test", "feature_id": [f"f{seed}-{i}" for i in range(n)], "name": "", "schematic": False},
        geometry=shapely.make_valid(np.array(polys, dtype=object)), crs="EPSG:3006",
    )


@pytest.fixture
def zones() -> gpd.GeoDataFrame:
    """Four square 'kommuner' over the polygons, so faces are split by zone too."""
    boxes = [shapely.box(X0 - 10_000 + i * 40_000, Y0 - 10_000 + j * 40_000,
                         X0 + 30_000 + i * 40_000, Y0 + 30_000 + j * 40_000) for i in range(2) for j in range(2)]
    return gpd.GeoDataFrame({"kommun_code": ["9901", "9902", "9903", "9904"],
                             "kommun": ["A", "B", "C", "D"]}, geometry=boxes, crs="EPSG:3006")


@pytest.fixture
def matrix() -> ConflictMatrix:
    weights = {("energi", "rennaring"): 3, ("mineral", "rennaring"): 2, ("naturvard", "rennaring"): 1,
               ("energi", "mineral"): 1, ("energi", "naturvard"): 2, ("mineral", "naturvard"): 3}
    return ConflictMatrix(themes=THEMES, weights=weights)


def _pairs(result) -> pd.DataFrame:  # noqa: ANN001 - ConflictResult
    return result.pairs_per_kommun.sort_values(["kommun_code", "theme_a", "theme_b"]).reset_index(drop=True)


def test_two_threads_through_the_conflict_engine_match_serial_runs(monkeypatch, zones, matrix) -> None:
    # small tiles, so every run goes through parallel_map's tile tasks
    monkeypatch.setattr(overlay, "TILE_VERTICES", 2_000)
    settings = Settings(progress=False)
    inputs = {seed: _random_layers(seed) for seed in (1, 2)}
    serial = {seed: _pairs(conflicts_from_layers(layers, matrix, kommuner=zones, settings=settings))
              for seed, layers in inputs.items()}
    assert not serial[1].equals(serial[2]), "the two inputs must give different answers to catch a mix-up"

    results: dict[tuple[int, int], pd.DataFrame] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(seed: int) -> None:
        try:
            barrier.wait()
            for repeat in range(3):
                results[(seed, repeat)] = _pairs(conflicts_from_layers(inputs[seed], matrix, kommuner=zones,
                                                                       settings=settings))
        except BaseException as err:  # noqa: BLE001 - re-raised in the main thread below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(seed,)) for seed in inputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(results) == 6
    for (seed, _), pairs in results.items():
        pd.testing.assert_frame_equal(pairs, serial[seed], check_exact=False, rtol=1e-9)


def test_concurrent_fork_calls_keep_their_own_inputs() -> None:
    """Two parallel_map calls whose forked workers overlap in time each see only their own inputs."""
    out: dict[str, list] = {}

    def job(name: str) -> None:
        out[name] = overlay.parallel_map(_tag, list(range(8)), {"tag": name}, processes=True, workers=2)

    threads = [threading.Thread(target=job, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    job("main")  # the main thread forks while the other two run
    for thread in threads:
        thread.join()
    for name in ("a", "b", "main"):
        assert out[name] == [(name, i) for i in range(8)]


def _tag(shared: dict, item: int) -> tuple[str, int]:
    return shared["tag"], item
