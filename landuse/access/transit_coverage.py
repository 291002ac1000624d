"""The origins and targets of a transit run against the stops: who can board, how far one may walk, who is lost.

:mod:`landuse.access.transit` calls these before routing, so a feed that does not cover
the origins (a wrong ``--gtfs``) or a too short ``--max-walk-m`` is told in one line with
counts instead of showing up as a low share.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from landuse.access.transit_router import TransitRouter
from landuse.choices import Target
from landuse.errors import GTFSError, PartialLossWarning

__all__ = ["walk_limits", "warn_targets_without_stop", "stop_coverage_problem"]


def walk_limits(router: TransitRouter, points: pd.DataFrame, xy: np.ndarray) -> np.ndarray:
    """Longest walk to a first stop per point: ``max_walk_m``, or farther to a stop inside its own tätort.

    The points of a tätort modelled as a disc (``radius_m`` > 0, see
    :func:`landuse.access.indicator.origin_points`) may walk to the nearest boardable
    stop inside that disc even when it is farther than ``max_walk_m``: a tätort with a
    served stop is reached from that stop.

    Parameters
    ----------
    router : TransitRouter
        The timetable and walking settings (``max_walk_m`` in metres, the boardable stops in EPSG:3006).
    points : pandas.DataFrame
        The points, with ``origin_id`` and ``radius_m`` (metres) when spread over discs.
    xy : numpy.ndarray, shape (n, 2)
        Their coordinates in metres, EPSG:3006.

    Returns
    -------
    numpy.ndarray of float
        Metres, one per point.
    """
    limits = np.full(len(xy), router.max_walk_m)
    if len(xy) == 0 or "radius_m" not in points.columns or "origin_id" not in points.columns:
        return limits
    radius = pd.to_numeric(points["radius_m"], errors="coerce").fillna(0).to_numpy(dtype=float)
    for idx in pd.Series(np.arange(len(xy))).groupby(points["origin_id"].astype(str).to_numpy()).indices.values():
        if radius[idx[0]] <= 0:
            continue
        centre = xy[idx].mean(axis=0)  # the grid of an origin's points is symmetric about its centre
        _, inside, _ = router.stops_within(centre[None, :], radius[idx[0]])
        if len(inside) == 0:
            continue
        gaps = np.hypot(*(xy[idx][:, None, :] - router.stop_xy[inside][None, :, :]).transpose(2, 0, 1))
        limits[idx] = np.maximum(router.max_walk_m, np.round(gaps.min(axis=1), 3))
    return limits


def warn_targets_without_stop(router: TransitRouter, t_xy: np.ndarray, t_radius: np.ndarray,
                              names: np.ndarray) -> None:
    """Warn about targets that no bus reaches: no boardable stop inside them or within walking distance.

    Parameters
    ----------
    router : TransitRouter
        The timetable and walking settings (``max_walk_m`` in metres, the boardable stops in EPSG:3006).
    t_xy : numpy.ndarray, shape (k, 2)
        Target centres in metres, EPSG:3006.
    t_radius : numpy.ndarray of float
        Their disc radii in metres.
    names : numpy.ndarray
        Their names, quoted in the warning.

    Warns
    -----
    PartialLossWarning
        Naming up to five such targets (at the caller of the caller: ``stacklevel=3``).
    """
    lonely = [str(names[g]) for g in range(len(t_xy))
              if np.diff(router.stops_within(t_xy[g:g + 1], router.max_walk_m + t_radius[g])[0])[0] == 0]
    if lonely:
        warnings.warn(
            f"{len(lonely)} of {len(t_xy)} centralorter have no stop inside them or within {router.max_walk_m:g} m "
            f"(--max-walk-m): {', '.join(lonely[:5])}{', ...' if len(lonely) > 5 else ''}. Only walking reaches them; "
            "check the target points or raise --max-walk-m.", PartialLossWarning, stacklevel=3,
        )


def stop_coverage_problem(router: TransitRouter, origins: gpd.GeoDataFrame, o_xy: np.ndarray, t_xy: np.ndarray,
                          origin_kommun: np.ndarray, target_kommun: np.ndarray, target: str,
                          t_radius: np.ndarray | None = None, walk_limit: np.ndarray | None = None) -> str | None:
    """Raise when no origin can board; return a warning text with counts when some cannot.

    An origin without a boardable stop within ``max_walk_m`` can only reach a centralort
    it can walk to; silently counting the others as "not reached" would hide a feed
    that does not cover the origins (a wrong --gtfs) or a too short --max-walk-m.

    Parameters
    ----------
    router : TransitRouter
        The timetable and walking settings (``max_walk_m`` in metres, the boardable stops in EPSG:3006).
    origins : geopandas.GeoDataFrame
        The routed points: ``population``, and ``name``, ``origin_id``, ``radius_m`` when known.
    o_xy, t_xy : numpy.ndarray, shape (n, 2) and (k, 2)
        Origin and target coordinates in metres, EPSG:3006.
    origin_kommun, target_kommun : numpy.ndarray
        Kommun codes, for ``target="own"``.
    target : {"any", "own"}
        ``any`` or ``own`` (a :class:`~landuse.choices.Target`): with ``own`` only the origin's own centralort
        counts as a walkable target.
    t_radius : numpy.ndarray of float, optional
        Target disc radii in metres.
    walk_limit : numpy.ndarray of float, optional
        Longest walk per origin in metres (:func:`walk_limits`); default ``max_walk_m``.

    Returns
    -------
    str or None
        The warning text (counts, people, the nearest stop of the largest lost
        origins), or None when every origin has a stop or a centralort within walking
        distance.

    Raises
    ------
    GTFSError
        If no origin has a stop within reach: the feed does not cover the origins.
    """
    n = len(o_xy)
    if n == 0:
        return None
    limit = router.max_walk_m
    has_stop = np.diff(router.stops_within(o_xy, limit if walk_limit is None else walk_limit)[0]) > 0
    if has_stop.all():
        return None
    near_target = np.zeros(n, dtype=bool)
    for g in range(len(t_xy)):
        allowed = np.ones(n, dtype=bool) if target == Target.ANY else origin_kommun == target_kommun[g]
        radius = 0.0 if t_radius is None else t_radius[g]
        near_target |= allowed & (np.round(np.maximum(np.hypot(*(o_xy - t_xy[g]).T) - radius, 0.0), 3) <= limit)
    if router.tree is None:
        nearest_m = np.full(n, np.inf)
    else:
        nearest_m = router.tree.query(o_xy)[0]
    population = pd.to_numeric(origins["population"], errors="coerce").fillna(0).to_numpy(dtype=float)
    labels = origins["name"].astype(str).to_numpy() if "name" in origins.columns else np.full(n, "", dtype=object)
    ids = origins["origin_id"].astype(str).to_numpy() if "origin_id" in origins.columns else np.arange(n).astype(str)
    labels = np.where(pd.Series(labels).str.strip().isin(["", "None", "nan"]), ids, labels)
    # points spread over tätort areas (landuse.access.indicator.origin_points) are counted per tätort too
    spread = "radius_m" in origins.columns and bool((pd.to_numeric(origins["radius_m"], errors="coerce") > 0).any())

    def distance(metres: float) -> str:
        if not np.isfinite(metres):
            return "no stop at all"
        if metres < 2_000:
            return f"{metres:,.0f} m"
        return f"{metres / 1000:.1f} km" if metres < 100_000 else f"{metres / 1000:,.0f} km"

    if not has_stop.any():
        walkers = (f"; only the {int(near_target.sum())} within walking distance of a centralort would count as "
                   "reached") if near_target.any() else ""
        found = ("the feed has no boardable stops" if router.tree is None
                 else f"the nearest stop is {distance(float(nearest_m.min()))} from the closest origin")
        many = f"{len(set(ids))} origins ({n:,} points over their areas)" if spread else f"{n} origins"
        raise GTFSError(
            f"None of the {many} has a stop of GTFS feed `{router.feed.name}` within {limit:g} m "
            f"(--max-walk-m): {found}{walkers}. The feed does not seem to cover the origins: pass the feed "
            "of the origins' region with --gtfs (or origins inside the feed's area)."
        )
    lost = ~has_stop & ~near_target
    if not lost.any():
        return None
    order = np.flatnonzero(lost)[np.argsort(-population[lost], kind="stable")]  # the largest first
    order = order[np.unique(labels[order], return_index=True)[1]]  # one example per origin ...
    order = order[np.argsort(-population[order], kind="stable")][:3]  # ... the three largest
    examples = ", ".join(f"{labels[i]} {distance(float(nearest_m[i]))}" for i in order)
    more = ", ..." if len(set(labels[lost])) > len(order) else ""
    subject = (f"{int(lost.sum())} of {n:,} points of {len(set(ids[lost]))} origins" if spread
               else f"{int(lost.sum())} of {n} origins")
    return (f"{subject} ({population[lost].sum():,.0f} people) have no stop within "
            f"{limit:g} m (--max-walk-m) and no centralort within walking distance; they count as not reached "
            f"(distance to the nearest stop from {examples}{more}). Raise --max-walk-m if they may walk farther.")
