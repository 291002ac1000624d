"""The real military areas of Lantmäteriet's Topografi 250 (catalogue layer militara_omraden)."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest

from landuse.conflicts import load_interest_layers
from landuse.errors import LanduseWarning
from landuse.layers import get_spec, load_layer
from landuse.settings import DATA_DIR


def test_militara_omraden_loads_14_real_polygons():
    with warnings.catch_warnings():
        warnings.simplefilter("error", LanduseWarning)  # no ColumnFallbackWarning or repair on the embedded file
        areas = load_layer("militara_omraden")
    assert len(areas) == 14
    assert areas.crs.to_epsg() == 3006
    assert set(areas.geom_type) == {"Polygon"} and areas.is_valid.all()
    assert not areas["schematic"].any()
    assert (areas["theme"] == "totalforsvar").all()
    assert areas["feature_id"].is_unique
    assert areas["name"].str.contains("övningsfält|skjutfält").all()
    assert not areas["name"].str.contains("schematisk").any()
    assert areas["in_norrbotten"].sum() == 12
    source = gpd.read_file(DATA_DIR / get_spec("militara_omraden").source)
    assert areas.area.sum() / 1e6 == pytest.approx(source["area_km2"].sum(), rel=0.01)


def test_spec_says_it_is_not_the_riksintresse():
    spec = get_spec("militara_omraden")
    assert spec.legal_basis == "" and not spec.schematic
    assert "INTE Försvarsmaktens riksintressen" in spec.description
    assert "Lantmäteriet" in spec.licence and "Lantmäteriet" in spec.authority


def test_interest_layers_hold_the_real_and_the_schematic_totalforsvar():
    frame = load_interest_layers(["totalforsvar", "rennaring"])
    forsvar = frame[frame["theme"] == "totalforsvar"]
    assert set(forsvar["layer"]) == {"militara_omraden", "totalforsvar"}
    assert not forsvar.loc[forsvar["layer"] == "militara_omraden", "schematic"].any()
    assert forsvar.loc[forsvar["layer"] == "totalforsvar", "schematic"].all()
    assert (frame["theme"] == "rennaring").any()
