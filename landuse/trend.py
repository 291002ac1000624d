"""The RUS transit indicator over several timetable versions: the same origins, each feed's service day, what changed.

Region Norrbotten follows "andel som når centralort inom 60 minuter med kollektivtrafik"
every year.  :func:`access_trend` runs :func:`landuse.access.transit.travel_times` on each feed
with the same origins and targets, so only the timetable changes, and explains the change
between consecutive feeds by the direct trips between each tätort's stops and its
centralort, per route.
"""

from __future__ import annotations

import datetime as dt
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from landuse.choices import Statistic, Target
from landuse.errors import GTFSError, InvalidSettingError, PartialLossWarning
from landuse.gtfs import Feed, load_feed
from landuse.outputs import ORIGIN_TREND_COLUMNS, TREND_CHANGE_LAYERS, TREND_COLUMNS, TREND_FILES
from landuse.settings import WORK_CRS, Settings, resolve
# the console lines are worded in landuse.summaries; the old name stays importable here
from landuse.summaries import trend_lines as change_lines
from landuse.timetable import format_clock, parse_date

__all__ = [
    "TREND_COLUMNS",
    "ORIGIN_TREND_COLUMNS",
    "FeedDay",
    "TrendResult",
    "parse_feed_option",
    "trend_date",
    "access_trend",
    "write_trend",
    "change_lines",
    "chart_trend",
]

#: The first candidate day lies this many days into a feed's validity (timetable changes settle).
SETTLE_DAYS = 7
#: A candidate Tuesday with fewer trips than this share of the busiest of the first candidates is reduced service.
REDUCED_SERVICE_SHARE = 0.9
#: How many Tuesdays are compared to find the normal trip count.
CANDIDATE_WEEKS = 6


@dataclass
class FeedDay:
    """One timetable version and the service day it is measured on."""

    feed: Feed
    date: dt.date
    label: str
    date_rule: str


@dataclass
class TrendResult:
    """What :func:`access_trend` computed.

    Attributes
    ----------
    table : pandas.DataFrame
        :data:`TREND_COLUMNS`, one block per feed in the order given.
    origins : geopandas.GeoDataFrame
        :data:`ORIGIN_TREND_COLUMNS` + point geometry (EPSG:3006): each origin's
        travel time (population-weighted median of its points) per feed.
    kommun_changes, origin_changes, route_changes : pandas.DataFrame
        Between consecutive feeds (``feed_from``, ``feed_to``): the change of each
        kommun's share within 60 minutes, of each origin's share and median time,
        and the direct trips per route between each changed origin's stops and its
        centralort (``trips_from``, ``trips_to``, ``change``).
    days : list of FeedDay
    """

    table: pd.DataFrame
    origins: gpd.GeoDataFrame
    kommun_changes: pd.DataFrame
    origin_changes: pd.DataFrame
    route_changes: pd.DataFrame
    days: list[FeedDay] = field(default_factory=list)
    window: str = "06:00-09:00"
    statistic: str = "best"
    #: The threshold (minutes) of the change tables and lines: 60 when asked for, else the largest.
    minutes: float = 60.0
    #: True when the origins are the embedded tätorter (then the bounds over all inhabitants apply).
    tatorter: bool = True


def parse_feed_option(value: str) -> tuple[Path, dt.date | None]:
    """``PATH[=YYYY-MM-DD]`` -> (path, date or None): one ``--gtfs`` value of ``landuse access trend``.

    Parameters
    ----------
    value : str
        A GTFS zip or folder, optionally with ``=`` and the service day to measure it on.

    Returns
    -------
    (Path, datetime.date or None)
        The feed, and the day (None: :func:`trend_date` chooses it).

    Raises
    ------
    InvalidSettingError
        If the part after ``=`` is not a date.
    """
    text = str(value).strip()
    if not text:
        raise InvalidSettingError("--gtfs '': give a GTFS zip or folder, optionally PATH=YYYY-MM-DD.")
    path, sep, day = text.rpartition("=")
    # "=" followed by digits and dashes (or nothing) is meant as a day; anything else is part of the path
    if sep and path and all(c.isdigit() or c == "-" for c in day):
        try:
            if len(day) != 10:
                raise ValueError(day)
            return Path(path), dt.date.fromisoformat(day)
        except ValueError:
            raise InvalidSettingError(f"--gtfs {value!r}: {day!r} is not a date YYYY-MM-DD.") from None
    if sep and path and not Path(text).exists() and Path(path).exists():
        # an existing feed, then "=" and something that is no date (a path with "=" exists as a whole)
        raise InvalidSettingError(f"--gtfs {value!r}: {day!r} is not a date YYYY-MM-DD.")
    return Path(text), None


