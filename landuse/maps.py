"""Folium strukturbild maps of Norrbotten: noder, stråk och områden, offline by default.

:func:`strukturbild_map` draws the layers a map spec (``maps/*.toml``) lists from the
landuse outputs; :func:`write_map` writes one self-contained HTML file whose Leaflet
comes from the installed ``xstatic-leaflet`` package, so the map opens without network.

The work is split by job: the spec in :mod:`landuse.map_spec`, the output folder's
files in :mod:`landuse.outputs`, their checks in :mod:`landuse.map_inputs`, HTML in
:mod:`landuse.map_format`, geometry in :mod:`landuse.map_geometry`, the map's state in
:mod:`landuse.map_builder` and the overlays in :mod:`landuse.map_overlays` and
:mod:`landuse.map_nodes`; this module assembles the map, its legend and its offline assets.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import pandas as pd

from landuse._io import write_text
from landuse.errors import InvalidSettingError, LanduseError
from landuse.gtfs import Feed
from landuse.map_format import esc
from landuse.map_geometry import WGS84, simplify_geometry
from landuse.map_builder import Legend, MapBuilder
from landuse.map_inputs import MapInputs
from landuse.map_overlays import draw_overlay
from landuse.map_spec import MapSpec, OverlaySpec, load_map_spec
from landuse.outputs import read_outputs
from landuse.settings import Settings, resolve

__all__ = [
    "MapSpec",
    "OverlaySpec",
    "load_map_spec",
    "inputs_from_dir",
    "simplify_geometry",
    "strukturbild_map",
    "render_map",
    "write_map",
]


def _check_tiles(tiles: str | None) -> None:
    """Refuse a basemap name folium cannot resolve, before folium raises its own ValueError."""
    if tiles is None:
        return
    import xyzservices

    if str(tiles).strip().lower() == "openstreetmap":
        return
    try:
        xyzservices.providers.query_name(str(tiles))
    except ValueError:
        raise InvalidSettingError(
            f"--tiles {tiles!r} is not a basemap name folium knows. Use OpenStreetMap, OpenTopoMap, "
            "'Esri WorldImagery', 'Esri WorldTopoMap' or another xyzservices provider name ('CartoDB positron' "
            "and 'CartoDB dark_matter' are known but now need a CARTO API key); a URL template needs an "
            "attribution, which `landuse map` cannot pass. Or drop --tiles for the offline map."
        ) from None


def inputs_from_dir(folder: str | Path) -> dict[str, Path]:
    """The map inputs present in an output folder, by input name: ``read_outputs(folder).map_inputs()``.

    Parameters
    ----------
    folder : str or Path
        A folder ``landuse demo`` (or the engines) wrote into.

    Returns
    -------
    dict
        Keys among :data:`landuse.outputs.MAP_INPUTS` (``layers``, ``conflicts``, ``car`` ...)
        whose file exists in ``folder``; values are the paths.  Pass them to
        :func:`strukturbild_map` as keyword arguments.
    """
    return read_outputs(folder).map_inputs()


_LEGEND_CSS = """
.lu-legend{position:fixed;left:10px;bottom:48px;z-index:1000;background:rgba(255,255,255,.93);
 padding:8px 10px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px/1.35 sans-serif;
 max-width:340px;max-height:62vh;overflow:auto}
