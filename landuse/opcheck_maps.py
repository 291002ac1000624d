"""The static maps of the ÖP-check report: one PNG per planned area and the interests it overlaps.

Drawn offline from the vectors alone (no basemap tiles), in EPSG:3006, with the theme
colours of the strukturbild map spec so the report matches the map.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from landuse._io import atomic_path
from landuse.formatting import num, schematic_suffix, theme_label
from landuse.map_spec import NEUTRAL_COLOUR
from landuse.settings import Settings
from landuse.themes import parse_theme

__all__ = ["plan_map", "theme_colours"]


def theme_colours(settings: Settings | None = None) -> dict[str, str]:
    """Theme fill colours from the strukturbild map spec, so the report matches the map.

    Parameters
    ----------
    settings : Settings, optional
        Where the map spec is read.

    Returns
    -------
    dict
        Theme value (``"rennaring"`` ...) -> CSS colour.
    """
    from landuse.map_spec import load_map_spec

    spec = load_map_spec(settings=settings)
    return {parse_theme(o.theme).value: o.colour for o in spec.overlays if o.kind == "theme" and o.theme}


def _scale_km(width_m: float) -> float:
    """A round scale-bar length (km) of at most a quarter of the map width."""
    steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200]
    return max([s for s in steps if s * 1000 <= width_m / 4] or [steps[0]])


def plan_map(
    plan_id: str,
    use: str,
    geometry: shapely.Geometry,
    features: gpd.GeoDataFrame,
    kommuner: gpd.GeoDataFrame,
    path: str | Path,
    *,
    colours: dict[str, str] | None = None,
    pad_m: float | None = None,
) -> Path:
    """A static map (PNG) of one planned area and the interest features it overlaps.

    No basemap tiles: the map is drawn offline from the vectors alone, in EPSG:3006.

    Parameters
    ----------
    plan_id, use : str
        Shown in the title as plain text.
    geometry : shapely geometry
        The planned area, EPSG:3006.
    features : geopandas.GeoDataFrame
        The interest features it overlaps (``theme``, ``name``, ``schematic``), EPSG:3006;
        drawn clipped to a buffer of ``pad_m`` around the area, schematic ones hatched.
    kommuner : geopandas.GeoDataFrame
        Kommun boundaries (``name``), EPSG:3006.
    path : path
        PNG to write (atomically).
    colours : dict, optional
        Theme -> colour (:func:`theme_colours`); other themes are grey.
    pad_m : float, optional
        Buffer around the planned area in metres; default half its larger side, at least 1 000 m.

    Returns
    -------
    Path
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    colours = colours or {}
    x0, y0, x1, y1 = shapely.bounds(geometry)
    pad = pad_m if pad_m is not None else max(1000.0, 0.5 * max(x1 - x0, y1 - y0))
    window = shapely.buffer(geometry, pad)
    wx0, wy0, wx1, wy1 = shapely.bounds(window)
    side = max(wx1 - wx0, wy1 - wy0) * 1.04
    cx, cy = (wx0 + wx1) / 2, (wy0 + wy1) / 2
    frame = shapely.box(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)

    fig = Figure(figsize=(6.0, 7.0))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.05, 0.135, 0.9, 0.771))  # square: 5.4 in by 5.4 in
    ax.set_facecolor("#f7f7f4")
    handles: list = []
    seen: set[tuple[str, bool]] = set()
    clipped = features.assign(geometry=shapely.intersection(np.asarray(features.geometry.values), window))
    clipped = clipped[~clipped.geometry.is_empty]
    groups = sorted(clipped.groupby(["theme", "schematic"], sort=True),
                    key=lambda item: -float(item[1].geometry.area.sum()))  # large areas first, small on top
    for (theme, schematic), group in groups:
        colour = colours.get(str(theme), NEUTRAL_COLOUR)
        style = {"facecolor": colour, "edgecolor": colour, "alpha": 0.35, "linewidth": 1.0,
                 "hatch": "///" if schematic else None}
        group.plot(ax=ax, **style)
        gpd.GeoSeries(group.geometry.values).boundary.plot(ax=ax, color=colour, linewidth=1.2)
        if (theme, bool(schematic)) not in seen:
            seen.add((theme, bool(schematic)))
            handles.append(Patch(label=theme_label(str(theme)) + schematic_suffix(bool(schematic)), **style))
    gpd.GeoSeries([window]).boundary.plot(ax=ax, color="#999999", linewidth=0.6, linestyle=":")
    near = kommuner[kommuner.intersects(frame)]
    for geom, name in zip(near.geometry.values, near["name"]):
        line = shapely.intersection(shapely.boundary(geom), frame)
        if not line.is_empty:
            gpd.GeoSeries([line]).plot(ax=ax, color="#444444", linewidth=1.4, linestyle="--")
        inside = shapely.difference(shapely.intersection(geom, shapely.buffer(frame, -side * 0.08)),
                                    shapely.buffer(geometry, side * 0.03))  # the label keeps off the plan
        if not inside.is_empty and len(near) > 1:
            point = inside.representative_point()
            ax.text(point.x, point.y, f"{name} kommun", fontsize=8, color="#444444", style="italic",
                    ha="center", va="center", parse_math=False)
    if len(near):
        handles.append(Line2D([], [], color="#444444", linewidth=1.4, linestyle="--",
                              label="Kommungräns: " + ", ".join(sorted(map(str, near["name"])))))
    gpd.GeoSeries([geometry]).plot(ax=ax, facecolor="none", edgecolor="#000000", linewidth=2.2)
    handles.insert(0, Patch(facecolor="none", edgecolor="#000000", linewidth=2.2, label="Planerat område"))
    ax.set_xlim(cx - side / 2, cx + side / 2)
    ax.set_ylim(cy - side / 2, cy + side / 2)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    # scale bar in km, lower left, on a white box
    km = _scale_km(side)
    bx, by = cx - side / 2 + side * 0.04, cy - side / 2 + side * 0.05
    ax.add_patch(Rectangle((bx - side * 0.015, by - side * 0.02), km * 1000 + side * 0.03, side * 0.075,
                           facecolor="white", edgecolor="none", alpha=0.85))
    ax.add_patch(Rectangle((bx, by), km * 500, side * 0.012, facecolor="black", edgecolor="black"))
    ax.add_patch(Rectangle((bx + km * 500, by), km * 500, side * 0.012, facecolor="white", edgecolor="black"))
    ax.text(bx + km * 500, by + side * 0.02, f"{num(km, 1 if km < 1 else 0)} km", ha="center", va="bottom",
            fontsize=8, parse_math=False)
    ax.text(cx + side / 2 - side * 0.02, cy - side / 2 + side * 0.02, "SWEREF 99 TM (EPSG:3006)", fontsize=7,
            ha="right", va="bottom", color="#555555")
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.005), ncol=2, fontsize=8,
               frameon=False)
    title = f"Område {plan_id}: {use}"
    fig.suptitle(title if len(title) <= 80 else title[:79] + "…", fontsize=10, y=0.975, parse_math=False)
    if any(s for _, s in seen):
        fig.text(0.5, 0.93, "Streckat: schematiska demolager, inte verkliga gränser", ha="center", fontsize=8,
                 color="#b00000")
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    return path
