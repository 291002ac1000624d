"""Layer catalogue and loaders: any official Swedish download in, one clean frame out.

Each layer is described by a declarative spec in ``layers/*.toml``.  :func:`load_layer`
reads a catalogue layer or a user's file, reprojects it to SWEREF 99 TM (EPSG:3006),
repairs geometry, buffers line and point objects where the spec says how wide they
are, and returns the standard columns ``layer, theme, feature_id, name, schematic``.
"""

from __future__ import annotations

import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from landuse._readers import parse_crs, read_gtfs_stops, read_vector
from landuse._validity import valid_mask
from landuse.work_crs import to_work_crs
from landuse.errors import (
    BufferedGeometryWarning,
    ColumnFallbackWarning,
    ColumnNotFoundError,
    DuplicateIdError,
    EmptyLayerError,
    GeometryRepairWarning,
    GeometryTypeError,
    InvalidSettingError,
    InvalidValueError,
    LanduseWarning,
    LayerNotFoundError,
)
from landuse.catalogue import LayerSpec, catalogue, get_spec, layers_for_theme, list_layers
from landuse.settings import WORK_CRS, Settings, resolve
from landuse.themes import AREA_THEMES, Theme, parse_theme

__all__ = [
    "LayerSpec",
    "feature_ids",
    "share_in_county",
    "STANDARD_COLUMNS",
    "catalogue",
    "get_spec",
    "list_layers",
    "load_layer",
    "layers_for_theme",
    "LayerReport",
    "check_layer",
    "load_kommuner",
]

STANDARD_COLUMNS = ["layer", "theme", "feature_id", "name", "schematic"]

#: Column names that carry ids or names in Swedish authorities' downloads, tried in order.
GENERIC_ID_COLUMNS = ["id", "ID", "Id", "objekt_id", "OBJEKT_ID", "OBJECTID", "objectid", "fid_1", "RI_ID", "ri_id",
                      "code", "kod", "KOD", "Ruta", "rut_id", "rutid"]
GENERIC_NAME_COLUMNS = ["name", "namn", "NAMN", "Namn", "NAME", "Name", "OMRADESNAMN", "omradesnamn", "benamning", "BENAMNING"]

def _spec_for_user_file(theme: Theme, settings: Settings) -> LayerSpec:
    """A spec for a user's file of ``theme``: the catalogue's candidates and widths, no CRS default."""
    related = layers_for_theme(theme, settings)
    id_columns: list[str] = []
    name_columns: list[str] = []
    for candidates_of_spec in [spec.id_columns for spec in related] + [GENERIC_ID_COLUMNS]:
        id_columns += [c for c in candidates_of_spec if c not in id_columns]
    for candidates_of_spec in [spec.name_columns for spec in related] + [GENERIC_NAME_COLUMNS]:
        name_columns += [c for c in candidates_of_spec if c not in name_columns]
    # the riksintresse spec of the theme (it has a legal basis) names a user's file, not a
    # reference layer of the same theme such as Lantmäteriet's military areas
    base = next((spec for spec in related if spec.legal_basis), related[0] if related else None)
    return LayerSpec(
        name=theme.value,
        title=base.title if base else theme.value,
        theme=theme,
        legal_basis=base.legal_basis if base else "",
        authority=base.authority if base else "",
        geometry="polygon" if theme in AREA_THEMES else "point",
        id_columns=tuple(id_columns),
        name_columns=tuple(name_columns),
        buffer_m=0.0,
    )


def _buffer_width(theme: Theme, kind: str, spec: LayerSpec, settings: Settings) -> float:
    """Half-width for ``kind`` ("line"/"point") objects: the spec's, else the theme's line/point spec."""
    if spec.geometry == kind and spec.buffer_m > 0:
        return spec.buffer_m
    for other in layers_for_theme(theme, settings):
        if other.geometry == kind and other.buffer_m > 0:
            return other.buffer_m
    return 0.0


def _display(path: Path) -> str:
    return path.name


