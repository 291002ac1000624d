"""Inputs of the målkonflikt engine: interest layers and kommun zones, checked and in EPSG:3006."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landuse._validity import valid_mask
from landuse.conflict_matrix import ConflictMatrix, read_conflict_matrix
from landuse.errors import (
    ColumnNotFoundError,
    ConfigError,
    CRSMismatchError,
    EmptyLayerError,
    GeometryRepairWarning,
    GeometryTypeError,
    InvalidSettingError,
    LanduseWarning,
    LayerNotFoundError,
    MissingCRSError,
)
from landuse.layers import layers_for_theme, load_layer
from landuse.progress import progress_bar
from landuse.settings import WORK_CRS, Settings, resolve
from landuse.themes import INTEREST_THEMES, parse_theme

__all__ = ["MAX_THEMES", "load_interest_layers", "prepare_layers", "prepare_zones"]

#: Themes one run can hold: bits of the uint16 theme mask.
MAX_THEMES = 16


def _parse_themes(themes: list[str] | tuple[str, ...], matrix: ConflictMatrix, option: str) -> list[str]:
    out: list[str] = []
    for name in themes:
        theme = parse_theme(name)
        if theme not in INTEREST_THEMES:
            raise InvalidSettingError(
                f"{option} {name!r} is not an interest theme. Interest themes: "
                f"{', '.join(t.value for t in INTEREST_THEMES)}."
            )
        if theme.value not in matrix.themes:
            raise ConfigError(
                f"Theme {theme.value!r} ({option}) is not in the conflict matrix {matrix.display} "
                f"(themes: {', '.join(matrix.themes)}). Add it and its pairs to the file."
            )
        if theme.value not in out:
            out.append(theme.value)
    return out


def load_interest_layers(
    themes: list[str] | tuple[str, ...] | None = None,
    *,
    layers: Mapping[str, str | Path] | None = None,
    matrix: ConflictMatrix | None = None,
    source_crs: str | int | None = None,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Load every interest layer of the analysis into one frame.

    Parameters
    ----------
    themes : list of str, optional
        Themes to analyse; default every theme of ``matrix`` with data (embedded or
        given in ``layers``).
    layers : mapping, optional
        Theme -> path of a user's file that replaces that theme's embedded layers
        (read with :func:`landuse.layers.load_layer`).
    matrix : ConflictMatrix, optional
        Default :func:`read_conflict_matrix`.
    source_crs : str or int, optional
        CRS to assume for user files without one.
    settings : Settings, optional
        ``catalogue_dir`` and ``data_dir`` (the catalogue layers and the default matrix), ``progress`` (the
        bar over the themes).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006; columns ``layer, theme, feature_id, name, schematic, geometry``
        (valid polygons). One theme may come from several layers (rennaring =
        kärnområden + flyttleder + svåra passager).

    Raises
    ------
    UnknownThemeError, InvalidSettingError, ConfigError
        For themes that are unknown, not interest themes, or not in the matrix.
    LayerNotFoundError
        If a theme named in ``themes`` has no embedded layer and no file.
    The errors of :func:`landuse.layers.load_layer`.

    Warns
    -----
    The warnings of :func:`landuse.layers.load_layer` for user files only; the
    embedded line and point layers are buffered on purpose (their specs say so).
    """
    settings = resolve(settings)
    matrix = matrix if matrix is not None else read_conflict_matrix(settings=settings)
    overrides = {parse_theme(k).value: Path(v) for k, v in (layers or {}).items()}
    _parse_themes(list(overrides), matrix, "--layer")
    explicit = themes is not None
    chosen = _parse_themes(list(themes), matrix, "--themes") if themes is not None else list(matrix.themes)
    stray = [t for t in overrides if t not in chosen]
    if stray:
        raise InvalidSettingError(
            f"--layer gives a file for {', '.join(stray)}, which --themes leaves out ({', '.join(chosen)}). "
            "Add the theme to --themes or drop the --layer."
        )
    frames: list[gpd.GeoDataFrame] = []
    columns = ["layer", "theme", "feature_id", "name", "schematic", "geometry"]
    with progress_bar(settings, "loading layers") as update:
        for done, theme in enumerate(chosen, start=1):
            if theme in overrides:
                frame = load_layer(overrides[theme], theme=theme, source_crs=source_crs, settings=settings)
                frames.append(frame[columns])
            else:
                specs = [s for s in layers_for_theme(theme, settings) if s.source is not None]
                if not specs and explicit:
                    raise LayerNotFoundError(
                        f"Theme {theme!r} has no embedded layer. Pass your file for it: --layer {theme}=PATH in "
                        f"`landuse conflicts`, --interest {theme}=PATH in `landuse op-check`."
                    )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", LanduseWarning)
                    frames += [load_layer(s.name, settings=settings)[columns] for s in specs]
            update(done, len(chosen))
    if not frames:
        raise EmptyLayerError("No interest layer has data. Pass files with --layer THEME=PATH.")
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WORK_CRS)


