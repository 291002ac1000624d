"""``datapackage.json``: a Frictionless Data Package (v1) describing one landuse output folder.

Every file becomes a resource (CSV outputs with the Table Schema of their contract and units);
licences and sources come from the layer catalogue; schematic inputs are read from the files.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from landuse._schematic_evidence import (
    Evidence,
    companion,
    csv_column_evidence,
    image_evidence,
    image_references,
    layer_evidence,
    text_evidence,
)

__all__ = ["DATAPACKAGE_NAME", "describe_folder", "write_datapackage"]

#: File name of the descriptor inside the output folder.
DATAPACKAGE_NAME = "datapackage.json"

_CC0 = {"name": "CC0-1.0", "title": "Creative Commons Zero v1.0 Universal",
        "path": "https://creativecommons.org/publicdomain/zero/1.0/"}
_SHARE = "share 0–1"

#: Media types of the formats landuse writes (others: :mod:`mimetypes`, else octet-stream).
_MEDIATYPES = {
    "csv": "text/csv",
    "gpkg": "application/geopackage+sqlite3",
    "tif": "image/tiff; application=geotiff",
    "tiff": "image/tiff; application=geotiff",
    "html": "text/html",
    "md": "text/markdown",
    "png": "image/png",
    "json": "application/json",
}
_TEXT_FORMATS = {"html", "htm", "md", "txt"}


#: Values a Table Schema reader parses as integer, number, boolean (for CSVs without a contract).
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|NaN|INF|-INF")
_BOOLEAN = {"true", "True", "TRUE", "false", "False", "FALSE"}

_OGR_TYPES = {"OFTString": "string", "OFTInteger": "integer", "OFTInteger64": "integer", "OFTReal": "number",
              "OFTDate": "date", "OFTDateTime": "datetime", "OFTTime": "time"}


@dataclass(frozen=True)
class _Field:
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
_FIELDS: dict[str, _Field] = {
    "feed": _Field("string", "Timetable version: feed_version of the GTFS feed_info.txt, else the file name"),
    "date": _Field("date", "Service day the timetable was measured on (YYYY-MM-DD)"),
    "kommun_code": _Field("string", "SCB kommun code (4 digits, e.g. 2580 Luleå); 25 is the county, Norrbottens län"),
    "kommun": _Field("string", "Kommun name (Norrbottens län on the county row)"),
    "theme_a": _Field("string", "First interest theme of the pair (theme_a < theme_b)"),
    "theme_b": _Field("string", "Second interest theme of the pair"),
    "weight": _Field("integer", "Conflict weight from analyses/malkonflikter.toml: 0 compatible, 1 minor, "
                                "2 significant, 3 severe", "weight 0–3", 0, 3),
    "area_km2": _Field("number", "Area where both themes (or the face's themes) claim the ground", "km²", 0,
                       derived=True),
    "share_of_kommun": _Field("number", "area_km2 as a share of the kommun's area", _SHARE, 0, 1, derived=True),
    "minutes": _Field("number", "Travel-time threshold; a time equal to it counts as within", "minutes", 0),
    "population": _Field("number", "People at the origins (SCB tätorter 2020 unless a population file was given)",
                         "people", 0),
    "population_within": _Field("number", "People whose travel time to the centralort is at most `minutes`",
                                "people", 0, derived=True),
    "share_within": _Field("number", "Share of the people within the threshold: population_within / population in "
                                     "the indicator tables; in an origins layer the share of the tätort's people "
                                     "within 60 minutes; empty where the population is 0", _SHARE, 0, 1,
                           derived=True),
    "plan_id": _Field("string", "Id of the planned area of the översiktsplan"),
    "use": _Field("string", "Planned use (ÖP-modell 2.1 mark- och vattenanvändning)"),
    "theme": _Field("string", "Interest theme"),
    "layer": _Field("string", "Catalogue layer (or file) the feature comes from"),
    "feature_id": _Field("string", "Id of the feature in its layer"),
    "feature_name": _Field("string", "Name of the interest feature"),
    "name": _Field("string", "Name of the feature (an origin: the tätort's SCB name); schematic stand-ins end in "
                             "\"(schematisk)\""),
    "overlap_m2": _Field("number", "Area where the planned area overlaps the interest feature", "m²", 0,
                         derived=True),
    "share_of_plan_area": _Field("number", "overlap_m2 as a share of the planned area", _SHARE, 0, 1, derived=True),
    "schematic": _Field("boolean", "True when the figure rests on a schematic stand-in, never official data"),
    "face_id": _Field("integer", "Id of the atomic overlay face"),
    "themes": _Field("string", "Themes covering the face, comma-separated"),
    "n_themes": _Field("integer", "Number of themes covering the face", "themes", 2),
    "score": _Field("number", "Face score: sum or maximum of the weights of the theme pairs present", "weight 0–3",
                    0, derived=True),
    "feature_ids": _Field("string", "layer:feature_id of every feature covering the face, ';'-separated"),
    "origin_id": _Field("string", "Id of the origin (tätort code or population cell)"),
    "travel_time_min": _Field("number", "Travel time to the centralort (an origin of several points: the "
                                        "population-weighted median; a network edge: its travel time); empty when "
                                        "unreachable", "minutes", 0, derived=True),
    "best_min": _Field("number", "Best travel time over the departure window; empty when unreachable", "minutes",
                       0, derived=True),
    "median_min": _Field("number", "Median travel time over the departure window; empty when unreachable",
                         "minutes", 0, derived=True),
    "target": _Field("string", "Centralort reached (for an origin: the one most of its people reach)"),
    "target_id": _Field("string", "Id of the centralort"),
    "centralort": _Field("string", "Name of the centralort"),
    "mode": _Field("string", "Travel mode: car or transit"),
    "point_id": _Field("string", "Id of a point of an origin's area, \"<origin_id>#<k>\" (the origin's people are "
                                 "shared equally by its points, 250 m apart)"),
    "radius_m": _Field("number", "Radius of the disc with the tätort's SCB land area that models it (0: a point)",
                       "m", 0),
    "access_m": _Field("number", "Car: length of the access leg between the point and its nearest network node, "
                                 "straight line x Settings.access_detour_factor (an origin: population-weighted "
                                 "mean of its points)", "m", 0, derived=True),
    "access_min": _Field("number", "Car: time of the access leg at Settings.access_speed_kph (an origin: "
                                   "population-weighted mean of its points)", "minutes", 0, derived=True),
    "u": _Field("integer", "Network node index of one end of the edge (u < v)", minimum=0),
    "v": _Field("integer", "Network node index of the other end of the edge", minimum=0),
    "length_m": _Field("number", "Length of the road edge", "m", 0),
    "speed_kph": _Field("number", "Free-flow speed on the edge (Topografi 250: typical posted limit of its klass)",
                        "km/h", 0),
    "road": _Field("string", "Road number (vägnummer, e.g. E4, 97); empty for unnumbered roads and for networks "
                             "without numbers"),
    "klass": _Field("string", "Lantmäteriet Topografi 250 road class: motorvag, motortrafikled, motesfri, landsvag"),
    "source": _Field("string", "Source of the network the edge belongs to"),
}


@dataclass(frozen=True)
class _Contract:
    """A CSV output contract: column list (an engine constant), title, row key."""

    columns: tuple[str, ...]
    title: str
    key: tuple[str, ...] = ()


def _csv_contracts() -> dict[str, _Contract]:
    """The CSV outputs landuse writes, by file name, with the engines' column constants."""
    from landuse.conflicts import CONFLICT_FILES, PAIR_COLUMNS
    from landuse.access.indicator import INDICATOR_COLUMNS
    from landuse.opcheck import OP_COLUMNS, OP_FILES
    from landuse.trend import TREND_COLUMNS

    indicator = tuple(INDICATOR_COLUMNS)
    return {
        "access_trend.csv": _Contract(tuple(TREND_COLUMNS), "Share of the population within N minutes of a "
                                      "centralort by public transport, per timetable version",
                                      ("feed", "kommun_code", "minutes")),
        CONFLICT_FILES["csv"]: _Contract(tuple(PAIR_COLUMNS), "Målkonflikter: area per kommun and theme pair",
                                         ("kommun_code", "theme_a", "theme_b")),
        "access_car.csv": _Contract(indicator, "Share of the population within N minutes of a centralort by car",
                                    ("kommun_code", "minutes")),
        "access_transit.csv": _Contract(indicator, "Share of the population within N minutes of a centralort by "
                                                   "public transport", ("kommun_code", "minutes")),
        OP_FILES["csv"]: _Contract(tuple(OP_COLUMNS), "Översiktsplan check: planned areas against interest features"),
    }