def trend_date(feed: Feed) -> tuple[dt.date, str]:
    """A comparable service day of ``feed``: the first normal Tuesday at least a week into its validity.

    Candidates are the Tuesdays from :data:`SETTLE_DAYS` days after the start of the
    validity; a Tuesday with fewer than :data:`REDUCED_SERVICE_SHARE` of the trips of
    the busiest of the first :data:`CANDIDATE_WEEKS` candidates runs reduced service
    (a holiday, a school break) and is skipped.  A summer timetable is measured in its
    own summer: the rule compares days within one feed, never across feeds.

    Parameters
    ----------
    feed : Feed
        A loaded feed (its validity and the trips of each candidate day are read).

    Returns
    -------
    (date, rule)
        The day and one sentence saying how it was chosen.
    """
    first, last = feed.validity()
    start = first + dt.timedelta(days=SETTLE_DAYS)
    tuesday = start + dt.timedelta(days=(1 - start.weekday()) % 7)
    candidates = []
    while tuesday <= last and len(candidates) < CANDIDATE_WEEKS:
        candidates.append(tuesday)
        tuesday += dt.timedelta(days=7)
    if not candidates:
        raise GTFSError(f"GTFS feed `{feed.name}` has no Tuesday a week into its validity ({first} to {last}). "
                        "Give the day with --gtfs PATH=YYYY-MM-DD.")
    trips = [len(feed.trips_on(day)) for day in candidates]
    normal = max(trips)
    if normal == 0:
        raise GTFSError(f"GTFS feed `{feed.name}` runs no trip on the Tuesdays from {candidates[0]}. "
                        "Give the day with --gtfs PATH=YYYY-MM-DD.")
    for day, count in zip(candidates, trips):
        if count >= REDUCED_SERVICE_SHARE * normal:
            skipped = candidates.index(day)
            note = f", skipping {skipped} with reduced service" if skipped else ""
            return day, (f"first Tuesday at least {SETTLE_DAYS} days into the validity ({first}){note}: "
                         f"{count} trips")
    raise AssertionError("unreachable: the busiest candidate always qualifies")  # pragma: no cover


def _feed_label(feed: Feed) -> str:
    """``feed_version`` from feed_info.txt, else the file name."""
    return feed.version or feed.name


def _load_days(feeds: Sequence[tuple[str | Path | Feed, dt.date | str | None]]) -> list[FeedDay]:
    """Load every feed once (in parallel threads: parsing releases the GIL in part) and fix its day."""
    def one(item: tuple[str | Path | Feed, dt.date | str | None]) -> FeedDay:
        source, day = item
        feed = source if isinstance(source, Feed) else load_feed(source)
        if day is None:
            date, rule = trend_date(feed)
        else:
            try:
                date, rule = feed.check_date(parse_date(day)), "given with --gtfs PATH=DATE"
            except GTFSError as err:  # the day came with --gtfs PATH=DATE here, not --date
                first, last = feed.validity()
                raise GTFSError(f"--gtfs {feed.name}={parse_date(day).isoformat()}: the day is outside the feed's "
                                f"validity, {first.isoformat()} to {last.isoformat()}. Give a day inside it, or none "
                                "for the rule's Tuesday.") from err
        return FeedDay(feed=feed, date=date, label=_feed_label(feed), date_rule=rule)

    if not feeds:
        raise InvalidSettingError("access_trend needs at least one feed: --gtfs PATH[=YYYY-MM-DD], repeatable.")
    with ThreadPoolExecutor(max_workers=min(4, len(feeds))) as pool:
        days = list(pool.map(one, feeds))
    labels = [d.label for d in days]
    if len(set(labels)) < len(labels):  # the same feed twice on other days: tell the rows apart
        for d in days:
            d.label = f"{d.label} {d.date.isoformat()}"
    seen: dict[str, int] = {}
    for d in days:  # ... and the same feed on the same day: number the repeats
        seen[d.label] = seen.get(d.label, 0) + 1
        if seen[d.label] > 1:
            d.label = f"{d.label} #{seen[d.label]}"
    return days


