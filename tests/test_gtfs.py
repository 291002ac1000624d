"""GTFS loading and validation: service days, times past midnight, frequencies, broken feeds, embedded feeds, stråk."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest

from landuse.errors import GTFSError, InputFileNotFoundError
from landuse.gtfs import DEFAULT_FEED, EMBEDDED_FEEDS, load_feed, read_stops
from landuse.timetable import parse_date, strak
from landuse.settings import DATA_DIR, Settings

DATA = Path(__file__).parent / "data"
TINY = DATA / "gtfs_tiny"


@pytest.fixture(scope="module")
def tiny():
    return load_feed(TINY)


def test_zip_and_folder_load_the_same(tiny):
    zipped = load_feed(DATA / "gtfs_tiny.zip")
    assert zipped.stop_times.equals(tiny.stop_times)
    assert list(zipped.trips["trip_id"]) == list(tiny.trips["trip_id"])


def test_ids_are_strings_and_types_parsed(tiny):
    assert tiny.stops["stop_id"].map(type).eq(str).all()
    assert dict(zip(tiny.stops["stop_id"], tiny.stops["location_type"]))["S1"] == 1
    assert dict(zip(tiny.stops["stop_id"], tiny.stops["location_type"]))["P1"] == 0  # empty = 0
    assert dict(zip(tiny.stops["stop_id"], tiny.stops["parent_station"]))["P2"] == "S1"


def test_service_days_from_calendar_and_calendar_dates(tiny):
    assert tiny.services_on("2024-03-05") == {"WK", "WK2", "CDONLY"}  # CDONLY only in calendar_dates
    assert tiny.services_on("2024-03-12") == {"WK"}  # WK2 removed by exception_type 2
    assert tiny.services_on("2024-03-19") == {"WK", "WK2"}
    assert tiny.services_on("2024-03-04") == {"WK", "NIGHT"}  # a Monday
    assert tiny.services_on("2024-03-09") == set()  # a Saturday
    assert tiny.services_on("2024-04-02") == set()  # after end_date


def test_validity_and_default_date(tiny):
    assert tiny.validity() == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    # Tuesdays: 03-05 {WK, WK2, CDONLY}, 03-12 {WK}, 03-19 and 03-26 {WK, WK2}: the common pattern wins
    assert tiny.default_date() == dt.date(2024, 3, 19)
    with pytest.raises(GTFSError, match=r"2024-04-02 is outside .* valid 2024-03-01 to 2024-03-31"):
        tiny.check_date("2024-04-02")


def test_times_past_midnight_are_kept(tiny):
    night = tiny.stop_times[tiny.stop_times["trip_id"] == "t3a"]
    assert list(night["departure_s"]) == [24 * 3600 + 30 * 60, 24 * 3600 + 50 * 60]


def test_frequencies_expand_the_template(tiny):
    trips = set(tiny.trips["trip_id"])
    assert "t4f" not in trips
    assert {"t4f#0", "t4f#1", "t4f#2"} <= trips and "t4f#3" not in trips
    first = tiny.stop_times[tiny.stop_times["trip_id"].str.startswith("t4f#")].groupby("trip_id")["departure_s"].min()
    assert sorted(first) == [8 * 3600, 8 * 3600 + 1200, 8 * 3600 + 2400]
    last = tiny.stop_times[tiny.stop_times["trip_id"] == "t4f#1"]["arrival_s"].max()
    assert last == 8 * 3600 + 1200 + 15 * 60  # the template's 15-minute running time


def test_embedded_feed_lives_in_calendar_dates():
    feed = load_feed()
    assert feed.path == DATA_DIR / DEFAULT_FEED == DATA_DIR / EMBEDDED_FEEDS[-1]
    assert (feed.calendar[["monday", "tuesday"]] == "0").all().all()
    assert feed.validity() == (dt.date(2022, 12, 11), dt.date(2023, 12, 10))
    day = feed.default_date()
    assert day.weekday() == 1
    assert len(feed.trips_on(day)) > 1000
    assert feed.stop_times["departure_s"].max() > 24 * 3600


def test_missing_file(tmp_path):
    with pytest.raises(GTFSError, match=r"gtfs_bad_missing_stop_times.zip` is incomplete: missing stop_times.txt"):
        load_feed(DATA / "gtfs_bad_missing_stop_times.zip")


def test_missing_column(tmp_path):
    with pytest.raises(GTFSError, match=r"gtfs_bad_missing_column.zip` is incomplete: trips.txt lacks column service_id"):
        load_feed(DATA / "gtfs_bad_missing_column.zip")


def test_corrupt_zip():
    with pytest.raises(GTFSError, match=r"gtfs_bad_truncated.zip` is not a readable zip archive"):
        load_feed(DATA / "gtfs_bad_truncated.zip")


def test_all_problems_in_one_line(tmp_path):
    folder = tmp_path / "feed"
    shutil.copytree(TINY, folder)
    (folder / "stop_times.txt").unlink()
    (folder / "calendar.txt").unlink()
    (folder / "calendar_dates.txt").unlink()
    text = (folder / "stops.txt").read_text(encoding="utf-8").replace("stop_lat", "lat", 1)
    (folder / "stops.txt").write_text(text, encoding="utf-8")
    with pytest.raises(GTFSError) as info:
        load_feed(folder)
    message = str(info.value)
    assert "\n" not in message
    assert "missing stop_times.txt" in message
    assert "stops.txt lacks column stop_lat" in message
    assert "missing calendar.txt and calendar_dates.txt" in message


def test_bad_time_value(tmp_path):
    folder = tmp_path / "feed"
    shutil.copytree(TINY, folder)
    path = folder / "stop_times.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("07:20:00", "7h20", 1), encoding="utf-8")
    with pytest.raises(GTFSError, match=r"^GTFS feed `feed`: stop_times.txt arrival_time holds '7h20', not a time"):
        load_feed(folder)


def test_stop_times_with_only_a_header(tmp_path):
    folder = tmp_path / "headeronly"
    shutil.copytree(TINY, folder)
    path = folder / "stop_times.txt"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(GTFSError, match=r"^GTFS feed `headeronly`: stop_times.txt has no rows") as info:
        load_feed(folder)
    assert "\n" not in str(info.value)


def test_unknown_stop(tmp_path):
    folder = tmp_path / "feed"
    shutil.copytree(TINY, folder)
    path = folder / "stop_times.txt"
    path.write_text(path.read_text(encoding="utf-8").replace(",P2,", ",NOPE,", 1), encoding="utf-8")
    with pytest.raises(GTFSError, match=r"stop_times.txt names 1 stop_id\(s\) not in stops.txt \(e.g. 'NOPE'\)"):
        load_feed(folder)


def test_missing_path(tmp_path):
    with pytest.raises(InputFileNotFoundError, match="does not exist"):
        load_feed(tmp_path / "nope.zip")


def test_blank_times_are_interpolated(tmp_path):
    folder = tmp_path / "feed"
    shutil.copytree(TINY, folder)
    path = folder / "stop_times.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("t4a,07:10:00,07:10:00", "t4a,,"), encoding="utf-8")
    feed = load_feed(folder)
    times = feed.stop_times[feed.stop_times["trip_id"] == "t4a"]["arrival_s"].to_numpy()
    np.testing.assert_array_equal(times, [7 * 3600, 7 * 3600 + 600, 7 * 3600 + 1200])


def test_parse_date():
    assert parse_date("2023-01-17") == parse_date("20230117") == dt.date(2023, 1, 17)
    with pytest.raises(GTFSError, match="not a date"):
        parse_date("17/1/2023")


# --------------------------------------------------------------------------- the embedded feeds


@pytest.mark.parametrize(("name", "version", "first", "last"), [
    ("gtfs/ltnbd_gtfs_2022-05-05.zip", "2022-05-05", dt.date(2022, 5, 2), dt.date(2022, 9, 19)),
    ("gtfs/ltnbd_gtfs_2022-06-22.zip", "2022-06-22", dt.date(2022, 6, 19), dt.date(2022, 12, 11)),
    ("gtfs/ltnbd_gtfs_2022-12-14.zip", "2022-12-14", dt.date(2022, 12, 11), dt.date(2023, 12, 10)),
])
def test_embedded_feeds_load_with_version_and_a_tuesday(name, version, first, last):
    assert name in EMBEDDED_FEEDS
    feed = load_feed(DATA_DIR / name)
    assert feed.version == version  # feed_info.txt's feed_version
    assert feed.validity() == (first, last)
    day = feed.default_date()
    assert day.weekday() == 1 and first <= day <= last
    assert len(feed.trips_on(day)) > 1000
    assert len(feed.stops) > 4000 and feed.routes["route_type"].isin([700, 1501]).all()


def test_embedded_feeds_are_in_date_order():
    versions = [load_feed(DATA_DIR / name).version for name in EMBEDDED_FEEDS]
    assert versions == sorted(versions) == ["2022-05-05", "2022-06-22", "2022-12-14"]
    assert EMBEDDED_FEEDS[-1] == DEFAULT_FEED


def test_version_is_none_without_feed_info(tiny, tmp_path):
    assert tiny.version is None  # the tiny feed has no feed_info.txt
    folder = tmp_path / "feed"
    shutil.copytree(TINY, folder)
    (folder / "feed_info.txt").write_text("feed_publisher_name,feed_publisher_url,feed_lang\nX,https://x.se,sv\n",
                                          encoding="utf-8")
    assert load_feed(folder).version is None  # feed_info.txt without feed_version
    (folder / "feed_info.txt").write_text("feed_publisher_name,feed_publisher_url,feed_lang,feed_version\n"
                                          "X,https://x.se,sv,v7\n", encoding="utf-8")
    assert load_feed(folder).version == "v7"


def test_default_feed_follows_the_data_dir(tmp_path):
    (tmp_path / "gtfs").mkdir()
    shutil.copyfile(DATA / "gtfs_tiny.zip", tmp_path / DEFAULT_FEED)
    settings = Settings(data_dir=tmp_path)
    assert load_feed(settings=settings).validity() == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert len(read_stops(settings=settings)) == len(load_feed(TINY).stops)


def test_errors_name_the_option_they_came_through(tmp_path):
    broken = DATA / "gtfs_bad_missing_stop_times.zip"
    with pytest.raises(GTFSError, match=r"missing stop_times.txt\. Fix the feed or pass another --gtfs\.$"):
        load_feed(broken)
    with pytest.raises(GTFSError, match=r"Fix the feed or pass another --network\.$"):
        load_feed(broken, option="--network")
    with pytest.raises(GTFSError, match=r"Fix the feed or pass a complete GTFS zip or folder\.$"):
        load_feed(broken, option=None)
    with pytest.raises(InputFileNotFoundError, match=r"Pass a GTFS zip or folder with --network\.$"):
        load_feed(tmp_path / "nope.zip", option="--network")


def test_read_stops_parses_like_load_feed(tiny):
    stops = read_stops(TINY)
    columns = list(tiny.stops.columns)
    assert stops[columns].equals(tiny.stops)
    with pytest.raises(GTFSError, match=r"`gtfs_bad_truncated.zip` is not a readable zip archive"):
        read_stops(DATA / "gtfs_bad_truncated.zip")


# --------------------------------------------------------------------------- stråk


def test_strak_from_real_gtfs_counts_weekday_departures():
    feed = load_feed()
    lines = strak(feed, "2023-02-14")
    assert lines.crs.to_epsg() == 3006
    assert len(lines) > 1000
    assert (lines["departures"] >= 1).all()
    assert (lines["from_stop_id"] < lines["to_stop_id"]).all()  # undirected, one row per pair
    assert not lines[["from_stop_id", "to_stop_id"]].duplicated().any()
    # the busiest corridor is in the Luleå urban area
    top = lines.iloc[-1]
    assert 7_250_000 < top.geometry.centroid.y < 7_320_000
    # Sunday has fewer departures than Tuesday
    sunday = strak(feed, "2023-02-12")
    assert sunday["departures"].sum() < lines["departures"].sum()


def test_strak_tiny_feed_by_hand(tmp_path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "agency.txt").write_text("agency_id,agency_name,agency_url,agency_timezone\nA,A,https://a.se,Europe/Stockholm\n",
                                     encoding="utf-8")
    (feed / "stops.txt").write_text(
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        "S,Station,65.60,22.15,1,\nA1,Station,65.60,22.15,0,S\nA2,Station,65.60,22.15,0,S\n"
        "B,Bystop,65.70,22.30,0,\nC,Centrum,65.80,22.40,0,\n", encoding="utf-8")
    (feed / "routes.txt").write_text("route_id,route_type\nR,700\nD,1501\n", encoding="utf-8")
    (feed / "trips.txt").write_text("route_id,service_id,trip_id\nR,wk,t1\nR,wk,t2\nR,sun,t3\nD,wk,t4\n", encoding="utf-8")
    (feed / "calendar_dates.txt").write_text(
        "service_id,date,exception_type\nwk,20230214,1\nsun,20230212,1\n", encoding="utf-8")
    (feed / "stop_times.txt").write_text(
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "t1,07:00:00,07:00:00,A1,1\nt1,07:10:00,07:10:00,B,2\nt1,07:20:00,07:20:00,C,3\n"  # S-B, B-C
        "t2,08:00:00,08:00:00,C,1\nt2,08:10:00,08:10:00,B,2\nt2,08:20:00,08:20:00,A2,3\n"  # back, to another platform
        "t3,09:00:00,09:00:00,A1,1\nt3,09:10:00,09:10:00,B,2\n"  # Sunday only
        "t4,10:00:00,10:00:00,A1,1\nt4,10:30:00,10:30:00,C,2\n",  # demand-responsive: left out
        encoding="utf-8")
    loaded = load_feed(feed)
    lines = strak(loaded, "2023-02-14")
    got = {(r.from_stop_id, r.to_stop_id): r.departures for r in lines.itertuples()}
    assert got == {("B", "S"): 2, ("B", "C"): 2}
    assert {(r.from_name, r.to_name) for r in lines.itertuples()} == {("Bystop", "Station"), ("Bystop", "Centrum")}
    assert strak(loaded, "2023-02-14", exclude_route_types=())["departures"].sum() == 5  # t4's S-C too
    with pytest.raises(GTFSError, match=r"no trips on 2024-01-01 \(valid 2023-02-12 to 2023-02-14\)"):
        strak(loaded, "2024-01-01")
