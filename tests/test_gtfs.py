"""GTFS loading and validation: service days, times past midnight, frequencies, broken feeds."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest

from landuse.errors import GTFSError, InputFileNotFoundError
from landuse.gtfs import EMBEDDED_FEED, load_feed, parse_date

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
    assert feed.path == EMBEDDED_FEED
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
