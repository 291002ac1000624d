"""The output contract (landuse.outputs): one reader of an output folder, light to import, and its examples."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pandas as pd
import pytest

from landuse import outputs
from landuse.errors import InputFileNotFoundError, UnreadableFileError
from landuse.access.indicator import share_bounds
from landuse.outputs import MAP_INPUTS, OUTPUT_FILES, population_totals, read_outputs, read_table


@pytest.mark.parametrize("name", ["landuse.outputs", "landuse.formatting", "landuse._markdown", "landuse._qml"])
def test_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_the_contract_imports_no_geopandas():
    code = ("import sys, landuse.outputs, landuse.formatting, landuse._markdown; "
            "print(sorted(m for m in ('geopandas', 'pandas', 'pyogrio', 'shapely') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_read_outputs_finds_the_files_by_name(tmp_path):
    for key in ("conflicts_table", "car", "map"):
        (tmp_path / OUTPUT_FILES[key]).write_text("")
    found = read_outputs(tmp_path)
    assert set(found.files) == {"conflicts_table", "car", "map"}
    assert found.map_inputs() == {"conflicts_table": tmp_path / MAP_INPUTS["conflicts_table"],
                                  "car": tmp_path / MAP_INPUTS["car"]}
    assert found.missing == [OUTPUT_FILES["car_table"], OUTPUT_FILES["transit_table"]]
    assert found.has_map and found.trend is None and found.trend_changes == {}


def test_a_folder_without_outputs_is_empty_and_says_nothing(tmp_path):
    found = read_outputs(tmp_path / "nowhere")
    assert found.files == {} and found.conflicts is None and found.car is None and found.transit is None
    # nothing says the car network is real; the transit feed is
    assert found.car_schematic and not found.transit_schematic
    assert found.car_network is None and found.car_approximate is None and found.origins_as_areas == {}


def test_read_table_keeps_codes_as_text(tmp_path):
    path = tmp_path / outputs.CONFLICT_FILES["csv"]
    path.write_text("kommun_code,kommun,theme_a,theme_b,weight,area_km2,share_of_kommun\n"
                    "0180,Stockholm,energi,rennaring,2,1.5,0.01\n", encoding="utf-8")
    table = read_table(path)
    assert list(table.columns) == outputs.PAIR_COLUMNS
    assert table["kommun_code"].iloc[0] == "0180" and table["weight"].iloc[0] == 2


def test_the_readers_say_what_is_wrong(tmp_path):
    with pytest.raises(InputFileNotFoundError, match="car accessibility file .* does not exist"):
        read_table(tmp_path / "access_car.csv", what="car accessibility")
    bad = tmp_path / "x.gpkg"
    bad.write_text("not a GeoPackage")
    with pytest.raises(UnreadableFileError, match="cannot be opened as a GeoPackage"):
        outputs.list_layers(bad)
    with pytest.raises(UnreadableFileError, match="Layer 'faces' of the målkonflikt file `x.gpkg` cannot be read"):
        outputs.read_layer(bad, "faces", what="målkonflikt")


def test_population_totals_are_the_share_bounds_denominator():
    totals = population_totals()
    assert list(totals.columns) == ["kommun_code", "kommun", "population_total"]
    assert totals["kommun_code"].is_unique and outputs.COUNTY_CODE in set(totals["kommun_code"])
    table = pd.DataFrame({"kommun_code": totals["kommun_code"], "population": 1.0, "population_within": 1.0})
    bounded = share_bounds(table)
    assert bounded["population_total"].tolist() == totals["population_total"].astype(float).tolist()
