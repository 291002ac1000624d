"""The overlays of the strukturbild map: one drawing function per overlay kind.

:class:`MapBuilder` holds the state of one map (spec, inputs, legend, what was drawn)
and the helpers the drawing functions share; each ``_draw_<kind>`` draws one
``[[overlay]]`` of the map spec as a folium FeatureGroup, or returns None when its
input is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from markupsafe import Markup

from landuse.timetable import strak
from landuse.map_format import (
    MODE_LABELS,
    bin_index,
    esc,
    num,
    pct,
    popup_html,
    rows_html,
    schematic_suffix,
    theme_label,
    themes_text,
    with_schematic,
)
from landuse.map_geometry import feature_collection, simplify_geometry
from landuse.map_inputs import MapInputs
from landuse.map_spec import INPUT_LABELS, MapSpec, OverlaySpec
from landuse.settings import WORK_CRS, Settings
from landuse.themes import THEME_LABELS, parse_theme

__all__ = ["Legend", "MapBuilder", "THEME_VALUES"]

#: When an accessibility file carries neither a ``schematic`` column nor a network source
#: label: nothing says the car network is real, so the car figures are marked; the
#: transit feed is real.
_SCHEMATIC_DEFAULT = {"car": True, "transit": False}


@dataclass
class Legend:
    """The legend's items by section (Noder, Stråk, Områden, Tillgänglighet) and what the map lacks."""

    sections: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def add(self, group: str, item: str) -> None:
        self.sections.setdefault(group or "Övrigt", []).append(item)

    def lack(self, what: str) -> None:
        if what not in self.missing:
            self.missing.append(what)


def _swatch(colour: str, *, kind: str = "fill", width: float = 3.0, opacity: float = 0.6) -> str:
    colour = esc(colour)  # from the map spec: it must not leave the style attribute
    if kind == "line":
        return f'<span class="lu-line" style="border-top:{width:g}px solid {colour}"></span>'
    if kind == "circle":
        return f'<span class="lu-circle" style="background:{colour}"></span>'
    return f'<span class="lu-fill" style="background:{colour};opacity:{max(opacity, 0.35):g}"></span>'


class MapBuilder:
    """The state of one map being drawn (spec, inputs, legend, overlays drawn) and the drawing helpers."""

    def __init__(self, spec: MapSpec, inputs: MapInputs, settings: Settings) -> None:
        import folium

        self.folium = folium
        self.spec = spec
        self.inputs = inputs
        self.settings = settings
        self.legend = Legend()
        self.drawn: list[str] = []
        #: Sources of real data drawn beyond SCB and Länstrafiken, for the legend's "Källor".
        self.sources: list[str] = []
        self._faces_cache: gpd.GeoDataFrame | None = None

    # -- helpers
    def group(self, overlay: OverlaySpec, schematic: bool):
        label = with_schematic(overlay.label, schematic)
        # the layer control renders the name as HTML: id and label come from the spec file
        name = f'<span class="lu-overlay" data-overlay="{esc(overlay.id)}">{esc(label)}</span>'
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

    def origin_shares(self) -> dict[str, dict[str, float]]:
        """Per mode: origin id -> ``share_within`` (share of its people within 60 min) as the engine wrote it."""
        out: dict[str, dict[str, float]] = {}
        for mode in ("car", "transit"):
            origins = self.inputs.access.get(mode, {}).get("origins")
            if origins is not None and "share_within" in origins.columns:
                out[mode] = dict(zip(origins["origin_id"].astype(str),
                                     pd.to_numeric(origins["share_within"], errors="coerce")))
        return out

    # -- overlays
    def draw(self, m, overlay: OverlaySpec) -> None:
        """Draw ``overlay`` by its kind and add it to ``m``; an overlay whose input is missing is skipped."""
        fg = _DRAWERS[overlay.kind](self, overlay)
        if fg is None:
            return
        fg.add_to(m)
        self.drawn.append(overlay.id)