def _find_column(frame: pd.DataFrame, explicit: str | None, candidates: tuple[str, ...] | list[str],
                 what: str, option: str, display: str) -> str | None:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if explicit is not None:
        if explicit not in columns:
            raise ColumnNotFoundError(
                f"`{display}` has no column {explicit!r} for {option}. Columns found: {', '.join(map(str, columns))}."
            )
        return explicit
    lower = {str(c).lower(): c for c in columns}
    for candidate in candidates:
        if candidate in columns:
            return candidate
        if candidate.lower() in lower:
            return lower[candidate.lower()]
    return None


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (None when nothing polygonal is left)."""
    out = np.empty(len(geoms), dtype=object)
    types = shapely.get_type_id(geoms)
    simple = (types == 3) | (types == 6)  # Polygon, MultiPolygon
    out[simple] = geoms[simple]
    for i in np.flatnonzero(~simple):
        parts = shapely.get_parts(geoms[i])
        parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        out[i] = shapely.union_all(parts) if len(parts) else None
    return out


def _clean_area_geometry(frame: gpd.GeoDataFrame, theme: Theme, spec: LayerSpec, display: str,
                         settings: Settings) -> gpd.GeoDataFrame:
    geoms = frame.geometry.values.to_numpy() if hasattr(frame.geometry.values, "to_numpy") else np.asarray(frame.geometry.values)
    types = shapely.get_type_id(geoms)
    kinds = {1: "line", 2: "line", 5: "line", 0: "point", 4: "point"}  # LineString, LinearRing, MultiLineString, Point, MultiPoint
    for kind in ("line", "point"):
        mask = np.isin(types, [t for t, k in kinds.items() if k == kind])
        if not mask.any():
            continue
        width = _buffer_width(theme, kind, spec, settings)
        if width <= 0:
            raise GeometryTypeError(
                f"`{display}` holds {int(mask.sum())} {kind} features but theme {theme.value} needs polygons and no "
                f"buffer width is declared for {kind}s. Convert them to polygons, or load them as a layer whose spec "
                "sets buffer_m."
            )
        geoms[mask] = shapely.buffer(geoms[mask], width, quad_segs=8)
        warnings.warn(
            f"`{display}`: {int(mask.sum())} {kind} features buffered to polygons by {width:g} m (spec {spec.name}).",
            BufferedGeometryWarning,
            stacklevel=4,
        )
    other = ~np.isin(shapely.get_type_id(geoms), (0, 1, 2, 3, 4, 5, 6, 7))
    if other.any():
        raise GeometryTypeError(f"`{display}` holds geometry types landuse cannot use. Export plain polygons.")
    invalid = ~valid_mask(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        warnings.warn(
            f"`{display}`: repaired {int(invalid.sum())} invalid geometries with make_valid (kept the polygonal part).",
            GeometryRepairWarning,
            stacklevel=4,
        )
    geoms = _polygonal(geoms)
    frame = frame.copy()
    frame[frame.geometry.name] = gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs)
    return frame


def _drop_empty(frame: gpd.GeoDataFrame, display: str) -> gpd.GeoDataFrame:
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.all():
        raise EmptyLayerError(
            f"`{display}` has no usable geometry ({len(frame)} features, all empty or without a polygonal part). "
            "Check the layer you chose and its geometry type."
        )
    if empty.any():
        warnings.warn(
            f"`{display}`: dropped {int(empty.sum())} of {len(frame)} features with empty geometry.",
            GeometryRepairWarning,
            stacklevel=4,
        )
        frame = frame[~empty]
    return frame


def load_layer(
    name_or_path: str | Path,
    *,
    theme: str | Theme | None = None,
    layer: str | None = None,
    source_crs: str | int | CRS | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Load a catalogue layer or a user's file in EPSG:3006 with the standard columns.

    Parameters
    ----------
    name_or_path : str or Path
        A catalogue name (``landuse layers list``) or a path to a GeoPackage,
        Shapefile (plain or zipped), GeoJSON or GeoParquet file.
    theme : str or Theme, optional
        Theme of a user's file (required for paths); for catalogue layers it must
        match the spec when given.
    layer : str, optional
        Layer inside a multi-layer file (GeoPackage).
    source_crs : str, int or CRS, optional
        CRS to assume when the file declares none (e.g. a Shapefile without ``.prj``).
    id_column, name_column : str, optional
        Override the spec's candidate id and name columns.
    settings : Settings, optional
        ``catalogue_dir`` (the layer specs) and ``data_dir`` (the embedded files).

    Returns
    -------
    geopandas.GeoDataFrame
        CRS EPSG:3006; columns ``layer`` (str), ``theme`` (str), ``feature_id``
        (str, unique), ``name`` (str), ``schematic`` (bool), then the source's other
        columns after the spec's renames, then ``geometry``: valid, non-empty, and
        polygonal for area themes.

    Raises
    ------
    InputFileNotFoundError, UnreadableFileError, LayerNotFoundError, MissingCRSError,
    CRSMismatchError, UnknownThemeError, EmptyLayerError, GeometryTypeError,
    ColumnNotFoundError, DuplicateIdError

    Warns
    -----
    BufferedGeometryWarning, GeometryRepairWarning, ColumnFallbackWarning

    Examples
    --------
    >>> kommuner = load_layer("kommuner")
    >>> len(kommuner), kommuner.crs.to_epsg()
    (14, 3006)
    """
    settings = resolve(settings)
    specs = catalogue(settings)
    key = str(name_or_path)
    user_crs = parse_crs(source_crs) if source_crs is not None else None
    user_file = False
    if key in specs and not Path(key).suffix:
        spec = specs[key]
        if theme is not None and parse_theme(theme) is not spec.theme:
            raise LayerNotFoundError(
                f"Catalogue layer {spec.name!r} has theme {spec.theme.value}, not {parse_theme(theme).value}."
            )
        if spec.source is None:
            raise LayerNotFoundError(
                f"Catalogue layer {spec.name!r} ships no data. Download it from {spec.download} and pass the file "
                f"with --theme {spec.theme.value}."
            )
        path = settings.data_dir / spec.source
        crs_default = user_crs or (parse_crs(spec.source_crs, what=f"source_crs of spec {spec.name}") if spec.source_crs else None)
        layer_name = spec.name
        schematic = spec.schematic
        display = f"{spec.name} ({spec.source})"
    else:
        path = Path(name_or_path)
        if theme is None:
            if not path.suffix:
                get_spec(key, settings)  # raises LayerNotFoundError naming the known layers
            raise LayerNotFoundError(
                f"`{path.name}` is a file, so landuse needs its theme: pass --theme (one of "
                f"{', '.join(t.value for t in Theme)})."
            )
        spec = _spec_for_user_file(parse_theme(theme), settings)
        user_file = True
        crs_default = user_crs
        layer_name = path.stem
        schematic = False
        display = _display(path)
    if spec.format == "gtfs_stops":
        frame = read_gtfs_stops(path)
    else:
        # a user's multi-layer file: its layer named like the theme, when it has one
        preferred = spec.source_layer if not user_file else parse_theme(theme).value
        frame = read_vector(path, layer=layer or None, preferred_layer=preferred)
    if len(frame) == 0:
        raise EmptyLayerError(f"`{display}` has no features. Check that you chose the right file and layer.")
    frame = frame.rename_geometry("geometry") if frame.geometry.name != "geometry" else frame
    frame = _drop_empty(frame, display)
    frame = to_work_crs(frame, crs_default, display, settings)
    if spec.theme in AREA_THEMES:
        frame = _clean_area_geometry(frame, spec.theme, spec, display, settings)
        frame = _drop_empty(frame, display)
    elif (shapely.get_type_id(frame.geometry.values) == 1).any() or (shapely.get_type_id(frame.geometry.values) == 5).any():
        raise GeometryTypeError(f"`{display}` holds lines but theme {spec.theme.value} needs points or polygons.")
    return _standardise(frame, spec, layer_name, schematic, display, id_column, name_column)


