"""Origins, centralort targets and the RUS 60-minute indicator table, shared by car and transit.

RUS 2030 tracks "andel av befolkningen som når centralort inom 60 minuter med bil
respektive kollektivtrafik".  Both engines produce a travel time per origin; this module
turns those into the same per-kommun table, so car and transit figures line up.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from landuse.errors import (
    ColumnFallbackWarning,
    ColumnNotFoundError,
    EmptyLayerError,
    InvalidValueError,
    LanduseWarning,
    PartialLossWarning,
)
from landuse.layers import STANDARD_COLUMNS, load_layer
from landuse.outputs import COUNTY_CODE, INDICATOR_COLUMNS, population_totals
from landuse.settings import WORK_CRS, Settings, resolve
from landuse.summaries import bounds_text  # worded with the other console lines; importable here as before

__all__ = [
    "COUNTY_CODE",
    "INDICATOR_COLUMNS",
    "load_origins",
    "load_centralorter",
    "assign_kommun",
    "indicator_table",
    "kommun_names",
    "origin_points",
    "summarise_points",
    "ORIGIN_CELL_M",
    "ORIGIN_MODEL",
    "normalise_kommun_codes",
    "coverage_table",
    "share_bounds",
    "bounds_text",
]

#: Spacing in metres of the points that spread a tätort's people over its area.
ORIGIN_CELL_M = 250.0
#: How the embedded origins and targets are modelled, for output descriptions.
ORIGIN_MODEL = (f"origins: SCB tätorter 2020 as discs of their land area, people on a {ORIGIN_CELL_M:g} m grid; "
                "targets: centralorter reached anywhere in their disc")


def kommun_names(settings: Settings | None = None) -> dict[str, str]:
    """Kommun code -> name for the embedded kommuner, plus ``"25"`` -> ``"Norrbottens län"``.

    Parameters
    ----------
    settings : Settings, optional
        ``data_dir`` and ``catalogue_dir`` of the ``kommuner`` layer.

    Returns
    -------
    dict of str to str
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LanduseWarning)
        kommuner = load_layer("kommuner", settings=settings)
    names = dict(zip(kommuner["kommun_code"], kommuner["name"]))
    names[COUNTY_CODE] = "Norrbottens län"
    return names


