"""GTFS feeds: the one GTFS reader.  Load and validate a timetable (zip or folder).

Size: over 600 lines, because every GTFS member lookup and value parse stays in this one reader (tests/test_gtfs_reader.py).

:func:`load_feed` reads the files every engine needs, checks every required file and
column at once and raises one :class:`~landuse.errors.GTFSError` line listing all
problems.  :func:`read_stops` reads only ``stops.txt`` (the ``hallplatser`` layer) and
:func:`is_feed` tells a feed from another zip, through the same member lookup: a feed
zipped inside a top folder works everywhere.  The questions asked of a loaded
:class:`Feed` (which services run on a date, a typical weekday, stations, stråk) live in
:mod:`landuse.timetable`, mixed into :class:`Feed`: reading here, the service day there.

Notes
-----
- Times are seconds after midnight of the service day ("noon minus 12 h"; the DST
  shift on two Sundays a year is ignored) and may pass 24:00:00: a trip at
  ``24:30:00`` belongs to the service day it starts on.
- ``calendar.txt`` and ``calendar_dates.txt`` are both read; how they combine into the
  services of a date is told in :mod:`landuse.timetable`.
- The validity range is ``feed_info.txt``'s ``feed_start_date``..``feed_end_date``
  when both are set, else the span of ``calendar.txt``'s date ranges and
  ``calendar_dates.txt``'s dates.
- ``frequencies.txt`` trips are expanded into one trip per headway (departures at
  ``start_time + k * headway_secs`` < ``end_time``), with the template trip's
  running and dwell times; ``exact_times`` 0 is treated like 1.
- Stop times with an empty arrival and departure (non-timepoints) are interpolated
  linearly by ``stop_sequence`` position between the neighbouring timed stops.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from landuse.errors import GTFSError, InputFileNotFoundError
from landuse.settings import Settings, resolve
from landuse.timetable import Timetable, parse_date

__all__ = ["DEFAULT_FEED", "EMBEDDED_FEEDS", "REQUIRED_COLUMNS", "Feed", "default_feed_path", "is_feed", "load_feed",
           "parse_gtfs_time", "read_stops"]

#: The embedded Länstrafiken Norrbotten feeds (Samtrafiken GTFS Regional ``SE-norrbotten``,
#: CC0), oldest first, relative to ``Settings.data_dir``: feed_version 2022-05-05 (valid
#: 2022-05-02 to 2022-09-19), 2022-06-22 (a summer timetable, 2022-06-19 to 2022-12-11) and
#: 2022-12-14 (2022-12-11 to 2023-12-10).  See ``landuse/data/README.md``.
EMBEDDED_FEEDS: tuple[str, ...] = (
    "gtfs/ltnbd_gtfs_2022-05-05.zip",
    "gtfs/ltnbd_gtfs_2022-06-22.zip",
    "gtfs/ltnbd_gtfs_2022-12-14.zip",
)
#: The feed used when none is given: the newest embedded one, relative to ``Settings.data_dir``.
DEFAULT_FEED = EMBEDDED_FEEDS[-1]

#: Columns the router needs, per file.  ``None`` as a key set means "file optional".
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agency.txt": (),
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id",),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday", "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "transfers.txt": ("from_stop_id", "to_stop_id", "transfer_type"),
    "feed_info.txt": (),
}
#: File names that mark a GTFS feed (any one of them is enough: a broken feed may lack the others).
FEED_FILES = frozenset({"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
                        "calendar_dates.txt"})


def default_feed_path(settings: Settings | None = None) -> Path:
    """The default embedded feed (:data:`DEFAULT_FEED`) under ``Settings.data_dir``.

    Parameters
    ----------
    settings : Settings, optional
        ``data_dir``: where the embedded data lie.

    Returns
    -------
    Path
        The newest embedded Länstrafiken Norrbotten zip.
    """
    return resolve(settings).data_dir / DEFAULT_FEED


def _pass_another(option: str | None) -> str:
    """The end of a broken-feed message: the option the feed came through, or neutral words."""
    return f"Fix the feed or pass another {option}." if option else "Fix the feed or pass a complete GTFS zip or folder."


def parse_gtfs_time(values: pd.Series, *, what: str) -> np.ndarray:
    """Parse ``H:MM:SS`` strings (hours may exceed 23) into float seconds; blank -> NaN.

    Parameters
    ----------
    values : pandas.Series of str
        The times as read.
    what : str
        ``"<feed>: <file> <column>"``, named in the error.

    Returns
    -------
    numpy.ndarray of float
        Seconds after midnight of the service day.

    Raises
    ------
    GTFSError
        If a value is not a time, naming ``what`` (``file column``) and the value.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=float)
    text = values.astype(str).str.strip()
    blank = text.eq("") | values.isna().to_numpy()
    parts = text.where(~blank, "0:0:0").str.split(":", expand=True)
    if parts.shape[1] != 3:
        bad = text[~blank & (text.str.count(":") != 2)]
        raise GTFSError(f"{what} holds {bad.iloc[0]!r}, not a time HH:MM:SS. Fix the feed.")
    numbers = parts.apply(pd.to_numeric, errors="coerce")
    ok = numbers.notna().all(axis=1) & (numbers[1] < 60) & (numbers[2] < 60) & (numbers >= 0).all(axis=1)
    if not ok.all():
        raise GTFSError(f"{what} holds {text[~ok].iloc[0]!r}, not a time HH:MM:SS. Fix the feed.")
    seconds = (numbers[0] * 3600 + numbers[1] * 60 + numbers[2]).to_numpy(dtype=float)
    seconds[blank.to_numpy()] = np.nan
    return seconds



