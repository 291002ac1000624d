"""Road networks for car accessibility: OSM, NVDB/Pipos line layers, Lantmäteriet's main roads, GTFS stand-in.

Every source becomes one small :class:`RoadNetwork`: node coordinates in SWEREF 99 TM
(EPSG:3006) and a sparse matrix of directed edge travel times in minutes, ready for
:mod:`scipy.sparse.csgraph`.  :mod:`landuse.access` routes on it.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
import pandas as pd
from scipy import sparse

from landuse.errors import (
    ColumnNotFoundError,
    EmptyLayerError,
    GeometryTypeError,
    GTFSError,
    InputFileNotFoundError,
    MissingCRSError,
    NetworkError,
    PartialLossWarning,
    SchematicDataWarning,
    UnreadableFileError,
)
from landuse.gtfs import Feed, is_feed, load_feed
from landuse.settings import WORK_CRS, Settings, resolve

if TYPE_CHECKING:  # heavy imports only where a function needs them
    import geopandas as gpd
    import networkx as nx
    from scipy.spatial import cKDTree

__all__ = [
    "RoadNetwork",
    "DEFAULT_SPEED_KPH",
    "SPEED_KEYWORDS_KPH",
    "DEFAULT_ROAD_NETWORK",
    "MAIN_ROAD_SPEED_KPH",
    "MAIN_ROAD_SOURCE",
    "MAIN_ROAD_SNAP_M",
    "EDGE_COLUMNS",
    "network_from_osm",
    "network_from_lines",
    "network_from_main_roads",
    "network_from_gtfs",
    "network_from_edges",
    "network_from_file",
    "network_edges",
]

#: Speed in km/h used for a drivable OSM way without a usable ``maxspeed``, by ``highway`` class.
#:
#: Swedish rules and practice, not OSM's global defaults: the base limit
#: (bashastighet) is 50 km/h inside a built-up area and 70 km/h outside it
#: (Trafikförordningen 3 kap 17 §); motorways are mostly signed 110-120 and
#: motortrafikled 90-100; gångfartsområde (``living_street``) means walking pace,
#: taken as 7 km/h.  Minor classes are set below the legal limit because in
#: Norrbotten they are often gravel or residential streets.  Edit this table (or tag
#: ``maxspeed`` in OSM) when a study needs other assumptions.
DEFAULT_SPEED_KPH: dict[str, float] = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 70.0,
    "secondary_link": 50.0,
    "tertiary": 60.0,
    "tertiary_link": 40.0,
    "unclassified": 50.0,
    "road": 50.0,
    "residential": 40.0,
    "living_street": 7.0,
    "service": 20.0,
}

#: Symbolic ``maxspeed`` values (OSM ``SE:`` zone tags and keywords), in km/h.
SPEED_KEYWORDS_KPH: dict[str, float] = {
    "se:urban": 50.0,
    "se:rural": 70.0,
    "se:motorway": 110.0,
    "se:trunk": 90.0,
    "se:living_street": 7.0,
    "walk": 7.0,
    "living_street": 7.0,
}

#: ``service=*`` values osmnx's "drive" network leaves out (not through roads for a car trip).
_EXCLUDED_SERVICE = {"parking", "parking_aisle", "driveway", "private", "emergency_access"}
#: OSM ``oneway`` values meaning one-way (osmnx's rules), and those meaning against the way's direction.
_ONEWAY_VALUES = {"yes", "true", "1", "-1", "reverse", "T", "F"}
_REVERSED_VALUES = {"-1", "reverse", "T"}
#: Line-layer one-way codes: forward = in digitising direction, reverse = against it.
_LINE_FORWARD = {"1", "yes", "true", "y", "ft", "forward", "med"}
_LINE_REVERSE = {"-1", "tf", "reverse", "backward", "mot"}

EARTH_RADIUS_M = 6_371_009.0  # the mean radius osmnx uses for great-circle lengths

#: In the GTFS stand-in, stop nodes closer than this (metres) are linked both ways.
GTFS_CONNECT_M = 300.0
#: In the GTFS stand-in, no segment is faster than this (km/h) whatever the timetable says.
GTFS_MAX_SPEED_KPH = 110.0

#: The embedded main-road network, relative to ``Settings.data_dir`` (see ``landuse/data/README.md``).
DEFAULT_ROAD_NETWORK = "vagar/huvudvagar_topografi250_norrbotten.gpkg"
#: Layer of the road lines in a Topografi 250 road file.
MAIN_ROAD_LAYER = "vaglinje"
#: Source label of a network built by :func:`network_from_main_roads`; its limits follow after "; ".
MAIN_ROAD_SOURCE = "Lantmäteriet Topografi 250, huvudvägnät"
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
#: Columns of :func:`network_edges` (then ``geometry``).
EDGE_COLUMNS = ["u", "v", "length_m", "speed_kph", "travel_time_min", "road", "klass", "source"]


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road network with edge travel times, in EPSG:3006.

    Attributes
    ----------
    x_m, y_m : numpy.ndarray of float
        Node coordinates (easting, northing) in metres, EPSG:3006.
    minutes : scipy.sparse.csr_array
        ``minutes[i, j]`` is the free-flow travel time in minutes of the fastest
        edge from node ``i`` to node ``j`` (explicit zeros are edges).
    source : str
        Human label of where the network came from; printed by the CLI.
    schematic : bool
        True for the GTFS demo stand-in: an approximation, never official data.
    edges : geopandas.GeoDataFrame or None
        The undirected edges with their road geometry, when the builder kept them
        (:func:`network_from_main_roads`); see :func:`network_edges` for the columns.
        None for the other builders: :func:`network_edges` then draws straight lines.
    dropped_km : float
        Kilometres of road the builder left out because they were not connected to the
        main network (0 when nothing was dropped or the builder does not report it).
    dropped_pieces : int
        Number of road pieces (lines between junctions) left out for the same reason.
    """

    x_m: np.ndarray
    y_m: np.ndarray
    minutes: sparse.csr_array
    source: str
    schematic: bool = False
    edges: "gpd.GeoDataFrame | None" = None
    dropped_km: float = 0.0
    dropped_pieces: int = 0

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.x_m.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.minutes.nnz)

    @cached_property
    def reversed_minutes(self) -> sparse.csr_array:
        """The transposed graph: ``reversed_minutes[j, i] = minutes[i, j]`` (CSR)."""
        return sparse.csr_array(self.minutes.T.tocsr())

    @cached_property
    def main_nodes(self) -> np.ndarray:
        """Indices of the nodes of the largest strongly connected component."""
        from scipy.sparse.csgraph import connected_components

        if self.n_nodes == 0:
            return np.zeros(0, dtype=np.int64)
        _, labels = connected_components(self.minutes, directed=True, connection="strong")
        largest = np.bincount(labels).argmax()
        return np.flatnonzero(labels == largest)

    @cached_property
    def main_tree(self) -> "cKDTree":
        """KD-tree over the coordinates of :attr:`main_nodes`."""
        from scipy.spatial import cKDTree

        nodes = self.main_nodes
        # an unbalanced tree builds ~40 % faster and queries as fast on road nodes
        return cKDTree(np.column_stack([self.x_m[nodes], self.y_m[nodes]]), balanced_tree=False)

    def __repr__(self) -> str:
        flag = ", schematic" if self.schematic else ""
        return f"RoadNetwork({self.n_nodes:,} nodes, {self.n_edges:,} edges{flag}: {self.source})"


