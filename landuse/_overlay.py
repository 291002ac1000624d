"""Atomic faces of N polygon layers: node every boundary, polygonize, find what covers each face.

Private plumbing of :mod:`landuse.conflicts`.  Everything is vectorised shapely 2;
there is no Python loop over pairs of features.  Large inputs are cut into tiles
that run as a dask graph (forked processes locally; a dask.distributed cluster when
one is the default scheduler); faces cut by a tile edge are joined again.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
import shapely

__all__ = ["Arrangement", "atomic_faces", "parallel_map", "is_valid", "merge_seams"]

#: Above this many vertices the plane is cut into tiles that are noded separately.
TILE_VERTICES = 100_000
#: Inputs of the running process-based parallel_map calls, by call token; forked workers
#: inherit the registry copy-on-write and look their call's inputs up by its token, so
#: concurrent calls (two threads, a notebook and a web service) never see each other's.
_FORK_INPUTS: dict[int, dict] = {}
_FORK_INPUTS_LOCK = threading.Lock()
_CALL_TOKENS = itertools.count()


def _run_on_shared(func: Callable[[dict, object], object], token: int, item: object) -> object:
    return func(_FORK_INPUTS[token], item)


def _distributed_client_active() -> bool:
    """True when a dask.distributed client is the default scheduler of this thread."""
    try:
        from distributed import default_client
    except ImportError:
        return False
    try:
        default_client()
    except ValueError:  # no client
        return False
    import dask

    scheduler = dask.config.get("scheduler", None)
    return scheduler in (None, "dask.distributed", "distributed")


def parallel_map(func: Callable[[dict, object], object], items: list, shared: dict, *, workers: int | None = None,
                 processes: bool = False, on_done: Callable[[int, int], None] | None = None) -> list:
    """``[func(shared, item) for item in items]`` as a dask graph, in parallel.

    Parameters
    ----------
    func : callable
        ``func(shared, item)``; a module-level function.
    items : list
        One task per item.
    shared : dict
        Read-only inputs of every task.
    workers : int, optional
        Threads or processes of the local scheduler; default the CPU count.
    processes : bool
        Run the tasks on dask's multiprocessing scheduler with forked workers, which
        inherit ``shared`` copy-on-write instead of receiving a pickled copy; only
        items and results are pickled.  For tasks that hold the GIL part of the time
        (shapely's Python-level glue around GEOS).  Otherwise dask's threaded
        scheduler runs them: shapely 2 releases the GIL inside GEOS.
    on_done : callable, optional
        ``on_done(done, total)`` after each finished task (progress bars).

    Notes
    -----
    When a ``dask.distributed`` client is the default scheduler, the graph runs on
    its cluster instead (``shared`` is one node of the graph, shipped to each worker
    once): the way to scale past one machine.

    Thread safety: calls from several threads at once are safe.  Each call keeps its
    inputs under its own token, and forked workers are started only from the main
    thread (forking while other threads run can copy a lock held by one of them);
    from any other thread ``processes=True`` runs on threads instead.
    """
    if not items:
        return []
    if len(items) == 1 or workers == 1:
        results = []
        for done, item in enumerate(items, start=1):
            results.append(func(shared, item))
            if on_done:
                on_done(done, len(items))
        return results
    import dask
    from dask.callbacks import Callback

    distributed = _distributed_client_active()
    use_fork = (processes and not distributed and "fork" in multiprocessing.get_all_start_methods()
                and threading.current_thread() is threading.main_thread())
    token = next(_CALL_TOKENS)
    if use_fork:
        tasks = [dask.delayed(_run_on_shared, pure=False)(func, token, item) for item in items]
    else:
        shared_node = dask.delayed(shared, traverse=False, name="landuse-shared")
        tasks = [dask.delayed(func, pure=False)(shared_node, item) for item in items]
    task_keys = {task.key for task in tasks}
    finished = [0]

    class _Progress(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):  # noqa: ANN001 - dask's signature
            if key in task_keys and on_done is not None:
                finished[0] += 1
                on_done(finished[0], len(items))

    options: dict = {"num_workers": workers or os.cpu_count() or 1}
    if not distributed:
        options["scheduler"] = "processes" if use_fork else "threads"
    if use_fork:
        # dask's multiprocessing scheduler hands out tasks in batches of 6 by default: with
        # a few long tasks (one per theme) one worker would run 6 of 8 while the other idles
        options["chunksize"] = 1
    if use_fork:
        with _FORK_INPUTS_LOCK:
            _FORK_INPUTS[token] = shared
    try:
        with _Progress(), dask.config.set({"multiprocessing.context": "fork"}):
            return list(dask.compute(*tasks, **options))
    finally:
        if use_fork:
            with _FORK_INPUTS_LOCK:
                _FORK_INPUTS.pop(token, None)


def _valid_chunk(shared: dict, span: tuple[int, int]) -> np.ndarray:
    return shapely.is_valid(shared["geoms"][span[0]:span[1]])


def is_valid(geoms: np.ndarray, *, workers: int | None = None, chunk_vertices: int = 5_000_000) -> np.ndarray:
    """``shapely.is_valid`` split over worker processes for large inputs (GEOS holds the GIL)."""
    n_vertices = int(shapely.get_num_coordinates(geoms).sum())
    n_chunks = max(1, min(len(geoms), math.ceil(n_vertices / chunk_vertices)))
    if n_chunks == 1:
        return shapely.is_valid(geoms)
    edges = np.linspace(0, len(geoms), n_chunks + 1).astype(int)
    spans = list(zip(edges[:-1].tolist(), edges[1:].tolist()))
    return np.concatenate(parallel_map(_valid_chunk, spans, {"geoms": geoms}, workers=workers))


def merge_seams(polys: np.ndarray, group: np.ndarray, candidate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Join the pieces of regions that tiling cut apart.

    Parameters
    ----------
    polys : numpy.ndarray of shapely.Polygon
        Pieces; pieces of one region share a ``group`` id.
    group : numpy.ndarray of int
        Group id of each piece (same id = same attributes).
    candidate : numpy.ndarray of bool
        Pieces that touch an internal tile edge; only these can be joined.

    Returns
    -------
    polys : numpy.ndarray of shapely.Polygon
        Unchanged pieces first, then the joined ones.
    source : numpy.ndarray of int
        For each output polygon, the input piece whose attributes it keeps.

    Notes
    -----
    The pieces of one group are unioned and split again into connected parts, so
    pieces that do not touch stay apart.  The loop runs over groups cut by a tile
    edge, not over pairs of features.
    """
    idx = np.flatnonzero(candidate)
    identity = np.arange(len(polys))
    if len(idx) < 2:
        return polys, identity
    idx = idx[np.argsort(group[idx], kind="stable")]
    g = group[idx]
    cut = np.flatnonzero(np.diff(g)) + 1
    starts, ends = np.concatenate([[0], cut]), np.concatenate([cut, [len(g)]])
    several = (ends - starts) > 1
    if not several.any():
        return polys, identity
    keep = np.ones(len(polys), dtype=bool)
    joined: list[np.ndarray] = []
    source: list[np.ndarray] = []
    for start, end in zip(starts[several].tolist(), ends[several].tolist()):
        members = idx[start:end]
        keep[members] = False
        parts = shapely.get_parts(shapely.union_all(polys[members]))
        joined.append(parts)
        source.append(np.full(len(parts), members[0], dtype=np.int64))
    kept = np.flatnonzero(keep)
    return np.concatenate([polys[kept], *joined]), np.concatenate([kept, *source])


def _tile_job(shared: dict, rect: tuple[float, float, float, float] | None) -> tuple:
    faces, *rest = _faces_in(shared["geoms"], shared["zones"], rect, shared["tree"], shared["zone_tree"])
    # one WKB buffer per face pickles far faster than shapely objects one by one
    return (shapely.to_wkb(faces), *rest)


@dataclass
class Arrangement:
    """Atomic faces and what covers them.

    Attributes
    ----------
    faces : numpy.ndarray of shapely.Polygon
        Faces covered by at least one feature (and inside a zone when zones are given).
    area_m2 : numpy.ndarray of float
        Area of each face in m² (planar, in the CRS of the input).
    face_index, feature_index : numpy.ndarray of int
        Cover relation: feature ``feature_index[k]`` covers face ``face_index[k]``;
        sorted by face.
    zone : numpy.ndarray of int
        Index of the zone holding each face (``-1`` when no zones were given).
    outside_m2 : float
        Area in m² covered by some feature but outside every zone (0 without zones).
    """

    faces: np.ndarray
    area_m2: np.ndarray
    face_index: np.ndarray
    feature_index: np.ndarray
    zone: np.ndarray
    outside_m2: float = 0.0


_EMPTY = (np.empty(0, dtype=object), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64),
          np.empty(0, dtype=np.int64), 0.0)