def _draw_kommuner(builder: MapBuilder, overlay: OverlaySpec):
    kommuner = builder.inputs.layer("kommuner")
    if kommuner is None:
        builder.legend.lack("kommungränser")
        return None
    geoms = simplify_geometry(kommuner.geometry, overlay.simplify_m, coverage=True)
    frame = kommuner.set_geometry(geoms.values)
    code_col = "kommun_code" if "kommun_code" in frame.columns else "feature_id"
    props = []
    for _, row in frame.iterrows():
        code = str(row[code_col])
        props.append({"tip": f"{row['name']} kommun", "popup": _kommun_popup(builder, code, row["name"])})
    fg = builder.group(overlay, False)
    style = {"color": overlay.colour, "weight": 1.5, "fillColor": overlay.colour,
             "fillOpacity": overlay.fill_opacity, "dashArray": "4 3"}
    builder.geojson(feature_collection(frame, props), style, highlight=False).add_to(fg)
    builder.legend.add(overlay.group, f"{_swatch(overlay.colour, kind='line', width=1.5)} {esc(overlay.label)}")
    return fg


def _kommun_popup(builder: MapBuilder, code: str, name: str) -> Markup:
    """The kommun's popup: its conflict table and 60-minute shares; ``code`` and ``name`` are escaped."""
    return Markup('<div class="lu-popup"><h4>{} kommun ({})</h4>{}'
                  "<p><b>Andel av befolkningen (tätorter) som når centralort</b></p><table>{}</table></div>"
                  ).format(esc(name), code, _kommun_conflicts_html(builder, code), _kommun_access_html(builder, code))


def _kommun_conflicts_html(builder: MapBuilder, code: str) -> Markup:
    """The kommun's theme pairs by area, as an HTML table built from escaped cells."""
    table = builder.inputs.conflicts_table
    sch = builder.conflicts_schematic()
    if table is None:
        return Markup("<p>Målkonflikter: ej beräknade (malkonflikter saknas).</p>")
    mine = table[table["kommun_code"] == code].sort_values("area_km2", ascending=False)
    if mine.empty:
        return Markup("<p>Inga målkonflikter med yta i kommunen.</p>")
    head = Markup("<p><b>Målkonflikter{}</b> – temapar efter yta</p><table class='lu-table'><tr><th>Temapar</th>"
                  "<th>Vikt</th><th>km²</th><th>Andel</th></tr>").format(schematic_suffix(sch))
    row = Markup("<tr><td>{} × {}</td><td>{}</td><td>{}</td><td>{}</td></tr>")
    body = Markup("").join(
        row.format(theme_label(r.theme_a), theme_label(r.theme_b), r.weight,
                   num(float(r.area_km2), 1) + schematic_suffix(sch), pct(float(r.share_of_kommun)))
        for r in mine.head(8).itertuples()
    )
    more = Markup("<p>… och {} temapar till.</p>").format(len(mine) - 8) if len(mine) > 8 else ""
    return head + body + Markup("</table>") + more


def _kommun_access_html(builder: MapBuilder, code: str) -> Markup:
    """Rows of the kommun popup: the share within 60 minutes by car and by transit."""
    rows: list[tuple[str, str]] = []
    for mode in ("car", "transit"):
        label = "Bil" if mode == "car" else "Kollektivtrafik"
        table = builder.inputs.access_tables.get(mode)
        if table is None:
            rows.append((f"{label}, inom 60 min", "ej beräknad (indata saknas)"))
            continue
        hit = table[(table["kommun_code"] == code) & (pd.to_numeric(table["minutes"]) == 60)]
        share = float(hit["share_within"].iloc[0]) if len(hit) else None
        sch = schematic_suffix(builder.access_schematic(mode))
        rows.append((f"{label}, inom 60 min till centralort", pct(share) + sch))
        if len(hit) and "share_lower" in hit.columns and np.isfinite(float(hit["share_lower"].iloc[0])):
            rows.append((f"{label}, alla invånare (SCB 2020)",
                         f"{pct(float(hit['share_lower'].iloc[0]))}–{pct(float(hit['share_upper'].iloc[0]))}"
                         + sch))
    return rows_html(rows)


