"""Car networks from OpenStreetMap files on disk (.osm XML, .osm.pbf, osmnx .graphml), with Swedish default speeds."""

from __future__ import annotations

import ast
import math
import re
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from landuse.errors import EmptyLayerError, InputFileNotFoundError, NetworkError, UnreadableFileError
from landuse.network.graph import RoadNetwork, compact_network, network_from_edges, to_work_crs

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["DEFAULT_SPEED_KPH", "SPEED_KEYWORDS_KPH", "EARTH_RADIUS_M", "parse_maxspeed_kph", "edge_speed_kph",
           "network_from_osm"]

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

EARTH_RADIUS_M = 6_371_009.0  # the mean radius osmnx uses for great-circle lengths


def _great_circle_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


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

    Parameters
    ----------
    value : str, number, list or None
        The ``maxspeed`` tag.

    Returns
    -------
    float
        km/h.

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
    """Speed of a drivable OSM edge: its ``maxspeed``, else :data:`DEFAULT_SPEED_KPH` for its class.

    Parameters
    ----------
    attrs : dict
        The edge's OSM tags (``maxspeed``, ``highway``, ...).

    Returns
    -------
    float
        km/h; NaN for a way a car may not use.
    """
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
    x_m, y_m = to_work_crs(lon, lat, crs)
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
    return compact_network(x_m, y_m, np.array(u), np.array(v), np.array(minutes), source=source)


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
    x_m, y_m = to_work_crs(lon[first], lat[first], "EPSG:4326")
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
