"""Accessibility by public transport: a GTFS router, travel times over a departure window, isochrones.

The RUS 2030 indicator "andel av befolkningen som når centralort inom 60 minuter med
kollektivtrafik": :func:`travel_times` gives each origin its best and median travel
time to a centralort over a departure window; :func:`landuse.indicator.indicator_table`
turns them into shares per kommun and for the county.

Semantics (other tools compare against these; the tests pin them)
-----------------------------------------------------------------
Service day
    Times count from midnight of the service day ``date`` (DST ignored).  Trips of the
    service day before whose times pass 24:00:00 run on ``date`` shifted by -24 h, trips
    of the day after by +24 h, so a journey may use a 24:30:00 trip of the day before or
    continue past midnight.  Services come from ``calendar.txt`` and
    ``calendar_dates.txt`` together (see :mod:`landuse.gtfs`).
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
Travel time
    For a departure time ``t`` at the origin, the travel time is the earliest arrival at
    the target (after egress) minus ``t``, waiting at the origin included.  Departure
    times run over the window ``[start, end)`` at 1-minute steps (06:00-09:00 gives 180).
    ``best`` is the minimum over ``t``; ``median`` the median over ``t`` (the mean of the
    two middle values for an even count), counting unreachable as infinite, so an origin
    unreachable at half or more of the departures has no median.  Unreachable is NULL in
    the outputs.
Targets
    ``any``: per departure time the earliest of all centralorter; ``target`` names the
    centralort reached at the best departure (``best``) or the one reached first at the
    most departure times (``median``; ties go to the first listed).  ``own``: the
    centralort(s) whose ``kommun_code`` equals the origin's.
Isochrones
    For each centralort, the area within 30 and 60 minutes by transit and walking with the
    ``best`` statistic: the union of circles around every stop from which the centralort
    is reached within the limit, of radius (remaining time x walk speed) capped at
    ``max_walk_m``, and the direct-walk circle around the centralort itself.

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

Origins are points (tätort centroids by default): a tätort whose point lies farther than
``max_walk_m`` from every stop is unreachable even if part of it is close to a stop.
Such origins are counted in a :class:`~landuse.errors.PartialLossWarning`; when no
origin has a stop within reach the feed does not cover them and
:func:`travel_times` raises :class:`~landuse.errors.GTFSError`.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from landuse._csa import earliest_arrivals, profile_scan
from landuse._io import write_csv, write_gpkg
from landuse.errors import GTFSError, InvalidSettingError, PartialLossWarning
from landuse.gtfs import Feed, format_clock, load_feed, parse_date
from landuse.settings import WORK_CRS, Settings, resolve

__all__ = [
    "ORIGIN_COLUMNS",
    "ORIGIN_LAYER_COLUMNS",
    "ISOCHRONE_COLUMNS",
    "Statistic",
    "TransitRouter",
    "parse_window",
    "travel_times",
    "isochrones",
    "access_transit",
    "demo_step",
]

log = logging.getLogger("landuse.transit")

ORIGIN_COLUMNS = ["origin_id", "kommun_code", "population", "travel_time_min", "best_min", "median_min", "target"]
#: Columns of the ``origins`` layer: one row per origin, summarised over its points.
ORIGIN_LAYER_COLUMNS = ORIGIN_COLUMNS + ["name", "share_within", "radius_m"]
ISOCHRONE_COLUMNS = ["target_id", "centralort", "kommun_code", "minutes", "mode", "schematic"]
Statistic = Literal["best", "median"]
DAY_S = 86_400.0


def parse_window(window: str | tuple[str, str]) -> tuple[float, float]:
    """Parse ``"06:00-09:00"`` into (start, end) seconds of the service day; end > start.

    Hours may pass 24 (``"23:00-25:00"``).
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


def _choice(value: str, options: tuple[str, ...], option: str) -> str:
    text = str(value).strip().lower()
    if text not in options:
        raise InvalidSettingError(f"{option} {value!r} is not one of {', '.join(options)}.")
    return text


@dataclass
class _Profile:
    length: np.ndarray
    dep: np.ndarray
    arr: np.ndarray


