"""Regenerate the tiny layer fixtures in this folder: ``python tests/data/make_layer_fixtures.py``.

All geometry is hand-made (CC0, landuse); coordinates are a few km² near Luleå.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

HERE = Path(__file__).resolve().parent
X, Y = 830_000.0, 7_290_000.0  # Luleå, EPSG:3006


def _frame(crs: str | int | None = 3006) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"RI_ID": ["NV001", "NV002"], "NAMN": ["Ålands skog – norr", "Önusberget"]},
        geometry=[shapely.box(X, Y, X + 1000, Y + 1000), shapely.box(X + 500, Y, X + 1500, Y + 1000)],
        crs=crs,
    )


def _shapefile(frame: gpd.GeoDataFrame, stem: str, *, encoding: str, keep_cpg: bool, keep_prj: bool = True) -> Path:
    folder = HERE / stem
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    path = folder / f"{stem}.shp"
    frame.to_file(path, encoding=encoding, engine="pyogrio")
    if not keep_cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    if not keep_prj:
        path.with_suffix(".prj").unlink(missing_ok=True)
    return path


def main() -> None:
    # GeoJSON in WGS84 (as RFC 7946 requires)
    _frame().to_crs(4326).to_file(HERE / "layers_wgs84.geojson", driver="GeoJSON", engine="pyogrio")
    # GeoPackage with two layers in a local SWEREF 99 zone (21 45 = EPSG:3014, Luleå's zone)
    path = HERE / "layers_two_layers_3014.gpkg"
    path.unlink(missing_ok=True)
    _frame().to_crs(3014).to_file(path, layer="omraden", engine="pyogrio")
    points = gpd.GeoDataFrame({"RI_ID": ["P1"], "NAMN": ["Punkt"]}, geometry=[shapely.Point(X, Y)], crs=3006)
    points.to_crs(3014).to_file(path, layer="punkter", engine="pyogrio")
    # GeoParquet in SWEREF 99 TM
    _frame().to_parquet(HERE / "layers_3006.parquet")
    # Shapefiles: cp1252 without .cpg, UTF-8 without .cpg, UTF-8 with .cpg, no .prj
    _shapefile(_frame(), "layers_cp1252_nocpg", encoding="cp1252", keep_cpg=False)
    _shapefile(_frame(), "layers_utf8_nocpg", encoding="utf-8", keep_cpg=False)
    _shapefile(_frame(), "layers_utf8_cpg", encoding="utf-8", keep_cpg=True)
    _shapefile(_frame(), "layers_noprj", encoding="utf-8", keep_cpg=True, keep_prj=False)
    # zipped Shapefile (the way Länsstyrelsen serves downloads)
    source = _shapefile(_frame(), "layers_zip_src", encoding="cp1252", keep_cpg=False)
    with zipfile.ZipFile(HERE / "layers_zipped_shp.zip", "w") as archive:
        for member in sorted(source.parent.iterdir()):
            archive.write(member, member.name)
    shutil.rmtree(source.parent)
    # bad inputs
    data = (HERE / "layers_zipped_shp.zip").read_bytes()
    (HERE / "bad_truncated.zip").write_bytes(data[: len(data) // 2])
    dup = _frame()
    dup["RI_ID"] = ["NV001", "NV001"]
    (HERE / "bad_duplicate_ids.gpkg").unlink(missing_ok=True)
    dup.to_file(HERE / "bad_duplicate_ids.gpkg", engine="pyogrio")
    (HERE / "bad_empty.gpkg").unlink(missing_ok=True)
    _frame().iloc[:0].to_file(HERE / "bad_empty.gpkg", engine="pyogrio")
    (HERE / "bad_points_for_area_theme.gpkg").unlink(missing_ok=True)
    points.to_file(HERE / "bad_points_for_area_theme.gpkg", engine="pyogrio")
    lonlat = gpd.GeoDataFrame({"RI_ID": ["X"], "NAMN": ["Luleå"]}, geometry=[shapely.box(22.1, 65.5, 22.2, 65.6)], crs=3006)
    (HERE / "bad_lonlat_declared_3006.gpkg").unlink(missing_ok=True)
    lonlat.to_file(HERE / "bad_lonlat_declared_3006.gpkg", engine="pyogrio")
    (HERE / "bad_not_a_gpkg.gpkg").write_bytes(b"this is not a GeoPackage\n" * 10)
    # a bow-tie: two triangles of 0.25 km² each once repaired
    bowtie = shapely.Polygon([(X, Y), (X + 1000, Y + 1000), (X + 1000, Y), (X, Y + 1000), (X, Y)])
    empty_too = shapely.Polygon()
    frame = gpd.GeoDataFrame({"RI_ID": ["BT1", "E1"], "NAMN": ["Fluga", "Tom"]}, geometry=[bowtie, empty_too], crs=3006)
    (HERE / "layers_bowtie.gpkg").unlink(missing_ok=True)
    frame.to_file(HERE / "layers_bowtie.gpkg", engine="pyogrio")


if __name__ == "__main__":
    main()
