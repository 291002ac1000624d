"""The lines landuse prints on the console, one function per result: written once, for the demo and the commands.

Engines compute and return results; what a person reads about them in a terminal is
worded here.  A line whose figures rest on schematic demo data ends in
:data:`MARK`; real figures never carry it.  Imports stay light (the engines' helpers load
inside the functions), so the CLI can import this module for its help.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from landuse.choices import Mode, Statistic, Target
from landuse.outputs import COUNTY_CODE
from landuse.settings import Settings, resolve

if TYPE_CHECKING:  # pragma: no cover - annotations only
    import warnings

    import pandas as pd

    from landuse.access.car import CarResult
    from landuse.access.transit import TransitResult
    from landuse.conflicts import ConflictResult
    from landuse.layers import LayerReport
    from landuse.trend import TrendResult

__all__ = [
    "MARK",
    "bounds_text",
    "conflict_lines",
    "conflict_files_line",
    "outside_line",
    "car_lines",
    "car_files_line",
    "transit_lines",
    "transit_files_line",
    "trend_lines",
    "files_line",
    "note_lines",
    "layers_line",
    "workbooks_line",
    "map_lines",
    "report_lines",
    "layer_report_lines",
]

#: Ends every line whose figures rest on schematic demo data (illustrative only).
MARK = " [schematisk]"


def _pct(value: float) -> str:
    return "n/a" if value != value else f"{100 * value:.1f} %"


def _minutes(value: float) -> str:
    return "not reached" if value != value else f"{value:.0f} min"


def bounds_text(row: pd.Series) -> str:
    """``"; all 249,614 inhabitants: 82.9-99.8 %"`` for a row of share bounds ("" without bounds).

    Parameters
    ----------
    row : pandas.Series
        One row of :func:`landuse.access.indicator.share_bounds`: ``population_total``
        (people), ``share_lower`` and ``share_upper`` (0-1; NaN or absent: no bounds).

    Returns
    -------
    str
        The bounds over the whole population in per cent, or an empty string.

    Examples
    --------
    >>> import pandas as pd
    >>> bounds_text(pd.Series({"population_total": 249614, "share_lower": 0.829, "share_upper": 0.998}))
    '; all 249,614 inhabitants: 82.9-99.8 %'
    """
    lower = row.get("share_lower", float("nan"))
    if lower != lower:
        return ""
    return (f"; all {row['population_total']:,.0f} inhabitants: {100 * lower:.1f}-"
            f"{100 * row['share_upper']:.1f} %")


# --------------------------------------------------------------------------- målkonflikter


def conflict_lines(result: ConflictResult, *, top: int = 10) -> list[str]:
    """The run, the county pairs by weighted area, the kommuner, the theme areas and the hotspots.

    Parameters
    ----------
    result : ConflictResult
        From :func:`landuse.conflicts.conflicts_from_layers`; areas in km² (EPSG:3006).
    top : int
        How many theme pairs to list (the rest are counted in one line).

    Returns
    -------
    list of str
        The run line (mode, score, themes, kommuner and their km²); with schematic
        themes a line naming them; a table of the ``top`` pairs ranked by weight x km²
        (:meth:`~landuse.conflicts.ConflictResult.ranked_pairs`); the kommuner by
        weighted km²; the union km² per theme; the three hotspots of 1 ha or more; the
        km² left outside the kommuner.  Figures on schematic themes end in :data:`MARK`.
    """
    total_km2 = float(result.kommun_area["area_km2"].sum())
    n_kommuner = len(result.kommun_area)
    where = f"{n_kommuner} {'kommun' if n_kommuner == 1 else 'kommuner'}, " + f"{total_km2:,.0f} km²".replace(",", " ")
    mode = "vector"
    if result.mode == Mode.RASTER:
        k = result.oversample or 1
        samples = f"{k} x {k} samples per cell" if k > 1 else "1 sample per cell (its centre)"
        mode = f"raster {result.resolution_m:g} m, {samples}"
    lines = [f"målkonflikter: {mode}, score={result.score_method}, themes {', '.join(result.themes)}; {where}"]
    if result.schematic:
        lines.append("schematisk / schematic: themes " + ", ".join(result.schematic_themes)
                     + " rest on schematic demo data, so every figure marked [schematisk] is illustrative only")
    pairs = result.ranked_pairs()
    lines.append(f"{'pair':<26} {'weight':>6} {'area km²':>10} {'share':>7}")
    for row in pairs.head(top).itertuples():
        lines.append(f"{row.theme_a + ' x ' + row.theme_b:<26} {row.weight:>6d} {row.area_km2:>10.1f} "
                     f"{row.share_of_area:>7.2%}{MARK if row.schematic else ''}")
    run_mark = MARK if result.schematic else ""
    if len(pairs) > top:
        lines.append(f"... and {len(pairs) - top} more pairs{run_mark}")
    by_kommun = result.ranked_kommuner()
    lines.append(f"per kommun ({len(by_kommun)} with overlaps; weighted km² = Σ weight × area){run_mark}:")
    for row in by_kommun.itertuples():
        lines.append(f"  {row.kommun_code} {row.kommun:<12} {row.pairs:>3} {'pair ' if row.pairs == 1 else 'pairs'} {row.weighted:>9.1f} weighted km²"
                     f"{run_mark}")
    areas = ", ".join(f"{r.theme} {r.area_km2:,.0f}" for r in result.theme_area.itertuples())
    lines.append(f"union area per theme, km²: {areas}{run_mark}")
    hot = result.hotspots(3)
    if len(hot):
        lines.append("hotspots (highest score, faces of 1 ha or more): " + "; ".join(
            f"#{r.face_id} {r.kommun} {r.themes} score {r.score:g}, {r.area_km2:.2f} km²" for r in hot.itertuples())
            + (MARK if hot["schematic"].any() else ""))
    if result.outside_km2 > 0:
        lines.append(outside_line(result))
    if result.cluster:
        lines.append(f"tasks ran on the dask cluster at {result.cluster}")
    return lines


def outside_line(result: ConflictResult) -> str:
    """The interest area left out because it lies outside the kommuner analysed.

    Parameters
    ----------
    result : ConflictResult
        From :func:`landuse.conflicts.conflicts_from_layers`.

    Returns
    -------
    str
        The km² outside the kommuner (exact in vector mode); in raster mode a lower
        bound, since the grid covers only the kommuner's bounding box.  Ends in
        :data:`MARK` when any theme is schematic.
    """
    mark = MARK if result.schematic else ""
    if result.mode == Mode.RASTER:
        return (f"at least {result.outside_km2:,.1f} km² of interest area lies outside the kommuner analysed and is "
                f"left out (counted on the grid, which covers only the kommuner's extent){mark}")
    return f"{result.outside_km2:,.1f} km² of interest area lies outside the kommuner analysed and is left out{mark}"


def conflict_files_line(result: ConflictResult, written: Sequence[Path]) -> str:
    """What a målkonflikt run wrote: the files, the faces and the kommun x pair rows.

    Parameters
    ----------
    result : ConflictResult
        The run written.
    written : sequence of Path
        What :func:`landuse.conflicts.write_conflicts` returned.

    Returns
    -------
    str
        ``wrote malkonflikter.gpkg, ...: N faces, M kommun x pair rows for K kommuner``
        (+ :data:`MARK` on schematic input).
    """
    kommuner = result.pairs_per_kommun["kommun_code"].nunique()
    return (f"wrote {', '.join(p.name for p in written)}: {len(result.face_table)} faces, "
            f"{len(result.pairs_per_kommun)} kommun x pair rows for {kommuner} kommuner"
            + (MARK if result.schematic else ""))


# --------------------------------------------------------------------------- accessibility


def _threshold_rows(table: pd.DataFrame, threshold: float) -> tuple[pd.DataFrame, float]:
    """The indicator rows at ``threshold`` minutes, else at the table's first threshold."""
    rows = table[table["minutes"] == threshold]
    if rows.empty and len(table):
        threshold = float(table["minutes"].iloc[0])
        rows = table[table["minutes"] == threshold]
    return rows, threshold