def _draw_theme(builder: MapBuilder, overlay: OverlaySpec):
    from landuse.layers import layers_for_theme

    theme = parse_theme(overlay.theme or "")
    specs = layers_for_theme(theme, builder.settings)
    frames = []
    for spec in specs:
        frame = builder.inputs.layer(spec.name)
        if frame is not None and len(frame):
            frame = frame.assign(lu_title=spec.title, lu_legal=spec.legal_basis, lu_authority=spec.authority,
                                 lu_source=f"{spec.title}: {spec.licence}" if spec.licence else spec.title)
            frames.append(frame)
    if not frames:
        builder.legend.lack(esc(overlay.label))
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
    conflicts = _feature_conflicts(builder, frame, theme.value)
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
            ("Yta", f"{num(area_km2[i], 1)} km²{schematic_suffix(sch)}"),
            ("Målkonflikter", conflicts[i]),
        ]
        props.append({"tip": f"{name} – {label}{schematic_suffix(sch)}",
                      "popup": popup_html(str(name), rows, schematic=sch)})
    shown = replace(overlay, label=overlay.label + " (delvis schematisk)") if mixed else overlay
    fg = builder.group(shown, schematic)
    style = {"color": overlay.colour, "weight": 1, "fillColor": overlay.colour, "fillOpacity": overlay.fill_opacity}
    builder.geojson(feature_collection(frame, props), style).add_to(fg)
    text = f"{_swatch(overlay.colour)} {esc(with_schematic(shown.label, schematic))}"
    if mixed:
        text += "<br><small>" + "; ".join(
            esc(title) if flag and "schematisk" in str(title).lower()
            else f"{esc(title)}: {'schematisk' if flag else 'verkliga data'}" for title, flag in per_layer.items()
        ) + "</small>"
    builder.legend.add(overlay.group, text)
    if not per_layer.all():
        builder.sources += list(frame.loc[~flags.to_numpy(), "lu_source"].dropna().astype(str).unique())
    return fg


def _feature_conflicts(builder: MapBuilder, frame: gpd.GeoDataFrame, theme: str) -> list[str]:
    """For each feature: the other themes claiming its ground, with km², from the faces."""
    faces = builder.faces()
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
    sch = builder.conflicts_schematic()
    out = []
    for i in range(len(frame)):
        if i in sums.index.get_level_values(0):
            items = sums.loc[i].sort_values(ascending=False)
            out.append("; ".join(f"{theme_label(t)} {num(a, 1)} km²{schematic_suffix(sch)}"
                                 for t, a in items.items()))
        else:
            out.append("inga")
    return out


def _draw_conflicts(builder: MapBuilder, overlay: OverlaySpec):
    faces = builder.faces()
    if faces is None:
        builder.legend.lack(INPUT_LABELS["conflicts"])
        return None
    faces = faces[pd.to_numeric(faces["n_themes"]) >= overlay.min_themes]
    schematic = builder.conflicts_schematic()
    fg = builder.group(overlay, schematic)
    builder.legend.add(overlay.group, _conflict_legend(builder, overlay, schematic))
    if faces.empty:
        return fg
    geoms = simplify_geometry(faces.geometry, overlay.simplify_m, coverage=True)
    faces = faces.set_geometry(geoms.values)
    score = pd.to_numeric(faces["score"]).to_numpy(dtype=float)
    classes = bin_index(score, overlay.score_bins)
    props = []
    for cls, row in zip(classes, faces.itertuples()):
        sch = bool(getattr(row, "schematic", schematic))
        rows = [
            ("Kommun", getattr(row, "kommun", "")),
            ("Teman", themes_text(row.themes)),
            ("Antal teman", row.n_themes),
            ("Poäng", f"{num(float(row.score), 1)}{schematic_suffix(sch)}"),
            ("Yta", f"{num(float(row.area_km2), 2)} km²{schematic_suffix(sch)}"),
        ]
        props.append({
            "tip": f"Målkonflikt, poäng {num(float(row.score), 1)}: {themes_text(row.themes)}{schematic_suffix(sch)}",
            "popup": popup_html("Målkonflikt", rows, schematic=sch),
            "_style": {"fillColor": overlay.colours[int(cls)]},
        })
    style = {"color": "#67000d", "weight": 0.5, "fillOpacity": overlay.fill_opacity}
    builder.geojson(feature_collection(faces, props), style, style_key=True).add_to(fg)
    return fg


def _conflict_legend(builder: MapBuilder, overlay: OverlaySpec, schematic: bool) -> str:
    edges = overlay.score_bins
    items = []
    for i, colour in enumerate(overlay.colours):
        if i == 0:
            text = f"≤ {num(edges[0], 0)}"
        elif i == len(edges):
            text = f"> {num(edges[-1], 0)}"
        else:
            text = f"{num(edges[i - 1], 0)}–{num(edges[i], 0)}"
        items.append(f'<span class="lu-bin">{_swatch(colour)} {text}</span>')
    return f"{esc(with_schematic(overlay.label, schematic))}<br>{' '.join(items)}"