class TransitRouter:
    """The timetable of one service date, ready for profile queries.

    Parameters
    ----------
    feed : Feed, str or Path, optional
        A loaded feed or a GTFS zip/folder; default the embedded feed.
    date : date or str, optional
        Service date (``YYYY-MM-DD``); default :meth:`Feed.default_date` (a typical
        Tuesday).  A date outside the feed's validity raises.
    settings : Settings, optional
        ``walk_speed_kph``, ``max_walk_m`` and ``transfer_max_m`` are read here.

    Raises
    ------
    GTFSError
        If the feed is broken or the date lies outside its validity.
    """

    def __init__(self, feed: Feed | str | Path | None = None, date: dt.date | str | None = None, *,
                 settings: Settings | None = None) -> None:
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
        self._profiles: dict[tuple[float, float, float], _Profile] = {}

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
        """Walking time in seconds over a straight-line distance (metres, rounded to the mm)."""
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

        Returns ``(ptr, stop, dist_m)``.
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

    def profile(self, target_xy: tuple[float, float], after_s: float = -np.inf, radius_m: float = 0.0) -> _Profile:
        """Board profiles of every stop towards the target area (EPSG:3006 m).

        The target is the disc of ``radius_m`` around ``target_xy`` (a point when 0):
        alighting at a stop inside it is arriving; from a stop outside it one walks to
        its edge.  Connections departing before ``after_s`` are left out (no journey
        starting at or after ``after_s`` can use them).
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

    def _scan(self, egress: np.ndarray, after_s: float) -> _Profile:
        first = int(np.searchsorted(self.c_dep, after_s, side="left"))
        sl = slice(first, None)
        length = np.zeros(len(self.stop_ids), np.int64)
        dep = np.empty(int(self.prof_ptr[-1]))
        arr = np.empty(int(self.prof_ptr[-1]))
        profile_scan(self.c_dep_stop[sl], self.c_arr_stop[sl], self.c_dep[sl], self.c_arr[sl], self.c_trip[sl],
                     self.c_board[sl], self.c_alight[sl], self.n_trips, egress, self.nb_ptr, self.nb_stop,
                     self.nb_time, self.prof_ptr, length, dep, arr)
        return _Profile(length, dep, arr)

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


def _departures(window: str | tuple[str, str]) -> np.ndarray:
    start, end = parse_window(window)
    return np.arange(start, end, 60.0)


def _median(times: np.ndarray) -> np.ndarray:
    """Row-wise median with inf allowed (mean of the two middle values when even)."""
    ordered = np.sort(times, axis=1)
    k = ordered.shape[1]
    if k % 2:
        return ordered[:, k // 2]
    low, high = ordered[:, k // 2 - 1], ordered[:, k // 2]
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(high), np.inf, (low + high) / 2)


def _router(router: TransitRouter | None, gtfs, date, settings) -> TransitRouter:  # noqa: ANN001
    if router is not None:
        if date is not None and parse_date(date) != router.date:
            raise InvalidSettingError(f"date {date} differs from the router's date {router.date}.")
        return router
    return TransitRouter(gtfs, date, settings=settings)


def _xy(frame: gpd.GeoDataFrame) -> np.ndarray:
    if frame.crs is None:
        from landuse.errors import MissingCRSError
        raise MissingCRSError("The origins or targets have no CRS. Set one (EPSG:3006) before routing.")
    points = frame.to_crs(WORK_CRS).geometry
    points = points.where(points.geom_type == "Point", points.representative_point())
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])


#: A window is refused when no trip departs in it or this long after it (seconds).
WINDOW_HORIZON_S = 2 * 3600.0


def _check_window_has_departures(router: TransitRouter, window: str | tuple[str, str]) -> None:
    """Refuse a window in which no vehicle departs: its figures would be walking only."""
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
        f"--window {window if isinstance(window, str) else '-'.join(window)}: no trip of `{router.feed.name}` departs "
        f"between {format_clock(start)} and {format_clock(horizon)} on {router.date.isoformat()} ({span}); "
        "the figures would count walking only. "
        "Choose a window inside the service day, e.g. 06:00-09:00."
    )


def _walk_limits(router: TransitRouter, points: pd.DataFrame, xy: np.ndarray) -> np.ndarray:
    """Longest walk to a first stop per point: ``max_walk_m``, or farther to a stop inside its own tätort.

    The points of a tätort modelled as a disc (``radius_m`` > 0, see
    :func:`landuse.indicator.origin_points`) may walk to the nearest boardable stop
    inside that disc even when it is farther than ``max_walk_m``: a tätort with a
    served stop is reached from that stop.
    """
    limits = np.full(len(xy), router.max_walk_m)
    if len(xy) == 0 or "radius_m" not in points.columns or "origin_id" not in points.columns:
        return limits
    radius = pd.to_numeric(points["radius_m"], errors="coerce").fillna(0).to_numpy(dtype=float)
    for idx in pd.Series(np.arange(len(xy))).groupby(points["origin_id"].astype(str).to_numpy()).indices.values():
        if radius[idx[0]] <= 0:
            continue
        centre = xy[idx].mean(axis=0)  # the grid of an origin's points is symmetric about its centre
        _, inside, _ = router.stops_within(centre[None, :], radius[idx[0]])
        if len(inside) == 0:
            continue
        gaps = np.hypot(*(xy[idx][:, None, :] - router.stop_xy[inside][None, :, :]).transpose(2, 0, 1))
        limits[idx] = np.maximum(router.max_walk_m, np.round(gaps.min(axis=1), 3))
    return limits


def _warn_targets_without_stop(router: TransitRouter, t_xy: np.ndarray, t_radius: np.ndarray,
                               names: np.ndarray) -> None:
    """Warn about targets that no bus reaches: no boardable stop inside them or within walking distance."""
    lonely = [str(names[g]) for g in range(len(t_xy))
              if np.diff(router.stops_within(t_xy[g:g + 1], router.max_walk_m + t_radius[g])[0])[0] == 0]
    if lonely:
        warnings.warn(
            f"{len(lonely)} of {len(t_xy)} centralorter have no stop inside them or within {router.max_walk_m:g} m "
            f"(--max-walk-m): {', '.join(lonely[:5])}{', ...' if len(lonely) > 5 else ''}. Only walking reaches them; "
            "check the target points or raise --max-walk-m.", PartialLossWarning, stacklevel=3,
        )


def _check_stop_coverage(router: TransitRouter, origins: gpd.GeoDataFrame, o_xy: np.ndarray, t_xy: np.ndarray,
                         origin_kommun: np.ndarray, target_kommun: np.ndarray, target: str,
                         t_radius: np.ndarray | None = None, walk_limit: np.ndarray | None = None) -> str | None:
    """Raise when no origin can board; return a warning text with counts when some cannot.

    An origin without a boardable stop within ``max_walk_m`` can only reach a centralort
    it can walk to; silently counting the others as "not reached" would hide a feed
    that does not cover the origins (a wrong --gtfs) or a too short --max-walk-m.
    """
    n = len(o_xy)
    if n == 0:
        return None
    limit = router.max_walk_m
    has_stop = np.diff(router.stops_within(o_xy, limit if walk_limit is None else walk_limit)[0]) > 0
    if has_stop.all():
        return None
    near_target = np.zeros(n, dtype=bool)
    for g in range(len(t_xy)):
        allowed = np.ones(n, dtype=bool) if target == "any" else origin_kommun == target_kommun[g]
        radius = 0.0 if t_radius is None else t_radius[g]
        near_target |= allowed & (np.round(np.maximum(np.hypot(*(o_xy - t_xy[g]).T) - radius, 0.0), 3) <= limit)
    if router.tree is None:
        nearest_m = np.full(n, np.inf)
    else:
        nearest_m = router.tree.query(o_xy)[0]
    population = pd.to_numeric(origins["population"], errors="coerce").fillna(0).to_numpy(dtype=float)
    labels = origins["name"].astype(str).to_numpy() if "name" in origins.columns else np.full(n, "", dtype=object)
    ids = origins["origin_id"].astype(str).to_numpy() if "origin_id" in origins.columns else np.arange(n).astype(str)
    labels = np.where(pd.Series(labels).str.strip().isin(["", "None", "nan"]), ids, labels)
    # points spread over tätort areas (landuse.indicator.origin_points) are counted per tätort too
    spread = "radius_m" in origins.columns and bool((pd.to_numeric(origins["radius_m"], errors="coerce") > 0).any())

    def distance(metres: float) -> str:
        if not np.isfinite(metres):
            return "no stop at all"
        if metres < 2_000:
            return f"{metres:,.0f} m"
        return f"{metres / 1000:.1f} km" if metres < 100_000 else f"{metres / 1000:,.0f} km"

    if not has_stop.any():
        walkers = (f"; only the {int(near_target.sum())} within walking distance of a centralort would count as "
                   "reached") if near_target.any() else ""
        found = ("the feed has no boardable stops" if router.tree is None
                 else f"the nearest stop is {distance(float(nearest_m.min()))} from the closest origin")
        many = f"{len(set(ids))} origins ({n:,} points over their areas)" if spread else f"{n} origins"
        raise GTFSError(
            f"None of the {many} has a stop of GTFS feed `{router.feed.name}` within {limit:g} m "
            f"(--max-walk-m): {found}{walkers}. The feed does not seem to cover the origins: pass the feed "
            "of the origins' region with --gtfs (or origins inside the feed's area)."
        )
    lost = ~has_stop & ~near_target
    if not lost.any():
        return None
    order = np.flatnonzero(lost)[np.argsort(-population[lost], kind="stable")]  # the largest first
    order = order[np.unique(labels[order], return_index=True)[1]]  # one example per origin ...
    order = order[np.argsort(-population[order], kind="stable")][:3]  # ... the three largest
    examples = ", ".join(f"{labels[i]} {distance(float(nearest_m[i]))}" for i in order)
    more = ", ..." if len(set(labels[lost])) > len(order) else ""
    subject = (f"{int(lost.sum())} of {n:,} points of {len(set(ids[lost]))} origins" if spread
               else f"{int(lost.sum())} of {n} origins")
    return (f"{subject} ({population[lost].sum():,.0f} people) have no stop within "
            f"{limit:g} m (--max-walk-m) and no centralort within walking distance; they count as not reached "
            f"(distance to the nearest stop from {examples}{more}). Raise --max-walk-m if they may walk farther.")


def travel_times(
    origins: gpd.GeoDataFrame | None = None,
    targets: gpd.GeoDataFrame | None = None,
    *,
    gtfs: Feed | str | Path | None = None,
    date: dt.date | str | None = None,
    window: str | tuple[str, str] = "06:00-09:00",
    statistic: Statistic = "best",
    target: Literal["any", "own"] = "any",
    router: TransitRouter | None = None,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Travel time by public transport and walking from each origin to a centralort.

    Parameters
    ----------
    origins : geopandas.GeoDataFrame, optional
        Points with ``origin_id``, ``kommun_code`` and ``population`` (see
        :func:`landuse.indicator.load_origins`); default the SCB tätorter 2020.
        Any CRS; routed in EPSG:3006.
    targets : geopandas.GeoDataFrame, optional
        Points with ``target_id``, ``name``, ``kommun_code``; default the 14 centralorter.
    gtfs : Feed, str or Path, optional
        Default the embedded Länstrafiken Norrbotten feed.
    date : date or str, optional
        Service date; default a typical Tuesday inside the feed's validity.
    window : str
        Departure window ``HH:MM-HH:MM``, ``[start, end)`` at 1-minute steps.
    statistic : {"best", "median"}
        Which statistic goes into ``travel_time_min``.
    target : {"any", "own"}
        Any centralort, or the centralort of the origin's own kommun.
    router : TransitRouter, optional
        A prepared router (reused between calls); ``gtfs`` is then ignored.
    settings : Settings, optional
        ``walk_speed_kph``, ``max_walk_m``, ``transfer_max_m``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns exactly ``origin_id, kommun_code, population, travel_time_min,
        best_min, median_min, target`` and the origins' point geometry (their CRS),
        aligned to ``origins.index``.  Times in minutes; NaN (and ``target`` None) when
        unreachable.  ``attrs`` holds ``date``, ``window``, ``statistic`` and ``target``.

    Raises
    ------
    GTFSError
        Broken feed, ``date`` outside its validity (the message names the range), or
        no origin with a boardable stop within ``max_walk_m`` (the feed does not cover
        the origins).
    InvalidSettingError
        Bad ``window``, ``statistic`` or ``target``.

    Warns
    -----
    PartialLossWarning
        With counts and people, when some origins have no stop within ``max_walk_m``
        and no allowed centralort within walking distance (they count as not reached),
        and with ``target="own"`` when origins lie in a kommun without a centralort.

    Examples
    --------
    >>> from landuse.indicator import load_origins
    >>> result = travel_times(load_origins().head(3))
    >>> list(result.columns)
    ['origin_id', 'kommun_code', 'population', 'travel_time_min', 'best_min', 'median_min', 'target', 'geometry']
    """
    from landuse.indicator import load_centralorter, load_origins, origin_points

    settings = resolve(settings)
    statistic = _choice(statistic, ("best", "median"), "--statistic")  # type: ignore[assignment]
    target = _choice(target, ("any", "own"), "--target")  # type: ignore[assignment]
    departures = _departures(window)
    router = _router(router, gtfs, date, settings)
    _check_window_has_departures(router, window)
    origins = origin_points(load_origins(settings=settings)) if origins is None else origins
    targets = load_centralorter(settings=settings) if targets is None else targets
    o_xy, t_xy = _xy(origins), _xy(targets)
    n, k = len(origins), len(departures)
    origin_kommun = origins["kommun_code"].astype(object).to_numpy()
    target_kommun = targets["kommun_code"].astype(object).to_numpy()
    target_names = targets["name"].astype(object).to_numpy()
    t_radius = (pd.to_numeric(targets["radius_m"], errors="coerce").fillna(0).to_numpy(dtype=float)
                if "radius_m" in targets.columns else np.zeros(len(targets)))
    walk_limit = _walk_limits(router, origins, o_xy)

    uncovered = _check_stop_coverage(router, origins, o_xy, t_xy, origin_kommun, target_kommun, target, t_radius,
                                     walk_limit)
    if uncovered:
        warnings.warn(uncovered, PartialLossWarning, stacklevel=2)
    _warn_targets_without_stop(router, t_xy, t_radius, target_names)

    best_tt = np.full((n, k), np.inf)  # travel time (s) to the best allowed target per departure
    which = np.full((n, k), -1, dtype=np.int64)
    for g in range(len(targets)):
        rows = np.arange(n) if target == "any" else np.flatnonzero(origin_kommun == target_kommun[g])
        if len(rows) == 0:
            continue
        tt = router.arrival_times(o_xy[rows], tuple(t_xy[g]), departures, radius_m=t_radius[g],
                                  walk_limit_m=walk_limit[rows]) - departures[None, :]
        better = tt < best_tt[rows]
        best_tt[rows] = np.where(better, tt, best_tt[rows])
        which[rows] = np.where(better, g, which[rows])
    if target == "own":
        orphan = ~np.isin(origin_kommun, target_kommun)
        if orphan.any():
            warnings.warn(
                f"{int(orphan.sum())} of {n} origins lie in a kommun without a centralort among the targets "
                f"(e.g. kommun_code {origin_kommun[orphan][0]!r}); they count as unreachable with --target own.",
                PartialLossWarning, stacklevel=2,
            )

    best = best_tt.min(axis=1) if k else np.full(n, np.inf)
    median = _median(best_tt) if k else np.full(n, np.inf)
    chosen = best if statistic == "best" else median
    names = np.full(n, None, dtype=object)
    for i in np.flatnonzero(np.isfinite(chosen)):
        if target == "own":
            names[i] = target_names[which[i][which[i] >= 0][0]]
        elif statistic == "best":
            names[i] = target_names[which[i, int(np.argmin(best_tt[i]))]]
        else:
            counts = np.bincount(which[i][which[i] >= 0], minlength=len(targets))
            names[i] = target_names[int(np.argmax(counts))]

    def minutes(values: np.ndarray) -> np.ndarray:
        return np.where(np.isfinite(values), values / 60.0, np.nan)

    result = gpd.GeoDataFrame(
        {
            "origin_id": origins["origin_id"].astype(str).to_numpy(),
            "kommun_code": origin_kommun,
            "population": origins["population"].to_numpy(dtype=float),
            "travel_time_min": minutes(chosen),
            "best_min": minutes(best),
            "median_min": minutes(median),
            "target": names,
        },
        geometry=origins.geometry.to_numpy(),
        crs=origins.crs,
        index=origins.index,
    )
    result.attrs.update(date=router.date.isoformat(), window=window if isinstance(window, str) else "-".join(window),
                        statistic=statistic, target=target)
    return result


