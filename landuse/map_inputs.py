"""The map's inputs: landuse outputs read from paths (or taken as frames) and checked.

Files are read by the one output reader (:mod:`landuse.outputs`, which also finds them
in an output folder: :func:`landuse.outputs.read_outputs`); :class:`MapInputs` reads
them lazily, checks the contract columns the map draws from and the CRS, and loads the
GTFS feed.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import pandas as pd

from landuse.errors import ColumnNotFoundError, ConfigError, LanduseWarning, LayerNotFoundError, MissingCRSError
from landuse.formatting import MODE_LABELS
from landuse.gtfs import Feed, load_feed
from landuse.outputs import (
    ACCESS_LAYERS,
    CONFLICT_LAYERS,
    EDGE_COLUMNS,
    FACE_COLUMNS,
    INDICATOR_COLUMNS,
    ISOCHRONE_COLUMNS,
    LAYERS_FILE,
    ORIGIN_COLUMNS,
    PAIR_COLUMNS,
    list_layers,
    read_layer,
    read_table,
)
from landuse.settings import WORK_CRS, Settings

__all__ = ["MapInputs"]

#: Layers of an accessibility GeoPackage the map draws (``network``: the car engine's road edges).
_ACCESS_LAYERS = tuple(layer for layer in ACCESS_LAYERS if layer != "origin_points")


def _columns(names: tuple[str, ...], *contracts: list[str]) -> tuple[str, ...]:
    """The contract columns the map draws from: ``names``, checked to be in every one of ``contracts``."""
    for contract in contracts:
        assert set(names) <= set(contract), f"{names} are not all in the contract {contract}"
    return names


#: The contract columns (:mod:`landuse.outputs`) the map needs of each input; it shows others when present.
_REQUIRED = {
    "faces": _columns(("themes", "n_themes", "score", "area_km2"), FACE_COLUMNS),
    # kommun names come from the kommun layer, so the table's own ``kommun`` is not needed
    "conflicts_table": tuple(c for c in PAIR_COLUMNS if c != "kommun"),
    "origins": _columns(("origin_id", "kommun_code", "population", "travel_time_min"), *ORIGIN_COLUMNS.values()),
    "isochrones": _columns(("minutes",), ISOCHRONE_COLUMNS),
    "network": _columns(("speed_kph", "source"), EDGE_COLUMNS),
    "access_table": _columns(("kommun_code", "minutes", "share_within"), INDICATOR_COLUMNS),
}


def _catalogue_layers_in_file(path: Path, settings: Settings) -> list[str]:
    """Layer names of a ``layers`` file, refusing a file that holds no catalogue layer.

    Catalogue layers the file lacks are drawn from the embedded catalogue; a file with
    none of them would silently give the embedded (schematic) map, so it is an error.
    """
    from landuse.layers import catalogue

    present = list_layers(path, what="layers")
    expected = sorted(catalogue(settings))
    if not set(present) & set(expected):
        raise LayerNotFoundError(
            f"The layers file `{path.name}` holds none of the catalogue layers (found: "
            f"{', '.join(present) or 'no layers'}; expected one or more of: {', '.join(expected)}). "
            f"Pass the {LAYERS_FILE} that `landuse demo` writes, or name your layers after the catalogue."
        )
    return present


def _work_crs(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise MissingCRSError(f"The {what} layer has no CRS. Write it in EPSG:3006 (landuse outputs are).")
    return frame if frame.crs.to_epsg() == 3006 else frame.to_crs(WORK_CRS)


def _table(value: str | Path | pd.DataFrame | None, what: str) -> pd.DataFrame | None:
    if value is None or isinstance(value, pd.DataFrame):
        return value
    return read_table(value, what=what)


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
                faces, pairs = CONFLICT_LAYERS
                self.faces = _work_crs(read_layer(path, faces, what="målkonflikt"), "målkonflikt faces")
                if self.conflicts_table is None and pairs in list_layers(path, what="målkonflikt"):
                    self.conflicts_table = pd.DataFrame(read_layer(path, pairs, what="målkonflikt"))
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
                    present = list_layers(path, what=f"{MODE_LABELS[mode]}-tillgänglighet")
                    frames = {k: _work_crs(read_layer(path, k, what=mode), f"{mode} {k}")
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
        """Whether the input ``name`` was given.

        Parameters
        ----------
        name : str
            A map spec's ``input``: ``layers`` (always available: the embedded catalogue
            stands in), ``conflicts``, ``car``, ``transit`` or ``gtfs``.

        Returns
        -------
        bool

        Raises
        ------
        ConfigError
            For another name (a map spec's ``input``).
        """
        if name == "layers":
            return True  # the embedded catalogue stands in when no layers file is given
        if name == "conflicts":
            return self.faces is not None
        if name in ("car", "transit"):
            return name in self.access
        if name == "gtfs":
            return self.gtfs is not False
        raise ConfigError(f"Unknown map input {name!r}: use layers, conflicts, car, transit or gtfs.")

    def layer(self, name: str) -> gpd.GeoDataFrame | None:
        """Catalogue layer ``name`` from the layers input, else from the embedded catalogue.

        Parameters
        ----------
        name : str
            A catalogue layer (``kommuner``, ``tatorter`` ...).

        Returns
        -------
        geopandas.GeoDataFrame or None
            EPSG:3006, read once; None when neither the input nor the catalogue has it.
        """
        if name in self._layer_cache:
            return self._layer_cache[name]
        from landuse.layers import catalogue, load_layer

        arg = self._layers_arg
        frame = None
        if isinstance(arg, Mapping):
            frame = arg.get(name)
        elif arg is not None:
            if self._layers_in_file is None:
                self._layers_in_file = list_layers(arg, what="layers")
            if name in self._layers_in_file:
                frame = read_layer(arg, name, what="layers")
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
        """The GTFS feed of the stråk, loaded once by the one GTFS reader.

        Returns
        -------
        landuse.gtfs.Feed
        """
        if self._feed is None:
            if isinstance(self.gtfs, Feed):
                self._feed = self.gtfs
            else:
                path = None if self.gtfs is None or self.gtfs is True else self.gtfs
                self._feed = load_feed(path, option="--gtfs", settings=self.settings)
        return self._feed