def access_trend(
    feeds: Sequence[tuple[str | Path | Feed, dt.date | str | None]],
    *,
    window: str = "06:00-09:00",
    statistic: str = Statistic.BEST,
    population: str | Path | None = None,
    population_column: str | None = None,
    centralorter: str | Path | None = None,
    minutes: Sequence[float] = (45, 60, 90),
    target: str = Target.ANY,
    source_crs: str | None = None,
    settings: Settings | None = None,
) -> TrendResult:
    """The transit indicator on several timetable versions, with the same origins and targets.

    Parameters
    ----------
    feeds : sequence of (path or Feed, date or None)
        Each feed with its service day (None: :func:`trend_date`).  Order is kept:
        changes are between consecutive feeds.
    window, statistic, population, population_column, centralorter, minutes, target, source_crs
        As :func:`landuse.access.transit.accessibility` and
        :class:`~landuse.access.transit_router.TransitRouter` (``window``, ``statistic``);
        ``population`` and ``centralorter`` are the ``origins`` and ``targets`` files.
    settings : Settings, optional
        ``walk_speed_kph``, ``max_walk_m``, ``transfer_max_m``.

    Returns
    -------
    TrendResult

    Notes
    -----
    Each feed runs exactly what ``landuse access transit`` runs on it (the same
    origins, spread over their areas, and the same targets), so a single feed with its
    date gives the figures of ``access transit --gtfs FEED --date DATE``.
    """
    from landuse.access.indicator import indicator_table, load_centralorter, load_origins, origin_points, \
        summarise_points
    from landuse.access.transit import travel_times
    from landuse.access.transit_router import TransitRouter, parse_window

    settings = resolve(settings)
    parse_window(window)
    statistic = Statistic.parse(statistic)
    target = Target.parse(target)
    headline = _headline(minutes)
    days = _load_days(feeds)
    origins = load_origins(population, population_column=population_column, source_crs=source_crs, settings=settings)
    targets = load_centralorter(centralorter, source_crs=source_crs, settings=settings)
    points = origin_points(origins)
    tables, layers, routers = [], [], []
    for day in days:
        router = TransitRouter(day.feed, day.date, window=window, statistic=statistic, settings=settings)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", PartialLossWarning)
            result = travel_times(points, targets, source=router, target=target, settings=settings)
        for w in caught:  # the same origins lack a stop in every feed: say it once per feed, with its name
            warnings.warn(f"{day.label}: {w.message}", w.category, stacklevel=2)
        table = indicator_table(result, minutes, settings=settings)
        table.insert(0, "date", day.date.isoformat())
        table.insert(0, "feed", day.label)
        tables.append(table)
        summary = summarise_points(result, origins, threshold_min=headline, extra=("best_min", "median_min"))
        summary.insert(0, "date", day.date.isoformat())
        summary.insert(0, "feed", day.label)
        layers.append(summary)
        routers.append((router, result))
    table = pd.concat(tables, ignore_index=True)[TREND_COLUMNS]
    per_origin = pd.concat(layers, ignore_index=True)
    for column in ("name",):
        if column not in per_origin.columns:
            per_origin[column] = None
    origins_layer = gpd.GeoDataFrame(per_origin[ORIGIN_TREND_COLUMNS], geometry=per_origin.geometry.to_numpy(),
                                     crs=WORK_CRS)
    order = [d.label for d in days]
    kommun_changes = _in_feed_order(_kommun_changes(table, headline), order)
    origin_changes = _in_feed_order(_origin_changes(origins_layer), order)
    route_changes = _in_feed_order(_route_changes(origin_changes, days, routers, points, targets, window), order)
    return TrendResult(table=table, origins=origins_layer, kommun_changes=kommun_changes,
                       origin_changes=origin_changes, route_changes=route_changes, days=days, window=window,
                       statistic=statistic.value, minutes=headline, tatorter=population is None)


def _headline(minutes: Sequence[float]) -> float:
    """The threshold the changes are told at: 60 minutes (the RUS indicator) when asked for, else the largest."""
    values = sorted(float(m) for m in minutes)
    return 60.0 if 60.0 in values else values[-1]


