"""The transit router on a hand-made feed (hand-computed times) and against a brute-force scan.

The tiny feed (tests/data/gtfs_tiny, written by make_gtfs_fixtures.py) places stops on
round EPSG:3006 offsets from (800 000, 7 200 000); walking is 5 km/h, so 100 m = 72 s.
"""

from __future__ import annotations

import re

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from landuse.errors import GTFSError, InvalidSettingError, PartialLossWarning
from landuse.settings import Settings
from landuse.access.transit import isochrones, travel_times
from landuse.access.transit_router import TransitRouter, parse_window

DATA = Path(__file__).parent / "data"
TINY = DATA / "gtfs_tiny"
X0, Y0 = 800_000.0, 7_200_000.0


def hms(text: str) -> float:
    parts = [int(p) for p in text.split(":")]
    return float(parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0))


@pytest.fixture(scope="module")
def router() -> TransitRouter:
    return TransitRouter(TINY, "2024-03-05")


def minutes(router: TransitRouter, origin, target, departures, date_router=None) -> list[float]:
    r = date_router or router
    times = np.array([hms(t) for t in departures])
    arrivals = r.arrival_times(np.array([[X0 + origin[0], Y0 + origin[1]]]), (X0 + target[0], Y0 + target[1]), times)
    return list(np.round((arrivals[0] - times) / 60, 6))


# ---------------------------------------------------------------- hand-computed arrivals
def test_station_transfer_time_and_stop_pair_row(router):
    # t1a A1 07:00 -> P1 07:20.  The station row S1->S1 (300 s) covers the same-stop change at
    # P1, so t1b (07:23) is missed; the stop-pair row P1->P2 (60 s) is more specific than the
    # station row, so t1c at P2 07:22 is caught -> D1 07:45, + 400 m egress (288 s) = 07:49:48.
    assert minutes(router, (0, 0), (30_000, 400), ["06:50", "07:00"]) == [59.8, 49.8]


def test_first_boarding_needs_no_transfer_time_and_misses_by_a_second(router):
    # leaving A1 at 07:00:01 misses t1a; the next chance is t1a on Wednesday (service WK)
    assert minutes(router, (0, 0), (30_000, 400), ["07:00:01"]) == [
        round((24 * 3600 + hms("07:49:48") - hms("07:00:01")) / 60, 6)]


def test_forbidden_transfer_and_walking_transfers(router):
    # t2a A2 08:00 -> B2a 08:10.  Same-stop change at B2a is forbidden (t2b 08:12 lost); B2b is
    # 250 m away (180 s, within 300 m) -> t2d 08:14 -> D2 08:40; B2c at 350 m is too far.
    # The trip-specific row B2a->B2b (0 s) is ignored.
    assert minutes(router, (0, 100_000), (30_000, 100_000), ["08:00"]) == [40.0]
    # leaving at 08:01: t2e stays on board through B2a (not a transfer) -> 08:45
    assert minutes(router, (0, 100_000), (30_000, 100_000), ["08:01"]) == [44.0]


def test_transfer_max_m_zero_disables_walking_transfers():
    r = TransitRouter(TINY, "2024-03-05", settings=Settings(transfer_max_m=0))
    assert minutes(r, (0, 100_000), (30_000, 100_000), ["08:00"]) == [45.0]  # only t2e
    wide = TransitRouter(TINY, "2024-03-05", settings=Settings(transfer_max_m=400))
    # B2c (350 m = 252 s) would be ready 08:14:12, after t2c left at 08:11
    assert minutes(wide, (0, 100_000), (30_000, 100_000), ["08:00"]) == [40.0]


def test_direct_walk_to_the_target(router):
    # 600 m straight to the target: 432 s
    assert minutes(router, (30_000, 100_600), (30_000, 100_000), ["08:00"]) == [7.2]


def test_trip_past_midnight_of_the_day_before(router):
    # t3a runs on Monday's service at 24:30:00 -> Tuesday 00:30, arriving 00:50
    assert minutes(router, (0, 200_000), (20_000, 200_000), ["00:00", "00:30", "00:31"])[:2] == [50.0, 20.0]