def _titles() -> dict[str, str]:
    """Titles of the non-CSV outputs landuse writes, by file name."""
    from landuse.conflicts import CONFLICT_FILES
    from landuse.opcheck import OP_FILES

    return {
        "layers.gpkg": "Every embedded catalogue layer, one GeoPackage layer each",
        CONFLICT_FILES["gpkg"]: "Målkonflikter: overlay faces and the per-kommun pair table",
        CONFLICT_FILES["tif"]: "Målkonflikt score grid (float32, nodata -1 outside the kommuner)",
        "access_car.gpkg": "Car accessibility: origins (tätorter as areas) and their points with travel times, "
                           "isochrones, the road network used",
        "access_transit.gpkg": "Public-transport accessibility: origins (tätorter as areas) and their points with "
                               "travel times, isochrones",
        OP_FILES["gpkg"]: "Översiktsplan check: overlaps of planned areas and interest features",
        "strukturbild.html": "Strukturbild: interactive map (Leaflet inlined)",
        "rapport.md": "Report (Markdown)",
        "rapport.html": "Report (HTML)",
        "op_check.md": "ÖP-check report per planned area (Markdown)",
        "op_check.html": "ÖP-check report per planned area (HTML)",
        "access_trend.gpkg": "Public transport over timetable versions: origins per feed and what changed",
        "access_trend.png": "Share within 60 minutes per kommun across timetable versions",
    }