# --------------------------------------------------------------------------- builders


def network_from_edges(
    x_m: np.ndarray,
    y_m: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    minutes: np.ndarray,
    *,
    source: str,
    schematic: bool = False,
) -> RoadNetwork:
    """Build a :class:`RoadNetwork` from directed edge arrays.

    Parameters
    ----------
    x_m, y_m : array of float
        Node coordinates in metres, EPSG:3006.
    u, v : array of int
        Edge tail and head node indices.
    minutes : array of float
        Edge travel time in minutes (finite, >= 0).  Parallel edges keep the fastest;
        self-loops are dropped.
    source : str
        Label of the network's origin.
    schematic : bool
        Mark a demo stand-in.

    Raises
    ------
    NetworkError
        If an index is out of range or a time is negative or not finite.
    """
    x_m = np.asarray(x_m, dtype=float)
    y_m = np.asarray(y_m, dtype=float)
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    minutes = np.asarray(minutes, dtype=float)
    n = x_m.shape[0]
    problems = []
    if y_m.shape[0] != n:
        problems.append(f"{n} x but {y_m.shape[0]} y coordinates")
    if not (u.shape == v.shape == minutes.shape):
        problems.append(f"edge arrays of different lengths ({u.shape[0]}, {v.shape[0]}, {minutes.shape[0]})")
    elif u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
        problems.append(f"edge node indices outside 0..{n - 1}")
    if minutes.size and (~np.isfinite(minutes) | (minutes < 0)).any():
        problems.append(f"{int((~np.isfinite(minutes) | (minutes < 0)).sum())} edge times negative or not finite")
    if problems:
        raise NetworkError(f"Network {source!r} cannot be built: {'; '.join(problems)}. Fix the edge arrays.")
    keep = u != v
    u, v, minutes = u[keep], v[keep], minutes[keep]
    # parallel edges: keep the fastest (COO -> CSR would sum duplicates)
    order = np.lexsort((minutes, v, u))
    u, v, minutes = u[order], v[order], minutes[order]
    first = np.ones(u.shape[0], dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, minutes = u[first], v[first], minutes[first]
    index_dtype = np.int32 if n < 2**31 - 1 else np.int64
    indptr = np.zeros(n + 1, dtype=index_dtype)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    matrix = sparse.csr_array((minutes, v.astype(index_dtype), indptr), shape=(n, n))
    return RoadNetwork(x_m=x_m, y_m=y_m, minutes=matrix, source=source, schematic=schematic)


def _to_work_crs(x: np.ndarray, y: np.ndarray, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import CRS, Transformer

    crs = CRS.from_user_input(crs)
    if crs == CRS.from_user_input(WORK_CRS):
        return np.asarray(x, float), np.asarray(y, float)
    transformer = Transformer.from_crs(crs, WORK_CRS, always_xy=True)
    xx, yy = transformer.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(xx), np.asarray(yy)


def _great_circle_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


# --------------------------------------------------------------------------- OSM


def _as_list(value: Any) -> list[Any]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):  # osmnx GraphML stringifies merged lists
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            parsed = None
        if isinstance(parsed, (list, tuple)):
            return list(parsed)
    return [v for v in re.split(r"[;|]", text) if v.strip()]


def parse_maxspeed_kph(value: Any) -> float:
    """Parse an OSM ``maxspeed`` value into km/h; NaN when it cannot be used.

    Numbers are km/h, ``"50 mph"`` is converted, ``SE:urban``/``SE:rural`` and
    ``walk`` use :data:`SPEED_KEYWORDS_KPH`, several values (``"50;70"`` or a list from a
    simplified osmnx graph) give their mean, as osmnx does.

    Examples
    --------
    >>> parse_maxspeed_kph("70"), parse_maxspeed_kph("SE:urban"), parse_maxspeed_kph("none")
    (70.0, 50.0, nan)
    """
    speeds = []
    for item in _as_list(value):
        text = str(item).strip().lower()
        if text in SPEED_KEYWORDS_KPH:
            speeds.append(SPEED_KEYWORDS_KPH[text])
            continue
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?", text)
        if match:
            speed = float(match.group(1)) * (1.609344 if match.group(2) == "mph" else 1.0)
            if speed > 0:
                speeds.append(speed)
    return float(np.mean(speeds)) if speeds else float("nan")


def _drivable_class(attrs: dict[str, Any]) -> str | None:
    """The way's drivable ``highway`` class, or None when a car may not use it."""
    classes = [str(h) for h in _as_list(attrs.get("highway")) if str(h) in DEFAULT_SPEED_KPH]
    if not classes:
        return None
    access = {str(a) for key in ("access", "motor_vehicle", "motorcar") for a in _as_list(attrs.get(key))}
    if access & {"no", "private"}:
        return None
    if "yes" in {str(a) for a in _as_list(attrs.get("area"))}:
        return None
    if {str(s) for s in _as_list(attrs.get("service"))} & _EXCLUDED_SERVICE:
        return None
    return classes[0]


def edge_speed_kph(attrs: dict[str, Any]) -> float:
    """Speed of a drivable OSM edge: its ``maxspeed``, else :data:`DEFAULT_SPEED_KPH` for its class."""
    speed = parse_maxspeed_kph(attrs.get("maxspeed"))
    if math.isnan(speed):
        klass = _drivable_class(attrs)
        speed = DEFAULT_SPEED_KPH.get(klass or "", float("nan"))
    return speed


@contextmanager
def _osmnx_offline() -> Iterator[Any]:
    """osmnx settings for reading local files only; the old values come back on exit."""
    import osmnx as ox

    extra_tags = ["access", "area", "service", "motor_vehicle", "motorcar", "maxspeed", "highway", "oneway", "junction"]
    changes = {
        "use_cache": False,
        "log_console": False,
        "log_file": False,
        "all_oneway": False,
        "useful_tags_way": sorted(set(ox.settings.useful_tags_way) | set(extra_tags)),
    }
    old = {key: getattr(ox.settings, key) for key in changes}
    try:
        for key, value in changes.items():
            setattr(ox.settings, key, value)
        yield ox
    finally:
        for key, value in old.items():
            setattr(ox.settings, key, value)


def _network_from_nx(graph: "nx.MultiDiGraph", *, source: str) -> RoadNetwork:
    """Drivable edges of an osmnx graph (one-way already resolved into directed edges)."""
    crs = graph.graph.get("crs", "EPSG:4326")
    ids = list(graph.nodes)
    position = {node: i for i, node in enumerate(ids)}
    lon = np.array([float(graph.nodes[n]["x"]) for n in ids])
    lat = np.array([float(graph.nodes[n]["y"]) for n in ids])
    x_m, y_m = _to_work_crs(lon, lat, crs)
    u, v, minutes = [], [], []
    for a, b, attrs in graph.edges(data=True):
        if _drivable_class(attrs) is None:
            continue
        length = attrs.get("length")
        try:
            length_m = float(length)
        except (TypeError, ValueError):
            length_m = float("nan")
        if math.isnan(length_m):
            ia, ib = position[a], position[b]
            length_m = float(math.hypot(x_m[ia] - x_m[ib], y_m[ia] - y_m[ib]))
        u.append(position[a])
        v.append(position[b])
        minutes.append(length_m / 1000.0 / edge_speed_kph(attrs) * 60.0)
    if not u:
        raise EmptyLayerError(
            f"`{source}` holds no drivable ways (highway={', '.join(DEFAULT_SPEED_KPH)}). "
            "Export an extract that includes the road network."
        )
    return _compact(x_m, y_m, np.array(u), np.array(v), np.array(minutes), source=source)


def _compact(x_m: np.ndarray, y_m: np.ndarray, u: np.ndarray, v: np.ndarray, minutes: np.ndarray,
             *, source: str, schematic: bool = False) -> RoadNetwork:
    """Drop nodes no edge touches (points of buildings, footways) and renumber."""
    used = np.zeros(x_m.shape[0], dtype=bool)
    used[u] = True
    used[v] = True
    new_index = np.cumsum(used) - 1
    return network_from_edges(x_m[used], y_m[used], new_index[u], new_index[v], minutes,
                              source=source, schematic=schematic)


def _network_from_pbf(path: Path) -> RoadNetwork:
    import osmium

    refs: list[np.ndarray] = []
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    way_of: list[np.ndarray] = []
    forward: list[bool] = []
    backward: list[bool] = []
    speeds: list[float] = []
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    try:
        for obj in processor:
            if not obj.is_way():
                continue
            attrs = {tag.k: tag.v for tag in obj.tags}
            if _drivable_class(attrs) is None:
                continue
            nodes = [(n.ref, n.lon, n.lat) for n in obj.nodes if n.location.valid()]
            if len(nodes) < 2:
                continue
            oneway = attrs.get("oneway") in _ONEWAY_VALUES or attrs.get("junction") == "roundabout"
            reverse = attrs.get("oneway") in _REVERSED_VALUES
            arr = np.array(nodes, dtype=float)
            refs.append(arr[:, 0].astype(np.int64))
            lons.append(arr[:, 1])
            lats.append(arr[:, 2])
            way_of.append(np.full(len(nodes), len(speeds)))
            forward.append(not (oneway and reverse))
            backward.append((not oneway) or reverse)
            speeds.append(edge_speed_kph(attrs))
    except RuntimeError as err:
        raise UnreadableFileError(f"`{path.name}` cannot be read as OSM PBF ({err}). Download the extract again.") from err
    if not refs:
        raise EmptyLayerError(f"`{path.name}` holds no drivable ways. Export an extract that includes the road network.")
    ref = np.concatenate(refs)
    lon = np.concatenate(lons)
    lat = np.concatenate(lats)
    way = np.concatenate(way_of)
    ids, first, node = np.unique(ref, return_index=True, return_inverse=True)
    x_m, y_m = _to_work_crs(lon[first], lat[first], "EPSG:4326")
    # consecutive node pairs within the same way
    same = way[1:] == way[:-1]
    a, b = node[:-1][same], node[1:][same]
    length_m = _great_circle_m(lon[:-1][same], lat[:-1][same], lon[1:][same], lat[1:][same])
    w = way[:-1][same]
    minutes = length_m / 1000.0 / np.asarray(speeds)[w] * 60.0
    fwd = np.asarray(forward)[w]
    bwd = np.asarray(backward)[w]
    u = np.concatenate([a[fwd], b[bwd]])
    v = np.concatenate([b[fwd], a[bwd]])
    t = np.concatenate([minutes[fwd], minutes[bwd]])
    return network_from_edges(x_m, y_m, u, v, t, source=f"OpenStreetMap PBF {path.name}")


def network_from_osm(path: str | Path) -> RoadNetwork:
    """Read a car network from OpenStreetMap data on disk (never from the internet).

    Parameters
    ----------
    path : str or Path
        ``.osm``/``.xml`` (OSM XML, read with ``osmnx.graph_from_xml``), ``.osm.pbf``/``.pbf``
        (read with pyosmium, ``pip install osmium``), or ``.graphml`` (saved by
        ``osmnx.save_graphml``, in any CRS).

    Returns
    -------
    RoadNetwork
        Nodes in EPSG:3006.  Only ways a car may use: ``highway`` in
        :data:`DEFAULT_SPEED_KPH`, not ``access``/``motor_vehicle``/``motorcar`` ``no`` or
        ``private``, not ``area=yes``, not parking aisles or driveways.  One-way ways
        (``oneway=yes|-1``, roundabouts) give one directed edge.

    Raises
    ------
    InputFileNotFoundError, UnreadableFileError, EmptyLayerError

    Notes
    -----
    Edge time = great-circle length / speed, with speed from ``maxspeed`` (km/h; mph
    converted; ``SE:urban`` 50, ``SE:rural`` 70) and else the Swedish default for the
    ``highway`` class in :data:`DEFAULT_SPEED_KPH`.  These are free-flow times: scale
    them with ``Settings.speed_factor``.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(f"`{path}` does not exist. Pass an .osm, .osm.pbf or .graphml file.")
    name = path.name.lower()
    if name.endswith(".pbf"):
        try:
            import osmium  # noqa: F401
        except ImportError as err:
            raise NetworkError(
                f"`{path.name}` is an OSM PBF file and needs pyosmium. Install it with `pip install osmium`, "
                "or convert the file to .osm XML."
            ) from err
        return _network_from_pbf(path)
    with _osmnx_offline() as ox:
        try:
            if name.endswith(".graphml"):
                graph = ox.load_graphml(path)
                label = f"osmnx GraphML {path.name}"
            elif name.endswith((".osm", ".xml", ".osm.xml")):
                graph = ox.graph_from_xml(path, bidirectional=False, simplify=False, retain_all=True)
                label = f"OpenStreetMap XML {path.name}"
            else:
                raise NetworkError(
                    f"`{path.name}` is not an OSM file this reader knows. Pass .osm (XML), .osm.pbf or .graphml."
                )
        except NetworkError:
            raise
        except Exception as err:  # noqa: BLE001 - third-party parsers raise many kinds
            raise UnreadableFileError(
                f"`{path.name}` cannot be read as OSM data ({type(err).__name__}: {err}). "
                "Check that it is a complete OSM XML/GraphML export."
            ) from err
    return _network_from_nx(graph, source=label)


# --------------------------------------------------------------------------- line layers


def _find_column(columns: list[str], wanted: str) -> str | None:
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
    speed_col = _find_column(columns, speed_column)
    if speed_col is None:
        problems.append(f"no speed column {speed_column!r}")
    oneway_col = None
    if oneway_column is not None:
        oneway_col = _find_column(columns, oneway_column)
        if oneway_col is None:
            problems.append(f"no one-way column {oneway_column!r}")
    if problems:
        raise ColumnNotFoundError(
            f"`{path.name}`: {' and '.join(problems)}. Columns found: {', '.join(columns)}. "
            "Pass --speed-column / --oneway-column with one of them."
        )
    group_col = _find_column(columns, "networkGrp")
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


# --------------------------------------------------------------------------- Lantmäteriet main roads


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
    klass_col = _find_column(columns, "klass")
    if klass_col is None:
        raise ColumnNotFoundError(
            f"`{path.name}` has no column 'klass' (the road class). Columns found: {', '.join(map(str, columns))}. "
            "Pass a Topografi 250 road layer, or use network_from_lines with a speed column."
        )
    road_col = _find_column(columns, "vagnummer")
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


def network_edges(network: RoadNetwork) -> "gpd.GeoDataFrame":
    """The undirected edges of a network as lines, for maps and the ``network`` output layer.

    Parameters
    ----------
    network : RoadNetwork

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006; one row per pair of connected nodes, columns ``u``, ``v`` (node
        indices, ``u < v``), ``length_m``, ``speed_kph``, ``travel_time_min``, ``road``,
        ``klass``, ``source``, ``geometry`` (LineString).  For a network built with its
        edges (:func:`network_from_main_roads`) these are the road edges with road
        number and class.  Otherwise (OpenStreetMap, NVDB/Pipos, the GTFS stand-in) the
        edges are drawn as straight lines between their nodes: ``length_m`` is that
        straight length, ``travel_time_min`` the faster of the two directions,
        ``speed_kph`` = length / time (NaN for a zero time), ``road`` and ``klass`` are
        None and ``source`` is ``network.source``.

    Examples
    --------
    >>> net = network_from_edges([0, 1000], [0, 0], [0, 1], [1, 0], [1.0, 1.0], source="test")
    >>> network_edges(net)[["u", "v", "length_m", "speed_kph"]].to_dict("records")
    [{'u': 0, 'v': 1, 'length_m': 1000.0, 'speed_kph': 60.0}]
    """
    import geopandas as gpd
    import shapely

    if network.edges is not None:
        return network.edges.copy()
    matrix = network.minutes.tocoo()
    rows, cols, minutes = matrix.row.astype(np.int64), matrix.col.astype(np.int64), matrix.data.astype(float)
    u, v = np.minimum(rows, cols), np.maximum(rows, cols)
    order = np.lexsort((minutes, v, u))
    u, v, minutes = u[order], v[order], minutes[order]
    first = np.ones(u.size, dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, minutes = u[first], v[first], minutes[first]
    x, y = network.x_m, network.y_m
    length_m = np.hypot(x[u] - x[v], y[u] - y[v])
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(minutes > 0, length_m / 1000.0 / (minutes / 60.0), np.nan)
    geometry = (shapely.linestrings(np.stack([np.column_stack([x[u], y[u]]), np.column_stack([x[v], y[v]])], axis=1))
                if u.size else np.empty(0, dtype=object))
    return gpd.GeoDataFrame(
        {
            "u": u,
            "v": v,
            "length_m": length_m,
            "speed_kph": speed,
            "travel_time_min": minutes,
            "road": pd.Series([None] * u.size, dtype=object),
            "klass": pd.Series([None] * u.size, dtype=object),
            "source": pd.Series([network.source] * u.size, dtype=object),
        },
        geometry=gpd.GeoSeries(geometry, crs=WORK_CRS),
        crs=WORK_CRS,
    )


# --------------------------------------------------------------------------- GTFS stand-in


def network_from_gtfs(feed: Feed | str | Path | None = None, *, settings: Settings | None = None) -> RoadNetwork:
    """Build the DEMO STAND-IN road network from a bus timetable (approximate, schematic).

    For real figures use :func:`network_from_main_roads` (the default car network),
    :func:`network_from_osm` or :func:`network_from_lines`.

    Parameters
    ----------
    feed : Feed, str or Path, optional
        A feed from :func:`landuse.gtfs.load_feed`, or a GTFS zip or folder loaded
        with it; default the embedded Länstrafiken Norrbotten feed
        (:data:`landuse.gtfs.DEFAULT_FEED`).

    Returns
    -------
    RoadNetwork
        ``schematic=True``.  Nodes are stations (platforms with a ``parent_station``
        are merged into it) in EPSG:3006.  Edges join consecutive stops of every trip,
        in both directions (roads are two-way); their time is the median scheduled
        running time x ``Settings.gtfs_car_time_factor`` (cars do not stop), never
        faster than :data:`GTFS_MAX_SPEED_KPH` over the ``shape_dist_traveled``
        along-road distance.  Stops closer than :data:`GTFS_CONNECT_M` are linked at
        ``Settings.access_speed_kph``.

    Raises
    ------
    InputFileNotFoundError
        If ``feed`` is a path that does not exist.
    GTFSError
        If the feed is broken (see :func:`landuse.gtfs.load_feed`) or has no
        consecutive stop pairs with running times.

    Warns
    -----
    SchematicDataWarning
        Always: results on this network are approximations.
    """
    from scipy.spatial import cKDTree

    settings = resolve(settings)
    if not isinstance(feed, Feed):
        feed = load_feed(feed, option=None, settings=settings)
    stations = feed.stations()  # a station's own position, else the mean of its platforms
    if stations[["stop_lon", "stop_lat"]].isna().any().any():
        raise GTFSError(f"GTFS feed `{feed.name}`: {int(stations['stop_lon'].isna().sum())} stations have no "
                        "coordinates in stops.txt. Fix the feed.")
    x_m, y_m = _to_work_crs(stations["stop_lon"].to_numpy(), stations["stop_lat"].to_numpy(), "EPSG:4326")

    st = feed.stop_times  # sorted by trip and sequence; times parsed (and interpolated) by the GTFS reader
    node = stations.index.get_indexer(st["stop_id"].map(feed.station_ids()))
    arr = st["arrival_s"].to_numpy()
    dep = st["departure_s"].to_numpy()
    dist = st["shape_dist_traveled"].to_numpy()
    trip = st["trip_id"].to_numpy()
    same = (trip[1:] == trip[:-1]) & (node[1:] >= 0) & (node[:-1] >= 0)
    a, b = node[:-1][same], node[1:][same]
    run_s = (arr[1:] - dep[:-1])[same]
    road_m = (dist[1:] - dist[:-1])[same]
    straight_m = np.hypot(x_m[a] - x_m[b], y_m[a] - y_m[b])
    road_m = np.where(np.isfinite(road_m) & (road_m >= straight_m), road_m, straight_m)
    ok = np.isfinite(run_s) & (run_s >= 0) & (a != b)
    segments = pd.DataFrame({"a": np.minimum(a, b)[ok], "b": np.maximum(a, b)[ok], "run_s": run_s[ok],
                             "road_m": road_m[ok]})
    if segments.empty:
        raise GTFSError(f"GTFS feed `{feed.name}` has no consecutive stop pairs with running times.")
    median = segments.groupby(["a", "b"], sort=False).median()
    car_min = median["run_s"].to_numpy() / 60.0 * settings.gtfs_car_time_factor
    floor_min = median["road_m"].to_numpy() / 1000.0 / GTFS_MAX_SPEED_KPH * 60.0
    minutes = np.maximum(car_min, floor_min)
    ea = median.index.get_level_values("a").to_numpy()
    eb = median.index.get_level_values("b").to_numpy()
    # short links between nearby stops (the two sides of a street, neighbouring stations)
    pairs = cKDTree(np.column_stack([x_m, y_m])).query_pairs(r=GTFS_CONNECT_M, output_type="ndarray")
    link_min = np.hypot(x_m[pairs[:, 0]] - x_m[pairs[:, 1]], y_m[pairs[:, 0]] - y_m[pairs[:, 1]]) / (
        settings.access_speed_kph * 1000.0 / 60.0)
    u = np.concatenate([ea, eb, pairs[:, 0], pairs[:, 1]])
    v = np.concatenate([eb, ea, pairs[:, 1], pairs[:, 0]])
    t = np.concatenate([minutes, minutes, link_min, link_min])
    label = (f"GTFS stand-in from {feed.name} (bus running times x {settings.gtfs_car_time_factor:g}; "
             "APPROXIMATE/SCHEMATIC, not a road network)")
    warnings.warn(
        f"The car network is a schematic stand-in built from the bus timetable `{feed.name}`; travel times are "
        "approximate. Pass a road network (OSM .osm/.osm.pbf/.graphml or an NVDB/Pipos line layer) for real figures.",
        SchematicDataWarning, stacklevel=2,
    )
    return _compact(x_m, y_m, u, v, t, source=label, schematic=True)


# --------------------------------------------------------------------------- dispatch


def _is_main_road_file(path: Path, speed_column: str) -> bool:
    """A line layer with a ``klass`` column of Topografi 250 road classes and no speed column.

    Only the layer's field list and its ``klass`` values are read (pyogrio's inspection);
    anything that cannot be inspected so is left to :func:`network_from_lines`.
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
        klass = _find_column(fields, "klass")
        if klass is None or _find_column(fields, speed_column) is not None or "LineString" not in str(info["geometry_type"]):
            return False
        values = pyogrio.read_dataframe(path, layer=layer, columns=[klass], read_geometry=False)[klass]
    except Exception:  # noqa: BLE001 - not inspectable here: the line reader gives the real message
        return False
    folded = set(values.map(_fold_klass))
    return bool(folded) and folded <= set(MAIN_ROAD_SPEED_KPH)