def test_calendar_dates_only_service_and_removed_day(router):
    # 2024-03-05: t3b (calendar_dates only) 06:10 -> 06:30 and t3c (WK2) 06:20 -> 06:35
    assert minutes(router, (0, 200_000), (20_000, 200_000), ["06:00", "06:11", "06:21"]) == [30.0, 24.0, np.inf]
    # 2024-03-12: CDONLY does not run and WK2 is removed: nothing in the morning
    removed = TransitRouter(TINY, "2024-03-12")
    assert minutes(removed, (0, 200_000), (20_000, 200_000), ["06:00"]) == [np.inf]
    # 2024-03-19: WK2 runs again
    normal = TransitRouter(TINY, "2024-03-19")
    assert minutes(normal, (0, 200_000), (20_000, 200_000), ["06:00"]) == [35.0]


def test_walk_limit_is_inclusive(router):
    # exactly 1000 m to A4 (720 s): ready 07:00:00, t4a leaves 07:00:00 -> D4 07:20
    assert minutes(router, (0, 299_000), (20_000, 300_000), ["06:48"]) == [32.0]
    # 1001 m: no stop within reach
    assert minutes(router, (0, 298_999), (20_000, 300_000), ["06:48"]) == [np.inf]


def test_drop_off_type_1_cannot_be_alighted(router):
    # t4a passes X4 with drop_off_type 1 and nothing else stops there
    assert minutes(router, (0, 300_000), (10_000, 300_000), ["06:48"]) == [np.inf]


def test_frequency_trips(router):
    # t4f every 1200 s from 08:00 (< 09:00): 08:21 -> 08:40 departure, 15 min ride
    assert minutes(router, (0, 300_000), (20_000, 300_000), ["08:21"]) == [34.0]
    # after 08:40 nothing until Wednesday's t4a at 07:00 (the 10:00 template trip is not run)
    assert minutes(router, (0, 300_000), (20_000, 300_000), ["08:41"]) == [round((24 * 60 + 7 * 60 + 20) - (8 * 60 + 41), 6)]


def test_date_outside_validity_names_the_range():
    with pytest.raises(GTFSError, match="valid 2024-03-01 to 2024-03-31"):
        TransitRouter(TINY, "2024-05-01")


def test_parse_window():
    assert parse_window("06:00-09:00") == (21600.0, 32400.0)
    assert parse_window("23:30-24:30") == (84600.0, 88200.0)
    for bad in ("6-9", "09:00-06:00", "06:00", "06:61-07:00"):
        with pytest.raises(InvalidSettingError, match="--window"):
            parse_window(bad)


# ---------------------------------------------------------------- best and median
def _points(xy, **columns) -> gpd.GeoDataFrame:
    geometry = [shapely.Point(X0 + x, Y0 + y) for x, y in xy]
    return gpd.GeoDataFrame(columns, geometry=geometry, crs="EPSG:3006")


@pytest.fixture
def a3_origin() -> gpd.GeoDataFrame:
    return _points([(0, 200_000)], origin_id=["A3"], kommun_code=["2581"], population=[100.0])


@pytest.fixture
def two_targets() -> gpd.GeoDataFrame:
    return _points([(20_000, 200_000), (30_000, 400)], target_id=["T3", "T1"], name=["Mål 3", "Mål 1"],
                   kommun_code=["2580", "2581"])


def test_best_and_median_over_the_window(router, a3_origin, two_targets):
    # departures 06:00..06:29: 06:00-06:10 -> 06:30 (30..20 min), 06:11-06:20 -> 06:35 (24..15),
    # 06:21-06:29 unreachable (9 x inf).  Sorted, the 15th and 16th of 30 are 24 and 25.
    result = travel_times(a3_origin, two_targets, source=router.replace(window="06:00-06:30"))
    row = result.iloc[0]
    assert row["best_min"] == pytest.approx(15.0)
    assert row["median_min"] == pytest.approx(24.5)
    assert row["travel_time_min"] == pytest.approx(15.0)
    assert row["target"] == "Mål 3"
    median = travel_times(a3_origin, two_targets, source=router.replace(window="06:00-06:30", statistic="MEDIAN"))
    assert median.iloc[0]["travel_time_min"] == pytest.approx(24.5)
    assert median.iloc[0]["target"] == "Mål 3"
    assert list(result.columns) == ["origin_id", "kommun_code", "population", "travel_time_min", "best_min",
                                    "median_min", "target", "geometry"]


def test_median_is_unreachable_when_most_departures_are(router, a3_origin, two_targets):
    # 06:10-06:40: 11 finite, 19 unreachable
    result = travel_times(a3_origin, two_targets, source=router.replace(window="06:10-06:40", statistic="median"))
    assert np.isnan(result.iloc[0]["median_min"]) and np.isnan(result.iloc[0]["travel_time_min"])
    assert result.iloc[0]["target"] is None
    assert result.iloc[0]["best_min"] == pytest.approx(15.0)


