"""The car network from Lantmäteriet's Topografi 250 main roads (landuse.network.network_from_main_roads)."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from landuse.errors import NetworkError, PartialLossWarning
from landuse.network import (
    DEFAULT_ROAD_NETWORK,
    EDGE_COLUMNS,
    MAIN_ROAD_SOURCE,
    MAIN_ROAD_SPEED_KPH,
    RoadNetwork,
    network_edges,
    network_from_edges,
    network_from_file,
    network_from_main_roads,
)
from landuse.settings import DATA_DIR

SOURCE = DATA_DIR / DEFAULT_ROAD_NETWORK

# Real road distances between centralorter, km.  Primary source: the along-road distance
# of Länstrafiken Norrbotten's buses between the two towns (Samtrafiken GTFS Regional
# SE-norrbotten, version 2022-12-14, CC0, the feed embedded as landuse/data/gtfs/:
# stop_times.shape_dist_traveled between stops within 1.5 km of each centralort, the
# shortest trip; its line is named).  Buses enter villages on the way, so these are if
# anything longer than a car's route.  Other published figures are given where found.
# The comment ends with the roads the network's shortest path uses.
REAL_KM = [
    # line 10: 119.9 km; network: E10, E45
    ("Kiruna", "Gällivare", 119.9, "Länstrafiken line 10"),
    # line 30: 35.0 km; Wikivoyage "Boden": "35 kilometres north-west of Luleå"; network: 97
    ("Luleå", "Boden", 35.0, "Länstrafiken line 30; Wikivoyage Boden: 35 km"),
    # line 44: 93.4 km; cycle-tour logs Jokkmokk-Gällivare give 100-101 km; network: E45
    ("Gällivare", "Jokkmokk", 93.4, "Länstrafiken line 44"),
    # line 17: 88.3 km; Rough Guide to Sweden: Arjeplog lies "85km from Arvidsjaur"; network: 95
    ("Arvidsjaur", "Arjeplog", 88.3, "Länstrafiken line 17; Rough Guide: 85 km"),
    # line 54: 70.9 km; network: 99
    ("Haparanda", "Övertorneå", 70.9, "Länstrafiken line 54"),
    # line 54: 112.7 km; network: 99
    ("Övertorneå", "Pajala", 112.7, "Länstrafiken line 54"),
    # line 20: 73.7 km; network: E4
    ("Luleå", "Kalix", 73.7, "Länstrafiken line 20"),
    # line 44: 171.9 km; network: 97
    ("Luleå", "Jokkmokk", 171.9, "Länstrafiken line 44"),
    # line 21: 156.7 km; network: 94
    ("Luleå", "Arvidsjaur", 156.7, "Länstrafiken line 21"),
    # line 10: 101.1 km; network: E4 to Töre, E10 over Morjärv (the 42 m junction gap snapped)
    ("Luleå", "Överkalix", 101.1, "Länstrafiken line 10"),
    # line 10: 367.0 km (the bus goes through Överkalix); network: E4, E10 over Morjärv and Gällivare
    ("Kiruna", "Luleå", 367.0, "Länstrafiken line 10"),
]


@pytest.fixture(scope="module")
def network() -> RoadNetwork:
    with pytest.warns(PartialLossWarning, match=r"13 of \d+ road pieces \(89\.4 of 34\d\d\.\d km\)"):
        return network_from_main_roads()


@pytest.fixture(scope="module")
def edges(network) -> gpd.GeoDataFrame:
    return network_edges(network)


def _length_matrix(edges: gpd.GeoDataFrame, n: int) -> sparse.csr_array:
    u, v, w = edges["u"].to_numpy(), edges["v"].to_numpy(), edges["length_m"].to_numpy()
    return sparse.coo_array((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(n, n)).tocsr()


def _centralort_nodes(network: RoadNetwork) -> dict[str, int]:
    from landuse.access.indicator import load_centralorter

    towns = load_centralorter()
    _, node = cKDTree(np.column_stack([network.x_m, network.y_m])).query(
        np.column_stack([towns.geometry.x, towns.geometry.y]))
    return dict(zip(towns["name"], node.tolist()))


def test_label_edges_and_statistics(network, edges):
    assert network.source == (
        "Lantmäteriet Topografi 250, huvudvägnät; main roads only (motorväg, motortrafikled, mötesfri väg, landsväg)")
    assert network.source.split("; ")[0] == MAIN_ROAD_SOURCE
    assert network.schematic is False
    assert network.dropped_pieces == 13 and network.dropped_km == pytest.approx(89.4, abs=0.1)
    assert list(edges.columns) == EDGE_COLUMNS + ["geometry"]
    assert edges.crs.to_epsg() == 3006 and (edges.geom_type == "LineString").all()
    assert (edges["u"] < edges["v"]).all() and not edges[["u", "v"]].duplicated().any()
    assert set(edges["klass"]) == set(MAIN_ROAD_SPEED_KPH)
    assert (edges["speed_kph"] == edges["klass"].map(MAIN_ROAD_SPEED_KPH)).all()
    assert edges["travel_time_min"].to_numpy() == pytest.approx(
        edges["length_m"].to_numpy() / 1000 / edges["speed_kph"].to_numpy() * 60)
    assert edges["length_m"].to_numpy() == pytest.approx(edges.length.to_numpy())
    assert {"E4", "E10", "E45", "95", "97", "99"} <= set(edges["road"].dropna())
    assert edges["source"].str.startswith("Lantmäteriet Topografi 250").all()
    # one connected network, every edge two-way
    from scipy.sparse.csgraph import connected_components

    assert connected_components(network.minutes, directed=True, connection="strong")[0] == 1
    assert network.n_edges == 2 * len(edges)
    print(f"\n{network!r}: {len(edges)} edges, {edges['length_m'].sum() / 1000:.1f} km kept, "
          f"{network.dropped_pieces} pieces / {network.dropped_km:.1f} km dropped")


def test_distances_between_centralorter_match_real_roads(network, edges):
    nodes = _centralort_nodes(network)
    names = sorted({t for a, b, _, _ in REAL_KM for t in (a, b)})
    dist_km = dijkstra(_length_matrix(edges, network.n_nodes), indices=[nodes[t] for t in names])[
        :, [nodes[t] for t in names]] / 1000
    at = {t: i for i, t in enumerate(names)}
    rows = []
    for a, b, real_km, source in REAL_KM:
        net_km = dist_km[at[a], at[b]]
        rows.append((f"{a}–{b}", net_km, real_km, source, 100 * (net_km - real_km) / real_km))
    print("\npair                  network km  real km  diff   source")
    for pair, net_km, real_km, source, diff in rows:
        print(f"{pair:22s}{net_km:10.1f}{real_km:9.1f}{diff:+6.1f} %  {source}")
    close = [r for r in rows if abs(r[4]) <= 15]
    assert len(close) == len(rows) >= 6, [r for r in rows if abs(r[4]) > 15]


def test_networkx_agrees_with_scipy(network, edges):
    graph = nx.Graph()
    for u, v, w in zip(edges["u"], edges["v"], edges["length_m"]):
        graph.add_edge(int(u), int(v), weight=float(w))
    nodes = _centralort_nodes(network)
    names = ["Kiruna", "Luleå", "Haparanda", "Arjeplog", "Pajala"]
    dist = dijkstra(_length_matrix(edges, network.n_nodes), indices=[nodes[t] for t in names])
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            expected = nx.shortest_path_length(graph, nodes[a], nodes[b], weight="weight")
            assert dist[i, nodes[b]] == pytest.approx(expected, rel=1e-9)
    # and on travel time, the matrix the car engine routes on
    minutes = dijkstra(network.minutes, indices=nodes["Luleå"])[nodes["Kiruna"]]
    for u, v, t in zip(edges["u"], edges["v"], edges["travel_time_min"]):
        graph[int(u)][int(v)]["minutes"] = float(t)
    assert minutes == pytest.approx(nx.shortest_path_length(graph, nodes["Luleå"], nodes["Kiruna"], weight="minutes"))


def test_no_edge_longer_than_max_edge(edges):
    assert edges["length_m"].max() <= 300.0 + 1e-6
    with pytest.warns(PartialLossWarning):
        short = network_edges(network_from_main_roads(max_edge_m=100.0))
    assert short["length_m"].max() <= 100.0 + 1e-6


def test_total_length_is_the_source_minus_what_was_dropped(network, edges):
    source_km = gpd.read_file(SOURCE).length.sum() / 1000
    kept_km = edges["length_m"].sum() / 1000
    assert kept_km == pytest.approx(source_km - network.dropped_km, rel=0.02)


def test_network_from_file_recognises_topografi_250():
    with pytest.warns(PartialLossWarning):
        net = network_from_file(SOURCE)
    assert net.source.startswith(MAIN_ROAD_SOURCE) and net.edges is not None


# ----------------------------------------------------------------------------- tiny layer

X0, Y0 = 700_000.0, 7_300_000.0


def _tiny_layer(path, klass_c="motesfri"):
    """A (landsväg) and B (motorväg) cross; C ends 10 m short of A; D is an island 1 km long."""
    lines = {
        "A": ("landsvag", [(X0, Y0), (X0 + 2000, Y0)]),
        "B": ("motorvag", [(X0 + 1000, Y0 - 1000), (X0 + 1000, Y0 + 1000)]),
        "C": (klass_c, [(X0 + 500, Y0 + 1000), (X0 + 500, Y0 + 10)]),
        "D": ("landsvag", [(X0 + 20_000, Y0 + 20_000), (X0 + 21_000, Y0 + 20_000)]),
    }
    frame = gpd.GeoDataFrame(
        {"vagnummer": list(lines), "klass": [k for k, _ in lines.values()]},
        geometry=[shapely.LineString(c) for _, c in lines.values()], crs="EPSG:3006")
    frame.to_file(path, layer="vaglinje", engine="pyogrio")
    return path


def _node_at(net: RoadNetwork, x: float, y: float) -> int:
    d = np.hypot(net.x_m - x, net.y_m - y)
    assert d.min() < 0.01, (x, y, d.min())
    return int(d.argmin())


def test_tiny_layer_crossing_snap_island_and_times(tmp_path):
    path = _tiny_layer(tmp_path / "roads.gpkg")
    with pytest.warns(PartialLossWarning, match=r"1 of \d+ road pieces \(1\.0 of 6\.0 km\)"):
        net = network_from_main_roads(path)
    edges = network_edges(net)
    assert net.dropped_pieces == 1 and net.dropped_km == pytest.approx(1.0)
    assert edges["length_m"].sum() == pytest.approx(2000 + 2000 + 990 + 10)  # the 10 m gap is now road
    assert "D" not in set(edges["road"])
    crossing = _node_at(net, X0 + 1000, Y0)  # A and B cross: a node
    snapped = _node_at(net, X0 + 500, Y0)  # C's end joined to A
    top_c, bottom_b = _node_at(net, X0 + 500, Y0 + 1000), _node_at(net, X0 + 1000, Y0 - 1000)
    times = dijkstra(net.minutes, indices=top_c)
    # by hand: C 1000 m at 100 km/h, A 500 m at 80 km/h, B 1000 m at 110 km/h
    c_min, a_min, b_min = 1.0 / 100 * 60, 0.5 / 80 * 60, 1.0 / 110 * 60
    assert times[snapped] == pytest.approx(c_min)
    assert times[crossing] == pytest.approx(c_min + a_min)
    assert times[bottom_b] == pytest.approx(c_min + a_min + b_min)
    assert edges["length_m"].max() <= 300.0 + 1e-6
    assert net.source.startswith(MAIN_ROAD_SOURCE)


def test_unknown_klass_is_one_line_network_error(tmp_path):
    path = _tiny_layer(tmp_path / "roads.gpkg", klass_c="smavag")
    with pytest.raises(NetworkError, match=r"road classes without a speed: 'smavag' \(1\)\. Known classes: motorvag"):
        network_from_main_roads(path)


def test_network_edges_of_a_network_without_geometry():
    net = network_from_edges([0, 1000, 0], [0, 0, 2000], [0, 1, 0, 2], [1, 0, 2, 0], [1.0, 2.0, 2.0, 0.0],
                             source="test net")
    edges = network_edges(net)
    assert list(edges.columns) == EDGE_COLUMNS + ["geometry"]
    assert edges[["u", "v"]].to_numpy().tolist() == [[0, 1], [0, 2]]
    assert edges["length_m"].tolist() == [1000.0, 2000.0]
    assert edges["travel_time_min"].tolist() == [1.0, 0.0]  # the faster direction
    assert edges["speed_kph"].iloc[0] == pytest.approx(60.0) and np.isnan(edges["speed_kph"].iloc[1])
    assert edges["road"].isna().all() and edges["klass"].isna().all() and (edges["source"] == "test net").all()
    assert edges.crs.to_epsg() == 3006
    assert net.edges is None and net.dropped_km == 0.0 and net.dropped_pieces == 0


def test_network_module_examples_run():
    import doctest

    import landuse.network

    result = doctest.testmod(landuse.network, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 2 and result.failed == 0
