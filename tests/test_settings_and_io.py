"""Settings validation, scoped overrides, atomic writes, reproducible schematic data."""

from __future__ import annotations

import geopandas as gpd
import pytest

from landuse import _io
from landuse.errors import InvalidSettingError
from landuse.settings import Settings


def test_unknown_setting_is_rejected():
    with pytest.raises(InvalidSettingError, match="Unknown setting 'max_walk'. Known settings: .*max_walk_m"):
        Settings().max_walk = 3


def test_invalid_value_is_rejected_on_assignment_and_construction():
    with pytest.raises(InvalidSettingError, match="walk_speed_kph=0 must be a positive number"):
        Settings(walk_speed_kph=0)
    s = Settings()
    with pytest.raises(InvalidSettingError):
        s.max_snap_m = -1


def test_override_restores_old_values_even_on_error():
    s = Settings()
    with pytest.raises(RuntimeError):
        with s.override(max_walk_m=10, speed_factor=1.3):
            assert (s.max_walk_m, s.speed_factor) == (10, 1.3)
            raise RuntimeError
    assert (s.max_walk_m, s.speed_factor) == (1000.0, 1.0)


def test_repr_shows_value_against_default():
    text = repr(Settings(speed_factor=1.25))
    assert "speed_factor=1.25 (default 1.0)" in text
    assert "max_walk_m=1000.0\n" in text or "max_walk_m=1000.0," in text


def test_atomic_write_leaves_no_half_written_file(tmp_path, two_squares):
    target = tmp_path / "out.gpkg"
    _io.write_gpkg({"a": two_squares}, target)
    before = target.read_bytes()

    class Boom(gpd.GeoDataFrame):
        def to_file(self, *args, **kwargs):
            super().to_file(*args, **kwargs)
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _io.write_gpkg({"a": Boom(two_squares)}, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]


def test_schematic_layers_are_reproducible(tmp_path):
    from landuse import _build_data
    from landuse.settings import DATA_DIR

    (tmp_path / "tatorter.gpkg").write_bytes((DATA_DIR / "tatorter.gpkg").read_bytes())
    _build_data.build_schematic(tmp_path)
    built = sorted((tmp_path / "schematic").glob("*.gpkg"))
    # every schematic layer the package ships is rebuilt: the loop below compares all eleven
    assert [p.name for p in built] == sorted(p.name for p in (DATA_DIR / "schematic").glob("*.gpkg"))
    assert len(built) == 11
    compared = 0
    for path in built:
        fresh = gpd.read_file(path)
        shipped = gpd.read_file(DATA_DIR / "schematic" / path.name)
        assert len(fresh) > 0, path.name
        assert fresh["id"].tolist() == shipped["id"].tolist()
        assert fresh.geometry.geom_equals_exact(shipped.geometry, tolerance=1e-6).all(), path.name
        compared += 1
    assert compared == 11