def _in_feed_order(frame: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Rows of consecutive-feed pairs in the order the feeds were given (stable within a pair)."""
    if frame.empty:
        return frame.reset_index(drop=True)
    rank = frame["feed_from"].map({label: i for i, label in enumerate(order)})
    return frame.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)


def _pairs(labels: list[str]) -> list[tuple[str, str]]:
    return list(zip(labels[:-1], labels[1:]))


def _kommun_changes(table: pd.DataFrame, minutes: float) -> pd.DataFrame:
    """Change of each kommun's (and the county's) share within ``minutes`` between consecutive feeds."""
    at = table[table["minutes"].astype(float) == float(minutes)]
    labels = list(dict.fromkeys(table["feed"]))
    rows = []
    for a, b in _pairs(labels):
        left = at[at["feed"] == a].set_index("kommun_code")
        right = at[at["feed"] == b].set_index("kommun_code")
        for code in right.index.intersection(left.index):
            rows.append({"feed_from": a, "feed_to": b, "kommun_code": code, "kommun": right.loc[code, "kommun"],
                         "minutes": right.loc[code, "minutes"],
                         "share_from": left.loc[code, "share_within"], "share_to": right.loc[code, "share_within"],
                         "people_change": right.loc[code, "population_within"] - left.loc[code, "population_within"]})
    out = pd.DataFrame(rows, columns=["feed_from", "feed_to", "kommun_code", "kommun", "minutes", "share_from",
                                      "share_to", "people_change"])
    out["share_change"] = out["share_to"] - out["share_from"]
    return out.sort_values(["feed_from", "people_change"], key=lambda s: s.abs() if s.name == "people_change" else s,
                           ascending=[True, False], kind="stable").reset_index(drop=True)


def _origin_changes(origins: pd.DataFrame) -> pd.DataFrame:
    """Change of each origin's share within 60 minutes and median time between consecutive feeds."""
    labels = list(dict.fromkeys(origins["feed"]))
    rows = []
    for a, b in _pairs(labels):
        left = origins[origins["feed"] == a].set_index("origin_id")
        right = origins[origins["feed"] == b].set_index("origin_id")
        both = right.index.intersection(left.index)
        frame = pd.DataFrame({
            "feed_from": a, "feed_to": b, "origin_id": both, "name": right.loc[both, "name"].to_numpy(),
            "kommun_code": right.loc[both, "kommun_code"].to_numpy(),
            "population": right.loc[both, "population"].to_numpy(dtype=float),
            "target": right.loc[both, "target"].fillna(left.loc[both, "target"]).to_numpy(),
            "share_from": left.loc[both, "share_within"].to_numpy(dtype=float),
            "share_to": right.loc[both, "share_within"].to_numpy(dtype=float),
            "best_min_from": left.loc[both, "best_min"].to_numpy(dtype=float),
            "best_min_to": right.loc[both, "best_min"].to_numpy(dtype=float),
            "time_min_from": left.loc[both, "travel_time_min"].to_numpy(dtype=float),
            "time_min_to": right.loc[both, "travel_time_min"].to_numpy(dtype=float),
        })
        rows.append(frame)
    if not rows:
        return pd.DataFrame(columns=["feed_from", "feed_to", "origin_id", "name", "kommun_code", "population",
                                     "target", "share_from", "share_to", "best_min_from", "best_min_to",
                                     "time_min_from", "time_min_to", "people_change"])
    out = pd.concat(rows, ignore_index=True)
    out["people_change"] = (out["share_to"] - out["share_from"]) * out["population"]
    order = out["people_change"].abs().to_numpy() + 1e-6 * np.nan_to_num(
        (out["best_min_to"] - out["best_min_from"]).abs().to_numpy(), nan=1e6)
    return out.iloc[np.lexsort((-order, out["feed_from"].to_numpy()))].reset_index(drop=True)


def _direct_trips(router, stops_from: np.ndarray, stops_to: np.ndarray, start_s: float,  # noqa: ANN001
                  end_s: float) -> pd.DataFrame:
    """Per route (by its label, so a renamed route_id stays one route): the trips of the service day that leave
    one of ``stops_from`` in [start, end) and later call at one of ``stops_to`` (``trips``), and the earliest such
    arrival (``first_arrival_s``)."""
    feed = router.feed
    trips = feed.trips_on(router.date)
    st = feed.stop_times
    st = st[st["trip_id"].isin(trips["trip_id"])]
    stop_index = router.stop_index.get_indexer(st["stop_id"])
    board = st[np.isin(stop_index, stops_from) & (st["departure_s"] >= start_s) & (st["departure_s"] < end_s)]
    alight = st[np.isin(stop_index, stops_to)]
    pairs = board[["trip_id", "stop_sequence"]].merge(alight[["trip_id", "stop_sequence", "arrival_s"]],
                                                      on="trip_id", suffixes=("_on", "_off"))
    pairs = pairs[pairs["stop_sequence_off"] > pairs["stop_sequence_on"]]
    if pairs.empty:
        return pd.DataFrame({"trips": pd.Series(dtype=int), "first_arrival_s": pd.Series(dtype=float)})
    pairs = pairs.merge(trips[["trip_id", "route_id"]], on="trip_id")
    pairs["route"] = [_route_label(feed, r) for r in pairs["route_id"]]
    per_trip = pairs.groupby(["route", "trip_id"])["arrival_s"].min().reset_index()
    return per_trip.groupby("route").agg(trips=("trip_id", "size"), first_arrival_s=("arrival_s", "min"))


