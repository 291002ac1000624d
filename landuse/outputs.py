"""The output contract: every file name and column list landuse writes, and the one reader of an output folder.

Engines write these files; :func:`read_outputs` reads a folder of them for the map
(:mod:`landuse.maps`) and the report (:mod:`landuse.report`), with :func:`read_table`
and :func:`read_layer` as the one CSV and GeoPackage reader every presentation uses.
Imports stay light (pandas and pyogrio load inside the readers), so ``landuse --help``
loads no geopandas.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from landuse.errors import InputFileNotFoundError, UnreadableFileError
from landuse.settings import Settings, resolve

if TYPE_CHECKING:  # pragma: no cover - annotations only
    import pandas as pd

    from landuse._output_facts import AccessFacts

__all__ = [
    "ACCESS_FILES", "ACCESS_LAYERS", "CONFLICT_FILES", "CONFLICT_LAYERS", "COUNTY_CODE", "DATAPACKAGE",
    "DEMO_FILES", "EDGE_COLUMNS", "FACE_COLUMNS", "INDICATOR_COLUMNS", "ISOCHRONE_COLUMNS", "LAYERS_FILE",
    "MAIN_ROAD_SOURCE",
    "MAP_FILE", "MAP_INPUTS", "MODES", "OP_COLUMNS", "OP_FILES", "OP_LAYER", "OP_MAP_PREFIX", "OP_REPORT_FILES",
    "ORIGIN_COLUMNS", "ORIGIN_LAYER_COLUMNS", "ORIGIN_TREND_COLUMNS", "OUTPUT_FILES", "PAIR_COLUMNS",
    "POINT_LAYER_COLUMNS", "POPULATION_FILE", "REPORT_FILES", "SCHEMATIC_DEFAULT", "TEXT_COLUMNS",
    "TREND_CHANGE_LAYERS", "TREND_COLUMNS", "TREND_FILES", "Outputs", "list_layers", "op_map_names",
    "population_totals", "read_layer", "read_outputs", "read_table", "workbook_name",
]

# --------------------------------------------------------------------------- file names

#: Every embedded catalogue layer, one GeoPackage layer each (EPSG:3006): the demo's first file.
LAYERS_FILE = "layers.gpkg"
#: The målkonflikt run: faces and pair table (GeoPackage), the pair table (CSV), the raster score grid.
CONFLICT_FILES = {"gpkg": "malkonflikter.gpkg", "csv": "malkonflikter_per_kommun.csv",
                  "tif": "malkonflikter_score.tif"}
#: Layers of ``malkonflikter.gpkg``: the overlay faces, then the pair table.
CONFLICT_LAYERS = ("faces", "pairs_per_kommun")
#: Travel modes, in the order the map and the report show them.
MODES = ("car", "transit")
#: Per mode: the indicator table (CSV) and the origins, points, isochrones (GeoPackage).
ACCESS_FILES = {"car": {"csv": "access_car.csv", "gpkg": "access_car.gpkg"},
                "transit": {"csv": "access_transit.csv", "gpkg": "access_transit.gpkg"}}
#: Layers of an accessibility GeoPackage (``network``: the car engine's road edges, car only).
ACCESS_LAYERS = ("origins", "origin_points", "isochrones", "network")
#: Source label of a car network built from Lantmäteriet's main roads (the embedded default): it opens
#: the ``network`` layer's source and the layer descriptions, by which the map, the report and the
#: Data Package recognise such a run (:mod:`landuse.network.main_roads` builds the networks).
MAIN_ROAD_SOURCE = "Lantmäteriet Topografi 250, huvudvägnät"
#: The transit indicator over timetable versions: table, origins and changes, chart.
TREND_FILES = {"csv": "access_trend.csv", "gpkg": "access_trend.gpkg", "png": "access_trend.png"}
#: Tables of ``access_trend.gpkg`` that say what changed between two timetables.
TREND_CHANGE_LAYERS = ("kommun_changes", "origin_changes", "route_changes")
#: ``landuse op-check``: overlaps (CSV, and GeoPackage layer :data:`OP_LAYER`).
OP_FILES = {"csv": "op_check.csv", "gpkg": "op_check.gpkg"}
OP_LAYER = "op_check"
#: The report of ``landuse op-check --report`` (see :mod:`landuse.opcheck_report`).
OP_REPORT_FILES = {"md": "op_check.md", "html": "op_check.html"}
#: Its maps are ``op_check_<plan id, sanitised>.png``, one per planned area with overlaps (:func:`op_map_names`).
OP_MAP_PREFIX = "op_check_"
#: The strukturbild map (one offline HTML file).
MAP_FILE = "strukturbild.html"
#: The demo report and its charts.
REPORT_FILES = {"md": "rapport.md", "html": "rapport.html", "conflicts_chart": "rapport_malkonflikter.png",
                "access_chart": "rapport_tillganglighet.png"}
#: The Frictionless Data Package written into every output folder (see :mod:`landuse.datapackage`).
DATAPACKAGE = "datapackage.json"
#: SCB's population per kommun and county (embedded data, ``Settings.data_dir``): the whole population
#: behind the share bounds of the accessibility tables (see :func:`population_totals`).
POPULATION_FILE = "kommun_folkmangd.csv"

#: Input name of the map -> file name in an output folder (the keys are :func:`landuse.maps.strukturbild_map`'s).
MAP_INPUTS: dict[str, str] = {
    "layers": LAYERS_FILE,
    "conflicts": CONFLICT_FILES["gpkg"],
    "conflicts_table": CONFLICT_FILES["csv"],
    **{key: files[kind] for mode, files in ACCESS_FILES.items()
       for key, kind in ((mode, "gpkg"), (f"{mode}_table", "csv"))},
}
#: Every output :func:`read_outputs` looks for, by key: the map's inputs, the trend files, the map.
OUTPUT_FILES: dict[str, str] = {
    **MAP_INPUTS,
    "trend": TREND_FILES["gpkg"],
    "trend_table": TREND_FILES["csv"],
    "map": MAP_FILE,
}


def workbook_name(csv_name: str | Path) -> str:
    """The Excel workbook's file name for a CSV output: same stem, ``.xlsx``.

    Parameters
    ----------
    csv_name : str or Path
        A CSV output, e.g. ``access_car.csv``.

    Returns
    -------
    str

    Examples
    --------
    >>> workbook_name("access_car.csv")
    'access_car.xlsx'
    """
    return Path(csv_name).with_suffix(".xlsx").name


#: Every file a demo run writes (a later demo run into the same folder replaces them all).
DEMO_FILES: tuple[str, ...] = (
    LAYERS_FILE, CONFLICT_FILES["gpkg"], CONFLICT_FILES["csv"],
    *(ACCESS_FILES[mode][kind] for mode in MODES for kind in ("csv", "gpkg")),
    TREND_FILES["csv"], TREND_FILES["gpkg"], TREND_FILES["png"],
    *(workbook_name(name) for name in (CONFLICT_FILES["csv"], *(ACCESS_FILES[m]["csv"] for m in MODES),
                                       TREND_FILES["csv"])),
    MAP_FILE, REPORT_FILES["md"], REPORT_FILES["html"], REPORT_FILES["conflicts_chart"],
    REPORT_FILES["access_chart"],
)


def op_map_names(plan_ids: Iterable[str]) -> dict[str, str]:
    """File names ``op_check_<id>.png`` for plan ids: ASCII letters, digits, ``-`` and ``_``, unique.

    Accents are dropped (``Älvsbyn`` -> ``Alvsbyn``), other characters become ``_``, names
    are cut at 60 characters, and ids that end up alike (also case-insensitively, for
    file systems that fold case) get ``_2``, ``_3`` ...

    Parameters
    ----------
    plan_ids : iterable of str
        Ids of the planned areas, in map order.

    Returns
    -------
    dict
        Plan id -> PNG file name.

    Examples
    --------
    >>> op_map_names(["P 1", "p/1", "Ön"])
    {'P 1': 'op_check_P_1.png', 'p/1': 'op_check_p_1_2.png', 'Ön': 'op_check_On.png'}
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for plan_id in plan_ids:
        if plan_id in out:
            continue
        ascii_id = unicodedata.normalize("NFKD", str(plan_id)).encode("ascii", "ignore").decode()
        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_id).strip("_-")[:60] or "omrade"
        name, i = stem, 2
        while name.casefold() in taken:
            name, i = f"{stem}_{i}", i + 1
        taken.add(name.casefold())
        out[plan_id] = f"{OP_MAP_PREFIX}{name}.png"
    return out


