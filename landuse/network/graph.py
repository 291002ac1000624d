"""The road network object: nodes in EPSG:3006 and a sparse matrix of edge minutes, and its edges as lines.

Every builder (:mod:`~landuse.network.osm`, :mod:`~landuse.network.lines`,
:mod:`~landuse.network.main_roads`, :mod:`~landuse.network.gtfs_stand_in`) ends in
:func:`network_from_edges`; :func:`network_edges` draws the edges for maps and outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from landuse.errors import NetworkError
from landuse.outputs import EDGE_COLUMNS
from landuse.settings import WORK_CRS

if TYPE_CHECKING:  # heavy imports only where a function needs them
    import geopandas as gpd
    from scipy.spatial import cKDTree

__all__ = ["RoadNetwork", "EDGE_COLUMNS", "network_from_edges", "compact_network", "network_edges", "to_work_crs"]



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

    Returns
    -------
    RoadNetwork
        Nodes in EPSG:3006, one CSR row of edge minutes per node.

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


def compact_network(x_m: np.ndarray, y_m: np.ndarray, u: np.ndarray, v: np.ndarray, minutes: np.ndarray,
                    *, source: str, schematic: bool = False) -> RoadNetwork:
    """:func:`network_from_edges` without the nodes no edge touches (points of buildings, footways), renumbered.

    Parameters
    ----------
    x_m, y_m : array of float
        Node coordinates in metres, EPSG:3006.
    u, v : array of int
        Edge tail and head node indices.
    minutes : array of float
        Edge travel time in minutes.
    source : str
        Label of the network's origin.
    schematic : bool
        Mark a demo stand-in.

    Returns
    -------
    RoadNetwork
    """
    used = np.zeros(x_m.shape[0], dtype=bool)
    used[u] = True
    used[v] = True
    new_index = np.cumsum(used) - 1
    return network_from_edges(x_m[used], y_m[used], new_index[u], new_index[v], minutes,
                              source=source, schematic=schematic)


def to_work_crs(x: np.ndarray, y: np.ndarray, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in ``crs`` as easting and northing in metres, EPSG:3006 (unchanged when already there).

    Parameters
    ----------
    x, y : array of float
        Coordinates in ``crs`` (longitude, latitude for EPSG:4326).
    crs : anything pyproj reads
        Their CRS.

    Returns
    -------
    (x_m, y_m) : tuple of numpy.ndarray
        EPSG:3006 metres.
    """
    from pyproj import CRS, Transformer

    crs = CRS.from_user_input(crs)
    if crs == CRS.from_user_input(WORK_CRS):
        return np.asarray(x, float), np.asarray(y, float)
    transformer = Transformer.from_crs(crs, WORK_CRS, always_xy=True)
    xx, yy = transformer.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(xx), np.asarray(yy)


def network_edges(network: RoadNetwork) -> "gpd.GeoDataFrame":
    """The undirected edges of a network as lines, for maps and the ``network`` output layer.

    Parameters
    ----------
    network : RoadNetwork
        The network to draw: nodes in EPSG:3006, edge minutes and the edges' attributes.

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
