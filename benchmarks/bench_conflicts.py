"""Benchmark the målkonflikt engine against the scripts a user would write.

Cases (``--cases``, comma-separated):

* ``5000``, ``50000``, ... synthetic interest layers of that many irregular polygons
  (100-300 vertices, clustered so they overlap within and across 8 themes) over a
  square, split into 16 synthetic "kommuner";
* ``dense`` 8 themes x 2 500 irregular star-shaped polygons (64-200 vertices, radius
  0.8-6 km, seed 11) with centres scattered over the county's kommuner
  (``landuse.conflicts.load_kommuner()``, EPSG:3006), so features overlap heavily
  within and across themes; ``dense:N`` is the same with N polygons per theme.

Methods (``--methods``), each in a fresh process (so peak memory is per method):

* engine   ``landuse.conflicts.conflicts_from_layers`` in vector mode (progress off);
* cli      end to end: the layers written to one GeoPackage per theme first (untimed),
           then ``landuse -q conflicts --themes ... --layer THEME=PATH ... --out DIR``
           timed; its peak is the CLI process's; reports the size of malkonflikter.gpkg;
* raster   the engine in raster mode at 100 m, with the engine's default sample points
           per cell (5 x 5, 3 x 3 or 1, the most within 250 million samples) or ``--oversample K``;
* careful  the shapely 2 script a careful user writes: ``shapely.union_all`` per theme,
           ``shapely.intersection`` per theme pair, then ``shapely.intersection`` of each
           pair with the kommun polygons (STRtree query, vectorised) -> km² per kommun and pair;
* overlay  dissolve each theme (``GeoDataFrame.dissolve``), then
           ``geopandas.overlay(how="intersection")`` per theme pair (county areas only, not clipped
           to the kommuner, so they include area outside them);
           skipped above ``--baseline-max`` polygons (it takes hours at 500k).
           ``baseline`` is accepted as an old name for it.

Prints wall and CPU time (CPU seconds are steadier on a shared machine), the ratio
careful/method, peak RSS, the largest relative difference of pair areas against
careful (per kommun and pair for engine and cli, pairs of at least 0.01 km²; county
pairs for raster and overlay) and the size of the written ``malkonflikter.gpkg``.

With ``--repeat N`` every method runs N times (each in a fresh process) and the
fastest run counts, the usual way to keep a busy machine's noise out of a ratio.

    $ python benchmarks/bench_conflicts.py --cases dense --methods engine,cli,raster,careful
    $ python benchmarks/bench_conflicts.py --cases dense:1000 --repeat 2
    $ python benchmarks/bench_conflicts.py --cases 5000,50000 --repeat 2
    $ python benchmarks/bench_conflicts.py --cases 500000 --baseline-max 50000
    $ python benchmarks/bench_conflicts.py --cases 500000 --methods raster --oversample 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from itertools import combinations
from pathlib import Path

import numpy as np
import shapely

THEMES = ["bostader", "energi", "friluftsliv", "jordbruk", "mineral", "naturvard", "rennaring", "totalforsvar"]
X0, Y0 = 600_000.0, 7_000_000.0  # SWEREF 99 TM, inside Sweden's bounds
METHODS = ("engine", "cli", "raster", "careful", "overlay")
DENSE_PER_THEME = 2500
DENSE_SEED = 11
PAIR_FLOOR_KM2 = 0.01  # pairs (per kommun) below this are left out of the relative differences


def _stars(rng: np.random.Generator, centre: np.ndarray, radius: np.ndarray, n_vertices: np.ndarray) -> np.ndarray:
    """Irregular star-shaped polygons: a circle with four random harmonics and vertex jitter.

    The radial factor stays above 0.45, so every outline is simple (star-shaped about its centre).
    """
    geoms = np.empty(len(centre), dtype=object)
    for v in np.unique(n_vertices):
        sel = np.flatnonzero(n_vertices == v)
        theta = np.linspace(0, 2 * np.pi, v, endpoint=False)
        rad = np.ones((len(sel), v))
        for h in (2, 3, 5, 9):
            amp = rng.uniform(0, 0.25 / np.sqrt(h), len(sel))[:, None]
            phase = rng.uniform(0, 2 * np.pi, len(sel))[:, None]
            rad += amp * np.sin(h * theta[None, :] + phase)
        rad = (rad + rng.uniform(-0.03, 0.03, rad.shape)) * radius[sel, None]
        xs = centre[sel, 0, None] + rad * np.cos(theta)
        ys = centre[sel, 1, None] + rad * np.sin(theta)
        ring = np.stack([xs, ys], axis=-1)
        geoms[sel] = shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))
    return geoms


def _frame(geoms: np.ndarray, theme: np.ndarray):
    import geopandas as gpd

    n = len(geoms)
    return gpd.GeoDataFrame(
        {"layer": theme, "theme": theme, "feature_id": [str(i) for i in range(n)], "name": "", "schematic": False},
        geometry=geoms, crs="EPSG:3006",
    )


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
    geoms = _stars(rng, centre + np.array([X0, Y0]), radius, n_vertices)
    theme = np.array(THEMES, dtype=object)[rng.integers(0, len(THEMES), n)]
    frame = _frame(geoms, theme)
    # 16 synthetic kommuner: a 4 x 4 grid over the data (with a margin, so nothing is left out)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    xs = np.linspace(xmin - 10, xmax + 10, 5)
    ys = np.linspace(ymin - 10, ymax + 10, 5)
    cells = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(4) for j in range(4)]
    zones = gpd.GeoDataFrame({"kommun_code": [f"99{k:02d}" for k in range(16)],
                              "kommun": [f"Kommun {k}" for k in range(16)]}, geometry=cells, crs="EPSG:3006")
    return frame, zones


def dense(per_theme: int = DENSE_PER_THEME, seed: int = DENSE_SEED):
    """8 themes x ``per_theme`` irregular polygons scattered over the county's kommuner.

    Centres uniform inside the embedded kommuner (``load_kommuner()``, EPSG:3006);
    radius uniform 0.8-6 km; 64-200 vertices; star outlines as in :func:`synthetic`,
    passed through ``shapely.make_valid``.  At 2 500 per theme each theme alone
    covers most of the county, so features overlap heavily within and across themes.
    Returns the features and the 14 kommuner.
    """
    from landuse.conflicts import load_kommuner

    zones = load_kommuner()
    county = shapely.union_all(np.asarray(zones.geometry.values))
    shapely.prepare(county)
    rng = np.random.default_rng(seed)
    n = per_theme * len(THEMES)
    xmin, ymin, xmax, ymax = county.bounds
    found: list[np.ndarray] = []
    have = 0
    while have < n:
        pts = np.column_stack([rng.uniform(xmin, xmax, 2 * n), rng.uniform(ymin, ymax, 2 * n)])
        pts = pts[shapely.contains_xy(county, pts[:, 0], pts[:, 1])]
        found.append(pts)
        have += len(pts)
    centre = np.concatenate(found)[:n]
    radius = rng.uniform(800.0, 6000.0, n)
    n_vertices = rng.integers(64, 201, n)
    geoms = shapely.make_valid(_stars(rng, centre, radius, n_vertices))
    bad = ~np.isin(shapely.get_type_id(geoms), (3, 6))  # make_valid could return a collection: keep its polygons
    for i in np.flatnonzero(bad):
        parts = shapely.get_parts(geoms[i])
        geoms[i] = shapely.multipolygons(parts[np.isin(shapely.get_type_id(parts), (3, 6))])
    theme = np.repeat(np.array(THEMES, dtype=object), per_theme)
    return _frame(geoms, theme), zones


def make_case(case: str):
    """``(features, kommuner)`` of a case name: ``dense``, ``dense:N`` or a polygon count."""
    if case.startswith("dense"):
        _, _, per = case.partition(":")
        return dense(int(per) if per else DENSE_PER_THEME)
    return synthetic(int(case))


def case_size(case: str) -> int:
    if case.startswith("dense"):
        _, _, per = case.partition(":")
        return (int(per) if per else DENSE_PER_THEME) * len(THEMES)
    return int(case)


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: kB


def _cpu_s() -> float:
    """CPU seconds of this process and its finished workers: less noisy than wall time on a shared machine."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _pair(a: str, b: str) -> str:
    a, b = sorted((a, b), key=THEMES.index)
    return f"{a}/{b}"


