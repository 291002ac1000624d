"""Layer loaders: formats, CRS families, encodings, repairs and every bad input."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import geopandas as gpd
import shapely

from landuse.errors import (
    BufferedGeometryWarning,
    ColumnFallbackWarning,
    ColumnNotFoundError,
    CRSMismatchError,
    DuplicateIdError,
    EmptyLayerError,
    GeometryRepairWarning,
    GeometryTypeError,
    InputFileNotFoundError,
    LayerNotFoundError,
    MissingCRSError,
    UnknownThemeError,
    UnreadableFileError,
)
from landuse.layers import STANDARD_COLUMNS, catalogue, list_layers, load_layer

DATA = Path(__file__).parent / "data"
X, Y = 830_000.0, 7_290_000.0
EXPECTED_BOXES = [shapely.box(X, Y, X + 1000, Y + 1000), shapely.box(X + 500, Y, X + 1500, Y + 1000)]
NAMES = ["Ålands skog – norr", "Önusberget"]


def _assert_two_boxes(frame, *, tolerance_m: float = 0.01) -> None:
    assert frame.crs.to_epsg() == 3006
    assert list(frame.columns[:5]) == STANDARD_COLUMNS
    assert frame["feature_id"].tolist() == ["NV001", "NV002"]
    assert frame["name"].tolist() == NAMES
    assert not frame["schematic"].any()
    for got, expected in zip(frame.geometry, EXPECTED_BOXES):
        assert got.area == pytest.approx(1_000_000, rel=1e-6)
        assert got.hausdorff_distance(expected) < tolerance_m


@pytest.mark.parametrize(
    "path",
    [
        "layers_wgs84.geojson",
        "layers_3006.parquet",
        "layers_utf8_cpg/layers_utf8_cpg.shp",
        "layers_zipped_shp.zip",
    ],
)
def test_each_format_loads_to_sweref(path):
    _assert_two_boxes(load_layer(DATA / path, theme="naturvard"), tolerance_m=0.05)


def test_geopackage_layer_in_local_zone_is_reprojected():
    frame = load_layer(DATA / "layers_two_layers_3014.gpkg", theme="naturvard", layer="omraden")
    _assert_two_boxes(frame, tolerance_m=0.01)


def test_multi_layer_geopackage_without_layer_names_the_layers():
    with pytest.raises(LayerNotFoundError, match=r"holds 2 layers \(omraden, punkter\); choose one with --layer, or"):
        load_layer(DATA / "layers_two_layers_3014.gpkg", theme="naturvard")


def test_missing_layer_lists_layers():
    with pytest.raises(LayerNotFoundError, match="has no layer 'vatten'. Layers found: omraden, punkter"):
        load_layer(DATA / "layers_two_layers_3014.gpkg", theme="naturvard", layer="vatten")


@pytest.mark.parametrize("stem", ["layers_cp1252_nocpg", "layers_utf8_nocpg", "layers_utf8_cpg"])
def test_swedish_text_in_every_encoding(stem):
    frame = load_layer(DATA / stem / f"{stem}.shp", theme="naturvard")
    assert frame["name"].tolist() == NAMES


def test_shapefile_without_prj_needs_source_crs():
    path = DATA / "layers_noprj" / "layers_noprj.shp"
    with pytest.raises(MissingCRSError, match=r"`layers_noprj.shp` has no CRS. Set it with --source-crs EPSG:3006"):
        load_layer(path, theme="naturvard")
    _assert_two_boxes(load_layer(path, theme="naturvard", source_crs="EPSG:3006"))


def test_declared_crs_contradicted_by_coordinates():
    # the file declares the CRS, so --source-crs (which fills in a missing one) is not the fix
    with pytest.raises(CRSMismatchError, match="lies outside Sweden when read as EPSG:3006.*The file itself declares "
                                               "that CRS .--source-crs only fills in a missing one.: set the right CRS"):
        load_layer(DATA / "bad_lonlat_declared_3006.gpkg", theme="naturvard")
    # a file without CRS read with a wrong --source-crs: pass the right one
    path = DATA / "layers_noprj" / "layers_noprj.shp"
    with pytest.raises(CRSMismatchError, match="Pass the CRS the coordinates are in with --source-crs"):
        load_layer(path, theme="naturvard", source_crs="EPSG:4326")


def test_metres_declared_as_degrees_show_the_files_own_bounds(tmp_path):
    # SWEREF 99 TM metres labelled EPSG:4326 reproject to inf: the message shows the file's numbers instead
    path = tmp_path / "metres_as_degrees.gpkg"
    gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.box(830_000, 7_290_000, 831_000, 7_291_000)],
                     crs="EPSG:4326").to_file(path)
    with pytest.raises(CRSMismatchError) as err:
        load_layer(path, theme="naturvard")
    message = str(err.value)
    assert "inf" not in message and "[830000.0, 7290000.0, 831000.0, 7291000.0]" in message, message
    assert "no coordinates of that CRS" in message and "\n" not in message


def test_missing_file():
    with pytest.raises(InputFileNotFoundError, match=r"`.*nowhere.gpkg` does not exist"):
        load_layer(DATA / "nowhere.gpkg", theme="naturvard")


def test_truncated_zip():
    with pytest.raises(UnreadableFileError, match="`bad_truncated.zip` is not a readable zip archive"):
        load_layer(DATA / "bad_truncated.zip", theme="naturvard")


def test_corrupt_geopackage():
    with pytest.raises(UnreadableFileError, match="`bad_not_a_gpkg.gpkg` cannot be read as a vector file"):
        load_layer(DATA / "bad_not_a_gpkg.gpkg", theme="naturvard")


def test_unknown_theme_lists_valid_themes():
    with pytest.raises(UnknownThemeError, match="Unknown theme 'skog'. Valid themes: rennaring, totalforsvar"):
        load_layer(DATA / "layers_wgs84.geojson", theme="skog")


def test_path_without_theme():
    with pytest.raises(LayerNotFoundError, match="pass --theme"):
        load_layer(DATA / "layers_wgs84.geojson")


def test_unknown_catalogue_name_lists_layers():
    with pytest.raises(LayerNotFoundError, match="No catalogue layer named 'naturvrd'. Known layers: bostader"):
        load_layer("naturvrd")


def test_empty_layer():
    with pytest.raises(EmptyLayerError, match="`bad_empty.gpkg` has no features"):
        load_layer(DATA / "bad_empty.gpkg", theme="naturvard")


def test_points_for_an_area_theme_without_buffer_width():
    with pytest.raises(GeometryTypeError, match="holds 1 point features but theme naturvard needs polygons"):
        load_layer(DATA / "bad_points_for_area_theme.gpkg", theme="naturvard")


def test_points_for_mineral_are_buffered_by_the_punktsatt_spec_width():
    with pytest.warns(BufferedGeometryWarning, match="1 point features buffered to polygons by 1500 m"):
        frame = load_layer(DATA / "bad_points_for_area_theme.gpkg", theme="mineral")
    # a 1500 m disc, polygonised with 8 segments per quarter circle
    assert frame.geometry.iloc[0].area == pytest.approx(3.14159 * 1500**2, rel=0.01)


def test_duplicate_ids():
    with pytest.raises(DuplicateIdError, match="column 'RI_ID' has 1 duplicated ids \\(e.g. NV001\\)"):
        load_layer(DATA / "bad_duplicate_ids.gpkg", theme="naturvard")


def test_wrong_id_and_name_columns_list_the_columns():
    with pytest.raises(ColumnNotFoundError, match="has no column 'OBJ' for --id-column. Columns found: RI_ID, NAMN"):
        load_layer(DATA / "layers_wgs84.geojson", theme="naturvard", id_column="OBJ")
    with pytest.raises(ColumnNotFoundError, match="has no column 'N' for --name-column. Columns found: RI_ID, NAMN"):
        load_layer(DATA / "layers_wgs84.geojson", theme="naturvard", name_column="N")


def test_missing_id_and_name_columns_fall_back_with_warnings(tmp_path):
    frame = load_layer(DATA / "layers_wgs84.geojson", theme="naturvard")[["geometry"]]
    path = tmp_path / "bare.gpkg"
    frame.to_file(path)
    with pytest.warns(ColumnFallbackWarning) as caught:
        out = load_layer(path, theme="naturvard")
    messages = " ".join(str(w.message) for w in caught)
    assert "generated ids" in messages and "names are empty" in messages
    assert out["feature_id"].tolist() == ["bare-1", "bare-2"]
    assert out["name"].tolist() == ["", ""]


def test_bowtie_is_repaired_and_empty_dropped():
    with pytest.warns(GeometryRepairWarning) as caught:
        frame = load_layer(DATA / "layers_bowtie.gpkg", theme="naturvard")
    messages = " ".join(str(w.message) for w in caught)
    assert "dropped 1 of 2 features with empty geometry" in messages
    assert "repaired 1 invalid geometries" in messages
    assert len(frame) == 1
    geometry = frame.geometry.iloc[0]
    assert geometry.is_valid
    # two triangles, each half of a 1 km x 1 km square cut along both diagonals: 2 x 0.25 km²
    assert geometry.area == pytest.approx(500_000.0, rel=1e-9)


def test_catalogue_has_every_theme_and_at_least_twelve_layers():
    specs = catalogue()
    assert len(specs) >= 12
    themes = {spec.theme.value for spec in specs.values()}
    assert {"rennaring", "totalforsvar", "naturvard", "friluftsliv", "energi", "mineral", "bostader",
            "jordbruk", "kommun", "lan", "tatort", "centralort"} <= themes
    for spec in specs.values():
        assert spec.download and spec.licence and spec.authority, spec.name


def test_list_layers_flags_official_and_schematic():
    table = list_layers().set_index("name")
    for official in ("kommuner", "lan", "tatorter", "centralorter", "hallplatser"):
        assert not table.loc[official, "schematic"]
    assert table.loc["naturvard", "schematic"]
    assert table.loc["kommuner", "feature_count"] == 14
    assert table.loc["centralorter", "feature_count"] == 14


def test_every_embedded_layer_loads_clean():
    specs = catalogue()
    assert len(specs) >= 12  # the loop below must run over the whole catalogue
    for name, spec in specs.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BufferedGeometryWarning)
            frame = load_layer(name)
        assert frame.crs.to_epsg() == 3006, name
        assert frame["feature_id"].is_unique, name
        assert frame.geometry.is_valid.all() and not frame.geometry.is_empty.any(), name
        assert (frame["schematic"] == spec.schematic).all(), name
        if spec.schematic:
            assert frame["name"].str.contains("schematisk").all(), name


def test_centralorter_are_the_fourteen_seats():
    frame = load_layer("centralorter")
    assert sorted(frame["name"]) == sorted([
        "Arjeplog", "Arvidsjaur", "Boden", "Gällivare", "Haparanda", "Jokkmokk", "Kalix", "Kiruna",
        "Luleå", "Pajala", "Piteå", "Älvsbyn", "Överkalix", "Övertorneå"])
    assert frame["kommun_code"].nunique() == 14


def test_tatorter_population_is_scb_total():
    frame = load_layer("tatorter")
    assert len(frame) == 89
    assert frame["population"].sum() == 207_398


def test_write_layers_gpkg_has_every_layer_in_sweref(tmp_path):
    import pyogrio

    from landuse.demo import write_layers

    path = write_layers(tmp_path)
    names = [name for name, _ in pyogrio.list_layers(path)]
    assert sorted(names) == sorted(catalogue()) and len(names) >= 12  # the loop below must not run zero times
    for name in names:
        assert pyogrio.read_info(path, layer=name)["crs"] == "EPSG:3006"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_a_users_multi_layer_file_gives_the_layer_named_like_the_theme(tmp_path):
    # a THEME=PATH input has no --layer: the file's layer named like the theme is the one meant
    path = tmp_path / "several.gpkg"
    box = shapely.box(830_000, 7_290_000, 831_000, 7_291_000)
    gpd.GeoDataFrame({"id": ["n1"], "namn": ["N"]}, geometry=[box], crs="EPSG:3006").to_file(path, layer="naturvard")
    gpd.GeoDataFrame({"id": ["r1", "r2"], "namn": ["R", "S"]}, geometry=[box, box], crs="EPSG:3006").to_file(
        path, layer="rennaring")
    assert load_layer(path, theme="naturvard")["feature_id"].tolist() == ["n1"]
    assert load_layer(path, theme="rennaring")["feature_id"].tolist() == ["r1", "r2"]