def _tiles(geoms: np.ndarray, zones: np.ndarray | None) -> list[tuple[float, float, float, float] | None]:
    """Square tiles over the data, so that each tile holds about TILE_VERTICES vertices."""
    n_vertices = int(shapely.get_num_coordinates(geoms).sum())
    if zones is not None:
        n_vertices += int(shapely.get_num_coordinates(zones).sum())
    if n_vertices <= TILE_VERTICES:
        return [None]
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    n = math.ceil(math.sqrt(n_vertices / TILE_VERTICES))
    # tile edges on whole metres keep clipping deterministic and seams shared exactly
    step = math.ceil(max(xmax - xmin, ymax - ymin) / n) + 1.0
    x0, y0 = math.floor(xmin), math.floor(ymin)
    nx = max(1, math.ceil((xmax - x0) / step))
    ny = max(1, math.ceil((ymax - y0) / step))
    return [(x0 + i * step, y0 + j * step, x0 + (i + 1) * step, y0 + (j + 1) * step)
            for i in range(nx) for j in range(ny)]


def _faces_in(geoms: np.ndarray, zones: np.ndarray | None, rect: tuple[float, float, float, float] | None,
              tree: shapely.STRtree, zone_tree: shapely.STRtree | None) -> tuple:
    """Faces of the arrangement inside ``rect`` (everything when None) with their covers."""
    if rect is None:
        idx = np.arange(len(geoms))
        parts = geoms
        zone_idx = np.arange(len(zones)) if zones is not None else np.empty(0, dtype=np.int64)
        zone_parts = zones
    else:
        box = shapely.box(*rect)
        idx = tree.query(box, predicate="intersects")
        if len(idx) == 0:
            return _EMPTY
        parts = shapely.clip_by_rect(geoms[idx], *rect)
        zone_idx = zone_tree.query(box, predicate="intersects") if zone_tree is not None else np.empty(0, dtype=np.int64)
        zone_parts = shapely.clip_by_rect(zones[zone_idx], *rect) if zones is not None else None
    lines = shapely.boundary(parts)
    if zone_parts is not None and len(zone_parts):
        lines = np.concatenate([lines, shapely.boundary(zone_parts)])
    lines = lines[~shapely.is_empty(lines) & ~shapely.is_missing(lines)]
    # union of linework nodes it: every crossing becomes a vertex of both lines
    noded = shapely.union_all(lines)
    faces = shapely.get_parts(shapely.polygonize(np.array([noded], dtype=object)))
    if len(faces) == 0:
        return _EMPTY
    # an interior point decides membership: no boundary crosses a face's interior
    points = shapely.point_on_surface(faces)
    # polygons as the query side get prepared once each: far faster than points against raw polygons
    point_tree = shapely.STRtree(points)
    local_j, face_i = point_tree.query(parts, predicate="intersects")
    if zones is not None:
        zone_of = np.full(len(faces), -1, dtype=np.int64)
        if len(zone_idx):
            zj, zf = point_tree.query(zone_parts, predicate="intersects")
            zone_of[zf[::-1]] = zone_idx[zj[::-1]]  # first zone wins where zones overlap
    else:
        zone_of = np.full(len(faces), -1, dtype=np.int64)
    covered = np.zeros(len(faces), dtype=bool)
    covered[face_i] = True
    keep = covered & ((zone_of >= 0) if zones is not None else True)
    outside_m2 = float(shapely.area(faces[covered & ~keep]).sum())
    new_id = np.cumsum(keep) - 1
    sel = keep[face_i]
    face_new, feature = new_id[face_i[sel]], idx[local_j[sel]]
    order = np.lexsort((feature, face_new))  # by face, then input order: deterministic labels
    return faces[keep], face_new[order], feature[order], zone_of[keep], outside_m2