def _standardise(frame: gpd.GeoDataFrame, spec: LayerSpec, layer_name: str, schematic: bool, display: str,
                 id_column: str | None, name_column: str | None) -> gpd.GeoDataFrame:
    id_col = _find_column(frame, id_column, spec.id_columns or GENERIC_ID_COLUMNS, "id", "--id-column", display)
    name_col = _find_column(frame, name_column, spec.name_columns or GENERIC_NAME_COLUMNS, "name", "--name-column", display)
    n = len(frame)
    if id_col is None:
        warnings.warn(
            f"`{display}`: no id column found (tried {', '.join(spec.id_columns or GENERIC_ID_COLUMNS)}); "
            "generated ids. To use one of the file's columns: --id-column in `landuse layers check`, id_column= in Python.",
            ColumnFallbackWarning,
            stacklevel=3,
        )
        ids = pd.Series([f"{layer_name}-{i + 1}" for i in range(n)], index=frame.index)
    else:
        ids = feature_ids(frame[id_col], display=f"`{display}`")
        duplicated = ids[ids.duplicated(keep=False)]
        if len(duplicated):
            sample = ", ".join(sorted(set(duplicated))[:5])
            raise DuplicateIdError(
                f"`{display}`: column {id_col!r} has {duplicated.nunique()} duplicated ids (e.g. {sample}). "
                "Fix the file, or pick a unique id column (--id-column in `landuse layers check`, id_column= in Python)."
            )
    if name_col is None:
        warnings.warn(
            f"`{display}`: no name column found (tried {', '.join(spec.name_columns or GENERIC_NAME_COLUMNS)}); "
            "names are empty. To use one of the file's columns: --name-column in `landuse layers check`, name_column= in Python.",
            ColumnFallbackWarning,
            stacklevel=3,
        )
        names = pd.Series([""] * n, index=frame.index)
    else:
        names = frame[name_col].fillna("").astype(str)
    # the chosen id/name columns that already carry a standard name need no copy
    redundant = {"geometry"} | ({name_col} if name_col == "name" else set()) | ({id_col} if id_col == "feature_id" else set())
    extra = frame.drop(columns=[c for c in frame.columns if c in redundant])
    extra = extra.rename(columns=spec.renames)
    extra = extra.rename(columns={c: f"{c}_source" for c in extra.columns if c in STANDARD_COLUMNS})
    out = pd.DataFrame(
        {
            "layer": layer_name,
            "theme": spec.theme.value,
            "feature_id": ids.to_numpy(),
            "name": names.to_numpy(),
            "schematic": bool(schematic),
        },
        index=frame.index,
    )
    out = pd.concat([out, extra], axis=1)
    result = gpd.GeoDataFrame(out, geometry=frame.geometry.values, crs=WORK_CRS).reset_index(drop=True)
    return result


