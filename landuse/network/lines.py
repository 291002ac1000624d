"""Car networks from road line layers with a speed column (Trafikverket NVDB, Pipos vägnät)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from landuse.errors import ColumnNotFoundError, EmptyLayerError, GeometryTypeError, MissingCRSError, PartialLossWarning
from landuse.network.graph import RoadNetwork, network_from_edges
from landuse.settings import WORK_CRS

__all__ = ["find_column", "network_from_lines"]

#: Line-layer one-way codes: forward = in digitising direction, reverse = against it.
_LINE_FORWARD = {"1", "yes", "true", "y", "ft", "forward", "med"}
_LINE_REVERSE = {"-1", "tf", "reverse", "backward", "mot"}


def find_column(columns: list[str], wanted: str) -> str | None:
    """``wanted`` among ``columns``, matched exactly, else case-insensitively.

    Parameters
    ----------
    columns : list of str
        The columns of a layer.
    wanted : str
        The column asked for.

    Returns
    -------
    str or None
        The column's real name; None when absent.
    """
    if wanted in columns:
        return wanted
    lowered = {c.lower(): c for c in columns}
    return lowered.get(wanted.lower())


def _parse_oneway(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    text = values.astype(object).map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    text = text.str.strip().str.lower().str.replace(r"\.0$", "", regex=True)
    fwd_only = text.isin(_LINE_FORWARD).to_numpy()
    bwd_only = text.isin(_LINE_REVERSE).to_numpy()
    return ~bwd_only, ~fwd_only


def network_from_lines(
    path: str | Path,
    *,
    speed_column: str = "speed_kph",
    oneway_column: str | None = None,
    layer: str | None = None,
    snap_tolerance_m: float = 1.0,
    source_crs: str | None = None,
) -> RoadNetwork:
    """Read a car network from a road line layer (Trafikverket NVDB, Pipos vägnät).

    Parameters
    ----------
    path : str or Path
        GeoPackage, Shapefile, GeoJSON ... of LineStrings (MultiLineStrings are split
        into parts).  Any CRS; reprojected to EPSG:3006.
    speed_column : str
        Column with the speed in km/h (matched case-insensitively), e.g. NVDB's
        posted speed field.
    oneway_column : str, optional
        Column telling one-way lines: ``1``/``yes``/``true``/``FT``/``forward`` = only in
        digitising direction, ``-1``/``TF``/``reverse`` = only against it, anything else
        both ways.  Without it every line is two-way.
    layer : str, optional
        Layer inside a multi-layer file.
    snap_tolerance_m : float
        Line end points closer than this (metres) become one node.
    source_crs : str, optional
        CRS to assume when the file declares none.

    Returns
    -------
    RoadNetwork
        Nodes at the (snapped) line end points, EPSG:3006; edge time = line length /
        speed.  When a ``networkGrp`` column exists only ``networkGrp == 0`` lines
        (Pipos' main network; -1 loose roads and > 0 islands) are kept.

    Raises
    ------
    InputFileNotFoundError, UnreadableFileError, MissingCRSError, ColumnNotFoundError,
    GeometryTypeError, EmptyLayerError

    Notes
    -----
    Lines are joined only at their end points, as NVDB and Pipos split roads at
    junctions; a line crossing another without a shared end point (a bridge) stays
    unconnected.  Lines with a missing or non-positive speed are left out with a
    :class:`~landuse.errors.PartialLossWarning`.
    """
    import shapely
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    from landuse._readers import parse_crs, read_vector

    path = Path(path)
    frame = read_vector(path, layer=layer)
    not_lines = sorted(set(frame.geom_type.dropna()) - {"LineString", "MultiLineString"})
    if not_lines:
        raise GeometryTypeError(
            f"`{path.name}` holds {', '.join(not_lines)} geometries; a road network needs lines (road centre lines "
            "from NVDB, Pipos or OpenStreetMap)."
        )
    if frame.crs is None:
        if source_crs is None:
            raise MissingCRSError(
                f"`{path.name}` has no CRS. Pass source_crs (e.g. 'EPSG:3006' for SWEREF 99 TM) or fix the file."
            )
        frame = frame.set_crs(parse_crs(source_crs))
    columns = [c for c in frame.columns if c != frame.geometry.name]
    problems = []
    speed_col = find_column(columns, speed_column)
    if speed_col is None:
        problems.append(f"no speed column {speed_column!r}")
    oneway_col = None
    if oneway_column is not None:
        oneway_col = find_column(columns, oneway_column)
        if oneway_col is None:
            problems.append(f"no one-way column {oneway_column!r}")
    if problems:
        raise ColumnNotFoundError(
            f"`{path.name}`: {' and '.join(problems)}. Columns found: {', '.join(columns)}. "
            "Pass --speed-column / --oneway-column with one of them."
        )
    group_col = find_column(columns, "networkGrp")
    if group_col is not None:
        group = pd.to_numeric(frame[group_col], errors="coerce")
        frame = frame[group == 0]
    frame = frame.to_crs(WORK_CRS).explode(index_parts=False)
    frame = frame[~frame.geometry.is_empty & frame.geometry.notna()]
    kinds = set(frame.geom_type)
    if kinds - {"LineString"}:
        raise GeometryTypeError(
            f"`{path.name}` holds {', '.join(sorted(kinds - {'LineString'}))} geometries; a road network needs lines."
        )
    if len(frame) == 0:
        extra = " with networkGrp == 0" if group_col is not None else ""
        raise EmptyLayerError(f"`{path.name}` holds no road lines{extra}.")
    speed = pd.to_numeric(frame[speed_col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(speed) | (speed <= 0)
    if bad.all():
        raise EmptyLayerError(f"`{path.name}`: column {speed_col!r} holds no positive speed. Pass another --speed-column.")
    if bad.any():
        warnings.warn(
            f"{int(bad.sum())} of {len(frame)} lines in `{path.name}` have no positive {speed_col!r} and were left out.",
            PartialLossWarning, stacklevel=2,
        )
    frame = frame[~bad]
    speed = speed[~bad]
    geoms = frame.geometry.to_numpy()
    start = shapely.get_coordinates(shapely.get_point(geoms, 0))
    end = shapely.get_coordinates(shapely.get_point(geoms, -1))
    length_m = shapely.length(geoms)
    ends = np.vstack([start, end])
    pairs = cKDTree(ends).query_pairs(r=snap_tolerance_m, output_type="ndarray")
    m = ends.shape[0]
    link = sparse.coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m)) if len(pairs) else \
        sparse.coo_array((m, m))
    _, label = connected_components(link, directed=False)
    count = np.bincount(label)
    x_m = np.bincount(label, weights=ends[:, 0]) / count
    y_m = np.bincount(label, weights=ends[:, 1]) / count
    k = len(frame)
    a, b = label[:k], label[k:]
    minutes = length_m / 1000.0 / speed * 60.0
    if oneway_col is not None:
        fwd, bwd = _parse_oneway(frame[oneway_col])
    else:
        fwd = bwd = np.ones(k, dtype=bool)
    u = np.concatenate([a[fwd], b[bwd]])
    v = np.concatenate([b[fwd], a[bwd]])
    t = np.concatenate([minutes[fwd], minutes[bwd]])
    grp = " (networkGrp 0)" if group_col is not None else ""
    return network_from_edges(x_m, y_m, u, v, t, source=f"road lines {path.name}{grp}")