# --------------------------------------------------------------------------- small helpers


def _files(folder: Path) -> list[Path]:
    """Regular, non-hidden files directly in ``folder`` except the descriptor itself."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.name != DATAPACKAGE_NAME)


def _resource_name(file_name: str, taken: set[str]) -> str:
    """A Data Package resource name (lower-case ``[-a-z0-9._]``), unique within ``taken``."""
    base = re.sub(r"[^-a-z0-9._]", "-", file_name.lower()).strip("-.") or "file"
    name, i = base, 2
    while name in taken:
        name, i = f"{base}-{i}", i + 1
    taken.add(name)
    return name


def _sha256(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def _mediatype(fmt: str) -> str:
    """IANA media type of a file extension."""
    return _MEDIATYPES.get(fmt) or mimetypes.guess_type(f"x.{fmt}")[0] or "application/octet-stream"


def _field(name: str, type_: str | None = None) -> dict[str, Any]:
    """Table Schema field descriptor of column ``name`` (``type_`` overrides the known type)."""
    known = _FIELDS.get(name)
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


# --------------------------------------------------------------------------- resources


def _base_resource(path: Path, name: str) -> dict[str, Any]:
    """A ``"type": "file"`` resource (frictionless checks its size and hash, never parses it)."""
    fmt = path.suffix.lower().lstrip(".") or "bin"
    return {"name": name, "path": path.name, "type": "file", "profile": "data-resource", "format": fmt,
            "mediatype": _mediatype(fmt), "bytes": path.stat().st_size, "hash": _sha256(path)}


def _csv_header(path: Path) -> list[str]:
    """Column names of a CSV's first row."""
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