def atomic_faces(geoms: np.ndarray, zones: np.ndarray | None = None, *,
                 on_tile: Callable[[int, int], None] | None = None,
                 workers: int | None = None) -> Arrangement:
    """Overlay polygons into atomic faces, optionally split by zones.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometry
        Valid (Multi)Polygons in a projected CRS (metres).
    zones : numpy.ndarray of shapely geometry, optional
        Valid zone polygons (kommuner); faces are split by their boundaries and
        faces outside every zone are dropped.
    on_tile : callable, optional
        Called as ``on_tile(done, total)`` after each tile (progress bars).
    workers : int, optional
        Worker processes for tiles; default the number of CPUs (1 = no pool).

    Returns
    -------
    Arrangement

    Notes
    -----
    The faces are those of the planar arrangement of all boundaries: the linework
    is noded by a unary union and polygonized; a face lies wholly inside or wholly
    outside each input, so one interior point per face, queried against an STRtree
    of the inputs, gives the set of features covering it.  Large inputs are cut
    into square tiles (clip by rectangle) that are noded independently as tasks of
    a dask graph; faces cut by a tile edge are joined again afterwards
    (:func:`merge_seams`).
    """
    geoms = np.asarray(geoms, dtype=object)
    tiles = _tiles(geoms, zones)
    tree = shapely.STRtree(geoms)
    zone_tree = shapely.STRtree(zones) if zones is not None else None
    if len(tiles) == 1:
        results = [_faces_in(geoms, zones, tiles[0], tree, zone_tree)]
        if on_tile:
            on_tile(1, 1)
    else:
        shared = {"geoms": geoms, "zones": zones, "tree": tree, "zone_tree": zone_tree}
        results = [(shapely.from_wkb(wkb), *rest) for wkb, *rest in
                   parallel_map(_tile_job, tiles, shared, workers=workers, processes=True, on_done=on_tile)]
    faces, face_index, feature_index, zone = [], [], [], []
    offset = 0
    outside_m2 = 0.0
    for f, fi, gj, z, out in results:
        outside_m2 += out
        faces.append(f)
        face_index.append(fi + offset)
        feature_index.append(gj)
        zone.append(z)
        offset += len(f)
    faces_arr = np.concatenate(faces) if faces else np.empty(0, dtype=object)
    face_arr = np.concatenate(face_index).astype(np.int64)
    feature_arr = np.concatenate(feature_index).astype(np.int64)
    zone_arr = np.concatenate(zone).astype(np.int64)
    if len(tiles) > 1 and len(faces_arr):
        faces_arr, face_arr, feature_arr, zone_arr = _join_tiles(faces_arr, face_arr, feature_arr, zone_arr, tiles)
    return Arrangement(
        faces=faces_arr,
        area_m2=shapely.area(faces_arr),
        face_index=face_arr,
        feature_index=feature_arr,
        zone=zone_arr,
        outside_m2=outside_m2,
    )


