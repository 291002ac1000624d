"""Car accessibility: snapping, one multi-source Dijkstra to the centralorter, isochrones, the indicator.

Routes on a :class:`~landuse.network.RoadNetwork` (EPSG:3006, edge minutes) and feeds
the shared RUS 60-minute table of :mod:`landuse.indicator`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from landuse.errors import (
    ColumnNotFoundError,
    InvalidSettingError,
    MissingCRSError,
    NetworkError,
    PartialLossWarning,
    SchematicDataWarning,
)
from landuse.network import RoadNetwork
from landuse.settings import WORK_CRS, Settings, resolve

__all__ = [
    "snap",
    "travel_times",
    "isochrones",
    "CarResult",
    "car_accessibility",
    "access_dominated",
    "write_car_outputs",
    "summary_lines",
    "demo_step",
    "ORIGIN_COLUMNS",
    "ORIGIN_LAYER_COLUMNS",
    "POINT_LAYER_COLUMNS",
    "ISOCHRONE_COLUMNS",
]

ORIGIN_COLUMNS = ["origin_id", "kommun_code", "population", "travel_time_min", "target"]
#: The ``origins`` layer: one row per origin, summarised over its points.
ORIGIN_LAYER_COLUMNS = ORIGIN_COLUMNS + ["name", "share_within", "radius_m", "access_m", "access_min"]
#: The ``origin_points`` layer: one row per routed point.
POINT_LAYER_COLUMNS = ["point_id", *ORIGIN_COLUMNS, "access_m", "access_min", "approximate"]
ISOCHRONE_COLUMNS = ["target_id", "centralort", "kommun_code", "minutes", "mode", "schematic"]
ISOCHRONE_CELL_M = 250.0
SNAP_SORT_CELL_M = 1000.0
#: A point farther than this (metres) from the network may join it at any node (see _candidates) ...
CANDIDATE_FROM_M = 1000.0
#: ... within this factor of its nearest distance plus CANDIDATE_SLACK_M.
CANDIDATE_FACTOR = 1.5
CANDIDATE_SLACK_M = 1000.0
TargetMode = Literal["any", "own"]


def _parse_target(target: str) -> TargetMode:
    value = str(target).strip().lower()
    if value not in ("any", "own"):
        raise InvalidSettingError(f"target={target!r} is not a target mode. Use 'any' (nearest centralort) or 'own'.")
    return value  # type: ignore[return-value]


def _speed_m_per_min(settings: Settings) -> float:
    return settings.access_speed_kph * 1000.0 / 60.0


def _xy(frame: gpd.GeoDataFrame, what: str) -> np.ndarray:
    """Point coordinates in EPSG:3006 (polygons reduced to centroids)."""
    import shapely
    from pyproj import CRS

    if frame.crs is None:
        raise MissingCRSError(f"The {what} have no CRS. Set it (e.g. EPSG:3006) before routing.")
    geoms = frame.geometry
    if not CRS.from_user_input(frame.crs).equals(CRS.from_user_input(WORK_CRS)):
        geoms = geoms.to_crs(WORK_CRS)
    array = np.asarray(geoms.array, dtype=object) if len(geoms) else np.zeros(0, dtype=object)
    if array.size and (shapely.get_type_id(array) != 0).any():  # 0 = Point
        array = shapely.centroid(array)
    return np.column_stack([shapely.get_x(array), shapely.get_y(array)]) if array.size else np.zeros((0, 2))


def snap(network: RoadNetwork, xy: np.ndarray, *, max_snap_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Nearest node of the network's largest strongly connected component.

    Parameters
    ----------
    network : RoadNetwork
    xy : numpy.ndarray, shape (n, 2)
        Points in metres, EPSG:3006.
    max_snap_m : float
        Points farther than this from every node get node ``-1``.

    Returns
    -------
    node : numpy.ndarray of int
        Node index, ``-1`` when farther than ``max_snap_m``.
    dist_m : numpy.ndarray of float
        Straight-line distance to that node in metres (also for points beyond).
    """
    if network.main_nodes.size == 0:
        raise NetworkError(f"{network!r} has no nodes to snap to.")
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if xy.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    # query in spatial order (1 km cells, row by row): neighbouring queries walk the
    # same tree branches, which is ~2x faster than random order for 100k points
    cell = np.floor((xy - xy.min(axis=0)) / SNAP_SORT_CELL_M)
    order = np.lexsort((cell[:, 0], cell[:, 1]))
    dist_sorted, k_sorted = network.main_tree.query(xy[order], k=1)
    dist_m = np.empty(xy.shape[0])
    k = np.empty(xy.shape[0], dtype=np.int64)
    dist_m[order] = dist_sorted
    k[order] = k_sorted
    node = network.main_nodes[k].astype(np.int64)
    node[dist_m > max_snap_m] = -1
    return node, dist_m