def _engine_areas(pairs_per_kommun) -> tuple[dict, dict]:  # noqa: ANN001 - DataFrame
    """County and per-kommun pair areas (km²) from a ``pairs_per_kommun`` table."""
    county = {_pair(a, b): 0.0 for a, b in combinations(THEMES, 2)}
    per_kommun: dict[str, float] = {}
    for row in pairs_per_kommun.itertuples():
        key = _pair(row.theme_a, row.theme_b)
        county[key] += float(row.area_km2)
        per_kommun[f"{row.kommun_code}|{key}"] = per_kommun.get(f"{row.kommun_code}|{key}", 0.0) + float(row.area_km2)
    return county, per_kommun


def careful(frame, zones) -> tuple[dict, dict]:  # noqa: ANN001 - GeoDataFrames
    """The careful user's shapely 2 script: pair areas in km², county and per kommun."""
    geoms = np.asarray(frame.geometry.values)
    theme = np.asarray(frame["theme"].values)
    unions = {t: shapely.union_all(geoms[theme == t]) for t in THEMES}
    zone_geoms = np.asarray(zones.geometry.values)
    codes = np.asarray(zones["kommun_code"].astype(str).values)
    tree = shapely.STRtree(zone_geoms)
    county: dict[str, float] = {}
    per_kommun: dict[str, float] = {}
    for a, b in combinations(THEMES, 2):
        both = shapely.intersection(unions[a], unions[b])
        key = _pair(a, b)
        county[key] = 0.0
        if shapely.is_empty(both):
            continue
        hits = tree.query(both)  # bounding boxes only; the exact test is the intersection itself
        area = shapely.area(shapely.intersection(both, zone_geoms[hits])) / 1e6
        for code, km2 in zip(codes[hits], area):
            if km2 > 0:
                per_kommun[f"{code}|{key}"] = per_kommun.get(f"{code}|{key}", 0.0) + float(km2)
                county[key] += float(km2)
    return county, per_kommun


