"""Accessibility by public transport: travel times over a departure window, isochrones, the 60-minute indicator.

The RUS 2030 indicator "andel av befolkningen som når centralort inom 60 minuter med
kollektivtrafik": :func:`travel_times` gives each origin its best and median travel
time to a centralort over a departure window; :func:`accessibility` turns them into the
per-kommun table of :mod:`landuse.access.indicator`, the origins layers and isochrones,
and :func:`write_outputs` writes ``access_transit.csv`` and ``access_transit.gpkg``.

The twin of :mod:`landuse.access.car`: the same functions with the same signatures
(see :mod:`landuse.access`).  The ``source`` is a
:class:`~landuse.access.transit_router.TransitRouter`: the GTFS feed on one service
day, the departure window and the statistic.  These are the things that make a
transit time (a car time has none of them), so they travel together in the one
argument a road network takes for car; ``TransitRouter(feed, date, window=...,
statistic=...)`` builds it, :meth:`~landuse.access.transit_router.TransitRouter.replace`
changes the window or statistic without rebuilding the timetable.  The routing
semantics (service day, walking, stops, transfers) are in
:mod:`landuse.access.transit_router`.

Semantics of the figures
------------------------
Travel time
    ``best`` is the minimum over the departure times ``t``; ``median`` the median over
    ``t`` (the mean of the two middle values for an even count), counting unreachable
    as infinite, so an origin unreachable at half or more of the departures has no
    median.  Unreachable is NULL in the outputs.
Targets
    ``any``: per departure time the earliest of all centralorter; ``target`` names the
    centralort reached at the best departure (``best``) or the one reached first at the
    most departure times (``median``; ties go to the first listed).  ``own``: the
    centralort(s) whose ``kommun_code`` equals the origin's.
Isochrones
    For each centralort, the area within 30 and 60 minutes by transit and walking with the
    ``best`` statistic: the union of circles around every stop from which the centralort
    is reached within the limit, of radius (remaining time x walk speed) capped at
    ``max_walk_m``, and the direct-walk circle around the centralort itself.
Origins
    Points (tätort discs spread over a grid by default): a point farther than
    ``max_walk_m`` from every stop is unreachable unless it walks to a centralort.  Such
    points are counted in a :class:`~landuse.errors.PartialLossWarning`; when no origin
    has a stop within reach the feed does not cover them and :func:`travel_times`
    raises :class:`~landuse.errors.GTFSError`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landuse import outputs
from landuse.access.common import AccessResult, load_places, origin_layer, point_xy, radii_m, write_indicator_files
from landuse.access.transit_coverage import stop_coverage_problem, walk_limits, warn_targets_without_stop
from landuse.access.transit_router import TransitRouter, check_window_has_departures, median_over_departures
from landuse.choices import Statistic, Target
from landuse.errors import PartialLossWarning
from landuse.gtfs import Feed
from landuse.outputs import ACCESS_FILES, ISOCHRONE_COLUMNS
from landuse.settings import WORK_CRS, Settings, resolve
# the console lines are worded in landuse.summaries; every mode module offers them as summary_lines
from landuse.summaries import transit_lines as summary_lines

__all__ = [
    "MODE",
    "CSV_NAME",
    "GPKG_NAME",
    "ORIGIN_COLUMNS",
    "ORIGIN_LAYER_COLUMNS",
    "POINT_LAYER_COLUMNS",
    "ISOCHRONE_COLUMNS",
    "TransitResult",
    "load_source",
    "travel_times",
    "isochrones",
    "accessibility",
    "write_outputs",
    "summary_lines",
]

#: The mode's name: the ``mode`` column of its isochrones.
MODE = "transit"
#: Files of :func:`write_outputs` (the contract: :data:`landuse.outputs.ACCESS_FILES`).
CSV_NAME = ACCESS_FILES[MODE]["csv"]
GPKG_NAME = ACCESS_FILES[MODE]["gpkg"]
#: The columns of :func:`travel_times`, which the layers begin with; the column contracts are
#: :mod:`landuse.outputs`'.
ORIGIN_COLUMNS = outputs.ORIGIN_COLUMNS[MODE]
#: Columns of the ``origins`` layer: one row per origin, summarised over its points.
ORIGIN_LAYER_COLUMNS = outputs.ORIGIN_LAYER_COLUMNS[MODE]
#: Columns of the ``origin_points`` layer: one row per routed point.
POINT_LAYER_COLUMNS = outputs.POINT_LAYER_COLUMNS[MODE]


def load_source(source: TransitRouter | Feed | str | Path | None = None, *,
                settings: Settings | None = None) -> TransitRouter:
    """The timetable to route on.

    Parameters
    ----------
    source : TransitRouter, Feed, str, Path or None
        A router (returned as it is); a loaded feed or a GTFS zip or folder (routed on
        its typical Tuesday, 06:00-09:00, ``best``); None: the embedded Länstrafiken
        Norrbotten feed so.  Build ``TransitRouter(feed, date, window=...,
        statistic=...)`` for another day, window or statistic.
    settings : Settings, optional
        ``walk_speed_kph``, ``max_walk_m`` (metres), ``transfer_max_m`` (metres).

    Returns
    -------
    TransitRouter

    Raises
    ------
    GTFSError
        A broken feed.
    """
    if isinstance(source, TransitRouter):
        return source
    return TransitRouter(source, settings=resolve(settings))


def travel_times(
    origins: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    source: TransitRouter | Feed | str | Path | None = None,
    target: str = Target.ANY,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Travel time by public transport and walking from each origin to a centralort.

    Parameters
    ----------
    origins : geopandas.GeoDataFrame
        Points with ``origin_id``, ``kommun_code`` and ``population`` (see
        :func:`landuse.access.indicator.load_origins`), any CRS; routed in EPSG:3006.
    targets : geopandas.GeoDataFrame
        Points with ``target_id``, ``name``, ``kommun_code`` and optionally
        ``radius_m`` (metres: arriving anywhere in the disc reaches it).
    source : TransitRouter, Feed, str, Path or None
        The timetable, departure window and statistic (:func:`load_source`); default the
        embedded feed on a typical Tuesday, 06:00-09:00, ``best``.
    target : {"any", "own"}
        Any centralort, or the centralort of the origin's own kommun.  Case-insensitive.
    settings : Settings, optional
        ``walk_speed_kph``, ``max_walk_m``, ``transfer_max_m`` when ``source`` is not a
        router.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns exactly ``origin_id, kommun_code, population, travel_time_min,
        best_min, median_min, target`` and the origins' point geometry (their CRS),
        aligned to ``origins.index``.  Times in minutes; NaN (and ``target`` None) when
        unreachable; ``travel_time_min`` is the router's statistic.  ``attrs`` holds
        ``date``, ``window``, ``statistic`` and ``target``.

    Raises
    ------
    GTFSError
        Broken feed, no departure in the window, or no origin with a boardable stop
        within ``max_walk_m`` (the feed does not cover the origins).
    InvalidSettingError
        Bad ``target``.

    Warns
    -----
    PartialLossWarning
        With counts and people, when some origins have no stop within ``max_walk_m``
        and no allowed centralort within walking distance (they count as not reached),
        and with ``target="own"`` when origins lie in a kommun without a centralort.

    Examples
    --------
    >>> from landuse.access.indicator import load_centralorter, load_origins
    >>> result = travel_times(load_origins().head(3), load_centralorter())
    >>> list(result.columns)
    ['origin_id', 'kommun_code', 'population', 'travel_time_min', 'best_min', 'median_min', 'target', 'geometry']
    """
    target = Target.parse(target)
    router = load_source(source, settings=settings)
    statistic = router.statistic
    departures = router.departures
    check_window_has_departures(router)
    o_xy, t_xy = point_xy(origins, "origins", inside=True), point_xy(targets, "targets", inside=True)
    n, k = len(origins), len(departures)
    origin_kommun = origins["kommun_code"].astype(object).to_numpy()
    target_kommun = targets["kommun_code"].astype(object).to_numpy()
    target_names = targets["name"].astype(object).to_numpy()
    t_radius = radii_m(targets)
    walk_limit = walk_limits(router, origins, o_xy)

    uncovered = stop_coverage_problem(router, origins, o_xy, t_xy, origin_kommun, target_kommun, target, t_radius,
                                      walk_limit)
    if uncovered:
        warnings.warn(uncovered, PartialLossWarning, stacklevel=2)
    warn_targets_without_stop(router, t_xy, t_radius, target_names)

    best_tt = np.full((n, k), np.inf)  # travel time (s) to the best allowed target per departure
    which = np.full((n, k), -1, dtype=np.int64)
    for g in range(len(targets)):
        rows = np.arange(n) if target == Target.ANY else np.flatnonzero(origin_kommun == target_kommun[g])
        if len(rows) == 0:
            continue
        tt = router.arrival_times(o_xy[rows], tuple(t_xy[g]), departures, radius_m=t_radius[g],
                                  walk_limit_m=walk_limit[rows]) - departures[None, :]
        better = tt < best_tt[rows]
        best_tt[rows] = np.where(better, tt, best_tt[rows])
        which[rows] = np.where(better, g, which[rows])
    if target == Target.OWN:
        orphan = ~np.isin(origin_kommun, target_kommun)
        if orphan.any():
            warnings.warn(
                f"{int(orphan.sum())} of {n} origins lie in a kommun without a centralort among the targets "
                f"(e.g. kommun_code {origin_kommun[orphan][0]!r}); they count as unreachable with --target own.",
                PartialLossWarning, stacklevel=2,
            )

    best = best_tt.min(axis=1) if k else np.full(n, np.inf)
    median = median_over_departures(best_tt) if k else np.full(n, np.inf)
    chosen = best if statistic == Statistic.BEST else median
    names = np.full(n, None, dtype=object)
    for i in np.flatnonzero(np.isfinite(chosen)):
        if target == Target.OWN:
            names[i] = target_names[which[i][which[i] >= 0][0]]
        elif statistic == Statistic.BEST:
            names[i] = target_names[which[i, int(np.argmin(best_tt[i]))]]
        else:
            counts = np.bincount(which[i][which[i] >= 0], minlength=len(targets))
            names[i] = target_names[int(np.argmax(counts))]

    def minutes(values: np.ndarray) -> np.ndarray:
        return np.where(np.isfinite(values), values / 60.0, np.nan)

    result = gpd.GeoDataFrame(
        {
            "origin_id": origins["origin_id"].astype(str).to_numpy(),
            "kommun_code": origin_kommun,
            "population": origins["population"].to_numpy(dtype=float),
            "travel_time_min": minutes(chosen),
            "best_min": minutes(best),
            "median_min": minutes(median),
            "target": names,
        },
        geometry=origins.geometry.to_numpy(),
        crs=origins.crs,
        index=origins.index,
    )
    result.attrs.update(date=router.date.isoformat(), window=router.window, statistic=statistic.value,
                        target=target.value)
    return result