# --------------------------------------------------------------------------- column contracts

#: ``kommun_code`` of the county row (Norrbottens län) in the indicator and pair tables.
COUNTY_CODE = "25"
#: ``malkonflikter_per_kommun.csv`` and the ``pairs_per_kommun`` layer, in order.
PAIR_COLUMNS = ["kommun_code", "kommun", "theme_a", "theme_b", "weight", "area_km2", "share_of_kommun"]
#: Attribute columns of the ``faces`` layer, in order (then ``geometry``).
FACE_COLUMNS = ["face_id", "kommun_code", "kommun", "themes", "n_themes", "score", "area_km2", "feature_ids",
                "schematic"]
#: ``access_car.csv`` and ``access_transit.csv``: one row per kommun (and the county) and threshold.
INDICATOR_COLUMNS = ["kommun_code", "kommun", "minutes", "population", "population_within", "share_within"]
#: Per mode: the travel time of each origin (point), as the engine returns it.
ORIGIN_COLUMNS = {
    "car": ["origin_id", "kommun_code", "population", "travel_time_min", "target"],
    "transit": ["origin_id", "kommun_code", "population", "travel_time_min", "best_min", "median_min", "target"],
}
#: Per mode: the ``origins`` layer, one row per origin summarised over its points (then ``geometry``).
ORIGIN_LAYER_COLUMNS = {
    "car": ORIGIN_COLUMNS["car"] + ["name", "share_within", "radius_m", "access_m", "access_min"],
    "transit": ORIGIN_COLUMNS["transit"] + ["name", "share_within", "radius_m"],
}
#: Per mode: the ``origin_points`` layer, one row per routed point (then ``geometry``).
POINT_LAYER_COLUMNS = {
    "car": ["point_id", *ORIGIN_COLUMNS["car"], "access_m", "access_min", "approximate"],
    "transit": ["point_id", *ORIGIN_COLUMNS["transit"]],
}
#: The ``isochrones`` layer of either mode (then ``geometry``).
ISOCHRONE_COLUMNS = ["target_id", "centralort", "kommun_code", "minutes", "mode", "schematic"]
#: The ``network`` layer of ``access_car.gpkg``: the road edges used (then LineString ``geometry``).
EDGE_COLUMNS = ["u", "v", "length_m", "speed_kph", "travel_time_min", "road", "klass", "source"]
#: ``access_trend.csv``: the transit indicator per timetable version.
TREND_COLUMNS = ["feed", "date", "kommun_code", "kommun", "minutes", "population", "population_within",
                 "share_within"]