def car_lines(result: CarResult, *, threshold: float = 60, settings: Settings | None = None) -> list[str]:
    """The network, the county and per-kommun shares within ``threshold`` minutes by car, coverage.

    Every line whose figures rest on schematic input (the GTFS stand-in network) ends
    in :data:`MARK`; the coverage line (SCB tätorter and population) never does.

    Parameters
    ----------
    result : CarResult
        From :func:`landuse.access.car.accessibility`.
    threshold : float
        Minutes; the first of the table's thresholds when the table lacks it.
    settings : Settings, optional
        ``data_dir`` (SCB's population totals, for the bounds over all inhabitants) and
        the access model named in the "approximate" line (``access_detour_factor``,
        ``access_speed_kph``).

    Returns
    -------
    list of str
        The network (and the km of road left out), the county share, one line per
        kommun (share of its origins' people, bounds over all inhabitants with the
        default origins), the people whose time is mostly the access leg, the
        unreachable points, the tätort coverage.
    """
    from landuse.access.indicator import coverage_table, share_bounds

    mark = MARK if result.schematic else ""
    lines = []
    if result.network.schematic:
        lines.append(f"network: {result.network.source}. Pass --network (OSM or NVDB/Pipos) for real figures."
                     f"{mark}")
    else:
        dropped = getattr(result.network, "dropped_km", 0.0)
        lines.append(f"network: {result.network.source}"
                     + (f" ({dropped:,.1f} km of road not connected to it left out)" if dropped else ""))
    rows, threshold = _threshold_rows(result.table, threshold)
    label = f"{threshold:g}"
    target = "nearest centralort" if result.target_mode == Target.ANY else "own kommun's centralort"
    if result.default_origins:
        rows = share_bounds(rows, settings)
    county = rows[rows["kommun_code"] == COUNTY_CODE]
    people = "tätort people" if result.default_origins else "people"
    if len(county):
        c = county.iloc[0]
        lines.append(
            f"county {COUNTY_CODE} {c['kommun']}: {_pct(c['share_within'])} of {c['population']:,.0f} {people} reach "
            f"the {target} within {label} min by car{bounds_text(c)}"
            + (" (approximate, schematic network)" if result.network.schematic else "") + mark
        )
    for _, row in rows[rows["kommun_code"] != COUNTY_CODE].iterrows():
        lines.append(f"  {row['kommun_code']} {row['kommun']:<12} {_pct(row['share_within']):>8} of "
                     f"{row['population']:>8,.0f}{bounds_text(row)}{mark}")
    approximate = result.access_dominated
    if approximate.any():
        weight = result.points.loc[approximate, "population"].sum()
        lines.append(f"approximate: {weight:,.0f} people live where the access leg off the road network is more than "
                     f"half the trip (straight line x {resolve(settings).access_detour_factor:g} at "
                     f"{resolve(settings).access_speed_kph:g} km/h)")
    if result.unreachable:
        lines.append(f"{result.unreachable} of {len(result.points)} points are unreachable "
                     f"(beyond --max-snap-m or no centralort); counted as not within{mark}")
    if result.default_origins:
        cov = coverage_table(result.origins, settings)
        total = cov[cov["kommun_code"] == COUNTY_CODE]
        if len(total):
            t = total.iloc[0]
            lines.append(
                f"coverage: the tätorter hold {t['population_origins']:,.0f} of {t['population_total']:,.0f} "
                f"inhabitants ({_pct(t['coverage'])}, SCB 2020); people outside tätorter are not counted"
            )
    return lines


