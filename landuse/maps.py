"""Folium strukturbild maps of Norrbotten: noder, stråk och områden, offline by default.

:func:`strukturbild_map` draws the layers a map spec (``maps/*.toml``) lists from the
landuse outputs; :func:`write_map` writes one self-contained HTML file whose Leaflet
comes from the installed ``xstatic-leaflet`` package, so the map opens without network.
"""

from __future__ import annotations

import base64
import html
import json
import re
import tomllib
import warnings
from dataclasses import dataclass, field, replace
from datetime import date as Date
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from markupsafe import Markup, escape

from landuse._io import write_text
from landuse.errors import (
    ColumnNotFoundError,
    ConfigError,
    InputFileNotFoundError,
    InvalidSettingError,
    LanduseError,
    LanduseWarning,
    LayerNotFoundError,
    MissingCRSError,
    UnreadableFileError,
)
from landuse.gtfs import Feed, load_feed, strak
from landuse.settings import WORK_CRS, Settings, resolve
from landuse.themes import THEME_LABELS, parse_theme

__all__ = [
    "DEMO_INPUTS",
    "MapSpec",
    "OverlaySpec",
    "load_map_spec",
    "inputs_from_dir",
    "simplify_geometry",
    "strukturbild_map",
    "render_map",
    "write_map",
    "demo_step",
]

#: Input name -> file name in a ``landuse demo`` output folder.
DEMO_INPUTS: dict[str, str] = {
    "layers": "layers.gpkg",
    "conflicts": "malkonflikter.gpkg",
    "conflicts_table": "malkonflikter_per_kommun.csv",
    "car": "access_car.gpkg",
    "car_table": "access_car.csv",
    "transit": "access_transit.gpkg",
    "transit_table": "access_transit.csv",
}

#: Swedish names of the inputs, for the legend's "saknas" line and the CLI.
INPUT_LABELS: dict[str, str] = {
    "layers": "lagerkatalogen (layers.gpkg)",
    "conflicts": "målkonflikter (malkonflikter.gpkg)",
    "conflicts_table": "målkonflikttabell (malkonflikter_per_kommun.csv)",
    "car": "tillgänglighet med bil (access_car.gpkg)",
    "car_table": "tillgänglighet med bil (access_car.csv)",
    "transit": "tillgänglighet med kollektivtrafik (access_transit.gpkg)",
    "transit_table": "tillgänglighet med kollektivtrafik (access_transit.csv)",
    "gtfs": "GTFS-flöde",
}

_KINDS = ("kommuner", "theme", "conflicts", "isochrones", "origins", "strak", "roads", "tatorter", "centralorter")
_OVERLAY_KEYS = {
    "id", "kind", "label", "group", "input", "colour", "colours", "fill_opacity", "simplify_m", "show",
    "theme", "minutes", "min_themes", "score_bins", "departure_bins", "widths", "classes", "class_labels",
    "width",
}
_SPEC_KEYS = {"title", "subtitle", "schematic_note", "gtfs", "overlay", "travel_time"}
#: When an accessibility file carries neither a ``schematic`` column nor a network source
#: label: nothing says the car network is real, so the car figures are marked; the
#: transit feed is real.
_SCHEMATIC_DEFAULT = {"car": True, "transit": False}
#: Layers of an accessibility GeoPackage the map reads (``network``: the car engine's road edges).
_ACCESS_LAYERS = ("origins", "isochrones", "network")
_MODE_LABELS = {"car": "bil", "transit": "kollektivtrafik"}
#: A CSS colour: #hex, a name, or rgb()/hsl() of numbers.  folium writes styles into the
#: page's <script> with plain json.dumps, so a colour must not be able to hold markup.
_CSS_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}|(?:rgba?|hsla?)\([0-9.,%\s]+\)")
_NUMBER_KEYS = ("fill_opacity", "simplify_m", "minutes", "min_themes", "width")
_NUMBER_LIST_KEYS = ("score_bins", "departure_bins", "widths")
_WGS84 = "EPSG:4326"
_COORD_DECIMALS = 5  # about 1 m: enough for a regional map, and halves the file size


# --------------------------------------------------------------------------- map spec


@dataclass(frozen=True)
class OverlaySpec:
    """One entry of the layer control (one ``[[overlay]]`` of a map spec).

    Attributes
    ----------
    id : str
        Unique name, also the HTML class of the overlay.
    kind : str
        Drawing code: kommuner, theme, conflicts, isochrones, origins, strak, roads, tatorter, centralorter.
    label, group : str
        Swedish legend text and the legend section (Noder, Stråk, Områden, Tillgänglighet).
    input : str
        Which input it is drawn from: layers, conflicts, car, transit or gtfs.
    colour : str
        CSS colour of lines and fills.
    simplify_m : float
        Simplification tolerance in metres (EPSG:3006); 0 keeps every vertex.
    classes, class_labels, colours, widths : tuple
        ``roads``: the ``klass`` values of the network layer, their Swedish legend
        labels, line colours and widths in pixels; other classes get ``colour`` and ``width``.
    """

    id: str
    kind: str
    label: str
    input: str
    group: str = ""
    colour: str = "#333333"
    colours: tuple[str, ...] = ()
    fill_opacity: float = 0.35
    simplify_m: float = 0.0
    show: bool = True
    theme: str | None = None
    minutes: float = 60.0
    min_themes: int = 2
    score_bins: tuple[float, ...] = ()
    departure_bins: tuple[float, ...] = ()
    widths: tuple[float, ...] = ()
    classes: tuple[str, ...] = ()
    class_labels: tuple[str, ...] = ()
    width: float = 1.5


@dataclass(frozen=True)
class MapSpec:
    """A map spec: title, overlays in drawing order, GTFS day and travel-time classes."""

    title: str
    overlays: tuple[OverlaySpec, ...]
    subtitle: str = ""
    schematic_note: str = ""
    gtfs_date: str = "2023-02-14"
    exclude_route_types: tuple[int, ...] = (1501,)
    time_bins: tuple[float, ...] = (30, 45, 60, 90)
    time_colours: tuple[str, ...] = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
    unreachable_colour: str = "#969696"
    path: Path | None = None

    @property
    def overlay_ids(self) -> list[str]:
        return [o.id for o in self.overlays]


def _bad_colours(colours: list[Any]) -> list[str]:
    return [repr(c) for c in colours if not (isinstance(c, str) and _CSS_COLOUR.fullmatch(c))]


