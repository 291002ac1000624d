"""Benchmark: car travel time to the nearest of 14 centralorter for 100 000 origins.

Compares, on synthetic road-like graphs (a jittered grid with missing links, one-way
streets and mixed speeds) of 100k and 1M nodes:

* landuse.access.car.travel_times end to end after the graph is built (snapping 100k
  origins and 14 targets to the largest strongly connected component, one
  multi-source Dijkstra on the reversed graph), with cold caches (first call: SCC,
  KD-tree and reversed graph computed) and warm (second call on the same network);
* the bare scipy call it rests on, ``dijkstra(reversed, indices=targets,
  min_only=True)`` (the limit);
* the loop a user would write from the osmnx tutorials: one networkx Dijkstra per
  origin (``nx.single_source_dijkstra_path_length``, then the nearest target), on a
  sample of origins, extrapolated to all origins.  This is the generous version of the
  tutorial's loop (one search per origin, not one ``shortest_path`` per
  origin-target pair).  Its results are checked against ours on the sample.

Each case runs in a fresh Python process so peak memory (max RSS) is its own.  Times
are the best of 3 runs (2 for cold caches): the machine is shared, so they are noisy.

    $ python benchmarks/bench_access_car.py
    $ python benchmarks/bench_access_car.py --sizes 100000 --sample 20
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

N_TARGETS = 14
N_ORIGINS = 100_000
SPACING_M = 150.0
REPEAT = 3  # timings are the best of REPEAT runs (best of REPEAT_COLD for cold caches)
REPEAT_COLD = 2


def road_grid(n_nodes: int, seed: int = 0):
    """Arrays (x, y, u, v, minutes) of a road-like directed graph with about ``n_nodes`` nodes."""
    rng = np.random.default_rng(seed)
    side = int(round(np.sqrt(n_nodes)))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="xy")
    x = 700_000 + ii.ravel() * SPACING_M + rng.uniform(-0.3, 0.3, side * side) * SPACING_M
    y = 7_200_000 + jj.ravel() * SPACING_M + rng.uniform(-0.3, 0.3, side * side) * SPACING_M
    idx = np.arange(side * side).reshape(side, side)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    keep = rng.random(a.size) > 0.12  # missing links: lakes, forest, dead ends
    a, b = a[keep], b[keep]
    speed_kph = rng.choice([30.0, 50.0, 70.0, 90.0], size=a.size, p=[0.35, 0.35, 0.2, 0.1])
    length_m = np.hypot(x[a] - x[b], y[a] - y[b]) * rng.uniform(1.0, 1.3, a.size)  # curvy roads
    minutes = length_m / 1000 / speed_kph * 60
    oneway = rng.random(a.size) < 0.08
    flip = oneway & (rng.random(a.size) < 0.5)
    a, b = np.where(flip, b, a), np.where(flip, a, b)
    u = np.concatenate([a, b[~oneway]])
    v = np.concatenate([b, a[~oneway]])
    t = np.concatenate([minutes, minutes[~oneway]])
    return x, y, u, v, t, rng


def inputs(n_nodes: int):
    import geopandas as gpd

    from landuse.network import network_from_edges

    x, y, u, v, t, rng = road_grid(n_nodes)
    start = time.perf_counter()
    net = network_from_edges(x, y, u, v, t, source=f"synthetic grid {n_nodes}")
    build_s = time.perf_counter() - start
    ox = rng.uniform(x.min(), x.max(), N_ORIGINS)
    oy = rng.uniform(y.min(), y.max(), N_ORIGINS)
    origins = gpd.GeoDataFrame({"origin_id": np.arange(N_ORIGINS).astype(str)},
                               geometry=gpd.points_from_xy(ox, oy), crs="EPSG:3006")
    tx = rng.uniform(x.min(), x.max(), N_TARGETS)
    ty = rng.uniform(y.min(), y.max(), N_TARGETS)
    targets = gpd.GeoDataFrame({"name": [f"C{i}" for i in range(N_TARGETS)]},
                               geometry=gpd.points_from_xy(tx, ty), crs="EPSG:3006")
    return net, origins, targets, build_s


def bench_settings():  # noqa: ANN201 - landuse.settings.Settings, imported in the worker
    """The access model the baselines below compute by hand: straight line at 30 km/h, 5 km at most."""
    from landuse.settings import Settings

    return Settings(progress=False, access_speed_kph=30, access_detour_factor=1.0, max_snap_m=5000)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_ours(n_nodes: int) -> dict:
    from scipy.sparse.csgraph import dijkstra

    from landuse.access.car import travel_times
    from landuse.network import RoadNetwork, snap

    net, origins, targets, build_s = inputs(n_nodes)
    before = peak_mb()
    # cold: the first call on a fresh network also finds the largest strongly connected
    # component, builds the KD-tree and the reversed graph (cached on the network)
    cold_s = np.inf
    for attempt in range(REPEAT_COLD):
        fresh = net if attempt == 0 else RoadNetwork(net.x_m, net.y_m, net.minutes, net.source)
        start = time.perf_counter()
        cold = travel_times(origins, targets, source=fresh, settings=bench_settings())
        cold_s = min(cold_s, time.perf_counter() - start)
    warm_s = np.inf
    for _ in range(REPEAT):
        start = time.perf_counter()
        warm = travel_times(origins, targets, source=net, settings=bench_settings())
        warm_s = min(warm_s, time.perf_counter() - start)
    # the limit: the bare multi-source call on the already reversed graph
    t_node, _ = snap(net, np.column_stack([targets.geometry.x, targets.geometry.y]), max_snap_m=5000)
    rev = net.reversed_minutes
    bare_s = np.inf
    for _ in range(REPEAT):
        start = time.perf_counter()
        dist = dijkstra(rev, directed=True, indices=t_node, min_only=True)
        bare_s = min(bare_s, time.perf_counter() - start)
    assert np.allclose(cold["travel_time_min"], warm["travel_time_min"], equal_nan=True)
    o_node, o_dist = snap(net, np.column_stack([origins.geometry.x, origins.geometry.y]), max_snap_m=5000)
    ok = o_node >= 0
    # same numbers as the bare call, up to the (here tiny) target egress legs
    diff = np.abs(warm["travel_time_min"].to_numpy()[ok] - (dist[o_node[ok]] + o_dist[ok] / 500.0))
    return {"size": n_nodes, "nodes": net.n_nodes, "edges": net.n_edges, "build_s": build_s,
            "cold_s": cold_s, "warm_s": warm_s, "bare_s": bare_s, "max_diff_min": float(diff.max()),
            "peak_mb": peak_mb(), "peak_before_routing_mb": before}


def worker_networkx(n_nodes: int, sample: int) -> dict:
    import networkx as nx

    from landuse.access.car import travel_times
    from landuse.network import snap

    net, origins, targets, _ = inputs(n_nodes)
    coo = net.minutes.tocoo()
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()), weight="travel_time")
    t_node, t_dist = snap(net, np.column_stack([targets.geometry.x, targets.geometry.y]), max_snap_m=5000)
    sample_origins = origins.iloc[:sample]
    o_node, o_dist = snap(net, np.column_stack([sample_origins.geometry.x, sample_origins.geometry.y]),
                          max_snap_m=5000)
    speed = 30 * 1000 / 60
    start = time.perf_counter()
    result = []
    for node, dist in zip(o_node, o_dist):
        if node < 0:
            result.append(np.nan)
            continue
        lengths = nx.single_source_dijkstra_path_length(graph, int(node), weight="travel_time")
        result.append(dist / speed + min(lengths[int(t)] + e / speed for t, e in zip(t_node, t_dist)))
    loop_s = time.perf_counter() - start
    ours = travel_times(sample_origins, targets, source=net, settings=bench_settings())["travel_time_min"].to_numpy()
    assert np.allclose(ours, result, equal_nan=True, rtol=1e-9), "networkx and landuse disagree"
    return {"size": n_nodes, "sample": sample, "loop_sample_s": loop_s,
            "loop_extrapolated_s": loop_s / sample * N_ORIGINS, "peak_mb": peak_mb()}


def run(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated node counts")
    parser.add_argument("--sample", type=int, default=0,
                        help="origins in the networkx loop (default 20 at <=100k nodes, 3 above)")
    parser.add_argument("--worker", choices=["ours", "networkx"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker == "ours":
        print(json.dumps(worker_ours(opts.size)))
        return
    if opts.worker == "networkx":
        print(json.dumps(worker_networkx(opts.size, opts.sample)))
        return
    print(f"{N_ORIGINS:,} origins, {N_TARGETS} targets; times in seconds; 2 shared cores: timings are noisy")
    for size in (int(s) for s in opts.sizes.split(",")):
        sample = opts.sample or (20 if size <= 100_000 else 3)
        ours = run(["--worker", "ours", "--size", str(size)])
        base = run(["--worker", "networkx", "--size", str(size), "--sample", str(sample)])
        print(f"\n== {ours['nodes']:,} nodes, {ours['edges']:,} directed edges ==")
        print(f"  graph build (network_from_edges)        {ours['build_s']:8.3f}")
        print(f"  landuse travel_times, cold caches       {ours['cold_s']:8.3f}")
        print(f"  landuse travel_times, warm caches       {ours['warm_s']:8.3f}")
        print(f"  bare scipy dijkstra(min_only=True)      {ours['bare_s']:8.3f}")
        print(f"  networkx loop, {sample} origins             {base['loop_sample_s']:8.3f}"
              f"  -> {base['loop_extrapolated_s']:,.0f} s for {N_ORIGINS:,} (extrapolated)")
        print(f"  ratio networkx loop / landuse (cold)    {base['loop_extrapolated_s'] / ours['cold_s']:8.0f}x")
        print(f"  ratio landuse / bare scipy (cold, warm) {ours['cold_s'] / ours['bare_s']:8.2f}x "
              f"{ours['warm_s'] / ours['bare_s']:.2f}x")
        print(f"  peak memory (max RSS), landuse process  {ours['peak_mb']:8.0f} MB "
              f"(before routing {ours['peak_before_routing_mb']:.0f} MB); networkx process {base['peak_mb']:.0f} MB")
        print(f"  max |landuse - bare scipy| on origins   {ours['max_diff_min']:.2e} min (target egress legs)")


if __name__ == "__main__":
    main()