def feature_ids(column: pd.Series, *, display: str,
                hint: str = "--id-column in `landuse layers check`, id_column= in Python") -> pd.Series:
    """Ids of a file's features as text; an empty (NULL) id is an error naming the rows.

    Whole-number floats (an integer column read with NULLs) lose their trailing ``.0``.

    Parameters
    ----------
    column : pandas.Series
        The id column as read from the file.
    display : str
        How to name the file in the message (e.g. ```` `plan.gpkg` ````).
    hint : str
        How the user picks another id column, ending the message.

    Returns
    -------
    pandas.Series of str
        The ids, aligned to ``column``.

    Raises
    ------
    InvalidValueError
        If any id is NULL or blank.
    """
    missing = column.isna() | (column.astype("string").str.strip() == "")
    if missing.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(missing.to_numpy())[:5])
        raise InvalidValueError(
            f"{display}: id column {column.name!r} is empty (NULL) in {int(missing.sum())} of {len(column)} features "
            f"(feature {rows}{', ...' if missing.sum() > 5 else ''}). Fill in the ids, or pick a column with an id "
            f"for every feature ({hint})."
        )
    if pd.api.types.is_float_dtype(column) and np.all(np.mod(column.to_numpy(dtype=float), 1) == 0):
        column = column.astype("int64")
    return column.astype(str)


#: Features within this distance (metres) of the embedded län polygon count as in the county: SCB's generalised
#: boundaries leave out the archipelago (Luleå skärgård, Seskarö), as the origins' 10 km rule does.
COUNTY_TOLERANCE_M = 10_000.0


def share_in_county(geoms: gpd.GeoSeries, settings: Settings | None = None) -> float:
    """Share (0-1) of the features within :data:`COUNTY_TOLERANCE_M` of Norrbotten (EPSG:3006).

    A layer in the right CRS but the wrong place (another county, or local SWEREF 99
    zone coordinates labelled EPSG:3006) scores 0.

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        The features, in any projected CRS with one set (reprojected to EPSG:3006).
    settings : Settings, optional
        ``data_dir`` and ``catalogue_dir`` of the embedded ``lan`` layer.

    Returns
    -------
    float
        The share of features within 10 km of the county; 0 for no features.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeometryRepairWarning)
        county = shapely.union_all(load_layer("lan", settings=settings).geometry.values)
    geoms = geoms.to_crs(WORK_CRS) if geoms.crs is not None and not geoms.crs.equals(WORK_CRS) else geoms
    values = np.asarray(geoms.values, dtype=object)
    if len(values) == 0:
        return 0.0
    return float(np.mean(shapely.dwithin(values, county, COUNTY_TOLERANCE_M)))


@dataclass
class LayerReport:
    """What :func:`check_layer` found in a user's file."""

    path: str
    theme: str
    feature_count: int
    crs_found: str | None
    crs_used: str
    area_km2: float | None
    repairs: list[str]
    share_in_county: float = 1.0

    def lines(self) -> list[str]:
        """The console lines of the check: :func:`landuse.summaries.layer_report_lines`.

        Returns
        -------
        list of str
        """
        from landuse.summaries import layer_report_lines

        return layer_report_lines(self)


