"""Car and transit are twins (issue 15): the same functions and signatures, one loop through both modes.

Also the closed sets of :mod:`landuse.choices`: parsed case-insensitively in one place,
with one clear error.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from landuse.access import MODES, TWIN_FUNCTIONS
from landuse.access.common import AccessResult
from landuse.access.indicator import INDICATOR_COLUMNS, load_centralorter, load_origins
from landuse.choices import Choice, Faces, Mode, ScoreMethod, Statistic, Target
from landuse.errors import InvalidSettingError
from landuse.settings import Settings

MODULES = {mode: importlib.import_module(f"landuse.access.{mode}") for mode in MODES}
SETTINGS = Settings(progress=False)
#: Tätorter that lie inside their centralort (reached in 0 minutes) and two a bus ride away.
NAMES = ["Luleå", "Kiruna", "Råneå", "Bergnäset"]


def bare(func) -> inspect.Signature:  # noqa: ANN001
    """The signature without annotations: the sources' types differ by mode, the shape must not."""
    sig = inspect.signature(func)
    return sig.replace(parameters=[p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()],
                       return_annotation=inspect.Signature.empty)


def test_both_modes_are_listed_and_shaped_alike():
    assert set(MODES) >= {"car", "transit"}
    for mode, module in MODULES.items():
        assert module.MODE == mode
        assert (module.CSV_NAME, module.GPKG_NAME) == (f"access_{mode}.csv", f"access_{mode}.gpkg")
        assert module.ISOCHRONE_COLUMNS == ["target_id", "centralort", "kommun_code", "minutes", "mode", "schematic"]
        assert all(callable(getattr(module, name)) for name in TWIN_FUNCTIONS), mode
        result_class = getattr(module, f"{mode.capitalize()}Result")
        assert issubclass(result_class, AccessResult) and result_class.mode == mode


@pytest.mark.parametrize("name", TWIN_FUNCTIONS)
def test_same_signature_in_every_mode(name):
    signatures = {mode: bare(getattr(module, name)) for mode, module in MODULES.items()}
    assert len(set(signatures.values())) == 1, signatures
    # options are keyword-only, after the places (load_source takes the source itself first)
    params = next(iter(signatures.values())).parameters.values()
    options = ("target", "settings") if name == "load_source" else ("source", "target", "settings")
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params if p.name in options)


@pytest.fixture(scope="module")
def sources():  # noqa: ANN201
    """Each mode's default source, built once: the Topografi 250 main roads, the embedded feed's Tuesday."""
    return {mode: module.load_source(settings=SETTINGS) for mode, module in MODULES.items()}


@pytest.fixture(scope="module")
def places() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    origins = load_origins(settings=SETTINGS)
    return origins[origins["name"].isin(NAMES)].reset_index(drop=True), load_centralorter(settings=SETTINGS)


@pytest.mark.parametrize("mode", MODES)
def test_travel_times_through_one_call_shape(mode, sources, places):
    module = MODULES[mode]
    origins, targets = places
    times = module.travel_times(origins, targets, source=sources[mode], target="OWN", settings=SETTINGS)
    assert isinstance(times, gpd.GeoDataFrame) and times.crs == origins.crs
    assert times.index.equals(origins.index) and len(times) == len(NAMES)
    assert {"travel_time_min", "target"} <= set(times.columns)
    assert times["travel_time_min"].dtype == float
    minutes = pd.Series(times["travel_time_min"].to_numpy(), index=origins["name"])
    # Luleå and Kiruna lie in their own centralort: arrived; Råneå and Bergnäset are reached within the hour
    assert minutes["Luleå"] == 0 and minutes["Kiruna"] == 0, minutes
    assert (minutes[["Råneå", "Bergnäset"]] > 0).all() and (minutes[["Råneå", "Bergnäset"]] <= 60).all(), minutes
    assert set(times["target"].astype(object)) <= set(targets["name"])
    with pytest.raises(InvalidSettingError, match=r"^--target 'nearest' is not one of 'any', 'own'"):
        module.travel_times(origins, targets, source=sources[mode], target="nearest", settings=SETTINGS)


@pytest.mark.parametrize("mode", MODES)
def test_isochrones_through_one_call_shape(mode, sources, places):
    module = MODULES[mode]
    _, targets = places
    iso = module.isochrones(targets.head(2), source=sources[mode], minutes=(30,), settings=SETTINGS)
    assert list(iso.columns) == module.ISOCHRONE_COLUMNS + ["geometry"] and iso.crs.to_epsg() == 3006
    assert list(iso["mode"].unique()) == [mode] and list(iso["minutes"]) == [30, 30]
    assert (iso.geometry.area > 0).all()