def isochrones(
    targets: gpd.GeoDataFrame | None = None,
    *,
    minutes: tuple[float, ...] = (30, 60),
    gtfs: Feed | str | Path | None = None,
    date: dt.date | str | None = None,
    window: str | tuple[str, str] = "06:00-09:00",
    router: TransitRouter | None = None,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Area from which each centralort is reached within ``minutes`` by transit and walking.

    Uses the ``best`` statistic over the departure window (see the module notes).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006; columns ``target_id, centralort, kommun_code, minutes, mode``
        (``"transit"``), ``schematic`` (False: the feed is real) and (Multi)Polygon
        geometry; one row per target and threshold.
    """
    from landuse.indicator import load_centralorter

    settings = resolve(settings)
    router = _router(router, gtfs, date, settings)
    targets = load_centralorter(settings=settings) if targets is None else targets
    departures = _departures(window)
    t_xy = _xy(targets)
    stop_xy = router.stop_xy[router.board_idx]
    rows, geoms = [], []
    t_radius = (pd.to_numeric(targets["radius_m"], errors="coerce").fillna(0).to_numpy(dtype=float)
                if "radius_m" in targets.columns else np.zeros(len(targets)))
    for g in range(len(targets)):
        arrivals = router.arrival_times(stop_xy, tuple(t_xy[g]), departures, radius_m=t_radius[g])
        stop_best = (arrivals - departures[None, :]).min(axis=1)
        for limit in minutes:
            limit_s = float(limit) * 60.0
            ok = stop_best <= limit_s
            radius = np.minimum(router.max_walk_m, (limit_s - stop_best[ok]) * router.walk_mps)
            centres = np.vstack([stop_xy[ok], t_xy[g][None, :]])
            # the centralort's own area, and the walk from its edge
            radius = np.append(radius, t_radius[g] + min(router.max_walk_m, limit_s * router.walk_mps))
            keep = radius > 0
            circles = shapely.buffer(shapely.points(centres[keep]), radius[keep], quad_segs=8)
            geoms.append(shapely.union_all(circles) if len(circles) else shapely.Polygon())
            rows.append({
                "target_id": str(targets["target_id"].iloc[g]),
                "centralort": targets["name"].iloc[g],
                "kommun_code": targets["kommun_code"].iloc[g],
                "minutes": int(limit) if float(limit).is_integer() else float(limit),
                "mode": "transit",
                "schematic": False,
            })
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=ISOCHRONE_COLUMNS), geometry=geoms, crs=WORK_CRS)


def access_transit(
    out_dir: str | Path,
    *,
    gtfs: Feed | str | Path | None = None,
    date: dt.date | str | None = None,
    window: str = "06:00-09:00",
    statistic: Statistic = "best",
    population: str | Path | None = None,
    population_column: str | None = None,
    centralorter: str | Path | None = None,
    minutes: tuple[float, ...] = (45, 60, 90),
    target: Literal["any", "own"] = "any",
    source_crs: str | None = None,
    settings: Settings | None = None,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame, TransitRouter]:
    """Run the transit indicator and write ``access_transit.csv`` and ``access_transit.gpkg``.

    ``source_crs`` is the CRS to assume for ``population``/``centralorter`` files that
    declare none; the other parameters are those of :func:`travel_times`.

    Writes the GeoPackage layers ``origins`` (one row per origin: the
    population-weighted median of its points' times, ``share_within`` 60 minutes and
    the centralort most of its people reach), ``origin_points`` (one row per point the
    population is spread over, see :func:`landuse.indicator.origin_points`) and
    ``isochrones``.

    Returns
    -------
    (table, points, router)
        The indicator table (exact contract columns, from the points), the routed
        points and the router used (its ``date`` is the service date).
    """
    from landuse.indicator import (
        ORIGIN_MODEL,
        indicator_table,
        load_centralorter,
        load_origins,
        origin_points,
        summarise_points,
    )

    settings = resolve(settings)
    statistic = _choice(statistic, ("best", "median"), "--statistic")  # type: ignore[assignment]
    target = _choice(target, ("any", "own"), "--target")  # type: ignore[assignment]
    parse_window(window)
    router = TransitRouter(gtfs, date, settings=settings)
    origins = load_origins(population, population_column=population_column, source_crs=source_crs, settings=settings)
    targets = load_centralorter(centralorter, source_crs=source_crs, settings=settings)
    points = origin_points(origins)
    result = travel_times(points, targets, window=window, statistic=statistic, target=target,
                          router=router, settings=settings)
    result["point_id"] = points["point_id"].to_numpy()
    table = indicator_table(result, minutes, settings=settings)
    iso = isochrones(targets, window=window, router=router, settings=settings)
    summary = summarise_points(result, origins, extra=("best_min", "median_min"))
    out_dir = Path(out_dir)
    layer = summary.reset_index(drop=True)[ORIGIN_LAYER_COLUMNS + ["geometry"]]
    point_layer = result.reset_index(drop=True)[["point_id"] + ORIGIN_COLUMNS + ["geometry"]]
    network = (f"network: GTFS {router.feed.name}, {router.date.isoformat()} {result.attrs['window']}, "
               f"{statistic} departure, walking {settings.walk_speed_kph:g} km/h up to {settings.max_walk_m:g} m")
    model = ORIGIN_MODEL if population is None else f"origins: {Path(population).name} as given"
    write_gpkg({"origins": gpd.GeoDataFrame(layer, geometry="geometry", crs=WORK_CRS),
                "origin_points": gpd.GeoDataFrame(point_layer, geometry="geometry", crs=result.crs),
                "isochrones": iso},
               out_dir / "access_transit.gpkg",
               descriptions={"origins": f"Public-transport time (min) to the centralort (target={target}), per origin; "
                                        f"{model}; {network}",
                             "origin_points": f"Public-transport time (min) per point of an origin's area; {model}; "
                                              f"{network}",
                             "isochrones": f"Areas within N minutes of each centralort by public transport; {network}"})
    write_csv(table, out_dir / "access_transit.csv")
    return table, result, router


def demo_step(out_dir: Path, *, settings: Settings | None = None) -> list[str]:
    """Demo step: the transit indicator on the real feed with SCB tätorter as origins."""
    from landuse.indicator import COUNTY_CODE, bounds_text, coverage_table, share_bounds

    settings = resolve(settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PartialLossWarning)
        table, origins, router = access_transit(out_dir, settings=settings)
    for w in caught:  # other warnings keep their way to the caller
        if not issubclass(w.category, PartialLossWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    at60 = share_bounds(table[table["minutes"] == 60], settings)
    county = at60[at60["kommun_code"] == COUNTY_CODE].iloc[0]
    median_share = float(origins["population"][origins["median_min"] <= 60].sum() / origins["population"].sum())
    lines = [
        f"feed {router.feed.name}, {router.date.isoformat()} ({router.date.strftime('%A')}), departures 06:00-09:00 "
        f"every minute, {router.n_trips_on_date} trips that day; origins: {origins['origin_id'].nunique()} SCB "
        f"tätorter 2020 as areas ({len(origins):,} points)",
        f"county share within 60 min of a centralort by public transport (best departure): "
        f"{county['share_within']:.1%} ({county['population_within']:,.0f} of {county['population']:,.0f} tätort "
        f"people){bounds_text(county)}",
        f"  with the median departure instead: {median_share:.1%}",
    ]
    for _, row in at60[at60["kommun_code"] != COUNTY_CODE].iterrows():
        lines.append(f"  {row['kommun_code']} {row['kommun']}: {row['share_within']:.1%} of "
                     f"{row['population']:,.0f}{bounds_text(row)}")
    coverage = coverage_table(origins, settings)
    cov = coverage[coverage["kommun_code"] == COUNTY_CODE]
    if len(cov):
        lines.append(f"coverage: the tätorter hold {float(cov['coverage'].iloc[0]):.0%} of the county's population "
                     "(31 Dec 2020); people outside tätorter are not in these shares")
    lines += [f"note: {w.message}" for w in caught if issubclass(w.category, PartialLossWarning)]
    lines.append(f"wrote {Path(out_dir) / 'access_transit.csv'} and {Path(out_dir) / 'access_transit.gpkg'} "
                 "(layers origins, origin_points, isochrones)")
    return lines
