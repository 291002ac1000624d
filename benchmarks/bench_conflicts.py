"""Benchmark the målkonflikt engine against the scripts a user would write.

Cases (``--cases``, comma-separated):

* ``5000``, ``50000``, ... synthetic interest layers of that many irregular polygons
  (100-300 vertices, clustered so they overlap within and across 8 themes) over a
  square, split into 16 synthetic "kommuner";
* ``dense`` 8 themes x 2 500 irregular star-shaped polygons (64-200 vertices, radius
  0.8-6 km, seed 11) with centres scattered over the county's kommuner
  (``landuse.conflicts.load_kommuner()``, EPSG:3006), so features overlap heavily
  within and across themes; ``dense:N`` is the same with N polygons per theme;
* ``national`` 500 000 polygons made like ``dense`` (8 themes, 62 500 each, seed 13)
  with centres uniform inside Sweden's 290 kommuner, read from
  ``../shared/data/boundaries/kommuner_sverige.gpkg`` next to the repository;
  ``national:N`` is the same with N polygons in total.  The generated features are
  cached as GeoParquet in ``$TMPDIR/bench_conflicts_cache`` (by N and seed), as
  generating 500 000 takes about half a minute and every method needs them.

Methods (``--methods``), each in a fresh process (so peak memory is per method):

* engine     ``landuse.conflicts.conflicts_from_layers`` in vector mode (progress off);
* cli        end to end: the layers written to one GeoPackage per theme first (untimed),
             then ``landuse -q conflicts --themes ... --layer THEME=PATH ... --out DIR``
             timed; its peak is the CLI process's; reports the size of malkonflikter.gpkg;
* cli-raster the same with ``--mode raster --resolution R`` (``--resolution``, default
             100 m; ``--oversample K`` passed on when given);
* raster     the engine in raster mode at 100 m, with the engine's default sample points
             per cell (one per cell for the county at 100 m) or ``--oversample K``;
* cluster    the engine in vector mode on a ``distributed.LocalCluster`` of 2 worker
             processes (1 thread each, 127.0.0.1) started in the method's process,
             through ``Settings(scheduler=cluster.scheduler_address)``; reports the run's
             wall time (cluster start apart), each worker's peak RSS, this process's
             peak (data, scheduler, nannies) and the engine's tasks per family from the
             scheduler's task stream (count, compute seconds, when they ran);
* careful    the shapely 2 script a careful user writes: ``shapely.union_all`` per theme,
             ``shapely.intersection`` per theme pair, then ``shapely.intersection`` of each
             pair with the kommun polygons (STRtree query, vectorised) -> km² per kommun and pair;
* overlay    dissolve each theme (``GeoDataFrame.dissolve``), then
             ``geopandas.overlay(how="intersection")`` per theme pair (county areas only, not clipped
             to the kommuner, so they include area outside them);
             skipped above ``--baseline-max`` polygons (it takes hours at 500k).
             ``baseline`` is accepted as an old name for it.

Default methods: all but cluster; for ``national`` engine and cluster (careful takes
too long there, but ``--methods`` may still ask for it).

Prints wall and CPU time (CPU seconds are steadier on a shared machine), the ratio
reference/method, peak RSS (for cluster: this process plus the workers), the largest
relative difference of pair areas against the reference (per kommun and pair for engine,
cli, cluster and careful, pairs of at least 0.01 km²; county pairs for raster, cli-raster
and overlay) and the size of the written ``malkonflikter.gpkg``.  The reference is
careful, and for ``national`` the local engine run.  Then the targets of issue 11,
each with PASS or FAIL:

* raster and cli-raster: county pairs within 0.5 % and per-kommun pairs of at least
  10 km² within 2 % of careful (of engine when careful did not run);
* dense (indicative at ``dense:N``): cli at least 3x and raster at least 10x faster than
  careful (wall), engine and cli pair areas per kommun within 1e-6 relative of careful,
  and malkonflikter.gpkg at most a third of the 700 MB it was;
* national: cluster pair areas per kommun within 1e-6 relative of the local engine run,
  client + worker peaks within 24 GB, cluster start + run within 10 minutes.

With ``--repeat N`` every method runs N times (each in a fresh process) and the
fastest run counts, the usual way to keep a busy machine's noise out of a ratio.
``--timeout`` ends a method (and the processes it started) after that many seconds.

    $ python benchmarks/bench_conflicts.py --cases dense --methods engine,cli,cli-raster,raster,careful
    $ python benchmarks/bench_conflicts.py --cases dense:1000 --repeat 2
    $ python benchmarks/bench_conflicts.py --cases 5000,50000 --repeat 2
    $ python benchmarks/bench_conflicts.py --cases 500000 --baseline-max 50000
    $ python benchmarks/bench_conflicts.py --cases 500000 --methods raster --oversample 3
    $ python benchmarks/bench_conflicts.py --cases national:40000 --methods engine,cluster
    $ python benchmarks/bench_conflicts.py --cases national --timeout 7200
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import signal
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
METHODS = ("engine", "cli", "cli-raster", "raster", "cluster", "careful", "overlay")  # in the order they run
DEFAULT_METHODS = ("engine", "cli", "cli-raster", "raster", "careful", "overlay")
NATIONAL_METHODS = ("engine", "cluster")  # careful takes too long there; the local engine is the reference
RASTERISH = ("raster", "cli-raster", "overlay")  # compared on county pairs in the table
DENSE_PER_THEME = 2500
DENSE_SEED = 11
PAIR_FLOOR_KM2 = 0.01  # pairs (per kommun) below this are left out of the relative differences
NATIONAL_N = 500_000
NATIONAL_SEED = 13
KOMMUNER_SVERIGE = Path(__file__).resolve().parents[1].parent / "shared/data/boundaries/kommuner_sverige.gpkg"
KOMMUN_CODE_COLUMNS = ("kommun_code", "kommunkod", "kommun_kod", "knkod", "kn_kod", "kod", "code")
KOMMUN_NAME_COLUMNS = ("kommun", "kommunnamn", "kommun_namn", "knnamn", "kn_namn", "namn", "name")
CACHE_DIR = Path(tempfile.gettempdir()) / "bench_conflicts_cache"
# the targets of issue 11
CLI_SPEEDUP = 3.0  # dense, vector end to end through the CLI, against careful (wall)
RASTER_SPEEDUP = 10.0  # dense, raster at 100 m, against careful (wall)
VECTOR_TOL = 1e-6  # vector pair areas per kommun against the exact reference (relative)
RASTER_COUNTY_TOL = 0.005  # raster county pair areas (relative)
RASTER_KOMMUN_TOL = 0.02  # raster per-kommun pair areas of at least RASTER_KOMMUN_FLOOR_KM2 (relative)
RASTER_KOMMUN_FLOOR_KM2 = 10.0
GPKG_MB_BEFORE = 700.0  # malkonflikter.gpkg at the dense case before issue 11; the target is a third of it
NATIONAL_GB = 24.0  # client + workers, sum of peak RSS
NATIONAL_S = 600.0  # cluster start + run


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


def _scatter(zones, n: int, seed: int) -> np.ndarray:  # noqa: ANN001 - GeoDataFrame
    """``n`` irregular star polygons with centres uniform inside the union of ``zones``.

    Radius uniform 0.8-6 km; 64-200 vertices; star outlines as in :func:`synthetic`,
    passed through ``shapely.make_valid`` (a collection keeps its polygons).
    """
    county = shapely.union_all(np.asarray(zones.geometry.values))
    shapely.prepare(county)
    rng = np.random.default_rng(seed)
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
    return geoms


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
    geoms = _scatter(zones, per_theme * len(THEMES), seed)
    theme = np.repeat(np.array(THEMES, dtype=object), per_theme)
    return _frame(geoms, theme), zones


def sweden_kommuner(path: Path = KOMMUNER_SVERIGE):
    """Sweden's kommuner from ``path`` in EPSG:3006, with columns ``kommun_code`` and ``kommun``."""
    import geopandas as gpd

    if not path.is_file():
        raise SystemExit(f"bench_conflicts: the national case needs Sweden's kommuner at {path}, which is missing "
                         "(a GeoPackage of the 290 kommuner with a code and a name column).")
    zones = gpd.read_file(path)
    if zones.crs is None:
        raise SystemExit(f"bench_conflicts: {path} has no CRS; expected EPSG:3006 (SWEREF 99 TM).")
    if zones.crs.to_epsg() != 3006:
        zones = zones.to_crs(3006)
    lower = {str(c).lower(): c for c in zones.columns if c != zones.geometry.name}
    code = next((lower[c] for c in KOMMUN_CODE_COLUMNS if c in lower), None)
    name = next((lower[c] for c in KOMMUN_NAME_COLUMNS if c in lower), None)
    if code is None or name is None:
        raise SystemExit(f"bench_conflicts: {path} has columns {', '.join(map(str, lower.values()))}; "
                         f"expected a kommun code ({', '.join(KOMMUN_CODE_COLUMNS)}) "
                         f"and a name ({', '.join(KOMMUN_NAME_COLUMNS)}).")
    zones = zones.rename(columns={code: "kommun_code", name: "kommun"})
    zones["kommun_code"] = zones["kommun_code"].astype(str).str.zfill(4)
    return zones[["kommun_code", "kommun", zones.geometry.name]]