def _inferred_schema(path: Path) -> dict[str, Any]:
    """Table Schema of a CSV that is no landuse contract: header names, types from every value."""
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        types: list[str | None] = [None] * len(header)
        for row in reader:
            for i, value in enumerate(row[:len(header)]):
                if value != "":
                    types[i] = _infer_type(value, types[i])
    fields = [_field(column, types[i] or "string") for i, column in enumerate(header)]
    for f in fields:
        f.setdefault("description", "Not a landuse output contract; type inferred from the values")
    return {"fields": fields, "missingValues": [""]}


def _contract_schema(contract: _Contract) -> dict[str, Any]:
    """Table Schema of a contract: its columns in order, the row key when every key column is present."""
    schema: dict[str, Any] = {"fields": [_field(c) for c in contract.columns], "missingValues": [""]}
    if contract.key and set(contract.key) <= set(contract.columns):
        schema["primaryKey"] = list(contract.key)
    return schema


#: CSV outputs whose shares are over the origins' people only, so their coverage is stated.
_INDICATOR_FILES = ("access_car.csv", "access_transit.csv")
_COVERAGE_TEXT = (
    "share_within is the share of the people at the origins (by default the SCB tätorter, about 83 % of the "
    "county's inhabitants); over the whole population (SCB, 31 Dec 2020) the share lies between share_lower, "
    "if nobody outside the origins reaches the centralort, and share_upper, if everybody outside them does."
)


def _json_number(value: Any) -> float | int | None:
    """A JSON-safe number: NaN and infinities become null, whole floats stay floats."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _coverage(path: Path, settings: Any = None) -> dict[str, Any] | None:
    """The ``coverage`` property of an indicator CSV: per row, the share and its bounds over everybody.

    The bounds come from :func:`landuse.indicator.share_bounds` on the file as written;
    None when the file does not hold the indicator columns (it is then described, not read).
    """
    import pandas as pd

    from landuse.access.indicator import INDICATOR_COLUMNS, share_bounds

    try:
        table = pd.read_csv(path, dtype={"kommun_code": str})
        if not set(INDICATOR_COLUMNS) <= set(table.columns):
            return None
        for column in ("minutes", "population", "population_within", "share_within"):
            table[column] = pd.to_numeric(table[column], errors="coerce")
        bounded = share_bounds(table, settings)
    except (OSError, ValueError, pd.errors.ParserError):
        return None
    rows = []
    for row in bounded.itertuples(index=False):
        rows.append({"kommun_code": str(row.kommun_code), "kommun": None if pd.isna(row.kommun) else str(row.kommun),
                     "minutes": _json_number(row.minutes), "population": _json_number(row.population),
                     "population_total": _json_number(row.population_total),
                     "share_within": _json_number(row.share_within), "share_lower": _json_number(row.share_lower),
                     "share_upper": _json_number(row.share_upper)})
    return {"description": _COVERAGE_TEXT,
            "populationTotal": "SCB population per kommun, 31 Dec 2020 (landuse/data/kommun_folkmangd.csv)",
            "unit": _SHARE, "rows": rows}


def _csv_resource(path: Path, name: str, contract: _Contract | None, settings: Any = None) -> dict[str, Any]:
    """A tabular resource: the contract's schema for a known output, else one inferred from the file."""
    resource = _base_resource(path, name)
    resource.update(type="table", profile="tabular-data-resource", encoding="utf-8")
    if contract is not None:
        resource["title"] = contract.title
        resource["schema"] = _contract_schema(contract)
        if path.name in _INDICATOR_FILES and (coverage := _coverage(path, settings)) is not None:
            resource["coverage"] = coverage
    else:
        resource["description"] = "CSV not written by a landuse engine; schema inferred from its header and values"
        resource["schema"] = _inferred_schema(path)
    return resource