def _draw_isochrones(builder: MapBuilder, overlay: OverlaySpec):
    mode = overlay.input
    iso = builder.inputs.access.get(mode, {}).get("isochrones")
    if iso is None:
        builder.legend.lack(INPUT_LABELS[mode])
        return None
    schematic = builder.access_schematic(mode)
    network = builder.network_source(mode) if mode == "car" else None
    iso = iso[np.isclose(pd.to_numeric(iso["minutes"]), overlay.minutes)]
    iso = iso[~(iso.geometry.isna() | iso.geometry.is_empty)]
    fg = builder.group(overlay, schematic)
    builder.legend.add(overlay.group, f"{_swatch(overlay.colour, opacity=overlay.fill_opacity)} "
                                   f"{esc(with_schematic(overlay.label, schematic))}")
    if iso.empty:
        return fg
    iso = iso.set_geometry(simplify_geometry(iso.geometry, overlay.simplify_m).values)
    props = []
    for row in iso.itertuples():
        sch = bool(getattr(row, "schematic", schematic))
        place = getattr(row, "centralort", "") or getattr(row, "target_id", "")
        note = "schematiskt vägnät byggt ur busstidtabeller" if sch and mode == "car" else ""
        rows = [("Centralort", place), ("Restid", f"inom {num(overlay.minutes, 0)} min"),
                ("Färdsätt", MODE_LABELS[mode] + (f" ({note})" if note else schematic_suffix(sch)))]
        if network:
            rows.append(("Vägnät", network))
        props.append({"tip": f"{place}: {num(overlay.minutes, 0)} min med {MODE_LABELS[mode]}{schematic_suffix(sch)}",
                      "popup": popup_html(f"{place} – {num(overlay.minutes, 0)} min", rows, schematic=sch)})
    style = {"color": overlay.colour, "weight": 1, "fillColor": overlay.colour, "fillOpacity": overlay.fill_opacity}
    builder.geojson(feature_collection(iso, props), style).add_to(fg)
    return fg


def _draw_origins(builder: MapBuilder, overlay: OverlaySpec):
    mode = overlay.input
    origins = builder.inputs.access.get(mode, {}).get("origins")
    if origins is None:
        builder.legend.lack(INPUT_LABELS[mode])
        return None
    schematic = builder.access_schematic(mode)
    fg = builder.group(overlay, schematic)
    names = {}
    tatorter = builder.inputs.layer("tatorter")
    if tatorter is not None:
        names = dict(zip(tatorter["feature_id"].astype(str), tatorter["name"]))
    times = pd.to_numeric(origins["travel_time_min"], errors="coerce").to_numpy(dtype=float)
    classes = bin_index(times, builder.spec.time_bins)
    spec = builder.spec
    props = []
    for cls, t, row in zip(classes, times, origins.itertuples()):
        colour = spec.unreachable_colour if not np.isfinite(t) else spec.time_colours[int(cls)]
        name = names.get(str(row.origin_id), str(row.origin_id))
        rows = [("Kommun", row.kommun_code), ("Folkmängd", num(float(row.population), 0)),
                ("Restid till centralort" + (" (median för invånarna)" if hasattr(row, "share_within") else ""),
                 (f"{num(t, 0)} min" if np.isfinite(t) else "når inte inom nätet")
                 + schematic_suffix(schematic)),
                ("Mål", getattr(row, "target", "") or "–")]
        if hasattr(row, "share_within"):
            share = float(pd.to_numeric(row.share_within, errors="coerce"))
            rows.append(("Andel av invånarna inom 60 min", pct(share) + schematic_suffix(schematic)))
        for column, text in (("best_min", "Bästa restid"), ("median_min", "Medianrestid")):
            if hasattr(row, column):
                value = float(pd.to_numeric(getattr(row, column), errors="coerce"))
                rows.append((text, f"{num(value, 0)} min" if np.isfinite(value) else "–"))
        share = (float(pd.to_numeric(row.share_within, errors="coerce")) if hasattr(row, "share_within")
                 else np.nan)
        if np.isfinite(t):
            reach = f"{num(t, 0)} min"
        elif np.isfinite(share) and share > 0:  # fewer than half of its people reach: say how many do
            reach = f"{pct(share)} når inom 60 min"
        else:
            reach = "når ej"
        tip = f"{name}: {reach} med {MODE_LABELS[mode]}"
        props.append({"tip": tip + schematic_suffix(schematic),
                      "popup": popup_html(f"{name} – {MODE_LABELS[mode]}", rows, schematic=schematic),
                      "_style": {"fillColor": colour}})
    style = {"radius": 5, "color": "#222222", "weight": 0.8, "fillOpacity": 0.9, "fill": True}
    builder.geojson(feature_collection(origins, props), style, style_key=True, points=True).add_to(fg)
    bins = spec.time_bins
    items = []
    for i, colour in enumerate(spec.time_colours):
        text = f"≤ {bins[0]:g}" if i == 0 else (f"> {bins[-1]:g}" if i == len(bins) else f"{bins[i - 1]:g}–{bins[i]:g}")
        items.append(f'<span class="lu-bin">{_swatch(colour, kind="circle")} {text} min</span>')
    items.append(f'<span class="lu-bin">{_swatch(spec.unreachable_colour, kind="circle")} når ej</span>')
    builder.legend.add(overlay.group, f"{esc(with_schematic(overlay.label, schematic))}<br>{' '.join(items)}")
    return fg


