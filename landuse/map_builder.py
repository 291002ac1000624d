"""The state of one strukturbild map being drawn: spec, inputs, legend, and the helpers every overlay shares.

The drawing functions (:mod:`landuse.map_overlays`, :mod:`landuse.map_nodes`) take a
:class:`MapBuilder` and add one ``[[overlay]]`` of the map spec to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from landuse.formatting import with_schematic
from landuse.map_format import esc
from landuse.map_inputs import MapInputs
from landuse.map_spec import MapSpec, OverlaySpec
from landuse.outputs import MODES, SCHEMATIC_DEFAULT
from landuse.settings import Settings
from landuse.themes import INTEREST_THEMES

__all__ = ["Legend", "MapBuilder", "swatch"]


@dataclass
class Legend:
    """The legend's items by section (Noder, Stråk, Områden, Tillgänglighet) and what the map lacks."""

    sections: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def add(self, group: str, item: str) -> None:
        """Add the HTML ``item`` to the legend section ``group``.

        Parameters
        ----------
        group : str
            The section: "Noder", "Stråk", "Områden", "Tillgänglighet" ("Övrigt" when empty).
        item : str
            Safe HTML: a :func:`swatch` and the escaped label.
        """
        self.sections.setdefault(group or "Övrigt", []).append(item)

    def lack(self, what: str) -> None:
        """Name ``what`` under "Saknas i denna karta", once.

        Parameters
        ----------
        what : str
            Safe HTML in Swedish, e.g. the escaped label of an overlay whose input is missing.
        """
        if what not in self.missing:
            self.missing.append(what)


def swatch(colour: str, *, kind: str = "fill", width: float = 3.0, opacity: float = 0.6) -> str:
    """A legend symbol as HTML: a filled square, a line or a circle.

    Parameters
    ----------
    colour : str
        CSS colour from the map spec (escaped here).
    kind : {"fill", "line", "circle"}
        The symbol.
    width : float
        Line width in pixels (``kind="line"``).
    opacity : float
        Fill opacity 0–1 (``kind="fill"``; at least 0.35, so a faint fill stays visible).

    Returns
    -------
    str
        One ``<span>``.
    """
    colour = esc(colour)  # from the map spec: it must not leave the style attribute
    if kind == "line":
        return f'<span class="lu-line" style="border-top:{width:g}px solid {colour}"></span>'
    if kind == "circle":
        return f'<span class="lu-circle" style="background:{colour}"></span>'
    return f'<span class="lu-fill" style="background:{colour};opacity:{max(opacity, 0.35):g}"></span>'


class MapBuilder:
    """The state of one map being drawn (spec, inputs, legend, overlays drawn) and the drawing helpers.

    Size: over 150 lines with the numpydoc of its helpers; every overlay drawer shares this state and these helpers.
    """

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
        """The overlay's entry in the layer control.

        Parameters
        ----------
        overlay : OverlaySpec
            Its ``label`` (marked "(schematisk)" when ``schematic``), ``id`` and ``show``.
        schematic : bool
            Whether what it draws rests on schematic input.

        Returns
        -------
        folium.FeatureGroup
        """
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

        Parameters
        ----------
        data : dict
            A GeoJSON FeatureCollection in WGS84 (:func:`landuse.map_geometry.feature_collection`).
        style : dict
            Leaflet path options shared by every feature.
        style_key : bool
            Merge each feature's ``_style`` property over ``style``.
        highlight : bool
            Thicken the outline under the mouse.
        popup : bool
            Bind the ``popup`` property as a popup (tooltips only otherwise).
        points : bool
            Draw points as circle markers.
        tooltip_options : dict, optional
            Leaflet tooltip options over ``sticky``.
        labels : bool
            Show ``tip`` as a permanent label instead of a tooltip.

        Returns
        -------
        folium.GeoJson
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
        """The målkonflikt faces with a geometry, read once.

        Returns
        -------
        geopandas.GeoDataFrame or None
            The ``faces`` layer (:data:`~landuse.outputs.FACE_COLUMNS`, EPSG:3006)
            without empty geometries; None without the målkonflikt input.
        """
        faces = self.inputs.faces
        if faces is None:
            return None
        if self._faces_cache is None:
            faces = faces[~(faces.geometry.isna() | faces.geometry.is_empty)]
            self._faces_cache = faces
        return self._faces_cache

    def conflicts_schematic(self) -> bool:
        """Whether the målkonflikt figures rest on schematic input.

        Returns
        -------
        bool
            Whether any face is schematic; without a ``schematic`` column, whether any
            catalogue layer of an interest theme is.
        """
        faces = self.faces()
        if faces is not None and "schematic" in faces.columns:
            return bool(faces["schematic"].astype(bool).any())
        from landuse.layers import catalogue

        return any(s.schematic for s in catalogue(self.settings).values() if s.theme in INTEREST_THEMES)

    def access_schematic(self, mode: str) -> bool:
        """Whether the ``mode`` figures rest on schematic input, as the engine wrote it.

        The ``schematic`` column of its layers (the isochrones carry one), else the
        network layer's ``source`` label (the GTFS stand-in's says SCHEMATIC), else
        :data:`landuse.outputs.SCHEMATIC_DEFAULT`.

        Parameters
        ----------
        mode : str
            ``car`` or ``transit``.

        Returns
        -------
        bool
        """
        frames = self.inputs.access.get(mode, {})
        for frame in frames.values():
            if "schematic" in frame.columns and len(frame):
                return bool(frame["schematic"].astype(bool).any())
        source = self.network_source(mode)
        if source is not None:
            return "SCHEMATIC" in source.upper()
        return SCHEMATIC_DEFAULT[mode]

    def network_source(self, mode: str = "car") -> str | None:
        """The source label of the network the engine used.

        Parameters
        ----------
        mode : str
            The travel mode whose ``network`` layer is read (only the car engine writes one).

        Returns
        -------
        str or None
            The first ``source`` of the layer; None when the layer or the column is absent.
        """
        network = self.inputs.access.get(mode, {}).get("network")
        if network is None or "source" not in network.columns:
            return None
        labels = network["source"].dropna().astype(str)
        return str(labels.iloc[0]) if len(labels) else None

    def origin_shares(self) -> dict[str, dict[str, float]]:
        """The share of each origin's people within 60 minutes, as the engine wrote it.

        Returns
        -------
        dict
            Mode -> origin id -> ``share_within`` (0–1), for the modes whose origins carry it.
        """
        out: dict[str, dict[str, float]] = {}
        for mode in MODES:
            origins = self.inputs.access.get(mode, {}).get("origins")
            if origins is not None and "share_within" in origins.columns:
                out[mode] = dict(zip(origins["origin_id"].astype(str),
                                     pd.to_numeric(origins["share_within"], errors="coerce")))
        return out