def _polygonal_parts(geom: Any) -> Any:
    parts = shapely.get_parts(geom)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(parts) if len(parts) else None


def prepare_layers(layers: gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame], matrix: ConflictMatrix, *,
             min_themes: int = 2) -> gpd.GeoDataFrame:
    """One frame in EPSG:3006 with valid polygons and the standard columns: the engine's checked input.

    Parameters
    ----------
    layers : geopandas.GeoDataFrame or mapping
        Polygons with a ``theme`` column (as from :func:`load_interest_layers`), or a
        mapping theme -> GeoDataFrame; a projected CRS (reprojected to EPSG:3006).
    matrix : ConflictMatrix
        Every theme of the layers must be one of its themes.
    min_themes : int
        The least number of themes with polygons the analysis needs (2 for conflicts;
        the ÖP-check passes 1).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006; the input columns with ``theme`` (canonical name), ``feature_id``
        (default the row number, from 1), ``layer`` (default the theme), ``name``
        (default ""), ``schematic`` (bool, default False); invalid polygons repaired,
        empty ones dropped, the polygonal parts of collections kept.

    Raises
    ------
    MissingCRSError, CRSMismatchError
        Without a CRS, or in a geographic one (areas need metres).
    ConfigError
        Without a ``theme`` column, or with themes the matrix lacks.
    GeometryTypeError
        If features are points or lines.
    InvalidSettingError
        With fewer than ``min_themes`` themes, or more than 16.

    Warns
    -----
    GeometryRepairWarning
        When invalid polygons are repaired with ``make_valid``.
    """
    if not isinstance(layers, (gpd.GeoDataFrame, Mapping)):
        raise GeometryTypeError(
            f"layers is a {type(layers).__name__}, not a GeoDataFrame or a mapping theme -> GeoDataFrame. "
            "Load files first, e.g. load_interest_layers(layers={'naturvard': 'ri_naturvard.gpkg'})."
        )
    if isinstance(layers, Mapping):
        parts = []
        for theme, frame in layers.items():
            frame = frame.copy()
            frame["theme"] = parse_theme(theme).value
            parts.append(frame)
        if not parts:
            raise EmptyLayerError("No layers were given. Pass at least two themes' layers.")
        without = [theme for theme, p in zip(layers, parts) if p.crs is None]
        if without and len(without) < len(parts):
            # never guess: a frame without a CRS among frames with one may be in any CRS
            raise MissingCRSError(
                f"The layer of theme {', '.join(map(str, without))} has no CRS while the others have one. "
                "Set it (e.g. frame.set_crs('EPSG:3006')) before the analysis."
            )
        crs = {str(p.crs) for p in parts}
        if len(crs) > 1:
            parts = [p.to_crs(WORK_CRS) if p.crs is not None else p for p in parts]
        frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry=parts[0].geometry.name,
                                 crs=parts[0].crs if len(crs) == 1 else WORK_CRS)
    else:
        frame = layers.copy()
    if "theme" not in frame.columns:
        raise ConfigError("The layers have no `theme` column. Load them with landuse.layers.load_layer, or pass a "
                          "mapping theme -> GeoDataFrame.")
    if frame.crs is None:
        raise MissingCRSError("The layers have no CRS. Set it (e.g. frame.set_crs('EPSG:3006')) before the analysis.")
    if frame.crs.is_geographic:
        raise CRSMismatchError(
            f"The layers are in the geographic CRS {frame.crs.to_string()}: areas need metres. "
            "Reproject with frame.to_crs('EPSG:3006')."
        )
    if not frame.crs.equals(WORK_CRS):
        frame = frame.to_crs(WORK_CRS)
    frame = frame.reset_index(drop=True)
    names = {t: parse_theme(t).value for t in pd.unique(frame["theme"])}
    frame["theme"] = frame["theme"].map(names).astype(str)
    outside = sorted(set(pd.unique(frame["theme"])) - set(matrix.themes))
    if outside:
        raise ConfigError(
            f"Themes {', '.join(outside)} of the layers are not in the conflict matrix {matrix.display} "
            f"(themes: {', '.join(matrix.themes)}). Add them with weights for every pair, or drop those features."
        )
    n = len(frame)
    if "feature_id" not in frame.columns:
        frame["feature_id"] = [str(i + 1) for i in range(n)]
    if "layer" not in frame.columns:
        frame["layer"] = frame["theme"]
    if "name" not in frame.columns:
        frame["name"] = ""
    frame["schematic"] = frame["schematic"].fillna(False).astype(bool) if "schematic" in frame.columns else False
    geoms = np.asarray(frame.geometry.values, dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    wrong = ~empty & ~np.isin(types, (3, 6, 7))
    if wrong.any():
        raise GeometryTypeError(
            f"{int(wrong.sum())} features are points or lines; the conflict engine needs polygons. "
            "Load the layers with landuse.layers.load_layer (it buffers line and point objects) or buffer them."
        )
    invalid = ~empty & ~valid_mask(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        warnings.warn(f"repaired {int(invalid.sum())} of {n} invalid geometries with make_valid "
                      "(kept the polygonal part).", GeometryRepairWarning, stacklevel=3)
    mixed = ~empty & (shapely.get_type_id(geoms) == 7)
    for i in np.flatnonzero(mixed):
        geoms[i] = _polygonal_parts(geoms[i])
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    frame = gpd.GeoDataFrame(frame.drop(columns=frame.geometry.name), geometry=geoms, crs=WORK_CRS)
    frame = frame[~empty].reset_index(drop=True)
    present = set(pd.unique(frame["theme"]))  # vectorised: iterating 20 000 Arrow strings costs 0.01 s a pass
    if len(present) < min_themes:
        raise InvalidSettingError(
            f"The analysis needs at least {min_themes} theme(s) with polygons; found {', '.join(sorted(present)) or 'none'}. "
            "Add layers (--layer THEME=PATH) or widen --themes."
        )
    if len(present) > MAX_THEMES:
        raise InvalidSettingError(f"At most {MAX_THEMES} themes can be analysed at once.")
    return frame


def prepare_zones(kommuner: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The kommuner the faces are split by, checked: EPSG:3006, valid, two columns.

    Parameters
    ----------
    kommuner : geopandas.GeoDataFrame
        Kommun polygons with ``kommun_code`` and ``kommun`` (or ``name``), any projected
        CRS (e.g. :func:`landuse.layers.load_kommuner`).

    Returns
    -------
    geopandas.GeoDataFrame
        ``kommun_code`` (str), ``kommun`` (str) and valid polygons, EPSG:3006.

    Raises
    ------
    ColumnNotFoundError
        Without ``kommun_code`` or a kommun name column.
    MissingCRSError
        Without a CRS.
    """
    if "kommun" not in kommuner.columns and "name" in kommuner.columns:
        kommuner = kommuner.rename(columns={"name": "kommun"})
    missing = [c for c in ("kommun_code", "kommun") if c not in kommuner.columns]
    if missing:
        raise ColumnNotFoundError(
            f"kommuner has no column {', '.join(missing)}. Columns found: {', '.join(map(str, kommuner.columns))}. "
            "Pass kommun boundaries with kommun_code and kommun (or name), e.g. load_kommuner()."
        )
    if kommuner.crs is None:
        raise MissingCRSError("kommuner has no CRS. Set it before the analysis (EPSG:3006).")
    zones = kommuner.to_crs(WORK_CRS) if not kommuner.crs.equals(WORK_CRS) else kommuner
    geoms = np.asarray(zones.geometry.values, dtype=object)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = [_polygonal_parts(g) for g in shapely.make_valid(geoms[invalid])]
    return gpd.GeoDataFrame({"kommun_code": zones["kommun_code"].astype(str).to_numpy(),
                             "kommun": zones["kommun"].astype(str).to_numpy()}, geometry=geoms, crs=WORK_CRS)