def isochrones(
    targets: gpd.GeoDataFrame,
    *,
    source: TransitRouter | Feed | str | Path | None = None,
    minutes: Sequence[float] = (30, 60),
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Area from which each centralort is reached within ``minutes`` by transit and walking.

    Uses the ``best`` statistic over the router's departure window, whatever its
    ``statistic`` (see the module notes).

    Parameters
    ----------
    targets : geopandas.GeoDataFrame
        Centralort points with ``target_id``, ``name``, ``kommun_code`` and optionally
        ``radius_m`` (metres), any CRS.
    source : TransitRouter, Feed, str, Path or None
        The timetable and departure window (:func:`load_source`).
    minutes : sequence of float
        Thresholds in minutes.
    settings : Settings, optional
        Walking settings when ``source`` is not a router.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006; columns ``target_id, centralort, kommun_code, minutes, mode``
        (``"transit"``), ``schematic`` (False: the feed is real) and (Multi)Polygon
        geometry; one row per target and threshold.
    """
    router = load_source(source, settings=settings)
    departures = router.departures
    t_xy = point_xy(targets, "targets", inside=True)
    stop_xy = router.stop_xy[router.board_idx]
    rows, geoms = [], []
    t_radius = radii_m(targets)
    for g in range(len(targets)):
        arrivals = router.arrival_times(stop_xy, tuple(t_xy[g]), departures, radius_m=t_radius[g])
        stop_best = (arrivals - departures[None, :]).min(axis=1)
        for limit in minutes:
            limit_s = float(limit) * 60.0
            ok = stop_best <= limit_s
            radius = np.minimum(router.max_walk_m, (limit_s - stop_best[ok]) * router.walk_mps)
            centres = np.vstack([stop_xy[ok], t_xy[g][None, :]])
            # the centralort's own area, and the walk from its edge
            radius = np.append(radius, t_radius[g] + min(router.max_walk_m, limit_s * router.walk_mps))
            keep = radius > 0
            circles = shapely.buffer(shapely.points(centres[keep]), radius[keep], quad_segs=8)
            geoms.append(shapely.union_all(circles) if len(circles) else shapely.Polygon())
            rows.append({
                "target_id": str(targets["target_id"].iloc[g]),
                "centralort": targets["name"].iloc[g],
                "kommun_code": targets["kommun_code"].iloc[g],
                "minutes": int(limit) if float(limit).is_integer() else float(limit),
                "mode": MODE,
                "schematic": False,
            })
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=ISOCHRONE_COLUMNS), geometry=geoms, crs=WORK_CRS)


@dataclass
class TransitResult(AccessResult):
    """Everything one transit accessibility run produces (see :class:`~landuse.access.common.AccessResult`).

    ``source`` is the :class:`~landuse.access.transit_router.TransitRouter` used: its
    ``date`` is the service date, its ``window`` and ``statistic`` those of the figures.
    ``points`` holds :data:`POINT_LAYER_COLUMNS`, ``origins`` :data:`ORIGIN_LAYER_COLUMNS`.
    """

    mode = MODE

    @property
    def router(self) -> TransitRouter:
        """The router the times come from (:attr:`source`)."""
        return self.source


def accessibility(
    origins: gpd.GeoDataFrame | str | Path | None = None,
    targets: gpd.GeoDataFrame | str | Path | None = None,
    *,
    source: TransitRouter | Feed | str | Path | None = None,
    minutes: Sequence[float] = (45, 60, 90),
    isochrone_minutes: Sequence[float] = (30, 60),
    target: str = Target.ANY,
    population_column: str | None = None,
    source_crs: str | None = None,
    settings: Settings | None = None,
) -> TransitResult:
    """The RUS indicator by public transport: travel times, the per-kommun table and isochrones; writes nothing.

    Parameters
    ----------
    origins : GeoDataFrame, path or None
        Population points or polygons; default the embedded SCB tätorter 2020, each
        spread over a disc of its land area (:func:`landuse.access.common.load_places`).
    targets : GeoDataFrame, path or None
        Centralorter; default the embedded 14, each reached anywhere in its area.
    source : TransitRouter, Feed, str, Path or None
        The timetable, service day, departure window and statistic (:func:`load_source`).
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
        ``walk_speed_kph``, ``max_walk_m``, ``transfer_max_m``.

    Returns
    -------
    TransitResult
        ``table`` (the indicator, from the points), ``origins`` and ``points`` layers
        (EPSG:3006) and ``isochrones``; write them with :func:`write_outputs`.

    Raises
    ------
    GTFSError, InvalidSettingError
        As :func:`travel_times`.
    """
    from landuse.access.indicator import indicator_table

    settings = resolve(settings)
    mode = Target.parse(target)
    router = load_source(source, settings=settings)
    places = load_places(origins, targets, population_column=population_column, source_crs=source_crs,
                         settings=settings)
    times = travel_times(places.points, places.targets, source=router, target=mode, settings=settings)
    times["point_id"] = places.points["point_id"].to_numpy()
    table = indicator_table(times, minutes, settings=settings)
    iso = isochrones(places.targets, source=router, minutes=isochrone_minutes, settings=settings)
    layer = origin_layer(times, places.origins, ORIGIN_LAYER_COLUMNS, extra=("best_min", "median_min"))
    points = times.reset_index(drop=True)[POINT_LAYER_COLUMNS + ["geometry"]]
    return TransitResult(origins=layer.reset_index(drop=True), points=points, table=table, isochrones=iso,
                         source=router, target_mode=mode.value,
                         unreachable=int(points["travel_time_min"].isna().sum()),
                         default_origins=places.default_origins, origin_model=places.origin_model)


def write_outputs(result: TransitResult, out_dir: str | Path) -> list[Path]:
    """Write ``access_transit.csv`` (the indicator table) and ``access_transit.gpkg``, each atomically.

    Parameters
    ----------
    result : TransitResult
        From :func:`accessibility`.
    out_dir : str or Path
        Folder, created when missing.

    Returns
    -------
    list of Path
        The CSV (``kommun_code, kommun, minutes, population, population_within,
        share_within``) and the GeoPackage, EPSG:3006, with the layers ``origins`` (one
        row per origin: the population-weighted median of its points' times,
        ``share_within`` 60 minutes and the centralort most of its people reach),
        ``origin_points`` (one row per point the population is spread over) and
        ``isochrones``; each layer's description names the feed, day, window and walk.
    """
    router = result.router
    network = (f"network: GTFS {router.feed.name}, {router.date.isoformat()} {router.window}, "
               f"{router.statistic} departure, walking {router.walk_kph:g} km/h up to {router.max_walk_m:g} m")
    model = result.origin_model
    descriptions = {
        "origins": f"Public-transport time (min) to the centralort (target={result.target_mode}), per origin; "
                   f"{model}; {network}",
        "origin_points": f"Public-transport time (min) per point of an origin's area; {model}; {network}",
        "isochrones": f"Areas within N minutes of each centralort by public transport; {network}",
    }
    layers = {"origins": result.origins, "origin_points": result.points, "isochrones": result.isochrones}
    return write_indicator_files(out_dir, CSV_NAME, GPKG_NAME, result.table, layers, descriptions)
