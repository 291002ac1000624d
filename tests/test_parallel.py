"""parallel_map: the dask graph gives the serial answer, in order, with progress."""

from __future__ import annotations

import numpy as np
import shapely

from landuse._overlay import parallel_map


def _area_of_slice(shared: dict, span: tuple[int, int]) -> float:
    return float(shapely.area(shapely.union_all(shared["geoms"][span[0]:span[1]])))


def test_parallel_map_equals_serial_and_reports_progress():
    rng = np.random.default_rng(1)
    geoms = shapely.buffer(shapely.points(rng.uniform(0, 10_000, (400, 2))), 300.0)
    spans = [(i, i + 50) for i in range(0, 400, 50)]
    serial = [_area_of_slice({"geoms": geoms}, span) for span in spans]
    seen: list[tuple[int, int]] = []
    parallel = parallel_map(_area_of_slice, spans, {"geoms": geoms}, workers=2,
                            on_done=lambda done, total: seen.append((done, total)))
    assert parallel == serial
    assert sorted(seen) == [(i, len(spans)) for i in range(1, len(spans) + 1)]


def test_parallel_map_of_nothing_and_of_one():
    assert parallel_map(_area_of_slice, [], {"geoms": np.empty(0, dtype=object)}) == []
    one = shapely.box(0, 0, 10, 10)
    assert parallel_map(_area_of_slice, [(0, 1)], {"geoms": np.array([one])}) == [100.0]


def test_parallel_map_on_forked_processes_equals_serial():
    rng = np.random.default_rng(2)
    geoms = shapely.buffer(shapely.points(rng.uniform(0, 10_000, (200, 2))), 300.0)
    spans = [(i, i + 50) for i in range(0, 200, 50)]
    serial = [_area_of_slice({"geoms": geoms}, span) for span in spans]
    assert parallel_map(_area_of_slice, spans, {"geoms": geoms}, workers=2, processes=True) == serial
