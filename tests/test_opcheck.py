"""ÖP-check on a tiny hand-made plan: overlaps, shares and weights."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from landuse.conflicts import read_conflict_matrix
from landuse.errors import ColumnNotFoundError, ConfigError, DuplicateIdError, MissingCRSError
from landuse.opcheck import OP_COLUMNS, load_plan, op_check, write_op_check

KM = 1000.0
X0, Y0 = 830_000.0, 7_290_000.0
CSV_HEADER = ",".join(OP_COLUMNS)


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0 * KM, Y0 + y0 * KM, X0 + x1 * KM, Y0 + y1 * KM)


@pytest.fixture
def interests() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"layer": ["naturvard", "mineral", "rennaring_karnomraden", "rennaring_flyttleder"],
         "theme": ["naturvard", "mineral", "rennaring", "rennaring"],
         "feature_id": ["NV1", "MI1", "RK1", "RF1"], "name": ["Naturen", "Gruvan", "Kärnan", "Leden"],
         "schematic": [False, True, False, False]},
        geometry=[box(0.5, 0, 2, 1), box(0, 0.75, 1, 2), box(5, 5, 6, 6), box(4, 5.5, 7, 6)],
        crs="EPSG:3006",
    )


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    """Three planned areas: 1 km² housing, 1 km² water, 2 km² landsbygd touching housing's edge."""
    plan = gpd.GeoDataFrame(
        {"omr_id": ["P1", "P2", "P3"],
         "anvandning": ["Sammanhängande bostadsbebyggelse", "Vatten", "landsbygd"]},
        geometry=[box(0, 0, 1, 1), box(0, 1, 1, 2), box(4.5, 5, 6.5, 6)], crs="EPSG:3006")
    path = tmp_path / "op_plan.gpkg"
    plan.to_file(path, layer="mark_och_vattenanvandning", engine="pyogrio")
    return path


def test_op_check_tiny_plan(plan_path, interests):
    matrix = read_conflict_matrix()
    plan = load_plan(plan_path, use_column="anvandning", id_column="omr_id")
    assert plan["plan_area_m2"].tolist() == pytest.approx([1e6, 1e6, 2e6])
    result = op_check(plan, interests, matrix)
    assert list(result.columns) == OP_COLUMNS + ["geometry"]
    rows = {(r.plan_id, r.feature_id): r for r in result.itertuples()}
    # P1 [0,1]²: naturvard [0.5,2]x[0,1] -> 0.5 km²; mineral [0,1]x[0.75,2] -> 0.25 km²
    assert set(rows) == {("P1", "NV1"), ("P1", "MI1"), ("P2", "MI1"), ("P3", "RK1"), ("P3", "RF1")}
    assert rows[("P1", "NV1")].overlap_m2 == pytest.approx(0.5e6)
    assert rows[("P1", "NV1")].share_of_plan_area == pytest.approx(0.5)
    assert rows[("P1", "NV1")].weight == matrix.weight("bostader", "naturvard")
    assert rows[("P1", "MI1")].overlap_m2 == pytest.approx(0.25e6)
    assert rows[("P1", "MI1")].weight == matrix.weight("bostader", "mineral") == 3
    assert rows[("P1", "MI1")].schematic and not rows[("P1", "NV1")].schematic
    assert rows[("P1", "MI1")].feature_name == "Gruvan" and rows[("P1", "MI1")].layer == "mineral"
    # water maps to no theme: weight 0; P2 only touches naturvard's corner edge
    assert rows[("P2", "MI1")].weight == 0 and rows[("P2", "MI1")].overlap_m2 == pytest.approx(1e6)
    # landsbygd = jordbruk + bostader: the larger weight against rennaring; two rennaring features listed apart
    expected = max(matrix.weight("jordbruk", "rennaring"), matrix.weight("bostader", "rennaring"))
    assert rows[("P3", "RK1")].weight == rows[("P3", "RF1")].weight == expected
    assert rows[("P3", "RK1")].share_of_plan_area == pytest.approx(0.5)
    assert rows[("P3", "RF1")].overlap_m2 == pytest.approx(1.0e6)  # [4.5,6.5]x[5.5,6]
    assert result["plan_id"].tolist()[:2] == ["P1", "P1"] and result["weight"].iloc[0] == 3


