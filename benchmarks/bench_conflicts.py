"""Benchmark the målkonflikt engine against the baseline a user would write.

Synthetic interest layers (irregular polygons of 100-300 vertices, clustered so
they overlap within and across 8 themes) at about 5k, 50k and 500k polygons, split
into 16 synthetic "kommuner".  For each size, in the same run and each in a fresh
process (so peak memory is per method):

* engine   ``landuse.conflicts.conflicts_from_layers`` in vector mode;
* raster   the same in raster mode at 100 m, with the engine's default sample points per
           cell (5 x 5, 3 x 3 or 1, the most within 250 million samples) or ``--oversample K``;
* baseline dissolve each theme (``GeoDataFrame.dissolve``), then
  ``geopandas.overlay(how="intersection")`` for every theme pair.

Prints wall and CPU time (CPU seconds are steadier on a shared machine), the
baseline/engine ratio, peak RSS and the largest relative difference in pair areas
(engine vs baseline, raster vs engine).

With ``--repeat N`` every method runs N times (each in a fresh process) and the
fastest run counts, the usual way to keep a busy machine's noise out of a ratio.

    $ python benchmarks/bench_conflicts.py --sizes 5000,50000 --repeat 2
    $ python benchmarks/bench_conflicts.py --sizes 500000 --baseline-max 50000
    $ python benchmarks/bench_conflicts.py --sizes 500000 --methods raster --oversample 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from itertools import combinations

import numpy as np
import shapely

THEMES = ["bostader", "energi", "friluftsliv", "jordbruk", "mineral", "naturvard", "rennaring", "totalforsvar"]
X0, Y0 = 600_000.0, 7_000_000.0  # SWEREF 99 TM, inside Sweden's bounds


def synthetic(n: int, seed: int = 0):
    """``n`` irregular polygons (100-300 vertices) over a square of about n km², 8 themes.

    Half the centres are clustered around n/25 seeds (dense overlaps within and across
    themes), half uniform; radii are log-normal around 450 m; the outline is a star
    with four random harmonics and vertex jitter.
    """
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    side = float(np.sqrt(n) * 1000.0)
    n_seeds = max(1, n // 25)
    seeds = rng.uniform(0, side, (n_seeds, 2))
    clustered = rng.random(n) < 0.5
    centre = rng.uniform(0, side, (n, 2))
    pick = rng.integers(0, n_seeds, n)
    centre[clustered] = np.clip(seeds[pick[clustered]] + rng.normal(0, 1500, (int(clustered.sum()), 2)), 0, side)
    radius = rng.lognormal(np.log(450), 0.5, n)
    n_vertices = rng.integers(100, 301, n)
    geoms = np.empty(n, dtype=object)
    for v in np.unique(n_vertices):
        sel = np.flatnonzero(n_vertices == v)
        theta = np.linspace(0, 2 * np.pi, v, endpoint=False)
        rad = np.ones((len(sel), v))
        for h in (2, 3, 5, 9):
            amp = rng.uniform(0, 0.25 / np.sqrt(h), len(sel))[:, None]
            phase = rng.uniform(0, 2 * np.pi, len(sel))[:, None]
            rad += amp * np.sin(h * theta[None, :] + phase)
        rad = (rad + rng.uniform(-0.03, 0.03, rad.shape)) * radius[sel, None]
        xs = X0 + centre[sel, 0, None] + rad * np.cos(theta)
        ys = Y0 + centre[sel, 1, None] + rad * np.sin(theta)
        ring = np.stack([xs, ys], axis=-1)
        geoms[sel] = shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))
    theme = np.array(THEMES, dtype=object)[rng.integers(0, len(THEMES), n)]
    frame = gpd.GeoDataFrame(
        {"layer": theme, "theme": theme, "feature_id": [str(i) for i in range(n)], "name": "", "schematic": False},
        geometry=geoms, crs="EPSG:3006",
    )
    # 16 synthetic kommuner: a 4 x 4 grid over the data (with a margin, so nothing is left out)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    xs = np.linspace(xmin - 10, xmax + 10, 5)
    ys = np.linspace(ymin - 10, ymax + 10, 5)
    cells = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(4) for j in range(4)]
    zones = gpd.GeoDataFrame({"kommun_code": [f"99{k:02d}" for k in range(16)],
                              "kommun": [f"Kommun {k}" for k in range(16)]}, geometry=cells, crs="EPSG:3006")
    return frame, zones


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: kB


def _cpu_s() -> float:
    """CPU seconds of this process and its finished workers: less noisy than wall time on a shared machine."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def worker(method: str, n: int, resolution_m: float, oversample: int | None = None) -> dict:
    """Run one method on one size in this process; return time, peak memory and pair areas (km²)."""
    import geopandas as gpd

    from landuse.conflicts import ConflictMatrix, conflicts_from_layers
    from landuse.settings import Settings

    frame, zones = synthetic(n)
    rss_data = _peak_mb()
    cpu0 = _cpu_s()
    vertices = int(shapely.get_num_coordinates(np.asarray(frame.geometry.values)).sum())
    start = time.perf_counter()
    if method == "baseline":
        dissolved = frame[["theme", "geometry"]].dissolve(by="theme").reset_index()
        areas = {}
        for a, b in combinations(THEMES, 2):
            left = dissolved[dissolved["theme"] == a]
            right = dissolved[dissolved["theme"] == b]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                both = gpd.overlay(left, right, how="intersection")
            areas[f"{a}/{b}"] = float(both.area.sum() / 1e6)
        extra = {}
    else:
        matrix = ConflictMatrix(themes=tuple(THEMES), weights={(a, b): 1 for a, b in combinations(THEMES, 2)})
        raster = method == "raster"
        result = conflicts_from_layers(frame, matrix, kommuner=zones, mode="raster" if raster else "vector",
                                       resolution_m=resolution_m if raster else None,
                                       oversample=oversample if raster else None, settings=Settings(progress=False))
        areas = {f"{a}/{b}": 0.0 for a, b in combinations(THEMES, 2)}
        for row in result.pairs.itertuples():
            areas[f"{row.theme_a}/{row.theme_b}"] = float(row.area_km2)
        extra = {"faces": int(len(result.faces))}
        if raster:
            extra["oversample"] = int(result.oversample)
    seconds = time.perf_counter() - start
    return {"method": method, "n": n, "vertices": vertices, "seconds": seconds, "cpu_s": _cpu_s() - cpu0,
            "peak_mb": _peak_mb(),
            "worker_peak_mb": _peak_mb(resource.RUSAGE_CHILDREN), "rss_after_data_mb": rss_data, "areas": areas,
            **extra}