def _stop_departures(router, stops: np.ndarray, start_s: float, end_s: float) -> pd.Series:  # noqa: ANN001
    """Departures in [start, end) on the service day per stop name, for the stops a tätort walks to."""
    feed = router.feed
    trips = feed.trips_on(router.date)
    st = feed.stop_times
    st = st[st["trip_id"].isin(trips["trip_id"]) & (st["departure_s"] >= start_s) & (st["departure_s"] < end_s)]
    names = feed.stops.set_index("stop_id")["stop_name"]
    ids = router.stop_ids[stops] if len(stops) else np.zeros(0, dtype=object)
    counts = st[st["stop_id"].isin(ids)].groupby("stop_id").size().reindex(ids, fill_value=0)
    return counts.groupby(names.reindex(counts.index).fillna(pd.Series(counts.index, index=counts.index))).sum()


def _route_label(feed: Feed, route_id: str) -> str:
    """``linje <route_short_name>`` (what a traveller reads on the bus), else the route id."""
    routes = feed.routes
    if routes is not None and "route_short_name" in routes.columns:
        match = routes.loc[routes["route_id"] == route_id, "route_short_name"]
        short = str(match.iloc[0]).strip() if len(match) else ""
        if short:
            return short if short.lower().startswith("linje") else f"linje {short}"
    return f"route {route_id}"


def _route_changes(origin_changes: pd.DataFrame, days: list[FeedDay], routers: list, points: gpd.GeoDataFrame,
                   targets: gpd.GeoDataFrame, window: str, top: int = 10) -> pd.DataFrame:
    """For the origins that changed most: direct trips per route to their centralort in each feed, and the change."""
    from landuse.access.common import radii_m
    from landuse.access.transit_router import WINDOW_HORIZON_S, parse_window

    start_s, end_s = parse_window(window)
    end_s += WINDOW_HORIZON_S  # a trip leaving soon after the window still carries its travellers
    columns = ["feed_from", "feed_to", "origin_id", "name", "target", "kind", "route", "trips_from", "trips_to",
               "change", "first_arrival_from", "first_arrival_to"]
    if origin_changes.empty:
        return pd.DataFrame(columns=columns)
    by_label = {d.label: i for i, d in enumerate(days)}
    rows = []
    xy = np.column_stack([points.geometry.x, points.geometry.y])
    t_xy = np.column_stack([targets.geometry.x, targets.geometry.y])
    t_radius = radii_m(targets)
    names = targets["name"].astype(str).to_numpy()
    changed = origin_changes[origin_changes["people_change"].abs() > 0.5]
    for (a, b), group in changed.groupby(["feed_from", "feed_to"], sort=False):
        for row in group.head(top).itertuples():
            if row.target is None or row.target not in names:
                continue
            j = int(np.flatnonzero(names == row.target)[0])
            mine = xy[(points["origin_id"].astype(str) == str(row.origin_id)).to_numpy()]
            counts, departures = [], []
            for label in (a, b):
                router, _ = routers[by_label[label]]
                _, on, _ = router.stops_within(mine, router.max_walk_m)
                _, off, _ = router.stops_within(t_xy[j:j + 1], router.max_walk_m + t_radius[j])
                counts.append(_direct_trips(router, np.unique(on), np.unique(off), start_s, end_s))
                departures.append(_stop_departures(router, np.unique(on), start_s, end_s))
            base = {"feed_from": a, "feed_to": b, "origin_id": row.origin_id, "name": row.name, "target": row.target}
            for route in sorted(set(counts[0].index) | set(counts[1].index), key=str):
                before = counts[0].loc[route] if route in counts[0].index else None
                after = counts[1].loc[route] if route in counts[1].index else None
                trips_from = int(before["trips"]) if before is not None else 0
                trips_to = int(after["trips"]) if after is not None else 0
                # arrivals compared to the minute, as a timetable shows them
                first_from = format_clock(float(before["first_arrival_s"])) if before is not None else None
                first_to = format_clock(float(after["first_arrival_s"])) if after is not None else None
                if trips_from == trips_to and first_from == first_to:
                    continue  # this route serves the tätort as before
                rows.append({**base, "kind": "direct trips", "route": route, "trips_from": trips_from,
                             "trips_to": trips_to, "change": trips_to - trips_from,
                             "first_arrival_from": first_from, "first_arrival_to": first_to})
            for stop in sorted(set(departures[0].index) | set(departures[1].index), key=str):
                before, after = int(departures[0].get(stop, 0)), int(departures[1].get(stop, 0))
                if before != after:
                    rows.append({**base, "kind": "departures at stop", "route": stop, "trips_from": before,
                                 "trips_to": after, "change": after - before, "first_arrival_from": None,
                                 "first_arrival_to": None})
    return pd.DataFrame(rows, columns=columns)


