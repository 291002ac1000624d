"""Car networks from Lantmäteriet's Topografi 250 main roads (the embedded default), speeds by road class."""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from landuse.errors import ColumnNotFoundError, EmptyLayerError, GeometryTypeError, MissingCRSError, NetworkError, \
    PartialLossWarning
from landuse.network.graph import RoadNetwork, network_from_edges
from landuse.network.lines import find_column
from landuse.outputs import MAIN_ROAD_SOURCE
from landuse.settings import WORK_CRS, Settings, resolve

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["DEFAULT_ROAD_NETWORK", "MAIN_ROAD_LAYER", "MAIN_ROAD_SOURCE", "MAIN_ROAD_LIMITS", "MAIN_ROAD_SPEED_KPH",
           "MAIN_ROAD_SNAP_M", "NODE_MERGE_M", "network_from_main_roads", "is_main_road_file"]

#: The embedded main-road network, relative to ``Settings.data_dir`` (see ``landuse/data/README.md``).
DEFAULT_ROAD_NETWORK = "vagar/huvudvagar_topografi250_norrbotten.gpkg"
#: Layer of the road lines in a Topografi 250 road file.
MAIN_ROAD_LAYER = "vaglinje"
# MAIN_ROAD_SOURCE (imported above): the source label of a network built by :func:`network_from_main_roads`;
# its limits follow after "; ".
MAIN_ROAD_LIMITS = "main roads only (motorväg, motortrafikled, mötesfri väg, landsväg)"

#: Free-flow speed in km/h of each Topografi 250 road class (column ``klass``): the typical
#: posted limit on such a road in Sweden, not a measured speed.
#:
#: * The law: outside built-up areas the base limit (bashastighet) is 70 km/h and
#:   Trafikverket prescribes higher limits on state roads (Trafikförordningen 1998:1276,
#:   3 kap 17 §; SFS 2008:46 introduced the system of limits from 30 to 120 km/h in steps
#:   of 10); motorway limits are in 9 kap 1 §.
#: * Trafikverket's practice since 2008 (anpassade hastighetsgränser): motorways are
#:   normally 110 (120 only on a few with very high standard and moderate traffic);
#:   motortrafikleder and mötesfria vägar (2+1, 2+2 or 1+1 with a median barrier) normally
#:   100; roads without a median barrier are lowered to 80, the highest speed at which two
#:   cars survive a head-on collision, while some quiet stretches keep 90 and village
#:   passages have 50-70.  80 is taken as the typical landsväg limit.
#:
#: These are posted limits at free flow: junctions, villages, winter roads and heavy
#: traffic make real trips slower; ``Settings.speed_factor`` (e.g. 1.3) covers that.
MAIN_ROAD_SPEED_KPH: dict[str, float] = {
    "motorvag": 110.0,
    "motortrafikled": 100.0,
    "motesfri": 100.0,
    "landsvag": 80.0,
}
#: Spellings of the classes found in Lantmäteriet's own attributes, folded to the keys above.
_MAIN_ROAD_ALIASES = {"motorväg": "motorvag", "mötesfri väg": "motesfri", "motesfri vag": "motesfri",
                      "mötesfri": "motesfri", "landsväg": "landsvag"}
#: Default snap tolerance (metres) for Topografi 250 line ends.  The embedded file has 25
#: dangling ends within 20 m of another road and exactly one between 20 and 50 m: E10 at
#: Morjärv, 42 m from road 356, where Töre-Morjärv meets Morjärv-Gällivare; with 20 m that
#: junction is lost and Kalix-Överkalix doubles (134 instead of 74 km).  The next gaps
#: are 147 m and more, and are real ends (the Finnish border at Karesuando, streets in
#: Haparanda) or roads this extract does not hold.
MAIN_ROAD_SNAP_M = 50.0
#: Line ends closer than this (metres) after noding are one node (rounding, not road geometry).
NODE_MERGE_M = 0.5


