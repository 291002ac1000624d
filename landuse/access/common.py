"""What every accessibility mode shares: the result base class, the places it routes, the files it writes.

A mode module (:mod:`landuse.access.car`, :mod:`landuse.access.transit`) loads its
source, then :func:`load_places` (origins, their points, the targets), routes the
points, and hands the per-point times to :func:`origin_layer` and
:func:`~landuse.access.indicator.indicator_table`; its writer ends in
:func:`write_indicator_files`.  So the origins, the table and the files are built one
way for every mode.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from landuse.access.indicator import ORIGIN_MODEL, load_centralorter, load_origins, origin_points, summarise_points
from landuse.choices import Target
from landuse.errors import ColumnNotFoundError, MissingCRSError, PartialLossWarning
from landuse.settings import WORK_CRS, Settings

__all__ = ["AccessResult", "Places", "load_places", "point_xy", "radii_m", "target_groups", "categorical_at",
           "origin_layer", "write_indicator_files"]


@dataclass
class AccessResult:
    """Everything one accessibility run of a mode produces, without writing a file.

    Each mode subclasses it (:class:`~landuse.access.car.CarResult`,
    :class:`~landuse.access.transit.TransitResult`) and adds what only it has.

    Attributes
    ----------
    origins : geopandas.GeoDataFrame
        The ``origins`` output layer, one row per origin: the mode's
        ``ORIGIN_LAYER_COLUMNS`` (``travel_time_min`` is the population-weighted median
        of its points, ``share_within`` the share of its people within 60 minutes) +
        point geometry, EPSG:3006.
    points : geopandas.GeoDataFrame
        The ``origin_points`` layer, one row per routed point
        (:func:`~landuse.access.indicator.origin_points`), EPSG:3006.
    table : pandas.DataFrame
        :func:`~landuse.access.indicator.indicator_table` of the points:
        ``kommun_code, kommun, minutes, population, population_within, share_within``.
    isochrones : geopandas.GeoDataFrame
        The mode's ``isochrones`` of the targets, EPSG:3006.
    source : object
        What was routed on: a :class:`~landuse.network.RoadNetwork` (car), a
        :class:`~landuse.access.transit_router.TransitRouter` (transit).
    target_mode : str
        ``"any"`` or ``"own"``.
    unreachable : int
        Points without a travel time.
    default_origins : bool
        True when the origins are the embedded tätorter (the bounds over all
        inhabitants and the coverage apply).
    origin_model : str
        How origins and targets are modelled, for the output descriptions.
    """

    #: The mode's name, as in the ``mode`` column of its isochrones.
    mode: ClassVar[str] = ""

    origins: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    table: pd.DataFrame
    isochrones: gpd.GeoDataFrame
    source: Any
    target_mode: str
    unreachable: int
    default_origins: bool
    origin_model: str


@dataclass
class Places:
    """The origins, the points they are spread over and the targets of one run (all EPSG:3006)."""

    #: One row per origin: ``origin_id``, ``name``, ``kommun_code``, ``population``, ``radius_m`` + point.
    origins: gpd.GeoDataFrame
    #: :func:`~landuse.access.indicator.origin_points` of the origins: the points routed.
    points: gpd.GeoDataFrame
    #: One row per centralort: ``target_id``, ``name``, ``kommun_code``, ``radius_m`` + point.
    targets: gpd.GeoDataFrame
    #: True when the origins are the embedded tätorter.
    default_origins: bool
    #: How origins and targets are modelled, for the output descriptions.
    origin_model: str


def load_places(
    origins: gpd.GeoDataFrame | str | Path | None,
    targets: gpd.GeoDataFrame | str | Path | None,
    *,
    population_column: str | None = None,
    source_crs: str | None = None,
    settings: Settings | None = None,
) -> Places:
    """Origins and targets of an accessibility run, from frames, files or the embedded data.

    Parameters
    ----------
    origins : GeoDataFrame, path or None
        Population points or polygons; None: the embedded SCB tätorter 2020, each a disc
        of its land area.  A path is read with
        :func:`~landuse.access.indicator.load_origins`; a frame needs ``origin_id``,
        ``kommun_code`` and ``population`` (and may carry ``radius_m``, metres), in any
        CRS (polygons are reduced to their centroids).
    targets : GeoDataFrame, path or None
        Centralorter; None: the embedded 14, each reached anywhere in its area.  A path
        is read with :func:`~landuse.access.indicator.load_centralorter`.
    population_column : str, optional
        Head-count column of an origins file.
    source_crs : str, optional
        CRS to assume for files without one (e.g. ``"EPSG:3006"``).
    settings : Settings, optional
        ``data_dir`` and ``catalogue_dir`` of the embedded tätorter, centralorter and kommuner.

    Returns
    -------
    Places
        Origins, their points and the targets in EPSG:3006.
    """
    if origins is None:
        model = ORIGIN_MODEL
    elif isinstance(origins, gpd.GeoDataFrame):
        model = "origins as given"
    else:
        model = f"origins: {Path(origins).name} as given"
    default = origins is None
    if not isinstance(origins, gpd.GeoDataFrame):
        origins = load_origins(origins, population_column=population_column, source_crs=source_crs, settings=settings)
    if not isinstance(targets, gpd.GeoDataFrame):
        targets = load_centralorter(targets, source_crs=source_crs, settings=settings)
    origins = origins.to_crs(WORK_CRS)
    if (origins.geom_type != "Point").any():
        origins = origins.set_geometry(origins.geometry.centroid)
    return Places(origins=origins, points=origin_points(origins), targets=targets, default_origins=default,
                  origin_model=model)


def point_xy(frame: gpd.GeoDataFrame, what: str, *, inside: bool = False) -> np.ndarray:
    """Point coordinates in metres, EPSG:3006, of origins or targets in any CRS.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Points; other geometries are reduced to one point each.
    what : str
        ``"origins"`` or ``"targets"``, named in the error.
    inside : bool
        Reduce polygons to a point inside them (``representative_point``, as transit
        does) instead of their centroid (car).

    Returns
    -------
    numpy.ndarray, shape (n, 2)
        Easting, northing in metres.

    Raises
    ------
    MissingCRSError
        If ``frame`` has no CRS.
    """
    import shapely
    from pyproj import CRS

    if frame.crs is None:
        raise MissingCRSError(f"The {what} have no CRS. Set it (e.g. EPSG:3006) before routing.")
    geoms = frame.geometry
    if not CRS.from_user_input(frame.crs).equals(CRS.from_user_input(WORK_CRS)):
        geoms = geoms.to_crs(WORK_CRS)
    array = np.asarray(geoms.array, dtype=object) if len(geoms) else np.zeros(0, dtype=object)
    if array.size and (shapely.get_type_id(array) != 0).any():  # 0 = Point
        points = shapely.point_on_surface(array) if inside else shapely.centroid(array)
        array = np.where(shapely.get_type_id(array) == 0, array, points) if inside else points
    return np.column_stack([shapely.get_x(array), shapely.get_y(array)]) if array.size else np.zeros((0, 2))


def radii_m(frame: pd.DataFrame) -> np.ndarray:
    """The ``radius_m`` column (metres; a place modelled as a disc) as floats, 0 where missing or absent.

    Parameters
    ----------
    frame : pandas.DataFrame
        Origins or targets.

    Returns
    -------
    numpy.ndarray of float
        Metres, one per row.
    """
    if "radius_m" not in frame.columns:
        return np.zeros(len(frame))
    return pd.to_numeric(frame["radius_m"], errors="coerce").fillna(0).to_numpy(dtype=float)


def origin_layer(points: pd.DataFrame, origins: gpd.GeoDataFrame, columns: Sequence[str], *,
                 extra: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """The ``origins`` output layer: one row per origin from its points' travel times.

    Parameters
    ----------
    points : pandas.DataFrame
        Per point: ``origin_id``, ``population``, ``travel_time_min`` (minutes, NaN =
        not reached), ``target`` and the ``extra`` columns.
    origins : geopandas.GeoDataFrame
        The origins the points came from, EPSG:3006.
    columns : sequence of str
        The layer's columns, in order (the mode's ``ORIGIN_LAYER_COLUMNS``); ``name``
        (None) and ``radius_m`` (0 m) are filled in when the origins lack them.
    extra : tuple of str
        Numeric point columns averaged per origin, weighted by population.

    Returns
    -------
    geopandas.GeoDataFrame
        ``columns`` + the origins' point geometry, EPSG:3006, aligned to ``origins.index``
        (see :func:`~landuse.access.indicator.summarise_points` for the figures).
    """
    summary = summarise_points(points, origins, extra=extra)
    if "name" not in summary.columns:
        summary["name"] = None
    if "radius_m" not in summary.columns:
        summary["radius_m"] = 0.0
    return gpd.GeoDataFrame(summary[list(columns)], geometry=summary.geometry.to_numpy(), crs=WORK_CRS)


def write_indicator_files(out_dir: str | Path, csv_name: str, gpkg_name: str, table: pd.DataFrame,
                          layers: dict[str, gpd.GeoDataFrame], descriptions: dict[str, str]) -> list[Path]:
    """Write a mode's indicator table (CSV) and layers (one GeoPackage), each atomically.

    Parameters
    ----------
    out_dir : str or Path
        Folder, created when missing.
    csv_name, gpkg_name : str
        File names (``access_car.csv`` ...).
    table : pandas.DataFrame
        The indicator table.
    layers : dict of str to GeoDataFrame
        GeoPackage layers in order.
    descriptions : dict of str to str
        Layer descriptions (at most 1 000 characters kept; QGIS shows them as the abstract).

    Returns
    -------
    list of Path
        The CSV and the GeoPackage.
    """
    from landuse._io import write_csv, write_gpkg

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = write_csv(table, out_dir / csv_name)
    gpkg_path = write_gpkg(layers, out_dir / gpkg_name, descriptions=descriptions)
    return [csv_path, gpkg_path]


def target_groups(origins: pd.DataFrame, targets: pd.DataFrame, reachable: np.ndarray,
                  target: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Which targets each origin may reach: all of them (``any``), or its own kommun's (``own``).

    Parameters
    ----------
    origins, targets : pandas.DataFrame
        With ``kommun_code`` for ``target="own"``.
    reachable : numpy.ndarray of bool
        Targets that can be reached at all (on the network).
    target : {"any", "own"}
        ``any``: every reachable target; ``own``: the targets of the origin's own kommun (a
        :class:`~landuse.choices.Target`).

    Returns
    -------
    list of (targets, members)
        Sorted target indices and the boolean mask of the origins allowed to reach them.

    Raises
    ------
    ColumnNotFoundError
        ``own`` without a ``kommun_code`` column.

    Warns
    -----
    PartialLossWarning
        ``own``: origins in a kommun without a reachable target, or without a
        ``kommun_code`` (reported at the caller's caller, ``stacklevel=3``).
    """
    n = len(origins)
    if Target.parse(target) == Target.ANY:
        return [(np.flatnonzero(reachable), np.ones(n, dtype=bool))]
    if "kommun_code" not in origins.columns or "kommun_code" not in targets.columns:
        which = "origins" if "kommun_code" not in origins.columns else "targets"
        raise ColumnNotFoundError(f"target='own' needs a kommun_code column in the {which}. Add it, or use target='any'.")
    o_code = origins["kommun_code"].astype(object).where(origins["kommun_code"].notna(), None).to_numpy()
    t_code = targets["kommun_code"].astype(object).where(targets["kommun_code"].notna(), None).to_numpy()
    groups = []
    orphan = np.zeros(n, dtype=bool)
    for code in sorted({c for c in o_code if c is not None}, key=str) + [None]:
        members = (o_code == code) if code is not None else np.array([c is None for c in o_code], dtype=bool)
        if not members.any():
            continue
        tgt = np.flatnonzero(reachable & (t_code == code)) if code is not None else np.zeros(0, dtype=np.int64)
        if tgt.size == 0:
            orphan |= members
            continue
        groups.append((tgt, members))
    if orphan.any():
        warnings.warn(
            f"{int(orphan.sum())} of {n} origins lie in a kommun without a reachable centralort among the "
            "targets (or have no kommun_code); they are reported unreachable.", PartialLossWarning, stacklevel=3,
        )
    return groups


def categorical_at(values: np.ndarray, which: np.ndarray) -> pd.Categorical:
    """``values[which]`` as a categorical (missing where ``which`` is -1); cheap for 1M rows.

    Parameters
    ----------
    values : numpy.ndarray
        One label per target (None or NaN: missing).
    which : numpy.ndarray of int
        Per row, the target index, -1 for none.

    Returns
    -------
    pandas.Categorical
        The labels as text.
    """
    labels = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]
    categories = list(dict.fromkeys(v for v in labels if v is not None))
    position = {v: i for i, v in enumerate(categories)}
    per_target = np.array([position.get(v, -1) if v is not None else -1 for v in labels], dtype=np.int64)
    codes = np.full(which.shape[0], -1, dtype=np.int64)
    ok = which >= 0
    codes[ok] = per_target[which[ok]]
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=object))