def network_from_file(
    path: str | Path,
    *,
    speed_column: str = "speed_kph",
    oneway_column: str | None = None,
    source_crs: str | None = None,
    settings: Settings | None = None,
) -> RoadNetwork:
    """Read a network from any supported file, choosing the reader by its name.

    ``.osm``, ``.xml``, ``.pbf``, ``.graphml`` -> :func:`network_from_osm`; a GTFS zip or
    folder (holding any GTFS file such as ``stops.txt`` or ``stop_times.txt``, also a
    truncated zip whose member names show it) -> validated with
    :func:`landuse.gtfs.load_feed`, then :func:`network_from_gtfs`; anything else
    (``.gpkg``, ``.shp``, ``.geojson`` ...) -> :func:`network_from_lines`, which takes
    ``source_crs`` for a layer without one; except a Lantmäteriet Topografi 250 road
    layer (lines with a ``klass`` column holding only the classes of
    :data:`MAIN_ROAD_SPEED_KPH` and no ``speed_column``) -> :func:`network_from_main_roads`.

    Raises
    ------
    InputFileNotFoundError
        If ``path`` does not exist.
    GTFSError
        A GTFS feed that is corrupt or misses files or columns (one line naming all).
    """
    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(
            f"Network `{path}` does not exist. Pass an .osm, .osm.pbf, .graphml, road line layer or GTFS zip."
        )
    name = path.name.lower()
    if name.endswith((".osm", ".xml", ".pbf", ".graphml")):
        return network_from_osm(path)
    if is_feed(path):
        # loaded once, validated as `access transit` validates it: one line naming every problem
        return network_from_gtfs(load_feed(path, option="--network", settings=settings), settings=settings)
    if oneway_column is None and _is_main_road_file(path, speed_column):
        return network_from_main_roads(path, settings=settings)
    return network_from_lines(path, speed_column=speed_column, oneway_column=oneway_column, source_crs=source_crs)