def _run(method: str, n: int, resolution_m: float, timeout: float, oversample: int | None) -> dict | None:
    cmd = [sys.executable, __file__, "--worker", method, "--sizes", str(n), "--resolution", str(resolution_m)]
    if oversample is not None:
        cmd += ["--oversample", str(oversample)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
    except subprocess.TimeoutExpired:
        print(f"  {method:<8} n={n}: timed out after {timeout:.0f} s", flush=True)
        return None
    except subprocess.CalledProcessError as err:
        print(f"  {method:<8} n={n}: failed\n{err.stderr[-2000:]}", flush=True)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _max_rel(a: dict, b: dict, floor_km2: float = 0.0) -> tuple[float, str]:
    worst, key = 0.0, ""
    for k in a:
        ref = b.get(k, 0.0)
        if max(a[k], ref) <= floor_km2:
            continue
        rel = abs(a[k] - ref) / max(abs(ref), 1e-12)
        if rel > worst:
            worst, key = rel, k
    return worst, key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="5000,50000,500000", help="comma-separated polygon counts")
    parser.add_argument("--resolution", type=float, default=100.0, help="raster cell side in metres")
    parser.add_argument("--baseline-max", type=int, default=50_000,
                        help="skip the baseline above this many polygons (it takes hours at 500k)")
    parser.add_argument("--no-raster", action="store_true", help="skip raster mode")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per method and size")
    parser.add_argument("--oversample", type=int, default=None,
                        help="raster sample points per cell side (default: the engine's choice)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; the fastest counts")
    parser.add_argument("--methods", default="engine,raster,baseline",
                        help="comma-separated subset of engine,raster,baseline")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.worker:
        print(json.dumps(worker(args.worker, sizes[0], args.resolution, args.oversample)))
        return
    print(f"bench_conflicts: 8 themes, 16 zones, {os.cpu_count()} CPUs; each method in its own process")
    for n in sizes:
        print(f"n = {n} polygons", flush=True)
        runs = {}
        chosen = {m.strip() for m in args.methods.split(",")}
        methods = [m for m in ("engine", "raster", "baseline") if m in chosen
                   and not (m == "raster" and args.no_raster) and not (m == "baseline" and n > args.baseline_max)]
        for method in methods:
            tries = [r for r in (_run(method, n, args.resolution, args.timeout, args.oversample)
                                 for _ in range(max(1, args.repeat))) if r is not None]
            if not tries:
                continue
            res = min(tries, key=lambda r: r["seconds"])
            if len(tries) > 1:
                print(f"  {method:<8} runs: " + ", ".join(f"{r['seconds']:.1f}" for r in tries) + " s wall", flush=True)
            runs[method] = res
            workers = res.get("worker_peak_mb", 0.0)
            print(f"  {method:<8} {res['seconds']:9.1f} s wall {res.get('cpu_s', float('nan')):9.1f} s CPU   peak RSS {res['peak_mb']:8.0f} MB "
                  f"(after generating data {res['rss_after_data_mb']:.0f} MB"
                  + (f"; largest tile worker {workers:.0f} MB, shares pages with the parent" if workers else "")
                  + f")   vertices {res['vertices']:,}"
                  + (f"   faces {res['faces']:,}" if "faces" in res else "")
                  + (f"   {res['oversample']} x {res['oversample']} samples per cell" if "oversample" in res else ""),
                  flush=True)
        if "engine" in runs and "baseline" in runs:
            worst, key = _max_rel(runs["engine"]["areas"], runs["baseline"]["areas"])
            ratio = runs["baseline"]["seconds"] / runs["engine"]["seconds"]
            cpu_ratio = runs["baseline"].get("cpu_s", float("nan")) / runs["engine"].get("cpu_s", float("nan"))
            print(f"  ratio baseline/engine = {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU;  max relative pair-area difference engine vs baseline "
                  f"= {worst:.2e} ({key})")
        elif n > args.baseline_max:
            print(f"  baseline skipped (n > --baseline-max {args.baseline_max})")
        if "engine" in runs and "raster" in runs:
            worst, key = _max_rel(runs["raster"]["areas"], runs["engine"]["areas"])
            big, big_key = _max_rel(runs["raster"]["areas"], runs["engine"]["areas"], floor_km2=10.0)
            print(f"  raster {args.resolution:g} m vs engine: max relative pair-area difference {worst:.2e} ({key}); "
                  f"pairs over 10 km²: {big:.2e} ({big_key})", flush=True)


if __name__ == "__main__":
    main()
