"""The transit router: a GTFS timetable of one service day, sampled over a departure window, queried by profile.

:class:`TransitRouter` is the *source* of :mod:`landuse.access.transit`, as a
:class:`~landuse.network.RoadNetwork` is the source of :mod:`landuse.access.car`: it
holds the feed, the service date, the walking settings, the departure window and the
statistic, so the mode's functions take one ``source`` argument.  The checks of origins
and targets against its stops are in :mod:`landuse.access.transit_coverage`.

Semantics (other tools compare against these; the tests pin them)
-----------------------------------------------------------------
Service day
    Times count from midnight of the service day ``date`` (DST ignored).  Trips of the
    service day before whose times pass 24:00:00 run on ``date`` shifted by -24 h, trips
    of the day after by +24 h, so a journey may use a 24:30:00 trip of the day before or
    continue past midnight.  Services come from ``calendar.txt`` and
    ``calendar_dates.txt`` together (see :mod:`landuse.timetable`).
Access and egress
    A straight-line walk (EPSG:3006 metres) at ``walk_speed_kph`` (default 5.0) from the
    origin to any stop within ``max_walk_m`` (default 1000, inclusive), and from the
    alighting stop to the target within ``max_walk_m``.  A stop at distance 0 is
    reached in 0 minutes.  An origin within ``max_walk_m`` of the target may also walk
    straight there (a journey without a vehicle); walks are never chained.  Distances
    are rounded to the millimetre, so points that round-trip through WGS84 keep exact
    distances (a stop "at" the origin stays at 0 m).
Stops
    Only stops with ``location_type`` 0 or empty are boarded or alighted; a station
    (``location_type`` 1) groups its child stops.  A stop event with ``pickup_type`` 1
    cannot be boarded, one with ``drop_off_type`` 1 cannot be alighted (2 and 3, "phone"
    and "ask the driver", can).
Transfers
    Between two different trips, from the alighting stop ``a`` to the boarding stop
    ``b`` (one edge; walks are not chained).  A ``transfers.txt`` row without
    trip ids or route ids applies to the stop pair it names; a row that names a station
    applies to all its child stops (a ``from_stop_id == to_stop_id`` station row covers
    changes between any two of its children, and at the same child).  The most specific
    row wins: a row naming two stops over one naming a stop and a station over one naming
    two stations; among equally specific rows the most restrictive wins (forbidden,
    then the longest time).  ``transfer_type`` 2 takes ``min_transfer_time`` (the
    straight-line walking time when that is blank); 3 forbids; 0 and 1 take 0 minutes;
    rows with ``from_trip_id``/``to_trip_id`` or route ids (and types 4, 5) are ignored.
    A row defines the pair even where the stops are farther apart than
    ``transfer_max_m``.  Without a row: the same stop takes 0 minutes; two child stops of
    one station, or two stops within ``transfer_max_m`` (default 300, inclusive; 0
    disables that part), take the straight-line walking time.  Staying on the same trip
    is never a transfer.
    The first boarding at the origin needs no transfer time, and alighting at the target
    needs none.
Departures
    ``window`` gives the departure times at the origin: ``[start, end)`` at 1-minute
    steps (06:00-09:00 gives 180).  For each departure time ``t`` the travel time is the
    earliest arrival at the target (after egress) minus ``t``, waiting at the origin
    included; :mod:`landuse.access.transit` summarises them with ``statistic``.

Notes
-----
The router is a reverse profile connection scan (Dibbelt, Pajor, Strasser, Wagner,
"Connection Scan Algorithm", 2018) run once per target: scanning connections from late
to early, it keeps for every stop the Pareto set of (departure, earliest arrival at the
target), evaluating transfers on the fly so stop-pair transfer times need no transitive
closure.  Each origin then reads its access stops' profiles at every departure minute.
Connections are ordered by (departure, arrival, trip, stop_sequence); as in every
connection scan, a change between two *zero-duration* connections of different trips in
the same second with a 0-second transfer can be missed when the second trip sorts first
(not seen in the embedded feed, whose station changes take 180 or 300 s).
"""

