"""Benchmark: the transit indicator over 10 timetable versions of the embedded size (issue 13, target < 20 s).

``landuse.trend.access_trend`` loads the feeds in parallel threads and the origins once;
the baseline is what a careful user writes with the same library: a loop calling
``landuse.access.transit.accessibility`` and ``write_outputs`` once per feed (each call
loads its feed and the origins).  Both run in this process, on the same 10 feeds (the three embedded
Länstrafiken versions, repeated), with the same window (06:00-09:00, every minute) and
the default origins (SCB tätorter as areas, 3 517 points).  The county shares must agree.

    python benchmarks/bench_access_trend.py [--feeds 10] [--repeat 1]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10, help="timetable versions (the embedded three, repeated)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest counts")
    args = parser.parse_args()

    from landuse.errors import PartialLossWarning
    from landuse.gtfs import EMBEDDED_FEEDS
    from landuse.settings import DATA_DIR, Settings
    from landuse.access import transit
    from landuse.access.transit_router import TransitRouter
    from landuse.trend import access_trend

    warnings.simplefilter("ignore", PartialLossWarning)
    settings = Settings(progress=False)
    paths = [DATA_DIR / EMBEDDED_FEEDS[i % len(EMBEDDED_FEEDS)] for i in range(args.feeds)]

    ours_s, trend = float("inf"), None
    for _ in range(args.repeat):
        start = time.perf_counter()
        trend = access_trend([(p, None) for p in paths], settings=settings)
        ours_s = min(ours_s, time.perf_counter() - start)

    loop_s, loop_shares = float("inf"), []
    for _ in range(args.repeat):
        shares = []
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            for day in trend.days:
                result = transit.accessibility(source=TransitRouter(day.feed.path, day.date, settings=settings),
                                               settings=settings)
                table = result.table
                transit.write_outputs(result, Path(tmp))
                county = table[(table["kommun_code"] == "25") & (table["minutes"] == 60)]
                shares.append(float(county["share_within"].iloc[0]))
        loop_s = min(loop_s, time.perf_counter() - start)
        loop_shares = shares

    ours = trend.table[(trend.table["kommun_code"] == "25") & (trend.table["minutes"] == 60)]["share_within"].tolist()
    diff = max(abs(a - b) for a, b in zip(ours, loop_shares))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.feeds} feeds of the embedded size, window 06:00-09:00 every minute, 3 517 origin points; 2 cores")
    print(f"  landuse access_trend (feeds loaded in parallel)    {ours_s:7.1f} s   (target < 20 s)")
    print(f"  loop of transit.accessibility, one call per feed   {loop_s:7.1f} s")
    print(f"  ratio loop / access_trend                          {loop_s / ours_s:7.2f}x")
    print(f"  largest difference of the county share             {diff:.2e}")
    print(f"  peak memory (max RSS)                              {peak:7.0f} MB")


if __name__ == "__main__":
    main()