def assign_kommun(points: gpd.GeoDataFrame, settings: Settings | None = None) -> pd.Series:
    """Kommun code of each point by spatial join, nearest kommun for points just outside.

    The embedded SCB boundaries are generalised (~600 vertices for the county), so
    coastal and island points can fall outside every polygon; they take the nearest
    kommun within 10 km.  Points farther than that get ``None``.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Points (or polygons, reduced to representative points) in EPSG:3006.
    settings : Settings, optional
        ``data_dir`` and ``catalogue_dir`` of the embedded ``kommuner`` layer.

    Returns
    -------
    pandas.Series of str
        ``kommun_code`` aligned to ``points.index``; None for a point more than 10 km
        from every kommun.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LanduseWarning)
        kommuner = load_layer("kommuner", settings=settings)[["kommun_code", "geometry"]]
    where = gpd.GeoDataFrame(geometry=points.geometry.representative_point(), crs=points.crs).reset_index(names="_row")
    joined = gpd.sjoin_nearest(where, kommuner, how="left", max_distance=10_000)
    joined = joined.drop_duplicates("_row").set_index("_row")
    codes = joined["kommun_code"].reindex(range(len(points)))
    return pd.Series(codes.to_numpy(dtype=object), index=points.index, name="kommun_code")


def load_origins(
    path: str | Path | None = None,
    *,
    population_column: str | None = None,
    source_crs: str | None = None,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Load the population origins of an accessibility run.

    Parameters
    ----------
    path : str or Path, optional
        Points or polygons (e.g. SCB 1 km grid) with a population column; default
        the embedded SCB tätorter 2020.
    population_column : str, optional
        Column with the number of people; default ``population`` (the tätorter's
        ``pop`` after the spec's rename), else ``pop``, ``befolkning``, ``Totalt``.
    source_crs : str, optional
        CRS to assume when ``path`` declares none (e.g. ``"EPSG:3006"``).
    settings : Settings, optional
        ``data_dir`` and ``catalogue_dir`` of the embedded tätorter and kommuner.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006 points (polygons reduced to centroids) with ``origin_id`` (str),
        ``name``, ``kommun_code`` (str, from a ``kommun_code`` column when present,
        else by spatial join), ``population`` (float, >= 0), ``radius_m`` (the
        embedded tätorter: radius of a disc of their SCB land area, see
        :func:`origin_points`; a user's file: 0, as given).  Only origins in one
        of the county's kommuner: the others (another county's ``kommun_code``, or
        a point more than 10 km from every kommun) are left out with one
        :class:`~landuse.errors.PartialLossWarning` giving their count and head count.

    Raises
    ------
    ColumnNotFoundError
        If no population column is found.
    """
    settings = resolve(settings)
    if path is None:
        frame = load_layer("tatorter", settings=settings)
    else:
        with warnings.catch_warnings():
            # population cells (SCB grid) have neither names nor ids worth a warning
            warnings.simplefilter("ignore", ColumnFallbackWarning)
            frame = load_layer(path, theme="tatort", source_crs=source_crs, settings=settings)
    display = "tatorter" if path is None else Path(path).name
    candidates = [population_column] if population_column else ["population", "pop", "befolkning", "Totalt", "totalt", "POP"]
    column = next((c for c in candidates if c in frame.columns), None)
    if column is None:
        columns = ", ".join(c for c in frame.columns if c not in {"geometry", *STANDARD_COLUMNS})
        raise ColumnNotFoundError(
            f"`{display}` has no population column {'/'.join(candidates)}. Columns found: {columns}. "
            "Pass --population-column."
        )
    population = _head_counts(frame[column], column, display)
    if "kommun_code" in frame.columns:
        kommun = normalise_kommun_codes(frame["kommun_code"])
    else:
        kommun = assign_kommun(frame, settings)
    inside = _inside_county(kommun, population, display, settings)
    frame, kommun, population = frame[inside], kommun[inside], population[inside]
    out = gpd.GeoDataFrame(
        {
            "origin_id": frame["feature_id"].astype(str).to_numpy(),
            "name": frame["name"].to_numpy(),
            "kommun_code": kommun.to_numpy(dtype=object),
            "population": population.to_numpy(dtype=float),
            # the embedded tätorter are areas (SCB's land area); a user's points and cells stay as given
            "radius_m": _disc_radius_m(frame) if path is None else 0.0,
        },
        geometry=frame.geometry.centroid.to_numpy() if (frame.geom_type != "Point").any() else frame.geometry.to_numpy(),
        crs=frame.crs,
    )
    if len(out) == 0:
        raise EmptyLayerError(f"`{display}` holds no origins.")
    return out


def _disc_radius_m(frame: pd.DataFrame) -> np.ndarray:
    """Radius in metres of a disc with the tätort's land area (SCB ``area``, hectares); 0 without one."""
    if "area_ha" not in frame.columns:
        return np.zeros(len(frame))
    area_m2 = pd.to_numeric(frame["area_ha"], errors="coerce").fillna(0).clip(lower=0).to_numpy(dtype=float) * 1e4
    return np.sqrt(area_m2 / np.pi)