def _join_tiles(faces: np.ndarray, face_index: np.ndarray, feature_index: np.ndarray, zone: np.ndarray,
                tiles: list) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Join faces cut by internal tile edges that have the same zone and the same covering features."""
    xs = sorted({rect[0] for rect in tiles})[1:]
    ys = sorted({rect[1] for rect in tiles})[1:]
    bounds = shapely.bounds(faces)
    # clip_by_rect puts cut vertices exactly on the (whole-metre) tile edges
    candidate = (np.isin(bounds[:, 0], xs) | np.isin(bounds[:, 2], xs)
                 | np.isin(bounds[:, 1], ys) | np.isin(bounds[:, 3], ys))
    n = len(faces)
    starts = np.searchsorted(face_index, np.arange(n + 1))
    group = np.arange(n, dtype=np.int64) + (1 << 40)  # not a candidate: a group of its own
    keys: dict[tuple[int, bytes], int] = {}
    for f in np.flatnonzero(candidate).tolist():
        key = (int(zone[f]), feature_index[starts[f]:starts[f + 1]].tobytes())
        group[f] = keys.setdefault(key, len(keys))
    new_faces, source = merge_seams(faces, group, candidate)
    counts = np.diff(starts)[source]
    first = starts[source]
    offsets = np.repeat(first - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(counts.sum())
    return (new_faces, np.repeat(np.arange(len(new_faces), dtype=np.int64), counts), feature_index[offsets],
            zone[source])
