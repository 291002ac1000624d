"""Table Schemas of the output tables: what each column means, its unit and bounds.

:func:`csv_contracts` gives each CSV output its columns in order (the contracts of
:mod:`landuse.outputs`), :data:`FIELDS` what each column means; a CSV that is no
landuse output gets a schema inferred from its values.  Used by :mod:`landuse.datapackage`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landuse.outputs import (
    ACCESS_FILES,
    CONFLICT_FILES,
    INDICATOR_COLUMNS,
    LAYERS_FILE,
    MAP_FILE,
    OP_COLUMNS,
    OP_FILES,
    OP_REPORT_FILES,
    PAIR_COLUMNS,
    REPORT_FILES,
    TREND_COLUMNS,
    TREND_FILES,
)

__all__ = ["FIELDS", "OGR_TYPES", "SHARE_UNIT", "Contract", "Field", "contract_schema", "csv_contracts",
           "csv_header", "field_descriptor", "file_titles", "inferred_schema", "schematic_figures"]

#: Unit of a share column.
SHARE_UNIT = "share 0–1"

#: Values a Table Schema reader parses as integer, number, boolean (for CSVs without a contract).
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|NaN|INF|-INF")
_BOOLEAN = {"true", "True", "TRUE", "false", "False", "FALSE"}

OGR_TYPES = {"OFTString": "string", "OFTInteger": "integer", "OFTInteger64": "integer", "OFTReal": "number",
              "OFTDate": "date", "OFTDateTime": "datetime", "OFTTime": "time"}


@dataclass(frozen=True)
class Field:
    """What a column means: Table Schema type, unit, description, bounds.

    ``derived`` marks a figure computed from the analysis inputs, so it is schematic
    whenever those inputs are.
    """

    type: str
    description: str
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    derived: bool = False


#: Column meanings shared by the output contracts and the GeoPackage layers.  The
#: column lists and their order come from the engines' contract constants.
FIELDS: dict[str, Field] = {
    "feed": Field("string", "Timetable version: feed_version of the GTFS feed_info.txt, else the file name"),
    "date": Field("date", "Service day the timetable was measured on (YYYY-MM-DD)"),
    "kommun_code": Field("string", "SCB kommun code (4 digits, e.g. 2580 Luleå); in the accessibility tables "
                                   "the code 25 marks the county row, Norrbottens län"),
    "kommun": Field("string", "Kommun name (Norrbottens län on the county row)"),
    "theme_a": Field("string", "First interest theme of the pair (theme_a < theme_b)"),
    "theme_b": Field("string", "Second interest theme of the pair"),
    "weight": Field("integer", "Conflict weight from analyses/malkonflikter.toml: 0 compatible, 1 minor, "
                                "2 significant, 3 severe", "weight 0–3", 0, 3),
    "area_km2": Field("number", "Area where both themes (or the face's themes) claim the ground", "km²", 0,
                       derived=True),
    "share_of_kommun": Field("number", "area_km2 as a share of the kommun's area", SHARE_UNIT, 0, 1, derived=True),
    "minutes": Field("number", "Travel-time threshold; a time equal to it counts as within", "minutes", 0),
    "population": Field("number", "People at the origins (SCB tätorter 2020 unless a population file was given)",
                         "people", 0),
    "population_within": Field("number", "People whose travel time to the centralort is at most `minutes`",
                                "people", 0, derived=True),
    "share_within": Field("number", "Share of the people within the threshold: population_within / population in "
                                     "the indicator tables; in an origins layer the share of the tätort's people "
                                     "within 60 minutes; empty where the population is 0", SHARE_UNIT, 0, 1,
                           derived=True),
    "plan_id": Field("string", "Id of the planned area of the översiktsplan"),
    "use": Field("string", "Planned use (ÖP-modell 2.1 mark- och vattenanvändning)"),
    "theme": Field("string", "Interest theme"),
    "layer": Field("string", "Catalogue layer (or file) the feature comes from"),
    "feature_id": Field("string", "Id of the feature in its layer"),
    "feature_name": Field("string", "Name of the interest feature"),
    "name": Field("string", "Name of the feature (an origin: the tätort's SCB name); schematic stand-ins end in "
                             "\"(schematisk)\""),
    "overlap_m2": Field("number", "Area where the planned area overlaps the interest feature", "m²", 0,
                         derived=True),
    "share_of_plan_area": Field("number", "overlap_m2 as a share of the planned area", SHARE_UNIT, 0, 1, derived=True),
    "schematic": Field("boolean", "True when the figure rests on a schematic stand-in, never official data"),
    "face_id": Field("integer", "Id of the atomic overlay face"),
    "themes": Field("string", "Themes covering the face, comma-separated"),
    "n_themes": Field("integer", "Number of themes covering the face", "themes", 2),
    "score": Field("number", "Face score: sum or maximum of the weights of the theme pairs present", "weight 0–3",
                    0, derived=True),
    "feature_ids": Field("string", "layer:feature_id of every feature covering the face, ';'-separated"),
    "origin_id": Field("string", "Id of the origin (tätort code or population cell)"),
    "travel_time_min": Field("number", "Travel time to the centralort (an origin of several points: the "
                                        "population-weighted median; a network edge: its travel time); empty when "
                                        "unreachable", "minutes", 0, derived=True),
    "best_min": Field("number", "Best travel time over the departure window; empty when unreachable", "minutes",
                       0, derived=True),
    "median_min": Field("number", "Median travel time over the departure window; empty when unreachable",
                         "minutes", 0, derived=True),
    "target": Field("string", "Centralort reached (for an origin: the one most of its people reach)"),
    "target_id": Field("string", "Id of the centralort"),
    "centralort": Field("string", "Name of the centralort"),
    "mode": Field("string", "Travel mode: car or transit"),
    "point_id": Field("string", "Id of a point of an origin's area, \"<origin_id>#<k>\" (the origin's people are "
                                 "shared equally by its points, 250 m apart)"),
    "radius_m": Field("number", "Radius of the disc with the tätort's SCB land area that models it (0: a point)",
                       "m", 0),
    "access_m": Field("number", "Car: length of the access leg between the point and its nearest network node, "
                                 "straight line x Settings.access_detour_factor (an origin: population-weighted "
                                 "mean of its points)", "m", 0, derived=True),
    "access_min": Field("number", "Car: time of the access leg at Settings.access_speed_kph (an origin: "
                                   "population-weighted mean of its points)", "minutes", 0, derived=True),
    "u": Field("integer", "Network node index of one end of the edge (u < v)", minimum=0),
    "v": Field("integer", "Network node index of the other end of the edge", minimum=0),
    "length_m": Field("number", "Length of the road edge", "m", 0),
    "speed_kph": Field("number", "Free-flow speed on the edge (Topografi 250: typical posted limit of its klass)",
                        "km/h", 0),
    "road": Field("string", "Road number (vägnummer, e.g. E4, 97); empty for unnumbered roads and for networks "
                             "without numbers"),
    "klass": Field("string", "Lantmäteriet Topografi 250 road class: motorvag, motortrafikled, motesfri, landsvag"),
    "source": Field("string", "Source of the network the edge belongs to"),
}


@dataclass(frozen=True)
class Contract:
    """A CSV output contract: column list (a :mod:`landuse.outputs` constant), title, row key."""

    columns: tuple[str, ...]
    title: str
    key: tuple[str, ...] = ()


def csv_contracts() -> dict[str, Contract]:
    """The CSV outputs landuse writes, by file name, with their column contracts.

    Returns
    -------
    dict
        File name -> :class:`Contract`.
    """
    indicator = tuple(INDICATOR_COLUMNS)
    return {
        TREND_FILES["csv"]: Contract(tuple(TREND_COLUMNS), "Share of the population within N minutes of a "
                                     "centralort by public transport, per timetable version",
                                     ("feed", "kommun_code", "minutes")),
        CONFLICT_FILES["csv"]: Contract(tuple(PAIR_COLUMNS), "Målkonflikter: area per kommun and theme pair",
                                        ("kommun_code", "theme_a", "theme_b")),
        ACCESS_FILES["car"]["csv"]: Contract(indicator, "Share of the population within N minutes of a centralort "
                                             "by car", ("kommun_code", "minutes")),
        ACCESS_FILES["transit"]["csv"]: Contract(indicator, "Share of the population within N minutes of a "
                                                 "centralort by public transport", ("kommun_code", "minutes")),
        OP_FILES["csv"]: Contract(tuple(OP_COLUMNS), "Översiktsplan check: planned areas against interest features"),
    }


def file_titles() -> dict[str, str]:
    """Titles of the non-CSV outputs landuse writes.

    Returns
    -------
    dict
        File name -> English title of its Data Package resource.
    """
    return {
        LAYERS_FILE: "Every embedded catalogue layer, one GeoPackage layer each",
        CONFLICT_FILES["gpkg"]: "Målkonflikter: overlay faces and the per-kommun pair table",
        CONFLICT_FILES["tif"]: "Målkonflikt score grid (float32, nodata -1 outside the kommuner)",
        ACCESS_FILES["car"]["gpkg"]: "Car accessibility: origins (tätorter as areas) and their points with travel "
                                     "times, isochrones, the road network used",
        ACCESS_FILES["transit"]["gpkg"]: "Public-transport accessibility: origins (tätorter as areas) and their "
                                         "points with travel times, isochrones",
        OP_FILES["gpkg"]: "Översiktsplan check: overlaps of planned areas and interest features",
        MAP_FILE: "Strukturbild: interactive map (Leaflet inlined)",
        REPORT_FILES["md"]: "Report (Markdown)",
        REPORT_FILES["html"]: "Report (HTML)",
        OP_REPORT_FILES["md"]: "ÖP-check report per planned area (Markdown)",
        OP_REPORT_FILES["html"]: "ÖP-check report per planned area (HTML)",
        TREND_FILES["gpkg"]: "Public transport over timetable versions: origins per feed and what changed",
        TREND_FILES["png"]: "Share within 60 minutes per kommun across timetable versions",
    }


def field_descriptor(name: str, type_: str | None = None) -> dict[str, Any]:
    """Table Schema field descriptor of a column, with its meaning, unit and bounds when known.

    Parameters
    ----------
    name : str
        Column name (a key of :data:`FIELDS`, or any other).
    type_ : str, optional
        Table Schema type that overrides the known one (read from the file).

    Returns
    -------
    dict
        ``name``, ``type`` and, for a known column, ``description``, ``unit`` and ``constraints``.
    """
    known = FIELDS.get(name)
    out: dict[str, Any] = {"name": name, "type": type_ or (known.type if known else "string")}
    if known is None:
        return out
    out["description"] = known.description
    if known.unit:
        out["unit"] = known.unit
    bounds = {k: v for k, v in (("minimum", known.minimum), ("maximum", known.maximum)) if v is not None}
    if bounds and out["type"] in {"integer", "number"}:
        out["constraints"] = bounds
    return out


def csv_header(path: Path) -> list[str]:
    """Column names of a CSV's first row.

    Parameters
    ----------
    path : Path
        A CSV in UTF-8 (undecodable bytes replaced).

    Returns
    -------
    list of str
    """
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        return next(csv.reader(fh), [])


def _infer_type(value: str, current: str | None) -> str:
    """Narrowest Table Schema type holding ``value`` and every earlier value (type ``current``)."""
    if current in (None, "integer") and _INTEGER.fullmatch(value):
        return "integer"
    if current in (None, "integer", "number") and _NUMBER.fullmatch(value):
        return "number"
    if current in (None, "boolean") and value in _BOOLEAN:
        return "boolean"
    return "string"


def inferred_schema(path: Path) -> dict[str, Any]:
    """Table Schema of a CSV that is no landuse contract: header names, types from every value.

    Parameters
    ----------
    path : Path
        A CSV in UTF-8.

    Returns
    -------
    dict
        ``fields`` (narrowest type holding every value) and ``missingValues``.
    """
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        types: list[str | None] = [None] * len(header)
        for row in reader:
            for i, value in enumerate(row[:len(header)]):
                if value != "":
                    types[i] = _infer_type(value, types[i])
    fields = [field_descriptor(column, types[i] or "string") for i, column in enumerate(header)]
    for f in fields:
        f.setdefault("description", "Not a landuse output contract; type inferred from the values")
    return {"fields": fields, "missingValues": [""]}


def contract_schema(contract: Contract) -> dict[str, Any]:
    """Table Schema of a contract: its columns in order, the row key when every key column is present.

    Parameters
    ----------
    contract : Contract

    Returns
    -------
    dict
        ``fields``, ``missingValues`` and, with a key, ``primaryKey``.
    """
    schema: dict[str, Any] = {"fields": [field_descriptor(c) for c in contract.columns], "missingValues": [""]}
    if contract.key and set(contract.key) <= set(contract.columns):
        schema["primaryKey"] = list(contract.key)
    return schema

def schematic_figures(resource: dict[str, Any]) -> list[str]:
    """Columns of a schematic table whose figures are computed from the (schematic) inputs.

    Parameters
    ----------
    resource : dict
        A Data Package resource with a ``schema``.

    Returns
    -------
    list of str
        The fields marked ``derived`` in :data:`FIELDS`.
    """
    fields = resource.get("schema", {}).get("fields", [])
    return [f["name"] for f in fields if (known := FIELDS.get(f["name"])) is not None and known.derived]