def _gtfs_dates(values: pd.Series, *, what: str) -> pd.Series:
    parsed = pd.to_datetime(values.astype(str).str.strip(), format="%Y%m%d", errors="coerce")
    if parsed.isna().any():
        bad = values[parsed.isna()].iloc[0]
        raise GTFSError(f"{what} holds {bad!r}, not a date YYYYMMDD. Fix the feed.")
    return parsed.dt.date


def _members(filenames: list[str]) -> dict[str, str]:
    """Base name -> member name of the ``.txt`` files of a zip.

    Feeds zipped with a top folder (``feed/stops.txt``) are accepted: members are looked
    up by base name at any depth, the first of a name wins.
    """
    names: dict[str, str] = {}
    for filename in filenames:
        base = filename.rsplit("/", 1)[-1]
        if base.endswith(".txt") and base not in names:
            names[base] = filename
    return names


def _zip_member_names(path: Path) -> list[str]:
    """Member names of a zip, also of a truncated one.

    A zip cut short has lost its central directory, so :mod:`zipfile` cannot list it;
    every member's local header still carries its file name, uncompressed.
    """
    import mmap

    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError):
        pass
    names = []
    try:
        with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as raw:
            start = raw.find(b"PK\x03\x04")
            while start >= 0 and start + 30 <= len(raw):
                length = int.from_bytes(raw[start + 26:start + 28], "little")
                names.append(raw[start + 30:start + 30 + length].decode("utf-8", "replace"))
                start = raw.find(b"PK\x03\x04", start + 30)
    except (OSError, ValueError):  # an empty file cannot be mapped
        return []
    return names


def is_feed(path: str | Path) -> bool:
    """Whether ``path`` looks like a GTFS feed, without reading it.

    A folder holding a GTFS file (``stops.txt``, ``stop_times.txt`` ...), a zip holding
    one at any depth (also a truncated zip: its member names are still readable), or an
    unreadable zip named like a feed (``*gtfs*.zip``), so that it gets the GTFS reader's
    message rather than a Shapefile reader's.

    Parameters
    ----------
    path : str or Path
        A folder or a file; only names are read (a zip's member list), never the data.

    Returns
    -------
    bool
    """
    path = Path(path)
    if path.is_dir():
        return any((path / name).is_file() for name in FEED_FILES)
    if not path.name.lower().endswith(".zip"):
        return False
    if any(name in FEED_FILES for name in _members(_zip_member_names(path))):
        return True
    return "gtfs" in path.name.lower() and not zipfile.is_zipfile(path)


