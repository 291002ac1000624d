"""Which geometries are valid: GEOS's validity check, split over threads for large inputs.

Private plumbing of the layer loader and the engines' input checks.  Shapely 2
releases the GIL inside GEOS, so plain threads share the work without copying
the geometries.  Shapely geometries are immutable, so a geometry found valid
stays valid: it is remembered (by identity, through a weak reference) and not
checked again when the same objects reach a second check, as layers loaded by
:func:`landuse.layers.load_layer` do in the engines' input checks.
"""

from __future__ import annotations

import math
import os
import weakref
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

__all__ = ["valid_mask"]

#: Below this many vertices one thread checks everything (starting threads would cost more).
THREAD_MIN_VERTICES = 100_000
#: Geometries found valid, by ``id``; an entry goes when its geometry is garbage-collected.
_KNOWN_VALID: dict[int, weakref.KeyedRef] = {}


def _forget(ref: weakref.KeyedRef) -> None:
    _KNOWN_VALID.pop(ref.key, None)


def _known_valid(geoms: np.ndarray) -> np.ndarray:
    """True where the geometry object itself was found valid before."""
    known = _KNOWN_VALID
    return np.fromiter(((ref := known.get(id(g))) is not None and ref() is g for g in geoms.tolist()),
                       dtype=bool, count=len(geoms))


def _remember(geoms: np.ndarray) -> None:
    for g in geoms.tolist():
        key = id(g)
        # the callback runs when g is freed, before its id can be reused; one shared callback and the key
        # on the reference (a closure per geometry cost 0.025 s for 20 000 of them)
        _KNOWN_VALID[key] = weakref.KeyedRef(g, _forget, key)


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
        True where the geometry is valid (OGC rules, GEOS).  Geometry objects
        found valid by an earlier call are not checked again.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = _known_valid(geoms)
    todo = np.flatnonzero(~out)
    if len(todo):
        checked = _is_valid(geoms[todo], workers)
        out[todo] = checked
        _remember(geoms[todo[checked]])
    return out


def _is_valid(geoms: np.ndarray, workers: int | None) -> np.ndarray:
    workers = max(1, workers or os.cpu_count() or 1)
    if workers == 1 or len(geoms) < 2 or int(shapely.get_num_coordinates(geoms).sum()) < THREAD_MIN_VERTICES:
        return shapely.is_valid(geoms)
    n_chunks = min(len(geoms), workers * 4)
    edges = np.linspace(0, len(geoms), n_chunks + 1).astype(int)
    spans = list(zip(edges[:-1].tolist(), edges[1:].tolist()))
    with ThreadPoolExecutor(max_workers=min(workers, math.ceil(n_chunks / 2))) as pool:
        parts = list(pool.map(lambda span: shapely.is_valid(geoms[span[0]:span[1]]), spans))
    return np.concatenate(parts)
