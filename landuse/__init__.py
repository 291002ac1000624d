"""landuse: land-use conflict (målkonflikt) and accessibility analysis for Norrbotten.

The public API is reached from here and imported lazily, so ``import landuse`` (and
``landuse --help``) loads nothing heavy: geopandas, shapely and the engines come in
only when one of the names below is first used.

>>> import landuse
>>> landuse.load_layer("kommuner").crs.to_epsg()
3006
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("landuse")
except PackageNotFoundError:  # pragma: no cover - only a bare source tree without an install
    __version__ = "0+unknown"

#: public name -> module that defines it (a name equal to its module's last part is the module itself:
#: ``landuse.access.car.accessibility``, ``landuse.access.transit.accessibility``)
_API: dict[str, str] = {
    "Settings": "landuse.settings",
    "LanduseError": "landuse.errors",
    "LanduseWarning": "landuse.errors",
    "load_layer": "landuse.layers",
    "list_layers": "landuse.layers",
    "check_layer": "landuse.layers",
    "catalogue": "landuse.layers",
    "read_conflict_matrix": "landuse.conflicts",
    "load_interest_layers": "landuse.conflicts",
    "load_kommuner": "landuse.conflicts",
    "conflicts_from_layers": "landuse.conflicts",
    "write_conflicts": "landuse.conflicts",
    "load_plan": "landuse.opcheck",
    "op_check": "landuse.opcheck",
    "write_op_check": "landuse.opcheck",
    "access": "landuse.access",
    "load_origins": "landuse.access.indicator",
    "load_centralorter": "landuse.access.indicator",
    "indicator_table": "landuse.access.indicator",
    "coverage_table": "landuse.access.indicator",
    "network_from_file": "landuse.network",
    "network_from_osm": "landuse.network",
    "network_from_lines": "landuse.network",
    "network_from_gtfs": "landuse.network",
    "network_from_main_roads": "landuse.network",
    "TransitRouter": "landuse.access.transit_router",
    "load_feed": "landuse.gtfs",
    "load_map_spec": "landuse.maps",
    "strukturbild_map": "landuse.maps",
    "write_map": "landuse.maps",
    "write_report": "landuse.report",
    "run_demo": "landuse.demo",
}

__all__ = ["__version__", *_API]

if TYPE_CHECKING:  # for type checkers and IDEs only; nothing is imported at run time
    from landuse import access
    from landuse.access.indicator import coverage_table, indicator_table, load_centralorter, load_origins
    from landuse.access.transit_router import TransitRouter
    from landuse.conflicts import (
        conflicts_from_layers,
        load_interest_layers,
        load_kommuner,
        read_conflict_matrix,
        write_conflicts,
    )
    from landuse.demo import run_demo
    from landuse.errors import LanduseError, LanduseWarning
    from landuse.gtfs import load_feed
    from landuse.layers import catalogue, check_layer, list_layers, load_layer
    from landuse.maps import load_map_spec, strukturbild_map, write_map
    from landuse.network import (
        network_from_file,
        network_from_gtfs,
        network_from_lines,
        network_from_main_roads,
        network_from_osm,
    )
    from landuse.opcheck import load_plan, op_check, write_op_check
    from landuse.report import write_report
    from landuse.settings import Settings


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'landuse' has no attribute {name!r}")
    imported = importlib.import_module(module)
    value = imported if module.rsplit(".", 1)[-1] == name else getattr(imported, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
