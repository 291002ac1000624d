"""The DEMO STAND-IN car network built from a bus timetable: approximate and schematic, never official data."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from landuse.errors import GTFSError, SchematicDataWarning
from landuse.gtfs import Feed, load_feed
from landuse.network.graph import RoadNetwork, compact_network, to_work_crs
from landuse.settings import Settings, resolve

__all__ = ["GTFS_CONNECT_M", "GTFS_MAX_SPEED_KPH", "network_from_gtfs"]

#: In the GTFS stand-in, stop nodes closer than this (metres) are linked both ways.
GTFS_CONNECT_M = 300.0
#: In the GTFS stand-in, no segment is faster than this (km/h) whatever the timetable says.
GTFS_MAX_SPEED_KPH = 110.0


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
    settings : Settings, optional
        ``gtfs_car_time_factor`` (car minutes per bus running minute), ``access_speed_kph``
        (km/h on the short links between stops within ``GTFS_CONNECT_M``) and
        ``data_dir`` (the default feed).

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
    x_m, y_m = to_work_crs(stations["stop_lon"].to_numpy(), stations["stop_lat"].to_numpy(), "EPSG:4326")

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
    return compact_network(x_m, y_m, u, v, t, source=label, schematic=True)
