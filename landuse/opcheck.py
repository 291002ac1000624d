"""ÖP-check: which interests does each planned area of an översiktsplan overlap, and how badly?

A municipality's planned land use (for example Boverket ÖP-modell 2.1, "Mark- och
vattenanvändning") is intersected with the interest layers; the conflict matrix's
``[op_categories]`` maps each use category to themes, which gives the weight.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from landuse._io import write_csv, write_gpkg
from landuse._readers import parse_crs, read_vector
from landuse._validity import valid_mask
from landuse.conflict_inputs import prepare_layers
from landuse.conflict_matrix import ConflictMatrix, read_conflict_matrix
from landuse.errors import (
    ColumnNotFoundError,
    ConfigError,
    CRSMismatchError,
    DuplicateIdError,
    EmptyLayerError,
    GeometryRepairWarning,
    PartialLossWarning,
    GeometryTypeError,
)
from landuse.layers import feature_ids, share_in_county
from landuse.work_crs import to_work_crs
from landuse.outputs import OP_COLUMNS, OP_FILES, OP_LAYER, OP_MAP_PREFIX, OP_REPORT_FILES
from landuse.settings import WORK_CRS, Settings, resolve

__all__ = ["OP_COLUMNS", "OP_FILES", "OP_REPORT_FILES", "OP_MAP_PREFIX", "load_plan", "op_check",
           "write_op_check"]



def load_plan(
    path: str | Path,
    *,
    use_column: str,
    id_column: str | None = None,
    layer: str | None = None,
    source_crs: str | int | CRS | None = None,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Read the planned areas of an översiktsplan.

    Parameters
    ----------
    path : str or Path
        GeoPackage, Shapefile, GeoJSON or GeoParquet with polygons.
    use_column : str
        Column with the use category (e.g. "Sammanhängande bostadsbebyggelse").
    id_column : str, optional
        Column with unique ids of the planned areas; default the row number (1, 2, ...).
    layer : str, optional
        Layer inside a GeoPackage (ÖP-modell files hold several).
    source_crs : str, int or CRS, optional
        CRS to assume when the file declares none.
    settings : Settings, optional
        ``sweden_bounds_m`` (the plausibility check of the coordinates) and the county polygon of the embedded
        ``lan`` layer.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006; columns ``plan_id`` (str), ``use`` (str), ``plan_area_m2`` (float),
        ``geometry`` (valid polygons).

    Raises
    ------
    InputFileNotFoundError, UnreadableFileError, LayerNotFoundError
        From reading the file.
    MissingCRSError, CRSMismatchError
        If the file has no CRS (and none is given) or lies outside Sweden.
    ColumnNotFoundError
        If ``use_column`` or ``id_column`` is missing.
    DuplicateIdError, EmptyLayerError, GeometryTypeError
    """
    settings = resolve(settings)
    path = Path(path)
    frame = read_vector(path, layer=layer)
    display = f"`{path.name}`"
    if len(frame) == 0:
        raise EmptyLayerError(f"{display} has no planned areas. Check the file and --layer.")
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for option, column in (("--use-column", use_column), ("--id-column", id_column)):
        if column is not None and column not in columns:
            raise ColumnNotFoundError(
                f"{display} has no column {column!r} for {option}. Columns found: {', '.join(map(str, columns))}."
            )
    user_crs = parse_crs(source_crs) if source_crs is not None else None  # a bad --source-crs fails even if unused
    if (frame.geometry.isna() | frame.geometry.is_empty).all():
        raise EmptyLayerError(f"{display} has no usable geometry ({len(frame)} planned areas, all empty). "
                              "Check the file and --layer.")
    frame = to_work_crs(frame, user_crs, path.name, settings)  # the layer loader's CRS rules and messages
    ids = (feature_ids(frame[id_column], display=display, hint="--id-column") if id_column
           else pd.Series([str(i + 1) for i in range(len(frame))]))
    dupes = sorted(set(ids[ids.duplicated()]))
    if dupes:
        raise DuplicateIdError(
            f"{display}: --id-column {id_column!r} has {len(dupes)} duplicated ids (e.g. {', '.join(dupes[:5])}). "
            "Pass a unique column."
        )
    geoms = np.asarray(frame.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    wrong = ~missing & ~np.isin(shapely.get_type_id(geoms), (3, 6, 7))
    if wrong.any():
        raise GeometryTypeError(f"{display} holds {int(wrong.sum())} points or lines; planned areas must be polygons. "
                                "Choose the polygon layer with --layer.")
    invalid = ~missing & ~valid_mask(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        warnings.warn(f"{display}: repaired {int(invalid.sum())} invalid planned areas with make_valid.",
                      GeometryRepairWarning, stacklevel=2)
    for i in np.flatnonzero(~missing & (shapely.get_type_id(geoms) == 7)):
        parts = shapely.get_parts(geoms[i])
        parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        geoms[i] = shapely.union_all(parts) if len(parts) else None
    uses = frame[use_column].astype(object)
    out = gpd.GeoDataFrame(
        {"plan_id": pd.array(ids.to_numpy(), dtype=str),
         "use": pd.array([None if pd.isna(u) else str(u) for u in uses], dtype=str)},
        geometry=geoms, crs=WORK_CRS,
    )
    empty = (out.geometry.isna() | out.geometry.is_empty).to_numpy()
    out = out[~empty].reset_index(drop=True)
    if len(out) == 0:
        raise EmptyLayerError(f"{display} has no polygon with area. Check the file and --layer.")
    if empty.any():  # each planned area matters: never drop one unseen
        shown = ", ".join(ids[empty].tolist()[:5])
        warnings.warn(f"{display}: left out {int(empty.sum())} of {len(empty)} planned areas without polygon area "
                      f"(plan_id {shown}{', ...' if empty.sum() > 5 else ''}).", GeometryRepairWarning, stacklevel=2)
    out.insert(2, "plan_area_m2", shapely.area(np.asarray(out.geometry.values)))
    inside = share_in_county(out.geometry, settings)
    if inside <= 0:
        raise CRSMismatchError(
            f"{display}: none of the {len(out)} planned areas lies in Norrbotten (or within 10 km), so no interest "
            "could overlap them. If the plan is in Norrbotten its CRS is wrong (a local SWEREF 99 zone labelled "
            "EPSG:3006?): fix the CRS in the file, or for a file without one pass --source-crs."
        )
    if inside < 1:
        warnings.warn(
            f"{display}: {1 - inside:.0%} of the planned areas lie more than 10 km outside Norrbotten, where the "
            "embedded interest layers end, so only your own --interest files can overlap them there. If the plan "
            "is in Norrbotten its CRS is wrong (a local SWEREF 99 zone labelled EPSG:3006?): fix it in the file, "
            "or for a file without a CRS pass --source-crs.",
            PartialLossWarning, stacklevel=2,
        )
    return out


def _map_uses(uses: pd.Series, matrix: ConflictMatrix, display: str) -> dict[str, tuple[str, ...]]:
    """Themes of every use category present; all unmapped or empty uses are reported at once."""
    empty = uses.isna() | (uses.astype(str).str.strip() == "")
    if empty.any():
        raise ConfigError(
            f"{int(empty.sum())} planned areas in {display} have no use category. Fill the use column, "
            "or drop those areas."
        )
    unknown = []
    mapped: dict[str, tuple[str, ...]] = {}
    for use in sorted(set(uses)):
        try:
            mapped[use] = matrix.op_themes(use)
        except ConfigError:
            unknown.append(use)
    if unknown:
        raise ConfigError(
            f"ÖP use categories {', '.join(map(repr, unknown))} in {display} are not mapped in {matrix.display}. "
            f"Mapped categories: {', '.join(matrix.op_categories) or 'none'}. Add them to [op_categories] "
            "or fix the plan's use column."
        )
    return mapped


def op_check(
    plan: gpd.GeoDataFrame,
    interests: gpd.GeoDataFrame,
    matrix: ConflictMatrix | None = None,
    *,
    settings: Settings | None = None,
    display: str = "the plan",
) -> gpd.GeoDataFrame:
    """Every overlap of a planned area with an interest feature, with its weight.

    Parameters
    ----------
    plan : geopandas.GeoDataFrame
        Planned areas from :func:`load_plan` (``plan_id``, ``use``, ``plan_area_m2``).
    interests : geopandas.GeoDataFrame
        Interest features from :func:`landuse.conflicts.load_interest_layers`.
    matrix : ConflictMatrix, optional
        Weights and ``[op_categories]``; default :func:`read_conflict_matrix`.
    settings : Settings, optional
        ``analyses_dir``: where the default conflict matrix lies.
    display : str
        How to name the plan in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006; :data:`OP_COLUMNS` — ``plan_id``, ``use``, ``theme``, ``layer``,
        ``feature_id``, ``feature_name``, ``overlap_m2`` (> 0), ``share_of_plan_area``
        (0..1), ``weight`` (0..3), ``schematic`` — and the overlap ``geometry``;
        sorted by plan, then weight (highest first), then overlap.

    Raises
    ------
    ConfigError
        If a use category is not mapped in the matrix (the message lists the
        mapped ones), or a planned area has no use.

    Notes
    -----
    The weight of a planned use against a feature is the largest matrix weight
    between any theme the use maps to and the feature's theme; a use mapped to the
    feature's own theme, or to no theme (``Vatten``), weighs 0 against it.
    Overlaps of several features of one theme are listed feature by feature.

    Examples
    --------
    >>> from landuse.conflicts import load_interest_layers
    >>> interests = load_interest_layers(["mineral", "rennaring"])
    >>> site = interests[interests["theme"] == "mineral"].geometry.iloc[0].representative_point().buffer(2000)
    >>> plan = gpd.GeoDataFrame({"plan_id": ["P1"], "use": ["Verksamheter och industri"],
    ...                          "plan_area_m2": [site.area]}, geometry=[site], crs="EPSG:3006")
    >>> result = op_check(plan, interests)
    >>> result[["theme", "weight"]].drop_duplicates().values.tolist()
    [['mineral', 3], ['rennaring', 2]]
    """
    settings = resolve(settings)
    matrix = matrix if matrix is not None else read_conflict_matrix(settings=settings)
    features = prepare_layers(interests, matrix, min_themes=1)
    mapped = _map_uses(plan["use"], matrix, display)
    # weight of each (use, theme) combination: max over the themes the use stands for
    table = {(use, theme): max((matrix.weight(t, theme) for t in use_themes), default=0)
             for use, use_themes in mapped.items() for theme in matrix.themes}
    plan_geoms = np.asarray(plan.geometry.values, dtype=object)
    feat_geoms = np.asarray(features.geometry.values, dtype=object)
    pi, fj = shapely.STRtree(feat_geoms).query(plan_geoms, predicate="intersects")
    overlap = shapely.intersection(plan_geoms[pi], feat_geoms[fj])
    area = shapely.area(overlap)
    keep = area > 0  # edges that only touch are no overlap
    pi, fj, overlap, area = pi[keep], fj[keep], overlap[keep], area[keep]
    themes = features["theme"].to_numpy(dtype=object)[fj]
    uses = plan["use"].iloc[pi].reset_index(drop=True)
    weight = np.array([table[(u, t)] for u, t in zip(uses, themes)], dtype=np.int64)
    plan_area = plan["plan_area_m2"].to_numpy(dtype=float)[pi]
    out = pd.DataFrame({
        "plan_id": pd.array(plan["plan_id"].to_numpy(dtype=object)[pi], dtype=str),
        "use": pd.array(uses.to_numpy(dtype=object), dtype=str),
        "theme": pd.array(themes, dtype=str),
        "layer": pd.array(features["layer"].to_numpy(dtype=object)[fj], dtype=str),
        "feature_id": pd.array(features["feature_id"].astype(str).to_numpy(dtype=object)[fj], dtype=str),
        "feature_name": pd.array(features["name"].fillna("").astype(str).to_numpy(dtype=object)[fj], dtype=str),
        "overlap_m2": area,
        "share_of_plan_area": area / plan_area,
        "weight": weight.astype(np.int64),
        "schematic": features["schematic"].to_numpy(dtype=bool)[fj],
    })
    result = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(overlap, crs=WORK_CRS), crs=WORK_CRS)
    order = np.lexsort((-result["overlap_m2"].to_numpy(), -result["weight"].to_numpy(), pi))
    result = result.iloc[order].reset_index(drop=True)
    # the themes checked against schematic layers: "no overlap" with them is illustrative too
    result.attrs["schematic_themes"] = tuple(sorted(set(features.loc[features["schematic"], "theme"].astype(str))))
    return result


def write_op_check(result: gpd.GeoDataFrame, out_dir: str | Path) -> list[Path]:
    """Write ``op_check.csv`` (:data:`OP_COLUMNS`) and ``op_check.gpkg`` (layer ``op_check``), atomically.

    Parameters
    ----------
    result : geopandas.GeoDataFrame
        From :func:`op_check`: :data:`OP_COLUMNS` and the overlap geometry, EPSG:3006.
    out_dir : str or Path
        The output folder, created when missing.

    Returns
    -------
    list of Path
        The CSV (:data:`OP_COLUMNS`, ``overlap_m2`` in m²) and the GeoPackage (layer
        :data:`~landuse.outputs.OP_LAYER`: the same columns and the overlaps, EPSG:3006).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    themes = result.attrs.get("schematic_themes", ())
    description = ("Overlaps of the planned areas with interest features"
                   + (f"; themes {', '.join(themes)} were checked against SCHEMATIC demo layers, so their figures, "
                      "and the absence of overlaps with them, are illustrative only (schematisk)" if themes else ""))
    return [write_csv(pd.DataFrame(result[OP_COLUMNS]), out_dir / OP_FILES["csv"]),
            write_gpkg({OP_LAYER: result[OP_COLUMNS + ["geometry"]]}, out_dir / OP_FILES["gpkg"],
                       descriptions={OP_LAYER: description})]
