"""Road networks: OSM (XML, PBF, GraphML), NVDB/Pipos line layers, the GTFS stand-in."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from landuse.errors import (
    ColumnNotFoundError,
    GTFSError,
    MissingCRSError,
    NetworkError,
    PartialLossWarning,
    SchematicDataWarning,
)
from landuse.network import (
    DEFAULT_SPEED_KPH,
    RoadNetwork,
    network_from_edges,
    network_from_file,
    network_from_gtfs,
    network_from_lines,
    network_from_osm,
    parse_maxspeed_kph,
)

DATA = Path(__file__).parent / "data"
OSM = DATA / "car_roads.osm"
R = 6_371_009.0  # mean Earth radius (m) osmnx uses for great-circle lengths

# node id -> (lat, lon) of tests/data/car_roads.osm
LATLON = {"A": (65.580, 22.000), "B": (65.590, 22.000), "C": (65.600, 22.000), "D": (65.595, 22.020),
          "E": (65.600, 22.040)}


def great_circle_m(p: tuple[float, float], q: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = p, q
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * R * math.asin(math.sqrt(h))


def minutes(p: str, q: str, kph: float) -> float:
    return great_circle_m(LATLON[p], LATLON[q]) / 1000 / kph * 60


def node_index(network: RoadNetwork, name: str) -> int:
    lat, lon = LATLON[name]
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True).transform(lon, lat)
    return int(np.argmin(np.hypot(network.x_m - x, network.y_m - y)))


def edge_min(network: RoadNetwork, p: str, q: str) -> float:
    return float(network.minutes[node_index(network, p), node_index(network, q)])


def test_hand_made_osm_edges_by_hand():
    net = network_from_osm(OSM)
    # footway, parking aisle and building nodes are left out: A B C D E remain
    assert net.n_nodes == 5 and not net.schematic
    # A-B primary maxspeed 70: 1 111.95 m (0.01 degree of latitude) -> 0.9531 min
    assert edge_min(net, "A", "B") == pytest.approx(minutes("A", "B", 70), rel=1e-9)
    assert edge_min(net, "A", "B") == pytest.approx(0.01 * math.pi / 180 * R / 1000 / 70 * 60, rel=1e-9)
    assert edge_min(net, "B", "A") == pytest.approx(minutes("A", "B", 70), rel=1e-9)
    # B-C one-way Storgatan at 50: only from B to C
    assert edge_min(net, "B", "C") == pytest.approx(minutes("B", "C", 50), rel=1e-9)
    assert edge_min(net, "C", "B") == 0 and not net.minutes[[node_index(net, "C")], :].toarray()[0, node_index(net, "B")]
    # Bakgatan residential without maxspeed: the Swedish default 40 km/h
    assert DEFAULT_SPEED_KPH["residential"] == 40
    assert edge_min(net, "D", "C") == pytest.approx(minutes("D", "C", 40), rel=1e-9)
    # D-E maxspeed SE:rural = 70 km/h
    assert edge_min(net, "E", "D") == pytest.approx(minutes("D", "E", 70), rel=1e-9)
    assert net.n_edges == 9
    assert len(net.main_nodes) == 5


def test_pbf_and_graphml_match_xml(tmp_path):
    osmium = pytest.importorskip("osmium")
    import osmnx as ox

    xml = network_from_osm(OSM)
    pbf = tmp_path / "car_roads.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    try:
        for obj in osmium.FileProcessor(str(OSM)):
            writer.add(obj)
    finally:
        writer.close()
    from_pbf = network_from_osm(pbf)
    graphml = tmp_path / "car_roads.graphml"
    ox.save_graphml(ox.graph_from_xml(OSM, simplify=False, retain_all=True), graphml)
    from_graphml = network_from_osm(graphml)
    for other in (from_pbf, from_graphml):
        assert other.n_nodes == 5 and other.n_edges == 9
        for p, q in [("A", "B"), ("B", "C"), ("C", "D"), ("D", "B"), ("D", "E")]:
            assert edge_min(other, p, q) == pytest.approx(edge_min(xml, p, q), rel=1e-9)
        assert edge_min(other, "C", "B") == 0


def test_parse_maxspeed():
    assert parse_maxspeed_kph("70") == 70
    assert parse_maxspeed_kph("30 mph") == pytest.approx(48.28032)
    assert parse_maxspeed_kph("SE:urban") == 50
    assert parse_maxspeed_kph("50;70") == 60
    assert parse_maxspeed_kph("['50', '70']") == 60
    assert math.isnan(parse_maxspeed_kph("none")) and math.isnan(parse_maxspeed_kph(None))


def test_network_from_edges_keeps_fastest_parallel_edge_and_validates():
    net = network_from_edges([0, 1, 2], [0, 0, 0], [0, 0, 1, 1], [1, 1, 2, 1], [5.0, 3.0, 2.0, 9.0], source="t")
    assert net.minutes[0, 1] == 3.0 and net.minutes[1, 2] == 2.0 and net.n_edges == 2
    with pytest.raises(NetworkError, match="outside 0..2"):
        network_from_edges([0, 1, 2], [0, 0, 0], [0], [3], [1.0], source="t")
    with pytest.raises(NetworkError, match="negative"):
        network_from_edges([0, 1], [0, 0], [0], [1], [-1.0], source="t")


def roads_frame(crs: str | None = "EPSG:3006") -> gpd.GeoDataFrame:
    """An NVDB-style layer: a 3-line main network (one one-way) and a networkGrp island."""
    x, y = 830_000.0, 7_290_000.0
    return gpd.GeoDataFrame(
        {
            "HTHAST": [60, 60, 30, 90, 0],
            "ENKELRIKT": [0, 0, 1, 0, 0],
            "networkGrp": [0, 0, 0, 3, 0],
        },
        geometry=[
            shapely.LineString([(x, y), (x + 1000, y)]),
            # end point 0.4 m off the previous line's end: joined within the 1 m tolerance
            shapely.LineString([(x + 1000.4, y), (x + 1000, y + 2000)]),
            shapely.LineString([(x + 1000, y + 2000), (x + 500, y + 1000), (x, y)]),
            shapely.LineString([(x + 5000, y), (x + 6000, y)]),  # island, networkGrp 3
            shapely.LineString([(x, y), (x, y - 500)]),  # speed 0: left out with a warning
        ],
        crs=crs,
    )


def test_network_from_lines_networkgrp_snapping_oneway(tmp_path):
    path = tmp_path / "roads_nvdb.gpkg"
    roads_frame().to_file(path, layer="vagnat")
    with pytest.warns(PartialLossWarning, match="1 of 4 lines"):
        net = network_from_lines(path, speed_column="hthast", oneway_column="ENKELRIKT")
    assert net.n_nodes == 3 and "networkGrp 0" in net.source
    assert net.x_m.max() < 832_000  # the island is gone
    x0 = 830_000.0
    a = int(np.argmin(np.hypot(net.x_m - x0, net.y_m - 7_290_000)))
    b = int(np.argmin(np.hypot(net.x_m - (x0 + 1000), net.y_m - 7_290_000)))
    c = int(np.argmin(np.hypot(net.x_m - (x0 + 1000), net.y_m - 7_292_000)))
    assert net.minutes[a, b] == pytest.approx(1.0)  # 1 km at 60
    assert net.minutes[b, a] == pytest.approx(1.0)
    back = 2 * math.hypot(500, 1000)  # the one-way line c -> a, 30 km/h
    assert net.minutes[c, a] == pytest.approx(back / 1000 / 30 * 60)
    assert net.minutes[a, c] == 0 and (a, c) not in set(zip(*net.minutes.nonzero()))


def test_network_from_lines_errors(tmp_path):
    path = tmp_path / "roads_nocrs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # pyogrio, writing the bad input on purpose
        roads_frame(crs=None).to_file(path)
    with pytest.raises(MissingCRSError, match="source_crs"):
        network_from_lines(path, speed_column="HTHAST")
    good = tmp_path / "roads.gpkg"
    roads_frame().to_file(good)
    with pytest.raises(ColumnNotFoundError, match="Columns found: HTHAST, ENKELRIKT, networkGrp"):
        network_from_lines(good, speed_column="speed", oneway_column="oneway")


def test_gtfs_stand_in_is_schematic_and_dispatched():
    with pytest.warns(SchematicDataWarning, match="schematic stand-in"):
        net = network_from_gtfs()
    assert net.schematic and "APPROXIMATE/SCHEMATIC" in net.source
    assert net.n_nodes > 1000 and len(net.main_nodes) > 0.95 * net.n_nodes
    # no segment faster than 110 km/h over its along-road distance: >= 0 minutes and finite
    assert np.isfinite(net.minutes.data).all() and (net.minutes.data >= 0).all()
    # symmetric: roads are two-way in the stand-in
    assert abs(net.minutes - net.minutes.T).max() == 0
    with pytest.warns(SchematicDataWarning):
        again = network_from_file(Path(network_from_gtfs.__globals__["resolve"](None).data_dir) / "gtfs" /
                                  "ltnbd_gtfs_2022-12-14.zip")
    assert again.n_edges == net.n_edges


@pytest.mark.parametrize(("feed", "message"), [
    ("gtfs_bad_truncated.zip", r"GTFS feed `gtfs_bad_truncated.zip` is not a readable zip archive"),
    ("gtfs_bad_missing_stop_times.zip", r"`gtfs_bad_missing_stop_times.zip` is incomplete: missing stop_times.txt"),
    ("gtfs_bad_missing_column.zip", r"`gtfs_bad_missing_column.zip` is incomplete: trips.txt lacks column service_id"),
])
def test_broken_gtfs_is_diagnosed_as_gtfs(feed, message):
    with pytest.raises(GTFSError, match=message) as info:
        network_from_file(DATA / feed)
    assert "--network" in str(info.value) or "Download" in str(info.value)


def test_gtfs_folder_is_dispatched_and_line_layer_takes_source_crs(tmp_path):
    with pytest.warns(SchematicDataWarning):
        net = network_from_file(DATA / "gtfs_tiny")
    assert net.schematic and net.n_nodes > 0
    path = tmp_path / "roads_nocrs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        roads_frame(crs=None).to_file(path)
    with pytest.warns(PartialLossWarning, match="1 of 4 lines"):  # the fixture's 0 km/h line
        assert network_from_file(path, speed_column="HTHAST", source_crs="EPSG:3006").n_edges > 0


@pytest.mark.parametrize("name", ["landuse.network.graph", "landuse.network.osm", "landuse.access.car"])
def test_examples(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