def check_layer(
    path: str | Path,
    *,
    theme: str | Theme,
    layer: str | None = None,
    source_crs: str | int | CRS | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
    settings: Settings | None = None,
) -> LayerReport:
    """Validate a user's file as :func:`load_layer` would and report what was found.

    Parameters
    ----------
    path : str or Path
        A GeoPackage, Shapefile (plain or zipped), GeoJSON or GeoParquet file.
    theme : str or Theme
        The interest theme the file holds (any case).
    layer : str, optional
        Layer inside a multi-layer file (GeoPackage).
    source_crs : str, int or CRS, optional
        CRS to assume when the file declares none.
    id_column, name_column : str, optional
        The columns holding each feature's id and name, instead of the guessed ones.
    settings : Settings, optional
        ``catalogue_dir`` and ``data_dir``: the county polygon the features are checked against.

    Returns
    -------
    LayerReport
        Feature count, declared CRS, union area in km² (area themes), repairs made.

    Raises
    ------
    The errors of :func:`load_layer`.
    """
    path = Path(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = load_layer(path, theme=theme, layer=layer, source_crs=source_crs, id_column=id_column,
                           name_column=name_column, settings=settings)
    raw_crs = None
    try:
        if path.suffix.lower() in {".parquet", ".geoparquet"}:
            raw_crs = gpd.read_parquet(path).crs
        else:
            raw_crs = CRS.from_user_input(pyogrio.read_info(path, layer=layer)["crs"]) if pyogrio.read_info(path, layer=layer)["crs"] else None
    except Exception:  # noqa: BLE001 - only for the report
        raw_crs = None
    parsed = parse_theme(theme)
    area = float(shapely.union_all(frame.geometry.values).area / 1e6) if parsed in AREA_THEMES else None
    repairs = [str(w.message) for w in caught if issubclass(w.category, (GeometryRepairWarning, BufferedGeometryWarning, ColumnFallbackWarning))]
    return LayerReport(
        path=str(path),
        theme=parsed.value,
        feature_count=len(frame),
        crs_found=raw_crs.to_string() if raw_crs is not None else None,
        crs_used=WORK_CRS,
        area_km2=area,
        repairs=repairs,
        share_in_county=share_in_county(frame.geometry, settings),
    )


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = " ".join(text.casefold().split())
    return text.removesuffix(" kommun")


def load_kommuner(select: list[str] | tuple[str, ...] | None = None, *,
                  settings: Settings | None = None) -> gpd.GeoDataFrame:
    """The embedded kommun boundaries (SCB), optionally only some of them.

    Parameters
    ----------
    select : list of str, optional
        Kommun names (``"Luleå"``, ``"lulea"``, ``"Luleå kommun"``) or codes (``"2580"``).
    settings : Settings, optional
        ``catalogue_dir`` and ``data_dir`` of the embedded ``kommuner`` layer.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006; columns ``kommun_code`` (str), ``kommun`` (str), ``geometry``;
        sorted by code.

    Raises
    ------
    InvalidSettingError
        If a name or code matches no kommun; the message lists them all.

    Examples
    --------
    >>> load_kommuner(["Kiruna", "2580"])["kommun"].tolist()
    ['Luleå', 'Kiruna']
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LanduseWarning)
        frame = load_layer("kommuner", settings=settings)
    frame = gpd.GeoDataFrame({"kommun_code": frame["kommun_code"].astype(str), "kommun": frame["name"].astype(str)},
                             geometry=frame.geometry.values, crs=WORK_CRS)
    frame = frame.sort_values("kommun_code", ignore_index=True)
    if not select:
        return frame
    wanted: list[int] = []
    unknown: list[str] = []
    folded = [_fold(n) for n in frame["kommun"]]
    for item in select:
        text = str(item).strip()
        hits = [i for i, (code, name) in enumerate(zip(frame["kommun_code"], folded)) if text == code or _fold(text) == name]
        if hits:
            wanted += [h for h in hits if h not in wanted]
        else:
            unknown.append(text)
    if unknown:
        known = ", ".join(f"{n} ({c})" for c, n in zip(frame["kommun_code"], frame["kommun"]))
        raise InvalidSettingError(f"--kommun {', '.join(map(repr, unknown))} matches no kommun. Kommuner: {known}.")
    return frame.iloc[sorted(wanted)].reset_index(drop=True)