class _Source:
    """Reads member files of a GTFS zip or folder as all-string frames."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        if path.is_dir():
            self.names = {p.name for p in path.iterdir() if p.is_file()}
            self._zip = None
        else:
            try:
                self._zip = zipfile.ZipFile(path)
                bad = self._zip.testzip()
            except (zipfile.BadZipFile, OSError, EOFError) as err:
                raise GTFSError(
                    f"GTFS feed `{self.name}` is not a readable zip archive ({err}). "
                    "Download the feed again or pass its unzipped folder."
                ) from err
            if bad is not None:
                raise GTFSError(f"GTFS feed `{self.name}` is corrupt: {bad} fails its checksum. Download it again.")
            self.names = _members(self._zip.namelist())

    def has(self, name: str) -> bool:
        return name in self.names

    def read(self, name: str) -> pd.DataFrame:
        try:
            if self._zip is None:
                raw = (self.path / name).read_bytes()
            else:
                raw = self._zip.read(self.names[name])
            if not raw.strip():
                return pd.DataFrame()
            frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8-sig",
                                skipinitialspace=True)
        except (pd.errors.ParserError, UnicodeDecodeError, zipfile.BadZipFile, OSError, EOFError) as err:
            raise GTFSError(f"GTFS feed `{self.name}`: {name} cannot be read as UTF-8 CSV ({err}). Fix the file.") from err
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


@dataclass
class Feed(Timetable):
    """A loaded GTFS feed; frames hold strings except the parsed columns named below.

    The service-day questions (:meth:`services_on`, :meth:`trips_on`,
    :meth:`default_date`, :meth:`check_date`, :meth:`stations`) come from
    :class:`landuse.timetable.Timetable`.

    Attributes
    ----------
    path : Path
    stops : pandas.DataFrame
        ``stop_id, stop_name, stop_lat, stop_lon`` (float, WGS84), ``location_type``
        (int; empty = 0), ``parent_station`` (str, "" when none).
    trips : pandas.DataFrame
        ``trip_id, route_id, service_id`` (frequency trips expanded, ids ``<trip>#<k>``).
    stop_times : pandas.DataFrame
        ``trip_id, stop_id, stop_sequence`` (int), ``arrival_s``, ``departure_s``
        (float seconds of the service day), ``pickup_type``, ``drop_off_type`` (int, 0
        when empty), ``shape_dist_traveled`` (float, the feed's distance unit, NaN when
        blank or absent); sorted by trip and sequence.
    calendar, calendar_dates, transfers, feed_info : pandas.DataFrame or None
    routes : pandas.DataFrame or None
        ``routes.txt`` as strings, except ``route_type`` (int; -1 when the column is absent).
    """

    path: Path
    stops: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame | None = None
    calendar_dates: pd.DataFrame | None = None
    transfers: pd.DataFrame | None = None
    feed_info: pd.DataFrame | None = None
    routes: pd.DataFrame | None = None
    #: Service ids per date, filled by :meth:`services_on`.
    _service_cache: dict = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        """The file or folder name of the feed, as messages name it."""
        return self.path.name

    @property
    def version(self) -> str | None:
        """``feed_info.txt``'s ``feed_version`` (e.g. ``"2022-12-14"``), or None when the feed has none."""
        info = self.feed_info
        if info is None or not len(info) or "feed_version" not in info.columns:
            return None
        return str(info["feed_version"].iloc[0]).strip() or None

    def validity(self) -> tuple[dt.date, dt.date]:
        """First and last date of the feed's validity (see the module notes).

        Returns
        -------
        (first, last) : tuple of datetime.date
        """
        info = self.feed_info
        if info is not None and len(info) and {"feed_start_date", "feed_end_date"} <= set(info.columns):
            start, end = info["feed_start_date"].iloc[0].strip(), info["feed_end_date"].iloc[0].strip()
            if start and end:
                return parse_date(start), parse_date(end)
        firsts, lasts = [], []
        if self.calendar is not None and len(self.calendar):
            firsts.append(min(self.calendar["start_date"]))
            lasts.append(max(self.calendar["end_date"]))
        if self.calendar_dates is not None and len(self.calendar_dates):
            firsts.append(min(self.calendar_dates["date"]))
            lasts.append(max(self.calendar_dates["date"]))
        if not firsts:
            raise GTFSError(f"GTFS feed `{self.name}` has no service dates in calendar.txt or calendar_dates.txt.")
        return min(firsts), max(lasts)


def _check_columns(frame: pd.DataFrame, name: str, columns: tuple[str, ...], problems: list[str]) -> bool:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        problems.append(f"{name} lacks column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    return not missing


def _int_column(frame: pd.DataFrame, column: str, default: int, *, what: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), default, dtype=np.int64)
    text = frame[column].astype(str).str.strip()
    numbers = pd.to_numeric(text.where(text != "", str(default)), errors="coerce")
    if numbers.isna().any():
        raise GTFSError(f"{what} {column} holds {text[numbers.isna()].iloc[0]!r}, not an integer. Fix the feed.")
    return numbers.to_numpy(dtype=np.int64)


def _interpolate_times(stop_times: pd.DataFrame) -> pd.DataFrame:
    """Fill blank arrival/departure times of non-timepoints linearly within each trip."""
    arr = stop_times["arrival_s"].to_numpy(copy=True)
    dep = stop_times["departure_s"].to_numpy(copy=True)
    arr = np.where(np.isnan(arr), dep, arr)
    dep = np.where(np.isnan(dep), arr, dep)
    if np.isnan(arr).any():
        frame = pd.DataFrame({"trip": stop_times["trip_id"].to_numpy(), "arr": arr,
                              "pos": np.arange(len(arr), dtype=float)})
        filled = frame.groupby("trip", sort=False, group_keys=False)[["arr", "pos"]].apply(
            lambda g: pd.Series(np.interp(g["pos"], g["pos"][g["arr"].notna()], g["arr"][g["arr"].notna()]),
                                index=g.index)
            if g["arr"].notna().sum() >= 2 else g["arr"]
        )
        arr = np.where(np.isnan(arr), filled.to_numpy(dtype=float), arr)
        dep = np.where(np.isnan(dep), arr, dep)
    out = stop_times.copy()
    out["arrival_s"] = arr
    out["departure_s"] = dep
    return out


def _expand_frequencies(trips: pd.DataFrame, stop_times: pd.DataFrame, freq: pd.DataFrame,
                        feed_name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replace each frequency-based template trip by one trip per headway."""
    start = parse_gtfs_time(freq["start_time"], what=f"GTFS feed `{feed_name}`: frequencies.txt start_time")
    end = parse_gtfs_time(freq["end_time"], what=f"GTFS feed `{feed_name}`: frequencies.txt end_time")
    headway = pd.to_numeric(freq["headway_secs"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(headway).any() or (headway <= 0).any() or np.isnan(start).any() or np.isnan(end).any():
        raise GTFSError(f"GTFS feed `{feed_name}`: frequencies.txt has a row with a blank time or a headway_secs "
                        "that is not a positive number. Fix the feed.")
    templates = set(freq["trip_id"])
    new_trips, new_times = [], []
    by_trip = {k: g for k, g in stop_times[stop_times["trip_id"].isin(templates)].groupby("trip_id", sort=False)}
    trip_rows = trips.set_index("trip_id")
    counter: dict[str, int] = {}
    for trip_id, t0, t1, h in zip(freq["trip_id"], start, end, headway):
        if trip_id not in by_trip or trip_id not in trip_rows.index:
            continue
        times = by_trip[trip_id]
        offset0 = times["departure_s"].iloc[0]
        departures = np.arange(t0, t1, h)
        for depart in departures:
            k = counter.get(trip_id, 0)
            counter[trip_id] = k + 1
            new_id = f"{trip_id}#{k}"
            copy = times.copy()
            copy["trip_id"] = new_id
            copy["arrival_s"] = copy["arrival_s"] - offset0 + depart
            copy["departure_s"] = copy["departure_s"] - offset0 + depart
            new_times.append(copy)
            row = trip_rows.loc[[trip_id]].reset_index()
            row["trip_id"] = new_id
            new_trips.append(row)
    trips = trips[~trips["trip_id"].isin(templates)]
    stop_times = stop_times[~stop_times["trip_id"].isin(templates)]
    if new_trips:
        trips = pd.concat([trips, *new_trips], ignore_index=True)
        stop_times = pd.concat([stop_times, *new_times], ignore_index=True)
    return trips, stop_times


def _open(path: str | Path | None, option: str | None, settings: Settings | None) -> _Source:
    path = default_feed_path(settings) if path is None else Path(path)
    if not path.exists():
        raise InputFileNotFoundError(f"GTFS feed `{path}` does not exist. Pass a GTFS zip or folder"
                                     f"{' with ' + option if option else ''}.")
    return _Source(path)


def _parse_stops(stops: pd.DataFrame, name: str) -> pd.DataFrame:
    """Parse the columns of stops.txt every reader relies on; the other columns stay strings."""
    at = f"GTFS feed `{name}`:"
    stops = stops.copy()
    if stops["stop_id"].duplicated().any():
        raise GTFSError(f"{at} stops.txt repeats stop_id {stops['stop_id'][stops['stop_id'].duplicated()].iloc[0]!r}. Fix the feed.")
    stops["location_type"] = _int_column(stops, "location_type", 0, what=f"{at} stops.txt")
    stops["parent_station"] = stops["parent_station"].astype(str).str.strip() if "parent_station" in stops else ""
    if "stop_name" not in stops:
        stops["stop_name"] = stops["stop_id"]
    for column in ("stop_lat", "stop_lon"):
        values = pd.to_numeric(stops[column], errors="coerce")
        # entrances (2) need a position too; generic nodes (3) and boarding areas (4) may lack one
        usable = stops["location_type"].isin([0, 1, 2])
        if (values.isna() & usable).any():
            bad = stops.loc[values.isna() & usable, "stop_id"].iloc[0]
            raise GTFSError(f"{at} stops.txt {column} is blank or not a number for stop {bad!r}. Fix the feed.")
        stops[column] = values.astype(float)
    return stops.reset_index(drop=True)


def read_stops(path: str | Path | None = None, *, option: str | None = "--gtfs",
               settings: Settings | None = None) -> pd.DataFrame:
    """Read and validate only ``stops.txt`` of a GTFS feed (a tenth of the time of :func:`load_feed`).

    Parameters
    ----------
    path : str or Path, optional
        A GTFS zip (also with a top folder) or a folder; default :data:`DEFAULT_FEED`
        under ``Settings.data_dir``.
    option : str, optional
        The command-line option the feed came through, named in error messages;
        None for neutral wording.
    settings : Settings, optional
        ``data_dir``: where the default feed lies.

    Returns
    -------
    pandas.DataFrame
        Every column of stops.txt, as strings, except ``stop_lat``, ``stop_lon``
        (float, WGS84; NaN only for location types 3 and 4), ``location_type`` (int;
        empty = 0) and ``parent_station`` (str, "" when none); ``stop_name`` is the
        ``stop_id`` when the file has no names.

    Raises
    ------
    InputFileNotFoundError
        If ``path`` does not exist.
    GTFSError
        If the zip is corrupt, stops.txt or one of its columns ``stop_id``,
        ``stop_lat``, ``stop_lon`` is missing, or a value is bad.
    """
    source = _open(path, option, settings)
    try:
        problems: list[str] = []
        if not source.has("stops.txt"):
            problems.append("missing stops.txt")
        else:
            stops = source.read("stops.txt")
            _check_columns(stops, "stops.txt", REQUIRED_COLUMNS["stops.txt"], problems)
        if problems:
            raise GTFSError(f"GTFS feed `{source.name}` is incomplete: {'; '.join(problems)}. {_pass_another(option)}")
        return _parse_stops(stops, source.name)
    finally:
        source.close()


def load_feed(path: str | Path | None = None, *, option: str | None = "--gtfs",
              settings: Settings | None = None) -> Feed:
    """Load and validate a GTFS feed.

    Parameters
    ----------
    path : str or Path, optional
        A GTFS zip (also one with a top folder) or a folder of ``.txt`` files; default
        :data:`DEFAULT_FEED` under ``Settings.data_dir``, the embedded Länstrafiken
        Norrbotten feed 2022-12-14 (valid 2022-12-11 to 2023-12-10).
    option : str, optional
        The command-line option the feed came through (``"--gtfs"``, ``"--network"``),
        named in error messages; None for neutral wording.
    settings : Settings, optional
        Only ``data_dir`` is read, for the default feed.

    Returns
    -------
    Feed

    Raises
    ------
    InputFileNotFoundError
        If ``path`` does not exist.
    GTFSError
        One line naming every missing file and column, or the first bad value
        (a corrupt zip, a time that is not HH:MM:SS, a stop_id not in stops.txt).

    Examples
    --------
    >>> feed = load_feed()
    >>> [d.isoformat() for d in feed.validity()]
    ['2022-12-11', '2023-12-10']
    >>> feed.default_date().isoformat()
    '2023-01-17'
    """
    source = _open(path, option, settings)
    try:
        return _load(source, option)
    finally:
        source.close()


def _load(source: _Source, option: str | None) -> Feed:
    problems: list[str] = []
    frames: dict[str, pd.DataFrame] = {}
    for name, columns in REQUIRED_COLUMNS.items():
        if not source.has(name):
            problems.append(f"missing {name}")
            continue
        frames[name] = source.read(name)
        _check_columns(frames[name], name, columns, problems)
    if not source.has("calendar.txt") and not source.has("calendar_dates.txt"):
        problems.append("missing calendar.txt and calendar_dates.txt (one is required)")
    for name, columns in OPTIONAL_COLUMNS.items():
        if source.has(name):
            frames[name] = source.read(name)
            if not _check_columns(frames[name], name, columns, problems):
                del frames[name]
    if problems:
        raise GTFSError(f"GTFS feed `{source.name}` is incomplete: {'; '.join(problems)}. {_pass_another(option)}")

    at = f"GTFS feed `{source.name}`:"  # prefix of value errors: they name the feed file
    stops = _parse_stops(frames["stops.txt"], source.name)
    stops = stops[["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"]]

    trips = frames["trips.txt"][["trip_id", "route_id", "service_id"]].copy()
    if trips["trip_id"].duplicated().any():
        raise GTFSError(f"GTFS feed `{source.name}`: trips.txt repeats trip_id {trips['trip_id'][trips['trip_id'].duplicated()].iloc[0]!r}. Fix the feed.")

    raw = frames["stop_times.txt"]
    if len(raw) == 0:
        raise GTFSError(f"GTFS feed `{source.name}`: stop_times.txt has no rows (only a header), so no trip "
                        f"stops anywhere. {_pass_another(option)}")
    st_what = f"{at} stop_times.txt"
    stop_times = pd.DataFrame({
        "trip_id": raw["trip_id"].to_numpy(),
        "stop_id": raw["stop_id"].to_numpy(),
        "stop_sequence": _int_column(raw, "stop_sequence", -1, what=st_what),
        "arrival_s": parse_gtfs_time(raw["arrival_time"], what=f"{st_what} arrival_time"),
        "departure_s": parse_gtfs_time(raw["departure_time"], what=f"{st_what} departure_time"),
        "pickup_type": _int_column(raw, "pickup_type", 0, what=st_what),
        "drop_off_type": _int_column(raw, "drop_off_type", 0, what=st_what),
        # blank (or absent) where the feed gives no distance; the network stand-in then falls back on straight lines
        "shape_dist_traveled": (pd.to_numeric(raw["shape_dist_traveled"].str.strip(), errors="coerce").to_numpy(dtype=float)
                                if "shape_dist_traveled" in raw else np.full(len(raw), np.nan)),
    })
    unknown_stop = ~stop_times["stop_id"].isin(stops["stop_id"])
    if unknown_stop.any():
        raise GTFSError(f"GTFS feed `{source.name}`: stop_times.txt names {int(unknown_stop.sum())} stop_id(s) not in "
                        f"stops.txt (e.g. {stop_times['stop_id'][unknown_stop].iloc[0]!r}). Fix the feed.")
    unknown_trip = ~stop_times["trip_id"].isin(trips["trip_id"])
    if unknown_trip.any():
        raise GTFSError(f"GTFS feed `{source.name}`: stop_times.txt names {int(unknown_trip.sum())} trip_id(s) not in "
                        f"trips.txt (e.g. {stop_times['trip_id'][unknown_trip].iloc[0]!r}). Fix the feed.")
    stop_times = stop_times.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    stop_times = _interpolate_times(stop_times)
    if stop_times["arrival_s"].isna().any():
        bad = stop_times.loc[stop_times["arrival_s"].isna(), "trip_id"].iloc[0]
        raise GTFSError(f"GTFS feed `{source.name}`: trip {bad!r} in stop_times.txt has fewer than two timed stops. Fix the feed.")

    same_trip = stop_times["trip_id"].to_numpy()[1:] == stop_times["trip_id"].to_numpy()[:-1]
    backwards = (stop_times["departure_s"].to_numpy() < stop_times["arrival_s"].to_numpy())
    backwards[1:] |= same_trip & (stop_times["arrival_s"].to_numpy()[1:] < stop_times["departure_s"].to_numpy()[:-1])
    if backwards.any():
        bad = stop_times["trip_id"].iloc[int(np.flatnonzero(backwards)[0])]
        raise GTFSError(f"GTFS feed `{source.name}`: trip {bad!r} in stop_times.txt goes back in time along its "
                        "stop_sequence. Fix the feed.")

    if "frequencies.txt" in frames and len(frames["frequencies.txt"]):
        trips, stop_times = _expand_frequencies(trips, stop_times, frames["frequencies.txt"], source.name)
        stop_times = stop_times.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)

    calendar = frames.get("calendar.txt")
    if calendar is not None:
        calendar = calendar.copy()
        calendar["start_date"] = _gtfs_dates(calendar["start_date"], what=f"{at} calendar.txt start_date")
        calendar["end_date"] = _gtfs_dates(calendar["end_date"], what=f"{at} calendar.txt end_date")
    calendar_dates = frames.get("calendar_dates.txt")
    if calendar_dates is not None:
        calendar_dates = calendar_dates.copy()
        calendar_dates["date"] = _gtfs_dates(calendar_dates["date"], what=f"{at} calendar_dates.txt date")
        calendar_dates["exception_type"] = _int_column(calendar_dates, "exception_type", 0, what=f"{at} calendar_dates.txt")
    transfers = frames.get("transfers.txt")
    if transfers is not None:
        transfers = transfers.copy()
        transfers["transfer_type"] = _int_column(transfers, "transfer_type", 0, what=f"{at} transfers.txt")
        text = transfers["min_transfer_time"].astype(str).str.strip() if "min_transfer_time" in transfers else pd.Series("", index=transfers.index)
        seconds = pd.to_numeric(text.where(text != "", None), errors="coerce")
        if (seconds.isna() & text.ne("")).any():
            raise GTFSError(f"GTFS feed `{source.name}`: transfers.txt min_transfer_time holds "
                            f"{text[seconds.isna() & text.ne('')].iloc[0]!r}, not seconds. Fix the feed.")
        transfers["min_transfer_time"] = seconds.astype(float)
        for column in ("from_trip_id", "to_trip_id", "from_route_id", "to_route_id"):
            if column not in transfers:
                transfers[column] = ""
            transfers[column] = transfers[column].astype(str).str.strip()
    routes = frames["routes.txt"].copy()
    routes["route_type"] = _int_column(routes, "route_type", -1, what=f"{at} routes.txt")
    return Feed(
        path=source.path,
        stops=stops,
        trips=trips.reset_index(drop=True),
        stop_times=stop_times,
        calendar=calendar,
        calendar_dates=calendar_dates,
        transfers=transfers,
        feed_info=frames.get("feed_info.txt"),
        routes=routes,
    )