def test_target_own(router, a3_origin, two_targets):
    # the origin's own kommun (2581) has target T1, which it cannot reach
    own = travel_times(a3_origin, two_targets, source=router.replace(window="06:00-06:30"), target="own")
    assert np.isnan(own.iloc[0]["best_min"]) and own.iloc[0]["target"] is None
    mine = a3_origin.assign(kommun_code=["2580"])
    own = travel_times(mine, two_targets, source=router.replace(window="06:00-06:30"), target="own")
    assert own.iloc[0]["best_min"] == pytest.approx(15.0) and own.iloc[0]["target"] == "Mål 3"


def test_isochrones(router, two_targets):
    iso = isochrones(two_targets.iloc[[0]], source=router.replace(window="06:00-06:30"), minutes=(10, 30))
    assert list(iso.columns) == ["target_id", "centralort", "kommun_code", "minutes", "mode", "schematic", "geometry"]
    assert list(iso["minutes"]) == [10, 30] and set(iso["mode"]) == {"transit"} and not iso["schematic"].any()
    ten, thirty = iso.geometry.iloc[0], iso.geometry.iloc[1]
    a3 = shapely.Point(X0, Y0 + 200_000)
    # A3 reaches the target in 15 min at best: inside the 30-minute area with a full 1000 m walk circle
    assert thirty.contains(a3.buffer(990)) and not thirty.contains(shapely.Point(X0, Y0 + 200_000 + 1010))
    assert not ten.intersects(a3.buffer(10))
    # around the target: 10 min x 5 km/h = 833 m, capped at 1000 m for 30 min
    target = shapely.Point(X0 + 20_000, Y0 + 200_000)
    assert ten.contains(target.buffer(820)) and not ten.contains(target.buffer(850))


# ---------------------------------------------------------------- origins the feed does not cover
def test_origins_outside_the_feed_raise(router, two_targets):
    # 500 km east of the tiny feed: no stop within 1000 m of any origin
    far = _points([(500_000, 0), (500_000, 5_000)], origin_id=["F1", "F2"], kommun_code=["2580", "2580"],
                  population=[10.0, 20.0])
    with pytest.raises(GTFSError, match=r"None of the 2 origins has a stop of GTFS feed `gtfs_tiny` within 1000 m "
                                        r"\(--max-walk-m\): the nearest stop is 470 km from the closest origin\. "
                                        r"The feed does not seem to cover the origins"):
        travel_times(far, two_targets, source=router.replace(window="06:00-06:10"))
    # an origin standing on a centralort is reached on foot, but that does not make the feed cover anything
    targets = _points([(500_000, 0)], target_id=["TX"], name=["Mål X"], kommun_code=["2580"])
    with pytest.raises(GTFSError, match=r"only the 1 within walking distance of a centralort would count as reached"):
        travel_times(far, targets, source=router.replace(window="06:00-06:10"))


def test_origins_without_a_stop_warn_with_counts(router, two_targets):
    origins = _points([(0, 200_000), (50_000, 250_000), (400_500, 0), (60_000, 250_000)],
                      origin_id=["A3", "FAR", "WALKER", "FAR2"], kommun_code=["2580"] * 4,
                      population=[300.0, 100.0, 40.0, 1_000.0])
    targets = _points([(20_000, 200_000), (400_000, 0)], target_id=["T3", "TX"], name=["Mål 3", "Mål X"],
                      kommun_code=["2580", "2580"])
    # WALKER has no stop either but walks 500 m to Mål X: only FAR and FAR2 are lost
    with pytest.warns(PartialLossWarning) as caught:
        result = travel_times(origins, targets, source=router.replace(window="06:00-06:30"))
    messages = [str(w.message) for w in caught]
    assert any(re.match(r"^2 of 4 origins \(1,100 people\) have no stop within 1000 m "
                        r"\(--max-walk-m\) and no centralort within walking distance; "
                        r"they count as not reached \(distance to the nearest stop from FAR2 [\d.]+ km, FAR ", m) for m in messages), messages
    # Mål X has no stop either: only walking reaches it, and the user is told
    assert any(m.startswith("1 of 2 centralorter have no stop inside them or within 1000 m") and "Mål X" in m
               for m in messages), messages
    assert list(result["best_min"].round(6)) == pytest.approx([15.0, np.nan, 6.0, np.nan], nan_ok=True)
    # all origins with a stop and every target served: no warning (filterwarnings = error would fail the test)
    travel_times(origins.iloc[[0]], targets.iloc[[0]], source=router.replace(window="06:00-06:30"))


