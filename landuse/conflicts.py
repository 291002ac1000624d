"""The målkonflikt engine: where interests claim the same ground, how much, and how severe.

Each interest theme is dissolved, the themes are overlaid into faces of one kommun
and theme set (vector mode, exact) or theme bit planes (raster mode); each pair of
themes is weighted by the editable conflict matrix in ``analyses/malkonflikter.toml``
(:mod:`landuse.conflict_matrix`), and areas are aggregated per kommun.  The inputs
are checked in :mod:`landuse.conflict_inputs`, the faces built in
:mod:`landuse.conflict_faces` (vector) and :mod:`landuse.conflict_raster` (raster).
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landuse._io import EncodedLayer, write_csv, write_gpkg
from landuse.choices import Faces, Mode, ScoreMethod
from landuse.conflict_faces import FaceTable, vector_overlay
from landuse.conflict_inputs import load_interest_layers, prepare_layers, prepare_zones
from landuse.conflict_matrix import ConflictMatrix, read_conflict_matrix
from landuse.conflict_raster import default_oversample, raster_overlay
from landuse.errors import InvalidSettingError, PartialLossWarning
from landuse.layers import load_kommuner
from landuse.outputs import CONFLICT_FILES, CONFLICT_LAYERS, FACE_COLUMNS, PAIR_COLUMNS
from landuse.progress import progress_bar
from landuse.settings import WORK_CRS, Settings, resolve

__all__ = [
    "PAIR_COLUMNS",
    "FACE_COLUMNS",
    "CONFLICT_FILES",
    "ConflictMatrix",
    "ConflictResult",
    "read_conflict_matrix",
    "load_interest_layers",
    "load_kommuner",
    "prepare_layers",
    "default_oversample",
    "conflicts_from_layers",
    "write_conflicts",
]

@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of short-lived objects are made.

    Coordinate lists for rasterio and face labels hold no reference cycles; without
    this the collector runs over and over and doubles the run time of large inputs.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------- result


@dataclass
class ConflictResult:
    """Everything one målkonflikt run produces.

    Attributes
    ----------
    face_table : FaceTable
        The faces as made: attributes and polygons (shapely or WKB); :attr:`faces`
        is the GeoDataFrame of it, made when first asked for.
    faces : geopandas.GeoDataFrame
        EPSG:3006; one row per face covered by at least two themes, split by kommun:
        ``face_id`` (int, 1 = highest score), ``kommun_code``, ``kommun``, ``themes``
        (sorted names joined by ","), ``n_themes``, ``score`` (sum or max of the pair
        weights present), ``area_km2``, ``feature_ids`` ("layer:feature_id" joined by
        ";"), ``schematic`` (any covering feature schematic), ``geometry``.  In raster
        mode a face is a 4-connected region of cells with one kommun and theme set, and
        ``feature_ids`` lists the features of those themes that intersect it.
    pairs_per_kommun : pandas.DataFrame
        :data:`PAIR_COLUMNS`: one row per kommun and theme pair with non-zero area.
    pairs : pandas.DataFrame
        The same summed over the kommuner analysed: ``theme_a, theme_b, weight,
        area_km2, share_of_area`` (share of the kommuner's total area), ``schematic``.
    theme_area : pandas.DataFrame
        ``theme, area_km2``: union area of each theme inside the kommuner.
    kommun_area : pandas.DataFrame
        ``kommun_code, kommun, area_km2`` of the kommuner analysed.
    """

    face_table: FaceTable
    pairs_per_kommun: pd.DataFrame
    pairs: pd.DataFrame
    theme_area: pd.DataFrame
    kommun_area: pd.DataFrame
    themes: tuple[str, ...]
    mode: Mode = Mode.VECTOR
    score_method: ScoreMethod = ScoreMethod.SUM
    resolution_m: float | None = None
    schematic_themes: tuple[str, ...] = ()
    outside_km2: float = 0.0
    score_grid: np.ndarray | None = None
    transform: Any = None
    #: Raster mode: sample points per cell side the areas were counted from (None in vector mode).
    oversample: int | None = None
    #: Stale outputs of an earlier run that :func:`write_conflicts` deleted.
    removed: list[Path] = field(default_factory=list)
    #: The dask.distributed cluster the tasks ran on (address and workers), None for a local run.
    cluster: str | None = None

    @cached_property
    def faces(self) -> gpd.GeoDataFrame:
        """The faces as a GeoDataFrame (EPSG:3006), decoded once when first asked for; see the class."""
        return self.face_table.frame()

    @property
    def schematic(self) -> bool:
        """True when any input feature is schematic (demo data)."""
        return bool(self.schematic_themes)

    def hotspots(self, n: int = 10, *, min_area_km2: float = 0.01) -> gpd.GeoDataFrame:
        """The ``n`` faces with the highest score (ties: largest area first).

        Faces under ``min_area_km2`` (default 1 ha) are left out: overlaying layers
        digitised independently leaves slivers along shared boundaries, and a sliver
        where many themes happen to meet is no place to start a dialogue.

        Parameters
        ----------
        n : int
            How many faces.
        min_area_km2 : float
            The smallest face kept, km² (0.01 = 1 ha).

        Returns
        -------
        geopandas.GeoDataFrame
            Rows of :attr:`faces` (EPSG:3006), highest score first.
        """
        made = "faces" in self.__dict__  # the GeoDataFrame exists (and may have been edited): rank it
        table = self.faces if made else self.face_table.attributes
        # ranked on the two columns (a stable sort, as pandas' sort_values): filtering the whole table
        # first would copy every column, feature_ids included (0.02 s at 86 000 faces)
        area, score = table["area_km2"].to_numpy(dtype=float), table["score"].to_numpy(dtype=float)
        rows = np.flatnonzero(area >= min_area_km2)
        rows = rows[np.lexsort((-area[rows], -score[rows]))][:n]
        # else the table's rows are the faces' positions: decode those n faces only
        return table.iloc[rows] if made else self.face_table.frame(rows)

    def ranked_pairs(self) -> pd.DataFrame:
        """County pairs ranked by weighted area (weight x km², then km²): the one ranking of the pairs.

        Returns
        -------
        pandas.DataFrame
            :attr:`pairs` (``theme_a, theme_b, weight, area_km2, share_of_area,
            schematic``) with ``weighted`` = weight x area_km2, largest first.
        """
        pairs = self.pairs.assign(weighted=self.pairs["weight"] * self.pairs["area_km2"])
        return pairs.sort_values(["weighted", "area_km2"], ascending=False, ignore_index=True)

    def ranked_kommuner(self) -> pd.DataFrame:
        """Kommuner ranked by their weighted overlap area (Σ weight x km² over their pairs).

        Returns
        -------
        pandas.DataFrame
            ``kommun_code``, ``kommun``, ``pairs`` (theme pairs with area in the
            kommun), ``weighted`` (weight x km² summed), largest first; kommuner
            without overlaps are absent.
        """
        per = self.pairs_per_kommun.assign(weighted=self.pairs_per_kommun["weight"] * self.pairs_per_kommun["area_km2"])
        by_kommun = per.groupby(["kommun_code", "kommun"], as_index=False).agg(
            pairs=("theme_a", "size"), weighted=("weighted", "sum"))
        return by_kommun.sort_values("weighted", ascending=False)

    def summary_lines(self, top: int = 10) -> list[str]:
        """The console lines of the run: :func:`landuse.summaries.conflict_lines` (kept here for the CLI).

        Parameters
        ----------
        top : int
            How many theme pairs to list.

        Returns
        -------
        list of str
        """
        from landuse.summaries import conflict_lines

        return conflict_lines(self, top=top)


def _aggregate(zone: np.ndarray, mask: np.ndarray, area_m2: np.ndarray, themes: list[str], weights: np.ndarray,
               zones: gpd.GeoDataFrame, schematic_themes: set[str]) -> tuple[pd.DataFrame, ...]:
    """Pair and theme areas per kommun from (zone, mask, area) records."""
    n_bits = len(themes)
    n_zones = len(zones)
    key = zone.astype(np.int64) * (1 << n_bits) + mask.astype(np.int64)
    table = np.bincount(key, weights=area_m2, minlength=n_zones * (1 << n_bits)).reshape(n_zones, 1 << n_bits)
    masks = np.arange(1 << n_bits)
    kommun_km2 = shapely.area(np.asarray(zones.geometry.values)) / 1e6
    rows = []
    for a in range(n_bits):
        for b in range(a + 1, n_bits):
            both = ((masks >> a) & 1).astype(bool) & ((masks >> b) & 1).astype(bool)
            per_zone = table[:, both].sum(axis=1) / 1e6
            for z in np.flatnonzero(per_zone > 0):
                rows.append((zones["kommun_code"].iat[z], zones["kommun"].iat[z], themes[a], themes[b],
                             int(weights[a, b]), float(per_zone[z]), float(per_zone[z] / kommun_km2[z])))
    per_kommun = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    per_kommun = per_kommun.astype({"kommun_code": str, "kommun": str, "theme_a": str, "theme_b": str,
                                    "weight": np.int64, "area_km2": np.float64, "share_of_kommun": np.float64})
    per_kommun = per_kommun.sort_values(["kommun_code", "theme_a", "theme_b"], ignore_index=True)
    county = per_kommun.groupby(["theme_a", "theme_b", "weight"], as_index=False)["area_km2"].sum()
    county["share_of_area"] = county["area_km2"] / kommun_km2.sum()
    county["schematic"] = [a in schematic_themes or b in schematic_themes
                           for a, b in zip(county["theme_a"], county["theme_b"])]
    theme_area = pd.DataFrame({
        "theme": themes,
        "area_km2": [float(table[:, ((masks >> t) & 1).astype(bool)].sum() / 1e6) for t in range(n_bits)],
    })
    kommun_area = pd.DataFrame({"kommun_code": zones["kommun_code"].astype(str), "kommun": zones["kommun"].astype(str),
                                "area_km2": kommun_km2})
    return per_kommun, county, theme_area, kommun_area


def conflicts_from_layers(
    layers: gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame],
    matrix: ConflictMatrix | None = None,
    *,
    kommuner: gpd.GeoDataFrame | None = None,
    score: ScoreMethod | str = ScoreMethod.SUM,
    mode: Mode | str = Mode.VECTOR,
    resolution_m: float | None = None,
    oversample: int | None = None,
    faces: Faces | str | None = None,
    settings: Settings | None = None,
) -> ConflictResult:
    """Overlay interest layers and measure where their themes conflict, per kommun.

    Parameters
    ----------
    layers : geopandas.GeoDataFrame or mapping
        Polygons with a ``theme`` column (as from :func:`load_interest_layers`), or a
        mapping theme -> GeoDataFrame.  Projected CRS (reprojected to EPSG:3006);
        ``layer``, ``feature_id`` and ``schematic`` are used when present.
    matrix : ConflictMatrix, optional
        Weights between themes; default :func:`read_conflict_matrix`.
    kommuner : geopandas.GeoDataFrame, optional
        Zones with ``kommun_code`` and ``kommun`` (or ``name``) columns; default the
        14 embedded kommuner.  Faces are split by them; interest area outside them
        is left out (and reported as ``outside_km2``).
    score : ScoreMethod or {"sum", "max"}
        Face score: sum (default) or maximum of the weights of the theme pairs
        present; any case (:class:`~landuse.choices.ScoreMethod`).
    mode : Mode or {"vector", "raster"}
        Exact overlay of polygons, or bit planes on a grid; any case
        (:class:`~landuse.choices.Mode`).
    resolution_m : float, optional
        Raster cell side in metres (EPSG:3006); default ``Settings.raster_resolution_m``.
    oversample : int, optional
        Raster mode: odd number k of sample points per cell side.  Pair and theme
        areas come from the bit counts of k x k samples per cell, each standing for
        ``(resolution_m / k)**2``; faces and the score grid stay at ``resolution_m``
        (the centre sample is the cell centre, so they equal those of k = 1).
        Default: the largest of 5, 3 and 1 whose samples fit
        ``Settings.raster_sample_budget`` (:func:`default_oversample`) — 1 for the
        county at 100 m; ``ConflictResult.oversample`` tells which was used.
    faces : Faces or {"conflicts", "all", "none"}, optional
        Any case (:class:`~landuse.choices.Faces`).  Which faces ``ConflictResult.faces`` holds: those with two or more themes
        (``"conflicts"``, the vector default), every covered face (``"all"``), or
        none (``"none"``, the raster default: the score grid is the map).  Areas
        are the same whatever the choice.
    settings : Settings, optional
        ``Settings.scheduler`` (a dask scheduler address) runs the tile and theme
        tasks on that dask.distributed cluster.

    Returns
    -------
    ConflictResult
        Faces (EPSG:3006), areas per kommun and pair in km², county pairs, theme
        union areas, and in raster mode the score grid.

    Raises
    ------
    MissingCRSError, CRSMismatchError
        If the layers have no CRS or a geographic one.
    UnknownThemeError, ConfigError
        If a theme is unknown or not in the matrix.
    GeometryTypeError
        If features are points or lines.
    InvalidSettingError
        If fewer than two themes have polygons, or an option is invalid; in raster
        mode also if the grid would not fit in memory (or exceed 2e9 cells), or if
        ``resolution_m`` leaves no cell centre inside the kommuner.

    Warns
    -----
    GeometryRepairWarning
        When invalid polygons (e.g. a bow-tie) are repaired with ``make_valid``.
    PartialLossWarning
        When a theme's features have area but none of it lies inside the kommuner
        (or, in raster mode, covers a sample point), so every pair with it is 0; and
        in raster mode when kommuner are covered by fewer than 10 cells.

    Notes
    -----
    Vector mode dissolves each theme first (overlaps inside one theme are no
    conflict), nodes the boundaries of the theme unions and of the kommuner, and
    polygonizes them into faces: maximal regions of one kommun and one theme set.
    One interior point per face gives its theme bit mask.  Large inputs are cut
    into square tiles that run as parallel tasks and are joined again along the
    tile edges.  The area of pair (a, b) in a kommun is the summed area of the
    faces whose mask holds both a and b, i.e. area(∪a ∩ ∪b ∩ kommun), so kommun
    figures add up to the county figure.  ``feature_ids`` lists the features of a
    face's themes that intersect the face (an STRtree query and exact tests; the
    features' own boundaries are never noded).  Raster mode sets a bit where a
    sample point lies in a feature of the theme (rasterio, GDAL's rule) and counts
    k x k sample points per cell per (kommun, mask), an unbiased estimate whose
    sampling error falls roughly as 1/k along boundaries; its faces are the
    connected cells of one kommun and theme set.

    Examples
    --------
    >>> result = conflicts_from_layers(load_interest_layers(), settings=Settings(progress=False))
    >>> sorted(result.pairs_per_kommun.columns) == sorted(PAIR_COLUMNS)
    True
    """
    settings = resolve(settings)
    method = ScoreMethod.parse(score)
    mode_name = Mode.parse(mode)
    resolution = float(resolution_m if resolution_m is not None else settings.raster_resolution_m)
    if not resolution > 0:
        raise InvalidSettingError(f"resolution_m={resolution_m!r} must be a positive number of metres.")
    if oversample is not None and (isinstance(oversample, bool) or not isinstance(oversample, (int, np.integer))
                                   or oversample < 1 or oversample % 2 == 0):
        raise InvalidSettingError(
            f"oversample={oversample!r} must be an odd positive integer (1, 3, 5): the centre sample of each "
            "cell then lies on the cell centre. Use 1 for one sample per cell or 3 for 3 x 3."
        )
    faces_choice = Faces.parse(faces) if faces is not None else (
        Faces.CONFLICTS if mode_name == Mode.VECTOR else Faces.NONE)
    matrix = matrix if matrix is not None else read_conflict_matrix(settings=settings)
    with progress_bar(settings, "checking geometries"):
        features = prepare_layers(layers, matrix)
    zones = load_kommuner(settings=settings) if kommuner is None else prepare_zones(kommuner)
    themes = sorted(set(pd.unique(features["theme"])))
    weights = matrix.weight_array(themes)
    schematic_themes = tuple(sorted(set(features.loc[features["schematic"], "theme"])))
    from landuse._parallel import use_scheduler

    cluster = None
    with _no_gc(), use_scheduler(settings.scheduler) as client:
        if client is not None:
            cluster = f"{client.scheduler.address} ({len(client.scheduler_info().get('workers', {}))} workers)"
        if mode_name == Mode.VECTOR:
            zone, mask, area_m2, faces_made, outside_km2, grid, transform, samples = vector_overlay(
                features, zones, themes, weights, method, settings, faces_choice)
        else:
            zone, mask, area_m2, faces_made, outside_km2, grid, transform, samples = raster_overlay(
                features, zones, themes, weights, method, resolution, settings, oversample, faces_choice)
    per_kommun, county, theme_area, kommun_area = _aggregate(zone, mask, area_m2, themes, weights, zones,
                                                             set(schematic_themes))
    _warn_empty_themes(features, theme_area, mode_name, resolution)
    return ConflictResult(face_table=faces_made, pairs_per_kommun=per_kommun, pairs=county, theme_area=theme_area,
                          kommun_area=kommun_area, themes=tuple(themes), mode=mode_name,
                          score_method=method, resolution_m=resolution if mode_name == Mode.RASTER else None,
                          schematic_themes=schematic_themes, outside_km2=outside_km2, score_grid=grid,
                          transform=transform, oversample=samples, cluster=cluster)


def _warn_empty_themes(features: gpd.GeoDataFrame, theme_area: pd.DataFrame, mode: str, resolution_m: float) -> None:
    """Warn for each theme whose features have area but whose area inside the kommuner is 0.

    Such a theme contributes no pair at all, typically a file covering another region
    or in a CRS that put it elsewhere; without the warning the run would look complete.
    """
    empty = theme_area.loc[theme_area["area_km2"] <= 0, "theme"].tolist()
    for theme in empty:
        rows = features[features["theme"] == theme]
        area_km2 = float(shapely.area(np.asarray(rows.geometry.values, dtype=object)).sum() / 1e6)
        if area_km2 <= 0:
            continue
        layers = ", ".join(f"`{name}`" for name in pd.unique(rows["layer"].astype(str)))
        where = "lie outside the kommuner analysed" if mode == Mode.VECTOR else (
            f"lie outside the kommuner analysed or cover no sample point at {resolution_m:g} m "
            "(a finer --resolution-m or a larger --oversample samples more densely)")
        warnings.warn(
            f"Theme {theme!r} (layer {layers}) contributes nothing: all {len(rows)} of its features "
            f"({area_km2:,.1f} km²) {where}, so its area and every pair with it are 0. "
            "If the layer is your file, check that it covers these kommuner and that its CRS is right; "
            "otherwise choose other kommuner (--kommun).",
            PartialLossWarning, stacklevel=3)


# --------------------------------------------------------------------------- output


def write_conflicts(result: ConflictResult, out_dir: str | Path) -> list[Path]:
    """Write the outputs of a run into ``out_dir``, each file atomically.

    Writes ``malkonflikter.gpkg`` (layers ``faces`` and ``pairs_per_kommun``),
    ``malkonflikter_per_kommun.csv`` (:data:`PAIR_COLUMNS`) and, in raster mode,
    ``malkonflikter_score.tif`` (float32 score, nodata -1 outside the kommuner).
    A vector run deletes a ``malkonflikter_score.tif`` left in ``out_dir`` by an
    earlier raster run, so the folder never mixes two runs; the deleted path is
    appended to ``result.removed``.

    Parameters
    ----------
    result : ConflictResult
        From :func:`conflicts_from_layers`.
    out_dir : str or Path
        The output folder, created when missing.

    Returns
    -------
    list of Path
        The files written (:data:`~landuse.outputs.CONFLICT_FILES`): the GeoPackage
        (EPSG:3006; each layer's description names the run and marks schematic
        themes), the CSV, and in raster mode the GeoTIFF.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = result.pairs_per_kommun[PAIR_COLUMNS]
    faces: gpd.GeoDataFrame | EncodedLayer
    if "faces" in result.__dict__ or result.face_table.wkb is None:  # the GeoDataFrame, as the user may have edited it
        faces = result.faces[FACE_COLUMNS + ["geometry"]]
    else:  # the WKB the tile tasks sent: nothing to decode or encode again
        faces = EncodedLayer(result.face_table.attributes[FACE_COLUMNS], result.face_table.encoded(), WORK_CRS,
                             "Polygon")
    run = (f"{result.mode} run" + (f" at {result.resolution_m:g} m" if result.resolution_m else "")
           + f", score={result.score_method}, themes {', '.join(result.themes)}")
    if result.schematic:
        # the mark travels with the run even when no face is written (--faces none)
        run += (f"; themes {', '.join(result.schematic_themes)} rest on SCHEMATIC demo data, so the figures are "
                "illustrative only (schematisk)")
    faces_layer, pairs_layer = CONFLICT_LAYERS
    descriptions = {faces_layer: f"Målkonflikt faces of one kommun and theme set; {run}",
                    pairs_layer: f"Overlap area (km²) per kommun and theme pair; {run}"}
    written = [write_gpkg({faces_layer: faces, pairs_layer: table}, out_dir / CONFLICT_FILES["gpkg"],
                          descriptions=descriptions, empty_geometry_types={faces_layer: "Polygon"}),
               write_csv(table, out_dir / CONFLICT_FILES["csv"])]
    tif = out_dir / CONFLICT_FILES["tif"]
    if result.score_grid is not None:
        from landuse._rasterize import write_score_tif

        written.append(write_score_tif(result.score_grid, result.transform, tif))
    elif tif.exists():
        # a score grid left by an earlier raster run would pass for this vector run's
        tif.unlink()
        result.removed.append(tif)
    return written