@pytest.mark.parametrize("rows", [slice(None), slice(0, 0)], ids=["two rows", "empty"])
def test_an_encoded_layer_is_the_file_geopandas_writes(tmp_path, two_squares, rows):
    # EncodedLayer skips decoding and encoding the shapes; the GeoPackage must not notice
    import sqlite3

    import pandas as pd
    import pyogrio
    import shapely

    frame = two_squares.assign(
        n=pd.array([1, 2], dtype="int64"), area_km2=[1.0, 0.5],
        themes=pd.array(["energi,rennaring", "mineral"], dtype=str), schematic=[True, False]).iloc[rows]
    frame = frame.reset_index(drop=True)
    attributes = pd.DataFrame(frame.drop(columns="geometry"))
    encoded = _io.EncodedLayer(attributes, shapely.to_wkb(frame.geometry.values), "EPSG:3006", "Polygon")
    plain, wkb = tmp_path / "plain.gpkg", tmp_path / "wkb.gpkg"
    _io.write_gpkg({"a": frame}, plain, descriptions={"a": "Två ytor"}, empty_geometry_types={"a": "Polygon"})
    _io.write_gpkg({"a": encoded}, wkb, descriptions={"a": "Två ytor"})
    assert {k: str(v) for k, v in pyogrio.read_info(wkb, layer="a").items()} == {
        k: str(v) for k, v in pyogrio.read_info(plain, layer="a").items()}
    back, expected = pyogrio.read_dataframe(wkb, layer="a"), pyogrio.read_dataframe(plain, layer="a")
    assert back.crs == expected.crs == "EPSG:3006"
    assert shapely.equals_exact(back.geometry.values, frame.geometry.values, tolerance=0).all()
    pd.testing.assert_frame_equal(pd.DataFrame(back.drop(columns="geometry")),
                                  pd.DataFrame(expected.drop(columns="geometry")))
    queries = ["SELECT table_name, data_type, srs_id, description FROM gpkg_contents",
               "SELECT * FROM gpkg_geometry_columns", "SELECT count(*) FROM rtree_a_geom"]
    with sqlite3.connect(plain) as a, sqlite3.connect(wkb) as b:
        assert [b.execute(q).fetchall() for q in queries] == [a.execute(q).fetchall() for q in queries]


def test_geopackages_are_written_with_large_pages_unless_the_user_set_a_page_size(tmp_path, two_squares):
    import sqlite3

    import pyogrio
    import shapely

    def page_size(path):
        with sqlite3.connect(path) as con:
            return con.execute("PRAGMA page_size").fetchone()[0]

    assert pyogrio.get_gdal_config_option("OGR_SQLITE_PRAGMA") is None
    _io.write_gpkg({"a": two_squares, "b": two_squares.drop(columns="geometry")}, tmp_path / "ours.gpkg")
    assert page_size(tmp_path / "ours.gpkg") == _io.GPKG_PAGE_SIZE == 65_536
    assert pyogrio.get_gdal_config_option("OGR_SQLITE_PRAGMA") is None  # cleared after the write
    # the user's own pragmas: a page size of theirs wins; others are kept and ours is added
    for users, expected in (("page_size=8192", 8192), ("synchronous=OFF", 65_536)):
        pyogrio.set_gdal_config_options({"OGR_SQLITE_PRAGMA": users})
        try:
            _io.write_gpkg({"a": two_squares}, tmp_path / f"{expected}.gpkg")
            assert pyogrio.get_gdal_config_option("OGR_SQLITE_PRAGMA") == users  # as the user left it
        finally:
            pyogrio.set_gdal_config_options({"OGR_SQLITE_PRAGMA": None})
        assert page_size(tmp_path / f"{expected}.gpkg") == expected
    back = pyogrio.read_dataframe(tmp_path / "ours.gpkg", layer="a")
    assert shapely.equals_exact(back.geometry.values, two_squares.geometry.values, tolerance=0).all()


def test_an_encoded_layer_beyond_int32_offsets_is_written_as_large_binary(tmp_path, two_squares, monkeypatch):
    import pandas as pd
    import pyogrio
    import shapely

    monkeypatch.setattr(_io, "_INT32_OFFSETS", 10)  # as if the blobs held more than 2 GiB
    column = _io._binary_array(shapely.to_wkb(two_squares.geometry.values))
    assert str(column.type) == "large_binary" and column.to_pylist() == shapely.to_wkb(two_squares.geometry.values).tolist()
    encoded = _io.EncodedLayer(pd.DataFrame({"n": [1, 2]}), shapely.to_wkb(two_squares.geometry.values), "EPSG:3006",
                               "Polygon")
    _io.write_gpkg({"a": encoded}, tmp_path / "large.gpkg")
    back = pyogrio.read_dataframe(tmp_path / "large.gpkg", layer="a")
    assert back["n"].tolist() == [1, 2] and shapely.equals_exact(back.geometry.values, two_squares.geometry.values, tolerance=0).all()
