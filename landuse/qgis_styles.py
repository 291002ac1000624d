"""QGIS styles inside the GeoPackages landuse writes: a ``layer_styles`` table, one QML per layer.

QGIS applies a GeoPackage layer's default style (``useAsDefault = 1``) when it opens the layer,
so every output opens coloured as the strukturbild draws it, with Swedish legends and field
names.  Colours and classes come from the map spec (``maps/strukturbild.toml``), the one style spec.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from landuse._qml import Symbol, bin_labels, categorized, graduated, qml_document, quoted, single
from landuse.errors import LanduseError, OutputFolderError
from landuse.formatting import MODE_LABELS, schematic_suffix, short_num
from landuse.map_spec import MARKER_FILLS, NEUTRAL_COLOUR
from landuse.outputs import SCHEMATIC_DEFAULT
from landuse.settings import Settings

__all__ = ["FIELD_ALIASES", "STYLE_NAME", "style_geopackage"]

#: ``styleName`` of the rows landuse writes; rewriting a file replaces only these rows.
STYLE_NAME = "landuse"

#: Swedish field aliases beyond the Excel headers (:data:`landuse.excel.HEADERS`, used first).
FIELD_ALIASES: dict[str, str] = {
    "name": "Namn",
    "namn": "Namn i källan",
    "id": "Id i källan",
    "anmarkning": "Anmärkning",
    "code": "Kod",
    "lan_code": "Länskod",
    "area_ha": "Yta (ha)",
    "year": "År",
    "objekttyp": "Objekttyp",
    "klass": "Vägklass",
    "in_norrbotten": "I Norrbotten",
    "stop_id": "Hållplats-id",
    "stop_name": "Hållplats",
    "stop_lat": "Latitud",
    "stop_lon": "Longitud",
    "location_type": "Platstyp",
    "parent_station": "Huvudhållplats",
    "platform_code": "Läge",
    "face_id": "Yt-id",
    "themes": "Teman",
    "n_themes": "Antal teman",
    "score": "Poäng",
    "feature_ids": "Objekt (lager:id)",
    "origin_id": "Tätort/ruta (id)",
    "point_id": "Punkt-id",
    "target": "Mål (centralort)",
    "target_id": "Centralort (id)",
    "centralort": "Centralort",
    "mode": "Färdsätt",
    "travel_time_min": "Restid (min)",
    "best_min": "Bästa restid (min)",
    "median_min": "Medianrestid (min)",
    "radius_m": "Radie (m)",
    "access_m": "Anslutning till vägnätet (m)",
    "access_min": "Anslutning till vägnätet (min)",
    "approximate": "Ungefärlig",
    "u": "Från nod",
    "v": "Till nod",
    "length_m": "Längd (m)",
    "speed_kph": "Hastighet (km/h)",
    "road": "Väg",
    "source": "Källa",
    "feed_from": "Tidtabell före",
    "feed_to": "Tidtabell efter",
    "share_from": "Andel inom, före",
    "share_to": "Andel inom, efter",
    "share_change": "Förändring av andel",
    "people_change": "Förändring (personer)",
    "best_min_from": "Bästa restid före (min)",
    "best_min_to": "Bästa restid efter (min)",
    "time_min_from": "Restid före (min)",
    "time_min_to": "Restid efter (min)",
    "kind": "Typ",
    "route": "Linje",
    "trips_from": "Turer före",
    "trips_to": "Turer efter",
    "change": "Förändring",
    "first_arrival_from": "Första ankomst före",
    "first_arrival_to": "Första ankomst efter",
}

#: Theme of a catalogue layer -> the map overlay kind that colours it (theme overlays by their theme).
_NODE_KINDS = {"kommun": "kommuner", "lan": "kommuner", "tatort": "tatorter", "centralort": "centralorter",
               "hallplats": "strak"}
#: Marker sizes in mm (QGIS draws markers in mm; the map sizes them by population in pixels).
_NODE_SIZES_MM = {"tatort": 2.0, "centralort": 3.6, "hallplats": 1.2}
_ORIGIN_SIZE_MM = 2.4
#: Conflict classes when the map spec has no conflicts overlay: upper bin edges of the score, colours.
_FALLBACK_SCORE_BINS = (3.0, 6.0, 9.0)
_FALLBACK_SCORE_COLOURS = ("#fee5d9", "#fcae91", "#fb6a4a", "#cb181d")
#: QGIS's layer_styles table, column for column as QGIS 3.22 creates it (through GDAL's GPKG driver).
_LAYER_STYLES_DDL = (
    'CREATE TABLE IF NOT EXISTS "layer_styles" ( "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256), '
    '"f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
    '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
    "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)
#: GDAL keeps gpkg_ogr_contents' feature counts with these triggers; QGIS's table has them too.
_COUNT_TRIGGERS = (
    'CREATE TRIGGER IF NOT EXISTS "trigger_insert_feature_count_layer_styles" AFTER INSERT ON "layer_styles" '
    "BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count + 1 "
    "WHERE lower(table_name) = lower('layer_styles'); END",
    'CREATE TRIGGER IF NOT EXISTS "trigger_delete_feature_count_layer_styles" AFTER DELETE ON "layer_styles" '
    "BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count - 1 "
    "WHERE lower(table_name) = lower('layer_styles'); END",
)


# --------------------------------------------------------------------------- what is in the file


@dataclass(frozen=True)
class _Layer:
    """One table of the GeoPackage: name, geometry column and kind (None for an attributes table), columns."""

    name: str
    geometry_column: str
    kind: str | None
    columns: tuple[str, ...]


def _symbol_kind(geometry_type: str) -> str:
    """QGIS symbol type of a GeoPackage geometry type name (GEOMETRY and the unknown: fill)."""
    t = geometry_type.upper()
    if "POLYGON" in t or "SURFACE" in t:
        return "fill"
    if "POINT" in t:
        return "marker"
    return "line" if "LINE" in t or "CURVE" in t or "STRING" in t else "fill"


def _layers(con: sqlite3.Connection) -> list[_Layer]:
    rows = con.execute(
        "SELECT c.table_name, c.data_type, g.column_name, g.geometry_type_name FROM gpkg_contents c "
        "LEFT JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
        "WHERE c.data_type IN ('features', 'attributes') AND c.table_name <> 'layer_styles' ORDER BY c.table_name"
    ).fetchall()
    out = []
    for name, data_type, geometry_column, geometry_type in rows:
        columns = tuple(r[1] for r in con.execute(f"PRAGMA table_info({quoted(name)})"))
        spatial = data_type == "features" and geometry_column
        out.append(_Layer(name, geometry_column if spatial else "",
                          _symbol_kind(geometry_type or "") if spatial else None, columns))
    return out


def _distinct(con: sqlite3.Connection, layer: _Layer, column: str, limit: int = 64) -> list[object]:
    rows = con.execute(f"SELECT DISTINCT {quoted(column)} FROM {quoted(layer.name)} LIMIT {limit}").fetchall()
    return [r[0] for r in rows]


def _any_true(con: sqlite3.Connection, layer: _Layer, column: str = "schematic") -> tuple[bool, bool]:
    """(any row true, every row true) of a boolean column."""
    if column not in layer.columns:
        return False, False
    n, true = con.execute(f"SELECT count(*), sum(coalesce({quoted(column)}, 0) <> 0) FROM {quoted(layer.name)}"
                          ).fetchone()
    return bool(true), bool(n) and true == n


# --------------------------------------------------------------------------- styles per layer


class _Styler:
    """Chooses the QML of each table of one GeoPackage from its columns and the map spec.

    Size: over 150 lines, one short method per renderer kind, sharing the open connection and the spec.
    """

    def __init__(self, con: sqlite3.Connection, path: Path, layers: list[_Layer], spec, settings: Settings | None):
        self.con, self.path, self.layers, self.spec, self.settings = con, path, layers, spec, settings
        stem = path.stem.lower()
        self.mode = "car" if "car" in stem else ("transit" if "transit" in stem or "trend" in stem else None)

    def overlay(self, kind: str, **match):
        for overlay in self.spec.overlays:
            if overlay.kind == kind and all(getattr(overlay, k) == v for k, v in match.items()):
                return overlay
        return None

    def file_schematic(self) -> tuple[bool, bool]:
        """Whether the file's accessibility figures rest on schematic input, as the engines write it.

        The ``schematic`` column of any layer (the isochrones carry one), else the network's
        ``source`` label, else the car network is taken as schematic and the transit feed as real
        (the rule the strukturbild map uses).
        """
        for layer in self.layers:
            if "schematic" in layer.columns and layer.kind is not None:
                flags = _any_true(self.con, layer)
                if self.con.execute(f"SELECT count(*) FROM {quoted(layer.name)}").fetchone()[0]:
                    return flags
        network = next((la for la in self.layers if la.name == "network" and "source" in la.columns), None)
        if network is not None:
            sources = [str(s) for s in _distinct(self.con, network, "source") if s is not None]
            if sources:
                flags = ["SCHEMATIC" in s.upper() for s in sources]
                return any(flags), all(flags)
        default = SCHEMATIC_DEFAULT.get(self.mode, False)
        return default, default

    @staticmethod
    def suffix(flags: tuple[bool, bool]) -> str:
        anyf, allf = flags
        return schematic_suffix(True) if allf else (" (delvis schematisk)" if anyf else "")

    def qml(self, layer: _Layer) -> str:
        from landuse.excel import HEADERS

        aliases = {c: HEADERS.get(c) or FIELD_ALIASES[c] for c in layer.columns if c in HEADERS or c in FIELD_ALIASES}
        display = next((c for c in ("name", "centralort", "kommun", "stop_name", "face_id", "plan_id", "origin_id")
                        if c in layer.columns), None)
        renderer = None if layer.kind is None else self.renderer(layer)
        return qml_document(renderer, aliases, kind=layer.kind, display=display)

    def renderer(self, layer: _Layer) -> str:
        cols = set(layer.columns)
        if {"theme", "schematic"} <= cols and (theme := self.theme_of(layer)) is not None:
            return self.theme_renderer(layer, theme)
        if "score" in cols and "n_themes" in cols:
            return self.faces_renderer(layer)
        if layer.name == "isochrones" and "minutes" in cols:
            return self.isochrone_renderer(layer)
        if layer.name == "network" and "klass" in cols and layer.kind == "line":
            return self.roads_renderer(layer)
        if "travel_time_min" in cols:
            return self.travel_time_renderer(layer)
        if "weight" in cols and "plan_id" in cols:
            return self.weight_renderer(layer)
        return single(self.plain_symbol(layer.kind, NEUTRAL_COLOUR))

    def theme_of(self, layer: _Layer):
        from landuse.themes import parse_theme

        values = [v for v in _distinct(self.con, layer, "theme", 2) if v is not None]
        if len(values) != 1:
            return None
        try:
            return parse_theme(str(values[0]))
        except LanduseError:
            return None

    @staticmethod
    def plain_symbol(kind: str, colour: str, *, alpha: float = 0.35, dashed: bool = False) -> Symbol:
        style = "dash" if dashed else "solid"
        if kind == "fill":
            return Symbol("fill", colour, alpha=alpha, outline=colour, outline_width=1, outline_style=style,
                           unit="Pixel")
        if kind == "line":
            return Symbol("line", colour, width=1.5, outline_style=style, unit="Pixel")
        return Symbol("marker", colour, size=2.0, outline_style=style)

    def theme_renderer(self, layer: _Layer, theme) -> str:
        """Categorized by ``schematic``: the theme's map colour, the Swedish theme label, "(schematisk)"."""
        from landuse.layers import catalogue
        from landuse.themes import THEME_LABELS

        value = theme.value
        overlay = (self.overlay("theme", theme=value) if value not in _NODE_KINDS
                   else self.overlay(_NODE_KINDS[value]))
        colour = overlay.colour if overlay is not None else NEUTRAL_COLOUR
        spec = catalogue(self.settings).get(layer.name)
        title = re.sub(r"\s*\(schematisk\)\s*$", "", spec.title) if spec is not None else ""
        label = f"{THEME_LABELS[theme]}: {title}" if title else THEME_LABELS[theme]
        categories = []
        present = {bool(v) for v in _distinct(self.con, layer, "schematic")} or {False}
        for flag in sorted(present, reverse=True):
            if layer.kind == "marker":
                fill = MARKER_FILLS.get(_NODE_KINDS.get(value, ""), colour)
                symbol = Symbol("marker", fill, outline=colour,
                                 outline_width=0.4 if value == "centralort" else 0.26,
                                 size=_NODE_SIZES_MM.get(value, 2.4), outline_style="dash" if flag else "solid")
            elif value in ("kommun", "lan") and layer.kind == "fill":
                symbol = Symbol("fill", colour, alpha=overlay.fill_opacity if value == "kommun" and overlay else 0,
                                 outline=colour, outline_width=1.5 if value == "kommun" else 2.5, unit="Pixel")
            else:
                symbol = self.plain_symbol(layer.kind, colour, alpha=overlay.fill_opacity if overlay else 0.35,
                                           dashed=flag)
            categories.append(("true" if flag else "false", label + (schematic_suffix(True) if flag else ""), symbol))
        return categorized("schematic", categories)

    def faces_renderer(self, layer: _Layer) -> str:
        """Graduated by ``score`` in the classes and colours of the map's conflict overlay."""
        overlay = self.overlay("conflicts")
        if overlay is not None and overlay.score_bins:
            edges, colours, alpha = tuple(map(float, overlay.score_bins)), overlay.colours, overlay.fill_opacity
        else:
            edges, colours, alpha = _FALLBACK_SCORE_BINS, _FALLBACK_SCORE_COLOURS, 0.6
        low, high = self.con.execute(f"SELECT min(score), max(score) FROM {quoted(layer.name)}").fetchone()
        lower = min(0.0, float(low)) if low is not None else 0.0
        upper = max(float(high) if high is not None else 0.0, 10 * edges[-1])
        bounds = [lower, *edges, upper]
        suffix = self.suffix(_any_true(self.con, layer))
        ranges = []
        for i, label in enumerate(bin_labels(edges)):
            symbol = Symbol("fill", colours[i], alpha=alpha, outline=colours[-1], outline_width=0.5, unit="Pixel")
            ranges.append((bounds[i], bounds[i + 1], f"Poäng {label}{suffix}", symbol))
        return graduated("score", ranges)

    def isochrone_renderer(self, layer: _Layer) -> str:
        """Categorized by ``minutes``: the map's isochrone colour of the mode, more opaque nearer the centralort."""
        modes = [m for m in _distinct(self.con, layer, "mode", 2) if m] if "mode" in layer.columns else []
        mode = str(modes[0]) if len(modes) == 1 else self.mode
        overlay = self.overlay("isochrones", input=mode) if mode else None
        colour = overlay.colour if overlay is not None else NEUTRAL_COLOUR
        base = overlay.fill_opacity if overlay is not None else 0.15
        reference = overlay.minutes if overlay is not None else 60.0
        suffix = self.suffix(_any_true(self.con, layer))
        minutes = sorted({float(m) for m in _distinct(self.con, layer, "minutes") if m is not None})
        how = f" med {MODE_LABELS[mode]}" if mode in MODE_LABELS else ""
        categories = []
        for m in minutes:
            alpha = min(0.6, base * reference / m) if m > 0 else base
            symbol = Symbol("fill", colour, alpha=alpha, outline=colour, outline_width=1, unit="Pixel")
            # the value as QGIS prints the number (QVariant::toString): 30, not 30.0
            value = str(int(m)) if m.is_integer() else repr(m)
            categories.append((value, f"Inom {short_num(m)} min{how}{suffix}", symbol))
        return categorized("minutes", categories)

    def roads_renderer(self, layer: _Layer) -> str:
        """Categorized by Topografi 250 ``klass`` in the map's road colours and widths (pixels)."""
        overlay = self.overlay("roads")
        suffix = self.suffix(self.file_schematic())
        classes = list(zip(overlay.classes, overlay.class_labels, overlay.colours, overlay.widths)) if overlay else []
        # symbol levels: the spec lists the main roads first, QGIS draws them on top of the minor ones
        categories = [(klass, label + suffix, Symbol("line", colour, alpha=0.85, width=width, unit="Pixel",
                                                       level=len(classes) - i))
                      for i, (klass, label, colour, width) in enumerate(classes)]
        colour, width = (overlay.colour, overlay.width) if overlay is not None else (NEUTRAL_COLOUR, 1.2)
        categories.append(("", "Övriga länkar" + suffix, Symbol("line", colour, alpha=0.85, width=width,
                                                                    unit="Pixel")))
        return categorized("klass", categories)

    def travel_time_renderer(self, layer: _Layer) -> str:
        """Categorized by travel-time class (``travel_time_min``; spec bins and colours) plus "når ej" for NULL."""
        edges = tuple(float(b) for b in self.spec.time_bins)
        column = quoted("travel_time_min")
        cases = " ".join(f"WHEN {column} <= {e!r} THEN {i}" for i, e in enumerate(edges))
        expression = f"CASE WHEN {column} IS NULL THEN -1 {cases} ELSE {len(edges)} END"
        suffix = self.suffix(self.file_schematic())
        categories = []
        for i, (label, colour) in enumerate(zip(bin_labels(edges, "min"), self.spec.time_colours)):
            categories.append((str(i), label + suffix, Symbol("marker", colour, size=_ORIGIN_SIZE_MM)))
        categories.append(("-1", "når ej" + suffix, Symbol("marker", self.spec.unreachable_colour,
                                                            size=_ORIGIN_SIZE_MM)))
        return categorized(expression, categories)

    def weight_renderer(self, layer: _Layer) -> str:
        """Categorized by conflict ``weight`` 0–3, spread over the map's conflict colours."""
        from landuse.opcheck_report import WEIGHT_LABELS

        overlay = self.overlay("conflicts")
        colours = overlay.colours if overlay is not None and overlay.colours else _FALLBACK_SCORE_COLOURS
        suffix = self.suffix(_any_true(self.con, layer))
        top = max(WEIGHT_LABELS)
        categories = []
        for weight, text in sorted(WEIGHT_LABELS.items()):
            colour = colours[round(weight * (len(colours) - 1) / top)]
            symbol = Symbol("fill", colour, alpha=0.7, outline=colours[-1], outline_width=1, unit="Pixel")
            categories.append((str(weight), f"Vikt {weight}: {text}{suffix}", symbol))
        return categorized("weight", categories)


