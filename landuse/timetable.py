"""The service day of a loaded GTFS feed: which services run, a typical day, stations, stråk.

:mod:`landuse.gtfs` is the one GTFS reader; this module answers the questions asked of
a feed once it is read.  :class:`Timetable` is mixed into :class:`landuse.gtfs.Feed`, so
``feed.services_on(day)``, ``feed.default_date()`` and ``feed.stations()`` read the
tables the reader parsed; :func:`strak` counts departures per stop-to-stop segment of a
day; :func:`parse_date` and :func:`format_clock` read and write service-day dates and times.

Notes
-----
- A service runs on a date when ``calendar.txt`` has a row whose ``start_date`` to
  ``end_date`` covers the date with the weekday flag 1, unless ``calendar_dates.txt``
  removes the date (``exception_type`` 2); ``exception_type`` 1 adds a date whatever
  ``calendar.txt`` says.  A feed may have either file or both (the Länstrafiken
  Norrbotten feed has all weekday flags 0 and lists every day in ``calendar_dates.txt``).
- Times are seconds after midnight of the service day and may pass 24:00:00
  (see :mod:`landuse.gtfs`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from landuse.errors import GTFSError
from landuse.settings import WORK_CRS

if TYPE_CHECKING:
    import geopandas as gpd

    from landuse.gtfs import Feed

__all__ = ["WEEKDAYS", "Timetable", "parse_date", "format_clock", "strak"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def format_clock(seconds: float) -> str:
    """``HH:MM`` of seconds since the start of the service day (hours may pass 24, as in GTFS).

    Parameters
    ----------
    seconds : float
        Seconds after midnight of the service day.

    Returns
    -------
    str

    Examples
    --------
    >>> format_clock(25 * 3600 + 5 * 60 + 59)
    '25:05'
    """
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}"


def parse_date(value: str | dt.date) -> dt.date:
    """Parse ``YYYY-MM-DD`` or GTFS ``YYYYMMDD`` into a date.

    Parameters
    ----------
    value : str or datetime.date
        A date, or its text.

    Returns
    -------
    datetime.date

    Raises
    ------
    GTFSError
        If the text is not a date.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise GTFSError(f"Date {value!r} is not a date YYYY-MM-DD (e.g. 2023-03-14).")


class Timetable:
    """Service-day questions of a loaded feed, mixed into :class:`landuse.gtfs.Feed`.

    The methods read the feed's parsed tables (``stops``, ``trips``, ``calendar``,
    ``calendar_dates``), its :meth:`~landuse.gtfs.Feed.validity` and its
    ``_service_cache`` (one set of service ids per date asked).
    """

    def station_ids(self) -> pd.Series:
        """The station of every stop, indexed by ``stop_id``.

        A stop's ``parent_station`` when stops.txt holds that id, else the stop itself:
        platforms merge into their station, a lone stop is its own station.

        Returns
        -------
        pandas.Series of str
            Named ``station_id``.
        """
        stops = self.stops
        parent = stops["parent_station"]
        own = parent.eq("") | ~parent.isin(set(stops["stop_id"]))
        return pd.Series(stops["stop_id"].where(own, parent).to_numpy(), index=stops["stop_id"].to_numpy(),
                         name="station_id")

    def stations(self) -> pd.DataFrame:
        """One row per station id (see :meth:`station_ids`), sorted by id.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``station_id``; columns ``stop_name`` and ``stop_lon``, ``stop_lat``
            (WGS84): the station's own position when stops.txt gives it, else the mean of
            its platforms (NaN when none has one).
        """
        keys = self.station_ids()
        stops = self.stops.set_index("stop_id")
        coords = stops[["stop_lon", "stop_lat"]]
        members = coords.groupby(keys.reindex(coords.index).to_numpy()).mean()
        index = pd.Index(sorted(set(keys)), name="station_id")
        out = coords.reindex(index).fillna(members.reindex(index))
        out.insert(0, "stop_name", stops["stop_name"].reindex(index).to_numpy())
        return out

    def check_date(self, date: dt.date | str) -> dt.date:
        """Return ``date`` parsed, or raise :class:`GTFSError` naming the valid range.

        Parameters
        ----------
        date : datetime.date or str
            ``YYYY-MM-DD``.

        Returns
        -------
        datetime.date
        """
        day = parse_date(date)
        first, last = self.validity()
        if not first <= day <= last:
            raise GTFSError(
                f"Date {day.isoformat()} is outside the validity of GTFS feed `{self.name}`: "
                f"valid {first.isoformat()} to {last.isoformat()}. Pass --date inside that range."
            )
        return day

    def services_on(self, date: dt.date | str) -> set[str]:
        """Service ids running on ``date``: calendar.txt and calendar_dates.txt together (see the module notes).

        Parameters
        ----------
        date : datetime.date or str
            The service day, ``YYYY-MM-DD`` or GTFS ``YYYYMMDD`` text accepted (:func:`parse_date`).

        Returns
        -------
        set of str
        """
        day = parse_date(date)
        if day in self._service_cache:
            return self._service_cache[day]
        active: set[str] = set()
        if self.calendar is not None and len(self.calendar):
            cal = self.calendar
            flag = cal[WEEKDAYS[day.weekday()]].astype(str).str.strip() == "1"
            inside = (cal["start_date"] <= day) & (cal["end_date"] >= day)
            active.update(cal.loc[flag & inside, "service_id"])
        if self.calendar_dates is not None and len(self.calendar_dates):
            cd = self.calendar_dates[self.calendar_dates["date"] == day]
            active.difference_update(cd.loc[cd["exception_type"] == 2, "service_id"])
            active.update(cd.loc[cd["exception_type"] == 1, "service_id"])
        self._service_cache[day] = active
        return active

    def trips_on(self, date: dt.date | str) -> pd.DataFrame:
        """Trips whose service runs on ``date``.

        Parameters
        ----------
        date : datetime.date or str
            The service day, ``YYYY-MM-DD`` or GTFS ``YYYYMMDD`` text accepted (:func:`parse_date`).

        Returns
        -------
        pandas.DataFrame
            Rows of ``trips``: ``trip_id, route_id, service_id``.
        """
        return self.trips[self.trips["service_id"].isin(self.services_on(date))]

    def default_date(self, weekday: int = 1) -> dt.date:
        """A typical ``weekday`` (0 = Monday; default Tuesday) inside the validity.

        The most common set of running services among those weekdays wins (ties go to
        the earliest pattern), and its first date is returned.  This skips holidays and
        school breaks, which have unusual service sets, without a holiday calendar.

        Parameters
        ----------
        weekday : int
            0 = Monday .. 6 = Sunday.

        Returns
        -------
        datetime.date

        Raises
        ------
        GTFSError
            If no such weekday runs any service.
        """
        first, last = self.validity()
        day = first + dt.timedelta(days=(weekday - first.weekday()) % 7)
        patterns: dict[frozenset[str], list[dt.date]] = {}
        while day <= last:
            patterns.setdefault(frozenset(self.services_on(day)), []).append(day)
            day += dt.timedelta(days=7)
        patterns.pop(frozenset(), None)
        if not patterns:
            raise GTFSError(f"GTFS feed `{self.name}` has no {WEEKDAYS[weekday]} with service inside its "
                            f"validity {first} to {last}. Pass --date.")
        return max(patterns.values(), key=lambda days: (len(days), -days[0].toordinal()))[0]


