"""Accessibility by car: one multi-source Dijkstra to the centralorter, isochrones, the 60-minute indicator.

Routes on a :class:`~landuse.network.RoadNetwork` (EPSG:3006, edge minutes; snapping and
the Dijkstra are :mod:`landuse.network.routing`) and feeds the shared RUS 60-minute
table of :mod:`landuse.access.indicator`.

The twin of :mod:`landuse.access.transit`: the same functions with the same signatures
(see :mod:`landuse.access`).  The ``source`` is the road network: a
:class:`~landuse.network.RoadNetwork`, a network file (read with
:func:`landuse.network.network_from_file`) or None for Lantmäteriet's Topografi 250
main roads.  A car trip has no departure time, so the network is all a car time
depends on besides the access model in :class:`~landuse.settings.Settings`
(``access_speed_kph``, ``access_detour_factor``, ``max_snap_m``, ``speed_factor``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from landuse import outputs
from landuse.access.common import AccessResult, categorical_at, load_places, origin_layer, point_xy, radii_m, \
    target_groups, write_indicator_files
from landuse.choices import Target
from landuse.errors import NetworkError, PartialLossWarning
from landuse.network.graph import RoadNetwork
from landuse.network.routing import access_minutes, fastest_targets, multi_source, reach_area, snap, target_links
from landuse.outputs import ACCESS_FILES, ISOCHRONE_COLUMNS
from landuse.settings import WORK_CRS, Settings, resolve
# the console lines are worded in landuse.summaries; every mode module offers them as summary_lines
from landuse.summaries import car_lines as summary_lines

__all__ = [
    "MODE",
    "CSV_NAME",
    "GPKG_NAME",
    "ORIGIN_COLUMNS",
    "ORIGIN_LAYER_COLUMNS",
    "POINT_LAYER_COLUMNS",
    "ISOCHRONE_COLUMNS",
    "CarResult",
    "load_source",
    "travel_times",
    "isochrones",
    "accessibility",
    "write_outputs",
    "summary_lines",
    "access_dominated",
]

#: The mode's name: the ``mode`` column of its isochrones.
MODE = "car"
#: Files of :func:`write_outputs` (the contract: :data:`landuse.outputs.ACCESS_FILES`).
CSV_NAME = ACCESS_FILES[MODE]["csv"]
GPKG_NAME = ACCESS_FILES[MODE]["gpkg"]
#: The travel-time columns of each origin (point) that the layers begin with; the column contracts are
#: :mod:`landuse.outputs`'.
ORIGIN_COLUMNS = outputs.ORIGIN_COLUMNS[MODE]
#: The ``origins`` layer: one row per origin, summarised over its points.
ORIGIN_LAYER_COLUMNS = outputs.ORIGIN_LAYER_COLUMNS[MODE]
#: The ``origin_points`` layer: one row per routed point.
POINT_LAYER_COLUMNS = outputs.POINT_LAYER_COLUMNS[MODE]
#: Isochrones keep one node per grid cell of this size (metres) before the union of discs.
ISOCHRONE_CELL_M = 250.0


def load_source(source: RoadNetwork | str | Path | None = None, *,
                settings: Settings | None = None) -> RoadNetwork:
    """The road network to route on.

    Parameters
    ----------
    source : RoadNetwork, str, Path or None
        A network (returned as it is); a file read with
        :func:`landuse.network.network_from_file` (OSM, a line layer with a
        ``speed_kph`` column, Topografi 250, or a GTFS zip for the schematic
        stand-in); None: Lantmäteriet's Topografi 250 main roads
        (:func:`landuse.network.network_from_main_roads`), whose known unconnected
        pieces are not warned about (:func:`summary_lines` states them).
    settings : Settings, optional
        ``data_dir`` and, for the GTFS stand-in, ``gtfs_car_time_factor``.

    Returns
    -------
    RoadNetwork
        EPSG:3006, edge times in minutes.

    Raises
    ------
    InputFileNotFoundError, UnreadableFileError, NetworkError, GTFSError
        As the network readers.
    """
    from landuse.network import network_from_file, network_from_main_roads

    if isinstance(source, RoadNetwork):
        return source
    if source is None:
        with warnings.catch_warnings():
            # the embedded network's unconnected pieces are known; summary_lines states them
            warnings.simplefilter("ignore", PartialLossWarning)
            return network_from_main_roads(settings=settings)
    return network_from_file(source, settings=settings)


def travel_times(
    origins: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    source: RoadNetwork | str | Path | None = None,
    target: str = Target.ANY,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Car travel time from every origin to its centralort, by one multi-source Dijkstra.

    Parameters
    ----------
    origins : geopandas.GeoDataFrame
        Points (polygons use their centroid) in any CRS; with ``kommun_code`` for
        ``target="own"``.
    targets : geopandas.GeoDataFrame
        Centralort points with ``name`` (label) and ``kommun_code``; ``target_id``
        optional (default the row number); ``radius_m`` optional (metres: arriving
        anywhere in the disc reaches it).
    source : RoadNetwork, str, Path or None
        The EPSG:3006 road network (:func:`load_source`); default Lantmäteriet's main
        roads.
    target : {"any", "own"}
        ``any``: the fastest centralort of any kommun; ``own``: the centralort(s) of
        the origin's own kommun.  Case-insensitive.
    settings : Settings, optional
        Uses ``access_speed_kph``, ``max_snap_m`` and ``speed_factor``.

    Returns
    -------
    geopandas.GeoDataFrame
        Aligned to ``origins.index``: ``travel_time_min`` (float minutes, NaN when
        unreachable), ``target`` (centralort name, None when unreachable),
        ``target_id``, ``snap_dist_m`` (straight-line metres to the origin's network
        node), ``access_m`` (the access leg in metres of road: straight line x
        detour factor; 0 inside a target), ``access_min`` (its minutes) and the
        origins' geometry (their CRS).

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
    >>> travel_times(pts([(0, 500)]), centralort, source=net)[["travel_time_min", "target"]]
       travel_time_min target
    0             2.78  Luleå
    """
    settings = resolve(settings)
    mode = Target.parse(target)
    network = load_source(source, settings=settings)
    oxy = point_xy(origins, "origins")
    txy = point_xy(targets, "targets")
    n_orig = oxy.shape[0]
    if len(targets) == 0:
        raise NetworkError("No centralort targets were given. Pass a --centralorter layer with points.")
    radius = radii_m(targets)
    link_t, link_node, link_egress, t_ok = target_links(network, txy, radius, settings)
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
    groups = target_groups(origins, targets, t_ok, mode)
    time_min, winner, used_m = fastest_targets(network, oxy, o_node, o_dist, o_ok, (link_t, link_node, link_egress),
                                               groups, txy, radius, settings)
    reached = np.isfinite(time_min) & (winner >= 0)
    time_min[~reached] = np.nan
    access_min = access_minutes(used_m, settings)
    inside_any = reached & (time_min == 0) & ~np.isclose(access_min, 0)
    return gpd.GeoDataFrame(
        {
            "travel_time_min": time_min,
            "target": categorical_at(names, winner),
            "target_id": categorical_at(tids, winner),
            "snap_dist_m": o_dist,
            "access_m": np.where(inside_any, 0.0, used_m * settings.access_detour_factor),
            "access_min": np.where(inside_any, 0.0, access_min),
        },
        index=origins.index,
        geometry=origins.geometry.array,
        crs=origins.crs,
    )