def _draw_strak(builder: MapBuilder, overlay: OverlaySpec):
    if not builder.inputs.available("gtfs"):
        builder.legend.lack(INPUT_LABELS["gtfs"])
        return None
    lines = strak(builder.inputs.feed(), builder.spec.gtfs_date, exclude_route_types=builder.spec.exclude_route_types)
    widths = np.asarray(overlay.widths, dtype=float)
    cls = np.clip(np.searchsorted(np.asarray(overlay.departure_bins, dtype=float),
                                  lines["departures"].to_numpy(), side="right") - 1, 0, len(widths) - 1)
    props = []
    for c, row in zip(cls, lines.itertuples()):
        tip = f"{row.from_name} – {row.to_name}: {row.departures} avgångar/dag"
        # a tooltip only: 2 000 segments with popups would double the file size
        props.append({"tip": tip, "_style": {"weight": float(widths[c])}})
    fg = builder.group(overlay, False)
    style = {"color": overlay.colour, "opacity": 0.75, "weight": 1.0}
    builder.geojson(feature_collection(lines, props), style, style_key=True, highlight=False,
                 popup=False).add_to(fg)
    bins = overlay.departure_bins
    items = []
    for i, w in enumerate(overlay.widths):
        text = f"{bins[i]:g}–{bins[i + 1] - 1:g}" if i + 1 < len(bins) else f"≥ {bins[i]:g}"
        items.append(f'<span class="lu-bin">{_swatch(overlay.colour, kind="line", width=w)} {text}</span>')
    builder.legend.add(overlay.group, f"{esc(overlay.label)}, tisdag {esc(builder.spec.gtfs_date)}, båda riktningarna"
                                   f"<br>{' '.join(items)}<br><small>Raka linjer mellan hållplatser; "
                                   "anropsstyrd trafik ingår inte.</small>")
    return fg


def _draw_roads(builder: MapBuilder, overlay: OverlaySpec):
    """The car network the engine wrote (``network`` layer), one line per edge, by road class."""
    from landuse.network import MAIN_ROAD_SOURCE

    network = builder.inputs.access.get("car", {}).get("network")
    if network is None:
        builder.legend.lack(INPUT_LABELS["car"] + ", lagret network")
        return None
    schematic = builder.access_schematic("car")
    source = builder.network_source("car") or ""
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
    fg = builder.group(replace(overlay, label=label), schematic)
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
                          + (f", {num(speed, 0)} km/h" if np.isfinite(speed) else "")
                          + schematic_suffix(schematic)})
        style = ({"color": overlay.colours[i], "weight": overlay.widths[i], "opacity": 0.85} if i < len(rank)
                 else {"color": overlay.colour, "weight": overlay.width, "opacity": 0.85})
        # a tooltip only, as for the stråk: popups on every edge would double the file size
        builder.geojson(feature_collection(network.iloc[mine], props), style, highlight=False,
                     popup=False).add_to(fg)
    present = set(klass)
    items = [f'<span class="lu-bin">{_swatch(c, kind="line", width=w)} {esc(text)}</span>'
             for road_class, c, w, text in zip(overlay.classes, overlay.colours, overlay.widths,
                                               overlay.class_labels)
             if road_class in present]
    if not items or any(k not in rank for k in present):
        items.append(f'<span class="lu-bin">{_swatch(overlay.colour, kind="line", width=overlay.width)} '
                     "övriga länkar</span>")
    builder.legend.add(overlay.group, f"{esc(with_schematic(label, schematic))}<br>{' '.join(items)}"
                                   f"<br><small>{esc(source)}</small>")
    if not schematic and source.startswith(MAIN_ROAD_SOURCE):
        builder.sources.append("Lantmäteriet Topografi 250 (huvudvägar; CC0)")
    return fg