# ---------------------------------------------------------------- brute force on random feeds
TO_WGS84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)


def _random_feed(rng: np.random.Generator, folder: Path) -> dict:
    """Write a random feed; return its spec in EPSG:3006 for the reference."""
    n_plain = int(rng.integers(6, 11))
    stops = {}
    for i in range(n_plain):
        stops[f"s{i}"] = dict(xy=rng.uniform(0, 2500, 2), kind=0, parent="")
    for k in range(2):
        centre = rng.uniform(0, 2500, 2)
        stops[f"ST{k}"] = dict(xy=centre, kind=1, parent="")
        for j in range(int(rng.integers(2, 4))):
            stops[f"c{k}{j}"] = dict(xy=centre + rng.uniform(-200, 200, 2), kind=0, parent=f"ST{k}")
    board = [s for s, v in stops.items() if v["kind"] == 0]
    trips = {}
    for t in range(int(rng.integers(15, 30))):
        n = int(rng.integers(2, 6))
        seq = list(rng.choice(board, size=n, replace=bool(rng.random() < 0.1)))
        time = float(rng.integers(6 * 120, 8 * 120)) * 30
        events = []
        for i, stop in enumerate(seq):
            arr = time
            dep = arr + float(rng.choice([0, 0, 30, 60]))
            pick = int(rng.choice([0, 0, 0, 1, 2, 3]))
            drop = int(rng.choice([0, 0, 0, 1, 2, 3]))
            events.append((stop, arr, dep, pick, drop))
            time = dep + (0.0 if rng.random() < 0.15 else float(rng.integers(1, 20)) * 30)
        trips[f"t{t}"] = events
    rows = []
    for k in range(2):
        if rng.random() < 0.8:
            rows.append((f"ST{k}", f"ST{k}", 2, str(int(rng.integers(0, 8)) * 60), "", ""))
    for _ in range(int(rng.integers(0, 6))):
        a, b = rng.choice(board, 2)
        kind = int(rng.integers(0, 4))
        mtt = str(int(rng.integers(0, 6)) * 60) if kind == 2 and rng.random() < 0.8 else ""
        rows.append((a, b, kind, mtt, "", ""))
    if rng.random() < 0.5:  # station to stop
        rows.append(("ST0", board[0], 3, "", "", ""))
    rows.append((board[0], board[1], 3, "", "t0", "t1"))  # trip-specific: ignored
    folder.mkdir()
    (folder / "agency.txt").write_text("agency_id,agency_name,agency_url,agency_timezone\n1,X,https://x.se,Europe/Stockholm\n")
    lines = ["stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station"]
    for sid, v in stops.items():
        lon, lat = TO_WGS84.transform(X0 + v["xy"][0], Y0 + v["xy"][1])
        lines.append(f"{sid},{sid},{lat:.10f},{lon:.10f},{v['kind']},{v['parent']}")
    (folder / "stops.txt").write_text("\n".join(lines) + "\n")
    (folder / "routes.txt").write_text("route_id,route_type\nR,3\n")
    (folder / "trips.txt").write_text("route_id,service_id,trip_id\n" + "".join(f"R,S,{t}\n" for t in trips))

    def fmt(s: float) -> str:
        s = int(s)
        return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"

    st = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type"]
    for t, events in trips.items():
        for i, (stop, arr, dep, pick, drop) in enumerate(events):
            st.append(f"{t},{fmt(arr)},{fmt(dep)},{stop},{i + 1},{pick},{drop}")
    (folder / "stop_times.txt").write_text("\n".join(st) + "\n")
    (folder / "calendar_dates.txt").write_text("service_id,date,exception_type\nS,20240305,1\n")
    (folder / "transfers.txt").write_text("from_stop_id,to_stop_id,transfer_type,min_transfer_time,from_trip_id,to_trip_id\n"
                                          + "".join(",".join(str(v) for v in r) + "\n" for r in rows))
    return dict(stops=stops, board=board, trips=trips, rows=rows)