def car_files_line(result: CarResult, written: Sequence[Path]) -> str:
    """What a car run wrote, and whether its network is schematic.

    Parameters
    ----------
    result : CarResult
        The run written.
    written : sequence of Path
        What :func:`landuse.access.car.write_outputs` returned.

    Returns
    -------
    str
        ``wrote access_car.csv, access_car.gpkg (isochrones 30/60 min, schematic=False)``.
    """
    return ("wrote " + ", ".join(p.name for p in written)
            + f" (isochrones 30/60 min, schematic={bool(result.network.schematic)})")


def transit_lines(result: TransitResult, *, threshold: float = 60, settings: Settings | None = None) -> list[str]:
    """The feed and day, the county and per-kommun shares within ``threshold`` minutes by transit, coverage.

    Parameters
    ----------
    result : TransitResult
        From :func:`landuse.access.transit.accessibility`.
    threshold : float
        Minutes; the first of the table's thresholds when the table lacks it.
    settings : Settings, optional
        ``data_dir``, for SCB's population totals (the bounds over all inhabitants).

    Returns
    -------
    list of str
        The feed, service day, departure window and origins; the county share with
        the router's statistic and with the other one; one line per kommun; the
        tätort coverage (default origins only).
    """
    from landuse.access.indicator import coverage_table, share_bounds

    router, points = result.router, result.points
    rows, threshold = _threshold_rows(result.table, threshold)
    if result.default_origins:
        rows = share_bounds(rows, settings)
        origins = f"{points['origin_id'].nunique()} SCB tätorter 2020 as areas ({len(points):,} points)"
        people = "tätort people"
    else:
        origins = f"{points['origin_id'].nunique()} as given ({len(points):,} points)"
        people = "people"
    lines = [f"feed {router.feed.name}, {router.date.isoformat()} ({router.date.strftime('%A')}), departures "
             f"{router.window} every minute, {router.n_trips_on_date} trips that day; origins: {origins}"]
    county = rows[rows["kommun_code"] == COUNTY_CODE]
    if len(county):
        c = county.iloc[0]
        lines.append(f"county share within {threshold:g} min of a centralort by public transport "
                     f"({router.statistic} departure): {c['share_within']:.1%} ({c['population_within']:,.0f} of "
                     f"{c['population']:,.0f} {people}){bounds_text(c)}")
    other = Statistic.MEDIAN if router.statistic == Statistic.BEST else Statistic.BEST
    population = points["population"]
    other_share = float(population[points[f"{other}_min"] <= threshold].sum() / population.sum())
    lines.append(f"  with the {other} departure instead: {other_share:.1%}")
    for _, row in rows[rows["kommun_code"] != COUNTY_CODE].iterrows():
        lines.append(f"  {row['kommun_code']} {row['kommun']}: {row['share_within']:.1%} of "
                     f"{row['population']:,.0f}{bounds_text(row)}")
    if result.default_origins:
        coverage = coverage_table(points, settings)
        cov = coverage[coverage["kommun_code"] == COUNTY_CODE]
        if len(cov):
            lines.append(f"coverage: the tätorter hold {float(cov['coverage'].iloc[0]):.0%} of the county's "
                         "population (31 Dec 2020); people outside tätorter are not in these shares")
    return lines