def write_trend(result: TrendResult, out_dir: str | Path) -> list[Path]:
    """Write ``access_trend.csv`` (:data:`TREND_COLUMNS`), ``access_trend.gpkg`` and ``access_trend.png``.

    The GeoPackage holds ``origins`` (each origin per feed), and the tables
    ``kommun_changes``, ``origin_changes`` and ``route_changes``.

    Parameters
    ----------
    result : TrendResult
        From :func:`access_trend`.
    out_dir : str or Path
        The output folder, created when missing.

    Returns
    -------
    list of Path
        The CSV (:data:`TREND_COLUMNS`), the GeoPackage (``origins``:
        :data:`ORIGIN_TREND_COLUMNS` and points, EPSG:3006; the change tables without
        geometry) and the chart (:func:`chart_trend`), each written atomically.
    """
    from landuse._io import write_csv, write_gpkg
    from landuse.access.indicator import ORIGIN_MODEL

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    feeds = "; ".join(f"{d.label} on {d.date.isoformat()}" for d in result.days)
    kommun_changes, origin_changes, route_changes = TREND_CHANGE_LAYERS
    written = [write_csv(result.table, out_dir / TREND_FILES["csv"]),
               write_gpkg({"origins": result.origins, kommun_changes: result.kommun_changes,
                           origin_changes: result.origin_changes, route_changes: result.route_changes},
                          out_dir / TREND_FILES["gpkg"],
                          descriptions={"origins": f"Public-transport time per origin and feed ({feeds}); "
                                                   f"{ORIGIN_MODEL}"}),
               chart_trend(result.table, out_dir / TREND_FILES["png"], minutes=result.minutes,
                           subtitle=f"{result.statistic} avgång {result.window}")]
    return written


def chart_trend(table: pd.DataFrame, path: str | Path, *, minutes: float = 60, subtitle: str = "") -> Path:
    """PNG: share within ``minutes`` per kommun and the county across feeds (one line each, 14 distinct colours).

    Parameters
    ----------
    table : pandas.DataFrame
        :data:`TREND_COLUMNS` rows (``share_within`` 0-1), one block per feed.
    path : str or Path
        The PNG to write (atomically).
    minutes : float
        The threshold drawn, minutes; rows of other thresholds are left out.
    subtitle : str
        Added to the title in parentheses, e.g. ``"best avgång 06:00-09:00"``.

    Returns
    -------
    Path
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from landuse._io import atomic_path
    from landuse.outputs import COUNTY_CODE

    at = table[table["minutes"] == minutes]
    feeds = list(dict.fromkeys(at["feed"]))
    from matplotlib import colormaps

    figure = Figure(figsize=(11, 5.5), dpi=110)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot(1, 1, 1)
    x = np.arange(len(feeds))
    colours = colormaps["tab20"]
    for k, (code, rows) in enumerate(at.groupby("kommun_code", sort=True)):
        rows = rows.set_index("feed").reindex(feeds)
        county = code == COUNTY_CODE
        ax.plot(x, 100 * rows["share_within"].to_numpy(dtype=float), marker="o",
                linewidth=3 if county else 1.2, color="black" if county else colours(k % 20),
                label=str(rows["kommun"].dropna().iloc[0]) if rows["kommun"].notna().any() else code)
    ax.set_xticks(x, [f"{f}\n{d}" for f, d in zip(feeds, [at[at["feed"] == f]["date"].iloc[0] for f in feeds])])
    ax.set_ylabel(f"andel inom {minutes:g} min med kollektivtrafik (%)")
    ax.set_title("Andel som når centralort, per tidtabell" + (f" ({subtitle})" if subtitle else ""))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)  # beside: hides no line
    figure.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png")
    return path