def _reference(spec: dict, origin, target, t: float, *, walk_kph=5.0, max_walk=800.0, transfer_max=300.0) -> float:
    """Label-correcting fixpoint over trips and transfer edges: slow, simple, independent."""
    stops, board = spec["stops"], spec["board"]

    def dist(p, q) -> float:
        return round(float(np.hypot(*(np.asarray(p) - np.asarray(q)))), 3)

    def walk(d: float) -> float:
        return d * 3.6 / walk_kph

    def transfer(a: str, b: str) -> float | None:
        best_spec, best = -1, None
        for fa, fb, kind, mtt, ta, tb in spec["rows"]:
            if ta or tb:
                continue
            match_a = 1 if fa == a else (0 if fa == stops[a]["parent"] and stops[a]["parent"] else -1)
            match_b = 1 if fb == b else (0 if fb == stops[b]["parent"] and stops[b]["parent"] else -1)
            if match_a < 0 or match_b < 0:
                continue
            value = np.inf if kind == 3 else (float(mtt) if mtt else walk(dist(stops[a]["xy"], stops[b]["xy"]))) if kind == 2 else 0.0
            specific = match_a + match_b
            if specific > best_spec or (specific == best_spec and value > best):
                best_spec, best = specific, value
        if best is not None:
            return None if np.isinf(best) else best
        if a == b:
            return 0.0
        d = dist(stops[a]["xy"], stops[b]["xy"])
        if stops[a]["parent"] and stops[a]["parent"] == stops[b]["parent"]:
            return walk(d)
        if transfer_max > 0 and d <= transfer_max:
            return walk(d)
        return None

    edges = [(a, b, tt) for a in board for b in board if (tt := transfer(a, b)) is not None]
    ready = {s: np.inf for s in board}
    for s in board:
        d = dist(origin, stops[s]["xy"])
        if d <= max_walk:
            ready[s] = t + walk(d)
    alight = {s: np.inf for s in board}
    changed = True
    while changed:
        changed = False
        for events in spec["trips"].values():
            on = False
            for i, (stop, arr, dep, pick, drop) in enumerate(events):
                if on and drop != 1 and arr < alight[stop]:
                    alight[stop] = arr
                    changed = True
                if not on and i < len(events) - 1 and pick != 1 and ready[stop] <= dep:
                    on = True
        for a, b, tt in edges:
            if alight[a] + tt < ready[b]:
                ready[b] = alight[a] + tt
                changed = True
    best = t + walk(d) if (d := dist(origin, target)) <= max_walk else np.inf
    for s in board:
        d = dist(stops[s]["xy"], target)
        if d <= max_walk:
            best = min(best, alight[s] + walk(d))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_against_brute_force(tmp_path, seed):
    rng = np.random.default_rng(seed)
    spec = _random_feed(rng, tmp_path / "feed")
    transfer_max = float(rng.choice([0.0, 300.0]))
    router = TransitRouter(tmp_path / "feed", "2024-03-05",
                           settings=Settings(max_walk_m=800, transfer_max_m=transfer_max))
    departures = np.sort(rng.integers(6 * 60, 9 * 60, 8).astype(float) * 60 + rng.choice([0, 30], 8))
    for _ in range(3):
        origin = rng.uniform(-300, 2800, 2)
        target = rng.uniform(-300, 2800, 2)
        ours = router.arrival_times(np.array([origin + (X0, Y0)]), tuple(target + (X0, Y0)), departures)[0]
        expected = [_reference(spec, origin, target, t, max_walk=800.0, transfer_max=transfer_max) for t in departures]
        np.testing.assert_allclose(ours, expected, atol=0.01, rtol=0)


def test_brute_force_reference_sees_journeys(tmp_path):
    """Guard against a vacuous comparison: the random feeds do route people."""
    reached = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        spec = _random_feed(rng, tmp_path / f"f{seed}")
        origin, target = rng.uniform(-300, 2800, 2), rng.uniform(-300, 2800, 2)
        t = 7 * 3600.0
        value = _reference(spec, origin, target, t, max_walk=800.0)
        walk_only = np.hypot(*(origin - target)) <= 800
        reached += bool(np.isfinite(value) and not walk_only)
    assert reached >= 3


def test_default_date_is_a_tuesday():
    r = TransitRouter(TINY)
    assert r.date == dt.date(2024, 3, 19) and r.date.weekday() == 1


def test_a_day_without_service_warns():
    with pytest.warns(PartialLossWarning, match="No trips .* run on 2024-03-09 \\(Saturday\\)"):
        r = TransitRouter(TINY, "2024-03-09")
    assert minutes(r, (0, 200_000), (20_000, 200_000), ["06:00"]) == [np.inf]
