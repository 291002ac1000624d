"""Format plumbing: read a vector file of any supported format into a GeoDataFrame.

GeoPackage (any layer), Shapefile (plain or zipped, with or without ``.prj``/``.cpg``),
GeoJSON and GeoParquet; a GTFS feed's ``stops.txt`` through :mod:`landuse.gtfs`, the one
GTFS reader.  Every third-party failure is wrapped in a landuse error that names the file
and what to do.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError

from landuse.errors import (
    InputFileNotFoundError,
    LayerNotFoundError,
    MissingCRSError,
    NotSpatialError,
    UnreadableFileError,
)
from landuse.gtfs import read_stops

__all__ = ["read_vector", "read_gtfs_stops", "parse_crs"]

# UTF-8 bytes decoded as latin-1 (Ã¥ Ã¤ Ã¶ Ã…): a dbf in UTF-8 without a .cpg
_UTF8_AS_LATIN1 = re.compile("[\u00c3\u00c2][\u0080-\u00bf]")
# C1 control characters: cp1252 punctuation (– ” €) decoded as ISO-8859-1
_C1_CONTROLS = re.compile("[\u0080-\u009f]")


def parse_crs(value: str | int | CRS, *, what: str = "--source-crs") -> CRS:
    """Parse ``EPSG:3006``, ``3006`` or a WKT/PROJ string into a :class:`pyproj.CRS`."""
    if isinstance(value, CRS):
        return value
    text = str(value).strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        return CRS.from_user_input(text)
    except CRSError as err:
        raise MissingCRSError(
            f"{what} {value!r} is not a CRS pyproj knows. Use an EPSG code such as EPSG:3006 (SWEREF 99 TM)."
        ) from err


def _string_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c != "geometry" and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))]


def _needs_recode(frame: pd.DataFrame) -> str | None:
    """Return the encoding to re-read a Shapefile with, when its text looks mis-decoded."""
    for column in _string_columns(frame):
        values = frame[column].dropna().astype(str)
        if values.str.contains(_UTF8_AS_LATIN1).any():
            return "utf-8"
        if values.str.contains(_C1_CONTROLS).any():
            return "cp1252"
    return None


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError) as err:
        raise UnreadableFileError(
            f"`{path.name}` is not a readable zip archive ({err}). Download it again or unzip it and pass the .shp."
        ) from err
    if bad is not None:
        raise UnreadableFileError(f"`{path.name}` is corrupt: member {bad!r} fails its checksum. Download it again.")


def _choose_layer(path: Path, layer: str | None, preferred: str | None) -> str | None:
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as err:  # noqa: BLE001 - GDAL raises several types for a bad file
        raise UnreadableFileError(
            f"`{path.name}` cannot be read as a vector file ({err}). Check that it is a GeoPackage, "
            "Shapefile, GeoJSON or GeoParquet and not truncated."
        ) from err
    # QGIS keeps the styles of a GeoPackage in the table layer_styles: never a layer to read
    layers = [name for name in layers if name != "layer_styles"]
    if layer is not None:
        if layer not in layers:
            raise LayerNotFoundError(
                f"`{path.name}` has no layer {layer!r}. Layers found: {', '.join(layers)}. Pass one with --layer."
            )
        return layer
    if len(layers) <= 1:
        return layers[0] if layers else None
    if preferred in layers:
        return preferred
    raise LayerNotFoundError(
        f"`{path.name}` holds {len(layers)} layers ({', '.join(layers)}); choose one with --layer, or, where the "
        "command has no --layer for this file (THEME=PATH, --network), export the layer you want to a file of its own "
        "(or name it like the theme)."
    )


def _read_ogr(path: Path | str, layer: str | None, encoding: str | None, display: str) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL chatter on odd files
            return gpd.read_file(path, layer=layer, engine="pyogrio", encoding=encoding)
    except Exception as err:  # noqa: BLE001
        raise UnreadableFileError(
            f"`{display}` cannot be read ({err}). Check the file is complete and in a supported format."
        ) from err


def read_vector(path: str | Path, *, layer: str | None = None, preferred_layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file as it is (no reprojection, no repair).

    Parameters
    ----------
    path : str or Path
        ``.gpkg``, ``.shp``, ``.zip`` (a zipped Shapefile), ``.geojson``/``.json``,
        ``.parquet``/``.geoparquet``, or anything else GDAL reads.
    layer : str, optional
        Layer inside a multi-layer file.
    preferred_layer : str, optional
        Layer to take from a multi-layer file when ``layer`` is not given.

    Returns
    -------
    geopandas.GeoDataFrame
        In the file's own CRS (``crs`` is None when the file declares none).

    Raises
    ------
    InputFileNotFoundError, UnreadableFileError, LayerNotFoundError
    """
    path = Path(path)
    if not path.exists():
        raise InputFileNotFoundError(
            f"`{path}` does not exist. Check the path (the embedded layers, by name: `landuse layers list`)."
        )
    if path.is_dir():
        raise UnreadableFileError(f"`{path}` is a folder. Pass the .gpkg, .shp, .zip, .geojson or .parquet file inside it.")
    suffix = path.suffix.lower()
    if suffix in {".parquet", ".geoparquet"}:
        try:
            return gpd.read_parquet(path)
        except Exception as err:  # noqa: BLE001
            raise UnreadableFileError(
                f"`{path.name}` cannot be read as GeoParquet ({err}). Write it with GeoPandas `to_parquet` "
                "or GDAL's Parquet driver so it carries geo metadata."
            ) from err
    if suffix == ".zip":
        _check_zip(path)
    chosen = _choose_layer(path, layer, preferred_layer)
    frame = _read_ogr(path, chosen, None, path.name)
    _require_geometry(frame, path, chosen)
    is_shapefile = suffix == ".shp" or (suffix == ".zip")
    if is_shapefile and not path.with_suffix(".cpg").exists():
        recode = _needs_recode(frame)
        if recode is not None:
            frame = _read_ogr(path, chosen, recode, path.name)
    return frame


def _require_geometry(frame: pd.DataFrame, path: Path, layer: str | None) -> None:
    """Refuse a plain table (CSV, XLSX, a GeoPackage attribute table): GDAL reads it without geometry."""
    if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns:
        return
    what = f"layer {layer!r} of `{path.name}`" if layer and path.suffix.lower() == ".gpkg" else f"`{path.name}`"
    columns = ", ".join(map(str, list(frame.columns)[:8])) or "none"
    raise NotSpatialError(
        f"{what} is a table without geometry (columns: {columns}), not a map layer. Export it as a GeoPackage, "
        "Shapefile or GeoJSON with geometry (in QGIS: add it as a layer with its coordinate columns, then "
        "Export > Save Features As)."
    )


def read_gtfs_stops(path: str | Path) -> gpd.GeoDataFrame:
    """Read ``stops.txt`` of a GTFS feed (zip, also with a top folder, or folder) as WGS84 points.

    The GTFS reader parses it (:func:`landuse.gtfs.read_stops`: every column, ids as
    strings); stops without a position (location types 3 and 4 may lack one) are left out.

    Raises
    ------
    InputFileNotFoundError, GTFSError
    """
    stops = read_stops(path, option=None)
    stops = stops[stops["stop_lat"].notna() & stops["stop_lon"].notna()].reset_index(drop=True)
    return gpd.GeoDataFrame(
        stops, geometry=gpd.points_from_xy(stops["stop_lon"], stops["stop_lat"]), crs="EPSG:4326"
    )
