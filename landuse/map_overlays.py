"""The area and accessibility overlays of the strukturbild map, and the drawing of any overlay.

Each ``_draw_<kind>`` draws one ``[[overlay]]`` of the map spec as a folium FeatureGroup,
or returns None when its input is missing: kommuner, themes and målkonflikter
(Områden), isochrones and origins (Tillgänglighet) here, the nodes and stråk in
:mod:`landuse.map_nodes`.  :func:`draw_overlay` picks the function by the overlay's kind.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
from markupsafe import Markup

from landuse.formatting import MODE_LABELS, num, pct, schematic_suffix, theme_label, themes_text, with_schematic
from landuse.map_builder import MapBuilder, swatch
from landuse.map_format import bin_index, esc, popup_html, rows_html
from landuse.map_geometry import feature_collection, simplify_geometry
from landuse.map_nodes import draw_centralorter, draw_roads, draw_strak, draw_tatorter
from landuse.map_spec import INPUT_LABELS, OverlaySpec
from landuse.outputs import MODES
from landuse.settings import WORK_CRS
from landuse.themes import THEME_LABELS, parse_theme

__all__ = ["DRAWERS", "draw_overlay"]


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
    builder.legend.add(overlay.group, f"{swatch(overlay.colour, kind='line', width=1.5)} {esc(overlay.label)}")
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
    for mode in MODES:
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
    text = f"{swatch(overlay.colour)} {esc(with_schematic(shown.label, schematic))}"
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
        items.append(f'<span class="lu-bin">{swatch(colour)} {text}</span>')
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
    builder.legend.add(overlay.group, f"{swatch(overlay.colour, opacity=overlay.fill_opacity)} "
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
        items.append(f'<span class="lu-bin">{swatch(colour, kind="circle")} {text} min</span>')
    items.append(f'<span class="lu-bin">{swatch(spec.unreachable_colour, kind="circle")} når ej</span>')
    builder.legend.add(overlay.group, f"{esc(with_schematic(overlay.label, schematic))}<br>{' '.join(items)}")
    return fg


#: Drawing function of each overlay kind (``OverlaySpec.kind``).
DRAWERS = {
    "kommuner": _draw_kommuner,
    "theme": _draw_theme,
    "conflicts": _draw_conflicts,
    "isochrones": _draw_isochrones,
    "origins": _draw_origins,
    "strak": draw_strak,
    "roads": draw_roads,
    "tatorter": draw_tatorter,
    "centralorter": draw_centralorter,
}


def draw_overlay(builder: MapBuilder, m, overlay: OverlaySpec) -> None:
    """Draw ``overlay`` by its kind and add it to the map ``m``; an overlay whose input is missing is skipped.

    Parameters
    ----------
    builder : MapBuilder
        The map's state: the overlay is recorded in ``builder.drawn``, its legend in ``builder.legend``.
    m : folium.Map
        The map to add the overlay's FeatureGroup to.
    overlay : OverlaySpec
        One ``[[overlay]]`` of the map spec.
    """
    fg = DRAWERS[overlay.kind](builder, overlay)
    if fg is None:
        return
    fg.add_to(m)
    builder.drawn.append(overlay.id)
