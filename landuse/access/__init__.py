"""Accessibility to the centralorter, one module per mode of travel, all of the same shape.

RUS 2030 tracks "andel av befolkningen som når centralort inom 60 minuter med bil
respektive kollektivtrafik".  Each mode is one module with the same public names and
signatures, so every mode is reached the same way (as r5py reaches every mode through
one ``TravelTimeMatrix``):

========================================================  ================================================
``load_source(source=None, *, settings=None)``            what the mode routes on: a
                                                          :class:`~landuse.network.RoadNetwork` (car), a
                                                          :class:`~.transit_router.TransitRouter` (transit)
``travel_times(origins, targets, *, source=None,          GeoDataFrame aligned to ``origins``:
target="any", settings=None)``                            ``travel_time_min``, ``target`` + geometry
``isochrones(targets, *, source=None, minutes=(30, 60),   polygons, EPSG:3006, one per target and minutes
settings=None)``
``accessibility(origins=None, targets=None, *,            ``CarResult`` / ``TransitResult``
source=None, minutes=..., isochrone_minutes=...,          (:class:`~.common.AccessResult`): the indicator
target="any", population_column=None, source_crs=None,    table and the layers, computed, nothing written
settings=None)``
``write_outputs(result, out_dir) -> list[Path]``          ``access_<mode>.csv`` and ``access_<mode>.gpkg``
``summary_lines(result, *, threshold=60, settings=None)``  the lines the CLI and the demo print (worded in
                                                          :mod:`landuse.summaries`, offered here by name)
========================================================  ================================================

``source`` is the one argument in which the modes differ: it holds everything that
makes a time of that mode (the road network for car; the feed, service day, departure
window and statistic for transit), so the other arguments mean the same for every mode.
``target`` is a :class:`~landuse.choices.Target` in any case.  The modules:

- :mod:`~landuse.access.car` and :mod:`~landuse.access.transit`, the modes
  (:data:`MODES`);
- :mod:`~landuse.access.indicator`: origins, centralort targets and the per-kommun
  RUS table shared by the modes;
- :mod:`~landuse.access.common`: the result base class, the places a run routes and
  the files it writes;
- :mod:`~landuse.access.transit_router` and :mod:`~landuse.access.transit_coverage`:
  the GTFS router and its checks of origins against the stops.

Adding a mode
-------------
Cycling would be one new module, ``landuse/access/cycling.py``, with one result class
(its file names and columns go into the contract, :mod:`landuse.outputs`, and its console
lines into :mod:`landuse.summaries`)::

    MODE = "cycling"
    CSV_NAME, GPKG_NAME = ACCESS_FILES[MODE]["csv"], ACCESS_FILES[MODE]["gpkg"]

    @dataclass
    class CyclingResult(AccessResult):
        mode = MODE

    def load_source(source=None, *, settings=None) -> RoadNetwork:
        ...  # a bicycle network, e.g. network_from_osm with cycling speeds

    def travel_times(origins, targets, *, source=None, target="any", settings=None): ...
    def isochrones(targets, *, source=None, minutes=(30, 60), settings=None): ...
    def accessibility(origins=None, targets=None, *, source=None, ...) -> CyclingResult: ...
    def write_outputs(result, out_dir): ...

    from landuse.summaries import cycling_lines as summary_lines  # its console lines, worded there

routing with :mod:`landuse.network.routing` and building the result with
:func:`~landuse.access.common.load_places`, :func:`~landuse.access.common.origin_layer`,
:func:`~landuse.access.indicator.indicator_table` and
:func:`~landuse.access.common.write_indicator_files`; then ``"cycling"`` is added to
:data:`MODES`, and ``tests/test_access_twins.py`` checks its names and signatures
against the other modes.

Examples
--------
>>> import importlib
>>> [importlib.import_module(f"landuse.access.{mode}").MODE for mode in MODES]
['car', 'transit']
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["MODES", "TWIN_FUNCTIONS"]

#: The modes of travel, each a module ``landuse.access.<mode>`` of the same shape.
MODES: tuple[str, ...] = ("car", "transit")
#: The public functions every mode module defines, with the same signature in each.
TWIN_FUNCTIONS: tuple[str, ...] = ("load_source", "travel_times", "isochrones", "accessibility", "write_outputs",
                                   "summary_lines")

_SUBMODULES = {*MODES, "indicator", "common", "transit_router", "transit_coverage"}


def __getattr__(name: str) -> ModuleType:
    # ``landuse.access.car`` after a bare ``import landuse.access``: imported on first use, so
    # ``import landuse.access`` stays light (no geopandas)
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