def _cli(frame, case: str) -> tuple[float, dict, dict, float, float]:  # noqa: ANN001 - GeoDataFrame
    """Write one GeoPackage per theme (untimed), run the CLI (timed); return seconds, areas, gpkg MB, peak MB."""
    import pandas as pd

    from landuse.conflicts import CONFLICT_FILES

    with tempfile.TemporaryDirectory(prefix="bench_conflicts_") as tmp:
        args = []
        for t in THEMES:
            path = Path(tmp) / f"{t}.gpkg"
            frame.loc[frame["theme"] == t, ["feature_id", "name", "geometry"]].to_file(path, layer=t, driver="GPKG")
            args += ["--layer", f"{t}={path}"]
        out = Path(tmp) / "out"
        exe = Path(sys.executable).with_name("landuse")
        cmd = [str(exe), "-q", "conflicts", "--themes", ",".join(THEMES), *args, "--out", str(out)]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        table = pd.read_csv(out / CONFLICT_FILES["csv"], dtype={"kommun_code": str})
        gpkg_mb = (out / CONFLICT_FILES["gpkg"]).stat().st_size / 1e6
    county, per_kommun = _engine_areas(table)
    return seconds, county, per_kommun, gpkg_mb, _peak_mb(resource.RUSAGE_CHILDREN)


