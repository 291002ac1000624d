"""``datapackage.json``: a Frictionless Data Package (v1) describing one landuse output folder.

Every file becomes a resource (CSV outputs with the Table Schema of their contract and units);
licences and sources come from the layer catalogue; schematic inputs are read from the files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import mimetypes
import os
import re
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
from landuse._table_schema import (
    OGR_TYPES,
    SHARE_UNIT,
    Contract,
    contract_schema,
    csv_contracts,
    csv_header,
    field_descriptor,
    file_titles,
    inferred_schema,
    schematic_figures,
)
from landuse.outputs import ACCESS_FILES, DATAPACKAGE, INDICATOR_COLUMNS, MAIN_ROAD_SOURCE, POPULATION_FILE, read_table

__all__ = ["DATAPACKAGE_NAME", "describe_folder", "write_datapackage"]

#: File name of the descriptor inside the output folder (:data:`landuse.outputs.DATAPACKAGE`).
DATAPACKAGE_NAME = DATAPACKAGE

_CC0 = {"name": "CC0-1.0", "title": "Creative Commons Zero v1.0 Universal",
        "path": "https://creativecommons.org/publicdomain/zero/1.0/"}
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


# --------------------------------------------------------------------------- resources


def _base_resource(path: Path, name: str) -> dict[str, Any]:
    """A ``"type": "file"`` resource (frictionless checks its size and hash, never parses it)."""
    fmt = path.suffix.lower().lstrip(".") or "bin"
    return {"name": name, "path": path.name, "type": "file", "profile": "data-resource", "format": fmt,
            "mediatype": _mediatype(fmt), "bytes": path.stat().st_size, "hash": _sha256(path)}


#: CSV outputs whose shares are over the origins' people only, so their coverage is stated.
_INDICATOR_FILES = tuple(files["csv"] for files in ACCESS_FILES.values())
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

    The bounds come from :func:`landuse.access.indicator.share_bounds` on the file as written;
    None when the file does not hold the indicator columns (it is then described, not read).
    """
    import pandas as pd

    from landuse.access.indicator import share_bounds

    try:
        table = read_table(path)
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
            "populationTotal": f"SCB population per kommun, 31 Dec 2020 (landuse/data/{POPULATION_FILE})",
            "unit": SHARE_UNIT, "rows": rows}


def _csv_resource(path: Path, name: str, contract: Contract | None, settings: Any = None) -> dict[str, Any]:
    """A tabular resource: the contract's schema for a known output, else one inferred from the file."""
    resource = _base_resource(path, name)
    resource.update(type="table", profile="tabular-data-resource", encoding="utf-8")
    if contract is not None:
        resource["title"] = contract.title
        resource["schema"] = contract_schema(contract)
        if path.name in _INDICATOR_FILES and (coverage := _coverage(path, settings)) is not None:
            resource["coverage"] = coverage
    else:
        resource["description"] = "CSV not written by a landuse engine; schema inferred from its header and values"
        resource["schema"] = inferred_schema(path)
    return resource


def _gpkg_layers(path: Path) -> list[dict[str, Any]]:
    """One entry per GeoPackage layer: geometry, CRS, feature count, columns, schematic evidence."""
    import pyogrio

    layers = []
    for layer, geometry_type in pyogrio.list_layers(path):
        info = pyogrio.read_info(path, layer=layer)
        fields = []
        for column, ogr_type, subtype in zip(info["fields"], info["ogr_types"], info["ogr_subtypes"]):
            type_ = "boolean" if subtype == "OFSTBoolean" else OGR_TYPES.get(ogr_type, "any")
            fields.append(field_descriptor(str(column), type_))
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
    own = csv_column_evidence(path, csv_header(path)) if fmt == "csv" else None
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


def _resources(folder: Path, settings: Any = None) -> list[dict[str, Any]]:
    """Describe every file of ``folder``; GeoPackages first give the evidence their companions use."""
    files = _files(folder)
    contracts = csv_contracts()
    titles = file_titles()
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
        if evidence.schematic and (figures := schematic_figures(resource)):
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
        the whole population, from :func:`landuse.access.indicator.share_bounds`),
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

