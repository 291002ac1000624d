"""parallel_map: the dask graph gives the serial answer, in order, with progress, on
forked processes or on threads as asked."""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import shapely

from landuse._overlay import parallel_map

#: How long a task waits for its partner at a barrier before the test fails (a deadlock
#: guard, not a timing assertion: a healthy run passes the barrier at once).
BARRIER_TIMEOUT_S = 60.0

needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="forked workers need the fork start method (POSIX)")


def _area_of_slice(shared: dict, span: tuple[int, int]) -> float:
    return float(shapely.area(shapely.union_all(shared["geoms"][span[0]:span[1]])))


def _where_and_area(shared: dict, span: tuple[int, int]) -> tuple[int, int, float]:
    """(process id, thread id, area) of one task; waits for a second task to run at the same time."""
    # a barrier of two parties is passed only when two tasks run concurrently: one worker
    # running every task in turn breaks it (BrokenBarrierError) instead of passing
    shared["barrier"].wait(BARRIER_TIMEOUT_S)
    return os.getpid(), threading.get_ident(), _area_of_slice(shared, span)


def _squares(n: int) -> tuple[np.ndarray, list[tuple[int, int]], list[float]]:
    """n disjoint squares of side 10·(i+1) m, two per task: the areas are known by hand."""
    geoms = np.array([shapely.box(1000.0 * i, 0.0, 1000.0 * i + 10.0 * (i + 1), 10.0 * (i + 1)) for i in range(n)])
    spans = [(i, i + 2) for i in range(0, n, 2)]
    areas = [float((10 * (a + 1)) ** 2 + (10 * (a + 2)) ** 2) for a, _ in spans]
    return geoms, spans, areas


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


@needs_fork
def test_parallel_map_with_processes_runs_on_two_forked_workers():
    geoms, spans, areas = _squares(16)
    # a multiprocessing barrier cannot be pickled: the tasks reach it only because the
    # forked workers inherit `shared` instead of receiving a pickled copy
    shared = {"geoms": geoms, "barrier": multiprocessing.get_context("fork").Barrier(2)}
    out = parallel_map(_where_and_area, spans, shared, workers=2, processes=True)
    assert [area for _, _, area in out] == areas  # hand-computed, in item order
    pids = {pid for pid, _, _ in out}
    assert os.getpid() not in pids  # every task ran in a child process, none in this one
    assert len(pids) == 2  # two workers, both used (the barrier needs two at once)


def test_parallel_map_without_processes_runs_on_threads_of_this_process():
    geoms, spans, areas = _squares(16)
    shared = {"geoms": geoms, "barrier": threading.Barrier(2)}
    out = parallel_map(_where_and_area, spans, shared, workers=2, processes=False)
    assert [area for _, _, area in out] == areas
    assert {pid for pid, _, _ in out} == {os.getpid()}  # no process was started
    threads = {tid for _, tid, _ in out}
    assert threading.get_ident() not in threads  # the pool's threads, not the caller's
    assert len(threads) >= 2  # the barrier needs two tasks at once


@needs_fork
def test_parallel_map_with_processes_from_a_non_main_thread_gives_the_right_results():
    geoms, spans, areas = _squares(16)
    with ThreadPoolExecutor(max_workers=1) as pool:  # a thread that is not the main thread
        future = pool.submit(parallel_map, _area_of_slice, spans, {"geoms": geoms}, workers=2, processes=True)
        assert future.result(timeout=300) == areas  # result() re-raises the thread's error


def test_parallel_map_on_forked_processes_equals_serial():
    rng = np.random.default_rng(2)
    geoms = shapely.buffer(shapely.points(rng.uniform(0, 10_000, (200, 2))), 300.0)
    spans = [(i, i + 50) for i in range(0, 200, 50)]
    serial = [_area_of_slice({"geoms": geoms}, span) for span in spans]
    assert parallel_map(_area_of_slice, spans, {"geoms": geoms}, workers=2, processes=True) == serial


def test_valid_mask_on_threads_matches_geos_one_by_one():
    from landuse._validity import THREAD_MIN_VERTICES, valid_mask

    rng = np.random.default_rng(3)
    n = 2_000
    angle = np.sort(rng.uniform(0, 2 * np.pi, (n, 60)), axis=1)
    radius = rng.uniform(50, 500, (n, 1)) * rng.uniform(0.5, 1.0, (n, 60))
    rings = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=-1) + rng.uniform(0, 1e5, (n, 1, 2))
    geoms = shapely.polygons(rings)
    bowties = rng.choice(n, 37, replace=False)  # every 37th-ish polygon crosses itself
    geoms[bowties] = [shapely.Polygon([(x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10)])
                      for x, y in rng.uniform(0, 1e5, (37, 2))]
    assert int(shapely.get_num_coordinates(geoms).sum()) > THREAD_MIN_VERTICES  # the threaded path
    expected = np.array([g.is_valid for g in geoms])
    assert (~expected).sum() == 37
    assert (valid_mask(geoms, workers=2) == expected).all()
    fresh = shapely.from_wkb(shapely.to_wkb(geoms))  # new objects: checked again, not remembered
    assert (valid_mask(fresh, workers=1) == expected).all()
    assert valid_mask(np.empty(0, dtype=object)).shape == (0,)


def test_valid_mask_remembers_valid_objects_only_while_they_live(monkeypatch):
    import gc

    import landuse._validity as validity

    geoms = np.array([shapely.box(0, 0, 1, 1), shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), None], dtype=object)
    assert validity.valid_mask(geoms).tolist() == [True, False, False]
    calls = []
    monkeypatch.setattr(validity.shapely, "is_valid", lambda g: calls.append(len(g)) or shapely.lib.is_valid(g))
    # the valid box is not checked again; the bow tie and the missing geometry are
    assert validity.valid_mask(geoms).tolist() == [True, False, False]
    assert calls == [2]
    twin = shapely.box(0, 0, 1, 1)  # an equal geometry, another object: checked
    assert validity.valid_mask(np.array([twin], dtype=object)).tolist() == [True]
    assert calls == [2, 1]
    before = len(validity._KNOWN_VALID)
    del geoms, twin
    gc.collect()
    assert len(validity._KNOWN_VALID) == before - 2