def worker(method: str, case: str, resolution_m: float, oversample: int | None = None) -> dict:
    """Run one method on one case in this process; return time, peak memory and pair areas (km²)."""
    import geopandas as gpd

    from landuse.conflicts import ConflictMatrix, conflicts_from_layers
    from landuse.settings import Settings

    frame, zones = make_case(case)
    rss_data = _peak_mb()
    vertices = int(shapely.get_num_coordinates(np.asarray(frame.geometry.values)).sum())
    extra: dict = {}
    per_kommun: dict | None = None
    cpu0 = _cpu_s()
    start = time.perf_counter()
    if method == "overlay":
        dissolved = frame[["theme", "geometry"]].dissolve(by="theme").reset_index()
        areas = {}
        for a, b in combinations(THEMES, 2):
            left = dissolved[dissolved["theme"] == a]
            right = dissolved[dissolved["theme"] == b]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                both = gpd.overlay(left, right, how="intersection")
            areas[_pair(a, b)] = float(both.area.sum() / 1e6)
    elif method == "careful":
        areas, per_kommun = careful(frame, zones)
    elif method == "cli":
        cpu0 = _cpu_s()  # the GeoPackages are written inside _cli, before its clock starts
        seconds, areas, per_kommun, gpkg_mb, cli_peak = _cli(frame, case)
        extra = {"gpkg_mb": gpkg_mb, "cli_peak_mb": cli_peak}
    else:
        matrix = ConflictMatrix(themes=tuple(THEMES), weights={(a, b): 1 for a, b in combinations(THEMES, 2)})
        raster = method == "raster"
        result = conflicts_from_layers(frame, matrix, kommuner=zones, mode="raster" if raster else "vector",
                                       resolution_m=resolution_m if raster else None,
                                       oversample=oversample if raster else None, settings=Settings(progress=False))
        areas, per_kommun = _engine_areas(result.pairs_per_kommun)
        extra = {"faces": int(len(result.faces))}
        if raster:
            extra["oversample"] = int(result.oversample)
    if method != "cli":
        seconds = time.perf_counter() - start
    return {"method": method, "case": case, "n": len(frame), "vertices": vertices, "seconds": seconds,
            "cpu_s": _cpu_s() - cpu0, "peak_mb": extra.get("cli_peak_mb", _peak_mb()),
            "worker_peak_mb": 0.0 if method == "cli" else _peak_mb(resource.RUSAGE_CHILDREN),
            "rss_after_data_mb": rss_data, "areas": areas, "per_kommun": per_kommun, **extra}