# --------------------------------------------------------------------------- the table


def _ensure_table(con: sqlite3.Connection) -> None:
    """``layer_styles`` as QGIS creates it, registered in gpkg_contents as an attributes table."""
    con.execute(_LAYER_STYLES_DDL)
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
        "SELECT 'layer_styles', 'attributes', 'layer_styles', '', strftime('%Y-%m-%dT%H:%M:%fZ','now'), 0 "
        "WHERE NOT EXISTS (SELECT 1 FROM gpkg_contents WHERE table_name = 'layer_styles')"
    )
    has_counts = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_ogr_contents'"
                             ).fetchone()
    if has_counts:
        con.execute("INSERT OR IGNORE INTO gpkg_ogr_contents (table_name, feature_count) "
                    "SELECT 'layer_styles', count(*) FROM layer_styles")
        for trigger in _COUNT_TRIGGERS:
            con.execute(trigger)


def style_geopackage(path: str | Path, *, spec=None, settings: Settings | None = None) -> int:
    """Write a QGIS default style for every layer of a landuse GeoPackage into its ``layer_styles`` table.

    Each table (spatial layers and attribute tables) gets one QML style named :data:`STYLE_NAME`
    with ``useAsDefault = 1``, so QGIS applies it when it opens the layer:

    * catalogue layers (``layers.gpkg``): categorized by ``schematic`` in the theme's map colour,
      labelled with the Swedish theme label and the layer title, "(schematisk)" on schematic features;
    * conflict ``faces``: graduated by ``score`` in the map spec's classes and colours;
    * ``origins`` / ``origin_points``: by travel-time class of ``travel_time_min`` (the spec's
      ``travel_time`` bins and colours) and "når ej" for NULL;
    * ``isochrones``: categorized by ``minutes``, semi-transparent; the car ``network``: by ``klass``;
    * ``op_check``: categorized by ``weight`` 0–3; any other layer a single symbol.

    Every style carries Swedish field aliases (:data:`landuse.excel.HEADERS`, then
    :data:`FIELD_ALIASES`).  Rows written earlier under :data:`STYLE_NAME` are replaced; other
    styles (saved by a QGIS user) stay.

    Parameters
    ----------
    path : str or Path
        A GeoPackage written by landuse (EPSG:3006).
    spec : MapSpec, optional
        The map spec whose colours and classes are used; default :func:`landuse.map_spec.load_map_spec`.
    settings : Settings, optional
        Where the map spec and the layer catalogue are read from.

    Returns
    -------
    int
        Number of tables styled.

    Raises
    ------
    ConfigError
        If the map spec cannot be read.
    OutputFolderError
        If the GeoPackage cannot be written (read-only, locked, not a GeoPackage).

    Examples
    --------
    >>> import geopandas as gpd, shapely, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ytor.gpkg"
    >>> gpd.GeoDataFrame({"score": [4.0], "n_themes": [2]}, geometry=[shapely.box(0, 0, 1, 1)],
    ...                  crs="EPSG:3006").to_file(path, layer="faces")
    >>> style_geopackage(path)
    1
    """
    from landuse.map_spec import load_map_spec

    path = Path(path)
    spec = spec if spec is not None else load_map_spec(settings=settings)
    try:
        with closing(sqlite3.connect(path)) as con:
            with con:
                layers = _layers(con)
                styler = _Styler(con, path, layers, spec, settings)
                rows = [(layer, styler.qml(layer)) for layer in layers]
                _ensure_table(con)
                names = [layer.name for layer in layers]
                con.execute(f"DELETE FROM layer_styles WHERE styleName = ? AND f_table_name IN "
                            f"({', '.join('?' * len(names))})", [STYLE_NAME, *names])
                con.executemany(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                    "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) "
                    "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL)",
                    [(layer.name, layer.geometry_column, STYLE_NAME, qml,
                      "landuse: färger och klasser från kartspecifikationen (maps/strukturbild.toml)")
                     for layer, qml in rows],
                )
    except sqlite3.Error as err:
        raise OutputFolderError(
            f"`{path.name}`: the QGIS styles cannot be written into it ({err}). Check that it is a GeoPackage "
            "and that no other program (QGIS) holds it open for writing, then run again."
        ) from err
    return len(rows)