@pytest.mark.parametrize("mode", MODES)
def test_accessibility_computes_and_the_writer_writes(mode, sources, places, tmp_path: Path):
    module = MODULES[mode]
    origins, targets = places
    result = module.accessibility(origins, targets, source=sources[mode], minutes=(60,), isochrone_minutes=(30,),
                                  settings=SETTINGS)
    assert isinstance(result, AccessResult) and type(result).mode == mode
    assert result.source is sources[mode] and result.target_mode == "any" and not result.default_origins
    assert list(result.table.columns) == INDICATOR_COLUMNS
    assert list(result.origins.columns[: len(module.ORIGIN_COLUMNS)]) == module.ORIGIN_COLUMNS
    assert list(result.points.columns) == module.POINT_LAYER_COLUMNS + ["geometry"]
    assert result.unreachable == int(result.points["travel_time_min"].isna().sum())
    county = result.table[result.table["kommun_code"] == "25"].iloc[0]
    assert county["population"] == pytest.approx(origins["population"].sum())
    assert 0 < county["share_within"] <= 1
    assert not list(tmp_path.iterdir())  # computing wrote nothing
    written = module.write_outputs(result, tmp_path)
    assert written == [tmp_path / module.CSV_NAME, tmp_path / module.GPKG_NAME]
    assert pd.read_csv(written[0], dtype={"kommun_code": str}).columns.tolist() == INDICATOR_COLUMNS
    lines = module.summary_lines(result, threshold=60, settings=SETTINGS)
    assert lines and all(isinstance(line, str) for line in lines)


def test_the_modes_agree_where_they_must(sources, places):
    """Origins inside their centralort take 0 minutes by every mode; the tables have the same rows."""
    origins, targets = places
    times = {mode: module.travel_times(origins, targets, source=sources[mode], settings=SETTINGS)
             for mode, module in MODULES.items()}
    inside = origins["name"].isin(["Luleå", "Kiruna"]).to_numpy()
    for frame in times.values():
        assert np.all(frame["travel_time_min"].to_numpy()[inside] == 0)


# ----------------------------------------------------------------------------- the closed sets


@pytest.mark.parametrize("choice", [Target, Statistic, ScoreMethod, Mode, Faces])
def test_choices_parse_in_any_case(choice: type[Choice]):
    for member in choice:
        assert choice.parse(member.value.upper()) is member
        assert choice(f"  {member.value.title()} ") is member
        assert choice.parse(member) is member
        assert member == member.value and f"{member}" == member.value  # a member is its string
    assert choice.values() == [m.value for m in choice]


@pytest.mark.parametrize(("choice", "option", "allowed"), [
    (Target, "--target", "'any', 'own'"),
    (Statistic, "--statistic", "'best', 'median'"),
    (ScoreMethod, "--score", "'sum', 'max'"),
    (Mode, "--mode", "'vector', 'raster'"),
    (Faces, "--faces", "'conflicts', 'all', 'none'"),
])
def test_choice_errors_name_the_option_and_list_the_values(choice: type[Choice], option: str, allowed: str):
    with pytest.raises(InvalidSettingError) as info:
        choice.parse("nonsense")
    assert str(info.value) == f"{option} 'nonsense' is not one of {allowed} (any case)."
    assert isinstance(info.value, ValueError)  # also caught as the built-in it refines
    assert "\n" not in str(info.value)


def test_choice_error_names_the_option_given():
    with pytest.raises(InvalidSettingError, match=r"^target 'x' is not one of 'any', 'own' \(any case\)\.$"):
        Target.parse("x", option="target")


def test_faces_say_how_many_themes_a_kept_face_holds():
    assert [Faces.parse(name).min_themes for name in ("CONFLICTS", "all", "None")] == [2, 1, 0]


@pytest.mark.parametrize(("option", "value", "message"), [
    ("score", "mean", "--score 'mean' is not one of 'sum', 'max' (any case)."),
    ("mode", "grid", "--mode 'grid' is not one of 'vector', 'raster' (any case)."),
    ("faces", "some", "--faces 'some' is not one of 'conflicts', 'all', 'none' (any case)."),
])
def test_the_conflict_engine_parses_its_closed_sets_in_one_place(option, value, message):
    from landuse.conflicts import conflicts_from_layers

    with pytest.raises(InvalidSettingError) as info:
        conflicts_from_layers(gpd.GeoDataFrame(geometry=[], crs="EPSG:3006"), **{option: value}, settings=SETTINGS)
    assert str(info.value) == message