def _run(method: str, case: str, resolution_m: float, timeout: float, oversample: int | None) -> dict | None:
    cmd = [sys.executable, __file__, "--worker", method, "--cases", case, "--resolution", str(resolution_m)]
    if oversample is not None:
        cmd += ["--oversample", str(oversample)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
    except subprocess.TimeoutExpired:
        print(f"  {method:<8} {case}: timed out after {timeout:.0f} s", flush=True)
        return None
    except subprocess.CalledProcessError as err:
        print(f"  {method:<8} {case}: failed\n{err.stderr[-2000:]}", flush=True)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _max_rel(a: dict, b: dict, floor_km2: float = 0.0) -> tuple[float, str]:
    """Largest ``|a - b| / b`` over the keys of either, leaving out those where both are under ``floor_km2``."""
    worst, key = 0.0, ""
    for k in sorted(set(a) | set(b)):
        got, ref = a.get(k, 0.0), b.get(k, 0.0)
        if max(got, ref) < floor_km2 or max(got, ref) <= 0:
            continue
        rel = abs(got - ref) / max(abs(ref), 1e-12)
        if rel > worst:
            worst, key = rel, k
    return worst, key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default=None,
                        help="comma-separated cases: polygon counts (synthetic square), dense, dense:N (N per theme); "
                             "default --sizes")
    parser.add_argument("--sizes", default="5000,50000,500000", help="comma-separated polygon counts (old name)")
    parser.add_argument("--resolution", type=float, default=100.0, help="raster cell side in metres")
    parser.add_argument("--baseline-max", type=int, default=50_000,
                        help="skip the overlay baseline above this many polygons (it takes hours at 500k)")
    parser.add_argument("--no-raster", action="store_true", help="skip raster mode")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per method and case")
    parser.add_argument("--oversample", type=int, default=None,
                        help="raster sample points per cell side (default: the engine's choice)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; the fastest counts")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help=f"comma-separated subset of {','.join(METHODS)} (baseline = overlay)")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    cases = [c.strip() for c in (args.cases or args.sizes).split(",") if c.strip()]
    if args.worker:
        print(json.dumps(worker(args.worker, cases[0], args.resolution, args.oversample)))
        return
    chosen = {"overlay" if m.strip() == "baseline" else m.strip() for m in args.methods.split(",")}
    unknown = chosen - set(METHODS)
    if unknown:
        parser.error(f"unknown methods {', '.join(sorted(unknown))}; choose from {', '.join(METHODS)}")
    print(f"bench_conflicts: 8 themes, {os.cpu_count()} CPUs; each method in its own process")
    for case in cases:
        n = case_size(case)
        where = "the 14 kommuner of Norrbotten" if case.startswith("dense") else "16 synthetic zones"
        print(f"case {case}: {n} polygons, {where}", flush=True)
        runs = {}
        methods = [m for m in METHODS if m in chosen
                   and not (m == "raster" and args.no_raster) and not (m == "overlay" and n > args.baseline_max)]
        if "overlay" in chosen and "overlay" not in methods:
            print(f"  overlay skipped (n > --baseline-max {args.baseline_max})")
        for method in methods:
            tries = [r for r in (_run(method, case, args.resolution, args.timeout, args.oversample)
                                 for _ in range(max(1, args.repeat))) if r is not None]
            if not tries:
                continue
            res = min(tries, key=lambda r: r["seconds"])
            if len(tries) > 1:
                print(f"  {method:<8} runs: " + ", ".join(f"{r['seconds']:.1f}" for r in tries) + " s wall", flush=True)
            runs[method] = res
            workers = res.get("worker_peak_mb", 0.0)
            print(f"  {method:<8} {res['seconds']:9.1f} s wall {res['cpu_s']:9.1f} s CPU   peak RSS {res['peak_mb']:8.0f} MB "
                  + ("(the CLI process)" if method == "cli" else f"(after generating data {res['rss_after_data_mb']:.0f} MB")
                  + (f"; largest tile worker {workers:.0f} MB, shares pages with the parent" if workers else "")
                  + (")" if method != "cli" else "")
                  + f"   vertices {res['vertices']:,}"
                  + (f"   faces {res['faces']:,}" if "faces" in res else "")
                  + (f"   {res['oversample']} x {res['oversample']} samples per cell" if "oversample" in res else "")
                  + (f"   malkonflikter.gpkg {res['gpkg_mb']:.1f} MB" if "gpkg_mb" in res else ""),
                  flush=True)
        ref = runs.get("careful")
        print(f"  {'method':<8} {'wall s':>8} {'CPU s':>8} {'careful/method':>15} {'peak MB':>8} "
              f"{'max rel diff vs careful':>24}  {'gpkg MB':>8}")
        for method, res in runs.items():
            ratio = cpu_ratio = float("nan")
            diff = ""
            if ref is not None:
                ratio = ref["seconds"] / res["seconds"]
                cpu_ratio = ref["cpu_s"] / max(res["cpu_s"], 1e-9)
                if method in ("engine", "cli"):
                    worst, key = _max_rel(res["per_kommun"], ref["per_kommun"], floor_km2=PAIR_FLOOR_KM2)
                    diff = f"{worst:.2e} per kommun ({key})"
                elif method in ("raster", "overlay"):
                    worst, key = _max_rel(res["areas"], ref["areas"], floor_km2=PAIR_FLOOR_KM2)
                    diff = f"{worst:.2e} county ({key})"
            gpkg = f"{res['gpkg_mb']:8.1f}" if "gpkg_mb" in res else f"{'':>8}"
            print(f"  {method:<8} {res['seconds']:8.1f} {res['cpu_s']:8.1f} {ratio:7.2f} ({cpu_ratio:4.2f} CPU) "
                  f"{res['peak_mb']:8.0f} {diff:>24}  {gpkg}", flush=True)
        if "raster" in runs and "engine" in runs:
            worst, key = _max_rel(runs["raster"]["areas"], runs["engine"]["areas"], floor_km2=PAIR_FLOOR_KM2)
            big, big_key = _max_rel(runs["raster"]["areas"], runs["engine"]["areas"], floor_km2=10.0)
            print(f"  raster {args.resolution:g} m vs engine (county pairs): max relative difference {worst:.2e} ({key}); "
                  f"pairs over 10 km²: {big:.2e} ({big_key})", flush=True)


if __name__ == "__main__":
    main()
