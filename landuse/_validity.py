"""Which geometries are valid: GEOS's validity check, split over threads for large inputs.

Private plumbing of the layer loader and the engines' input checks.  Shapely 2
releases the GIL inside GEOS, so plain threads share the work without copying
the geometries.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

__all__ = ["valid_mask"]

#: Below this many vertices one thread checks everything (starting threads would cost more).
THREAD_MIN_VERTICES = 100_000


def valid_mask(geoms: np.ndarray, *, workers: int | None = None) -> np.ndarray:
    """``shapely.is_valid`` of each geometry, on several threads when the input is large.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometry
        Geometries to check (missing ones count as not valid, as in shapely).
    workers : int, optional
        Threads to use; default the CPU count.

    Returns
    -------
    numpy.ndarray of bool
        True where the geometry is valid (OGC rules, GEOS).
    """
    geoms = np.asarray(geoms, dtype=object)
    workers = max(1, workers or os.cpu_count() or 1)
    if workers == 1 or len(geoms) < 2 or int(shapely.get_num_coordinates(geoms).sum()) < THREAD_MIN_VERTICES:
        return shapely.is_valid(geoms)
    n_chunks = min(len(geoms), workers * 4)
    edges = np.linspace(0, len(geoms), n_chunks + 1).astype(int)
    spans = list(zip(edges[:-1].tolist(), edges[1:].tolist()))
    with ThreadPoolExecutor(max_workers=min(workers, math.ceil(n_chunks / 2))) as pool:
        parts = list(pool.map(lambda span: shapely.is_valid(geoms[span[0]:span[1]]), spans))
    return np.concatenate(parts)