def _fold_klass(value: Any) -> str:
    """A ``klass`` value folded to a key of :data:`MAIN_ROAD_SPEED_KPH` when it names one."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "<missing>"
    text = re.sub(r"\s*\(\d+\)$", "", str(value)).strip().lower()  # "Motorväg (1801)" -> "motorväg"
    return _MAIN_ROAD_ALIASES.get(text, text)


def _main_road_frame(path: Path, layer: str | None) -> tuple["gpd.GeoDataFrame", str, str | None]:
    """Read and check a Topografi 250 road layer: LineStrings in EPSG:3006, known classes.

    Returns the frame and the names of its ``klass`` and ``vagnummer`` columns.
    """
    from landuse._readers import read_vector

    frame = read_vector(path, layer=layer, preferred_layer=MAIN_ROAD_LAYER)
    not_lines = sorted(set(frame.geom_type.dropna()) - {"LineString", "MultiLineString"})
    if not_lines:
        raise GeometryTypeError(
            f"`{path.name}` holds {', '.join(not_lines)} geometries; a road network needs lines "
            f"(Topografi 250 layer {MAIN_ROAD_LAYER!r})."
        )
    if frame.crs is None:
        raise MissingCRSError(f"`{path.name}` has no CRS. Topografi 250 is delivered in EPSG:3006; fix the file.")
    columns = [c for c in frame.columns if c != frame.geometry.name]
    klass_col = find_column(columns, "klass")
    if klass_col is None:
        raise ColumnNotFoundError(
            f"`{path.name}` has no column 'klass' (the road class). Columns found: {', '.join(map(str, columns))}. "
            "Pass a Topografi 250 road layer, or use network_from_lines with a speed column."
        )
    road_col = find_column(columns, "vagnummer")
    frame = frame.to_crs(WORK_CRS).explode(index_parts=False)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if len(frame) == 0:
        raise EmptyLayerError(f"`{path.name}` holds no road lines.")
    folded = frame[klass_col].map(_fold_klass)
    unknown = folded[~folded.isin(list(MAIN_ROAD_SPEED_KPH))]
    if len(unknown):
        found = ", ".join(f"{value!r} ({count})" for value, count in unknown.value_counts().items())
        raise NetworkError(
            f"`{path.name}`: column {klass_col!r} holds road classes without a speed: {found}. "
            f"Known classes: {', '.join(MAIN_ROAD_SPEED_KPH)}; add the others to MAIN_ROAD_SPEED_KPH or drop them."
        )
    frame = frame.assign(**{klass_col: folded})
    return frame.reset_index(drop=True), klass_col, road_col


def _snap_dangling_ends(geoms: np.ndarray, tolerance_m: float) -> tuple[np.ndarray, int]:
    """Join each line end that touches no other line to the nearest other line within ``tolerance_m``.

    The end gets one more vertex: the nearest point of that line.  Returns the new
    lines and the number of ends joined.
    """
    import shapely

    n = len(geoms)
    if n < 2 or tolerance_m <= 0:
        return geoms, 0
    points = np.concatenate([shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)])
    owner = np.concatenate([np.arange(n), np.arange(n)])
    tree = shapely.STRtree(geoms)
    # an end closer than a millimetre to another line already touches it
    i, j = tree.query(points, predicate="dwithin", distance=1e-3)
    touching = np.zeros(2 * n, dtype=bool)
    touching[i[owner[i] != j]] = True
    i, j = tree.query(points, predicate="dwithin", distance=tolerance_m)
    keep = (owner[i] != j) & ~touching[i]
    i, j = i[keep], j[keep]
    if i.size == 0:
        return geoms, 0
    dist = shapely.distance(points[i], geoms[j])
    order = np.lexsort((j, dist, i))  # per end, the nearest line first (ties: the lowest index)
    i, j = i[order], j[order]
    first = np.ones(i.size, dtype=bool)
    first[1:] = i[1:] != i[:-1]
    i, j = i[first], j[first]
    target = shapely.line_interpolate_point(geoms[j], shapely.line_locate_point(geoms[j], points[i]))
    target_xy = shapely.get_coordinates(target)
    out = geoms.copy()
    lines = owner[i]
    for line in np.unique(lines):
        coords = shapely.get_coordinates(out[line])
        for end, xy in zip(i[lines == line], target_xy[lines == line]):
            coords = np.vstack([xy, coords]) if end < n else np.vstack([coords, xy])
        out[line] = shapely.linestrings(coords)
    return out, int(i.size)


def network_from_main_roads(
    path: str | Path | None = None,
    *,
    layer: str | None = None,
    snap_tolerance_m: float = MAIN_ROAD_SNAP_M,
    max_edge_m: float = 300.0,
    settings: Settings | None = None,
) -> RoadNetwork:
    """Build a car network from Lantmäteriet's Topografi 250 main roads.

    Parameters
    ----------
    path : str or Path, optional
        A Topografi 250 road line layer with a ``klass`` column (values of
        :data:`MAIN_ROAD_SPEED_KPH`) and optionally ``vagnummer``; any CRS, reprojected to
        EPSG:3006.  Default the embedded Norrbotten extract, :data:`DEFAULT_ROAD_NETWORK`
        under ``Settings.data_dir``.
    layer : str, optional
        Layer inside a multi-layer file (default ``vaglinje`` when present).
    snap_tolerance_m : float
        Metres: a line end that touches no other line is joined to the nearest line
        within this distance (default :data:`MAIN_ROAD_SNAP_M`, 50 m, which closes every
        junction gap of the embedded file; see there).
    max_edge_m : float
        Metres: the longest edge; longer stretches get extra nodes.
    settings : Settings, optional
        ``data_dir``: where the embedded road network lies.

    Returns
    -------
    RoadNetwork
        Two-way edges, EPSG:3006, ``schematic=False``, ``source`` =
        ``"Lantmäteriet Topografi 250, huvudvägnät; main roads only (motorväg,
        motortrafikled, mötesfri väg, landsväg)"``; ``edges`` holds the undirected
        edges (columns :data:`EDGE_COLUMNS`, LineStrings in EPSG:3006) of the largest
        connected part, ``dropped_km``/``dropped_pieces`` what was left out.

    Raises
    ------
    InputFileNotFoundError, UnreadableFileError, LayerNotFoundError, MissingCRSError,
    ColumnNotFoundError, GeometryTypeError, EmptyLayerError
    NetworkError
        If ``klass`` holds a class without a speed (the message names the values found),
        or the tolerances are not positive.

    Warns
    -----
    PartialLossWarning
        When pieces of road are not connected to the largest part of the network: how
        many, and how many km.

    Notes
    -----
    Topografi 250 merges each road number into long lines that cross and touch each
    other without sharing vertices, so they are turned into a graph in steps:

    a. Read with :func:`landuse._readers.read_vector`, reproject to EPSG:3006, split
       MultiLineStrings into parts.
    b. Snap: a line end that touches no other line (closer than 1 mm) and lies within
       ``snap_tolerance_m`` of another line gets one more vertex, the nearest point of
       the nearest such line (the generalised map leaves small gaps at junctions).
    c. Node: :func:`shapely.union_all` (on a 1 mm grid, so a snapped end always meets
       the line it was snapped to) splits the lines at every crossing and snapped end and
       dissolves stretches shared by two road numbers; :func:`shapely.get_parts` gives
       the pieces.  Each piece takes the attributes of the source line nearest to its
       midpoint (an STRtree query; where lines coincide, the fastest class).
    d. :func:`shapely.segmentize` cuts every piece so that no edge is longer than
       ``max_edge_m``: a point on a road is then at most ``max_edge_m / 2`` (150 m by
       default) from a node, so origins snap to a node near the road point closest to
       them.  Each straight segment is one edge.
    e. Nodes are the segment end points, merged within :data:`NODE_MERGE_M` (0.5 m);
       edges that collapse to a point are dropped.
    f. Only the largest connected part (by length) is kept; the rest is reported with a
       :class:`~landuse.errors.PartialLossWarning` and stored in ``dropped_pieces``
       and ``dropped_km``.
    g. Speed by class from :data:`MAIN_ROAD_SPEED_KPH` (the typical posted limit of the
       class under Trafikförordningen 3 kap 17 § and Trafikverket's limits system; see
       there); every edge is two-way and its time is length / speed.  These are posted
       limits at free flow: ``Settings.speed_factor`` covers real-world slowdowns.

    Only main roads are in Topografi 250's road classes used here: smaller roads are not,
    so many villages and tätorter lie off this network, and trips along small roads are
    longer on it than in reality.
    """
    import geopandas as gpd
    import shapely
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    settings = resolve(settings)
    embedded = settings.data_dir / DEFAULT_ROAD_NETWORK
    path = Path(path) if path is not None else embedded
    default = path.resolve() == embedded.resolve()
    if not (snap_tolerance_m >= 0 and max_edge_m > 0 and math.isfinite(max_edge_m)):
        raise NetworkError(
            f"snap_tolerance_m must be >= 0 and max_edge_m > 0 (got {snap_tolerance_m!r} and {max_edge_m!r} metres)."
        )
    frame, klass_col, road_col = _main_road_frame(path, layer)
    label = f"{MAIN_ROAD_SOURCE}; {MAIN_ROAD_LIMITS}" + ("" if default else f"; file {path.name}")
    lines = frame.geometry.to_numpy()
    klass = frame[klass_col].to_numpy(dtype=object)
    speed = np.array([MAIN_ROAD_SPEED_KPH[k] for k in klass], dtype=float)
    roads = (frame[road_col].astype(object).where(frame[road_col].notna(), None).to_numpy()
             if road_col is not None else np.full(len(frame), None, dtype=object))

    # (b) snap dangling ends, (c) node and recover each piece's source line
    lines, _ = _snap_dangling_ends(lines, snap_tolerance_m)
    noded = shapely.union_all(lines, grid_size=1e-3)
    pieces = shapely.get_parts(noded)
    pieces = pieces[shapely.get_type_id(pieces) == 1]
    pieces = pieces[shapely.length(pieces) > 0]
    mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    piece_idx, line_idx = shapely.STRtree(lines).query_nearest(mid, all_matches=True)
    order = np.lexsort((line_idx, -speed[line_idx], piece_idx))  # per piece the fastest coinciding line
    piece_idx, line_idx = piece_idx[order], line_idx[order]
    first = np.ones(piece_idx.size, dtype=bool)
    first[1:] = piece_idx[1:] != piece_idx[:-1]
    source_of = np.empty(len(pieces), dtype=np.int64)
    source_of[piece_idx[first]] = line_idx[first]

    # (d) segmentize, (e) nodes = segment ends merged within NODE_MERGE_M
    coords, which = shapely.get_coordinates(shapely.segmentize(pieces, max_edge_m), return_index=True)
    pairs = cKDTree(coords).query_pairs(r=NODE_MERGE_M, output_type="ndarray")
    m = coords.shape[0]
    link = sparse.coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    _, node_of = connected_components(link, directed=False)
    count = np.bincount(node_of)
    x_all = np.bincount(node_of, weights=coords[:, 0]) / count
    y_all = np.bincount(node_of, weights=coords[:, 1]) / count
    same = which[1:] == which[:-1]
    a, b, piece = node_of[:-1][same], node_of[1:][same], which[:-1][same]
    keep = a != b
    a, b, piece = a[keep], b[keep], piece[keep]
    u, v = np.minimum(a, b), np.maximum(a, b)
    seg_speed = speed[source_of[piece]]
    length_m = np.hypot(x_all[u] - x_all[v], y_all[u] - y_all[v])
    minutes = length_m / 1000.0 / seg_speed * 60.0
    # an edge that two pieces share (a road digitised twice): keep the faster
    order = np.lexsort((length_m, minutes, v, u))
    u, v, piece, seg_speed, length_m, minutes = (arr[order] for arr in (u, v, piece, seg_speed, length_m, minutes))
    first = np.ones(u.size, dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, piece, seg_speed, length_m, minutes = (arr[first] for arr in (u, v, piece, seg_speed, length_m, minutes))
    if u.size == 0:
        raise EmptyLayerError(f"`{path.name}` holds no road line longer than {NODE_MERGE_M} m.")

    # (f) the largest connected part, by length
    n_all = x_all.shape[0]
    graph = sparse.coo_array((np.ones(u.size), (u, v)), shape=(n_all, n_all))
    _, part = connected_components(graph, directed=False)
    part_km = np.bincount(part[u], weights=length_m) / 1000.0
    main = int(part_km.argmax())
    kept = part[u] == main
    piece_km = shapely.length(pieces) / 1000.0
    dropped = np.unique(piece[~kept])
    dropped_km = float(piece_km[dropped].sum())
    if dropped.size:
        warnings.warn(
            f"{dropped.size} of {len(pieces)} road pieces ({dropped_km:.1f} of {piece_km.sum():.1f} km) in "
            f"`{path.name}` are not connected to the main network and were left out.",
            PartialLossWarning, stacklevel=2,
        )
    u, v, piece, seg_speed, length_m, minutes = (arr[kept] for arr in (u, v, piece, seg_speed, length_m, minutes))
    used = np.zeros(n_all, dtype=bool)
    used[u] = used[v] = True
    new_index = np.cumsum(used) - 1
    x_m, y_m = x_all[used], y_all[used]
    u, v = new_index[u], new_index[v]

    line_of = source_of[piece]
    edges = gpd.GeoDataFrame(
        {
            "u": u.astype(np.int64),
            "v": v.astype(np.int64),
            "length_m": length_m,
            "speed_kph": seg_speed,
            "travel_time_min": minutes,
            "road": pd.Series(roads[line_of], dtype=object),
            "klass": pd.Series(klass[line_of], dtype=object),
            "source": label,
        },
        geometry=shapely.linestrings(np.stack([np.column_stack([x_m[u], y_m[u]]),
                                               np.column_stack([x_m[v], y_m[v]])], axis=1)),
        crs=WORK_CRS,
    )
    network = network_from_edges(x_m, y_m, np.concatenate([u, v]), np.concatenate([v, u]),
                                 np.concatenate([minutes, minutes]), source=label)
    return replace(network, edges=edges, dropped_km=dropped_km, dropped_pieces=int(dropped.size))


def is_main_road_file(path: Path, speed_column: str) -> bool:
    """Whether ``path`` is a line layer with a ``klass`` column of Topografi 250 road classes and no speed column.

    Only the layer's field list and its ``klass`` values are read (pyogrio's inspection);
    anything that cannot be inspected so is left to :func:`network_from_lines`.

    Parameters
    ----------
    path : Path
        A vector file.
    speed_column : str
        The speed column a line layer would have; a file with it is not Topografi 250.

    Returns
    -------
    bool
    """
    import pyogrio

    if path.is_dir() or path.suffix.lower() not in {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".parquet",
                                                       ".geoparquet", ".sqlite"}:
        return False
    try:
        layers = pyogrio.list_layers(path)
        layer = MAIN_ROAD_LAYER if MAIN_ROAD_LAYER in set(layers[:, 0]) else (layers[0, 0] if len(layers) == 1 else None)
        if layer is None:
            return False
        info = pyogrio.read_info(path, layer=layer)
        fields = [str(f) for f in info["fields"]]
        klass = find_column(fields, "klass")
        if klass is None or find_column(fields, speed_column) is not None or "LineString" not in str(info["geometry_type"]):
            return False
        values = pyogrio.read_dataframe(path, layer=layer, columns=[klass], read_geometry=False)[klass]
    except Exception:  # noqa: BLE001 - not inspectable here: the line reader gives the real message
        return False
    folded = set(values.map(_fold_klass))
    return bool(folded) and folded <= set(MAIN_ROAD_SPEED_KPH)
