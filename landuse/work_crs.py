"""Bring a frame into SWEREF 99 TM (EPSG:3006), refusing a CRS that cannot be right.

One rule for every vector file landuse reads (the layer loader, the ÖP plans of
op-check): a file without a CRS needs ``--source-crs``; a declared CRS is never
overridden (the fix is in the file); and coordinates that land outside Sweden, or
do not exist in the declared CRS, are refused with the numbers that show it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

from landuse.errors import CRSMismatchError, MissingCRSError
from landuse.settings import WORK_CRS, Settings

__all__ = ["to_work_crs"]


def to_work_crs(frame: gpd.GeoDataFrame, source_crs: CRS | None, display: str, settings: Settings) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:3006, after checking that its CRS is known and plausible for Sweden.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        As read, in the file's CRS (None when the file declares none).
    source_crs : pyproj.CRS, optional
        The CRS to assume when the file declares none (``--source-crs``).
    display : str
        The file's name, for the messages.
    settings : Settings
        ``sweden_bounds_m``: the box (EPSG:3006, metres) the data must lie in.

    Returns
    -------
    geopandas.GeoDataFrame
        Reprojected to EPSG:3006.

    Raises
    ------
    MissingCRSError
        No CRS in the file and no ``source_crs``.
    CRSMismatchError
        The coordinates cannot be reprojected, or land outside Sweden: the message
        says whether the file declared the CRS (fix the file) or ``source_crs`` did.
    """
    declared_by_file = frame.crs is not None
    if frame.crs is None:
        if source_crs is None:
            raise MissingCRSError(
                f"`{display}` has no CRS. Set it with --source-crs EPSG:3006 (or the CRS it was made in) or fix the file."
            )
        frame = frame.set_crs(source_crs)
    declared, as_read = frame.crs, frame
    try:
        frame = frame.to_crs(WORK_CRS)
    except Exception as err:  # noqa: BLE001 - pyproj raises several types
        raise CRSMismatchError(
            f"`{display}` cannot be reprojected from {declared.to_string()} to {WORK_CRS} ({err}). Fix the file's CRS."
        ) from err
    xmin, ymin, xmax, ymax = settings.sweden_bounds_m
    bounds = frame.total_bounds
    finite = np.all(np.isfinite(bounds))
    if not finite or bounds[0] < xmin or bounds[1] < ymin or bounds[2] > xmax or bounds[3] > ymax:
        # coordinates that do not exist in the declared CRS reproject to inf: show them as they are in the file
        where = (f"bounds in {WORK_CRS}: {np.round(bounds).tolist()}" if finite else
                 f"its bounds, {np.round(as_read.total_bounds, 6).tolist()}, are no coordinates of that CRS")
        raise CRSMismatchError(
            f"`{display}` lies outside Sweden when read as {declared.to_string()} "
            f"({where}): the CRS is probably wrong. "
            + ("The file itself declares that CRS (--source-crs only fills in a missing one): set the right CRS "
               "in the file, e.g. in QGIS with Layer CRS > Set layer CRS, then export it."
               if declared_by_file else "Pass the CRS the coordinates are in with --source-crs.")
        )
    return frame
