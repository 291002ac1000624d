"""Write the tiny hand-made GTFS fixtures (CC0, landuse): ``python tests/data/make_gtfs_fixtures.py``.

Stops are placed in SWEREF 99 TM (EPSG:3006) metres on round numbers so walking
times are easy to compute by hand (5 km/h: 100 m = 72 s), then written as WGS84.
Four corridors lie 100 km apart and never interact (the walk limit is 1 km).
See tests/test_transit.py for the hand-computed arrival times.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from pyproj import Transformer

HERE = Path(__file__).resolve().parent
X0, Y0 = 800_000.0, 7_200_000.0  # near Luleå

#: stop_id -> (x offset m, y offset m, location_type, parent_station)
STOPS = {
    # corridor 1: station S1 with min_transfer_time 300 s, a stop-pair row of 60 s
    "A1": (0, 0, 0, ""),
    "S1": (10_000, 0, 1, ""),
    "P1": (10_000, 0, 0, "S1"),
    "P2": (10_000, 100, 0, "S1"),
    "D1": (30_000, 0, 0, ""),
    # corridor 2: a forbidden same-stop transfer, walking transfers at 250 m (ok) and 350 m (too far)
    "A2": (0, 100_000, 0, ""),
    "B2a": (10_000, 100_000, 0, ""),
    "B2b": (10_000, 100_250, 0, ""),
    "B2c": (10_000, 100_350, 0, ""),
    "D2": (30_000, 100_000, 0, ""),
    # corridor 3: a 24:30:00 trip, a calendar_dates-only service, a removed day
    "A3": (0, 200_000, 0, ""),
    "D3": (20_000, 200_000, 0, ""),
    # corridor 4: drop_off_type 1, frequencies.txt, the 1000 m walk limit
    "A4": (0, 300_000, 0, ""),
    "X4": (10_000, 300_000, 0, ""),
    "D4": (20_000, 300_000, 0, ""),
}

#: trip_id -> (service_id, [(stop_id, arrival, departure, pickup_type, drop_off_type)])
TRIPS = {
    "t1a": ("WK", [("A1", "07:00:00", "07:00:00", 0, 1), ("P1", "07:20:00", "07:20:00", 1, 0)]),
    "t1b": ("WK", [("P1", "07:23:00", "07:23:00", 0, 1), ("D1", "07:40:00", "07:40:00", 1, 0)]),
    "t1c": ("WK", [("P2", "07:22:00", "07:22:00", 0, 1), ("D1", "07:45:00", "07:45:00", 1, 0)]),
    "t1d": ("WK", [("P1", "07:26:00", "07:26:00", 0, 1), ("D1", "07:50:00", "07:50:00", 1, 0)]),
    "t2a": ("WK", [("A2", "08:00:00", "08:00:00", 0, 1), ("B2a", "08:10:00", "08:10:00", 1, 0)]),
    "t2b": ("WK", [("B2a", "08:12:00", "08:12:00", 0, 1), ("D2", "08:30:00", "08:30:00", 1, 0)]),
    "t2c": ("WK", [("B2c", "08:11:00", "08:11:00", 0, 1), ("D2", "08:35:00", "08:35:00", 1, 0)]),
    "t2d": ("WK", [("B2b", "08:14:00", "08:14:00", 0, 1), ("D2", "08:40:00", "08:40:00", 1, 0)]),
    "t2e": ("WK", [("A2", "08:05:00", "08:05:00", 0, 1), ("B2a", "08:15:00", "08:16:00", 0, 0),
                   ("D2", "08:45:00", "08:45:00", 1, 0)]),
    "t3a": ("NIGHT", [("A3", "24:30:00", "24:30:00", 0, 1), ("D3", "24:50:00", "24:50:00", 1, 0)]),
    "t3b": ("CDONLY", [("A3", "06:10:00", "06:10:00", 0, 1), ("D3", "06:30:00", "06:30:00", 1, 0)]),
    "t3c": ("WK2", [("A3", "06:20:00", "06:20:00", 0, 1), ("D3", "06:35:00", "06:35:00", 1, 0)]),
    "t4a": ("WK", [("A4", "07:00:00", "07:00:00", 0, 1), ("X4", "07:10:00", "07:10:00", 0, 1),
                   ("D4", "07:20:00", "07:20:00", 1, 0)]),
    "t4f": ("WK", [("A4", "10:00:00", "10:00:00", 0, 1), ("D4", "10:15:00", "10:15:00", 1, 0)]),
}

CALENDAR = [
    # service_id, mon..sun, start, end
    ("WK", "1111100", "20240301", "20240331"),
    ("WK2", "0100000", "20240301", "20240331"),
    ("NIGHT", "1000000", "20240301", "20240331"),
    ("CDONLY", "0000000", "20240301", "20240331"),
]
CALENDAR_DATES = [("CDONLY", "20240305", 1), ("WK2", "20240312", 2)]
TRANSFERS = [
    # from, to, type, min_transfer_time, from_trip_id, to_trip_id
    ("S1", "S1", 2, "300", "", ""),
    ("P1", "P2", 2, "60", "", ""),
    ("B2a", "B2a", 3, "", "", ""),
    ("B2a", "B2b", 1, "", "t2a", "t2d"),  # trip-specific: ignored (else 0 s)
]
FREQUENCIES = [("t4f", "08:00:00", "09:00:00", "1200")]


def files() -> dict[str, str]:
    to_wgs84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
    out = {"agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n1,Testtrafik,https://example.org,Europe/Stockholm\n"}
    lines = ["stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station"]
    for stop_id, (dx, dy, kind, parent) in STOPS.items():
        lon, lat = to_wgs84.transform(X0 + dx, Y0 + dy)
        lines.append(f"{stop_id},Hållplats {stop_id},{lat:.10f},{lon:.10f},{kind if kind else ''},{parent}")
    out["stops.txt"] = "\n".join(lines) + "\n"
    out["routes.txt"] = "route_id,agency_id,route_short_name,route_type\nR1,1,1,700\n"
    out["trips.txt"] = "route_id,service_id,trip_id\n" + "".join(f"R1,{svc},{tid}\n" for tid, (svc, _) in TRIPS.items())
    st = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type"]
    for tid, (_, events) in TRIPS.items():
        for seq, (stop, arr, dep, pick, drop) in enumerate(events, start=1):
            st.append(f"{tid},{arr},{dep},{stop},{seq * 10},{pick},{drop}")
    out["stop_times.txt"] = "\n".join(st) + "\n"
    out["calendar.txt"] = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n" + "".join(
        f"{svc},{','.join(days)},{start},{end}\n" for svc, days, start, end in CALENDAR)
    out["calendar_dates.txt"] = "service_id,date,exception_type\n" + "".join(f"{s},{d},{e}\n" for s, d, e in CALENDAR_DATES)
    out["transfers.txt"] = "from_stop_id,to_stop_id,transfer_type,min_transfer_time,from_trip_id,to_trip_id\n" + "".join(
        ",".join(str(v) for v in row) + "\n" for row in TRANSFERS)
    out["frequencies.txt"] = "trip_id,start_time,end_time,headway_secs\n" + "".join(",".join(r) + "\n" for r in FREQUENCIES)
    return out


def write_zip(path: Path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)


def main() -> None:
    members = files()
    folder = HERE / "gtfs_tiny"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for name, text in members.items():
        (folder / name).write_text(text, encoding="utf-8")
    write_zip(HERE / "gtfs_tiny.zip", members)
    write_zip(HERE / "gtfs_bad_missing_stop_times.zip", {k: v for k, v in members.items() if k != "stop_times.txt"})
    no_service = dict(members)
    no_service["trips.txt"] = "route_id,trip_id\n" + "".join(f"R1,{tid}\n" for tid in TRIPS)
    write_zip(HERE / "gtfs_bad_missing_column.zip", no_service)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    data = buffer.getvalue()
    (HERE / "gtfs_bad_truncated.zip").write_bytes(data[: len(data) // 2])


if __name__ == "__main__":
    main()
