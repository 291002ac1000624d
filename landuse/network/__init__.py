"""Road networks for car accessibility: OSM, NVDB/Pipos line layers, Lantmäteriet's main roads, GTFS stand-in.

Every source becomes one small :class:`RoadNetwork`: node coordinates in SWEREF 99 TM
(EPSG:3006) and a sparse matrix of directed edge travel times in minutes, ready for
:mod:`scipy.sparse.csgraph`.  :mod:`landuse.access.car` routes on it.

One module per job, every public name reachable from here:

=============================  ==========================================================
:mod:`~.graph`                 :class:`RoadNetwork`, :func:`network_from_edges`,
                               :func:`network_edges` (the edges as lines)
:mod:`~.osm`                   :func:`network_from_osm` (.osm, .osm.pbf, .graphml)
:mod:`~.lines`                 :func:`network_from_lines` (NVDB, Pipos)
:mod:`~.main_roads`            :func:`network_from_main_roads` (Topografi 250, the default)
:mod:`~.gtfs_stand_in`         :func:`network_from_gtfs` (schematic demo stand-in)
:mod:`~.files`                 :func:`network_from_file` (picks one of the above)
:mod:`~.routing`               :func:`snap`, :func:`multi_source` and the access leg
=============================  ==========================================================

Examples
--------
>>> from landuse.network import network_from_edges
>>> network_from_edges([0, 1000], [0, 0], [0, 1], [1, 0], [1.0, 1.0], source="a line")
RoadNetwork(2 nodes, 2 edges: a line)
"""

from __future__ import annotations

from landuse.network.files import network_from_file
from landuse.network.graph import EDGE_COLUMNS, RoadNetwork, network_edges, network_from_edges
from landuse.network.gtfs_stand_in import GTFS_CONNECT_M, GTFS_MAX_SPEED_KPH, network_from_gtfs
from landuse.network.lines import network_from_lines
from landuse.network.main_roads import (
    DEFAULT_ROAD_NETWORK,
    MAIN_ROAD_LIMITS,
    MAIN_ROAD_SNAP_M,
    MAIN_ROAD_SOURCE,
    MAIN_ROAD_SPEED_KPH,
    network_from_main_roads,
)
from landuse.network.osm import DEFAULT_SPEED_KPH, SPEED_KEYWORDS_KPH, edge_speed_kph, network_from_osm, \
    parse_maxspeed_kph
from landuse.network.routing import multi_source, snap

__all__ = [
    "RoadNetwork",
    "DEFAULT_SPEED_KPH",
    "SPEED_KEYWORDS_KPH",
    "DEFAULT_ROAD_NETWORK",
    "MAIN_ROAD_SPEED_KPH",
    "MAIN_ROAD_SOURCE",
    "MAIN_ROAD_LIMITS",
    "MAIN_ROAD_SNAP_M",
    "GTFS_CONNECT_M",
    "GTFS_MAX_SPEED_KPH",
    "EDGE_COLUMNS",
    "network_from_osm",
    "network_from_lines",
    "network_from_main_roads",
    "network_from_gtfs",
    "network_from_edges",
    "network_from_file",
    "network_edges",
    "parse_maxspeed_kph",
    "edge_speed_kph",
    "snap",
    "multi_source",
]