def test_op_check_errors(plan_path, interests, tmp_path):
    matrix = read_conflict_matrix()
    with pytest.raises(ColumnNotFoundError, match="no column 'use'.*omr_id, anvandning"):
        load_plan(plan_path, use_column="use")
    odd = gpd.read_file(plan_path)
    odd.loc[1, "anvandning"] = "Rymdhamn"
    odd_path = tmp_path / "op_odd.gpkg"
    odd.to_file(odd_path, engine="pyogrio")
    plan = load_plan(odd_path, use_column="anvandning")
    assert plan["plan_id"].tolist() == ["1", "2", "3"]
    with pytest.raises(ConfigError, match="'Rymdhamn'.*Mapped categories: Mångfunktionell bebyggelse"):
        op_check(plan, interests, matrix)
    dup = gpd.read_file(plan_path).assign(omr_id="P1")
    dup.to_file(tmp_path / "op_dup.gpkg", engine="pyogrio")
    with pytest.raises(DuplicateIdError, match="P1"):
        load_plan(tmp_path / "op_dup.gpkg", use_column="anvandning", id_column="omr_id")
    gpd.read_file(plan_path).to_file(tmp_path / "op_noprj.shp", engine="pyogrio")
    (tmp_path / "op_noprj.prj").unlink()
    with pytest.raises(MissingCRSError, match="--source-crs"):
        load_plan(tmp_path / "op_noprj.shp", use_column="anvandning")
    assert len(load_plan(tmp_path / "op_noprj.shp", use_column="anvandning", source_crs="EPSG:3006")) == 3


def test_plan_crs_and_empty_geometry_messages_are_the_layer_loaders(plan_path, tmp_path):
    from landuse.errors import CRSMismatchError, EmptyLayerError

    # metres labelled EPSG:4326 reproject to inf: the file's own bounds, and the fix for a declared CRS
    plan = gpd.read_file(plan_path)
    metres = plan.set_crs("EPSG:4326", allow_override=True)
    metres.to_file(tmp_path / "op_4326.gpkg", engine="pyogrio")
    with pytest.raises(CRSMismatchError) as err:
        load_plan(tmp_path / "op_4326.gpkg", use_column="anvandning", source_crs="EPSG:3006")
    message = str(err.value)
    assert "inf" not in message and "no coordinates of that CRS" in message, message
    assert "The file itself declares that CRS (--source-crs only fills in a missing one)" in message
    # one planned area without geometry is left out with a warning that names it
    plan.assign(omr_id=["A", "B", "C"][:len(plan)]).assign(
        geometry=[None, *plan.geometry.iloc[1:]]).to_file(tmp_path / "op_one_null.gpkg", engine="pyogrio")
    from landuse.errors import GeometryRepairWarning

    with pytest.warns(GeometryRepairWarning, match=r"left out 1 of 3 planned areas .*plan_id A\)"):
        loaded = load_plan(tmp_path / "op_one_null.gpkg", use_column="anvandning", id_column="omr_id")
    assert loaded["plan_id"].tolist() == ["B", "C"]
    # a plan whose geometries are all missing says so, not that it lies outside Sweden
    plan.assign(geometry=None).to_file(tmp_path / "op_null.gpkg", engine="pyogrio")
    with pytest.raises(EmptyLayerError, match="has no usable geometry"):
        load_plan(tmp_path / "op_null.gpkg", use_column="anvandning")


def test_write_op_check(plan_path, interests, tmp_path):
    result = op_check(load_plan(plan_path, use_column="anvandning"), interests)
    written = write_op_check(result, tmp_path / "out")
    assert [p.name for p in written] == ["op_check.csv", "op_check.gpkg"]
    assert (tmp_path / "out" / "op_check.csv").read_text(encoding="utf-8").splitlines()[0] == CSV_HEADER
    layer = gpd.read_file(tmp_path / "out" / "op_check.gpkg", layer="op_check")
    assert list(layer.columns) == OP_COLUMNS + ["geometry"] and layer.crs.to_epsg() == 3006