def isochrones(
    targets: gpd.GeoDataFrame,
    *,
    source: RoadNetwork | str | Path | None = None,
    minutes: Sequence[float] = (30, 60),
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Areas from which each centralort is reached by car within each threshold.

    Parameters
    ----------
    targets : geopandas.GeoDataFrame
        Centralort points with ``name``, ``kommun_code`` and optionally ``target_id``
        and ``radius_m`` (metres), any CRS.
    source : RoadNetwork, str, Path or None
        The EPSG:3006 road network (:func:`load_source`); default Lantmäteriet's main roads.
    minutes : sequence of float
        Thresholds in minutes.
    settings : Settings, optional
        ``access_speed_kph``, ``access_detour_factor``, ``max_snap_m`` (metres) and
        ``speed_factor``.

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
    :data:`ISOCHRONE_CELL_M` grid cell is kept (shape error below one cell diagonal).
    """
    import shapely

    settings = resolve(settings)
    network = load_source(source, settings=settings)
    factor = settings.speed_factor
    minutes = [float(m) for m in minutes]
    txy = point_xy(targets, "targets")
    radius_t = radii_m(targets)
    link_t, link_node, link_egress, t_ok = target_links(network, txy, radius_t, settings)
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
        dist, _ = multi_source(network.reversed_minutes, np.zeros(int(mine.sum()), np.int64), link_node[mine],
                               link_egress[mine] / factor, 1, limit=top / factor)
        total = factor * dist
        for threshold in minutes:
            shape = reach_area(network, total, threshold, settings=settings, cell_m=ISOCHRONE_CELL_M)
            if radius_t[j] > 0:  # the centralort's own area is reached by definition
                shape = shapely.union(shape, shapely.buffer(shapely.Point(*txy[j]), radius_t[j], quad_segs=8))
            rows.append({
                "target_id": tids[j], "centralort": names[j], "kommun_code": codes[j],
                "minutes": int(threshold) if threshold.is_integer() else threshold,
                "mode": MODE, "schematic": bool(network.schematic), "geometry": shape,
            })
    frame = gpd.GeoDataFrame(rows, columns=ISOCHRONE_COLUMNS + ["geometry"], geometry="geometry", crs=WORK_CRS)
    frame["schematic"] = frame["schematic"].astype(bool)
    return frame


@dataclass
class CarResult(AccessResult):
    """Everything one car accessibility run produces (see :class:`~landuse.access.common.AccessResult`).

    ``source`` is the :class:`~landuse.network.RoadNetwork` used (also :attr:`network`);
    ``origins`` holds :data:`ORIGIN_LAYER_COLUMNS` (``access_m`` and ``access_min`` the
    population-weighted mean access leg), ``points`` :data:`POINT_LAYER_COLUMNS`.

    Attributes
    ----------
    access : dict
        The access model of the run: ``detour`` factor, ``speed_kph`` and ``max_m`` (metres).
    """

    mode = MODE
    access: dict = field(default_factory=dict)

    @property
    def network(self) -> RoadNetwork:
        """The road network routed on (:attr:`source`)."""
        return self.source

    @property
    def schematic(self) -> bool:
        """True when the run rests on schematic input: the stand-in network, or origins flagged ``schematic``."""
        flags = self.origins["schematic"] if "schematic" in self.origins.columns else pd.Series(dtype=bool)
        return bool(self.network.schematic or flags.fillna(False).astype(bool).any())

    @property
    def access_dominated(self) -> pd.Series:
        """Points whose access leg is more than half their travel time (the figure is approximate)."""
        return self.points["approximate"].astype(bool)


def access_dominated(travel_time_min: pd.Series, access_min: pd.Series) -> np.ndarray:
    """True where the access leg is more than half the travel time: the access model dominates the figure.

    Parameters
    ----------
    travel_time_min, access_min : pandas.Series or array
        Travel time and its access leg, minutes (NaN = unreachable: False).

    Returns
    -------
    numpy.ndarray of bool
    """
    time = np.asarray(travel_time_min, dtype=float)
    access = np.asarray(access_min, dtype=float)
    with np.errstate(invalid="ignore"):
        return (time > 0) & (access > 0.5 * time)


def accessibility(
    origins: gpd.GeoDataFrame | str | Path | None = None,
    targets: gpd.GeoDataFrame | str | Path | None = None,
    *,
    source: RoadNetwork | str | Path | None = None,
    minutes: Sequence[float] = (45, 60, 90),
    isochrone_minutes: Sequence[float] = (30, 60),
    target: str = Target.ANY,
    population_column: str | None = None,
    source_crs: str | None = None,
    settings: Settings | None = None,
) -> CarResult:
    """The RUS indicator by car: travel times, the per-kommun table and isochrones; writes nothing.

    Parameters
    ----------
    origins : GeoDataFrame, path or None
        Population points or polygons; default the embedded SCB tätorter 2020, each
        spread over a disc of its land area (:func:`landuse.access.common.load_places`).
        A frame needs ``origin_id``, ``kommun_code`` and ``population`` (and may carry
        ``radius_m``, metres).
    targets : GeoDataFrame, path or None
        Centralorter; default the embedded 14, each reached anywhere in its area.
    source : RoadNetwork, str, Path or None
        The road network (:func:`load_source`); default Lantmäteriet's Topografi 250
        main roads.
    minutes : sequence of float
        Indicator thresholds in minutes.
    isochrone_minutes : sequence of float
        Isochrone thresholds in minutes.
    target : {"any", "own"}
        Case-insensitive.
    population_column : str, optional
        Head-count column of an origins file.
    source_crs : str, optional
        CRS to assume for origins and targets files that declare none (``"EPSG:3006"``).
    settings : Settings, optional
        The access model (``access_speed_kph``, ``access_detour_factor``,
        ``max_snap_m``) and ``speed_factor``.

    Returns
    -------
    CarResult
        ``table`` (the indicator, from the points), ``origins`` and ``points`` layers
        (EPSG:3006), ``isochrones``; write them with :func:`write_outputs`.

    Raises
    ------
    NetworkError, InvalidSettingError
        As :func:`travel_times`.

    Notes
    -----
    Access model: a point reaches the network at its nearest node, along the straight
    line x ``Settings.access_detour_factor`` at ``Settings.access_speed_kph`` (the
    smaller roads a main-road network leaves out), up to ``Settings.max_snap_m``; the
    same leg leads from the network into a centralort whose area holds no node.
    Where the access leg is more than half a point's time the figure is approximate
    (:attr:`CarResult.access_dominated`).
    """
    from landuse.access.indicator import indicator_table

    settings = resolve(settings)
    mode = Target.parse(target)
    network = load_source(source, settings=settings)
    places = load_places(origins, targets, population_column=population_column, source_crs=source_crs,
                         settings=settings)
    points = places.points
    times = travel_times(points, places.targets, source=network, target=mode, settings=settings)
    with warnings.catch_warnings():
        # travel_times has already reported centralorter beyond max_snap_m
        warnings.simplefilter("ignore", PartialLossWarning)
        iso = isochrones(places.targets, source=network, minutes=isochrone_minutes, settings=settings)
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
    layer = origin_layer(point_layer, places.origins, ORIGIN_LAYER_COLUMNS, extra=("access_m", "access_min"))
    return CarResult(origins=layer, points=point_layer[POINT_LAYER_COLUMNS + ["geometry"]], table=table,
                     isochrones=iso, source=network, target_mode=mode.value,
                     unreachable=int(point_layer["travel_time_min"].isna().sum()),
                     default_origins=places.default_origins, origin_model=places.origin_model,
                     access={"detour": settings.access_detour_factor, "speed_kph": settings.access_speed_kph,
                             "max_m": settings.max_snap_m})


def write_outputs(result: CarResult, out_dir: str | Path) -> list[Path]:
    """Write ``access_car.csv`` (the indicator table) and ``access_car.gpkg``, each atomically.

    Parameters
    ----------
    result : CarResult
        From :func:`accessibility`.
    out_dir : str or Path
        Folder, created when missing.

    Returns
    -------
    list of Path
        The CSV (``kommun_code, kommun, minutes, population, population_within,
        share_within``) and the GeoPackage, EPSG:3006, with the layers ``origins`` (one
        row per origin), ``origin_points`` (one row per routed point), ``isochrones``
        and ``network`` (the edges of the road network used: ``length_m, speed_kph,
        travel_time_min, road, source``; see :func:`landuse.network.network_edges`).
        Each layer carries a description naming the network (and
        "APPROXIMATE/SCHEMATIC" for the GTFS stand-in).
    """
    from landuse.network import network_edges

    flag = "APPROXIMATE/SCHEMATIC stand-in network. " if result.network.schematic else ""
    network = (f"{result.origin_model}; network: {result.network.source}; access: straight line x "
               f"{result.access['detour']:g} at {result.access['speed_kph']:g} km/h, at most "
               f"{result.access['max_m']:g} m")
    descriptions = {
        "origins": f"{flag}Car travel time (min) to the centralort (target={result.target_mode}), per origin; {network}",
        "origin_points": f"{flag}Car travel time (min) per point of an origin's area, with the access leg; {network}",
        "isochrones": f"{flag}Areas within N minutes of each centralort by car; {network}",
        "network": f"{flag}Road network edges used; {network}",
    }
    layers = {"origins": result.origins, "origin_points": result.points, "isochrones": result.isochrones,
              "network": network_edges(result.network)}
    return write_indicator_files(out_dir, CSV_NAME, GPKG_NAME, result.table, layers, descriptions)