#: The ``origins`` layer of ``access_trend.gpkg``: one row per origin and feed.
ORIGIN_TREND_COLUMNS = ["feed", "date", "origin_id", "name", "kommun_code", "population", "travel_time_min",
                        "best_min", "median_min", "share_within", "target"]
#: ``op_check.csv`` (and the ``op_check`` layer, which adds the overlap geometry).
OP_COLUMNS = ["plan_id", "use", "theme", "layer", "feature_id", "feature_name", "overlap_m2",
              "share_of_plan_area", "weight", "schematic"]
#: Per mode: whether its figures count as schematic when its files say nothing of their inputs (no
#: ``schematic`` column, no network source label): nothing says the car network is real, so the car
#: figures are marked; the transit feed is Länstrafiken's real timetable.
SCHEMATIC_DEFAULT = {"car": True, "transit": False}
#: Columns of the CSV outputs read as text: codes keep their digits as written, names stay names.
TEXT_COLUMNS = ("kommun_code", "kommun", "theme_a", "theme_b", "feed", "date", "plan_id", "use", "theme", "layer",
                "feature_id", "feature_name")


# --------------------------------------------------------------------------- readers


def _check_exists(path: Path, what: str) -> Path:
    if not path.exists():
        raise InputFileNotFoundError(f"The {what} file `{path}` does not exist. Check the path, or run `landuse demo`.")
    return path