from __future__ import annotations

import copy
import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from landuse._csa import earliest_arrivals, profile_scan
from landuse.choices import Statistic
from landuse.errors import GTFSError, InvalidSettingError, PartialLossWarning
from landuse.gtfs import Feed, load_feed
from landuse.settings import WORK_CRS, Settings, resolve
from landuse.timetable import format_clock

__all__ = ["DEFAULT_WINDOW", "WINDOW_HORIZON_S", "TransitRouter", "Profile", "parse_window", "departure_times",
           "median_over_departures", "check_window_has_departures"]

#: The departure window of the RUS indicator: the morning peak.
DEFAULT_WINDOW = "06:00-09:00"
DAY_S = 86_400.0
#: A window is refused when no trip departs in it or this long after it (seconds).
WINDOW_HORIZON_S = 2 * 3600.0


def parse_window(window: str | tuple[str, str]) -> tuple[float, float]:
    """Parse ``"06:00-09:00"`` into (start, end) seconds of the service day; end > start.

    Hours may pass 24 (``"23:00-25:00"``).

    Parameters
    ----------
    window : str or (str, str)
        ``HH:MM-HH:MM`` (seconds allowed: ``HH:MM:SS``), or the two ends.

    Returns
    -------
    (start, end) : tuple of float
        Seconds after midnight of the service day.

    Raises
    ------
    InvalidSettingError
        If the text is not a window, or it ends before it starts.
    """
    parts = window.split("-") if isinstance(window, str) else list(window)

    def seconds(text: str) -> float:
        pieces = str(text).strip().split(":")
        if len(pieces) not in (2, 3) or not all(p.isdigit() for p in pieces):
            raise ValueError(text)
        h, m, s = (int(p) for p in (pieces + ["0"])[:3])
        if m >= 60 or s >= 60:
            raise ValueError(text)
        return float(h * 3600 + m * 60 + s)

    try:
        if len(parts) != 2:
            raise ValueError(window)
        start, end = seconds(parts[0]), seconds(parts[1])
    except ValueError:
        raise InvalidSettingError(f"--window {window!r} is not HH:MM-HH:MM, e.g. 06:00-09:00.") from None
    if end <= start:
        raise InvalidSettingError(f"--window {window!r} ends before it starts. Give e.g. 06:00-09:00.")
    return start, end


def departure_times(window: str | tuple[str, str]) -> np.ndarray:
    """One departure a minute over ``window`` (``[start, end)``), in seconds of the service day.

    Parameters
    ----------
    window : str or (str, str)
        ``HH:MM-HH:MM`` (:func:`parse_window`).

    Returns
    -------
    numpy.ndarray of float
        Seconds after midnight of the service day.
    """
    start, end = parse_window(window)
    return np.arange(start, end, 60.0)