def _gpkg_layers(path: Path) -> list[dict[str, Any]]:
    """One entry per GeoPackage layer: geometry, CRS, feature count, columns, schematic evidence."""
    import pyogrio

    layers = []
    for layer, geometry_type in pyogrio.list_layers(path):
        info = pyogrio.read_info(path, layer=layer)
        fields = []
        for column, ogr_type, subtype in zip(info["fields"], info["ogr_types"], info["ogr_subtypes"]):
            type_ = "boolean" if subtype == "OFSTBoolean" else _OGR_TYPES.get(ogr_type, "any")
            fields.append(_field(str(column), type_))
        entry: dict[str, Any] = {"name": str(layer), "geometryType": geometry_type, "crs": info["crs"],
                                 "features": int(info["features"]), "fields": fields}
        description = (info.get("layer_metadata") or {}).get("DESCRIPTION")
        if description:
            entry["description"] = description
        entry.update(layer_evidence(path, str(layer), info).as_properties())
        layers.append(entry)
    return layers


def _gpkg_resource(path: Path, name: str) -> dict[str, Any]:
    """A GeoPackage resource with its layers; one GDAL cannot read stays a plain file with the error."""
    resource = _base_resource(path, name)
    try:
        layers = _gpkg_layers(path)
    except Exception as err:  # noqa: BLE001 - pyogrio/GDAL errors: describe the file, do not fail the run
        resource["layers"] = []
        resource["readError"] = f"{type(err).__name__}: {err}"[:300]
        return resource
    crs = sorted({layer["crs"] for layer in layers if layer["crs"]})
    resource["layers"] = layers
    if crs:
        resource["crs"] = crs[0] if len(crs) == 1 else crs
    return resource


def _tif_resource(path: Path, name: str) -> dict[str, Any]:
    """A raster resource with its grid (read with rasterio when it opens)."""
    resource = _base_resource(path, name)
    try:
        import rasterio

        with rasterio.open(path) as src:
            resource["crs"] = src.crs.to_string() if src.crs else None
            resource["raster"] = {"width": src.width, "height": src.height, "bands": src.count,
                                  "dtype": src.dtypes[0], "nodata": src.nodata, "resolution_m": list(src.res),
                                  "bounds": list(src.bounds), "bandDescriptions": list(src.descriptions)}
    except Exception:  # noqa: BLE001 - an unreadable TIFF is still a file resource
        pass
    return resource


def _evidence_for(path: Path, resource: dict[str, Any], files: list[Path],
                  direct: dict[str, Evidence], refs: dict[str, list[tuple[str, str]]]) -> Evidence:
    """Schematic evidence of a non-GeoPackage file: own column or marks, else its companion GeoPackage."""
    fmt = resource["format"]
    if resource["mediatype"].startswith("image/") and fmt not in {"tif", "tiff"}:
        return image_evidence(path, refs)
    if fmt in _TEXT_FORMATS:
        return text_evidence(path)
    own = csv_column_evidence(path, _csv_header(path)) if fmt == "csv" else None
    if own is not None:
        return own
    partner = companion(path, [p for p in files if p.suffix.lower() == ".gpkg"])
    if partner is not None and direct[partner.name].schematic:
        return Evidence(True, f"written with {partner.name}, whose {direct[partner.name].reason}")
    return Evidence(False)


def _gpkg_evidence(resource: dict[str, Any]) -> Evidence:
    """A GeoPackage is schematic when any layer is; the reason names those layers (details in each layer)."""
    flagged = [layer["name"] for layer in resource["layers"] if layer["schematic"]]
    subject = f"layer {flagged[0]} rests" if len(flagged) == 1 else f"layers {', '.join(flagged)} rest"
    return Evidence(bool(flagged), f"{subject} on schematic input" if flagged else "")


def _schematic_figures(resource: dict[str, Any]) -> list[str]:
    """Columns of a schematic table whose figures are computed from the (schematic) inputs."""
    fields = resource.get("schema", {}).get("fields", [])
    return [f["name"] for f in fields if (known := _FIELDS.get(f["name"])) is not None and known.derived]


