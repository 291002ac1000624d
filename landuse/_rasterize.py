"""Raster mode of the målkonflikt engine: one bit plane per theme, pair areas from bit counts.

Private plumbing of :mod:`landuse.conflicts`.  A cell belongs to a theme when its
centre lies inside one of the theme's features (GDAL's rasterize rule), so areas
are unbiased estimates whose error shrinks with the cell size.  With ``oversample=k``
the areas come from k x k sample points per cell instead (a k times finer grid,
walked in strips), while the mask, the faces and the score grid stay at the cell size.
"""

from __future__ import annotations

import math
import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import rasterio
import rasterio.features
import shapely
from affine import Affine
from rasterio.errors import NotGeoreferencedWarning

from landuse._io import atomic_path
from landuse._overlay import merge_seams
from landuse._parallel import parallel_map

__all__ = ["BitPlanes", "rasterize_themes", "write_score_tif", "geojson_polygons", "polygons_from_shapes", "regions",
           "grid_shape", "available_memory_bytes", "MAX_CELLS", "BYTES_PER_CELL"]

#: Rows per strip when cells are counted per (zone, mask) (a strip's keys fit the CPU cache).
COUNT_STRIP_ROWS = 256
#: Largest grid (rows x cols) raster mode will allocate, whatever the memory.
MAX_CELLS = 2_000_000_000
#: Peak bytes per grid cell: uint16 mask, int16 zone, uint8 planes in the workers, float32 score,
#: int32 face keys, bool masks and the int64 keys of the counts.  Peak RSS of the demo run grows
#: by 16 B per cell from 100 m to 50 m; 24 leaves room for more themes and workers.
BYTES_PER_CELL = 24


@dataclass
class BitPlanes:
    """Themes and zones rasterized on one grid.

    Attributes
    ----------
    mask : numpy.ndarray of uint16, shape (rows, cols)
        Bit ``t`` is set where theme ``t`` covers the cell centre.
    zone : numpy.ndarray of int16, shape (rows, cols)
        Zone index of each cell, ``-1`` outside every zone.
    transform : affine.Affine
        Grid to EPSG:3006 metres.
    resolution_m : float
        Cell side in metres.
    """

    mask: np.ndarray
    zone: np.ndarray
    transform: Affine
    resolution_m: float
    #: Sample points per cell side used for the counts (1: the cell centre only).
    oversample: int = 1
    #: (zone + 1, mask) counts of the samples, row 0 outside every zone; with one sample per cell filled by
    #: the first :meth:`counts` call.
    sample_counts: np.ndarray | None = None

    @property
    def cell_area_m2(self) -> float:
        return self.resolution_m * self.resolution_m

    @property
    def sample_area_m2(self) -> float:
        """Area one counted sample stands for: the cell area over ``oversample**2``."""
        return self.cell_area_m2 / (self.oversample * self.oversample)

    def counts(self, n_zones: int, n_bits: int) -> np.ndarray:
        """Samples per (zone, mask) as an array of shape (n_zones, 2**n_bits); outside samples dropped.

        One sample per cell (its centre), or ``oversample**2`` per cell; multiply by
        :attr:`sample_area_m2` for areas.
        """
        n_masks = 1 << n_bits
        if self.sample_counts is None:
            # row 0 of the table holds the cells outside every zone (zone -1); counted in strips of
            # rows whose keys stay in the CPU cache, 2-4 times faster than one pass over the grid
            size = (n_zones + 1) * n_masks
            table = np.zeros(size, dtype=np.int64)
            for top in range(0, self.zone.shape[0], COUNT_STRIP_ROWS):
                key = self.zone[top:top + COUNT_STRIP_ROWS].astype(np.intp)
                key += 1
                key *= n_masks
                key += self.mask[top:top + COUNT_STRIP_ROWS]
                table += np.bincount(key.ravel(), minlength=size)
            self.sample_counts = table.reshape(n_zones + 1, n_masks)
        return self.sample_counts[1:n_zones + 1, :n_masks]

    def outside_count(self) -> int:
        """Samples outside every zone covered by at least one theme."""
        if self.sample_counts is not None:
            return int(self.sample_counts[0, 1:].sum())
        return int(((self.zone < 0) & (self.mask > 0)).sum())


def geojson_polygons(geoms: np.ndarray) -> list[dict]:
    """GeoJSON-like dicts of (Multi)Polygons, built ring by ring from numpy coordinates.

    rasterio reads shapes through ``__geo_interface__``, which walks every coordinate
    in Python; converting all coordinates with one ``tolist`` and slicing that list
    per ring is several times faster.  Run it with the cyclic GC paused (the caller
    does) for large inputs.
    """
    parts = shapely.get_parts(geoms)
    parts = parts[shapely.get_type_id(parts) == 3]
    if len(parts) == 0:
        return []
    rings, owner = shapely.get_rings(parts, return_index=True)
    coords = shapely.get_coordinates(rings).tolist()
    ends = np.cumsum(shapely.get_num_coordinates(rings)).tolist()
    out: list[list] = [[] for _ in range(len(parts))]
    start = 0
    for p, end in zip(owner.tolist(), ends):
        out[p].append(coords[start:end])
        start = end
    return [{"type": "Polygon", "coordinates": r} for r in out]