def median_over_departures(times: np.ndarray) -> np.ndarray:
    """Row-wise median with inf allowed (mean of the two middle values when even).

    Parameters
    ----------
    times : numpy.ndarray, shape (n, k)
        Travel times (any unit) of n origins at k departures; ``inf`` = unreachable.

    Returns
    -------
    numpy.ndarray, shape (n,)
        ``inf`` where half or more of the departures are unreachable.
    """
    ordered = np.sort(times, axis=1)
    k = ordered.shape[1]
    if k % 2:
        return ordered[:, k // 2]
    low, high = ordered[:, k // 2 - 1], ordered[:, k // 2]
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(high), np.inf, (low + high) / 2)


@dataclass
class Profile:
    """Board profiles of every stop towards one target (flat CSR arrays; see :meth:`TransitRouter.profile`)."""

    length: np.ndarray
    dep: np.ndarray
    arr: np.ndarray


class TransitRouter:
    """The timetable of one service date over one departure window, ready for profile queries.

    Size: one class of ~370 lines on purpose: the arrays built once (stops, connections, transfers) are read by every query.

    The builders are its private methods, so no half-built router exists.

    Parameters
    ----------
    feed : Feed, str or Path, optional
        A loaded feed or a GTFS zip/folder; default the embedded feed.
    date : date or str, optional
        Service date (``YYYY-MM-DD``); default :meth:`Feed.default_date` (a typical
        Tuesday).  A date outside the feed's validity raises.
    window : str or (str, str)
        Departure window ``HH:MM-HH:MM`` at the origins, ``[start, end)`` at 1-minute
        steps (:attr:`departures`); default 06:00-09:00.
    statistic : {"best", "median"}
        Which travel time over the window is ``travel_time_min`` in
        :func:`landuse.access.transit.travel_times` (case-insensitive).
    settings : Settings, optional
        ``walk_speed_kph``, ``max_walk_m`` and ``transfer_max_m`` are read here.

    Raises
    ------
    InvalidSettingError
        A bad ``window`` or ``statistic`` (before the feed is read).
    GTFSError
        If the feed is broken or the date lies outside its validity.

    Examples
    --------
    >>> router = TransitRouter(date="2023-01-17", window="07:00-08:00")
    >>> router.date.isoformat(), router.window, str(router.statistic), len(router.departures)
    ('2023-01-17', '07:00-08:00', 'best', 60)
    >>> router.replace(statistic="MEDIAN").statistic
    <Statistic.MEDIAN: 'median'>
    """

    def __init__(self, feed: Feed | str | Path | None = None, date: dt.date | str | None = None, *,
                 window: str | tuple[str, str] = DEFAULT_WINDOW, statistic: str = Statistic.BEST,
                 settings: Settings | None = None) -> None:
        parse_window(window)
        self.window = window if isinstance(window, str) else "-".join(window)
        self.statistic = Statistic.parse(statistic)
        self.settings = resolve(settings)
        self.feed = feed if isinstance(feed, Feed) else load_feed(feed)
        self.date = self.feed.default_date() if date is None else self.feed.check_date(date)
        self.walk_mps = self.settings.walk_speed_kph / 3.6
        self.walk_kph = float(self.settings.walk_speed_kph)
        self.max_walk_m = float(self.settings.max_walk_m)
        self.transfer_max_m = float(self.settings.transfer_max_m)
        self._build_stops()
        self._build_connections()
        self._build_transfers()
        self._profiles: dict[tuple[float, float, float], Profile] = {}

    def replace(self, *, window: str | tuple[str, str] | None = None, statistic: str | None = None) -> TransitRouter:
        """The same timetable with another departure window or statistic (no rebuild; profiles are shared).

        Parameters
        ----------
        window : str or (str, str), optional
            ``HH:MM-HH:MM``; default this router's.
        statistic : {"best", "median"}, optional
            Default this router's.

        Returns
        -------
        TransitRouter
        """
        other = copy.copy(self)
        if window is not None:
            parse_window(window)
            other.window = window if isinstance(window, str) else "-".join(window)
        if statistic is not None:
            other.statistic = Statistic.parse(statistic)
        return other

    @property
    def departures(self) -> np.ndarray:
        """Departure times of the window, seconds of the service day, one a minute (``[start, end)``)."""
        return departure_times(self.window)

    def __repr__(self) -> str:
        return (f"TransitRouter({self.feed.name}, {self.date.isoformat()}, {self.window}, {self.statistic}; "
                f"{self.n_trips_on_date} trips that day)")

    # ------------------------------------------------------------------ building
    def _build_stops(self) -> None:
        stops = self.feed.stops
        to_3006 = Transformer.from_crs("EPSG:4326", WORK_CRS, always_xy=True)
        x, y = to_3006.transform(stops["stop_lon"].to_numpy(), stops["stop_lat"].to_numpy())
        self.stop_ids = stops["stop_id"].to_numpy()
        self.stop_index = pd.Index(self.stop_ids)
        self.stop_xy = np.column_stack([x, y])
        self.boardable = (stops["location_type"].to_numpy() == 0) & np.isfinite(x) & np.isfinite(y)
        self.board_idx = np.flatnonzero(self.boardable)
        self.tree = cKDTree(self.stop_xy[self.board_idx]) if len(self.board_idx) else None

    def _build_connections(self) -> None:
        st = self.feed.stop_times
        parts = []
        n_instances = 0
        for offset_days in (-1, 0, 1):
            day = self.date + dt.timedelta(days=offset_days)
            trips = self.feed.trips_on(day)["trip_id"]
            part = st[st["trip_id"].isin(trips)]
            if offset_days == -1:  # only trips running past midnight matter
                late = part.groupby("trip_id")["arrival_s"].transform("max") >= DAY_S
                part = part[late]
            codes, _ = pd.factorize(part["trip_id"])
            if offset_days == 0:  # trip instances of the date itself (benchmarks compare on these)
                self.date_instances = np.arange(n_instances, n_instances + (int(codes.max()) + 1 if len(codes) else 0))
            parts.append(pd.DataFrame({
                "instance": codes + n_instances,
                "stop": self.stop_index.get_indexer(part["stop_id"]),
                "seq": part["stop_sequence"].to_numpy(),
                "arr": part["arrival_s"].to_numpy() + offset_days * DAY_S,
                "dep": part["departure_s"].to_numpy() + offset_days * DAY_S,
                "pickup": part["pickup_type"].to_numpy(),
                "dropoff": part["drop_off_type"].to_numpy(),
            }))
            n_instances += int(codes.max()) + 1 if len(codes) else 0
        events = pd.concat(parts, ignore_index=True).sort_values(["instance", "seq"], kind="stable")
        self.n_trips = n_instances
        self.n_trips_on_date = int(len(self.feed.trips_on(self.date)))
        if self.n_trips_on_date == 0:
            warnings.warn(
                f"No trips of GTFS feed `{self.feed.name}` run on {self.date.isoformat()} "
                f"({self.date.strftime('%A')}): only walking and late trips of the day before remain. "
                "Pick another --date.", PartialLossWarning, stacklevel=3,
            )
        inst = events["instance"].to_numpy()
        stop = events["stop"].to_numpy()
        nxt = np.flatnonzero(inst[1:] == inst[:-1])  # event i -> event i + 1 of the same trip
        board = self.boardable[stop[nxt]] & (events["pickup"].to_numpy()[nxt] != 1)
        alight = self.boardable[stop[nxt + 1]] & (events["dropoff"].to_numpy()[nxt + 1] != 1)
        dep = events["dep"].to_numpy()[nxt]
        arr = events["arr"].to_numpy()[nxt + 1]
        seq = events["seq"].to_numpy()[nxt]
        order = np.lexsort((seq, inst[nxt], arr, dep))
        self.c_dep_stop = stop[nxt][order].astype(np.int64)
        self.c_arr_stop = stop[nxt + 1][order].astype(np.int64)
        self.c_dep = dep[order].astype(np.float64)
        self.c_arr = arr[order].astype(np.float64)
        self.c_trip = inst[nxt][order].astype(np.int64)
        self.c_board = board[order]
        self.c_alight = alight[order]
        # room in the flat profile arrays: one entry per boardable connection per stop
        counts = np.bincount(self.c_dep_stop[self.c_board], minlength=len(self.stop_ids))
        self.prof_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def walk_s(self, dist_m: np.ndarray | float) -> np.ndarray:
        """Walking time in seconds over a straight-line distance (metres, rounded to the mm).

        Parameters
        ----------
        dist_m : float or numpy.ndarray
            Metres.

        Returns
        -------
        numpy.ndarray of float
            Seconds at ``walk_speed_kph``.
        """
        return np.round(dist_m, 3) * 3.6 / self.walk_kph

    def _walk_s(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.walk_s(np.hypot(*(self.stop_xy[a] - self.stop_xy[b]).T))

    def _build_transfers(self) -> None:
        stops = self.feed.stops
        n = len(stops)
        board = self.board_idx
        pairs = [np.column_stack([board, board])]
        # child stops of one station
        parent = stops["parent_station"].to_numpy()
        is_station = pd.Series(stops["location_type"].to_numpy() == 1, index=self.stop_ids)
        children = pd.DataFrame({"stop": board, "parent": parent[board]})
        children = children[children["parent"].map(is_station).eq(True).to_numpy()]  # NaN: no parent
        sib = children.merge(children, on="parent", suffixes=("_a", "_b"))
        pairs.append(sib[["stop_a", "stop_b"]].to_numpy())
        if self.transfer_max_m > 0 and self.tree is not None:
            near = self.tree.query_pairs(self.transfer_max_m + 1e-3, output_type="ndarray")
            near = board[near.reshape(-1, 2)]
            near = near[np.round(np.hypot(*(self.stop_xy[near[:, 0]] - self.stop_xy[near[:, 1]]).T), 3)
                        <= self.transfer_max_m]
            pairs.append(near)
            pairs.append(near[:, ::-1])
        default = np.unique(np.vstack(pairs).astype(np.int64), axis=0)
        default_time = np.where(default[:, 0] == default[:, 1], 0.0, self._walk_s(default[:, 0], default[:, 1]))
        table = pd.DataFrame({"a": default[:, 0], "b": default[:, 1], "time": default_time})

        rows = self.feed.transfers
        if rows is not None and len(rows):
            rows = rows[(rows["from_trip_id"] == "") & (rows["to_trip_id"] == "")
                        & (rows["from_route_id"] == "") & (rows["to_route_id"] == "")
                        & rows["transfer_type"].isin([0, 1, 2, 3])]
            members = pd.DataFrame({"id": self.stop_ids[board], "stop": board, "specific": 1})
            members = pd.concat([members, pd.DataFrame({"id": children["parent"].to_numpy(),
                                                        "stop": children["stop"].to_numpy(), "specific": 0})])
            rows = rows.reset_index(drop=True).reset_index(names="row")
            frm = rows[["row", "from_stop_id"]].merge(members, left_on="from_stop_id", right_on="id")
            to = rows[["row", "to_stop_id"]].merge(members, left_on="to_stop_id", right_on="id")
            expanded = frm[["row", "stop", "specific"]].merge(to[["row", "stop", "specific"]], on="row",
                                                               suffixes=("_a", "_b"))
            expanded = expanded.merge(rows[["row", "transfer_type", "min_transfer_time"]], on="row")
            a = expanded["stop_a"].to_numpy(dtype=np.int64)
            b = expanded["stop_b"].to_numpy(dtype=np.int64)
            kind = expanded["transfer_type"].to_numpy()
            walk = np.where(a == b, 0.0, self._walk_s(a, b)) if len(a) else np.zeros(0)
            mtt = expanded["min_transfer_time"].to_numpy(dtype=float)
            time = np.where(kind == 3, np.inf, np.where(kind == 2, np.where(np.isnan(mtt), walk, mtt), 0.0))
            ruled = pd.DataFrame({"a": a, "b": b, "time": time,
                                  "specific": expanded["specific_a"].to_numpy() + expanded["specific_b"].to_numpy()})
            ruled = ruled.sort_values(["a", "b", "specific", "time"]).drop_duplicates(["a", "b"], keep="last")
            table = pd.concat([table.merge(ruled[["a", "b"]], on=["a", "b"], how="left", indicator=True)
                               .query("_merge == 'left_only'").drop(columns="_merge"),
                               ruled[["a", "b", "time"]]], ignore_index=True)
            table = table[np.isfinite(table["time"].to_numpy())]
        table = table.sort_values(["a", "b"])
        a = table["a"].to_numpy(dtype=np.int64)
        self.nb_ptr = np.concatenate([[0], np.cumsum(np.bincount(a, minlength=n))]).astype(np.int64)
        self.nb_stop = table["b"].to_numpy(dtype=np.int64)
        self.nb_time = table["time"].to_numpy(dtype=np.float64)

    # ------------------------------------------------------------------ queries
    def stops_within(self, xy: np.ndarray, radius_m: float | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR lists of boardable stops within ``radius_m`` (inclusive; one value or one per point).

        Parameters
        ----------
        xy : numpy.ndarray, shape (n, 2)
            Points in metres, EPSG:3006.
        radius_m : float or numpy.ndarray
            Metres, one value or one per point.

        Returns
        -------
        ptr, stop, dist_m : numpy.ndarray
            Point ``i``'s stops are ``stop[ptr[i]:ptr[i + 1]]`` (rows of ``feed.stops``) at
            ``dist_m`` metres (rounded to the millimetre).
        """
        xy = np.atleast_2d(np.asarray(xy, dtype=float))
        if self.tree is None or len(xy) == 0:
            return np.zeros(len(xy) + 1, np.int64), np.zeros(0, np.int64), np.zeros(0)
        radius_m = np.broadcast_to(np.asarray(radius_m, dtype=float), (len(xy),))
        found = self.tree.query_ball_point(xy, r=radius_m + 1e-3)
        lengths = np.array([len(f) for f in found], dtype=np.int64)
        flat = np.concatenate([np.asarray(f, dtype=np.int64) for f in found]) if lengths.sum() else np.zeros(0, np.int64)
        owner = np.repeat(np.arange(len(xy)), lengths)
        dist = np.hypot(*(self.stop_xy[self.board_idx[flat]] - xy[owner]).T) if len(flat) else np.zeros(0)
        dist = np.round(dist, 3)  # mm: coordinates that round-trip through WGS84 keep exact distances
        keep = dist <= radius_m[owner]
        flat, owner, dist = flat[keep], owner[keep], dist[keep]
        ptr = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=len(xy)))]).astype(np.int64)
        return ptr, self.board_idx[flat].astype(np.int64), dist

    def profile(self, target_xy: tuple[float, float], after_s: float = -np.inf, radius_m: float = 0.0) -> Profile:
        """Board profiles of every stop towards the target area (EPSG:3006 m).

        The target is the disc of ``radius_m`` around ``target_xy`` (a point when 0):
        alighting at a stop inside it is arriving; from a stop outside it one walks to
        its edge.  Connections departing before ``after_s`` are left out (no journey
        starting at or after ``after_s`` can use them).  Profiles are cached per target.

        Parameters
        ----------
        target_xy : (float, float)
            Centre of the target, EPSG:3006 metres.
        after_s : float
            Seconds of the service day.
        radius_m : float
            Radius of the target's disc, metres.

        Returns
        -------
        Profile
        """
        key = (float(target_xy[0]), float(target_xy[1]), float(after_s), float(radius_m))
        if key in self._profiles:
            return self._profiles[key]
        egress = np.full(len(self.stop_ids), np.inf)
        ptr, stop, dist = self.stops_within(np.array([target_xy]), self.max_walk_m + radius_m)
        egress[stop] = self.walk_s(np.maximum(dist - radius_m, 0.0))
        result = self._scan(egress, after_s)
        self._profiles[key] = result
        return result

    def _scan(self, egress: np.ndarray, after_s: float) -> Profile:
        first = int(np.searchsorted(self.c_dep, after_s, side="left"))
        sl = slice(first, None)
        length = np.zeros(len(self.stop_ids), np.int64)
        dep = np.empty(int(self.prof_ptr[-1]))
        arr = np.empty(int(self.prof_ptr[-1]))
        profile_scan(self.c_dep_stop[sl], self.c_arr_stop[sl], self.c_dep[sl], self.c_arr[sl], self.c_trip[sl],
                     self.c_board[sl], self.c_alight[sl], self.n_trips, egress, self.nb_ptr, self.nb_stop,
                     self.nb_time, self.prof_ptr, length, dep, arr)
        return Profile(length, dep, arr)

    def stop_arrivals(self, origin_stops: list[np.ndarray], target_stops: np.ndarray,
                      departures_s: np.ndarray) -> np.ndarray:
        """Stop-to-stop earliest arrivals without walking (e.g. station to station).

        Parameters
        ----------
        origin_stops : list of int arrays
            For each origin, the stop indices (rows of ``feed.stops``) one may board at
            first, reached at the departure time.
        target_stops : int array
            Stop indices that count as arrived (no egress walk).
        departures_s : array (k,)
            Departure times, seconds of the service day.

        Returns
        -------
        numpy.ndarray (len(origin_stops), k)
            Arrival times in seconds; ``inf`` when unreachable.
        """
        departures_s = np.asarray(departures_s, dtype=np.float64)
        egress = np.full(len(self.stop_ids), np.inf)
        egress[np.asarray(target_stops, dtype=np.int64)] = 0.0
        prof = self._scan(egress, float(departures_s.min()))
        lengths = np.array([len(o) for o in origin_stops], dtype=np.int64)
        ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        stop = np.concatenate([np.asarray(o, dtype=np.int64) for o in origin_stops]) if lengths.sum() else np.zeros(0, np.int64)
        out = np.full((len(origin_stops), len(departures_s)), np.inf)
        earliest_arrivals(ptr, stop, np.zeros(len(stop)), np.full(len(origin_stops), np.inf), departures_s,
                          self.prof_ptr, prof.length, prof.dep, prof.arr, out)
        return out

    def arrival_times(self, origins_xy: np.ndarray, target_xy: tuple[float, float],
                      departures_s: np.ndarray, radius_m: float = 0.0,
                      walk_limit_m: np.ndarray | None = None) -> np.ndarray:
        """Earliest arrival (s) in the target area for each origin and departure time.

        Parameters
        ----------
        origins_xy : array (n, 2)
            EPSG:3006 metres.
        target_xy : (float, float)
            Centre of the target, EPSG:3006 metres.
        departures_s : array (k,)
            Departure times at the origins, seconds of the service day.
        radius_m : float
            The target is the disc of this radius (metres) around ``target_xy``; an
            origin inside it has arrived at its departure time.
        walk_limit_m : array (n,), optional
            Longest walk to a first stop per origin (default ``max_walk_m`` for all).

        Returns
        -------
        numpy.ndarray (n, k)
            Seconds of the service day; ``inf`` when unreachable.
        """
        origins_xy = np.atleast_2d(np.asarray(origins_xy, dtype=float)).reshape(-1, 2)
        departures_s = np.asarray(departures_s, dtype=np.float64)
        out = np.full((len(origins_xy), len(departures_s)), np.inf)
        if len(origins_xy) == 0 or len(departures_s) == 0:
            return out
        prof = self.profile(target_xy, after_s=float(departures_s.min()), radius_m=radius_m)
        ptr, stop, dist = self.stops_within(origins_xy, self.max_walk_m if walk_limit_m is None else walk_limit_m)
        centre_m = np.hypot(*(origins_xy - np.asarray(target_xy, dtype=float)).T)
        direct_m = np.round(np.maximum(centre_m - radius_m, 0.0), 3)
        direct = np.where(direct_m <= self.max_walk_m, self.walk_s(direct_m), np.inf)
        earliest_arrivals(ptr, stop, self.walk_s(dist), direct, departures_s, self.prof_ptr,
                          prof.length, prof.dep, prof.arr, out)
        return out


def check_window_has_departures(router: TransitRouter) -> None:
    """Refuse a window in which no vehicle departs: its figures would be walking only.

    Parameters
    ----------
    router : TransitRouter
        Its ``window`` on its service date.

    Raises
    ------
    GTFSError
        If no trip of the service day departs in the window or within
        :data:`WINDOW_HORIZON_S` after it.
    """
    window = router.window
    start, end = parse_window(window)
    # the service day's own trips (the router also holds neighbouring days' trips for windows past midnight)
    own_day = router.c_board & np.isin(router.c_trip, router.date_instances)
    boarding = router.c_dep[own_day]
    # a trip leaving soon after the window still carries travellers who left inside it
    horizon = end + WINDOW_HORIZON_S
    if boarding.size and ((boarding >= start) & (boarding < horizon)).any():
        return
    span = (f"the day's departures run {format_clock(boarding.min())}-{format_clock(boarding.max())}"
            if boarding.size else "no trip runs that day")
    raise GTFSError(
        f"--window {window}: no trip of `{router.feed.name}` departs "
        f"between {format_clock(start)} and {format_clock(horizon)} on {router.date.isoformat()} ({span}); "
        "the figures would count walking only. "
        "Choose a window inside the service day, e.g. 06:00-09:00."
    )
