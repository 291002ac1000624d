"""Car accessibility: snapping, multi-source travel times, isochrones, the indicator (the CLI: tests/cli)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from landuse.access.car import (
    ISOCHRONE_COLUMNS,
    accessibility,
    isochrones,
    travel_times,
)
from landuse.demo import car_step
from landuse.errors import InvalidSettingError, NetworkError, PartialLossWarning
from landuse.access.indicator import INDICATOR_COLUMNS
from landuse.network import RoadNetwork, network_from_edges, network_from_osm
from landuse.settings import Settings

DATA = Path(__file__).parent / "data"
OSM = DATA / "car_roads.osm"
LATLON = {"A": (65.580, 22.000), "B": (65.590, 22.000), "C": (65.600, 22.000), "D": (65.595, 22.020),
          "E": (65.600, 22.040)}
_TO_3006 = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
XY = {k: _TO_3006.transform(lon, lat) for k, (lat, lon) in LATLON.items()}
DETOUR = 1.3  # default access detour factor: the access leg is the straight line x 1.3
ACCESS_M_PER_MIN = 50 * 1000 / 60 / DETOUR  # straight-line metres per minute at the default access speed, 50 km/h


def gc_min(p: str, q: str, kph: float) -> float:
    """Great-circle minutes between two fixture nodes: haversine, R = 6 371 009 m (as osmnx)."""
    (lat1, lon1), (lat2, lon2) = LATLON[p], LATLON[q]
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_009.0 * math.asin(math.sqrt(h)) / 1000 / kph * 60


def points(rows: list[dict], xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=[shapely.Point(p) for p in xy], crs="EPSG:3006")


@pytest.fixture(scope="module")
def osm_net() -> RoadNetwork:
    return network_from_osm(OSM)


def centralorter_ae() -> gpd.GeoDataFrame:
    return points([{"target_id": "T1", "name": "Luleå", "kommun_code": "2580"},
                   {"target_id": "T2", "name": "Boden", "kommun_code": "2582"}], [XY["A"], XY["E"]])


def test_travel_times_by_hand_one_way_and_speed_factor(osm_net):
    # origin 100 m north of C, target exactly at A (and the other way round)
    c_north = (XY["C"][0], XY["C"][1] + 100)
    origins = points([{"origin_id": "o1"}], [c_north])
    target_a = points([{"name": "A"}], [XY["A"]])
    got = travel_times(origins, target_a, source=osm_net)
    # C -> A cannot use the one-way Storgatan (B -> C only): C-D-B on Bakgatan (40), B-A (70)
    by_hand = 100 / ACCESS_M_PER_MIN + gc_min("C", "D", 40) + gc_min("D", "B", 40) + gc_min("B", "A", 70)
    assert got["travel_time_min"].iloc[0] == pytest.approx(by_hand, rel=1e-9)
    assert got["target"].iloc[0] == "A"
    assert got["snap_dist_m"].iloc[0] == pytest.approx(100, abs=1e-6)
    # A -> C may use the one-way street
    forward = travel_times(points([{"origin_id": "o"}], [XY["A"]]), points([{"name": "C"}], [c_north]), source=osm_net)
    assert forward["travel_time_min"].iloc[0] == pytest.approx(
        gc_min("A", "B", 70) + gc_min("B", "C", 50) + 100 / ACCESS_M_PER_MIN, rel=1e-9)
    # speed factor scales the network part only; access speed the straight legs
    slow = travel_times(origins, target_a, source=osm_net,
                        settings=Settings(speed_factor=1.5, access_speed_kph=60))
    assert slow["travel_time_min"].iloc[0] == pytest.approx(100 * DETOUR / 1000 + 1.5 * (by_hand - 100 / ACCESS_M_PER_MIN))


def test_own_against_any(osm_net):
    origins = points([{"origin_id": "d", "kommun_code": "2580", "population": 10.0},
                      {"origin_id": "b", "kommun_code": "2582", "population": 5.0}], [XY["D"], XY["B"]])
    any_ = travel_times(origins, centralorter_ae(), source=osm_net, target="any")
    own = travel_times(origins, centralorter_ae(), source=osm_net, target="OWN")
    # D is 0.92 min from Boden's E but 2.56 min from Luleå's A
    assert any_["target"].tolist() == ["Boden", "Luleå"]
    assert any_["travel_time_min"].iloc[0] == pytest.approx(gc_min("D", "E", 70), rel=1e-9)
    assert own["target"].tolist() == ["Luleå", "Boden"]
    assert own["travel_time_min"].iloc[0] == pytest.approx(gc_min("D", "B", 40) + gc_min("B", "A", 70), rel=1e-9)
    assert own["travel_time_min"].iloc[1] == pytest.approx(gc_min("B", "D", 40) + gc_min("D", "E", 70), rel=1e-9)
    assert (own["travel_time_min"] >= any_["travel_time_min"] - 1e-12).all()
    with pytest.raises(InvalidSettingError, match="'any'"):
        travel_times(origins, centralorter_ae(), source=osm_net, target="nearest")


def test_origin_beyond_max_snap_is_kept_unreachable(osm_net):
    far = (XY["E"][0] + 6000, XY["E"][1])
    near_far = (XY["E"][0] + 1500, XY["E"][1])
    origins = points([{"origin_id": i} for i in "abc"], [XY["B"], far, near_far])
    five_km = Settings(max_snap_m=5000)
    with pytest.warns(PartialLossWarning, match="1 of 3 origins are farther than 5000 m"):
        got = travel_times(origins, centralorter_ae(), source=osm_net, settings=five_km)
    assert np.isnan(got["travel_time_min"].iloc[1]) and pd.isna(got["target"].iloc[1])
    assert got["travel_time_min"].iloc[2] == pytest.approx(1500 / ACCESS_M_PER_MIN, rel=1e-6)
    # --max-snap-m 1000: the third is now out too
    with pytest.warns(PartialLossWarning, match="2 of 3 origins"):
        tight = travel_times(origins, centralorter_ae(), source=osm_net, settings=Settings(max_snap_m=1000))
    assert tight["travel_time_min"].isna().tolist() == [False, True, True]
    # total loss raises
    with pytest.raises(NetworkError, match="None of the 1 origins"):
        travel_times(points([{"origin_id": "x"}], [far]), centralorter_ae(), source=osm_net, settings=five_km)


def test_unreachable_island_and_orphan_kommun():
    # two strongly connected parts: nodes 0-1 (main, longer) and 2-3 (island) 20 km away
    net = network_from_edges([0, 1000, 1500, 20_000, 20_100, 20_300], [0] * 6,
                             [0, 1, 1, 2, 3, 4, 4, 5], [1, 0, 2, 1, 4, 3, 5, 4], [1.0] * 8, source="two parts")
    assert sorted(net.main_nodes.tolist()) == [0, 1, 2]
    targets = points([{"name": "Main", "kommun_code": "1"}, {"name": "Island", "kommun_code": "2"}],
                     [(0, 0), (20_100, 0)])
    origins = points([{"origin_id": "m", "kommun_code": "1"}, {"origin_id": "i", "kommun_code": "2"},
                      {"origin_id": "n", "kommun_code": None}], [(1000, 0), (20_000, 0), (1500, 0)])
    # the island's nodes are not in the largest component: island origin and target cannot snap
    with pytest.warns(PartialLossWarning) as record:
        got = travel_times(origins, targets, source=net, target="own", settings=Settings(max_snap_m=5000))
    messages = " | ".join(str(w.message) for w in record)
    assert "Island" in messages and "1 of 3 origins are farther" in messages
    assert "kommun without a reachable centralort" in messages
    assert got["travel_time_min"].iloc[0] == pytest.approx(1.0)
    assert got["travel_time_min"].iloc[1:].isna().all()


def test_zero_population_origins(osm_net):
    origins = points([{"origin_id": "a", "kommun_code": "2580", "population": 0.0},
                      {"origin_id": "b", "kommun_code": "2582", "population": 0.0},
                      {"origin_id": "c", "kommun_code": "2582", "population": 7.0}], [XY["B"], XY["C"], XY["D"]])
    result = accessibility(origins, centralorter_ae(), source=osm_net, minutes=(1, 60))
    assert result.origins["travel_time_min"].notna().all()  # still routed
    table = result.table
    assert list(table.columns) == INDICATOR_COLUMNS
    lulea = table[(table["kommun_code"] == "2580") & (table["minutes"] == 60)].iloc[0]
    assert lulea["population"] == 0 and np.isnan(lulea["share_within"])
    county = table[(table["kommun_code"] == "25") & (table["minutes"] == 60)].iloc[0]
    assert county["population"] == 7 and county["share_within"] == 1.0
    one = table[(table["kommun_code"] == "25") & (table["minutes"] == 1)].iloc[0]
    assert one["population_within"] == 7  # D -> E is 0.92 min


def random_road_graph(seed: int, nx_cols: int = 20, ny_rows: int = 15):
    """A jittered 100 m grid with random one-way and two-way streets and random speeds."""
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(nx_cols), np.arange(ny_rows), indexing="xy")
    x = 800_000 + ii.ravel() * 100.0 + rng.uniform(-20, 20, ii.size)
    y = 7_300_000 + jj.ravel() * 100.0 + rng.uniform(-20, 20, ii.size)
    idx = np.arange(ii.size).reshape(ny_rows, nx_cols)
    pairs = [(idx[r, c], idx[r, c + 1]) for r in range(ny_rows) for c in range(nx_cols - 1)]
    pairs += [(idx[r, c], idx[r + 1, c]) for r in range(ny_rows - 1) for c in range(nx_cols)]
    u, v, w = [], [], []
    for a, b in pairs:
        kind = rng.random()
        if kind < 0.15:
            continue  # missing street
        t = float(rng.uniform(0.05, 2.0))
        if kind < 0.35:  # one-way, random direction
            a, b = (a, b) if rng.random() < 0.5 else (b, a)
            u.append(a), v.append(b), w.append(t)
        else:
            u += [a, b]
            v += [b, a]
            w += [t, float(t * rng.uniform(0.8, 1.2))]
    net = network_from_edges(x, y, u, v, w, source=f"random {seed}")
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(zip(u, v, w))
    return rng, net, graph


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_multi_source_equals_brute_force_networkx(seed):
    rng, net, graph = random_road_graph(seed)
    scc = max(nx.strongly_connected_components(graph), key=len)
    assert set(net.main_nodes.tolist()) == scc
    scc = np.array(sorted(scc))
    o_nodes = rng.choice(scc, 60, replace=False)
    t_nodes = rng.choice(scc, 4, replace=False)
    codes = np.array(["k1", "k2"])
    o_codes = codes[rng.integers(0, 2, o_nodes.size)]
    t_codes = codes[[0, 0, 1, 1]]
    origins = points([{"origin_id": str(i), "kommun_code": k} for i, k in zip(o_nodes, o_codes)],
                     [(net.x_m[i], net.y_m[i]) for i in o_nodes])
    offset_m = 3.0  # targets lie 3 m east of their node
    targets = points([{"name": f"t{j}", "kommun_code": k} for j, k in enumerate(t_codes)],
                     [(net.x_m[i] + offset_m, net.y_m[i]) for i in t_nodes])
    settings = Settings(speed_factor=1.3)
    egress = offset_m / ACCESS_M_PER_MIN
    for mode in ("any", "own"):
        got = travel_times(origins, targets, source=net, target=mode, settings=settings)
        for row, (o, k) in enumerate(zip(o_nodes, o_codes)):
            lengths = nx.single_source_dijkstra_path_length(graph, int(o), weight="weight")
            options = {f"t{j}": 1.3 * lengths[int(t)] + egress for j, t in enumerate(t_nodes)
                       if mode == "any" or t_codes[j] == k}
            best = min(options, key=options.get)
            assert got["travel_time_min"].iloc[row] == pytest.approx(options[best], rel=1e-9, abs=1e-12)
            assert options[got["target"].iloc[row]] == pytest.approx(options[best], rel=1e-9, abs=1e-12)


def test_isochrones_schema_and_envelope():
    rng, net, graph = random_road_graph(7)
    scc = np.array(sorted(net.main_nodes))
    t_node = int(rng.choice(scc))
    targets = points([{"target_id": "T", "name": "Mitt", "kommun_code": "2580"}], [(net.x_m[t_node], net.y_m[t_node])])
    iso = isochrones(targets, source=net, minutes=(5, 10))
    assert list(iso.columns) == ISOCHRONE_COLUMNS + ["geometry"]
    assert iso["minutes"].tolist() == [5, 10] and (iso["mode"] == "car").all() and not iso["schematic"].any()
    assert str(iso.crs) == "EPSG:3006"
    small, large = iso.geometry.iloc[0], iso.geometry.iloc[1]
    assert large.buffer(1e-6).contains(small) and small.contains(shapely.Point(net.x_m[t_node], net.y_m[t_node]))
    # every origin whose travel time is within T lies inside the T-minute polygon
    xy = np.column_stack([rng.uniform(net.x_m.min(), net.x_m.max(), 300), rng.uniform(net.y_m.min(), net.y_m.max(), 300)])
    origins = points([{"origin_id": str(i)} for i in range(len(xy))], list(map(tuple, xy)))
    times = travel_times(origins, targets, source=net)["travel_time_min"].to_numpy()
    for threshold, shape in zip((5, 10), (small, large)):
        inside = shapely.contains_xy(shape.buffer(1.0), xy[:, 0], xy[:, 1])
        assert inside[times <= threshold].all()


def test_demo_step(tmp_path):
    lines = car_step(tmp_path)
    text = "\n".join(lines)
    assert "Lantmäteriet Topografi 250" in text and "county 25 Norrbottens län" in text
    assert "within 60 min by car" in text
    assert "coverage: the tätorter" in text and "2584 Kiruna" in text
    table = pd.read_csv(tmp_path / "access_car.csv", dtype={"kommun_code": str})
    county = table[(table["kommun_code"] == "25") & (table["minutes"] == 60)].iloc[0]
    assert 0.5 < county["share_within"] <= 1.0
    # recompute the CSV from the origins layer with plain pandas and the indicator's rule:
    # an origin is within T minutes when its travel time is at most T; unreachable (NaN) never is
    # (the points of each tätort's area are what the indicator counts)
    origins = gpd.read_file(tmp_path / "access_car.gpkg", layer="origin_points")
    assert origins["kommun_code"].str.fullmatch(r"25\d\d").all()  # every origin in one of the county's kommuner
    assert sorted(table["minutes"].unique()) == [45, 60, 90]  # the indicator's default thresholds
    for minutes in (45, 60, 90):
        rows = table[table["minutes"] == minutes].set_index("kommun_code")
        within = origins["population"].where(origins["travel_time_min"] <= minutes, 0)
        by_hand = pd.DataFrame({"population": origins["population"], "within": within,
                                "kommun_code": origins["kommun_code"]}).groupby("kommun_code").sum()
        by_hand.loc["25"] = by_hand.sum()
        assert sorted(rows.index) == sorted(by_hand.index)
        assert rows["population"].to_dict() == pytest.approx(by_hand["population"].to_dict())
        assert rows["population_within"].to_dict() == pytest.approx(by_hand["within"].to_dict())
        assert rows["share_within"].to_dict() == pytest.approx((by_hand["within"] / by_hand["population"]).to_dict())


def test_a_point_far_off_the_network_joins_where_it_pays():
    """Hand-made: the nearest node is a dead end leading away; the road toward the target is a bit farther.

    Main road: nodes every km on y = 0 from x = 0 to 10 km (1 min per km), the centralort at x = 10 km.
    Spur: node S at (0, 2 000) reaches the main road only at x = -20 km (30 min) and then 30 more minutes.
    The origin at (0, 4 200) lies 2 200 m from S and 4 200 m from (0, 0): both are candidates
    (4 200 <= 1.5 x 2 200 + 1 000); (1 000, 0) at 4 317 m is not.
    """
    xs = [float(x) for x in range(0, 10_001, 1000)] + [-20_000.0, 0.0]
    ys = [0.0] * 11 + [0.0, 2000.0]
    west, spur = 11, 12
    u, v, t = [], [], []
    for a in range(10):
        u += [a, a + 1]
        v += [a + 1, a]
        t += [1.0, 1.0]
    u += [spur, west, west, 0]
    v += [west, spur, 0, west]
    t += [30.0, 30.0, 20.0, 20.0]
    net = network_from_edges(xs, ys, u, v, t, source="hand-made")
    target = points([{"name": "Mål", "kommun_code": "2580"}], [(10_000, 0)])
    got = travel_times(points([{"origin_id": "o"}], [(0, 4200)]), target, source=net)
    per_min = 50_000 / 60  # default access speed, metres per minute
    assert got["travel_time_min"].iloc[0] == pytest.approx(4200 * DETOUR / per_min + 10, rel=1e-9)
    assert got["access_m"].iloc[0] == pytest.approx(4200 * DETOUR)
    assert got["snap_dist_m"].iloc[0] == pytest.approx(2200)  # the nearest node is still reported
    # a point close to the network (within 1 km) joins at its nearest node only
    near = travel_times(points([{"origin_id": "n"}], [(0, 2500)]), target, source=net)
    assert near["travel_time_min"].iloc[0] == pytest.approx(500 * DETOUR / per_min + 30 + 20 + 10, rel=1e-9)
