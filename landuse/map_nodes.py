"""The nodes and stråk of the strukturbild map: tätorter, centralorter, the GTFS stråk and the car's roads.

Each ``draw_<kind>`` draws one ``[[overlay]]`` of the map spec as a folium FeatureGroup,
or returns None when its input is missing (see :func:`landuse.map_overlays.draw_overlay`).
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd

from landuse.formatting import MODE_LABELS, num, pct, schematic_suffix, with_schematic
from landuse.timetable import strak
from landuse.map_builder import MapBuilder, swatch
from landuse.map_format import esc, popup_html
from landuse.map_geometry import feature_collection, simplify_geometry
from landuse.map_spec import INPUT_LABELS, MARKER_FILLS, OverlaySpec
from landuse.outputs import MAIN_ROAD_SOURCE, MAP_INPUTS

__all__ = ["draw_centralorter", "draw_roads", "draw_strak", "draw_tatorter"]


def draw_strak(builder: MapBuilder, overlay: OverlaySpec):
    """The public-transport stråk: straight lines between stops, wider for more departures that day.

    Parameters
    ----------
    builder : MapBuilder
        The map's state and inputs.
    overlay : OverlaySpec
        The ``[[overlay]]`` of kind ``strak``.

    Returns
    -------
    folium.FeatureGroup or None
        None (and a "saknas" line in the legend) when the GTFS feed is missing.
    """
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
        items.append(f'<span class="lu-bin">{swatch(overlay.colour, kind="line", width=w)} {text}</span>')
    builder.legend.add(overlay.group, f"{esc(overlay.label)}, tisdag {esc(builder.spec.gtfs_date)}, båda riktningarna"
                                   f"<br>{' '.join(items)}<br><small>Raka linjer mellan hållplatser; "
                                   "anropsstyrd trafik ingår inte.</small>")
    return fg


def draw_roads(builder: MapBuilder, overlay: OverlaySpec):
    """The car network the engine wrote (``network`` layer), one line per edge, by road class.

    Parameters
    ----------
    builder : MapBuilder
        The map's state and inputs.
    overlay : OverlaySpec
        The ``[[overlay]]`` of kind ``roads``.

    Returns
    -------
    folium.FeatureGroup or None
        None (and a "saknas" line in the legend) when the car input's network layer is missing.
    """
    car = builder.inputs.access.get("car")
    network = car.get("network") if car is not None else None
    if network is None:
        # without the car input its own line says so; with it, only its network layer is missing
        builder.legend.lack(INPUT_LABELS["car"] if car is None
                            else f"vägnätet (lagret network i {MAP_INPUTS['car']})")
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
    items = [f'<span class="lu-bin">{swatch(c, kind="line", width=w)} {esc(text)}</span>'
             for road_class, c, w, text in zip(overlay.classes, overlay.colours, overlay.widths,
                                               overlay.class_labels)
             if road_class in present]
    if not items or any(k not in rank for k in present):
        items.append(f'<span class="lu-bin">{swatch(overlay.colour, kind="line", width=overlay.width)} '
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


def draw_tatorter(builder: MapBuilder, overlay: OverlaySpec):
    """The tätorter as circles sized by population, with their 60-minute shares per mode.

    Parameters
    ----------
    builder : MapBuilder
        The map's state and inputs.
    overlay : OverlaySpec
        The ``[[overlay]]`` of kind ``tatorter``.

    Returns
    -------
    folium.FeatureGroup or None
        None (and a "saknas" line in the legend) when the tätort layer is missing.
    """
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
    fill = MARKER_FILLS[overlay.kind]
    style = {"color": overlay.colour, "weight": 1, "fill": True, "fillColor": fill, "fillOpacity": 0.8}
    builder.geojson(collection, style, style_key=True, points=True).add_to(fg)
    builder.legend.add(overlay.group, f"{swatch(fill, kind='circle')} {esc(overlay.label)}")
    return fg


def draw_centralorter(builder: MapBuilder, overlay: OverlaySpec):
    """The centralorter as circles with permanent name labels.

    Parameters
    ----------
    builder : MapBuilder
        The map's state and inputs.
    overlay : OverlaySpec
        The ``[[overlay]]`` of kind ``centralorter``.

    Returns
    -------
    folium.FeatureGroup or None
        None (and a "saknas" line in the legend) when the centralort layer is missing.
    """
    def describe(row, pop: float):
        rows = [("Kommun", getattr(row, "kommun", "")), ("Folkmängd 2020", num(pop, 0)),
                ("Roll", "Kommunens centralort (RUS: mål för 60-minutersindikatorn)")]
        return (esc(row.name), popup_html(f"{row.name} (centralort)", rows, schematic=False),
                _node_radius(pop) + 3)

    collection = _node_collection(builder, "centralorter", "centralorter", describe)
    if collection is None:
        return None
    fg = builder.group(overlay, False)
    fill = MARKER_FILLS[overlay.kind]
    style = {"color": overlay.colour, "weight": 3, "fill": True, "fillColor": fill, "fillOpacity": 0.95}
    # the names are permanent labels: centralorter are the nodes a planner looks for first
    builder.geojson(collection, style, style_key=True, points=True, highlight=False, labels=True).add_to(fg)
    builder.legend.add(overlay.group, f"{swatch(fill, kind='circle')} {esc(overlay.label)}")
    return fg


def _node_radius(population: float) -> float:
    """Circle radius in pixels: area proportional to population (Luleå ≈ 20 px, 200 inv. ≈ 3 px)."""
    return round(2.0 + float(np.sqrt(max(population, 0.0))) / 12.0, 1)
