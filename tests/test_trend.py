"""`landuse access trend`: the indicator over timetable versions and what changed (issue 13).

Two hand-made feeds that differ by one trip give a hand-computed change and name that
trip's route.  The command itself (and that a single feed gives exactly the figures of
`access transit`) is tested in ``tests/cli/test_access_trend.py``, on these feeds.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer

from landuse.errors import InvalidSettingError
from landuse.gtfs import load_feed
from landuse.trend import access_trend, parse_feed_option, trend_date

X0, Y0 = 830_000.0, 7_290_000.0  # Luleå kommun, EPSG:3006
TO_WGS84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
STOPS = {"SO1": (X0, Y0), "SO2": (X0 + 20_000, Y0), "ST": (X0 + 10_000, Y0 + 30_000)}
# trip: (route, [(stop, hh:mm:ss), ...])
TRIPS = {
    "t1": ("R1", [("SO1", "07:00:00"), ("ST", "07:40:00")]),  # the trip feed B lacks
    "t2": ("R2", [("SO1", "07:30:00"), ("ST", "08:50:00")]),
    "t3": ("R3", [("SO2", "07:00:00"), ("ST", "07:30:00")]),
}


def _feed(folder: Path, trips: dict, *, version: str, start: str = "20240301", end: str = "20240331",
          tuesdays_off: tuple[str, ...] = ()) -> Path:
    """Write a tiny GTFS zip; every trip runs every day of [start, end] except ``tuesdays_off`` (dates)."""
    folder.mkdir(parents=True, exist_ok=True)
    stops = ["stop_id,stop_name,stop_lat,stop_lon"]
    for stop, (x, y) in STOPS.items():
        lon, lat = TO_WGS84.transform(x, y)
        stops.append(f"{stop},Hållplats {stop},{lat:.8f},{lon:.8f}")
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n1,Test,https://example.org,Europe/Stockholm\n",
        "stops.txt": "\n".join(stops) + "\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_type\n"
                      + "".join(f"{r},1,{r[1:]}00,700\n" for r in sorted({r for r, _ in trips.values()})),
        "trips.txt": "route_id,service_id,trip_id\n" + "".join(f"{r},ALL,{t}\n" for t, (r, _) in trips.items()),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
            f"{t},{time},{time},{stop},{k + 1}\n" for t, (_, calls) in trips.items() for k, (stop, time) in
            enumerate(calls)),
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                        f"ALL,1,1,1,1,1,1,1,{start},{end}\n",
        "calendar_dates.txt": "service_id,date,exception_type\n" + "".join(f"ALL,{d},2\n" for d in tuesdays_off),
        "feed_info.txt": "feed_publisher_name,feed_publisher_url,feed_lang,feed_version\n"
                         f"Test,https://example.org,sv,{version}\n",
    }
    path = folder / f"{version}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path]:
    """O1 (100 people) 100 m from SO1, O2 (300 people) 100 m from SO2; the centralort T on stop ST."""
    origins = gpd.GeoDataFrame({"id": ["O1", "O2"], "name": ["Ett", "Två"], "kommun_code": ["2580", "2580"],
                                "population": [100, 300]},
                               geometry=[shapely.Point(X0, Y0 + 100), shapely.Point(X0 + 20_000, Y0 + 100)],
                               crs="EPSG:3006")
    targets = gpd.GeoDataFrame({"id": ["T"], "name": ["Målort"], "kommun_code": ["2580"]},
                               geometry=[shapely.Point(*STOPS["ST"])], crs="EPSG:3006")
    origins.to_file(tmp_path / "origins.gpkg")
    targets.to_file(tmp_path / "targets.gpkg")
    return tmp_path / "origins.gpkg", tmp_path / "targets.gpkg"


def test_one_trip_less_is_the_hand_computed_change_and_names_its_route(tmp_path: Path, places) -> None:
    origins, targets = places
    feed_a = _feed(tmp_path / "a", TRIPS, version="2024-A")
    feed_b = _feed(tmp_path / "b", {t: v for t, v in TRIPS.items() if t != "t1"}, version="2024-B")
    result = access_trend([(feed_a, None), (feed_b, None)], population=origins, centralorter=targets,
                          minutes=(60,))
    # by hand: O1 walks 100 m (1.2 min at 5 km/h); departures are whole minutes, so the best one is 06:58 for the
    # 07:00 trip t1 (40 min): 42 min in A.  In B only t2 is left (07:30, 80 min): 06:28 -> 08:50, 82 min, beyond
    # 60.  O2 rides t3 (30 min) in both.  Share within 60: 400/400 -> 300/400.
    county = result.table[result.table["kommun_code"] == "25"].set_index("feed")
    assert county.loc["2024-A", "share_within"] == 1.0 and county.loc["2024-B", "share_within"] == 0.75
    assert county.loc["2024-B", "population_within"] == 300
    o1 = result.origins[result.origins["origin_id"] == "O1"].set_index("feed")
    assert o1.loc["2024-A", "best_min"] == pytest.approx(2 + 40)
    assert o1.loc["2024-B", "best_min"] == pytest.approx(2 + 80)
    lulea = result.kommun_changes[result.kommun_changes["kommun_code"] == "2580"].iloc[0]
    assert lulea["share_change"] == pytest.approx(-0.25) and lulea["people_change"] == pytest.approx(-100)
    changed = result.origin_changes.iloc[0]
    assert changed["origin_id"] == "O1" and changed["people_change"] == pytest.approx(-100)
    causes = result.route_changes[result.route_changes["origin_id"] == "O1"]
    assert causes[["kind", "route", "trips_from", "trips_to"]].values.tolist() == [
        ["direct trips", "linje 100", 1, 0],  # the trip feed B lacks, on the tätort's way to its centralort
        ["departures at stop", "Hållplats SO1", 2, 1]]  # and the stop it leaves from
    assert causes["first_arrival_from"].tolist()[0] == "07:40"
    # both dates come from the rule: the first normal Tuesday a week into the validity (2024-03-01 -> 03-12)
    assert [d.date for d in result.days] == [dt.date(2024, 3, 12)] * 2


def test_the_date_rule_skips_a_tuesday_with_reduced_service(tmp_path: Path) -> None:
    feed = load_feed(_feed(tmp_path, TRIPS, version="x", tuesdays_off=("20240312",)))
    day, rule = trend_date(feed)
    assert day == dt.date(2024, 3, 19) and "skipping 1 with reduced service" in rule
    assert trend_date(load_feed(_feed(tmp_path / "y", TRIPS, version="y")))[0] == dt.date(2024, 3, 12)


def test_parse_feed_option_keeps_paths_with_equals_signs() -> None:
    assert parse_feed_option("a=b/feed.zip") == (Path("a=b/feed.zip"), None)
    assert parse_feed_option("feed.zip=2024-03-05") == (Path("feed.zip"), dt.date(2024, 3, 5))


def test_parse_feed_option_tells_a_bad_date_after_an_existing_feed(tmp_path: Path) -> None:
    feed = tmp_path / "feed.zip"
    feed.write_bytes(b"")
    with pytest.raises(InvalidSettingError, match="'notadate' is not a date YYYY-MM-DD"):
        parse_feed_option(f"{feed}=notadate")
    assert parse_feed_option(f"{tmp_path}/other=notadate") == (Path(f"{tmp_path}/other=notadate"), None)


def test_the_same_feed_twice_gets_rows_of_its_own(tmp_path: Path, places) -> None:
    origins, targets = places
    feed = _feed(tmp_path, TRIPS, version="v")
    result = access_trend([(feed, None), (feed, None), (feed, "2024-03-14")], population=origins,
                          centralorter=targets, minutes=(60,))
    assert [d.label for d in result.days] == ["v 2024-03-12", "v 2024-03-12 #2", "v 2024-03-14"]
    assert result.table.groupby("feed").size().tolist() == [2, 2, 2]  # kommun 2580 and the county, each
    assert (result.kommun_changes["share_change"] == 0).all() and result.route_changes.empty


def test_changes_are_told_at_the_largest_threshold_without_60(tmp_path: Path, places) -> None:
    origins, targets = places
    feed_a = _feed(tmp_path / "a", TRIPS, version="2024-A")
    feed_b = _feed(tmp_path / "b", {t: v for t, v in TRIPS.items() if t != "t1"}, version="2024-B")
    result = access_trend([(feed_b, None), (feed_a, None)], population=origins, centralorter=targets,
                          minutes=(45, 90))
    assert result.minutes == 90  # O1 reaches within 90 in both feeds (82 and 42 min): no change at 90
    assert (result.kommun_changes["minutes"] == 90).all() and (result.kommun_changes["people_change"] == 0).all()
    assert result.kommun_changes["feed_from"].tolist()[0] == "2024-B"  # pairs in the order given