def transit_files_line(written: Sequence[Path]) -> str:
    """What a transit run wrote, with the layers of its GeoPackage.

    Parameters
    ----------
    written : sequence of Path
        The CSV and the GeoPackage :func:`landuse.access.transit.write_outputs` returned.

    Returns
    -------
    str
        ``wrote OUT/access_transit.csv and OUT/access_transit.gpkg (layers ...)``.
    """
    csv_path, gpkg_path = written
    return f"wrote {csv_path} and {gpkg_path} (layers origins, origin_points, isochrones)"


def trend_lines(result: TrendResult, *, top: int = 5) -> list[str]:
    """The county per feed, then per pair of feeds the kommuner and tätorter that changed most, and why.

    Parameters
    ----------
    result : TrendResult
        From :func:`landuse.trend.access_trend`; shares within ``result.minutes`` minutes.
    top : int
        How many kommuner and tätorter to list per pair of feeds (those whose number
        of people within the limit changed most).

    Returns
    -------
    list of str
        One line per feed (service day, how it was chosen, county share and its bounds
        over all inhabitants); per pair of consecutive feeds the kommuner and tätorter
        that changed, each tätort with up to four causes (direct trips per route, stop
        departures).
    """
    from landuse.access.indicator import share_bounds

    limit = f"{result.minutes:g}"
    lines = []
    county = result.table[(result.table["kommun_code"] == COUNTY_CODE)
                          & (result.table["minutes"].astype(float) == result.minutes)]
    if result.tatorter:
        county = share_bounds(county)
    people = "tätort people" if result.tatorter else "people"
    for day, (_, row) in zip(result.days, county.iterrows()):
        lines.append(f"{day.label} ({day.date.isoformat()}, {day.date_rule}): {row['share_within']:.1%} of "
                     f"{row['population']:,.0f} {people} within {limit} min by public transport "
                     f"({result.statistic} departure {result.window}){bounds_text(row)}")
    for (a, b), group in result.kommun_changes.groupby(["feed_from", "feed_to"], sort=False):
        lines.append(f"{a} -> {b} (within {limit} min):")
        kommuner = group[(group["kommun_code"] != COUNTY_CODE) & (group["people_change"].abs() > 0.5)].head(top)
        for row in kommuner.itertuples():
            lines.append(f"  {row.kommun}: {row.share_from:.1%} -> {row.share_to:.1%} "
                         f"({row.people_change:+,.0f} people)")
        origins = result.origin_changes[(result.origin_changes["feed_from"] == a)
                                        & (result.origin_changes["people_change"].abs() > 0.5)].head(top)
        for row in origins.itertuples():
            lines.append(f"    {row.name}: {row.share_from:.0%} -> {row.share_to:.0%} of its people, median time "
                         f"{_minutes(row.time_min_from)} -> {_minutes(row.time_min_to)} ({row.people_change:+,.0f} "
                         "people)")
            causes = result.route_changes[(result.route_changes["feed_from"] == a)
                                          & (result.route_changes["origin_id"] == row.origin_id)]
            for cause in causes.head(4).itertuples():
                if cause.kind == "direct trips":
                    lines.append(f"      {cause.route}: {cause.trips_from} -> {cause.trips_to} direct trips to "
                                 f"{cause.target} from the window, first arrival {cause.first_arrival_from or '-'} -> "
                                 f"{cause.first_arrival_to or '-'}")
                else:
                    lines.append(f"      stop {cause.route}: {cause.trips_from} -> {cause.trips_to} departures from "
                                 "the window")
            if causes.empty:
                lines.append("      no direct trip or stop departure changed: a transfer or the walk did")
        if kommuner.empty and origins.empty:
            lines.append("  no kommun or tätort changed")
    return lines