def national(n: int = NATIONAL_N, seed: int = NATIONAL_SEED):
    """``n`` irregular polygons in 8 themes (n/8 each) scattered over Sweden's 290 kommuner.

    Made like :func:`dense` (same star outlines, radius 0.8-6 km, 64-200 vertices,
    ``make_valid``), centres uniform inside the kommuner of :func:`sweden_kommuner`.
    The features are cached as GeoParquet under ``CACHE_DIR`` keyed by ``n`` and
    ``seed`` (generating 500 000 takes a while; reading them back, seconds).
    Returns the features and the kommuner.
    """
    import geopandas as gpd

    zones = sweden_kommuner()
    cache = CACHE_DIR / f"national_{n}_seed{seed}.parquet"
    if cache.is_file():
        return gpd.read_parquet(cache), zones
    geoms = _scatter(zones, n, seed)
    theme = np.array(THEMES, dtype=object)[np.arange(n) * len(THEMES) // n]  # n/8 each, in blocks
    frame = _frame(geoms, theme)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    part = cache.with_suffix(f".{os.getpid()}.tmp")
    frame.to_parquet(part)
    part.replace(cache)  # atomic: two methods starting at once never read half a file
    return frame, zones


def make_case(case: str):
    """``(features, kommuner)`` of a case name: ``dense``, ``dense:N``, ``national``, ``national:N`` or a count."""
    if case.startswith("national"):
        _, _, total = case.partition(":")
        return national(int(total) if total else NATIONAL_N)
    if case.startswith("dense"):
        _, _, per = case.partition(":")
        return dense(int(per) if per else DENSE_PER_THEME)
    return synthetic(int(case))


def case_size(case: str) -> int:
    if case.startswith("national"):
        _, _, total = case.partition(":")
        return int(total) if total else NATIONAL_N
    if case.startswith("dense"):
        _, _, per = case.partition(":")
        return (int(per) if per else DENSE_PER_THEME) * len(THEMES)
    return int(case)


def _hwm_kb() -> int:
    """Peak RSS of this process's own address space in kB: ``VmHWM`` (Linux), else ``ru_maxrss``.

    ``ru_maxrss`` of a process started by (v)fork and exec also holds what its parent's
    address space had reached when it forked: a CLI or a dask worker started by a
    process holding 6 GB of features reports at least 6 GB.  ``VmHWM`` starts afresh at exec.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # Linux: kB


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak RSS in MB of this process (its own address space) or of its largest finished child."""
    if who == resource.RUSAGE_SELF:
        return _hwm_kb() / 1024.0
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: kB


def _sources_digest() -> str:
    """A short digest of the ``landuse`` package's Python sources, as this process found them."""
    import landuse

    digest = hashlib.sha1()
    for path in sorted(Path(landuse.__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


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


#: Runs a command, then writes its wall seconds and its peak RSS (kB; the largest of it and its
#: own children) to the file named first.  The CLI is started from this small process, not
#: from the one holding the features, so its ``ru_maxrss`` is its own (see :func:`_hwm_kb`).
_TIMED = ("import resource, subprocess, sys, time; t = time.perf_counter(); rc = subprocess.call(sys.argv[2:]); "
          "t = time.perf_counter() - t; open(sys.argv[1], 'w').write(f'{t} '"
          " + str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); sys.exit(rc)")


def _cli(frame, extra_args: list[str]) -> tuple[float, dict, dict, float, float]:  # noqa: ANN001 - GeoDataFrame
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
        cmd = [str(exe), "-q", "conflicts", "--themes", ",".join(THEMES), *args, *extra_args, "--out", str(out)]
        facts = Path(tmp) / "timed.txt"
        done = subprocess.run([sys.executable, "-c", _TIMED, str(facts), *cmd], capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-4000:])
            raise SystemExit(f"landuse conflicts exited with {done.returncode}")
        seconds_text, peak_kb = facts.read_text().split()
        table = pd.read_csv(out / CONFLICT_FILES["csv"], dtype={"kommun_code": str})
        gpkg_mb = (out / CONFLICT_FILES["gpkg"]).stat().st_size / 1e6
    county, per_kommun = _engine_areas(table)
    return float(seconds_text), county, per_kommun, gpkg_mb, int(peak_kb) / 1024.0


def _on_cluster(run) -> tuple:  # noqa: ANN001 - callable
    """``run(address)`` with a fresh 2-process LocalCluster; returns its result, seconds and worker facts.

    The clock covers ``run`` only; starting the cluster is timed apart.  Each worker's
    peak RSS is read on the worker before the cluster closes; a worker that was
    replaced during the run (lost, restarted) is counted, as its peak is gone with it.
    """
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(2)
        before = client.run(os.getpid)
        client.get_task_stream()  # installs the scheduler's task-stream plugin, which records from now on
        startup = time.perf_counter() - t0
        start, epoch = time.perf_counter(), time.time()  # the task stream's clock is time.time()
        result = run(cluster.scheduler_address)
        seconds = time.perf_counter() - start
        stream = client.get_task_stream()
        peaks = client.run(_hwm_kb)
        after = client.run(os.getpid)
    replaced = len(set(after.items()) - set(before.items()))
    info = {"startup_s": startup, "worker_peaks_mb": [kb / 1024.0 for kb in peaks.values()],
            "workers_replaced": replaced, "phases": _phases(stream, epoch)}
    return result, seconds, info


def _phases(stream: list[dict], epoch: float) -> list[dict]:
    """Worker time per task family (keys ``landuse-FUNC-RUN-I``) from a dask task stream, in order of start.

    ``start`` and ``stop`` are seconds since ``epoch`` (``time.time()`` when the run began).
    """
    phases: dict[str, dict] = {}
    for task in stream:
        key = task["key"][0] if isinstance(task["key"], tuple) else str(task["key"])
        name = key.rsplit("-", 2)[0].removeprefix("landuse-") if key.startswith("landuse-") else key.split("-")[0]
        ph = phases.setdefault(name, {"name": name, "tasks": 0, "compute_s": 0.0, "other_s": 0.0,
                                      "start": float("inf"), "stop": 0.0})
        ph["tasks"] += 1
        for part in task.get("startstops", ()):
            span = float(part["stop"]) - float(part["start"])
            ph["compute_s" if part["action"] == "compute" else "other_s"] += span
            ph["start"] = min(ph["start"], float(part["start"]))
            ph["stop"] = max(ph["stop"], float(part["stop"]))
    out = sorted(phases.values(), key=lambda ph: ph["start"])
    for ph in out:
        ph["start"], ph["stop"] = ph["start"] - epoch, ph["stop"] - epoch
    return out


def worker(method: str, case: str, resolution_m: float, oversample: int | None = None) -> dict:
    """Run one method on one case in this process; return time, peak memory and pair areas (km²)."""
    import geopandas as gpd

    from landuse.conflicts import ConflictMatrix, conflicts_from_layers
    from landuse.settings import Settings

    sources = _sources_digest()
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
    elif method in ("cli", "cli-raster"):
        cli_args = []
        if method == "cli-raster":
            cli_args = ["--mode", "raster", "--resolution", f"{resolution_m:g}"]
            if oversample is not None:
                cli_args += ["--oversample", str(oversample)]
        cpu0 = _cpu_s()  # the GeoPackages are written inside _cli, before its clock starts
        seconds, areas, per_kommun, gpkg_mb, cli_peak = _cli(frame, cli_args)
        extra = {"gpkg_mb": gpkg_mb, "cli_peak_mb": cli_peak}
    else:  # engine, raster, cluster
        matrix = ConflictMatrix(themes=tuple(THEMES), weights={(a, b): 1 for a, b in combinations(THEMES, 2)})
        raster = method == "raster"

        def run(scheduler: str | None):  # noqa: ANN202 - ConflictResult
            return conflicts_from_layers(frame, matrix, kommuner=zones, mode="raster" if raster else "vector",
                                         resolution_m=resolution_m if raster else None,
                                         oversample=oversample if raster else None,
                                         settings=Settings(progress=False, scheduler=scheduler))

        if method == "cluster":
            result, seconds, extra = _on_cluster(run)
        else:
            result = run(None)
        areas, per_kommun = _engine_areas(result.pairs_per_kommun)
        extra["faces"] = int(len(result.faces)) if result.faces is not None else 0
        if raster:
            extra["oversample"] = int(result.oversample)
    if method not in ("cli", "cli-raster", "cluster"):
        seconds = time.perf_counter() - start
    return {"method": method, "case": case, "n": len(frame), "vertices": vertices, "seconds": seconds,
            "cpu_s": _cpu_s() - cpu0, "peak_mb": extra.get("cli_peak_mb", _peak_mb()),
            "worker_peak_mb": 0.0 if method in ("cli", "cli-raster", "cluster") else _peak_mb(resource.RUSAGE_CHILDREN),
            "rss_after_data_mb": rss_data, "areas": areas, "per_kommun": per_kommun, "sources": sources, **extra}


def _run(method: str, case: str, resolution_m: float, timeout: float, oversample: int | None) -> dict | None:
    """One method in a fresh process (its own process group, so a timeout also ends the cluster's workers)."""
    cmd = [sys.executable, __file__, "--worker", method, "--cases", case, "--resolution", str(resolution_m)]
    if oversample is not None:
        cmd += ["--oversample", str(oversample)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        print(f"  {method:<10} {case}: timed out after {timeout:.0f} s", flush=True)
        return None
    finally:
        if proc.poll() is None:  # interrupted: leave nothing running
            os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode != 0:
        print(f"  {method:<10} {case}: failed (exit {proc.returncode})\n{err[-3000:]}", flush=True)
        return None
    return json.loads(out.strip().splitlines()[-1])


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


def _pass(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _run_line(method: str, res: dict) -> str:
    """One line per finished method: times, memory and what it wrote."""
    line = f"  {method:<10} {res['seconds']:9.1f} s wall {res['cpu_s']:9.1f} s CPU   peak RSS {res['peak_mb']:8.0f} MB "
    if method.startswith("cli"):
        line += "(the CLI process, or its largest fork)"
    elif method == "cluster":
        peaks = res["worker_peaks_mb"]
        line += (f"(this process: data, scheduler, nannies; after generating data {res['rss_after_data_mb']:.0f} MB); "
                 f"workers {', '.join(f'{p:.0f}' for p in peaks)} MB; total {res['peak_mb'] + sum(peaks):.0f} MB; "
                 f"cluster start {res['startup_s']:.1f} s")
        if res["workers_replaced"]:
            line += f"; {res['workers_replaced']} worker(s) replaced during the run (their peaks are lost)"
    else:
        workers = res.get("worker_peak_mb", 0.0)
        line += (f"(after generating data {res['rss_after_data_mb']:.0f} MB"
                 + (f"; largest tile worker {workers:.0f} MB, shares pages with the parent" if workers else "") + ")")
    line += f"   vertices {res['vertices']:,}"
    if "faces" in res:
        line += f"   faces {res['faces']:,}"
    if "oversample" in res:
        line += f"   {res['oversample']} x {res['oversample']} samples per cell"
    if "gpkg_mb" in res:
        line += f"   malkonflikter.gpkg {res['gpkg_mb']:.1f} MB"
    for ph in res.get("phases", ()):  # cluster: the engine's tasks as the scheduler saw them
        line += (f"\n  {'':<10} tasks {ph['name']:<16} {ph['tasks']:6d} x, {ph['compute_s']:8.1f} s compute, "
                 f"{ph['other_s']:6.1f} s transfer/(de)serialise, on the workers from {ph['start']:.1f} s "
                 f"to {ph['stop']:.1f} s of the run")
    return line


def _table(runs: dict, ref_name: str) -> None:
    """Times, ratios against the reference, peaks, largest differences and gpkg sizes."""
    ref = runs.get(ref_name)
    label = f"{ref_name}/method"
    print(f"  {'method':<10} {'wall s':>8} {'CPU s':>8} {label:>22} {'peak MB':>8} "
          f"{f'max rel diff vs {ref_name}':>24}  {'gpkg MB':>8}")
    for method, res in runs.items():
        ratio = cpu_ratio = float("nan")
        diff = ""
        if ref is not None:
            ratio = ref["seconds"] / res["seconds"]
            cpu_ratio = ref["cpu_s"] / max(res["cpu_s"], 1e-9)
            if method in RASTERISH or res.get("per_kommun") is None or ref.get("per_kommun") is None:
                worst, key = _max_rel(res["areas"], ref["areas"], floor_km2=PAIR_FLOOR_KM2)
                diff = f"{worst:.2e} county ({key})"
            else:
                worst, key = _max_rel(res["per_kommun"], ref["per_kommun"], floor_km2=PAIR_FLOOR_KM2)
                diff = f"{worst:.2e} per kommun ({key})"
        peak = res["peak_mb"] + sum(res.get("worker_peaks_mb", []))
        gpkg = f"{res['gpkg_mb']:8.1f}" if "gpkg_mb" in res else f"{'':>8}"
        print(f"  {method:<10} {res['seconds']:8.1f} {res['cpu_s']:8.1f} {ratio:11.2f} ({cpu_ratio:4.2f} CPU) "
              f"{peak:8.0f} {diff:>24}  {gpkg}", flush=True)


def _raster_accuracy(runs: dict, resolution_m: float) -> None:
    """Issue targets for raster areas: county pairs within 0.5 %, per-kommun pairs of at least 10 km² within 2 %."""
    ref_name = "careful" if "careful" in runs else "engine" if "engine" in runs else None
    for method in ("raster", "cli-raster"):
        if method not in runs:
            continue
        if ref_name is None:
            print(f"  {method} accuracy: no exact reference (run careful or engine too)")
            continue
        res, ref = runs[method], runs[ref_name]
        county, county_key = _max_rel(res["areas"], ref["areas"], floor_km2=PAIR_FLOOR_KM2)
        big, big_key = _max_rel(res["per_kommun"], ref["per_kommun"], floor_km2=RASTER_KOMMUN_FLOOR_KM2)
        print(f"  {method} {resolution_m:g} m vs {ref_name}: county pairs max rel diff {county:.2e} ({county_key}), "
              f"target <= {RASTER_COUNTY_TOL:.1%}: {_pass(county <= RASTER_COUNTY_TOL)}", flush=True)
        print(f"  {method} {resolution_m:g} m vs {ref_name}: per-kommun pairs >= {RASTER_KOMMUN_FLOOR_KM2:g} km² "
              f"max rel diff {big:.2e} ({big_key}), target <= {RASTER_KOMMUN_TOL:.0%}: "
              f"{_pass(big <= RASTER_KOMMUN_TOL)}", flush=True)


def _dense_targets(runs: dict, case: str) -> None:
    """The issue's targets at the dense case: speed against careful, exact vector areas, the gpkg size."""
    full = case == "dense" or case == f"dense:{DENSE_PER_THEME}"
    note = "" if full else f" (indicative: the targets are set at dense, {DENSE_PER_THEME} per theme)"
    print(f"  targets{note}:")
    ref = runs.get("careful")
    for method, want in (("cli", CLI_SPEEDUP), ("raster", RASTER_SPEEDUP)):
        if ref is None or method not in runs:
            print(f"    {method} >= {want:g}x careful wall: n/a ({'careful' if ref is None else method} did not run)")
            continue
        ratio = ref["seconds"] / runs[method]["seconds"]
        print(f"    {method} >= {want:g}x careful wall: {ratio:.2f}x "
              f"({runs[method]['seconds']:.1f} s vs {ref['seconds']:.1f} s): {_pass(ratio >= want)}")
    for method in ("engine", "cli"):
        if ref is None or method not in runs:
            continue
        worst, key = _max_rel(runs[method]["per_kommun"], ref["per_kommun"], floor_km2=PAIR_FLOOR_KM2)
        print(f"    {method} pair areas per kommun (>= {PAIR_FLOOR_KM2:g} km²) within {VECTOR_TOL:g} relative of "
              f"careful: {worst:.2e} ({key}): {_pass(worst <= VECTOR_TOL)}")
    for method in ("cli", "cli-raster"):
        if method in runs:
            size = runs[method]["gpkg_mb"]
            verdict = (f", target <= {GPKG_MB_BEFORE / 3:.0f} MB (a third of the {GPKG_MB_BEFORE:.0f} MB before "
                       f"issue 11): {_pass(size <= GPKG_MB_BEFORE / 3)}") if full and method == "cli" else ""
            print(f"    {method} malkonflikter.gpkg {size:.1f} MB{verdict}")
    print(flush=True)


def _national_targets(runs: dict) -> None:
    """The issue's targets at the national case: the cluster matches the local run, within 24 GB and 10 minutes."""
    print("  targets:")
    cluster, engine = runs.get("cluster"), runs.get("engine")
    if cluster is None:
        print("    cluster: no result: FAIL", flush=True)
        return
    if engine is not None:
        worst, key = _max_rel(cluster["per_kommun"], engine["per_kommun"], floor_km2=PAIR_FLOOR_KM2)
        exact, exact_key = _max_rel(cluster["per_kommun"], engine["per_kommun"])
        print(f"    cluster vs engine, per-kommun pair areas (>= {PAIR_FLOOR_KM2:g} km²): max rel diff {worst:.2e} "
              f"({key}), target <= {VECTOR_TOL:g}: {_pass(worst <= VECTOR_TOL)}; all pairs: {exact:.2e} ({exact_key})")
    else:
        print("    cluster vs engine: n/a (engine did not run)")
    peaks = cluster["worker_peaks_mb"]
    total = cluster["peak_mb"] + sum(peaks)
    print(f"    memory: client {cluster['peak_mb']:.0f} MB + workers {' + '.join(f'{p:.0f}' for p in peaks)} MB "
          f"= {total / 1024:.2f} GB (sum of peaks), target <= {NATIONAL_GB:g} GB: {_pass(total <= NATIONAL_GB * 1024)}"
          + (f"; {cluster['workers_replaced']} worker(s) replaced, their peaks lost" if cluster["workers_replaced"]
             else ""))
    wall = cluster["seconds"] + cluster["startup_s"]
    print(f"    time: {wall:.1f} s ({cluster['startup_s']:.1f} s cluster start + {cluster['seconds']:.1f} s run), "
          f"target <= {NATIONAL_S / 60:g} min: {_pass(wall <= NATIONAL_S)}", flush=True)


def _default_methods(case: str) -> tuple[str, ...]:
    return NATIONAL_METHODS if case.startswith("national") else DEFAULT_METHODS


def _where(case: str) -> str:
    if case.startswith("national"):
        return "Sweden's 290 kommuner"
    return "the 14 kommuner of Norrbotten" if case.startswith("dense") else "16 synthetic zones"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default=None,
                        help="comma-separated cases: polygon counts (synthetic square), dense, dense:N (N per theme), "
                             "national, national:N (N in total); default --sizes")
    parser.add_argument("--sizes", default="5000,50000,500000", help="comma-separated polygon counts (old name)")
    parser.add_argument("--resolution", type=float, default=100.0, help="raster cell side in metres")
    parser.add_argument("--baseline-max", type=int, default=50_000,
                        help="skip the overlay baseline above this many polygons (it takes hours at 500k)")
    parser.add_argument("--no-raster", action="store_true", help="skip raster mode (raster and cli-raster)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per method and case")
    parser.add_argument("--oversample", type=int, default=None,
                        help="raster sample points per cell side (default: the engine's choice)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; the fastest counts")
    parser.add_argument("--methods", default=None,
                        help=f"comma-separated subset of {','.join(METHODS)} (baseline = overlay); default "
                             f"{','.join(DEFAULT_METHODS)}, and {','.join(NATIONAL_METHODS)} for national")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    cases = [c.strip() for c in (args.cases or args.sizes).split(",") if c.strip()]
    if args.worker:
        print(json.dumps(worker(args.worker, cases[0], args.resolution, args.oversample)))
        return
    chosen = None
    if args.methods is not None:
        chosen = {"overlay" if m.strip() == "baseline" else m.strip() for m in args.methods.split(",") if m.strip()}
        unknown = chosen - set(METHODS)
        if unknown:
            parser.error(f"unknown methods {', '.join(sorted(unknown))}; choose from {', '.join(METHODS)}")
    print(f"bench_conflicts: 8 themes, {os.cpu_count()} CPUs; each method in its own process")
    for case in cases:
        n = case_size(case)
        national_case = case.startswith("national")
        print(f"case {case}: {n} polygons, {_where(case)}", flush=True)
        want = chosen if chosen is not None else set(_default_methods(case))
        methods = [m for m in METHODS if m in want
                   and not (m in RASTERISH and m != "overlay" and args.no_raster)
                   and not (m == "overlay" and n > args.baseline_max)]
        if "overlay" in want and "overlay" not in methods:
            print(f"  overlay skipped (n > --baseline-max {args.baseline_max})")
        if not (case.startswith("dense") or national_case):
            # the CLI analyses the embedded kommuner; the synthetic square lies elsewhere, so its figures
            # would be zeros, not a measurement
            skipped = [m for m in methods if m in ("cli", "cli-raster")]
            methods = [m for m in methods if m not in skipped]
            if skipped:
                print(f"  {', '.join(skipped)} skipped (the CLI analyses the embedded kommuner; the synthetic "
                      "square lies outside them)")
        runs = {}
        for method in methods:
            tries = [r for r in (_run(method, case, args.resolution, args.timeout, args.oversample)
                                 for _ in range(max(1, args.repeat))) if r is not None]
            if not tries:
                continue
            res = min(tries, key=lambda r: r["seconds"])
            if len(tries) > 1:
                print(f"  {method:<10} runs: " + ", ".join(f"{r['seconds']:.1f}" for r in tries) + " s wall",
                      flush=True)
            runs[method] = res
            print(_run_line(method, res), flush=True)
        digests = {res["sources"] for res in runs.values()}
        if len(digests) > 1:
            print("  WARNING: the landuse sources changed between methods ("
                  + ", ".join(f"{m} {res['sources']}" for m, res in runs.items()) + "): their results may not compare",
                  flush=True)
        _table(runs, "engine" if national_case else "careful")
        _raster_accuracy(runs, args.resolution)
        if "raster" in runs and "engine" in runs:
            worst, key = _max_rel(runs["raster"]["areas"], runs["engine"]["areas"], floor_km2=PAIR_FLOOR_KM2)
            big, big_key = _max_rel(runs["raster"]["areas"], runs["engine"]["areas"], floor_km2=10.0)
            print(f"  raster {args.resolution:g} m vs engine (county pairs): max relative difference {worst:.2e} "
                  f"({key}); "
                  f"pairs over 10 km²: {big:.2e} ({big_key})", flush=True)
        if "cluster" in runs and "engine" in runs and not national_case:
            worst, key = _max_rel(runs["cluster"]["per_kommun"], runs["engine"]["per_kommun"])
            print(f"  cluster vs engine, per-kommun pair areas: max relative difference {worst:.2e} ({key})",
                  flush=True)
        if case.startswith("dense"):
            _dense_targets(runs, case)
        if national_case:
            _national_targets(runs)


if __name__ == "__main__":
    main()
