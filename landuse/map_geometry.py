"""Geometry of the map: topology-safe simplification and GeoJSON with escaped popups."""

from __future__ import annotations

import json
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from markupsafe import escape

from landuse.errors import MissingCRSError

__all__ = ["WGS84", "feature_collection", "html_properties", "simplify_geometry"]

WGS84 = "EPSG:4326"
_COORD_DECIMALS = 5  # about 1 m: enough for a regional map, and halves the file size


def simplify_geometry(geoms: gpd.GeoSeries, tolerance_m: float, *, coverage: bool = False) -> gpd.GeoSeries:
    """Simplify geometry in metres without breaking its topology.

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        Geometry in a projected CRS in metres (EPSG:3006).
    tolerance_m : float
        Douglas–Peucker tolerance in metres; 0 returns ``geoms`` unchanged.
    coverage : bool
        True for a polygon coverage (kommuner, målkonflikt faces): shared edges are
        simplified once, so neighbours keep meeting without gaps or overlaps
        (``shapely.coverage_simplify``).  Falls back to per-geometry simplification
        when the polygons are not a valid coverage.

    Returns
    -------
    geopandas.GeoSeries
        Same index and CRS; every polygon stays valid and non-empty where the input
        was (a polygon simplified away keeps its original shape).
    """
    if tolerance_m <= 0 or len(geoms) == 0:
        return geoms
    if geoms.crs is not None and geoms.crs.is_geographic:
        raise MissingCRSError("simplify_geometry needs a projected CRS in metres (EPSG:3006), not degrees.")
    values = np.asarray(geoms.values, dtype=object)
    polygonal = np.isin(shapely.get_type_id(values), (3, 6))
    out = values.copy()
    done = False
    if coverage and polygonal.all():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                if bool(shapely.coverage_is_valid(values)):
                    out = shapely.coverage_simplify(values, tolerance_m)
                    done = True
        except (shapely.errors.GEOSException, AttributeError):
            done = False
    if not done:
        out = shapely.simplify(values, tolerance_m, preserve_topology=True)
    broken = shapely.is_empty(out) | ~shapely.is_valid(out)
    out[broken] = values[broken]
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)


def html_properties(props: dict[str, Any]) -> dict[str, Any]:
    """``props`` with its ``tip`` and ``popup`` as safe HTML strings.

    Leaflet renders tooltip and popup content as HTML (folium's ``GeoJsonTooltip`` and
    ``GeoJsonPopup`` put the property into ``innerHTML``), and ``tip`` carries names
    from the input files: a plain ``str`` is escaped here, so a name shows as text.
    Only :class:`markupsafe.Markup` built from escaped fragments (:func:`popup_html`)
    passes unchanged.

    Parameters
    ----------
    props : dict
        One feature's properties: ``tip`` (plain text or Markup), ``popup`` (Markup),
        ``_style`` and others, passed through.

    Returns
    -------
    dict
        A copy with ``tip`` and ``popup`` as ``str`` of safe HTML.
    """
    out = dict(props)
    for key in ("tip", "popup"):
        if key in out:
            out[key] = str(escape(out[key]))  # plain str again: JSON-encoded by folium's tojson
    return out


def feature_collection(frame: gpd.GeoDataFrame, properties: list[dict[str, Any]]) -> dict[str, Any]:
    """GeoJSON in WGS84 with coordinates rounded to about one metre.

    ``properties[i]["tip"]`` is plain text (escaped here); ``["popup"]`` is escaped too
    unless it is :class:`~markupsafe.Markup` (see :func:`html_properties`).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The features, in a CRS set (EPSG:3006 for landuse layers).
    properties : list of dict
        One property dict per row of ``frame``, in order.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection in WGS84 (EPSG:4326), coordinates rounded to about
        a metre; rows with an empty or missing geometry are left out.
    """
    geoms = frame.geometry.to_crs(WGS84).values
    geoms = shapely.transform(np.asarray(geoms, dtype=object), lambda xy: np.round(xy, _COORD_DECIMALS))
    features = []
    for geom, props in zip(geoms, properties):
        if geom is None or shapely.is_empty(geom):
            continue
        features.append({"type": "Feature", "properties": html_properties(props),
                         "geometry": json.loads(shapely.to_geojson(geom))})
    return {"type": "FeatureCollection", "features": features}
