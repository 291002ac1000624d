"""The map's inputs: landuse outputs read from paths (or taken as frames) and checked.

:func:`inputs_from_dir` finds them in a ``landuse demo`` folder; :class:`MapInputs`
reads them lazily, checks their contract columns and CRS, and loads the GTFS feed.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import pandas as pd

from landuse.errors import (
    ColumnNotFoundError,
    ConfigError,
    InputFileNotFoundError,
    LanduseWarning,
    LayerNotFoundError,
    MissingCRSError,
    UnreadableFileError,
)
from landuse.gtfs import Feed, load_feed
from landuse.map_format import MODE_LABELS
from landuse.map_spec import DEMO_INPUTS
from landuse.settings import WORK_CRS, Settings

__all__ = ["MapInputs", "inputs_from_dir"]

#: Layers of an accessibility GeoPackage the map reads (``network``: the car engine's road edges).
_ACCESS_LAYERS = ("origins", "isochrones", "network")


def inputs_from_dir(folder: str | Path) -> dict[str, Path]:
    """The map inputs present in a ``landuse demo`` output folder, by input name.

    Returns
    -------
    dict
        Keys among :data:`DEMO_INPUTS` (``layers``, ``conflicts``, ``car`` ...) whose
        file exists in ``folder``; values are the paths.  Pass them to
        :func:`strukturbild_map` as keyword arguments.
    """
    folder = Path(folder)
    return {name: folder / file for name, file in DEMO_INPUTS.items() if (folder / file).is_file()}


def _check_exists(path: Path, what: str) -> Path:
    if not path.exists():
        raise InputFileNotFoundError(f"The {what} file `{path}` does not exist. Check the path, or run `landuse demo`.")
    return path


def _read_frame(path: Path, layer: str | None, what: str) -> gpd.GeoDataFrame:
    _check_exists(path, what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL notes on attribute-only layers
            return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as err:  # noqa: BLE001 - pyogrio raises several types
        raise UnreadableFileError(
            f"Layer {layer!r} of the {what} file `{path.name}` cannot be read ({err}). "
            "Check that it is a landuse output."
        ) from err


def _file_layers(path: Path) -> list[str]:
    import pyogrio

    try:
        return [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as err:  # noqa: BLE001
        raise UnreadableFileError(f"`{path.name}` cannot be opened as a GeoPackage ({err}).") from err


def _catalogue_layers_in_file(path: Path, settings: Settings) -> list[str]:
    """Layer names of a ``layers`` file, refusing a file that holds no catalogue layer.

    Catalogue layers the file lacks are drawn from the embedded catalogue; a file with
    none of them would silently give the embedded (schematic) map, so it is an error.
    """
    from landuse.layers import catalogue

    present = _file_layers(_check_exists(path, "layers"))
    expected = sorted(catalogue(settings))
    if not set(present) & set(expected):
        raise LayerNotFoundError(
            f"The layers file `{path.name}` holds none of the catalogue layers (found: "
            f"{', '.join(present) or 'no layers'}; expected one or more of: {', '.join(expected)}). "
            "Pass the layers.gpkg that `landuse demo` writes, or name your layers after the catalogue."
        )
    return present



def _work_crs(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise MissingCRSError(f"The {what} layer has no CRS. Write it in EPSG:3006 (landuse outputs are).")
    return frame if frame.crs.to_epsg() == 3006 else frame.to_crs(WORK_CRS)


def _table(value: str | Path | pd.DataFrame | None, what: str) -> pd.DataFrame | None:
    if value is None:
        return None
    if isinstance(value, pd.DataFrame):
        return value
    path = _check_exists(Path(value), what)
    try:
        return pd.read_csv(path, dtype={"kommun_code": str})
    except Exception as err:  # noqa: BLE001
        raise UnreadableFileError(f"The {what} table `{path.name}` cannot be read as CSV ({err}).") from err


_REQUIRED = {
    "faces": ("themes", "n_themes", "score", "area_km2"),
    "conflicts_table": ("kommun_code", "theme_a", "theme_b", "weight", "area_km2", "share_of_kommun"),
    "origins": ("origin_id", "kommun_code", "population", "travel_time_min"),
    "isochrones": ("minutes",),
    "network": ("speed_kph", "source"),
    "access_table": ("kommun_code", "minutes", "share_within"),
}


def _require(frame: pd.DataFrame, kind: str, what: str) -> pd.DataFrame:
    missing = [c for c in _REQUIRED[kind] if c not in frame.columns]
    if missing:
        found = ", ".join(str(c) for c in frame.columns if c != "geometry")
        raise ColumnNotFoundError(
            f"The {what} input has no column {', '.join(missing)} (columns found: {found}). "
            "Pass the file landuse wrote, or rename the columns."
        )
    return frame


class MapInputs:
    """The map's inputs, read lazily from paths or taken as frames."""

    def __init__(self, *, layers, conflicts, conflicts_table, car, car_table, transit, transit_table, gtfs,
                 settings: Settings) -> None:
        self.settings = settings
        self._layers_arg = layers
        self._layer_cache: dict[str, gpd.GeoDataFrame | None] = {}
        self._layers_in_file: list[str] | None = None
        if layers is not None and not isinstance(layers, Mapping):
            self._layers_in_file = _catalogue_layers_in_file(Path(layers), settings)
        self.faces = None
        self.conflicts_table = _table(conflicts_table, "målkonflikt")
        if conflicts is not None:
            if isinstance(conflicts, gpd.GeoDataFrame):
                self.faces = _work_crs(conflicts, "målkonflikt faces")
            else:
                path = Path(conflicts)
                self.faces = _work_crs(_read_frame(path, "faces", "målkonflikt"), "målkonflikt faces")
                if self.conflicts_table is None and "pairs_per_kommun" in _file_layers(path):
                    self.conflicts_table = pd.DataFrame(_read_frame(path, "pairs_per_kommun", "målkonflikt"))
            _require(self.faces, "faces", "målkonflikt faces")
        if self.conflicts_table is not None:
            table = _require(self.conflicts_table.drop(columns="geometry", errors="ignore"), "conflicts_table",
                             "målkonflikt table")
            self.conflicts_table = table.assign(kommun_code=table["kommun_code"].astype(str))
        self.access: dict[str, dict[str, gpd.GeoDataFrame]] = {}
        self.access_tables: dict[str, pd.DataFrame] = {}
        for mode, value, table in (("car", car, car_table), ("transit", transit, transit_table)):
            if value is not None:
                if isinstance(value, Mapping):
                    frames = {k: _work_crs(v, f"{mode} {k}") for k, v in value.items()}
                else:
                    path = Path(value)
                    present = _file_layers(_check_exists(path, f"{MODE_LABELS[mode]}-tillgänglighet"))
                    frames = {k: _work_crs(_read_frame(path, k, mode), f"{mode} {k}")
                              for k in _ACCESS_LAYERS if k in present and (k != "network" or mode == "car")}
                for key, frame in frames.items():
                    if key in _REQUIRED:
                        _require(frame, key, f"{mode} {key}")
                self.access[mode] = frames
            loaded = _table(table, f"{mode} accessibility")
            if loaded is not None:
                _require(loaded, "access_table", f"{mode} accessibility table")
                loaded = loaded.assign(kommun_code=loaded["kommun_code"].astype(str))
                if {"population", "population_within"} <= set(loaded.columns):
                    from landuse.access.indicator import share_bounds

                    loaded = share_bounds(loaded, settings)  # the bounds over the whole population
                self.access_tables[mode] = loaded
        self.gtfs = gtfs
        self._feed: Feed | None = None

    def available(self, name: str) -> bool:
        if name == "layers":
            return True  # the embedded catalogue stands in when no layers.gpkg is given
        if name == "conflicts":
            return self.faces is not None
        if name in ("car", "transit"):
            return name in self.access
        if name == "gtfs":
            return self.gtfs is not False
        raise ConfigError(f"Unknown map input {name!r}: use layers, conflicts, car, transit or gtfs.")

    def layer(self, name: str) -> gpd.GeoDataFrame | None:
        """Catalogue layer ``name`` from the layers input, else from the embedded catalogue."""
        if name in self._layer_cache:
            return self._layer_cache[name]
        from landuse.layers import catalogue, load_layer

        arg = self._layers_arg
        frame = None
        if isinstance(arg, Mapping):
            frame = arg.get(name)
        elif arg is not None:
            path = _check_exists(Path(arg), "layers")
            if self._layers_in_file is None:
                self._layers_in_file = _file_layers(path)
            if name in self._layers_in_file:
                frame = _read_frame(path, name, "layers")
        if frame is None and (arg is None or not isinstance(arg, Mapping)):
            spec = catalogue(self.settings).get(name)
            if spec is not None and spec.source is not None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", LanduseWarning)  # buffering is what the spec asks for
                    frame = load_layer(name, settings=self.settings)
        if frame is not None:
            frame = _work_crs(frame, name)
        self._layer_cache[name] = frame
        return frame

    def feed(self) -> Feed:
        """The GTFS feed of the stråk, loaded once by the one GTFS reader."""
        if self._feed is None:
            if isinstance(self.gtfs, Feed):
                self._feed = self.gtfs
            else:
                path = None if self.gtfs is None or self.gtfs is True else self.gtfs
                self._feed = load_feed(path, option="--gtfs", settings=self.settings)
        return self._feed