.lu-legend h3{margin:0 0 2px;font-size:14px}.lu-legend h4{margin:6px 0 2px;font-size:12px}
.lu-legend p{margin:2px 0}.lu-legend .lu-item{margin:2px 0}
.lu-fill,.lu-circle{display:inline-block;width:12px;height:12px;vertical-align:middle;border:1px solid #555}
.lu-circle{border-radius:50%}.lu-line{display:inline-block;width:18px;vertical-align:middle}
.lu-bin{white-space:nowrap;margin-right:4px}.lu-schematic{color:#a50f15;font-weight:bold;margin:2px 0}
.lu-popup h4{margin:0 0 4px}.lu-popup th{text-align:left;padding-right:6px;vertical-align:top}
.lu-popup table{border-collapse:collapse}.lu-table td,.lu-table th{border-bottom:1px solid #ddd;padding:1px 4px}
.lu-label{font-weight:bold;background:rgba(255,255,255,.8);border:0;box-shadow:none;padding:0 3px}
.leaflet-container{background:#eef2f5}
.leaflet-control-layers-expanded{font:12px/1.3 sans-serif;max-width:330px}
"""


def _legend_html(spec: MapSpec, legend: Legend, tiles: str | None, sources_drawn: list[str] = ()) -> str:
    parts = [f'<div class="lu-legend" id="lu-legend"><h3>{esc(spec.title)}</h3>']
    if spec.subtitle:
        parts.append(f"<p>{esc(spec.subtitle)}</p>")
    order = ["Noder", "Stråk", "Områden", "Tillgänglighet"]
    for group in order + [g for g in legend.sections if g not in order]:
        items = legend.sections.get(group)
        if items:
            parts.append(f"<h4>{esc(group)}</h4>")
            parts += [f'<div class="lu-item">{item}</div>' for item in items]
    if spec.schematic_note:
        parts.append(f'<p class="lu-schematic">{esc(spec.schematic_note)}</p>')
    if legend.missing:
        parts.append("<p><b>Saknas i denna karta:</b> " + ", ".join(legend.missing) + ".</p>")
    sources = ("Källor: SCB (kommungränser, tätorter 2020), Länstrafiken Norrbotten/Samtrafiken GTFS 2022-12-14 "
               "(CC0)" + "".join(f"; {esc(s)}" for s in dict.fromkeys(sources_drawn))
               + "; schematiska riksintressen: landuse demodata.")
    if tiles:
        sources += f" Bakgrundskarta: {esc(tiles)}."
    parts.append(f"<p><small>{sources}</small></p></div>")
    return "".join(parts)


def strukturbild_map(
    *,
    layers: str | Path | Mapping[str, gpd.GeoDataFrame] | None = None,
    conflicts: str | Path | gpd.GeoDataFrame | None = None,
    conflicts_table: str | Path | pd.DataFrame | None = None,
    car: str | Path | Mapping[str, gpd.GeoDataFrame] | None = None,
    car_table: str | Path | pd.DataFrame | None = None,
    transit: str | Path | Mapping[str, gpd.GeoDataFrame] | None = None,
    transit_table: str | Path | pd.DataFrame | None = None,
    gtfs: Feed | str | Path | bool | None = None,
    spec: str | Path | MapSpec | None = None,
    tiles: str | None = None,
    settings: Settings | None = None,
):
    """Build the strukturbild map (noder, stråk, områden) as a :class:`folium.Map`.

    Every input is optional: an overlay whose input is absent is left out of the
    layer control and named under "Saknas" in the legend.

    Parameters
    ----------
    layers : path or mapping, optional
        ``layers.gpkg`` (one layer per catalogue layer, EPSG:3006) or a mapping of
        catalogue name -> GeoDataFrame; default the embedded catalogue.
    conflicts : path or GeoDataFrame, optional
        ``malkonflikter.gpkg`` (layer ``faces``) or the faces: ``themes``,
        ``n_themes``, ``score``, ``area_km2``, ``kommun``, ``schematic``, polygons in EPSG:3006.
    conflicts_table : path or DataFrame, optional
        ``malkonflikter_per_kommun.csv``; default the ``pairs_per_kommun`` layer of ``conflicts``.
    car, transit : path or mapping, optional
        ``access_car.gpkg`` / ``access_transit.gpkg`` or a mapping with ``origins``
        (points with ``origin_id, kommun_code, population, travel_time_min, target``,
        optionally ``share_within``), ``isochrones`` (polygons with ``centralort,
        minutes, mode, schematic``) and, for car, ``network`` (the road edges the
        engine used: lines with ``speed_kph, source``, optionally ``road, klass``;
        drawn as the main-road stråk).
    car_table, transit_table : path or DataFrame, optional
        ``access_car.csv`` / ``access_transit.csv`` (indicator table; 60-minute share per kommun).
    gtfs : Feed, path or False, optional
        GTFS feed of the stråk (a zip, also with a top folder, or a folder, read by
        :func:`landuse.gtfs.load_feed`; or a loaded feed); default the embedded
        Länstrafiken feed; False leaves them out.  The stråk are :func:`landuse.gtfs.strak`.
    spec : path, name or MapSpec, optional
        Map spec; default ``maps/strukturbild.toml``.
    tiles : str, optional
        A folium/xyzservices basemap name (e.g. ``"OpenStreetMap"``, ``"OpenTopoMap"``,
        ``"Esri WorldImagery"``; the CartoDB names now need a CARTO API key). Default none:
        the map then needs no network at all.  URL templates are refused: folium needs an
        attribution for them.
    settings : Settings, optional
        ``catalogue_dir`` and ``data_dir`` (the embedded layers and map spec drawn when no file is given) and
        SCB's population for the share bounds.

    Returns
    -------
    folium.Map
        With attributes ``landuse_overlays`` (ids of the overlays drawn, in layer-control
        order) and ``landuse_missing`` (legend texts of what was missing).  Leaflet is
        inlined from ``xstatic-leaflet``; write it with :func:`write_map`.

    Raises
    ------
    ConfigError, InputFileNotFoundError, UnreadableFileError, MissingCRSError, GTFSError
    LayerNotFoundError
        If the ``layers`` file holds none of the catalogue layer names (layers it lacks
        are otherwise taken from the embedded catalogue).
    InvalidSettingError
        If ``tiles`` is not a basemap name folium knows.

    Examples
    --------
    >>> m = strukturbild_map(gtfs=False)
    >>> m.landuse_overlays[:2]
    ['kommuner', 'omrade_rennaring']
    >>> "cdn.jsdelivr.net" in render_map(m)
    False
    """
    import folium

    settings = resolve(settings)
    _check_tiles(tiles)
    map_spec = spec if isinstance(spec, MapSpec) else load_map_spec(spec, settings=settings)
    inputs = MapInputs(layers=layers, conflicts=conflicts, conflicts_table=conflicts_table, car=car,
                     car_table=car_table, transit=transit, transit_table=transit_table, gtfs=gtfs,
                     settings=settings)
    m = folium.Map(location=(66.8, 20.5), zoom_start=6, tiles=tiles, control_scale=True, prefer_canvas=False)
    builder = MapBuilder(map_spec, inputs, settings)
    for overlay in map_spec.overlays:
        draw_overlay(builder, m, overlay)
    lan = inputs.layer("lan")
    bounds_frame = lan if lan is not None else inputs.layer("kommuner")
    if bounds_frame is not None:
        xmin, ymin, xmax, ymax = bounds_frame.to_crs(WGS84).total_bounds
        m.fit_bounds([(ymin, xmin), (ymax, xmax)])
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    root = m.get_root()
    root.header.add_child(folium.Element(f"<style>{_LEGEND_CSS}</style>"), name="landuse_css")
    root.html.add_child(folium.Element(_legend_html(map_spec, builder.legend, tiles, builder.sources)),
                        name="landuse_legend")
    root.title = esc(map_spec.title)  # branca pastes the title into <title> unescaped
    _inline_leaflet(m)
    m.landuse_overlays = list(builder.drawn)
    m.landuse_missing = list(builder.legend.missing)
    return m


# --------------------------------------------------------------------------- offline assets


def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS from the installed xstatic-leaflet, images as data URIs."""
    try:
        from xstatic.pkg import leaflet
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise LanduseError("xstatic-leaflet is not installed: pip install xstatic-leaflet (a landuse dependency).") from err
    base = Path(leaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)

    def data_uri(match: re.Match[str]) -> str:
        target = base / match.group(1)
        if not target.is_file():
            return match.group(0)
        mime = "image/svg+xml" if target.suffix == ".svg" else f"image/{target.suffix.lstrip('.')}"
        return f"url(data:{mime};base64,{base64.b64encode(target.read_bytes()).decode('ascii')})"

    css = re.sub(r"url\(\s*['\"]?(images/[^'\")]+)['\"]?\s*\)", data_uri, css)
    if "</script" in js.lower():  # pragma: no cover - would end the inline script early
        js = js.replace("</script", "<\\/script")
    return js, css


def _inline_leaflet(m) -> None:
    """Replace folium's CDN links (leaflet, jquery, bootstrap, font-awesome) by inline Leaflet.

    folium's ``Map`` declares its JS and CSS as CDN URLs in ``default_js`` /
    ``default_css``; the map draws only Leaflet vectors, tooltips, popups and the
    layer control, which need Leaflet alone, so the links are dropped and Leaflet's
    own files are embedded.
    """
    import folium

    m.default_js = []
    m.default_css = []
    js, css = _leaflet_assets()
    header = m.get_root().header
    header.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css_inline", index=0)
    header.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet_js_inline", index=1)


_REMOTE = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//[^\"' >]+", re.IGNORECASE)


def render_map(m) -> str:
    """The map as one self-contained HTML document.

    Parameters
    ----------
    m : folium.Map
        From :func:`strukturbild_map`.

    Returns
    -------
    str
        The HTML page, Leaflet inlined.

    Raises
    ------
    LanduseError
        If an element of the map still links a script or stylesheet on the network
        (a folium plugin with CDN resources): the map would not work offline.
    """
    text = m.get_root().render()
    remote = _REMOTE.findall(text)
    if remote:
        raise LanduseError(
            f"The map links {len(remote)} remote scripts or stylesheets ({remote[0]}…) and would not work offline. "
            "Use only Leaflet features, or inline the plugin's files."
        )
    return text


def write_map(m, path: str | Path) -> Path:
    """Write the map to ``path`` as one self-contained HTML file, atomically.

    Parameters
    ----------
    m : folium.Map
        From :func:`strukturbild_map`.
    path : str or Path
        The HTML file to write.

    Returns
    -------
    Path
        ``path``.
    """
    return write_text(render_map(m), Path(path))