# --------------------------------------------------------------------------- files and notes


def files_line(written: Iterable[Path]) -> str:
    """``wrote a.csv, b.gpkg``: the names of the files written.

    Parameters
    ----------
    written : iterable of Path
        The files, in the order to name them.

    Returns
    -------
    str
    """
    return "wrote " + ", ".join(p.name for p in written)


def note_lines(caught: Iterable[warnings.WarningMessage], category: type[Warning], *, mark: str = "") -> list[str]:
    """``note: <message>`` for each warning of ``category`` recorded during a step.

    Parameters
    ----------
    caught : iterable of warnings.WarningMessage
        From ``warnings.catch_warnings(record=True)``.
    category : type of Warning
        The warnings to turn into notes (e.g. :class:`~landuse.errors.PartialLossWarning`).
    mark : str
        Appended to each note (:data:`MARK` when the run is schematic).

    Returns
    -------
    list of str
    """
    return [f"note: {w.message}{mark}" for w in caught if issubclass(w.category, category)]


def layers_line(path: Path, n_layers: int) -> str:
    """What the demo's first step wrote: every embedded layer in one GeoPackage.

    Parameters
    ----------
    path : Path
        The GeoPackage written (:data:`landuse.outputs.LAYERS_FILE`).
    n_layers : int
        Layers of the catalogue.

    Returns
    -------
    str
    """
    return f"wrote {path} ({n_layers} layers, EPSG:3006; schematic layers are marked schematic=True)"