def _value_problems(where: str, entry: Mapping[str, Any]) -> list[str]:
    """Colours that are not CSS colours and numbers that are not numbers, in one overlay entry.

    Styles reach the page as JavaScript, so a spec file could otherwise inject code.
    """
    problems = []
    bad = _bad_colours([entry["colour"]] if "colour" in entry else []) + _bad_colours(list(entry.get("colours", [])))
    if bad:
        problems.append(f"{where}: {', '.join(bad)} is not a CSS colour (#rrggbb, a name, rgb() or hsl())")

    def is_number(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    for key in _NUMBER_KEYS:
        if key in entry and not is_number(entry[key]):
            problems.append(f"{where}: {key} must be a number")
    for key in _NUMBER_LIST_KEYS:
        if key in entry and not (isinstance(entry[key], list) and all(is_number(x) for x in entry[key])):
            problems.append(f"{where}: {key} must be a list of numbers")
    return problems


def load_map_spec(path: str | Path | None = None, *, settings: Settings | None = None) -> MapSpec:
    """Read and validate a map spec.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file, or the name of one in ``Settings.maps_dir`` (without ``.toml``);
        default ``strukturbild``.

    Raises
    ------
    ConfigError
        If the file cannot be read, or lists every problem found in it at once.

    Examples
    --------
    >>> spec = load_map_spec()
    >>> spec.overlays[0].id, spec.overlays[-1].kind
    ('kommuner', 'centralorter')
    """
    settings = resolve(settings)
    candidate = Path(path) if path is not None else settings.maps_dir / "strukturbild.toml"
    if path is not None and not candidate.suffix:
        candidate = settings.maps_dir / f"{path}.toml"
    try:
        data: dict[str, Any] = tomllib.loads(candidate.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(p.stem for p in sorted(settings.maps_dir.glob("*.toml"))) or "none"
        raise ConfigError(f"Map spec `{candidate}` does not exist. Map specs in {settings.maps_dir}: {known}.") from None
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"Map spec `{candidate.name}` cannot be read: {err}. Fix the TOML syntax.") from err
    problems: list[str] = []
    unknown = sorted(set(data) - _SPEC_KEYS)
    if unknown:
        problems.append(f"unknown top-level keys {', '.join(unknown)}")
    overlays: list[OverlaySpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("overlay", []), start=1):
        where = f"overlay {i} ({entry.get('id', '?')})"
        bad = sorted(set(entry) - _OVERLAY_KEYS)
        if bad:
            problems.append(f"{where}: unknown keys {', '.join(bad)}")
        missing = [k for k in ("id", "kind", "label", "input") if k not in entry]
        if missing:
            problems.append(f"{where}: missing keys {', '.join(missing)}")
            continue
        if entry["kind"] not in _KINDS:
            problems.append(f"{where}: kind {entry['kind']!r} is not one of {', '.join(_KINDS)}")
        if entry["id"] in seen:
            problems.append(f"{where}: id declared twice")
        seen.add(entry["id"])
        if entry["kind"] == "theme":
            try:
                parse_theme(entry.get("theme", ""))
            except LanduseError as err:
                problems.append(f"{where}: {err}")
        if entry["kind"] in ("isochrones", "origins") and entry["input"] not in ("car", "transit"):
            problems.append(f"{where}: input must be car or transit")
        if entry["kind"] == "conflicts" and len(entry.get("colours", [])) != len(entry.get("score_bins", [])) + 1:
            problems.append(f"{where}: give one colour more than score_bins")
        if entry["kind"] == "strak" and len(entry.get("widths", [])) != len(entry.get("departure_bins", [])):
            problems.append(f"{where}: give one width per departure bin")
        if entry["kind"] == "roads":
            if entry["input"] != "car":
                problems.append(f"{where}: input must be car (the network layer of access_car.gpkg)")
            n = len(entry.get("classes", []))
            if not all(isinstance(x, str) for x in [*entry.get("classes", []), *entry.get("class_labels", [])]):
                problems.append(f"{where}: classes and class_labels must be lists of text")
            if not (len(entry.get("colours", [])) == len(entry.get("widths", [])) == len(entry.get("class_labels", []))
                    == n):
                problems.append(f"{where}: give one colour, width and class label per road class")
        value_problems = _value_problems(where, entry)
        problems += value_problems
        if bad or value_problems:
            continue
        values = dict(entry)
        for key in ("colours", "score_bins", "departure_bins", "widths", "classes", "class_labels"):
            if key in values:
                values[key] = tuple(values[key])
        overlays.append(OverlaySpec(**values))
    if not overlays and not problems:
        problems.append("no [[overlay]] entries")
    gtfs = data.get("gtfs", {})
    travel = data.get("travel_time", {})
    time_bins = tuple(travel.get("bins", (30, 45, 60, 90)))
    time_colours = tuple(travel.get("colours", ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")))
    if len(time_colours) != len(time_bins) + 1:
        problems.append("travel_time: give one colour more than bins")
    bad_colours = _bad_colours([*time_colours, travel.get("unreachable", "#969696")])
    if bad_colours:
        problems.append(f"travel_time: {', '.join(bad_colours)} is not a CSS colour (#rrggbb, a name, rgb() or hsl())")
    if not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in time_bins):
        problems.append("travel_time: bins must be numbers")
    try:
        Date.fromisoformat(str(gtfs.get("date", "2023-02-14")))
    except ValueError:
        problems.append(f"gtfs.date {gtfs.get('date')!r} is not a date YYYY-MM-DD")
    if problems:
        raise ConfigError(f"Map spec `{candidate.name}`: {'; '.join(problems)}.")
    return MapSpec(
        title=data.get("title", "Strukturbild"),
        subtitle=data.get("subtitle", ""),
        schematic_note=data.get("schematic_note", ""),
        overlays=tuple(overlays),
        gtfs_date=str(gtfs.get("date", "2023-02-14")),
        exclude_route_types=tuple(int(t) for t in gtfs.get("exclude_route_types", (1501,))),
        time_bins=time_bins,
        time_colours=time_colours,
        unreachable_colour=travel.get("unreachable", "#969696"),
        path=candidate,
    )


# --------------------------------------------------------------------------- inputs


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


def _check_tiles(tiles: str | None) -> None:
    """Refuse a basemap name folium cannot resolve, before folium raises its own ValueError."""
    if tiles is None:
        return
    import xyzservices

    if str(tiles).strip().lower() == "openstreetmap":
        return
    try:
        xyzservices.providers.query_name(str(tiles))
    except ValueError:
        raise InvalidSettingError(
            f"--tiles {tiles!r} is not a basemap name folium knows. Use OpenStreetMap, OpenTopoMap, "
            "'Esri WorldImagery', 'Esri WorldTopoMap' or another xyzservices provider name ('CartoDB positron' "
            "and 'CartoDB dark_matter' are known but now need a CARTO API key); a URL template needs an "
            "attribution, which `landuse map` cannot pass. Or drop --tiles for the offline map."
        ) from None


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


class _Inputs:
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
                    present = _file_layers(_check_exists(path, f"{_MODE_LABELS[mode]}-tillgänglighet"))
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
                    from landuse.indicator import share_bounds

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


# --------------------------------------------------------------------------- geometry


def simplify_geometry(geoms: gpd.GeoSeries, tolerance_m: float, *, coverage: bool = False) -> gpd.GeoSeries:
    """Simplify geometry in metres without breaking its topology.

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        Geometry in a projected CRS in metres (EPSG:3006).
    tolerance_m : float
        Douglas–Peucker tolerance in metres; 0 returns ``geoms`` unchanged.
    coverage : bool
        True for a polygon coverage (kommuner, målkonflikt faces): shared edges are
        simplified once, so neighbours keep meeting without gaps or overlaps
        (``shapely.coverage_simplify``).  Falls back to per-geometry simplification
        when the polygons are not a valid coverage.

    Returns
    -------
    geopandas.GeoSeries
        Same index and CRS; every polygon stays valid and non-empty where the input
        was (a polygon simplified away keeps its original shape).
    """
    if tolerance_m <= 0 or len(geoms) == 0:
        return geoms
    if geoms.crs is not None and geoms.crs.is_geographic:
        raise MissingCRSError("simplify_geometry needs a projected CRS in metres (EPSG:3006), not degrees.")
    values = np.asarray(geoms.values, dtype=object)
    polygonal = np.isin(shapely.get_type_id(values), (3, 6))
    out = values.copy()
    done = False
    if coverage and polygonal.all():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                if bool(shapely.coverage_is_valid(values)):
                    out = shapely.coverage_simplify(values, tolerance_m)
                    done = True
        except (shapely.errors.GEOSException, AttributeError):
            done = False
    if not done:
        out = shapely.simplify(values, tolerance_m, preserve_topology=True)
    broken = shapely.is_empty(out) | ~shapely.is_valid(out)
    out[broken] = values[broken]
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)


def _html_properties(props: dict[str, Any]) -> dict[str, Any]:
    """``props`` with its ``tip`` and ``popup`` as safe HTML strings.

    Leaflet renders tooltip and popup content as HTML (folium's ``GeoJsonTooltip`` and
    ``GeoJsonPopup`` put the property into ``innerHTML``), and ``tip`` carries names
    from the input files: a plain ``str`` is escaped here, so a name shows as text.
    Only :class:`markupsafe.Markup` built from escaped fragments (:func:`_popup_html`)
    passes unchanged.
    """
    out = dict(props)
    for key in ("tip", "popup"):
        if key in out:
            out[key] = str(escape(out[key]))  # plain str again: JSON-encoded by folium's tojson
    return out


def _feature_collection(frame: gpd.GeoDataFrame, properties: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON in WGS84 with coordinates rounded to about one metre.

    ``properties[i]["tip"]`` is plain text (escaped here); ``["popup"]`` is escaped too
    unless it is :class:`~markupsafe.Markup` (see :func:`_html_properties`).
    """
    geoms = frame.geometry.to_crs(_WGS84).values
    geoms = shapely.transform(np.asarray(geoms, dtype=object), lambda xy: np.round(xy, _COORD_DECIMALS))
    features = []
    for geom, props in zip(geoms, properties):
        if geom is None or shapely.is_empty(geom):
            continue
        features.append({"type": "Feature", "properties": _html_properties(props),
                         "geometry": json.loads(shapely.to_geojson(geom))})
    return {"type": "FeatureCollection", "features": features}


# --------------------------------------------------------------------------- formatting


def _num(value: float | None, decimals: int = 0) -> str:
    """Swedish number format: space as thousands separator, decimal comma."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def _pct(share: float | None) -> str:
    if share is None or not np.isfinite(share):
        return "–"
    return f"{_num(100 * share, 0)}\u00a0%"


def _esc(value: Any) -> Markup:
    """``value`` as HTML text (``&<>"'`` escaped; None and NaN empty); Markup passes unchanged."""
    return escape("" if value is None or (isinstance(value, float) and np.isnan(value)) else value)


def _theme_label(theme: str) -> str:
    try:
        return THEME_LABELS[parse_theme(theme)]
    except LanduseError:
        return theme


def _themes_text(themes: str) -> str:
    return ", ".join(_theme_label(t.strip()) for t in str(themes).split(",") if t.strip())


def _schematic_suffix(schematic: bool) -> str:
    return " (schematisk)" if schematic else ""


def _with_schematic(label: str, schematic: bool) -> str:
    return label + ("" if not schematic or "schematisk" in label.lower() else " (schematisk)")


def _rows_html(rows: list[tuple[str, Any]]) -> Markup:
    """Table rows ``<tr><th>key</th><td>value</td></tr>``; keys and plain-text values are escaped."""
    return Markup("").join(Markup("<tr><th>{}</th><td>{}</td></tr>").format(k, _esc(v)) for k, v in rows)


def _popup_html(title: str, rows: list[tuple[str, Any]], *, schematic: bool) -> Markup:
    """A feature popup: ``title`` and ``rows`` are plain text (names from the inputs), escaped here."""
    note = Markup('<p class="lu-schematic">Obs: schematisk demodata – inte officiella uppgifter.</p>'
                  if schematic else "")
    return Markup('<div class="lu-popup"><h4>{}</h4>{}<table>{}</table></div>').format(
        title, note, _rows_html(rows))


def _bin_index(values: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    """Index of the class of each value: ``<= edges[0]`` is 0, above the last edge is len(edges)."""
    return np.searchsorted(np.asarray(edges, dtype=float), values, side="left")


# --------------------------------------------------------------------------- map building


@dataclass
class _Legend:
    sections: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def add(self, group: str, item: str) -> None:
        self.sections.setdefault(group or "Övrigt", []).append(item)

    def lack(self, what: str) -> None:
        if what not in self.missing:
            self.missing.append(what)


def _swatch(colour: str, *, kind: str = "fill", width: float = 3.0, opacity: float = 0.6) -> str:
    colour = _esc(colour)  # from the map spec: it must not leave the style attribute
    if kind == "line":
        return f'<span class="lu-line" style="border-top:{width:g}px solid {colour}"></span>'
    if kind == "circle":
        return f'<span class="lu-circle" style="background:{colour}"></span>'
    return f'<span class="lu-fill" style="background:{colour};opacity:{max(opacity, 0.35):g}"></span>'


class _Builder:
    def __init__(self, spec: MapSpec, inputs: _Inputs, settings: Settings) -> None:
        import folium

        self.folium = folium
        self.spec = spec
        self.inputs = inputs
        self.settings = settings
        self.legend = _Legend()
        self.drawn: list[str] = []
        #: Sources of real data drawn beyond SCB and Länstrafiken, for the legend's "Källor".
        self.sources: list[str] = []
        self._faces_cache: gpd.GeoDataFrame | None = None

    # -- helpers
    def group(self, overlay: OverlaySpec, schematic: bool):
        label = _with_schematic(overlay.label, schematic)
        # the layer control renders the name as HTML: id and label come from the spec file
        name = f'<span class="lu-overlay" data-overlay="{_esc(overlay.id)}">{_esc(label)}</span>'
        return self.folium.FeatureGroup(name=name, show=overlay.show, overlay=True, control=True)

    def geojson(self, data: dict[str, Any], style: dict[str, Any], *, style_key: bool = False,
                highlight: bool = True, popup: bool = True, points: bool = False,
                tooltip_options: dict[str, Any] | None = None, labels: bool = False):
        """One GeoJson layer; per-feature styles under ``_style``; Swedish ``tip`` and ``popup`` properties.

        Points become Leaflet circle markers styled per feature (radius included).  Only
        Leaflet's own tooltips and popups are used: folium's ``Popup`` element needs jQuery.
        """
        folium = self.folium

        def style_function(feature: dict[str, Any]) -> dict[str, Any]:
            own = feature["properties"].get("_style") if style_key else None
            return {**style, **(own or {})}

        options = {"sticky": True, **(tooltip_options or {})}
        # permanent labels must be bound per feature: a group's permanent tooltip opens only once
        label_js = folium.JsCode(
            "function(feature, layer) { layer.bindTooltip(feature.properties.tip, "
            "{permanent: true, direction: 'right', className: 'lu-label', offset: [6, 0]}); }"
        ) if labels else None
        return folium.GeoJson(
            data,
            style_function=style_function,
            highlight_function=(lambda f: {"weight": style.get("weight", 1) + 2}) if highlight else None,
            tooltip=None if labels else folium.GeoJsonTooltip(fields=["tip"], labels=False, **options),
            on_each_feature=label_js,
            popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=440) if popup else None,
            marker=folium.CircleMarker(radius=5) if points else None,
            zoom_on_click=False,
            embed=True,
        )

    def faces(self) -> gpd.GeoDataFrame | None:
        faces = self.inputs.faces
        if faces is None:
            return None
        if self._faces_cache is None:
            faces = faces[~(faces.geometry.isna() | faces.geometry.is_empty)]
            self._faces_cache = faces
        return self._faces_cache

    def conflicts_schematic(self) -> bool:
        faces = self.faces()
        if faces is not None and "schematic" in faces.columns:
            return bool(faces["schematic"].astype(bool).any())
        from landuse.layers import catalogue

        return any(s.schematic for s in catalogue(self.settings).values() if s.theme.value in THEME_VALUES)

    def access_schematic(self, mode: str) -> bool:
        """Whether the ``mode`` figures rest on schematic input, as the engine wrote it.

        The ``schematic`` column of its layers (the isochrones carry one), else the
        network layer's ``source`` label (the GTFS stand-in's says SCHEMATIC), else
        :data:`_SCHEMATIC_DEFAULT`.
        """
        frames = self.inputs.access.get(mode, {})
        for frame in frames.values():
            if "schematic" in frame.columns and len(frame):
                return bool(frame["schematic"].astype(bool).any())
        source = self.network_source(mode)
        if source is not None:
            return "SCHEMATIC" in source.upper()
        return _SCHEMATIC_DEFAULT[mode]

    def network_source(self, mode: str = "car") -> str | None:
        """The source label of the network the engine used (``network`` layer), None when not written."""
        network = self.inputs.access.get(mode, {}).get("network")
        if network is None or "source" not in network.columns:
            return None
        labels = network["source"].dropna().astype(str)
        return str(labels.iloc[0]) if len(labels) else None

    # -- overlays
    def draw(self, m, overlay: OverlaySpec) -> None:
        method = getattr(self, f"_draw_{overlay.kind}")
        fg = method(overlay)
        if fg is None:
            return
        fg.add_to(m)
        self.drawn.append(overlay.id)

    def _draw_kommuner(self, overlay: OverlaySpec):
        kommuner = self.inputs.layer("kommuner")
        if kommuner is None:
            self.legend.lack("kommungränser")
            return None
        geoms = simplify_geometry(kommuner.geometry, overlay.simplify_m, coverage=True)
        frame = kommuner.set_geometry(geoms.values)
        code_col = "kommun_code" if "kommun_code" in frame.columns else "feature_id"
        props = []
        for _, row in frame.iterrows():
            code = str(row[code_col])
            props.append({"tip": f"{row['name']} kommun", "popup": self.kommun_popup(code, row["name"])})
        fg = self.group(overlay, False)
        style = {"color": overlay.colour, "weight": 1.5, "fillColor": overlay.colour,
                 "fillOpacity": overlay.fill_opacity, "dashArray": "4 3"}
        self.geojson(_feature_collection(frame, props), style, highlight=False).add_to(fg)
        self.legend.add(overlay.group, f"{_swatch(overlay.colour, kind='line', width=1.5)} {_esc(overlay.label)}")
        return fg

    def kommun_popup(self, code: str, name: str) -> Markup:
        """The kommun's popup: its conflict table and 60-minute shares; ``code`` and ``name`` are escaped."""
        return Markup('<div class="lu-popup"><h4>{} kommun ({})</h4>{}'
                      "<p><b>Andel av befolkningen (tätorter) som når centralort</b></p><table>{}</table></div>"
                      ).format(_esc(name), code, self.kommun_conflicts_html(code), self.kommun_access_html(code))

    def kommun_conflicts_html(self, code: str) -> Markup:
        """The kommun's theme pairs by area, as an HTML table built from escaped cells."""
        table = self.inputs.conflicts_table
        sch = self.conflicts_schematic()
        if table is None:
            return Markup("<p>Målkonflikter: ej beräknade (malkonflikter saknas).</p>")
        mine = table[table["kommun_code"] == code].sort_values("area_km2", ascending=False)
        if mine.empty:
            return Markup("<p>Inga målkonflikter med yta i kommunen.</p>")
        head = Markup("<p><b>Målkonflikter{}</b> – temapar efter yta</p><table class='lu-table'><tr><th>Temapar</th>"
                      "<th>Vikt</th><th>km²</th><th>Andel</th></tr>").format(_schematic_suffix(sch))
        row = Markup("<tr><td>{} × {}</td><td>{}</td><td>{}</td><td>{}</td></tr>")
        body = Markup("").join(
            row.format(_theme_label(r.theme_a), _theme_label(r.theme_b), r.weight,
                       _num(float(r.area_km2), 1) + _schematic_suffix(sch), _pct(float(r.share_of_kommun)))
            for r in mine.head(8).itertuples()
        )
        more = Markup("<p>… och {} temapar till.</p>").format(len(mine) - 8) if len(mine) > 8 else ""
        return head + body + Markup("</table>") + more

    def kommun_access_html(self, code: str) -> Markup:
        """Rows of the kommun popup: the share within 60 minutes by car and by transit."""
        rows: list[tuple[str, str]] = []
        for mode in ("car", "transit"):
            label = "Bil" if mode == "car" else "Kollektivtrafik"
            table = self.inputs.access_tables.get(mode)
            if table is None:
                rows.append((f"{label}, inom 60 min", "ej beräknad (indata saknas)"))
                continue
            hit = table[(table["kommun_code"] == code) & (pd.to_numeric(table["minutes"]) == 60)]
            share = float(hit["share_within"].iloc[0]) if len(hit) else None
            sch = _schematic_suffix(self.access_schematic(mode))
            rows.append((f"{label}, inom 60 min till centralort", _pct(share) + sch))
            if len(hit) and "share_lower" in hit.columns and np.isfinite(float(hit["share_lower"].iloc[0])):
                rows.append((f"{label}, alla invånare (SCB 2020)",
                             f"{_pct(float(hit['share_lower'].iloc[0]))}–{_pct(float(hit['share_upper'].iloc[0]))}"
                             + sch))
        return _rows_html(rows)

    def _draw_theme(self, overlay: OverlaySpec):
        from landuse.layers import layers_for_theme

        theme = parse_theme(overlay.theme or "")
        specs = layers_for_theme(theme, self.settings)
        frames = []
        for spec in specs:
            frame = self.inputs.layer(spec.name)
            if frame is not None and len(frame):
                frame = frame.assign(lu_title=spec.title, lu_legal=spec.legal_basis, lu_authority=spec.authority,
                                     lu_source=f"{spec.title}: {spec.licence}" if spec.licence else spec.title)
                frames.append(frame)
        if not frames:
            self.legend.lack(_esc(overlay.label))
            return None
        frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WORK_CRS)
        flags = (frame["schematic"].fillna(False).astype(bool) if "schematic" in frame.columns
                 else pd.Series(False, index=frame.index))
        schematic = bool(flags.any())
        # a theme can hold real layers beside schematic stand-ins (Lantmäteriet's military areas beside
        # the schematic riksintresse): then the label says "delvis" and the legend names each layer
        mixed = schematic and not bool(flags.all())
        per_layer = flags.groupby(frame["lu_title"], sort=False).any()
        area_km2 = frame.geometry.area.to_numpy() / 1e6
        conflicts = self.feature_conflicts(frame, theme.value)
        frame = frame.set_geometry(simplify_geometry(frame.geometry, overlay.simplify_m).values)
        props = []
        label = THEME_LABELS[theme]
        for i, row in enumerate(frame.itertuples()):
            sch = bool(getattr(row, "schematic", False))
            name = row.name or row.feature_id
            rows = [
                ("Tema", label),
                ("Lager", row.lu_title),
                ("Lagrum", row.lu_legal or "–"),
                ("Myndighet", row.lu_authority or "–"),
                ("Yta", f"{_num(area_km2[i], 1)} km²{_schematic_suffix(sch)}"),
                ("Målkonflikter", conflicts[i]),
            ]
            props.append({"tip": f"{name} – {label}{_schematic_suffix(sch)}",
                          "popup": _popup_html(str(name), rows, schematic=sch)})
        shown = replace(overlay, label=overlay.label + " (delvis schematisk)") if mixed else overlay
        fg = self.group(shown, schematic)
        style = {"color": overlay.colour, "weight": 1, "fillColor": overlay.colour, "fillOpacity": overlay.fill_opacity}
        self.geojson(_feature_collection(frame, props), style).add_to(fg)
        text = f"{_swatch(overlay.colour)} {_esc(_with_schematic(shown.label, schematic))}"
        if mixed:
            text += "<br><small>" + "; ".join(
                _esc(title) if flag and "schematisk" in str(title).lower()
                else f"{_esc(title)}: {'schematisk' if flag else 'verkliga data'}" for title, flag in per_layer.items()
            ) + "</small>"
        self.legend.add(overlay.group, text)
        if not per_layer.all():
            self.sources += list(frame.loc[~flags.to_numpy(), "lu_source"].dropna().astype(str).unique())
        return fg

    def feature_conflicts(self, frame: gpd.GeoDataFrame, theme: str) -> list[str]:
        """For each feature: the other themes claiming its ground, with km², from the faces."""
        faces = self.faces()
        if faces is None:
            return ["ej beräknade (malkonflikter saknas)"] * len(frame)
        many = faces[pd.to_numeric(faces["n_themes"]) >= 2]
        if many.empty:
            return ["inga"] * len(frame)
        points = gpd.GeoDataFrame(
            {"themes": many["themes"].astype(str).to_numpy(),
             "area_km2": pd.to_numeric(many["area_km2"]).to_numpy()},
            geometry=many.geometry.representative_point().to_numpy(), crs=WORK_CRS,
        )
        target = gpd.GeoDataFrame(geometry=frame.geometry.to_numpy(), crs=WORK_CRS)
        joined = gpd.sjoin(points, target, predicate="within", how="inner")
        joined = joined.assign(other=joined["themes"].str.split(",")).explode("other")
        joined["other"] = joined["other"].str.strip()
        joined = joined[joined["other"] != theme]
        sums = joined.groupby(["index_right", "other"])["area_km2"].sum()
        sch = self.conflicts_schematic()
        out = []
        for i in range(len(frame)):
            if i in sums.index.get_level_values(0):
                items = sums.loc[i].sort_values(ascending=False)
                out.append("; ".join(f"{_theme_label(t)} {_num(a, 1)} km²{_schematic_suffix(sch)}"
                                     for t, a in items.items()))
            else:
                out.append("inga")
        return out

    def _draw_conflicts(self, overlay: OverlaySpec):
        faces = self.faces()
        if faces is None:
            self.legend.lack(INPUT_LABELS["conflicts"])
            return None
        faces = faces[pd.to_numeric(faces["n_themes"]) >= overlay.min_themes]
        schematic = self.conflicts_schematic()
        fg = self.group(overlay, schematic)
        self.legend.add(overlay.group, self.conflict_legend(overlay, schematic))
        if faces.empty:
            return fg
        geoms = simplify_geometry(faces.geometry, overlay.simplify_m, coverage=True)
        faces = faces.set_geometry(geoms.values)
        score = pd.to_numeric(faces["score"]).to_numpy(dtype=float)
        classes = _bin_index(score, overlay.score_bins)
        props = []
        for cls, row in zip(classes, faces.itertuples()):
            sch = bool(getattr(row, "schematic", schematic))
            rows = [
                ("Kommun", getattr(row, "kommun", "")),
                ("Teman", _themes_text(row.themes)),
                ("Antal teman", row.n_themes),
                ("Poäng", f"{_num(float(row.score), 1)}{_schematic_suffix(sch)}"),
                ("Yta", f"{_num(float(row.area_km2), 2)} km²{_schematic_suffix(sch)}"),
            ]
            props.append({
                "tip": f"Målkonflikt, poäng {_num(float(row.score), 1)}: {_themes_text(row.themes)}{_schematic_suffix(sch)}",
                "popup": _popup_html("Målkonflikt", rows, schematic=sch),
                "_style": {"fillColor": overlay.colours[int(cls)]},
            })
        style = {"color": "#67000d", "weight": 0.5, "fillOpacity": overlay.fill_opacity}
        self.geojson(_feature_collection(faces, props), style, style_key=True).add_to(fg)
        return fg

    def conflict_legend(self, overlay: OverlaySpec, schematic: bool) -> str:
        edges = overlay.score_bins
        items = []
        for i, colour in enumerate(overlay.colours):
            if i == 0:
                text = f"≤ {_num(edges[0], 0)}"
            elif i == len(edges):
                text = f"> {_num(edges[-1], 0)}"
            else:
                text = f"{_num(edges[i - 1], 0)}–{_num(edges[i], 0)}"
            items.append(f'<span class="lu-bin">{_swatch(colour)} {text}</span>')
        return f"{_esc(_with_schematic(overlay.label, schematic))}<br>{' '.join(items)}"

    def _draw_isochrones(self, overlay: OverlaySpec):
        mode = overlay.input
        iso = self.inputs.access.get(mode, {}).get("isochrones")
        if iso is None:
            self.legend.lack(INPUT_LABELS[mode])
            return None
        schematic = self.access_schematic(mode)
        network = self.network_source(mode) if mode == "car" else None
        iso = iso[np.isclose(pd.to_numeric(iso["minutes"]), overlay.minutes)]
        iso = iso[~(iso.geometry.isna() | iso.geometry.is_empty)]
        fg = self.group(overlay, schematic)
        self.legend.add(overlay.group, f"{_swatch(overlay.colour, opacity=overlay.fill_opacity)} "
                                       f"{_esc(_with_schematic(overlay.label, schematic))}")
        if iso.empty:
            return fg
        iso = iso.set_geometry(simplify_geometry(iso.geometry, overlay.simplify_m).values)
        props = []
        for row in iso.itertuples():
            sch = bool(getattr(row, "schematic", schematic))
            place = getattr(row, "centralort", "") or getattr(row, "target_id", "")
            note = "schematiskt vägnät byggt ur busstidtabeller" if sch and mode == "car" else ""
            rows = [("Centralort", place), ("Restid", f"inom {_num(overlay.minutes, 0)} min"),
                    ("Färdsätt", _MODE_LABELS[mode] + (f" ({note})" if note else _schematic_suffix(sch)))]
            if network:
                rows.append(("Vägnät", network))
            props.append({"tip": f"{place}: {_num(overlay.minutes, 0)} min med {_MODE_LABELS[mode]}{_schematic_suffix(sch)}",
                          "popup": _popup_html(f"{place} – {_num(overlay.minutes, 0)} min", rows, schematic=sch)})
        style = {"color": overlay.colour, "weight": 1, "fillColor": overlay.colour, "fillOpacity": overlay.fill_opacity}
        self.geojson(_feature_collection(iso, props), style).add_to(fg)
        return fg

    def _draw_origins(self, overlay: OverlaySpec):
        mode = overlay.input
        origins = self.inputs.access.get(mode, {}).get("origins")
        if origins is None:
            self.legend.lack(INPUT_LABELS[mode])
            return None
        schematic = self.access_schematic(mode)
        fg = self.group(overlay, schematic)
        names = {}
        tatorter = self.inputs.layer("tatorter")
        if tatorter is not None:
            names = dict(zip(tatorter["feature_id"].astype(str), tatorter["name"]))
        times = pd.to_numeric(origins["travel_time_min"], errors="coerce").to_numpy(dtype=float)
        classes = _bin_index(times, self.spec.time_bins)
        spec = self.spec
        props = []
        for cls, t, row in zip(classes, times, origins.itertuples()):
            colour = spec.unreachable_colour if not np.isfinite(t) else spec.time_colours[int(cls)]
            name = names.get(str(row.origin_id), str(row.origin_id))
            rows = [("Kommun", row.kommun_code), ("Folkmängd", _num(float(row.population), 0)),
                    ("Restid till centralort" + (" (median för invånarna)" if hasattr(row, "share_within") else ""),
                     (f"{_num(t, 0)} min" if np.isfinite(t) else "når inte inom nätet")
                     + _schematic_suffix(schematic)),
                    ("Mål", getattr(row, "target", "") or "–")]
            if hasattr(row, "share_within"):
                share = float(pd.to_numeric(row.share_within, errors="coerce"))
                rows.append(("Andel av invånarna inom 60 min", _pct(share) + _schematic_suffix(schematic)))
            for column, text in (("best_min", "Bästa restid"), ("median_min", "Medianrestid")):
                if hasattr(row, column):
                    value = float(pd.to_numeric(getattr(row, column), errors="coerce"))
                    rows.append((text, f"{_num(value, 0)} min" if np.isfinite(value) else "–"))
            share = (float(pd.to_numeric(row.share_within, errors="coerce")) if hasattr(row, "share_within")
                     else np.nan)
            if np.isfinite(t):
                reach = f"{_num(t, 0)} min"
            elif np.isfinite(share) and share > 0:  # fewer than half of its people reach: say how many do
                reach = f"{_pct(share)} når inom 60 min"
            else:
                reach = "når ej"
            tip = f"{name}: {reach} med {_MODE_LABELS[mode]}"
            props.append({"tip": tip + _schematic_suffix(schematic),
                          "popup": _popup_html(f"{name} – {_MODE_LABELS[mode]}", rows, schematic=schematic),
                          "_style": {"fillColor": colour}})
        style = {"radius": 5, "color": "#222222", "weight": 0.8, "fillOpacity": 0.9, "fill": True}
        self.geojson(_feature_collection(origins, props), style, style_key=True, points=True).add_to(fg)
        bins = spec.time_bins
        items = []
        for i, colour in enumerate(spec.time_colours):
            text = f"≤ {bins[0]:g}" if i == 0 else (f"> {bins[-1]:g}" if i == len(bins) else f"{bins[i - 1]:g}–{bins[i]:g}")
            items.append(f'<span class="lu-bin">{_swatch(colour, kind="circle")} {text} min</span>')
        items.append(f'<span class="lu-bin">{_swatch(spec.unreachable_colour, kind="circle")} når ej</span>')
        self.legend.add(overlay.group, f"{_esc(_with_schematic(overlay.label, schematic))}<br>{' '.join(items)}")
        return fg

    def _draw_strak(self, overlay: OverlaySpec):
        if not self.inputs.available("gtfs"):
            self.legend.lack(INPUT_LABELS["gtfs"])
            return None
        lines = strak(self.inputs.feed(), self.spec.gtfs_date, exclude_route_types=self.spec.exclude_route_types)
        widths = np.asarray(overlay.widths, dtype=float)
        cls = np.clip(np.searchsorted(np.asarray(overlay.departure_bins, dtype=float),
                                      lines["departures"].to_numpy(), side="right") - 1, 0, len(widths) - 1)
        props = []
        for c, row in zip(cls, lines.itertuples()):
            tip = f"{row.from_name} – {row.to_name}: {row.departures} avgångar/dag"
            # a tooltip only: 2 000 segments with popups would double the file size
            props.append({"tip": tip, "_style": {"weight": float(widths[c])}})
        fg = self.group(overlay, False)
        style = {"color": overlay.colour, "opacity": 0.75, "weight": 1.0}
        self.geojson(_feature_collection(lines, props), style, style_key=True, highlight=False,
                     popup=False).add_to(fg)
        bins = overlay.departure_bins
        items = []
        for i, w in enumerate(overlay.widths):
            text = f"{bins[i]:g}–{bins[i + 1] - 1:g}" if i + 1 < len(bins) else f"≥ {bins[i]:g}"
            items.append(f'<span class="lu-bin">{_swatch(overlay.colour, kind="line", width=w)} {text}</span>')
        self.legend.add(overlay.group, f"{_esc(overlay.label)}, tisdag {_esc(self.spec.gtfs_date)}, båda riktningarna"
                                       f"<br>{' '.join(items)}<br><small>Raka linjer mellan hållplatser; "
                                       "anropsstyrd trafik ingår inte.</small>")
        return fg

    def _draw_roads(self, overlay: OverlaySpec):
        """The car network the engine wrote (``network`` layer), one line per edge, by road class."""
        from landuse.network import MAIN_ROAD_SOURCE

        network = self.inputs.access.get("car", {}).get("network")
        if network is None:
            self.legend.lack(INPUT_LABELS["car"] + ", lagret network")
            return None
        schematic = self.access_schematic("car")
        source = self.network_source("car") or ""
        # the spec's label names Lantmäteriet's main roads: another network is named by its own label
        label = overlay.label if source.startswith(MAIN_ROAD_SOURCE) else f"Bilens vägnät: {source[:120]}"
        rank = {c: i for i, c in enumerate(overlay.classes)}
        klass = (network["klass"].astype(object).where(network["klass"].notna(), None).to_numpy()
                 if "klass" in network.columns else np.full(len(network), None, dtype=object))
        if overlay.simplify_m:
            network = network.set_geometry(simplify_geometry(network.geometry, overlay.simplify_m).values)
        roads = (network["road"].astype(object).where(network["road"].notna(), None).to_numpy()
                 if "road" in network.columns else np.full(len(network), None, dtype=object))
        speeds = pd.to_numeric(network["speed_kph"], errors="coerce").to_numpy(dtype=float)
        fg = self.group(replace(overlay, label=label), schematic)
        cls = np.array([rank.get(k, len(rank)) for k in klass], dtype=int)
        # one GeoJson per class with one style (no style per edge: 14 000 edges), minor roads first, main on top
        for i in sorted(set(cls.tolist()), reverse=True):
            mine = np.flatnonzero(cls == i)
            props = []
            for j in mine:
                k, road, speed = klass[j], roads[j], speeds[j]
                kind = overlay.class_labels[i] if i < len(rank) else (str(k) if k else "väg")
                name = (f"Väg {road}" if str(road).isdigit() else str(road)) if road else ""
                props.append({"tip": (f"{name}: {kind.lower()}" if name else kind)
                              + (f", {_num(speed, 0)} km/h" if np.isfinite(speed) else "")
                              + _schematic_suffix(schematic)})
            style = ({"color": overlay.colours[i], "weight": overlay.widths[i], "opacity": 0.85} if i < len(rank)
                     else {"color": overlay.colour, "weight": overlay.width, "opacity": 0.85})
            # a tooltip only, as for the stråk: popups on every edge would double the file size
            self.geojson(_feature_collection(network.iloc[mine], props), style, highlight=False,
                         popup=False).add_to(fg)
        present = set(klass)
        items = [f'<span class="lu-bin">{_swatch(c, kind="line", width=w)} {_esc(text)}</span>'
                 for road_class, c, w, text in zip(overlay.classes, overlay.colours, overlay.widths,
                                                   overlay.class_labels)
                 if road_class in present]
        if not items or any(k not in rank for k in present):
            items.append(f'<span class="lu-bin">{_swatch(overlay.colour, kind="line", width=overlay.width)} '
                         "övriga länkar</span>")
        self.legend.add(overlay.group, f"{_esc(_with_schematic(label, schematic))}<br>{' '.join(items)}"
                                       f"<br><small>{_esc(source)}</small>")
        if not schematic and source.startswith(MAIN_ROAD_SOURCE):
            self.sources.append("Lantmäteriet Topografi 250 (huvudvägar; CC0)")
        return fg

    def _nodes(self, name: str) -> gpd.GeoDataFrame | None:
        frame = self.inputs.layer(name)
        if frame is None:
            return None
        if "population" not in frame.columns:
            frame = frame.assign(population=pd.to_numeric(frame.get("pop", 0), errors="coerce"))
        return frame

    def _node_collection(self, name: str, shown: str, describe) -> dict | None:
        """GeoJSON of the nodes of layer ``name``; ``describe(row, population)`` gives (tip, popup, radius).

        None, and a legend note that ``shown`` is missing, when the layer is.
        """
        frame = self._nodes(name)
        if frame is None:
            self.legend.lack(shown)
            return None
        props = []
        for row in frame.itertuples():
            tip, popup, radius = describe(row, float(pd.to_numeric(row.population, errors="coerce") or 0))
            props.append({"tip": tip, "popup": popup, "_style": {"radius": radius}})
        return _feature_collection(frame, props)

    def origin_shares(self) -> dict[str, dict[str, float]]:
        """Per mode: origin id -> ``share_within`` (share of its people within 60 min) as the engine wrote it."""
        out: dict[str, dict[str, float]] = {}
        for mode in ("car", "transit"):
            origins = self.inputs.access.get(mode, {}).get("origins")
            if origins is not None and "share_within" in origins.columns:
                out[mode] = dict(zip(origins["origin_id"].astype(str),
                                     pd.to_numeric(origins["share_within"], errors="coerce")))
        return out

    def _draw_tatorter(self, overlay: OverlaySpec):
        shares = self.origin_shares()
        schematic = {mode: self.access_schematic(mode) for mode in shares}

        def describe(row, pop: float):
            rows = [("Kommun", getattr(row, "kommun", "")), ("Folkmängd 2020", _num(pop, 0)),
                    ("Tätortskod", row.feature_id), ("Källa", "SCB, Tätorter 2020")]
            for mode, by_id in shares.items():
                share = by_id.get(str(row.feature_id))
                if share is not None:
                    rows.append((f"Andel inom 60 min, {_MODE_LABELS[mode]}",
                                 _pct(float(share)) + _schematic_suffix(schematic[mode])))
            return (f"{row.name}: {_num(pop, 0)} inv. (2020)",
                    _popup_html(f"{row.name} (tätort)", rows, schematic=False), _node_radius(pop))

        collection = self._node_collection("tatorter", "tätorter", describe)
        if collection is None:
            return None
        fg = self.group(overlay, False)
        style = {"color": overlay.colour, "weight": 1, "fill": True, "fillColor": "#ffffff", "fillOpacity": 0.8}
        self.geojson(collection, style, style_key=True, points=True).add_to(fg)
        self.legend.add(overlay.group, f"{_swatch('#ffffff', kind='circle')} {_esc(overlay.label)}")
        return fg

    def _draw_centralorter(self, overlay: OverlaySpec):
        def describe(row, pop: float):
            rows = [("Kommun", getattr(row, "kommun", "")), ("Folkmängd 2020", _num(pop, 0)),
                    ("Roll", "Kommunens centralort (RUS: mål för 60-minutersindikatorn)")]
            return (_esc(row.name), _popup_html(f"{row.name} (centralort)", rows, schematic=False),
                    _node_radius(pop) + 3)

        collection = self._node_collection("centralorter", "centralorter", describe)
        if collection is None:
            return None
        fg = self.group(overlay, False)
        style = {"color": overlay.colour, "weight": 3, "fill": True, "fillColor": "#ffd92f", "fillOpacity": 0.95}
        # the names are permanent labels: centralorter are the nodes a planner looks for first
        self.geojson(collection, style, style_key=True, points=True, highlight=False, labels=True).add_to(fg)
        self.legend.add(overlay.group, f"{_swatch('#ffd92f', kind='circle')} {_esc(overlay.label)}")
        return fg


THEME_VALUES = {"rennaring", "totalforsvar", "naturvard", "friluftsliv", "energi", "mineral", "kulturmiljo",
                "bostader", "jordbruk"}


def _node_radius(population: float) -> float:
    """Circle radius in pixels: area proportional to population (Luleå ≈ 20 px, 200 inv. ≈ 3 px)."""
    return round(2.0 + float(np.sqrt(max(population, 0.0))) / 12.0, 1)


_LEGEND_CSS = """
.lu-legend{position:fixed;left:10px;bottom:48px;z-index:1000;background:rgba(255,255,255,.93);
 padding:8px 10px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px/1.35 sans-serif;
 max-width:340px;max-height:62vh;overflow:auto}
.lu-legend h3{margin:0 0 2px;font-size:14px}.lu-legend h4{margin:6px 0 2px;font-size:12px}
.lu-legend p{margin:2px 0}.lu-legend .lu-item{margin:2px 0}
.lu-fill,.lu-circle{display:inline-block;width:12px;height:12px;vertical-align:middle;border:1px solid #555}
.lu-circle{border-radius:50%}.lu-line{display:inline-block;width:18px;vertical-align:middle}
.lu-bin{white-space:nowrap;margin-right:4px}.lu-schematic{color:#a50f15;font-weight:bold;margin:2px 0}
.lu-popup h4{margin:0 0 4px}.lu-popup th{text-align:left;padding-right:6px;vertical-align:top}
.lu-popup table{border-collapse:collapse}.lu-table td,.lu-table th{border-bottom:1px solid #ddd;padding:1px 4px}
.lu-label{font-weight:bold;background:rgba(255,255,255,.8);border:0;box-shadow:none;padding:0 3px}
.leaflet-container{background:#eef2f5}
.leaflet-control-layers-expanded{font:12px/1.3 sans-serif;max-width:330px}
"""


def _legend_html(spec: MapSpec, legend: _Legend, tiles: str | None, sources_drawn: list[str] = ()) -> str:
    parts = [f'<div class="lu-legend" id="lu-legend"><h3>{_esc(spec.title)}</h3>']
    if spec.subtitle:
        parts.append(f"<p>{_esc(spec.subtitle)}</p>")
    order = ["Noder", "Stråk", "Områden", "Tillgänglighet"]
    for group in order + [g for g in legend.sections if g not in order]:
        items = legend.sections.get(group)
        if items:
            parts.append(f"<h4>{_esc(group)}</h4>")
            parts += [f'<div class="lu-item">{item}</div>' for item in items]
    if spec.schematic_note:
        parts.append(f'<p class="lu-schematic">{_esc(spec.schematic_note)}</p>')
    if legend.missing:
        parts.append("<p><b>Saknas i denna karta:</b> " + ", ".join(legend.missing) + ".</p>")
    sources = ("Källor: SCB (kommungränser, tätorter 2020), Länstrafiken Norrbotten/Samtrafiken GTFS 2022-12-14 "
               "(CC0)" + "".join(f"; {_esc(s)}" for s in dict.fromkeys(sources_drawn))
               + "; schematiska riksintressen: landuse demodata.")
    if tiles:
        sources += f" Bakgrundskarta: {_esc(tiles)}."
    parts.append(f"<p><small>{sources}</small></p></div>")
    return "".join(parts)


def strukturbild_map(
    *,
    layers: str | Path | Mapping[str, gpd.GeoDataFrame] | None = None,
    conflicts: str | Path | gpd.GeoDataFrame | None = None,
    conflicts_table: str | Path | pd.DataFrame | None = None,
    car: str | Path | Mapping[str, gpd.GeoDataFrame] | None = None,
    car_table: str | Path | pd.DataFrame | None = None,
    transit: str | Path | Mapping[str, gpd.GeoDataFrame] | None = None,
    transit_table: str | Path | pd.DataFrame | None = None,
    gtfs: Feed | str | Path | bool | None = None,
    spec: str | Path | MapSpec | None = None,
    tiles: str | None = None,
    settings: Settings | None = None,
):
    """Build the strukturbild map (noder, stråk, områden) as a :class:`folium.Map`.

    Every input is optional: an overlay whose input is absent is left out of the
    layer control and named under "Saknas" in the legend.

    Parameters
    ----------
    layers : path or mapping, optional
        ``layers.gpkg`` (one layer per catalogue layer, EPSG:3006) or a mapping of
        catalogue name -> GeoDataFrame; default the embedded catalogue.
    conflicts : path or GeoDataFrame, optional
        ``malkonflikter.gpkg`` (layer ``faces``) or the faces: ``themes``,
        ``n_themes``, ``score``, ``area_km2``, ``kommun``, ``schematic``, polygons in EPSG:3006.
    conflicts_table : path or DataFrame, optional
        ``malkonflikter_per_kommun.csv``; default the ``pairs_per_kommun`` layer of ``conflicts``.
    car, transit : path or mapping, optional
        ``access_car.gpkg`` / ``access_transit.gpkg`` or a mapping with ``origins``
        (points with ``origin_id, kommun_code, population, travel_time_min, target``,
        optionally ``share_within``), ``isochrones`` (polygons with ``centralort,
        minutes, mode, schematic``) and, for car, ``network`` (the road edges the
        engine used: lines with ``speed_kph, source``, optionally ``road, klass``;
        drawn as the main-road stråk).
    car_table, transit_table : path or DataFrame, optional
        ``access_car.csv`` / ``access_transit.csv`` (indicator table; 60-minute share per kommun).
    gtfs : Feed, path or False, optional
        GTFS feed of the stråk (a zip, also with a top folder, or a folder, read by
        :func:`landuse.gtfs.load_feed`; or a loaded feed); default the embedded
        Länstrafiken feed; False leaves them out.  The stråk are :func:`landuse.gtfs.strak`.
    spec : path, name or MapSpec, optional
        Map spec; default ``maps/strukturbild.toml``.
    tiles : str, optional
        A folium/xyzservices basemap name (e.g. ``"OpenStreetMap"``, ``"OpenTopoMap"``,
        ``"Esri WorldImagery"``; the CartoDB names now need a CARTO API key). Default none:
        the map then needs no network at all.  URL templates are refused: folium needs an
        attribution for them.
    settings : Settings, optional

    Returns
    -------
    folium.Map
        With attributes ``landuse_overlays`` (ids of the overlays drawn, in layer-control
        order) and ``landuse_missing`` (legend texts of what was missing).  Leaflet is
        inlined from ``xstatic-leaflet``; write it with :func:`write_map`.

    Raises
    ------
    ConfigError, InputFileNotFoundError, UnreadableFileError, MissingCRSError, GTFSError
    LayerNotFoundError
        If the ``layers`` file holds none of the catalogue layer names (layers it lacks
        are otherwise taken from the embedded catalogue).
    InvalidSettingError
        If ``tiles`` is not a basemap name folium knows.

    Examples
    --------
    >>> m = strukturbild_map(gtfs=False)
    >>> m.landuse_overlays[:2]
    ['kommuner', 'omrade_rennaring']
    >>> "cdn.jsdelivr.net" in render_map(m)
    False
    """
    import folium

    settings = resolve(settings)
    _check_tiles(tiles)
    map_spec = spec if isinstance(spec, MapSpec) else load_map_spec(spec, settings=settings)
    inputs = _Inputs(layers=layers, conflicts=conflicts, conflicts_table=conflicts_table, car=car,
                     car_table=car_table, transit=transit, transit_table=transit_table, gtfs=gtfs,
                     settings=settings)
    m = folium.Map(location=(66.8, 20.5), zoom_start=6, tiles=tiles, control_scale=True, prefer_canvas=False)
    builder = _Builder(map_spec, inputs, settings)
    for overlay in map_spec.overlays:
        builder.draw(m, overlay)
    lan = inputs.layer("lan")
    bounds_frame = lan if lan is not None else inputs.layer("kommuner")
    if bounds_frame is not None:
        xmin, ymin, xmax, ymax = bounds_frame.to_crs(_WGS84).total_bounds
        m.fit_bounds([(ymin, xmin), (ymax, xmax)])
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    root = m.get_root()
    root.header.add_child(folium.Element(f"<style>{_LEGEND_CSS}</style>"), name="landuse_css")
    root.html.add_child(folium.Element(_legend_html(map_spec, builder.legend, tiles, builder.sources)),
                        name="landuse_legend")
    root.title = _esc(map_spec.title)  # branca pastes the title into <title> unescaped
    _inline_leaflet(m)
    m.landuse_overlays = list(builder.drawn)
    m.landuse_missing = list(builder.legend.missing)
    return m


# --------------------------------------------------------------------------- offline assets


def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS from the installed xstatic-leaflet, images as data URIs."""
    try:
        from xstatic.pkg import leaflet
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise LanduseError("xstatic-leaflet is not installed: pip install xstatic-leaflet (a landuse dependency).") from err
    base = Path(leaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)

    def data_uri(match: re.Match[str]) -> str:
        target = base / match.group(1)
        if not target.is_file():
            return match.group(0)
        mime = "image/svg+xml" if target.suffix == ".svg" else f"image/{target.suffix.lstrip('.')}"
        return f"url(data:{mime};base64,{base64.b64encode(target.read_bytes()).decode('ascii')})"

    css = re.sub(r"url\(\s*['\"]?(images/[^'\")]+)['\"]?\s*\)", data_uri, css)
    if "</script" in js.lower():  # pragma: no cover - would end the inline script early
        js = js.replace("</script", "<\\/script")
    return js, css


def _inline_leaflet(m) -> None:
    """Replace folium's CDN links (leaflet, jquery, bootstrap, font-awesome) by inline Leaflet.

    folium's ``Map`` declares its JS and CSS as CDN URLs in ``default_js`` /
    ``default_css``; the map draws only Leaflet vectors, tooltips, popups and the
    layer control, which need Leaflet alone, so the links are dropped and Leaflet's
    own files are embedded.
    """
    import folium

    m.default_js = []
    m.default_css = []
    js, css = _leaflet_assets()
    header = m.get_root().header
    header.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css_inline", index=0)
    header.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet_js_inline", index=1)


_REMOTE = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//[^\"' >]+", re.IGNORECASE)


def render_map(m) -> str:
    """The map as one self-contained HTML document.

    Raises
    ------
    LanduseError
        If an element of the map still links a script or stylesheet on the network
        (a folium plugin with CDN resources): the map would not work offline.
    """
    text = m.get_root().render()
    remote = _REMOTE.findall(text)
    if remote:
        raise LanduseError(
            f"The map links {len(remote)} remote scripts or stylesheets ({remote[0]}…) and would not work offline. "
            "Use only Leaflet features, or inline the plugin's files."
        )
    return text


def write_map(m, path: str | Path) -> Path:
    """Write the map to ``path`` as one self-contained HTML file, atomically.

    Returns
    -------
    Path
        ``path``.
    """
    return write_text(render_map(m), Path(path))


def demo_step(out_dir: Path, *, settings: Settings | None = None) -> list[str]:
    """Demo step: ``out_dir/strukturbild.html`` from the landuse outputs present in ``out_dir``."""
    out_dir = Path(out_dir)
    found = inputs_from_dir(out_dir)
    m = strukturbild_map(**found, settings=settings)
    path = write_map(m, out_dir / "strukturbild.html")
    size_mb = path.stat().st_size / 1e6
    lines = [f"wrote {path} ({size_mb:.1f} MB, {len(m.landuse_overlays)} overlays, offline: Leaflet inlined)"]
    if m.landuse_missing:
        lines.append("missing from the map (input not found): " + ", ".join(html.unescape(x) for x in m.landuse_missing))
    return lines