def _augmented(rev: sparse.csr_array, link_target: np.ndarray, link_node: np.ndarray, link_offset: np.ndarray,
               n_targets: int) -> sparse.csr_array:
    """The reversed graph plus one virtual source per target, linked to its nodes with their egress times.

    ``link_target`` must be sorted; a target may link to several nodes (all nodes inside its area).
    """
    n = rev.shape[0]
    k = n_targets
    index_dtype = np.int64 if n + k >= 2**31 - 1 else np.int32
    counts = np.bincount(link_target, minlength=k)
    indptr = np.concatenate([rev.indptr.astype(index_dtype), rev.indptr[-1] + np.cumsum(counts).astype(index_dtype)])
    indices = np.concatenate([rev.indices.astype(index_dtype, copy=False), link_node.astype(index_dtype)])
    data = np.concatenate([rev.data, link_offset.astype(float)])
    return sparse.csr_array((data, indices, indptr), shape=(n + k, n + k))


def _multi_source(rev: sparse.csr_array, link_target: np.ndarray, link_node: np.ndarray, link_offset: np.ndarray,
                  n_targets: int, *, limit: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """One Dijkstra from several sources with start offsets: (time per node, index of the winning source)."""
    from scipy.sparse.csgraph import dijkstra

    n = rev.shape[0]
    graph = _augmented(rev, link_target, link_node, link_offset, n_targets)
    sources = np.arange(n, n + n_targets)
    dist, _, winner = dijkstra(graph, directed=True, indices=sources, min_only=True,
                               return_predecessors=True, limit=limit)
    winner = np.where(winner >= n, winner - n, -1)
    return dist[:n], winner[:n]


def _candidates(network: RoadNetwork, xy: np.ndarray, nearest: np.ndarray, nearest_m: np.ndarray,
                ok: np.ndarray, max_snap_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes where each point may join the network, as CSR lists ``(ptr, node, dist_m)``.

    A point within :data:`CANDIDATE_FROM_M` of the network joins at its nearest node.
    One farther off (a village off the main roads) may join at any node within
    ``CANDIDATE_FACTOR`` x its nearest distance + :data:`CANDIDATE_SLACK_M`: the
    smaller roads lead to the junction toward its centralort, which is not always the
    nearest point of road.  The fastest total time decides.  Points beyond
    ``max_snap_m`` (``ok`` False) get no candidate.
    """
    n = xy.shape[0]
    far = ok & (nearest_m > CANDIDATE_FROM_M)
    lists: list[np.ndarray] = [np.zeros(0, np.int64)] * n
    for i in np.flatnonzero(ok & ~far):
        lists[i] = np.array([nearest[i]], dtype=np.int64)
    if far.any():
        limit = np.minimum(CANDIDATE_FACTOR * nearest_m[far] + CANDIDATE_SLACK_M, max_snap_m)
        found = network.main_tree.query_ball_point(xy[far], r=limit)
        for i, hits in zip(np.flatnonzero(far), found):
            lists[i] = network.main_nodes[np.asarray(hits, dtype=np.int64)] if len(hits) else \
                np.array([nearest[i]], dtype=np.int64)
    lengths = np.array([len(x) for x in lists], dtype=np.int64)
    ptr = np.concatenate([[0], np.cumsum(lengths)])
    node = np.concatenate(lists) if lengths.sum() else np.zeros(0, np.int64)
    owner = np.repeat(np.arange(n), lengths)
    dist = np.hypot(network.x_m[node] - xy[owner, 0], network.y_m[node] - xy[owner, 1])
    return ptr, node, dist


def _access_min(dist_m: np.ndarray, settings: Settings) -> np.ndarray:
    """Minutes of the access (or egress) leg: straight line x detour factor at the access speed."""
    return dist_m * settings.access_detour_factor / _speed_m_per_min(settings)


def _target_links(network: RoadNetwork, txy: np.ndarray, radius_m: np.ndarray,
                  settings: Settings) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where each target is reached: every main node inside its area (egress 0), else its nearest node.

    Returns ``(target, node, egress_min, reachable)``: link arrays sorted by target, and
    which targets have a link (nearest node within ``max_snap_m`` of the area).
    """
    nearest, dist = snap(network, txy, max_snap_m=np.inf)
    gap_m = np.maximum(dist - radius_m, 0.0)
    reachable = gap_m <= settings.max_snap_m
    tree, main = network.main_tree, network.main_nodes
    targets, nodes, egress = [], [], []
    for j in np.flatnonzero(reachable):
        inside = main[tree.query_ball_point(txy[j], r=radius_m[j])] if radius_m[j] > 0 else np.zeros(0, np.int64)
        if inside.size:
            targets.append(np.full(inside.size, j))
            nodes.append(inside)
            egress.append(np.zeros(inside.size))
        else:
            targets.append(np.array([j]))
            nodes.append(np.array([nearest[j]]))
            egress.append(_access_min(gap_m[j:j + 1], settings))
    if not targets:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), reachable
    return (np.concatenate(targets).astype(np.int64), np.concatenate(nodes).astype(np.int64),
            np.concatenate(egress), reachable)


def travel_times(
    network: RoadNetwork,
    origins: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    target: str = "any",
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Car travel time from every origin to its centralort, by one multi-source Dijkstra.

    Parameters
    ----------
    network : RoadNetwork
        EPSG:3006 road network.
    origins : geopandas.GeoDataFrame
        Points (polygons use their centroid) in any CRS; with ``kommun_code`` for
        ``target="own"``.
    targets : geopandas.GeoDataFrame
        Centralort points with ``name`` (label) and ``kommun_code``; ``target_id``
        optional (default the row number).
    target : {"any", "own"}
        ``any``: the fastest centralort of any kommun; ``own``: the centralort(s) of
        the origin's own kommun.  Case-insensitive.
    settings : Settings, optional
        Uses ``access_speed_kph``, ``max_snap_m`` and ``speed_factor``.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``origins.index``: ``travel_time_min`` (float minutes, NaN when
        unreachable), ``target`` (centralort name, None when unreachable),
        ``target_id``, ``snap_dist_m`` (straight-line metres to the origin's network
        node), ``access_m`` (the access leg in metres of road: straight line x
        detour factor; 0 inside a target) and ``access_min`` (its minutes).

    Raises
    ------
    MissingCRSError, InvalidSettingError
    NetworkError
        If no target, or no origin, lies within ``max_snap_m`` of the network.

    Warns
    -----
    PartialLossWarning
        Origins or targets farther than ``max_snap_m`` from the network (kept,
        reported unreachable), and in ``own`` mode origins whose kommun has no target.

    Notes
    -----
    time = access leg (straight line to the nearest node of the largest strongly
    connected component x ``access_detour_factor`` at ``access_speed_kph``) +
    ``speed_factor`` x network time + egress leg into the target (0 at a node inside
    its area, ``radius_m``; else likewise to its edge).  A point inside an allowed
    target's area has arrived (0 minutes).  All origins are served by a single
    ``scipy.sparse.csgraph.dijkstra(..., min_only=True)`` on the reversed graph, from
    one virtual source per target carrying its egress time (one run per kommun in
    ``own`` mode), instead of one search per origin.

    Examples
    --------
    Three nodes 1 km apart on a line at 60 km/h (1 min per edge), a centralort on the
    last node and an origin 500 m off the first one (500 m x detour 1.3 = 650 m at
    50 km/h: 0.78 min):

    >>> from landuse.network import network_from_edges
    >>> net = network_from_edges([0, 1000, 2000], [0, 0, 0], [0, 1, 1, 2], [1, 0, 2, 1], [1.0] * 4, source="line")
    >>> pts = lambda xy: gpd.GeoDataFrame(geometry=gpd.points_from_xy(*zip(*xy)), crs="EPSG:3006")
    >>> centralort = pts([(2000, 0)]).assign(name="Luleå", kommun_code="2580")
    >>> travel_times(net, pts([(0, 500)]), centralort)[["travel_time_min", "target"]]
       travel_time_min target
    0             2.78  Luleå
    """
    settings = resolve(settings)
    mode = _parse_target(target)
    oxy = _xy(origins, "origins")
    txy = _xy(targets, "targets")
    n_orig = oxy.shape[0]
    if len(targets) == 0:
        raise NetworkError("No centralort targets were given. Pass a --centralorter layer with points.")
    factor = settings.speed_factor
    radius = (pd.to_numeric(targets["radius_m"], errors="coerce").fillna(0).to_numpy(dtype=float)
              if "radius_m" in targets.columns else np.zeros(len(targets)))
    link_t, link_node, link_egress, t_ok = _target_links(network, txy, radius, settings)
    names = targets["name"].astype(object).to_numpy() if "name" in targets.columns else np.array([None] * len(targets))
    tids = (targets["target_id"].astype(str).to_numpy() if "target_id" in targets.columns
            else np.arange(len(targets)).astype(str))
    if not t_ok.any():
        raise NetworkError(
            f"None of the {len(targets)} centralorter lies within {settings.max_snap_m:g} m of {network.source}. "
            "Check that the network covers the study area, or raise --max-snap-m."
        )
    if not t_ok.all():
        lost = ", ".join(str(n) for n in names[~t_ok])
        warnings.warn(
            f"{int((~t_ok).sum())} of {len(targets)} centralorter are farther than {settings.max_snap_m:g} m from the "
            f"road network and cannot be reached: {lost}.", PartialLossWarning, stacklevel=2,
        )
    o_node, o_dist = snap(network, oxy, max_snap_m=settings.max_snap_m)
    o_ok = o_node >= 0
    if n_orig and not o_ok.any():
        raise NetworkError(
            f"None of the {n_orig} origins lies within {settings.max_snap_m:g} m of {network.source}. "
            "Check that the network covers the origins, or raise --max-snap-m."
        )
    if not o_ok.all():
        warnings.warn(
            f"{int((~o_ok).sum())} of {n_orig} origins are farther than {settings.max_snap_m:g} m from the road "
            "network; they are kept and reported unreachable.", PartialLossWarning, stacklevel=2,
        )
    access_min = _access_min(o_dist, settings)
    cand_ptr, cand_node, cand_dist = _candidates(network, oxy, o_node, o_dist, o_ok, settings.max_snap_m)
    cand_owner = np.repeat(np.arange(n_orig), np.diff(cand_ptr))
    cand_access = _access_min(cand_dist, settings)
    used_m = o_dist.copy()
    time_min = np.full(n_orig, np.nan)
    winner = np.full(n_orig, -1, dtype=np.int64)
    rev = network.reversed_minutes
    if mode == "any":
        groups = [(np.flatnonzero(t_ok), np.ones(n_orig, dtype=bool))]
    else:
        if "kommun_code" not in origins.columns or "kommun_code" not in targets.columns:
            which = "origins" if "kommun_code" not in origins.columns else "targets"
            raise ColumnNotFoundError(
                f"target='own' needs a kommun_code column in the {which}. Add it, or use target='any'."
            )
        o_code = origins["kommun_code"].astype(object).where(origins["kommun_code"].notna(), None).to_numpy()
        t_code = targets["kommun_code"].astype(object).where(targets["kommun_code"].notna(), None).to_numpy()
        groups = []
        orphan = np.zeros(n_orig, dtype=bool)
        for code in sorted({c for c in o_code if c is not None}, key=str) + [None]:
            members = (o_code == code) if code is not None else np.array([c is None for c in o_code], dtype=bool)
            if not members.any():
                continue
            tgt = np.flatnonzero(t_ok & (t_code == code)) if code is not None else np.zeros(0, dtype=np.int64)
            if tgt.size == 0:
                orphan |= members
                continue
            groups.append((tgt, members))
        if orphan.any():
            warnings.warn(
                f"{int(orphan.sum())} of {n_orig} origins lie in a kommun without a reachable centralort among the "
                "targets (or have no kommun_code); they are reported unreachable.", PartialLossWarning, stacklevel=2,
            )
    for tgt, members in groups:
        if not members.any():
            continue
        use = np.isin(link_t, tgt)
        local = np.searchsorted(tgt, link_t[use])  # targets renumbered 0..len(tgt)-1, still sorted
        # network minutes are scaled by the factor afterwards; the egress leg is not
        dist, src = _multi_source(rev, local, link_node[use], link_egress[use] / factor, len(tgt))
        routed = members & o_ok
        total = cand_access + factor * dist[cand_node]
        total[~routed[cand_owner]] = np.inf
        # the fastest candidate of each point: sort by (point, total) and keep each point's first
        order = np.lexsort((total, cand_owner))
        first = order[np.r_[True, cand_owner[order][1:] != cand_owner[order][:-1]]] if len(order) else order
        first = first[routed[cand_owner[first]]]
        who, chosen = cand_owner[first], cand_node[first]
        time_min[who] = total[first]
        used_m[who] = cand_dist[first]
        winner[who] = np.where(src[chosen] >= 0, tgt[np.maximum(src[chosen], 0)], -1)
        # someone inside a centralort's area has reached it: no trip at all
        for j in tgt[radius[tgt] > 0]:
            inside = members & (np.hypot(*(oxy - txy[j]).T) <= radius[j])
            time_min[inside] = 0.0
            winner[inside] = j
    reached = np.isfinite(time_min) & (winner >= 0)
    time_min[~reached] = np.nan
    access_min = _access_min(used_m, settings)
    inside_any = reached & (time_min == 0) & ~np.isclose(access_min, 0)
    return pd.DataFrame(
        {
            "travel_time_min": time_min,
            "target": _labels(names, winner),
            "target_id": _labels(tids, winner),
            "snap_dist_m": o_dist,
            "access_m": np.where(inside_any, 0.0, used_m * settings.access_detour_factor),
            "access_min": np.where(inside_any, 0.0, access_min),
        },
        index=origins.index,
    )


def _labels(values: np.ndarray, which: np.ndarray) -> pd.Categorical:
    """``values[which]`` as a categorical (missing where ``which`` is -1); cheap for 1M rows."""
    labels = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]
    categories = list(dict.fromkeys(v for v in labels if v is not None))
    position = {v: i for i, v in enumerate(categories)}
    per_target = np.array([position.get(v, -1) if v is not None else -1 for v in labels], dtype=np.int64)
    codes = np.full(which.shape[0], -1, dtype=np.int64)
    ok = which >= 0
    codes[ok] = per_target[which[ok]]
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=object))


def isochrones(
    network: RoadNetwork,
    targets: gpd.GeoDataFrame,
    minutes: Sequence[float] = (30, 60),
    *,
    cell_m: float = ISOCHRONE_CELL_M,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Areas from which each centralort is reached by car within each threshold.

    Parameters
    ----------
    network : RoadNetwork
    targets : geopandas.GeoDataFrame
        Centralort points with ``name``, ``kommun_code`` and optionally ``target_id``.
    minutes : sequence of float
        Thresholds in minutes.
    cell_m : float
        Thinning grid in metres (see Notes).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006, one row per target and threshold: ``target_id, centralort,
        kommun_code, minutes, mode`` (``"car"``), ``schematic`` (the network's flag) and
        a (Multi)Polygon geometry.  Targets beyond ``max_snap_m`` are skipped with a
        :class:`~landuse.errors.PartialLossWarning`.

    Notes
    -----
    Times run *to* the centralort (reversed graph), as in :func:`travel_times`.  The
    polygon is the union of discs around every node whose time t to the centralort is
    within the threshold T, of radius ``min((T - t) x access speed, max_snap_m)``: the
    places from which a car, leaving straight-line at ``access_speed_kph`` to some
    node, arrives in time.  It is an envelope: :func:`travel_times` uses the
    *nearest* node only, so a point inside can occasionally be counted later.  To
    keep the union fast on large networks only the node with the largest disc in each
    ``cell_m`` grid cell is kept (shape error below one cell diagonal).
    """
    import shapely

    settings = resolve(settings)
    speed = _speed_m_per_min(settings)
    factor = settings.speed_factor
    minutes = [float(m) for m in minutes]
    txy = _xy(targets, "targets")
    radius_t = (pd.to_numeric(targets["radius_m"], errors="coerce").fillna(0).to_numpy(dtype=float)
                if "radius_m" in targets.columns else np.zeros(len(targets)))
    link_t, link_node, link_egress, t_ok = _target_links(network, txy, radius_t, settings)
    reach_m_per_min = speed / settings.access_detour_factor  # straight-line metres per minute off the network
    names = targets["name"].astype(object).to_numpy() if "name" in targets.columns else np.array([None] * len(targets))
    tids = (targets["target_id"].astype(str).to_numpy() if "target_id" in targets.columns
            else np.arange(len(targets)).astype(str))
    codes = (targets["kommun_code"].astype(object).to_numpy() if "kommun_code" in targets.columns
             else np.array([None] * len(targets)))
    if not t_ok.all():
        warnings.warn(
            f"{int((~t_ok).sum())} of {len(targets)} centralorter are farther than {settings.max_snap_m:g} m "
            "from the road network; they get no isochrone.", PartialLossWarning, stacklevel=2,
        )
    rows = []
    top = max(minutes) if minutes else 0.0
    for j in np.flatnonzero(t_ok):
        mine = link_t == j
        dist, _ = _multi_source(network.reversed_minutes, np.zeros(int(mine.sum()), np.int64), link_node[mine],
                                link_egress[mine] / factor, 1, limit=top / factor)
        total = factor * dist
        for threshold in minutes:
            inside = np.flatnonzero(total <= threshold)
            radius = np.minimum((threshold - total[inside]) * reach_m_per_min, settings.max_snap_m)
            keep = radius > 0
            inside, radius = inside[keep], radius[keep]
            if inside.size:
                cell = np.column_stack([np.floor(network.x_m[inside] / cell_m), np.floor(network.y_m[inside] / cell_m)])
                order = np.argsort(-radius, kind="stable")
                _, first = np.unique(cell[order], axis=0, return_index=True)
                pick = order[first]
                discs = shapely.buffer(shapely.points(network.x_m[inside[pick]], network.y_m[inside[pick]]),
                                       radius[pick], quad_segs=4)
                shape = shapely.union_all(discs)
            else:
                shape = shapely.Polygon()
            if radius_t[j] > 0:  # the centralort's own area is reached by definition
                shape = shapely.union(shape, shapely.buffer(shapely.Point(*txy[j]), radius_t[j], quad_segs=8))
            rows.append({
                "target_id": tids[j], "centralort": names[j], "kommun_code": codes[j],
                "minutes": int(threshold) if threshold.is_integer() else threshold,
                "mode": "car", "schematic": bool(network.schematic), "geometry": shape,
            })
    frame = gpd.GeoDataFrame(rows, columns=ISOCHRONE_COLUMNS + ["geometry"], geometry="geometry", crs=WORK_CRS)
    frame["schematic"] = frame["schematic"].astype(bool)
    return frame


@dataclass
class CarResult:
    """Everything one car accessibility run produces.

    Attributes
    ----------
    origins : geopandas.GeoDataFrame
        The ``origins`` output layer, one row per origin: :data:`ORIGIN_LAYER_COLUMNS`
        (``travel_time_min`` is the population-weighted median of its points,
        ``share_within`` the share of its people within 60 minutes, ``access_m`` and
        ``access_min`` the mean access leg) + point geometry, EPSG:3006.
    points : geopandas.GeoDataFrame
        The ``origin_points`` layer: one row per routed point
        (:func:`landuse.indicator.origin_points`), :data:`POINT_LAYER_COLUMNS`.
    table : pandas.DataFrame
        :func:`landuse.indicator.indicator_table` of the points.
    isochrones : geopandas.GeoDataFrame
        :func:`isochrones` of the centralorter.
    network : RoadNetwork
    target_mode : str
    unreachable : int
        Points without a travel time.
    default_origins : bool
        True when the origins are the embedded tätorter (see ``coverage``).
    """

    origins: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    table: pd.DataFrame
    isochrones: gpd.GeoDataFrame
    network: RoadNetwork
    target_mode: str
    unreachable: int
    default_origins: bool
    #: The access model of the run: ``detour`` factor, ``speed_kph`` and ``max_m`` (metres).
    access: dict = field(default_factory=dict)

    @property
    def access_dominated(self) -> pd.Series:
        """Points whose access leg is more than half their travel time (the figure is approximate)."""
        return self.points["approximate"].astype(bool)


def access_dominated(travel_time_min: pd.Series, access_min: pd.Series) -> np.ndarray:
    """True where the access leg is more than half the travel time: the access model dominates the figure."""
    time = np.asarray(travel_time_min, dtype=float)
    access = np.asarray(access_min, dtype=float)
    with np.errstate(invalid="ignore"):
        return (time > 0) & (access > 0.5 * time)


def car_accessibility(
    network: RoadNetwork | str | Path | None = None,
    origins: gpd.GeoDataFrame | str | Path | None = None,
    centralorter: gpd.GeoDataFrame | str | Path | None = None,
    *,
    population_column: str | None = None,
    minutes: Sequence[float] = (45, 60, 90),
    isochrone_minutes: Sequence[float] = (30, 60),
    target: str = "any",
    speed_column: str = "speed_kph",
    oneway_column: str | None = None,
    settings: Settings | None = None,
) -> CarResult:
    """The RUS indicator by car: travel times, the per-kommun table and isochrones.

    Parameters
    ----------
    network : RoadNetwork or path, optional
        Default: Lantmäteriet's Topografi 250 main roads
        (:func:`landuse.network.network_from_main_roads`).  A path is read with
        :func:`landuse.network.network_from_file`.
    origins : GeoDataFrame or path, optional
        Population points or polygons; default the embedded SCB tätorter 2020, each
        spread over a disc of its land area (:func:`landuse.indicator.origin_points`).
        A frame needs ``origin_id``, ``kommun_code`` and ``population`` (and may
        carry ``radius_m``).
    centralorter : GeoDataFrame or path, optional
        Default the embedded 14 centralorter, each reached anywhere in its area.
    minutes : sequence of float
        Indicator thresholds (minutes).
    isochrone_minutes : sequence of float
        Isochrone thresholds (minutes).
    target : {"any", "own"}

    Notes
    -----
    Access model: a point reaches the network at its nearest node, along the straight
    line x ``Settings.access_detour_factor`` at ``Settings.access_speed_kph`` (the
    smaller roads a main-road network leaves out), up to ``Settings.max_snap_m``; the
    same leg leads from the network into a centralort whose area holds no node.
    Where the access leg is more than half a point's time the figure is approximate
    (:attr:`CarResult.access_dominated`).
    """
    from landuse.indicator import (
        indicator_table,
        load_centralorter,
        load_origins,
        origin_points,
        summarise_points,
    )
    from landuse.network import network_from_file, network_from_main_roads

    settings = resolve(settings)
    mode = _parse_target(target)
    if network is None:
        with warnings.catch_warnings():
            # the embedded network's unconnected pieces are known; summary_lines states them
            warnings.simplefilter("ignore", PartialLossWarning)
            network = network_from_main_roads(settings=settings)
    elif not isinstance(network, RoadNetwork):
        network = network_from_file(network, speed_column=speed_column, oneway_column=oneway_column,
                                    settings=settings)
    default_origins = origins is None
    if not isinstance(origins, gpd.GeoDataFrame):
        origins = load_origins(origins, population_column=population_column, settings=settings)
    if not isinstance(centralorter, gpd.GeoDataFrame):
        centralorter = load_centralorter(centralorter, settings=settings)
    origins = origins.to_crs(WORK_CRS)
    if (origins.geom_type != "Point").any():
        origins = origins.set_geometry(origins.geometry.centroid)
    points = origin_points(origins)
    times = travel_times(network, points, centralorter, target=mode, settings=settings)
    with warnings.catch_warnings():
        # travel_times has already reported centralorter beyond max_snap_m
        warnings.simplefilter("ignore", PartialLossWarning)
        iso = isochrones(network, centralorter, isochrone_minutes, settings=settings)
    point_layer = gpd.GeoDataFrame(
        {
            "point_id": points["point_id"].astype(str).to_numpy(),
            "origin_id": points["origin_id"].astype(str).to_numpy(),
            "kommun_code": points["kommun_code"].astype(object).to_numpy(),
            "population": pd.to_numeric(points["population"]).to_numpy(dtype=float),
            "travel_time_min": times["travel_time_min"].to_numpy(dtype=float),
            "target": np.asarray(times["target"].astype(object).where(times["target"].notna(), None)),
            "access_m": times["access_m"].to_numpy(dtype=float),
            "access_min": times["access_min"].to_numpy(dtype=float),
        },
        geometry=points.geometry.to_numpy(),
        crs=WORK_CRS,
    )
    point_layer["approximate"] = access_dominated(point_layer["travel_time_min"], point_layer["access_min"])
    table = indicator_table(point_layer, minutes, settings=settings)
    summary = summarise_points(point_layer, origins, extra=("access_m", "access_min"))
    if "name" not in summary.columns:
        summary["name"] = None
    if "radius_m" not in summary.columns:
        summary["radius_m"] = 0.0
    layer = gpd.GeoDataFrame(summary[ORIGIN_LAYER_COLUMNS], geometry=summary.geometry.to_numpy(), crs=WORK_CRS)
    return CarResult(origins=layer, points=point_layer[POINT_LAYER_COLUMNS + ["geometry"]], table=table,
                     isochrones=iso, network=network, target_mode=mode,
                     unreachable=int(point_layer["travel_time_min"].isna().sum()), default_origins=default_origins,
                     access={"detour": settings.access_detour_factor, "speed_kph": settings.access_speed_kph,
                             "max_m": settings.max_snap_m})


def write_car_outputs(result: CarResult, out_dir: str | Path) -> list[Path]:
    """Write ``access_car.csv`` and ``access_car.gpkg`` atomically.

    The GeoPackage holds the layers ``origins`` (one row per origin), ``origin_points``
    (one row per routed point), ``isochrones`` and ``network`` (the edges of the road
    network used: ``length_m, speed_kph, travel_time_min, road, source``; see
    :func:`landuse.network.network_edges`).

    Returns
    -------
    list of Path
        The two files.  Each GeoPackage layer carries a description naming the
        network (and "APPROXIMATE/SCHEMATIC" for the GTFS stand-in).
    """
    from landuse._io import atomic_path, write_csv
    from landuse.network import network_edges

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = write_csv(result.table, out_dir / "access_car.csv")
    gpkg_path = out_dir / "access_car.gpkg"
    flag = "APPROXIMATE/SCHEMATIC stand-in network. " if result.network.schematic else ""
    from landuse.indicator import ORIGIN_MODEL

    model = ORIGIN_MODEL if result.default_origins else "origins as given"
    network = (f"{model}; network: {result.network.source}; access: straight line x {result.access['detour']:g} "
               f"at {result.access['speed_kph']:g} km/h, at most {result.access['max_m']:g} m")
    descriptions = {
        "origins": f"{flag}Car travel time (min) to the centralort (target={result.target_mode}), per origin; {network}",
        "origin_points": f"{flag}Car travel time (min) per point of an origin's area, with the access leg; {network}",
        "isochrones": f"{flag}Areas within N minutes of each centralort by car; {network}",
        "network": f"{flag}Road network edges used; {network}",
    }
    layers = (("origins", result.origins), ("origin_points", result.points), ("isochrones", result.isochrones),
              ("network", network_edges(result.network)))
    with atomic_path(gpkg_path) as tmp:
        for name, frame in layers:
            frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio",
                          layer_options={"DESCRIPTION": descriptions[name][:1000]})
    return [csv_path, gpkg_path]


def _pct(value: float) -> str:
    return "n/a" if value != value else f"{100 * value:.1f} %"


def _car_schematic(result: CarResult) -> bool:
    """True when the run rests on schematic input: the stand-in network, or origins flagged ``schematic``."""
    flags = result.origins["schematic"] if "schematic" in result.origins.columns else pd.Series(dtype=bool)
    return bool(result.network.schematic or flags.fillna(False).astype(bool).any())


def summary_lines(result: CarResult, *, threshold: float = 60, settings: Settings | None = None) -> list[str]:
    """Printable lines: the network, the county and per-kommun shares within ``threshold``, coverage.

    Every line whose figures rest on schematic input (the GTFS stand-in network) ends
    in "[schematisk]"; the coverage line (SCB tätorter and population) never does.
    """
    from landuse.indicator import COUNTY_CODE, bounds_text, coverage_table, share_bounds

    mark = " [schematisk]" if _car_schematic(result) else ""
    lines = []
    if result.network.schematic:
        lines.append(f"network: {result.network.source}. Pass --network (OSM or NVDB/Pipos) for real figures."
                     f"{mark}")
    else:
        dropped = getattr(result.network, "dropped_km", 0.0)
        lines.append(f"network: {result.network.source}"
                     + (f" ({dropped:,.1f} km of road not connected to it left out)" if dropped else ""))
    table = result.table
    rows = table[table["minutes"] == threshold]
    if rows.empty:
        threshold = float(table["minutes"].iloc[0]) if len(table) else threshold
        rows = table[table["minutes"] == threshold]
    label = f"{threshold:g}"
    target = "nearest centralort" if result.target_mode == "any" else "own kommun's centralort"
    if result.default_origins:
        rows = share_bounds(rows, settings)
    county = rows[rows["kommun_code"] == COUNTY_CODE]
    people = "tätort people" if result.default_origins else "people"
    if len(county):
        c = county.iloc[0]
        lines.append(
            f"county {COUNTY_CODE} {c['kommun']}: {_pct(c['share_within'])} of {c['population']:,.0f} {people} reach "
            f"the {target} within {label} min by car{bounds_text(c)}"
            + (" (approximate, schematic network)" if result.network.schematic else "") + mark
        )
    for _, row in rows[rows["kommun_code"] != COUNTY_CODE].iterrows():
        lines.append(f"  {row['kommun_code']} {row['kommun']:<12} {_pct(row['share_within']):>8} of "
                     f"{row['population']:>8,.0f}{bounds_text(row)}{mark}")
    approximate = result.access_dominated
    if approximate.any():
        weight = result.points.loc[approximate, "population"].sum()
        lines.append(f"approximate: {weight:,.0f} people live where the access leg off the road network is more than "
                     f"half the trip (straight line x {resolve(settings).access_detour_factor:g} at "
                     f"{resolve(settings).access_speed_kph:g} km/h)")
    if result.unreachable:
        lines.append(f"{result.unreachable} of {len(result.points)} points are unreachable "
                     f"(beyond --max-snap-m or no centralort); counted as not within{mark}")
    if result.default_origins:
        cov = coverage_table(result.origins, settings)
        total = cov[cov["kommun_code"] == COUNTY_CODE]
        if len(total):
            t = total.iloc[0]
            lines.append(
                f"coverage: the tätorter hold {t['population_origins']:,.0f} of {t['population_total']:,.0f} "
                f"inhabitants ({_pct(t['coverage'])}, SCB 2020); people outside tätorter are not counted"
            )
    return lines


def demo_step(out_dir: Path, *, settings: Settings | None = None) -> list[str]:
    """Demo step: the car indicator on the embedded data (Lantmäteriet main roads, tätorter, centralorter).

    Writes ``access_car.csv`` and ``access_car.gpkg`` into ``out_dir`` and returns the
    lines to print: the network named, the county and per-kommun shares
    within 60 minutes, and the tätort coverage.
    """
    settings = resolve(settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PartialLossWarning)
        # the schematic nature is printed on the first line instead
        warnings.simplefilter("ignore", SchematicDataWarning)
        result = car_accessibility(settings=settings)
        paths = write_car_outputs(result, out_dir)
    mark = " [schematisk]" if _car_schematic(result) else ""
    lines = summary_lines(result, settings=settings)
    lines += [f"note: {w.message}{mark}" for w in caught if issubclass(w.category, PartialLossWarning)]
    lines.append("wrote " + ", ".join(p.name for p in paths)
                 + f" (isochrones 30/60 min, schematic={bool(result.network.schematic)})")
    return lines