def _nodes(builder: MapBuilder, name: str) -> gpd.GeoDataFrame | None:
    frame = builder.inputs.layer(name)
    if frame is None:
        return None
    if "population" not in frame.columns:
        frame = frame.assign(population=pd.to_numeric(frame.get("pop", 0), errors="coerce"))
    return frame


def _node_collection(builder: MapBuilder, name: str, shown: str, describe) -> dict | None:
    """GeoJSON of the nodes of layer ``name``; ``describe(row, population)`` gives (tip, popup, radius).

    None, and a legend note that ``shown`` is missing, when the layer is.
    """
    frame = _nodes(builder, name)
    if frame is None:
        builder.legend.lack(shown)
        return None
    props = []
    for row in frame.itertuples():
        tip, popup, radius = describe(row, float(pd.to_numeric(row.population, errors="coerce") or 0))
        props.append({"tip": tip, "popup": popup, "_style": {"radius": radius}})
    return feature_collection(frame, props)


def _draw_tatorter(builder: MapBuilder, overlay: OverlaySpec):
    shares = builder.origin_shares()
    schematic = {mode: builder.access_schematic(mode) for mode in shares}

    def describe(row, pop: float):
        rows = [("Kommun", getattr(row, "kommun", "")), ("Folkmängd 2020", num(pop, 0)),
                ("Tätortskod", row.feature_id), ("Källa", "SCB, Tätorter 2020")]
        for mode, by_id in shares.items():
            share = by_id.get(str(row.feature_id))
            if share is not None:
                rows.append((f"Andel inom 60 min, {MODE_LABELS[mode]}",
                             pct(float(share)) + schematic_suffix(schematic[mode])))
        return (f"{row.name}: {num(pop, 0)} inv. (2020)",
                popup_html(f"{row.name} (tätort)", rows, schematic=False), _node_radius(pop))

    collection = _node_collection(builder, "tatorter", "tätorter", describe)
    if collection is None:
        return None
    fg = builder.group(overlay, False)
    style = {"color": overlay.colour, "weight": 1, "fill": True, "fillColor": "#ffffff", "fillOpacity": 0.8}
    builder.geojson(collection, style, style_key=True, points=True).add_to(fg)
    builder.legend.add(overlay.group, f"{_swatch('#ffffff', kind='circle')} {esc(overlay.label)}")
    return fg


def _draw_centralorter(builder: MapBuilder, overlay: OverlaySpec):
    def describe(row, pop: float):
        rows = [("Kommun", getattr(row, "kommun", "")), ("Folkmängd 2020", num(pop, 0)),
                ("Roll", "Kommunens centralort (RUS: mål för 60-minutersindikatorn)")]
        return (esc(row.name), popup_html(f"{row.name} (centralort)", rows, schematic=False),
                _node_radius(pop) + 3)

    collection = _node_collection(builder, "centralorter", "centralorter", describe)
    if collection is None:
        return None
    fg = builder.group(overlay, False)
    style = {"color": overlay.colour, "weight": 3, "fill": True, "fillColor": "#ffd92f", "fillOpacity": 0.95}
    # the names are permanent labels: centralorter are the nodes a planner looks for first
    builder.geojson(collection, style, style_key=True, points=True, highlight=False, labels=True).add_to(fg)
    builder.legend.add(overlay.group, f"{_swatch('#ffd92f', kind='circle')} {esc(overlay.label)}")
    return fg


#: Drawing function of each overlay kind (``OverlaySpec.kind``).
_DRAWERS = {
    "kommuner": _draw_kommuner,
    "theme": _draw_theme,
    "conflicts": _draw_conflicts,
    "isochrones": _draw_isochrones,
    "origins": _draw_origins,
    "strak": _draw_strak,
    "roads": _draw_roads,
    "tatorter": _draw_tatorter,
    "centralorter": _draw_centralorter,
}


THEME_VALUES = {"rennaring", "totalforsvar", "naturvard", "friluftsliv", "energi", "mineral", "kulturmiljo",
                "bostader", "jordbruk"}


def _node_radius(population: float) -> float:
    """Circle radius in pixels: area proportional to population (Luleå ≈ 20 px, 200 inv. ≈ 3 px)."""
    return round(2.0 + float(np.sqrt(max(population, 0.0))) / 12.0, 1)
