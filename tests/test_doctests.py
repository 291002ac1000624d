"""Run the Examples sections of the public modules as doctests (on the shipped data)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["landuse.settings", "landuse.themes", "landuse.layers", "landuse.access.indicator", "landuse.access",
           "landuse.choices", "landuse.timetable", "landuse.network", "landuse.access.transit_router",
           "landuse.access.transit", "landuse.conflict_faces", "landuse.conflict_raster", "landuse.summaries",
           "landuse.outputs", "landuse.access.car", "landuse.opcheck_report", "landuse._overlay"]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no Examples"
    assert result.failed == 0