def workbooks_line(written: Iterable[Path], schematic: Iterable[str] = ()) -> str:
    """The Excel workbooks written, those of schematic tables marked.

    Parameters
    ----------
    written : iterable of Path
        The workbooks, each beside its CSV.
    schematic : iterable of str
        File names of the CSV tables that rest on schematic data (as ``datapackage.json``
        marks them); the workbook of each gets :data:`MARK`.

    Returns
    -------
    str
    """
    marked = {Path(name).stem for name in schematic}
    names = [p.name + (MARK if p.stem in marked else "") for p in written]
    return f"wrote {', '.join(names)} (Excel: Swedish headers, numbers with formats, sheet \"Om data\")"


def map_lines(m: Any, path: Path) -> list[str]:
    """What the strukturbild map holds: its size, its overlays, and the inputs it lacked.

    Parameters
    ----------
    m : folium.Map
        From :func:`landuse.maps.strukturbild_map` (``landuse_overlays``, ``landuse_missing``).
    path : Path
        The HTML file written.

    Returns
    -------
    list of str
        The file with its size in MB and overlay count; the missing inputs, if any.
    """
    size_mb = path.stat().st_size / 1e6
    lines = [f"wrote {path} ({size_mb:.1f} MB, {len(m.landuse_overlays)} overlays, offline: Leaflet inlined)"]
    if m.landuse_missing:
        lines.append("missing from the map (input not found): " + ", ".join(html.unescape(x) for x in m.landuse_missing))
    return lines


def report_lines(written: Sequence[Path], missing: Sequence[str]) -> list[str]:
    """What the report wrote, and the inputs it says are missing.

    Parameters
    ----------
    written : sequence of Path
        What :func:`landuse.report.write_report` wrote.
    missing : sequence of str
        File names of the tables it did not find (:attr:`landuse.outputs.Outputs.missing`).

    Returns
    -------
    list of str
    """
    lines = [files_line(written)]
    if missing:
        lines.append("the report says these inputs are missing: " + ", ".join(missing))
    return lines


def layer_report_lines(report: LayerReport) -> list[str]:
    """What ``landuse layers check`` found in a user's file.

    Parameters
    ----------
    report : LayerReport
        From :func:`landuse.layers.check_layer`.

    Returns
    -------
    list of str
        File, theme, feature count, CRS found and used, union area in km² (EPSG:3006),
        repairs, and the share of features in Norrbotten.
    """
    area = f"{report.area_km2:,.1f} km²" if report.area_km2 is not None else "n/a (points)"
    out = [
        f"file:      {report.path}",
        f"theme:     {report.theme}",
        f"features:  {report.feature_count}",
        f"CRS found: {report.crs_found or 'none'} -> {report.crs_used}",
        f"area:      {area} (union, EPSG:3006)",
    ]
    out += [f"repair:    {r}" for r in report.repairs] or ["repairs:   none"]
    out.append(f"in county: {report.share_in_county:.0%} of the features lie in Norrbotten (or within 10 km)"
               + ("" if report.share_in_county > 0 else
                  " - nothing to analyse here: is it another county's file, or is its CRS wrong (a local "
                  "SWEREF 99 zone labelled EPSG:3006)?"))
    return out