def _ragged_from_shapes(shapes: list[tuple[dict, float]]) -> tuple[np.ndarray, ...]:
    """Flat coordinates, ring offsets, polygon offsets and values of ``rasterio.features.shapes`` output."""
    rings: list = []
    rings_per_polygon = []
    for geom, _ in shapes:
        coords = geom["coordinates"]
        rings_per_polygon.append(len(coords))
        rings.extend(coords)
    lengths = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    flat = np.array([xy for ring in rings for xy in ring], dtype=np.float64).reshape(-1, 2)
    ring_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    polygon_offsets = np.concatenate([[0], np.cumsum(rings_per_polygon)]).astype(np.int64)
    values = np.array([v for _, v in shapes], dtype=np.int64)
    return flat, ring_offsets, polygon_offsets, values


def polygons_from_shapes(shapes: list[tuple[dict, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Shapely polygons and values from ``rasterio.features.shapes`` output, built in one vectorised call."""
    if not shapes:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    flat, ring_offsets, polygon_offsets, values = _ragged_from_shapes(shapes)
    polygons = shapely.from_ragged_array(shapely.GeometryType.POLYGON, flat, (ring_offsets, polygon_offsets))
    return polygons, values


@contextmanager
def _quiet_rasterio() -> Iterator[None]:
    """Silence rasterio's NotGeoreferencedWarning around a parallel_map call.

    rasterio wraps plain arrays in in-memory datasets without a transform and warns
    each time.  The filter is set in the calling thread because the warnings state
    is process-wide and not safe to change from the worker threads.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        yield


def _strip_shapes(shared: dict, rows: tuple[int, int]) -> tuple[np.ndarray, ...]:
    top, bottom = rows
    transform = shared["transform"] @ Affine.translation(0, top)
    shapes = list(rasterio.features.shapes(shared["key"][top:bottom], mask=shared["inside"][top:bottom],
                                           transform=transform, connectivity=4))
    if not shapes:
        empty = np.zeros(1, dtype=np.int64)
        return np.empty((0, 2)), empty, empty, np.empty(0, dtype=np.int64)
    return _ragged_from_shapes(shapes)


def regions(key: np.ndarray, inside: np.ndarray, transform: Affine, *,
            strip_cells: int = 4_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Polygons of 4-connected cells with one ``key`` value where ``inside``, and their values.

    Large grids are cut into horizontal strips traced as dask tasks; regions
    cut by a strip edge are joined again.
    """
    rows, cols = key.shape
    n_strips = max(1, math.ceil(rows * cols / strip_cells))
    edges = np.linspace(0, rows, n_strips + 1).astype(int)
    spans = [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]
    with _quiet_rasterio():
        # forked workers: rasterio's tracing and the GeoJSON-to-array glue hold the GIL
        parts = parallel_map(_strip_shapes, spans, {"key": key, "inside": inside, "transform": transform},
                             processes=True)
    polygons, values = [], []
    for flat, ring_offsets, polygon_offsets, vals in parts:
        if len(vals):
            polygons.append(shapely.from_ragged_array(shapely.GeometryType.POLYGON, flat,
                                                      (ring_offsets, polygon_offsets)))
            values.append(vals)
    if not polygons:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    polys, vals = np.concatenate(polygons), np.concatenate(values)
    if len(spans) > 1:
        # join regions that a strip edge cut: same value, touching across the edge
        cuts = np.array([(transform @ (0, top))[1] for top, _ in spans[1:]])
        bounds = shapely.bounds(polys)
        tol = 1e-6 * abs(transform.e)
        near = np.abs(bounds[:, [1, 3], None] - cuts[None, None, :]) <= tol
        polys, source, _ = merge_seams(polys, vals, near.any(axis=(1, 2)))
        vals = vals[source]
    return polys, vals


def _theme_cells(shared: dict, theme: int) -> np.ndarray:
    """Cells (uint8 0/1) whose centre lies in one of the theme's features."""
    plane = np.zeros(shared["shape"], dtype=np.uint8)
    sel = shared["geoms"][shared["theme_code"] == theme]
    rasterio.features.rasterize(((g, 1) for g in geojson_polygons(sel)), out=plane, transform=shared["transform"],
                                fill=0, all_touched=False, dtype=np.uint8)
    return plane


def _theme_plane(shared: dict, theme: int) -> np.ndarray:
    """Bit plane (packed, 1 bit per cell) of one theme."""
    return np.packbits(_theme_cells(shared, theme), axis=None)  # 8x smaller to send back from a worker


def _theme_plane_rows(shared: dict, theme: int) -> np.ndarray:
    """Like :func:`_theme_plane`, packed per row so that row ranges can be unpacked on their own."""
    return np.packbits(_theme_cells(shared, theme), axis=1)


def _sample_strip(shared: dict, rows: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """Counts of the k x k samples of coarse rows ``[top, bottom)`` and the strip's centre samples.

    Returns the non-zero (zone + 1, mask) keys and their counts (sparse: with 16
    themes a dense table per strip would be 9 MB), and the coarse mask and zone rows.
    """
    top, bottom = rows
    k, f_cols, n_masks = shared["k"], shared["f_cols"], shared["n_masks"]
    f_top, f_bottom = top * k, bottom * k
    m = np.zeros((f_bottom - f_top, f_cols), dtype=np.uint16)
    for t, plane in zip(shared["themes"], shared["planes"]):
        m |= np.unpackbits(plane[f_top:f_bottom], axis=1, count=f_cols).astype(np.uint16) << np.uint16(t)
    if shared["zone_shapes"] is None:
        z = np.zeros(m.shape, dtype=np.int16)
    elif not shared["zone_shapes"]:
        z = np.full(m.shape, -1, dtype=np.int16)
    else:
        z = rasterio.features.rasterize(shared["zone_shapes"], out_shape=m.shape,
                                        transform=shared["transform"] @ Affine.translation(0, f_top), fill=-1,
                                        all_touched=False, dtype=np.int16)
    key = (z.astype(np.int64).ravel() + 1) * n_masks + m.ravel()
    counts = np.bincount(key)
    nonzero = np.flatnonzero(counts)
    c = k // 2  # the centre sample of an odd k lies on the cell centre
    return nonzero, counts[nonzero], m[c::k, c::k], z[c::k, c::k]


def _oversampled(geoms: np.ndarray, theme_code: np.ndarray, themes: list[int], zones: np.ndarray | None,
                 transform: Affine, rows: int, cols: int, k: int, n_bits: int,
                 on_theme: Callable[[int, int], None] | None, strip_cells: int = 8_000_000,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coarse mask and zone (centre samples) and (zone + 1, mask) counts of k x k samples per cell.

    The fine grid is walked in strips of whole coarse rows, as tasks on forked
    workers, so that only the packed theme planes (1 bit per sample) are held at
    the fine resolution.
    """
    fine = transform @ Affine.scale(1.0 / k)
    f_rows, f_cols = rows * k, cols * k
    shared = {"geoms": geoms, "theme_code": theme_code, "transform": fine, "shape": (f_rows, f_cols)}
    with _quiet_rasterio():
        planes = parallel_map(_theme_plane_rows, themes, shared, processes=True, on_done=on_theme)
    n_masks = 1 << n_bits
    n_zones = len(zones) if zones is not None else 1
    # every worker holds one strip at a time: the budget of strip_cells samples is shared between them
    step = max(1, strip_cells // max(1, os.cpu_count() or 1) // max(1, f_cols * k))  # coarse rows per strip
    spans = [(top, min(rows, top + step)) for top in range(0, rows, step)]
    strip_inputs = {"planes": planes, "themes": themes, "k": k, "f_cols": f_cols, "n_masks": n_masks,
                    "transform": fine, "zone_shapes": _geojson_each(zones) if zones is not None else None}
    with _quiet_rasterio():
        strips = parallel_map(_sample_strip, spans, strip_inputs, processes=True)
    counts = np.zeros((n_zones + 1) * n_masks, dtype=np.int64)
    mask = np.zeros((rows, cols), dtype=np.uint16)
    zone = np.zeros((rows, cols), dtype=np.int16)
    for (top, bottom), (keys, values, m, z) in zip(spans, strips):
        np.add.at(counts, keys, values)
        mask[top:bottom] = m
        zone[top:bottom] = z
    return mask, zone, counts.reshape(n_zones + 1, n_masks)


def _geojson_each(geoms: np.ndarray) -> list[tuple[dict, int]]:
    """(GeoJSON-like MultiPolygon, index) of each input geometry with polygons, so zones keep their index."""
    out = []
    for i, g in enumerate(geoms):
        parts = geojson_polygons(np.asarray([g], dtype=object))
        if parts:
            out.append(({"type": "MultiPolygon", "coordinates": [p["coordinates"] for p in parts]}, i))
    return out


def _grid(bounds: tuple[float, float, float, float], resolution_m: float) -> tuple[Affine, int, int]:
    # snap the grid to multiples of the resolution so runs line up with each other
    xmin = math.floor(bounds[0] / resolution_m) * resolution_m
    ymax = math.ceil(bounds[3] / resolution_m) * resolution_m
    cols = max(1, math.ceil((bounds[2] - xmin) / resolution_m))
    rows = max(1, math.ceil((ymax - bounds[1]) / resolution_m))
    return Affine(resolution_m, 0.0, xmin, 0.0, -resolution_m, ymax), rows, cols


def grid_shape(bounds: tuple[float, float, float, float], resolution_m: float) -> tuple[int, int]:
    """(rows, cols) of the grid :func:`rasterize_themes` builds over ``bounds``, without allocating it."""
    _, rows, cols = _grid(bounds, resolution_m)
    return rows, cols


def available_memory_bytes() -> int | None:
    """Memory available to this process now, in bytes; None when it cannot be told.

    ``MemAvailable`` of ``/proc/meminfo`` where there is one (Linux: the kernel's estimate
    of what can be used without swapping, page cache included); elsewhere the free
    physical pages of ``os.sysconf``, which leave the cache out.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the kernel's "kB" are KiB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def rasterize_themes(geoms: np.ndarray, theme_code: np.ndarray, n_themes: int, zones: np.ndarray | None,
                     bounds: tuple[float, float, float, float], resolution_m: float,
                     on_theme: Callable[[int, int], None] | None = None, *, oversample: int = 1) -> BitPlanes:
    """Rasterize each theme into one bit of a uint16 mask.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometry
        Polygons in EPSG:3006 metres.
    theme_code : numpy.ndarray of int
        Bit index (0..15) of each geometry's theme.
    n_themes : int
        Number of themes (at most 16).
    zones : numpy.ndarray of shapely geometry, optional
        Zone polygons (kommuner); cells outside every zone get zone ``-1``.
        Without zones every cell is zone 0.
    bounds : tuple of float
        (xmin, ymin, xmax, ymax) in metres of the grid.
    resolution_m : float
        Cell side in metres.
    on_theme : callable, optional
        Progress callback ``on_theme(done, total)``.
    oversample : int
        Odd number k of sample points per cell side: counts come from k x k samples
        per cell (areas ``count * (resolution_m / k)**2``), while ``mask`` and ``zone``
        stay at ``resolution_m`` and equal the k = 1 grids (the centre sample is the
        cell centre).

    Returns
    -------
    BitPlanes
    """
    transform, rows, cols = _grid(bounds, resolution_m)
    if oversample != 1:
        if oversample < 1 or oversample % 2 == 0:
            raise ValueError(f"oversample={oversample!r} must be an odd positive integer")
        themes = [t for t in range(n_themes) if (theme_code == t).any()]
        mask, zone, counts = _oversampled(geoms, theme_code, themes, zones, transform, rows, cols, oversample,
                                          n_themes, on_theme)
        return BitPlanes(mask=mask, zone=zone, transform=transform, resolution_m=float(resolution_m),
                         oversample=oversample, sample_counts=counts)
    # up to 8 themes fit a byte per cell: half the memory and passes of uint16
    mask = np.zeros((rows, cols), dtype=np.uint8 if n_themes <= 8 else np.uint16)
    shared = {"geoms": geoms, "theme_code": theme_code, "transform": transform, "shape": (rows, cols)}
    themes = [t for t in range(n_themes) if (theme_code == t).any()]
    # one theme per task
    with _quiet_rasterio():
        planes = parallel_map(_theme_plane, themes, shared, processes=True, on_done=on_theme)
    for t, plane in zip(themes, planes):
        bits = np.unpackbits(plane, count=rows * cols).reshape(rows, cols)
        mask |= (bits << np.uint8(t)) if mask.dtype == np.uint8 else (bits.astype(np.uint16) << np.uint16(t))
    if zones is None:
        zone = np.zeros((rows, cols), dtype=np.int16)
    else:
        zone = rasterio.features.rasterize(((g, i) for i, g in enumerate(zones)), out_shape=(rows, cols),
                                           transform=transform, fill=-1, all_touched=False, dtype=np.int16)
    return BitPlanes(mask=mask, zone=zone, transform=transform, resolution_m=float(resolution_m))


def write_score_tif(score: np.ndarray, transform: Affine, path: str | Path, *, crs: str = "EPSG:3006",
                    nodata: float = -1.0) -> Path:
    """Write a float32 score grid as a tiled, deflate-compressed GeoTIFF, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", driver="GTiff", height=score.shape[0], width=score.shape[1], count=1,
                           dtype="float32", crs=crs, transform=transform, nodata=nodata, compress="deflate",
                           tiled=True, blockxsize=256, blockysize=256) as dst:
            dst.write(score.astype(np.float32), 1)
            dst.set_band_description(1, "malkonflikt score")
    return path
