"""What an accessibility GeoPackage says of its inputs: schematic or not, which network, approximate people.

Read from the files themselves (a ``schematic`` column, the network's ``source`` label, the
layer descriptions, the ``approximate`` flag), for :class:`landuse.outputs.Outputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from landuse.outputs import SCHEMATIC_DEFAULT, list_layers, read_layer

__all__ = ["AccessFacts", "access_facts"]


@dataclass(frozen=True)
class AccessFacts:
    """What one accessibility GeoPackage says about its inputs (see :class:`landuse.outputs.Outputs`)."""

    schematic: bool
    network: str | None = None
    approximate: float | None = None
    area_points: int | None = None


def access_facts(gpkg: Path | None, mode: str) -> AccessFacts:
    """Read what the GeoPackage of a travel mode says of its inputs.

    Parameters
    ----------
    gpkg : Path or None
        ``access_<mode>.gpkg``; None (a missing file) says nothing.
    mode : str
        ``car`` or ``transit``.

    Returns
    -------
    AccessFacts
    """
    import pyogrio

    layers = set(list_layers(gpkg, what=mode)) if gpkg is not None else set()
    flag = None
    if "isochrones" in layers:
        iso = read_layer(gpkg, "isochrones", what=mode, columns=["schematic"], geometry=False)
        if len(iso) and "schematic" in iso.columns:
            flag = bool(iso["schematic"].astype(bool).any())
    network = approximate = area_points = None
    if mode == "car" and gpkg is not None:
        network = _network_source(gpkg, layers)
        if flag is None and network is not None:
            flag = "SCHEMATIC" in network.upper()
        if "origin_points" in layers:
            approximate = _access_dominated_people(read_layer(gpkg, "origin_points", what=mode, geometry=False))
    if "origins" in layers:
        origins = read_layer(gpkg, "origins", what=mode, geometry=False)
        if "radius_m" in origins.columns and (pd.to_numeric(origins["radius_m"]) > 0).any():
            area_points = (int(pyogrio.read_info(gpkg, layer="origin_points")["features"])
                           if "origin_points" in layers else 0)
    return AccessFacts(SCHEMATIC_DEFAULT[mode] if flag is None else flag, network, approximate, area_points)


def _network_source(gpkg: Path, layers: set[str]) -> str | None:
    """The car network's source label: the ``network`` layer's ``source``, else a layer description."""
    import pyogrio

    if "network" in layers:
        edges = read_layer(gpkg, "network", what="car", columns=["source"], geometry=False, max_features=1)
        if len(edges) and "source" in edges.columns and isinstance(edges["source"].iloc[0], str):
            return edges["source"].iloc[0]
    for layer in ("isochrones", "origins"):
        if layer in layers:
            text = (pyogrio.read_info(gpkg, layer=layer).get("layer_metadata") or {}).get("DESCRIPTION") or ""
            if "network: " in text:
                return text.split("network: ", 1)[1]
    return None


def _access_dominated_people(points: pd.DataFrame) -> float | None:
    """People whose access leg is more than half their trip: the ``approximate`` flag the car engine wrote.

    Older files without the flag get the engine's own rule (:func:`landuse.access.access_dominated`).
    """
    from landuse.access.car import access_dominated

    if "approximate" in points.columns:
        dominated = points["approximate"].fillna(False).astype(bool).to_numpy()
    elif {"travel_time_min", "access_min"} <= set(points.columns):
        dominated = access_dominated(points["travel_time_min"], points["access_min"])
    else:
        return None
    if "population" not in points.columns:
        return None
    return float(pd.to_numeric(points.loc[dominated, "population"]).sum())