def _resources(folder: Path, settings: Any = None) -> list[dict[str, Any]]:
    """Describe every file of ``folder``; GeoPackages first give the evidence their companions use."""
    files = _files(folder)
    contracts = _csv_contracts()
    titles = _titles()
    taken: set[str] = set()
    names = {p.name: _resource_name(p.name, taken) for p in files}
    described: dict[str, dict[str, Any]] = {}
    direct: dict[str, Evidence] = {}
    for path in files:
        fmt = path.suffix.lower().lstrip(".")
        if fmt == "gpkg":
            described[path.name] = _gpkg_resource(path, names[path.name])
            direct[path.name] = _gpkg_evidence(described[path.name])
        elif fmt == "csv":
            described[path.name] = _csv_resource(path, names[path.name], contracts.get(path.name), settings)
        elif fmt in {"tif", "tiff"}:
            described[path.name] = _tif_resource(path, names[path.name])
        else:
            described[path.name] = _base_resource(path, names[path.name])
            if fmt in _TEXT_FORMATS:
                described[path.name]["encoding"] = "utf-8"
    refs = image_references(p for p in files if p.suffix.lower().lstrip(".") in {"md", "html", "htm"})
    for path in files:
        resource = described[path.name]
        if path.name in titles:
            resource.setdefault("title", titles[path.name])
        evidence = direct.get(path.name) or _evidence_for(path, resource, files, direct, refs)
        resource.update(evidence.as_properties())
        if evidence.schematic and (figures := _schematic_figures(resource)):
            resource["schematicFields"] = figures
            for f in resource["schema"]["fields"]:
                if f["name"] in figures:
                    f["schematic"] = True
    return [described[p.name] for p in files]


# --------------------------------------------------------------------------- package


def _licences(specs: Iterable[Any]) -> list[dict[str, str]]:
    """Package licences: those of the catalogue layers (CC0 for every embedded file)."""
    out: list[dict[str, str]] = []
    for spec in specs:
        entry = _CC0 if "CC0" in spec.licence else {"name": re.sub(r"[^-A-Za-z0-9._]", "-", spec.licence)[:60]
                                                    or "unknown", "title": spec.licence}
        if entry not in out:
            out.append(entry)
    return out


def _url(text: str) -> str | None:
    """The URL a catalogue ``download`` text starts with, if any."""
    match = re.match(r"https?://\S+", text.strip())
    return match.group(0) if match else None


def _sources(specs: list[Any], any_schematic: bool) -> list[dict[str, Any]]:
    """Sources from the layer catalogue: one per real attribution, one for the schematic stand-ins."""
    sources: dict[str, dict[str, Any]] = {}
    for spec in specs:
        if spec.source is None or spec.schematic:
            continue
        title = spec.attribution or f"{spec.authority}: {spec.title}"
        entry = sources.setdefault(title, {"title": title, "licence": spec.licence, "layers": [],
                                           "schematic": False})
        if (url := _url(spec.download)) and "path" not in entry:
            entry["path"] = url
        entry["layers"].append(spec.name)
    out = list(sources.values())
    stand_ins = [s for s in specs if s.schematic and s.source is not None]
    if stand_ins and any_schematic:
        out.append({"title": "landuse schematic demo layers (schematisk): stand-ins at real named places, "
                             "not official boundaries",
                    "licence": "CC0 (landuse)", "layers": [s.name for s in stand_ins], "schematic": True,
                    "officialData": {s.name: f"{s.authority}: {s.download}" for s in stand_ins}})
    return out