def strak(feed: Feed, date: dt.date | str, *,
          exclude_route_types: tuple[int, ...] | list[int] = (1501,)) -> gpd.GeoDataFrame:
    """Public-transport stråk: departures on a service day between consecutive stations.

    Platforms are merged into their station (:meth:`Feed.station_ids`); each pair of
    consecutive stations of a trip is one segment, both directions counted together.

    Parameters
    ----------
    feed : Feed
        From :func:`load_feed`.
    date : str or datetime.date
        Service day (``YYYY-MM-DD``); services come from ``calendar.txt`` and
        ``calendar_dates.txt`` together (:meth:`Feed.services_on`).
    exclude_route_types : sequence of int
        Route types left out; default 1501 (demand-responsive, no fixed departures).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006 straight lines between station positions (:meth:`Feed.stations`) with
        ``from_stop_id`` < ``to_stop_id`` (station ids), ``from_name``, ``to_name`` and
        ``departures`` (trips on ``date`` over the segment, both directions; a trip of
        ``frequencies.txt`` counts once per headway), sorted by ``departures``, then ids.

    Raises
    ------
    GTFSError
        If no trip (of the kept route types) runs on ``date``.

    Examples
    --------
    >>> from landuse.gtfs import load_feed
    >>> lines = strak(load_feed(), "2023-01-17")
    >>> lines.crs.to_epsg(), bool(lines["departures"].max() > 100)
    (3006, True)
    """
    import geopandas as gpd
    import shapely

    day = parse_date(date)
    trips = feed.trips_on(day)
    if feed.routes is not None and len(exclude_route_types):
        types = {int(t) for t in exclude_route_types}
        excluded = feed.routes.loc[feed.routes["route_type"].isin(types), "route_id"]
        trips = trips[~trips["route_id"].isin(set(excluded))]
    if trips.empty:
        try:
            first, last = feed.validity()
            valid = f" (valid {first.isoformat()} to {last.isoformat()})"
        except GTFSError:
            valid = ""
        raise GTFSError(f"GTFS feed `{feed.name}` has no trips on {day.isoformat()}{valid}. "
                        "Choose a day inside the feed's validity.")
    st = feed.stop_times[feed.stop_times["trip_id"].isin(set(trips["trip_id"]))]  # sorted by trip, sequence
    station = st["stop_id"].map(feed.station_ids()).to_numpy()
    trip = st["trip_id"].to_numpy()
    same = (trip[1:] == trip[:-1]) & (station[1:] != station[:-1])
    a, b = station[:-1][same], station[1:][same]
    counts = (pd.DataFrame({"from_stop_id": np.where(a < b, a, b), "to_stop_id": np.where(a < b, b, a)})
              .value_counts().rename("departures").reset_index()
              .sort_values(["departures", "from_stop_id", "to_stop_id"], kind="stable"))
    where = feed.stations()
    start = where.loc[counts["from_stop_id"]]
    end = where.loc[counts["to_stop_id"]]
    coords = np.stack([start[["stop_lon", "stop_lat"]].to_numpy(), end[["stop_lon", "stop_lat"]].to_numpy()], axis=1)
    lines = shapely.linestrings(coords) if len(counts) else np.array([], dtype=object)
    return gpd.GeoDataFrame(
        {
            "from_stop_id": counts["from_stop_id"].to_numpy(),
            "to_stop_id": counts["to_stop_id"].to_numpy(),
            "from_name": start["stop_name"].to_numpy(),
            "to_name": end["stop_name"].to_numpy(),
            "departures": counts["departures"].to_numpy(dtype=int),
        },
        geometry=lines,
        crs="EPSG:4326",
    ).to_crs(WORK_CRS).reset_index(drop=True)