def _polygon_radius_m(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Radius in metres of a disc with each polygon's area (0 for points)."""
    return np.sqrt(frame.geometry.area.to_numpy(dtype=float) / np.pi)


def origin_points(origins: gpd.GeoDataFrame, *, cell_m: float = ORIGIN_CELL_M) -> gpd.GeoDataFrame:
    """Spread each origin's population over its area: the points the engines route from.

    Parameters
    ----------
    origins : geopandas.GeoDataFrame
        From :func:`load_origins`: ``origin_id``, ``kommun_code``, ``population`` and
        ``radius_m`` (metres; 0 or missing = a point).
    cell_m : float
        Spacing in metres of the square grid of points inside each disc.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006 points: ``origin_id``, ``point_id`` (``"<origin_id>#<k>"``),
        ``kommun_code``, ``population`` (the origin's head count shared equally by its
        points, so the points of one origin sum to it) and the origin's other columns.

    Notes
    -----
    SCB gives each tätort's land area but not its shape, so a tätort is modelled as a
    disc of that area around SCB's point, with its people spread evenly over a grid of
    ``cell_m`` spacing that includes the centre.  Travel times are then computed per
    point, so a tätort can lie partly within 60 minutes, and a stop or road anywhere in
    the built-up area serves it.  A disc smaller than one cell is its centre point.
    """
    origins = origins.to_crs(WORK_CRS) if origins.crs is not None and not origins.crs.equals(WORK_CRS) else origins
    radius = (origins["radius_m"].fillna(0).to_numpy(dtype=float) if "radius_m" in origins.columns
              else np.zeros(len(origins)))
    x = origins.geometry.x.to_numpy()
    y = origins.geometry.y.to_numpy()
    owners, px, py = [], [], []
    for i, r in enumerate(radius):
        steps = int(r // cell_m)
        offsets = np.arange(-steps, steps + 1) * cell_m
        dx, dy = (g.ravel() for g in np.meshgrid(offsets, offsets))
        inside = np.hypot(dx, dy) <= r
        if not inside.any():
            dx, dy, inside = np.zeros(1), np.zeros(1), np.ones(1, dtype=bool)
        owners.append(np.full(int(inside.sum()), i))
        px.append(x[i] + dx[inside])
        py.append(y[i] + dy[inside])
    owner = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
    counts = np.bincount(owner, minlength=len(origins))
    table = pd.DataFrame(origins.drop(columns=origins.geometry.name)).iloc[owner].reset_index(drop=True)
    table["population"] = table["population"].to_numpy(dtype=float) / counts[owner]
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    table.insert(1, "point_id", [f"{o}#{k}" for o, k in zip(table["origin_id"].astype(str), rank)])
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(np.concatenate(px) if px else [],
                                                               np.concatenate(py) if py else []), crs=WORK_CRS)


def summarise_points(points: pd.DataFrame, origins: gpd.GeoDataFrame, *, threshold_min: float = 60.0,
                     extra: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """One row per origin from its points' travel times.

    Parameters
    ----------
    points : pandas.DataFrame
        Per point: ``origin_id``, ``population``, ``travel_time_min`` (NaN = not
        reached), ``target`` and the ``extra`` columns (numbers, e.g. ``access_m``).
    origins : geopandas.GeoDataFrame
        The origins the points came from (their geometry is kept).
    threshold_min : float
        Minutes for ``share_within``.
    extra : tuple of str
        Numeric point columns to average per origin, weighted by population (car:
        ``access_m`` in metres, ``access_min`` in minutes).

    Returns
    -------
    geopandas.GeoDataFrame
        ``origins`` with ``travel_time_min`` (population-weighted median of its
        points: half its people arrive within it; NaN when fewer than half are
        reached), ``share_within`` (share of its people within ``threshold_min``),
        ``target`` (the centralort most of its people reach) and the
        population-weighted mean of each ``extra`` column.
    """
    times = points["travel_time_min"].to_numpy(dtype=float)
    weights = points["population"].to_numpy(dtype=float)
    rows = []
    for origin_id, idx in points.groupby("origin_id", sort=False).indices.items():
        t, w = times[idx], weights[idx]
        if w.sum() <= 0:  # nobody lives there: the times still describe the place, unweighted
            w = np.ones_like(w)
        total = w.sum()
        order = np.argsort(np.where(np.isfinite(t), t, np.inf), kind="stable")
        reached = np.cumsum(np.where(np.isfinite(t[order]), w[order], 0.0))
        half = np.searchsorted(reached, total / 2 - 1e-9) if total > 0 else len(order)
        median = float(t[order][half]) if half < len(order) and np.isfinite(t[order][half]) else np.nan
        within = float(w[np.isfinite(t) & (t <= threshold_min)].sum() / total)
        targets = points["target"].iloc[idx]
        weight_by_target = pd.Series(w).groupby(targets.to_numpy(), dropna=True).sum()
        row = {"origin_id": origin_id, "travel_time_min": median, "share_within": within,
               "target": weight_by_target.idxmax() if len(weight_by_target) else None}
        for column in extra:
            values = points[column].to_numpy(dtype=float)[idx]
            ok = np.isfinite(values)
            row[column] = float(np.average(values[ok], weights=w[ok])) if ok.any() and w[ok].sum() > 0 else np.nan
        rows.append(row)
    summary = pd.DataFrame(rows).set_index("origin_id")
    out = origins.copy()
    keys = out["origin_id"].astype(str)
    for column in summary.columns:
        out[column] = keys.map(summary[column]).to_numpy()
    return out


def normalise_kommun_codes(codes: pd.Series) -> pd.Series:
    """Kommun codes as SCB writes them: four digits as text (``2580``, ``0180``); missing stays None.

    A code column read as numbers (``2580.0``, or ``180`` for Stockholm's ``0180``) is
    turned back into SCB's text form.

    Parameters
    ----------
    codes : pandas.Series
        Kommun codes as read (text or numbers).

    Returns
    -------
    pandas.Series of object
        Named ``kommun_code``, aligned to ``codes``.
    """
    def one(value: object) -> object:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return None
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        text = str(value).strip()
        return text.zfill(4) if text.isdigit() else (text or None)

    return pd.Series([one(v) for v in codes.to_numpy(dtype=object)], index=codes.index, dtype=object,
                     name="kommun_code")


def _inside_county(kommun: pd.Series, population: pd.Series, display: str, settings: Settings | None) -> np.ndarray:
    """Origins in one of the county's kommuner; warns once about the others (count and head count)."""
    known = set(kommun_names(settings)) - {COUNTY_CODE}
    inside = kommun.isin(known).to_numpy()
    if not inside.any():
        raise EmptyLayerError(
            f"`{display}`: no origin lies in a kommun of Norrbotten (kommun codes found: "
            f"{', '.join(sorted({str(c) for c in kommun.dropna()})[:5]) or 'none'}). Pass population data for Norrbotten."
        )
    if not inside.all():
        warnings.warn(
            f"`{display}`: {int((~inside).sum())} origins ({population[~inside].sum():,.0f} people) lie outside "
            "Norrbotten (a kommun_code of another county, or more than 10 km from every kommun) and are left out "
            "of every row.",
            PartialLossWarning,
            stacklevel=3,
        )
    return inside


def _head_counts(values: pd.Series, column: str, display: str) -> pd.Series:
    """The population column as floats >= 0; anything else is one clear error."""
    if pd.api.types.is_bool_dtype(values):
        raise InvalidValueError(f"`{display}`: column {column!r} holds true/false, not head counts. "
                                "Pass the column with the number of people (--population-column).")
    population = pd.to_numeric(values, errors="coerce")
    bad_text = population.isna() & values.notna()
    empty, negative = values.isna(), population < 0
    if bad_text.any() or empty.any() or negative.any():
        problems = []
        if bad_text.any():
            sample = ", ".join(repr(str(v)) for v in values[bad_text].unique()[:3])
            problems.append(f"{int(bad_text.sum())} non-numeric (e.g. {sample})")
        if empty.any():
            problems.append(f"{int(empty.sum())} empty")
        if negative.any():
            problems.append(f"{int(negative.sum())} negative (e.g. {population[negative].iloc[0]:g})")
        raise InvalidValueError(
            f"`{display}`: population column {column!r} holds {' and '.join(problems)} values. "
            "Pass a column with head counts >= 0 (--population-column), or fix the file."
        )
    return population


def load_centralorter(path: str | Path | None = None, *, source_crs: str | None = None,
                      settings: Settings | None = None) -> gpd.GeoDataFrame:
    """Load the centralort targets.

    Parameters
    ----------
    path : str or Path, optional
        Points or polygons with a name (the layer spec's renames apply); default the
        embedded 14 centralorter.
    source_crs : str, optional
        CRS to assume when ``path`` declares none (e.g. ``"EPSG:3006"``).
    settings : Settings, optional
        ``data_dir`` and ``catalogue_dir`` of the embedded centralorter and kommuner.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006 points with ``target_id`` (str), ``name`` (the centralort's label),
        ``kommun_code`` (from a ``kommun_code`` column, else spatial join) and
        ``radius_m``: the embedded centralorter are discs of their SCB land area
        (arriving anywhere inside one reaches it); a user's targets are points (0).
    """
    settings = resolve(settings)
    if path is None:
        frame = load_layer("centralorter", settings=settings)
    else:
        frame = load_layer(path, theme="centralort", source_crs=source_crs, settings=settings)
    kommun = frame["kommun_code"].astype(str) if "kommun_code" in frame.columns else assign_kommun(frame, settings)
    return gpd.GeoDataFrame(
        {"target_id": frame["feature_id"].astype(str).to_numpy(), "name": frame["name"].to_numpy(),
         "kommun_code": kommun.to_numpy(dtype=object),
         # the embedded centralorter are built-up areas: arriving anywhere in one reaches it; a user's
         # polygons (or points with an area_ha column) are areas of the same size, a user's bare points points
         "radius_m": _disc_radius_m(frame) if path is None or "area_ha" in frame.columns else _polygon_radius_m(frame)},
        geometry=frame.geometry.representative_point().to_numpy(),
        crs=frame.crs,
    )


def indicator_table(
    origins: pd.DataFrame,
    minutes: tuple[float, ...] | list[float] = (45, 60, 90),
    *,
    time_column: str = "travel_time_min",
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Share of the population within each threshold, per kommun and for the county.

    Parameters
    ----------
    origins : pandas.DataFrame
        One row per origin with ``kommun_code``, ``population`` and ``time_column``
        (minutes; NaN or inf = unreachable, counted as not within).  Origins whose
        ``kommun_code`` is not one of the county's kommuner are in no row, the
        county's included (:func:`load_origins` leaves them out with a warning).
    minutes : sequence of float
        Thresholds in minutes; a time equal to the threshold counts as within.
    time_column : str
        The column of ``origins`` holding the travel time in minutes.
    settings : Settings, optional
        ``data_dir`` and ``catalogue_dir`` of the kommuner, which name the rows.

    Returns
    -------
    pandas.DataFrame
        Exactly ``kommun_code, kommun, minutes, population, population_within,
        share_within``; one row per kommun with origins and threshold, then the
        county (``kommun_code`` ``"25"``).  ``share_within`` is in [0, 1], empty
        where the population is 0.

    Examples
    --------
    >>> origins = pd.DataFrame({"kommun_code": ["2580", "2580", "2584"],
    ...                         "population": [100, 50, 10],
    ...                         "travel_time_min": [20.0, 75.0, float("nan")]})
    >>> table = indicator_table(origins, [60])
    >>> table[["kommun_code", "population", "population_within", "share_within"]].values.tolist()
    [['2580', 150, 100, 0.666...], ['2584', 10, 0, 0.0], ['25', 160, 100, 0.625]]
    """
    names = kommun_names(settings)
    times = pd.to_numeric(origins[time_column], errors="coerce").to_numpy(dtype=float)
    population = origins["population"].to_numpy(dtype=float)
    codes = origins["kommun_code"].astype(object).where(origins["kommun_code"].notna(), None).to_numpy()
    rows = []
    # the county row counts the county's kommuner only, so the kommun rows always sum to it
    kommun_codes = sorted({c for c in codes if c is not None and c in names and c != COUNTY_CODE})
    codes = np.array([c if c in kommun_codes else None for c in codes], dtype=object)
    for threshold in sorted(set(float(m) for m in minutes)):
        within = np.where(np.isfinite(times) & (times <= threshold), population, 0.0)
        for code in kommun_codes + [COUNTY_CODE]:
            mask = (codes != None) if code == COUNTY_CODE else (codes == code)  # noqa: E711 - elementwise
            total = float(population[mask].sum())
            reached = float(within[mask].sum())
            rows.append({
                "kommun_code": code,
                "kommun": names.get(code, ""),
                "minutes": int(threshold) if float(threshold).is_integer() else float(threshold),
                "population": total,
                "population_within": reached,
                "share_within": reached / total if total > 0 else np.nan,
            })
    table = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    # head counts stay whole numbers in the CSV (4673, not 4673.0) unless a grid holds fractions; a tätort's
    # people shared over its points sum back to whole numbers up to float noise, which is rounded off
    for column in ("population", "population_within"):
        table[column] = np.round(table[column].to_numpy(dtype=float), 6)
        if np.all(np.mod(table[column].to_numpy(), 1) == 0):
            table[column] = table[column].astype("int64")
    if not all(float(m).is_integer() for m in table["minutes"]):
        table["minutes"] = table["minutes"].astype(float)
    order = {c: i for i, c in enumerate(kommun_codes + [COUNTY_CODE])}
    table = table.sort_values(["minutes", "kommun_code"], key=lambda s: s.map(order) if s.name == "kommun_code" else s)
    return table.reset_index(drop=True)


def coverage_table(origins: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """Population in the origins against SCB's total per kommun (31 Dec 2020).

    The embedded tätorter hold about 83 % of the county's people; report this
    beside any indicator computed on tätort points.

    Parameters
    ----------
    origins : pandas.DataFrame
        ``kommun_code`` and ``population`` per origin (or point).
    settings : Settings, optional
        ``data_dir``, for SCB's :data:`~landuse.outputs.POPULATION_FILE`.

    Returns
    -------
    pandas.DataFrame
        ``kommun_code, kommun, population_origins, population_total, coverage``.
    """
    sums = origins.groupby(origins["kommun_code"].astype(str))["population"].sum()
    sums[COUNTY_CODE] = origins["population"].sum()
    out = population_totals(settings)
    out["population_origins"] = out["kommun_code"].map(sums).fillna(0.0)
    out["coverage"] = out["population_origins"] / out["population_total"]
    return out[["kommun_code", "kommun", "population_origins", "population_total", "coverage"]]




def share_bounds(table: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """Bounds of each indicator row's share over the WHOLE population, not only the origins'.

    The tätorter hold about 83 % of the county's people; nothing is known of how the
    others travel.  So beside the share over the tätort population, the share over
    everybody lies between a lower bound (nobody outside the tätorter reaches) and an
    upper bound (everybody outside them does).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`indicator_table` output (``kommun_code``, ``population``,
        ``population_within``, ``share_within``).
    settings : Settings, optional
        ``data_dir``, for SCB's population per kommun (:func:`landuse.outputs.population_totals`).

    Returns
    -------
    pandas.DataFrame
        ``table`` with ``population_total`` (SCB, 31 Dec 2020), ``share_lower`` =
        population_within / population_total and ``share_upper`` = (population_within
        + population_total - population) / population_total; NaN where SCB has no total
        or the origins hold more people than SCB's total (the bounds would exceed 1).
    """
    totals = population_totals(settings)
    total = table["kommun_code"].astype(str).map(totals.set_index("kommun_code")["population_total"])
    out = table.copy()
    out["population_total"] = total.to_numpy(dtype=float)
    outside = out["population_total"] - out["population"]
    out["share_lower"] = out["population_within"] / out["population_total"]
    out["share_upper"] = (out["population_within"] + outside) / out["population_total"]
    # origins holding more people than SCB counted (another year's grid, a grid beyond the county): no bounds
    beyond = (outside < -0.5).to_numpy()
    out.loc[beyond, ["share_lower", "share_upper"]] = np.nan
    return out