def read_table(path: str | Path, *, what: str = "output") -> pd.DataFrame:
    """Read a CSV output as written: :data:`TEXT_COLUMNS` as text, the other columns as numbers.

    Parameters
    ----------
    path : str or Path
        A CSV that landuse wrote (UTF-8, decimal point, English column names).
    what : str
        How to name the table in an error message ("målkonflikt", "car accessibility" ...).

    Returns
    -------
    pandas.DataFrame
        The columns of the file in order (e.g. :data:`PAIR_COLUMNS`, :data:`INDICATOR_COLUMNS`).

    Raises
    ------
    InputFileNotFoundError
        If ``path`` does not exist.
    UnreadableFileError
        If it is not a CSV.
    """
    import pandas as pd

    path = _check_exists(Path(path), what)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8").columns
        return pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS if c in header}, encoding="utf-8")
    except Exception as err:  # noqa: BLE001 - pandas raises several types
        raise UnreadableFileError(
            f"The {what} table `{path.name}` cannot be read as CSV ({err}).") from err


def list_layers(path: str | Path, *, what: str = "output") -> list[str]:
    """Names of the layers and attribute tables of a GeoPackage output.

    Parameters
    ----------
    path : str or Path
        A GeoPackage that landuse wrote.
    what : str
        How to name the file in an error message.

    Returns
    -------
    list of str
        In the file's order.

    Raises
    ------
    InputFileNotFoundError, UnreadableFileError
    """
    import pyogrio

    path = _check_exists(Path(path), what)
    try:
        return [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as err:  # noqa: BLE001 - pyogrio raises several types
        raise UnreadableFileError(f"`{path.name}` cannot be opened as a GeoPackage ({err}).") from err


def read_layer(path: str | Path, layer: str, *, what: str = "output", columns: list[str] | None = None,
               geometry: bool = True, max_features: int | None = None):
    """Read one layer of a GeoPackage output.

    Parameters
    ----------
    path : str or Path
        A GeoPackage that landuse wrote (EPSG:3006).
    layer : str
        Layer or attribute table, e.g. ``faces``, ``origins``, ``pairs_per_kommun``.
    what : str
        How to name the file in an error message.
    columns : list of str, optional
        Read only these columns (default all).
    geometry : bool
        False reads the attributes only (faster).
    max_features : int, optional
        Read at most this many rows.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        A GeoDataFrame in the file's CRS (EPSG:3006 for landuse outputs); a DataFrame
        for an attribute table or with ``geometry=False``.

    Raises
    ------
    InputFileNotFoundError, UnreadableFileError
    """
    import pyogrio

    path = _check_exists(Path(path), what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL notes on attribute-only layers
            return pyogrio.read_dataframe(path, layer=layer, columns=columns, read_geometry=geometry,
                                          max_features=max_features)
    except Exception as err:  # noqa: BLE001 - pyogrio raises several types
        raise UnreadableFileError(
            f"Layer {layer!r} of the {what} file `{path.name}` cannot be read ({err}). "
            "Check that it is a landuse output."
        ) from err


def population_totals(settings: Settings | None = None) -> pd.DataFrame:
    """SCB's population per kommun and of the county, 31 Dec 2020: the whole population behind the share bounds.

    Parameters
    ----------
    settings : Settings, optional
        ``data_dir`` holds :data:`POPULATION_FILE`.

    Returns
    -------
    pandas.DataFrame
        ``kommun_code`` (text; :data:`COUNTY_CODE` is the county), ``kommun``,
        ``population_total`` (people), one row each.

    Examples
    --------
    >>> totals = population_totals()
    >>> int(totals.loc[totals["kommun_code"] == COUNTY_CODE, "population_total"].iloc[0]) > 240_000
    True
    """
    import pandas as pd

    totals = pd.read_csv(resolve(settings).data_dir / POPULATION_FILE, dtype={"kommun_code": str})
    return totals[["kommun_code", "kommun", "folkmangd_2020_12_31"]].rename(
        columns={"folkmangd_2020_12_31": "population_total"})


# --------------------------------------------------------------------------- one folder


@dataclass(eq=False)
class Outputs:
    """The landuse outputs found in one folder: paths, and tables and flags read on first use, once.

    The map takes the paths (:meth:`map_inputs`); the report reads the tables and what
    the files say about their inputs (the attributes below).  Build it with :func:`read_outputs`.
    Size: over 150 lines, one documented property per fact the map and the report read.

    Attributes
    ----------
    folder : Path
        The output folder.
    files : dict of str to Path
        Key of :data:`OUTPUT_FILES` -> path, for every output present.
    settings : Settings or None
        Where the catalogue and SCB's population are read.
    conflicts : DataFrame or None
        ``malkonflikter_per_kommun.csv`` (:data:`PAIR_COLUMNS`).
    conflicts_schematic : bool
        Whether the faces' ``schematic`` column marks any face; without faces, whether
        any catalogue layer of an interest theme is schematic.
    car, transit : DataFrame or None
        ``access_car.csv`` / ``access_transit.csv`` (:data:`INDICATOR_COLUMNS`) with
        the columns of :func:`landuse.access.indicator.share_bounds` (``population_total``,
        ``share_lower``, ``share_upper``: the share over the whole population).
    car_schematic, transit_schematic : bool
        The isochrones' ``schematic`` column, else the network's source label (car),
        else car schematic and transit real.
    car_network : str or None
        Source label of the car network: the ``network`` layer's ``source``, else the
        layer descriptions.
    car_approximate : float or None
        People living where the access leg off the network is more than half the trip
        (the ``approximate`` flag of the car ``origin_points`` layer); None without that layer.
    origins_as_areas : dict
        Per mode whose origins are tätorter modelled as discs (``radius_m`` > 0): the
        number of points they were spread over.
    trend : DataFrame or None
        ``access_trend.csv`` (:data:`TREND_COLUMNS`).
    trend_changes : dict of DataFrame
        The :data:`TREND_CHANGE_LAYERS` of ``access_trend.gpkg`` that are present.
    missing : list of str
        File names of the tables looked for and not found.
    has_map : bool
        Whether ``strukturbild.html`` is there.
    """

    folder: Path
    files: dict[str, Path]
    settings: Settings | None = field(default=None, repr=False)

    def map_inputs(self) -> dict[str, Path]:
        """The map's inputs present, by :data:`MAP_INPUTS` name: pass them to :func:`landuse.maps.strukturbild_map`.

        Returns
        -------
        dict
            Input name (``layers``, ``conflicts``, ``car_table`` ...) -> path.
        """
        return {name: self.files[name] for name in MAP_INPUTS if name in self.files}

    @property
    def missing(self) -> list[str]:
        return [OUTPUT_FILES[key] for key in ("conflicts_table", *(f"{m}_table" for m in MODES))
                if key not in self.files]

    @property
    def has_map(self) -> bool:
        return "map" in self.files

    @cached_property
    def conflicts(self) -> pd.DataFrame | None:
        path = self.files.get("conflicts_table")
        return None if path is None else read_table(path, what="målkonflikt")

    @cached_property
    def conflicts_schematic(self) -> bool:
        path = self.files.get("conflicts")
        if path is not None:
            faces = read_layer(path, CONFLICT_LAYERS[0], what="målkonflikt", columns=["schematic"], geometry=False)
            if len(faces):
                return bool(faces["schematic"].astype(bool).any())
        from landuse.layers import catalogue
        from landuse.themes import INTEREST_THEMES

        return any(s.schematic for s in catalogue(self.settings).values() if s.theme in INTEREST_THEMES)

    def access_table(self, mode: str) -> pd.DataFrame | None:
        """The indicator table of a travel mode, with its share bounds over the whole population.

        Parameters
        ----------
        mode : str
            One of :data:`MODES`.

        Returns
        -------
        pandas.DataFrame or None
            :data:`INDICATOR_COLUMNS` and ``population_total``, ``share_lower``,
            ``share_upper`` (:func:`landuse.access.indicator.share_bounds`); None when the file is absent.
        """
        return self._access_tables.get(mode)

    @cached_property
    def _access_tables(self) -> dict[str, pd.DataFrame]:
        from landuse.access.indicator import share_bounds

        return {mode: share_bounds(read_table(self.files[f"{mode}_table"], what=f"{mode} accessibility"),
                                   self.settings)
                for mode in MODES if f"{mode}_table" in self.files}

    @property
    def car(self) -> pd.DataFrame | None:
        return self.access_table("car")

    @property
    def transit(self) -> pd.DataFrame | None:
        return self.access_table("transit")

    def access_schematic(self, mode: str) -> bool:
        """Whether the figures of a travel mode rest on schematic input, as its GeoPackage says.

        Parameters
        ----------
        mode : str
            One of :data:`MODES`.

        Returns
        -------
        bool
            The isochrones' ``schematic`` column, else (car) the network's source label,
            else :data:`SCHEMATIC_DEFAULT`.
        """
        return self._access_facts[mode].schematic

    @property
    def car_schematic(self) -> bool:
        return self.access_schematic("car")

    @property
    def transit_schematic(self) -> bool:
        return self.access_schematic("transit")

    @property
    def car_network(self) -> str | None:
        return self._access_facts["car"].network

    @property
    def car_approximate(self) -> float | None:
        return self._access_facts["car"].approximate

    @property
    def origins_as_areas(self) -> dict[str, int]:
        return {mode: facts.area_points for mode, facts in self._access_facts.items() if facts.area_points is not None}

    @cached_property
    def _access_facts(self) -> dict[str, AccessFacts]:
        from landuse._output_facts import access_facts  # it reads through this module's readers

        return {mode: access_facts(self.files.get(mode), mode) for mode in MODES}

    @cached_property
    def trend(self) -> pd.DataFrame | None:
        path = self.files.get("trend_table")
        return None if path is None else read_table(path, what="trend")

    @cached_property
    def trend_changes(self) -> dict[str, pd.DataFrame]:
        path = self.files.get("trend")
        if self.trend is None or path is None:
            return {}
        present = set(list_layers(path, what="trend"))
        return {name: read_layer(path, name, what="trend", geometry=False)
                for name in TREND_CHANGE_LAYERS if name in present}


def read_outputs(folder: str | Path, *, settings: Settings | None = None) -> Outputs:
    """The landuse outputs in ``folder`` (e.g. what ``landuse demo --out`` wrote).

    Only the file names are looked up here; tables and layers are read when first used.

    Parameters
    ----------
    folder : str or Path
        An output folder (a missing folder holds no outputs).
    settings : Settings, optional
        Where the layer catalogue and SCB's population per kommun are read.

    Returns
    -------
    Outputs

    Examples
    --------
    >>> found = read_outputs("no/such/folder")
    >>> found.map_inputs(), found.missing[0]
    ({}, 'malkonflikter_per_kommun.csv')
    """
    folder = Path(folder)
    files = {key: folder / name for key, name in OUTPUT_FILES.items() if (folder / name).is_file()}
    return Outputs(folder=folder, files=files, settings=settings)
