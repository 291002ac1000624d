"""Raster mode of the målkonflikt engine: theme bit planes on a grid, counted per kommun."""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landuse.choices import Faces, ScoreMethod
from landuse.conflict_faces import face_table, join_labels, popcount, score_of_masks
from landuse.errors import InvalidSettingError, PartialLossWarning
from landuse.progress import progress_bar
from landuse.settings import Settings, resolve

__all__ = ["default_oversample", "raster_overlay", "raster_face_features"]


def _intersects_chunk(shared: dict, span: tuple[int, int]) -> np.ndarray:
    a, b = span
    return shapely.intersects(shared["features"][a:b], shared["faces"][a:b])


def raster_face_features(faces: np.ndarray, face_mask: np.ndarray, geoms: np.ndarray,
                          theme_code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(face, feature) pairs where a feature of a theme the raster face holds intersects it.

    Parameters
    ----------
    faces : numpy.ndarray of shapely.Polygon
        Raster faces: unions of whole cells.
    face_mask : numpy.ndarray of int
        Theme bits of each face.
    geoms, theme_code : numpy.ndarray
        The features and the bit index of their themes.

    Returns
    -------
    face, feature : numpy.ndarray of int
        Sorted by face, then feature.

    Notes
    -----
    Candidates are the features of the face's themes whose bounding box meets the
    face's.  Every cell centre of a face lies in some feature of each of its themes
    (that is how the cell got the theme's bit), and that feature is a candidate; so
    when a theme has a single candidate for a face, that candidate intersects the
    face and needs no test.  Only themes with several candidates are tested exactly
    (``shapely.intersects``, in chunks on worker threads).
    """
    from landuse._overlay import parallel_map, sorted_pairs

    feature, face = shapely.STRtree(faces).query(geoms)
    theme = theme_code[feature]
    wanted = ((face_mask[face] >> theme) & 1).astype(bool)
    face, feature, theme = face[wanted], feature[wanted], theme[wanted]
    group = face.astype(np.int64) * 64 + theme
    _, first, counts = np.unique(group, return_inverse=True, return_counts=True)
    test = np.flatnonzero(counts[first] > 1)
    hit = np.ones(len(face), dtype=bool)
    if len(test):
        n_chunks = max(1, min(len(test) // 20_000, 4 * (os.cpu_count() or 1)))
        edges = np.linspace(0, len(test), n_chunks + 1).astype(int)
        spans = list(zip(edges[:-1].tolist(), edges[1:].tolist()))
        parts = parallel_map(_intersects_chunk, spans, {"features": geoms[feature[test]], "faces": faces[face[test]]})
        hit[test] = np.concatenate(parts)
    return sorted_pairs(face[hit], feature[hit])


#: A kommun covered by fewer cells than this gets areas too rough to report without a warning.
_MIN_CELLS_PER_ZONE = 10


def _nice_resolution(resolution_m: float, factor: float) -> float:
    """The next 1-2-5 step at or above ``resolution_m * factor`` (metres)."""
    target = resolution_m * factor
    step = 10.0 ** math.floor(math.log10(target))
    for mult in (1, 2, 5, 10):
        if mult * step >= target:
            return mult * step
    return 10 * step


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:,.0f} GiB" if n_bytes >= 2**30 else f"{n_bytes / 2**20:,.1f} MiB"


def _check_grid_budget(bounds: tuple[float, ...], resolution_m: float, *, extra_bytes_per_cell: float = 0,
                       oversample: int = 1) -> None:
    """Refuse a grid too large to allocate, before numpy tries (and dies with a MemoryError)."""
    from landuse._rasterize import BYTES_PER_CELL, MAX_CELLS, available_memory_bytes, grid_shape

    rows, cols = grid_shape(bounds, resolution_m)  # type: ignore[arg-type]
    cells = rows * cols
    per_cell = BYTES_PER_CELL + extra_bytes_per_cell
    need = cells * per_cell
    available = available_memory_bytes()
    limit = MAX_CELLS if available is None else min(MAX_CELLS, int(available // per_cell))
    if cells > limit:
        coarser = _nice_resolution(resolution_m, math.sqrt(cells / max(limit, 1)))
        memory = f", {_gib(available)} available" if available is not None else ""
        raise InvalidSettingError(
            f"--resolution-m {resolution_m:g} (resolution_m) gives a grid of {rows:,} x {cols:,} = {cells:.3g} cells "
            f"over the kommuner analysed, about {_gib(need)} (limit {limit:.3g} cells{memory}). "
            + (f"Use --oversample 1 (now {oversample} x {oversample} samples per cell), a coarser resolution, "
               if oversample > 1 else "Use a coarser resolution, ")
            + f"e.g. --resolution-m {coarser:g}, or fewer kommuner (--kommun)."
        )


def _check_cells_per_zone(cells: np.ndarray, zones: gpd.GeoDataFrame, bounds: tuple[float, ...],
                          resolution_m: float) -> None:
    """Raise when no cell centre falls inside any kommun; warn for kommuner with only a few cells."""
    extent = f"{(bounds[2] - bounds[0]) / 1000:,.0f} x {(bounds[3] - bounds[1]) / 1000:,.0f} km"
    if not cells.any():
        raise InvalidSettingError(
            f"--resolution-m {resolution_m:g} (resolution_m) leaves no cell inside the kommuner analysed "
            f"(extent {extent}), so every area would be 0. Use a resolution well below the kommuner's size, "
            "e.g. --resolution-m 100."
        )
    few = np.flatnonzero(cells < _MIN_CELLS_PER_ZONE)
    if len(few):
        names = ", ".join(f"{zones['kommun'].iat[z]} ({int(cells[z])})" for z in few[:8])
        names += f" and {len(few) - 8} more" if len(few) > 8 else ""
        finest = float(np.sqrt(shapely.area(np.asarray(zones.geometry.values))[few].min() / _MIN_CELLS_PER_ZONE))
        warnings.warn(
            f"--resolution-m {resolution_m:g} leaves {len(few)} of {len(zones)} kommuner with fewer than "
            f"{_MIN_CELLS_PER_ZONE} cells ({names}): their pair areas are rough or 0. "
            f"Use a finer resolution (at most {_nice_resolution(finest, 0.2):g} m) for figures per kommun.",
            PartialLossWarning, stacklevel=4)


#: Sample points per cell side that the default oversampling tries, best first.
_OVERSAMPLE_CHOICES = (5, 3, 1)


def default_oversample(bounds: tuple[float, float, float, float], resolution_m: float, *,
                       settings: Settings | None = None) -> int:
    """Sample points per cell side raster mode uses when none is given.

    The largest of 5, 3 and 1 for which ``cells * k**2`` stays within
    ``Settings.raster_sample_budget``: a county-sized grid at 100 m gets one sample
    per cell (fast; pair areas within 0.1 % of the exact ones on dense layers), a
    kommun or a coarser grid 3 x 3 or 5 x 5 (small inputs can afford them).

    Parameters
    ----------
    bounds : tuple of float
        (xmin, ymin, xmax, ymax) of the grid in EPSG:3006 metres.
    resolution_m : float
        Cell side in metres.
    settings : Settings, optional
        ``raster_sample_budget``: the most sample points the grid may hold.

    Returns
    -------
    int
        5, 3 or 1 sample points per cell side.

    Examples
    --------
    >>> default_oversample((0, 0, 400_000, 440_000), 100)   # 17.6 million cells, about the county
    1
    >>> default_oversample((0, 0, 400_000, 440_000), 250)   # 2.8 million cells
    3
    >>> default_oversample((0, 0, 700_000, 700_000), 100)   # 49 million cells
    1
    """
    from landuse._rasterize import grid_shape

    rows, cols = grid_shape(bounds, resolution_m)
    budget = resolve(settings).raster_sample_budget
    return next((k for k in _OVERSAMPLE_CHOICES if rows * cols * k * k <= budget), 1)


def _oversample_bytes(n_themes: int, oversample: int) -> float:
    """Extra bytes per cell of oversampling: the packed fine planes (k² bits per cell and theme)
    and one unpacked fine plane (k² bytes per cell) per concurrent worker."""
    if oversample == 1:
        return 0.0
    return n_themes * oversample**2 / 8 + min(n_themes, os.cpu_count() or 1) * oversample**2


def raster_overlay(features: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, themes: list[str], weights: np.ndarray,
            method: ScoreMethod, resolution_m: float, settings: Settings, oversample: int | None = None,
            faces: Faces = Faces.NONE) -> tuple[Any, ...]:
    """Raster mode: theme bit planes on a grid over the kommuner, counted per kommun and theme set.

    Parameters
    ----------
    features : geopandas.GeoDataFrame
        Valid polygons in EPSG:3006 with ``theme``, ``layer``, ``feature_id`` and
        ``schematic`` (:func:`landuse.conflict_inputs.prepare_layers`).
    zones : geopandas.GeoDataFrame
        The kommuner in EPSG:3006 (:func:`landuse.conflict_inputs.prepare_zones`).
    themes : list of str
        The themes present, sorted; a theme's position is its bit.
    weights : numpy.ndarray
        Theme x theme weights in the order of ``themes``.
    method : ScoreMethod
        How a cell and a face are scored (:func:`~landuse.conflict_faces.score_of_masks`).
    resolution_m : float
        Cell side in metres (EPSG:3006).
    settings : Settings
        ``progress`` and ``raster_sample_budget``.
    oversample : int, optional
        Odd sample points per cell side for the areas; default :func:`default_oversample`,
        lowered (with a warning) when memory is short.
    faces : Faces
        Which faces to build from connected cells; ``none`` skips them (the score grid is the map).

    Returns
    -------
    tuple
        ``(zone, mask, area_m2, faces, outside_km2, grid, transform, oversample)``: one
        record per (kommun row, theme bit mask) with its sampled area in m², from which
        :mod:`landuse.conflicts` sums the pair and theme areas; the ``faces`` table
        (:class:`~landuse.conflict_faces.FaceTable`, EPSG:3006; empty for ``none``);
        the km² of interest area outside every kommun; the float32 score grid (-1
        outside the kommuner), its affine transform (EPSG:3006) and the oversampling used.

    Raises
    ------
    InvalidSettingError
        If the grid would not fit in memory, or leaves no cell inside the kommuner.

    Warns
    -----
    PartialLossWarning
        When kommuner hold fewer than 10 cells, or the default oversampling is lowered.
    """
    from landuse._rasterize import rasterize_themes, regions

    geoms = np.asarray(features.geometry.values, dtype=object)
    code = pd.Categorical(features["theme"], categories=themes).codes.astype(np.int64)
    zone_geoms = np.asarray(zones.geometry.values, dtype=object)
    bounds = tuple(shapely.total_bounds(zone_geoms))
    chosen = None
    if oversample is None:
        # the default never refuses a grid that fits with one sample per cell: it takes fewer samples
        chosen = oversample = default_oversample(bounds, resolution_m, settings=settings)  # type: ignore[arg-type]
        while oversample > 1:
            try:
                _check_grid_budget(bounds, resolution_m, extra_bytes_per_cell=_oversample_bytes(len(themes), oversample))
                break
            except InvalidSettingError:
                oversample -= 2
    _check_grid_budget(bounds, resolution_m, extra_bytes_per_cell=_oversample_bytes(len(themes), oversample),
                       oversample=oversample)
    if chosen is not None and oversample < chosen:
        warnings.warn(
            f"raster mode counts {oversample} x {oversample} samples per cell instead of {chosen} x {chosen}: "
            "the memory available now is too small for more, so areas of small pairs are rougher. "
            f"Free memory, or pass --oversample {chosen} to require it.", PartialLossWarning, stacklevel=3)
    with progress_bar(settings, "rasterizing themes") as update:
        planes = rasterize_themes(geoms, code, len(themes), zone_geoms, bounds, resolution_m, on_theme=update,
                                  oversample=oversample)
    n_bits = len(themes)
    counts = planes.counts(len(zones), n_bits)
    _check_cells_per_zone(counts.sum(axis=1) / oversample**2, zones, bounds, resolution_m)
    z_idx, m_idx = np.nonzero(counts)
    area_m2 = counts[z_idx, m_idx] * planes.sample_area_m2
    outside_km2 = float(planes.outside_count() * planes.sample_area_m2 / 1e6)
    lut = score_of_masks(np.arange(1 << n_bits), weights, method)
    score_grid = lut.astype(np.float32)[planes.mask]
    score_grid[planes.zone < 0] = -1.0
    if faces == Faces.NONE:
        empty = face_table(*(np.zeros(0, dtype=np.int64),) * 2, np.zeros(0), np.zeros(0, dtype=bool),
                           np.empty(0, dtype=object), themes, zones, geometry=np.empty(0, dtype=object))
        return z_idx, m_idx, area_m2, empty, outside_km2, score_grid, planes.transform, planes.oversample
    # faces: connected cells with one kommun and one theme set (of at least two themes unless --faces all)
    multi_lut = popcount(np.arange(1 << n_bits)) >= Faces(faces).min_themes
    inside = (planes.zone >= 0) & multi_lut[planes.mask]
    key = (planes.zone.astype(np.int32) * (1 << n_bits) + planes.mask.astype(np.int32))
    face_geoms, keys = regions(key, inside, planes.transform)
    f_zone, f_mask = keys >> n_bits, keys & ((1 << n_bits) - 1)
    # covering features: those intersecting the face whose theme the face holds
    if len(face_geoms):
        fi, gj = raster_face_features(face_geoms, f_mask, geoms, code)
    else:
        fi = gj = np.zeros(0, dtype=np.int64)
    labels = (features["layer"].astype(str) + ":" + features["feature_id"].astype(str)).to_numpy(dtype=object)
    schem = features["schematic"].to_numpy(dtype=bool)
    face_schematic = np.zeros(len(face_geoms), dtype=bool)
    face_schematic[fi[schem[gj]]] = True
    faces = face_table(f_zone, f_mask, lut[f_mask] if len(f_mask) else np.zeros(0), face_schematic,
                       join_labels(fi, labels[gj], len(face_geoms)), themes, zones, geometry=face_geoms)
    return z_idx, m_idx, area_m2, faces, outside_km2, score_grid, planes.transform, planes.oversample