def _network_sources(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A source for Lantmäteriet's main roads when a GeoPackage layer says the run used them (no catalogue layer)."""
    from landuse.network import MAIN_ROAD_SOURCE

    used = [r["path"] for r in resources
            if any(MAIN_ROAD_SOURCE in (layer.get("description") or "") for layer in r.get("layers", []))]
    if not used:
        return []
    return [{"title": f"© Lantmäteriet, Topografi 250 Nedladdning vektor: {MAIN_ROAD_SOURCE} (car network)",
             "licence": "CC0 1.0, © Lantmäteriet",
             "path": "https://www.lantmateriet.se/sv/geodata/vara-produkter/produktlista/topografi-250-nedladdning-vektor/",
             "files": used, "schematic": False}]


def _schematic_statement(resources: list[dict[str, Any]]) -> str:
    """One sentence naming every schematic file, its schematic figures and why."""
    flagged = [r for r in resources if r["schematic"]]
    if not flagged:
        return ("No file here rests on schematic input: no feature has schematic=True, no layer description says "
                "SCHEMATIC and no figure is marked (schematisk).")
    parts = []
    for r in flagged:
        figures = f" (figures: {', '.join(r['schematicFields'])})" if r.get("schematicFields") else ""
        parts.append(f"{r['path']}{figures}: {r['schematicReason']}")
    return ("These files rest on schematic stand-in inputs, so their figures are illustrative only, never official: "
            + "; ".join(parts) + ". Every other file rests on real inputs only.")


def describe_folder(folder: str | os.PathLike[str], *, title: str | None = None,
                    settings: Any = None) -> dict[str, Any]:
    """The Data Package descriptor of an output folder, without writing it.

    Parameters
    ----------
    folder : path
        Folder holding the outputs of one or more landuse runs.
    title : str, optional
        Package title (default "landuse outputs").
    settings : landuse.settings.Settings, optional
        Where SCB's population per kommun is read for the coverage bounds.

    Returns
    -------
    dict
        Data Package v1 descriptor: ``resources`` (one per file; CSV contracts with
        Table Schemas whose numeric fields carry a ``unit`` — km², m², minutes,
        people, share 0–1; the accessibility tables with ``coverage``: per row the
        share over the origins and its bounds ``share_lower``/``share_upper`` over
        the whole population, from :func:`landuse.indicator.share_bounds`),
        ``licenses``, ``sources``, ``created``, ``crs`` and the schematic properties
        ``schematic``, ``schematicResources`` and ``schematicStatement``.
    """
    import landuse
    from landuse.layers import catalogue
    from landuse.settings import WORK_CRS

    resources = _resources(Path(folder), settings)
    specs = list(catalogue().values())
    flagged = [r["name"] for r in resources if r["schematic"]]
    return {
        "profile": "data-package",
        "name": "landuse-outputs",
        "title": title or "landuse outputs",
        "description": "Outputs of landuse, land-use conflict (målkonflikt) and accessibility analysis for "
                       "Norrbotten. Spatial files are in " + WORK_CRS + "; CSV fields state their unit.",
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "crs": WORK_CRS,
        "generator": f"landuse {landuse.__version__}",
        "licenses": _licences(specs),
        "sources": _sources(specs, bool(flagged)) + _network_sources(resources),
        "schematic": bool(flagged),
        "schematicResources": flagged,
        "schematicStatement": _schematic_statement(resources),
        "resources": resources,
    }


def write_datapackage(folder: str | os.PathLike[str], *, title: str | None = None, settings: Any = None) -> Path:
    """Describe every file of ``folder`` in ``folder/datapackage.json`` (Frictionless Data Package v1).

    Hidden files and an existing ``datapackage.json`` are left out.  The descriptor
    is written atomically (temporary name in ``folder``, fsync, rename).

    Parameters
    ----------
    folder : path
        Output folder, e.g. the staging folder of one run.
    title : str, optional
        Package title (default "landuse outputs").
    settings : landuse.settings.Settings, optional
        Passed to :func:`describe_folder`.

    Returns
    -------
    Path
        ``folder/datapackage.json``.
    """
    from landuse._io import write_text

    folder = Path(folder)
    descriptor = describe_folder(folder, title=title, settings=settings)
    target = folder / DATAPACKAGE_NAME
    write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", target)
    return target

