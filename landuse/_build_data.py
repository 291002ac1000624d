"""Rebuild the embedded data in ``landuse/data/`` (run by developers, never at import).

``python -m landuse._build_data --shared ../shared/data`` copies the real SCB,
Länstrafiken and Lantmäteriet files for Norrbotten and regenerates the *schematic* demo layers for the
themes that cannot be had offline.  The schematic layers are deterministic (fixed
seeds), so rerunning the script gives the same geometry.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from landuse._io import write_gpkg
from landuse.gtfs import EMBEDDED_FEEDS
from landuse.outputs import COUNTY_CODE, POPULATION_FILE
from landuse.settings import DATA_DIR

#: The 14 centralorter of Norrbotten: kommun code -> tätort name (the municipal seat).
CENTRALORTER: dict[str, str] = {
    "2506": "Arjeplog",
    "2505": "Arvidsjaur",
    "2582": "Boden",
    "2523": "Gällivare",
    "2583": "Haparanda",
    "2510": "Jokkmokk",
    "2514": "Kalix",
    "2584": "Kiruna",
    "2580": "Luleå",
    "2521": "Pajala",
    "2581": "Piteå",
    "2560": "Älvsbyn",
    "2513": "Överkalix",
    "2518": "Övertorneå",
}

SCHEMATIC_NOTE = "schematisk demodata, ej officiell"

_TO_SWEREF = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)


def _xy(lat: float, lon: float) -> tuple[float, float]:
    return _TO_SWEREF.transform(lon, lat)


def _blob(lat: float, lon: float, rx_km: float, ry_km: float, seed: int, n: int = 160) -> shapely.Polygon:
    """An irregular, valid polygon around a point: an ellipse with smooth radial noise."""
    rng = np.random.default_rng(seed)
    cx, cy = _xy(lat, lon)
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    noise = np.zeros(n)
    for k in range(2, 7):  # a few low harmonics make a natural outline
        noise += rng.normal(0, 0.06) * np.cos(k * angle + rng.uniform(0, 2 * np.pi))
    radius = 1.0 + noise
    x = cx + rx_km * 1000 * radius * np.cos(angle)
    y = cy + ry_km * 1000 * radius * np.sin(angle)
    poly = shapely.Polygon(np.column_stack([x, y]))
    return poly if poly.is_valid else shapely.make_valid(poly).buffer(0)


def _line(points: list[tuple[float, float]]) -> shapely.LineString:
    return shapely.LineString([_xy(lat, lon) for lat, lon in points])


def _corridor(points: list[tuple[float, float]], half_width_m: float) -> shapely.Polygon:
    return _line(points).buffer(half_width_m, quad_segs=8)


# --- rivers (lat, lon) used for farmland and nature corridors -----------------------
TORNE = [(65.84, 24.14), (66.10, 23.90), (66.39, 23.65), (66.80, 23.78), (67.21, 23.37)]
KALIX = [(65.85, 23.14), (66.05, 23.05), (66.33, 22.84), (66.75, 22.55)]
LULE = [(65.58, 22.15), (65.70, 21.95), (65.83, 21.69), (66.07, 20.95)]
PITE = [(65.32, 21.48), (65.50, 21.25), (65.68, 21.00)]
UPPER_TORNE = [(67.21, 23.37), (67.43, 22.50), (67.68, 21.64), (67.95, 20.80)]


def _schematic_features() -> dict[str, list[tuple[str, shapely.Geometry]]]:
    """Every schematic layer as (name, geometry) pairs in EPSG:3006."""
    s = " (schematisk)"
    return {
        "rennaring_karnomraden": [
            ("Kärnområde Gabna sameby" + s, _blob(68.00, 19.80, 30, 16, 1)),
            ("Kärnområde Laevas sameby" + s, _blob(67.80, 20.45, 18, 12, 2)),
            ("Kärnområde Gällivare skogssameby" + s, _blob(67.05, 20.85, 16, 12, 3)),
            ("Kärnområde Sirges sameby" + s, _blob(67.40, 17.60, 25, 14, 4)),
            ("Kärnområde Udtja sameby" + s, _blob(66.30, 19.60, 22, 14, 5)),
            ("Kärnområde Östra Kikkejaure sameby" + s, _blob(65.50, 20.50, 20, 12, 6)),
            ("Kärnområde Muonio sameby" + s, _blob(67.45, 23.30, 18, 12, 7)),
            ("Kärnområde Kalix älvdal vinterbete" + s, _blob(66.10, 23.00, 15, 10, 8)),
            ("Kärnområde Semisjaur-Njarg sameby" + s, _blob(66.00, 18.10, 20, 12, 9)),
        ],
        "rennaring_flyttleder": [
            ("Flyttled Kalixälven–Råneälven" + s, _line([(66.00, 22.30), (66.30, 21.50), (66.60, 20.80)])),
            ("Flyttled Markbygden–Arvidsjaur" + s, _line([(65.40, 20.90), (65.60, 20.00), (65.70, 19.20)])),
            ("Flyttled Laevas" + s, _line([(67.60, 21.50), (67.80, 20.60), (67.95, 19.90)])),
            ("Flyttled Pite älvdal" + s, _line([(65.30, 21.20), (65.70, 20.50), (65.95, 19.80)])),
        ],
        "rennaring_svara_passager": [
            ("Svår passage Luleälven vid Boden" + s, shapely.Point(_xy(65.85, 21.75))),
            ("Svår passage E10 öster om Kiruna" + s, shapely.Point(_xy(67.85, 20.35))),
            ("Svår passage Kalixälven vid Överkalix" + s, shapely.Point(_xy(66.33, 22.90))),
            ("Svår passage Piteälven vid Älvsbyn" + s, shapely.Point(_xy(65.68, 21.05))),
        ],
        "totalforsvar": [
            ("Vidsel provplats (RFN)" + s, _blob(66.05, 19.60, 42, 28, 11)),
            ("Bodens garnison och övningsfält" + s, _blob(65.85, 21.60, 12, 9, 12)),
            ("F 21 Kallax, stoppområde för höga objekt" + s, _blob(65.54, 22.12, 24, 20, 13)),
            ("Kalixfors övningsfält" + s, _blob(67.75, 20.30, 9, 7, 14)),
            ("Jokkmokks övningsområde" + s, _blob(66.60, 19.85, 12, 9, 15)),
        ],
        "naturvard": [
            ("Laponia: Sarek och Padjelanta" + s, _blob(67.30, 17.30, 55, 32, 21)),
            ("Laponia: Stora Sjöfallet" + s, _blob(67.60, 18.20, 18, 12, 22)),
            ("Laponia: Muddus" + s, _blob(66.90, 20.15, 15, 12, 23)),
            ("Abisko nationalpark" + s, _blob(68.33, 18.70, 9, 6, 24)),
            ("Haparanda skärgård" + s, _blob(65.58, 23.75, 8, 6, 25)),
            ("Dundret naturreservat" + s, _blob(67.12, 20.60, 6, 5, 26)),
            ("Torne älv (Natura 2000)" + s, _corridor(TORNE + UPPER_TORNE[1:], 1200)),
            ("Kalixälven (Natura 2000)" + s, _corridor(KALIX, 1200)),
        ],
        "friluftsliv": [
            ("Kebnekaise–Abisko fjällområde" + s, _blob(68.05, 18.70, 38, 22, 31)),
            ("Luleå skärgård" + s, _blob(65.50, 22.50, 20, 14, 32)),
            ("Piteå skärgård och havsbad" + s, _blob(65.25, 21.65, 10, 7, 33)),
            ("Kvikkjokk–Sarek" + s, _blob(66.95, 17.75, 15, 10, 34)),
            ("Torne älvdal" + s, _corridor(TORNE, 2500)),
        ],
        "energi_vindbruk": [
            ("Markbygden" + s, _blob(65.45, 20.60, 18, 10, 41)),
            ("Uljabuouda, Arjeplog" + s, _blob(66.07, 17.90, 7, 5, 42)),
            ("Sörbyn, Boden" + s, _blob(65.95, 21.40, 8, 6, 43)),
            ("Persöfjärden, Luleå" + s, _blob(65.75, 22.20, 7, 5, 44)),
            ("Dragaliden, Piteå" + s, _blob(65.55, 20.25, 6, 5, 45)),
        ],
        "mineral": [
            ("Kiirunavaara" + s, _blob(67.83, 20.20, 4, 3, 51)),
            ("Malmberget" + s, _blob(67.17, 20.65, 4, 3, 52)),
            ("Aitik" + s, _blob(67.07, 20.95, 5, 4, 53)),
            ("Kaunisvaara" + s, _blob(67.43, 23.45, 4, 3, 54)),
        ],
        "mineral_punktsatta": [
            ("Nunasvaara (punktsatt)" + s, shapely.Point(_xy(67.66, 21.65))),
            ("Kiskamavaara (punktsatt)" + s, shapely.Point(_xy(67.78, 20.95))),
            ("Nautanen (punktsatt)" + s, shapely.Point(_xy(67.20, 20.85))),
            ("Laver (punktsatt)" + s, shapely.Point(_xy(65.58, 20.15))),
        ],
        "jordbruk": [
            ("Jordbruksmark Torne älvdal" + s, _corridor(TORNE, 1800)),
            ("Jordbruksmark Kalix älvdal" + s, _corridor(KALIX, 1800)),
            ("Jordbruksmark Lule älvdal" + s, _corridor(LULE, 1800)),
            ("Jordbruksmark Pite älvdal" + s, _corridor(PITE, 1800)),
        ],
    }


def _schematic_frame(name: str, features: list[tuple[str, shapely.Geometry]], prefix: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": [f"{prefix}{i + 1:03d}" for i in range(len(features))],
            "namn": [n for n, _ in features],
            "anmarkning": SCHEMATIC_NOTE,
        },
        geometry=[g for _, g in features],
        crs="EPSG:3006",
    )


def _housing_from_tatorter(tatorter: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A disc around each tätort point with the tätort's real area (``area`` in ha)."""
    radius_m = np.sqrt(tatorter["area"].to_numpy(float) * 10_000 / np.pi)
    return gpd.GeoDataFrame(
        {
            "id": ["BO" + c for c in tatorter["code"]],
            "namn": [f"Bebyggelse {n} (schematisk: tätortens yta 2020 som cirkel)" for n in tatorter["name"]],
            "anmarkning": SCHEMATIC_NOTE,
        },
        geometry=shapely.buffer(tatorter.geometry.values, radius_m, quad_segs=16),
        crs="EPSG:3006",
    )


PREFIXES = {
    "rennaring_karnomraden": "RK",
    "rennaring_flyttleder": "RF",
    "rennaring_svara_passager": "RP",
    "totalforsvar": "TF",
    "naturvard": "NV",
    "friluftsliv": "FL",
    "energi_vindbruk": "EV",
    "mineral": "MI",
    "mineral_punktsatta": "MP",
    "jordbruk": "JB",
}


#: Lantmäteriet Topografi 250 files copied from the shared data folder, relative to it and to ``landuse/data``.
MAIN_ROADS = "vagar/huvudvagar_topografi250_norrbotten.gpkg"
MILITARY_AREAS = "forsvar/militara_omraden_topografi250_norrbotten.gpkg"


def copy_main_roads(shared: Path, out: Path = DATA_DIR) -> Path:
    """Copy Lantmäteriet's Topografi 250 main roads of Norrbotten byte for byte (layer ``vaglinje``)."""
    target = out / MAIN_ROADS
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shared / MAIN_ROADS, target)
    return target


def copy_gtfs_feeds(shared: Path, out: Path = DATA_DIR) -> list[Path]:
    """Copy the embedded Länstrafiken Norrbotten GTFS feeds (:data:`landuse.gtfs.EMBEDDED_FEEDS`) byte for byte.

    ``shared`` holds them under the same relative names (``gtfs/ltnbd_gtfs_<feed_version>.zip``).
    """
    targets = []
    for name in EMBEDDED_FEEDS:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared / name, target)
        targets.append(target)
    return targets


def copy_military_areas(shared: Path, out: Path = DATA_DIR) -> Path:
    """Copy Lantmäteriet's Topografi 250 military areas (all 14, nothing clipped), adding ``id`` and ``namn``.

    The source has neither an id nor a name: ``id`` is ``MO01`` ... in the source's order
    and ``namn`` the object type and the kommun holding the largest part of the area
    ("Militärt skjutfält, Boden"), or "utanför Norrbotten".  Every source column is kept.
    """
    areas = gpd.read_file(shared / MILITARY_AREAS, layer="militart_omrade")
    kommuner = gpd.read_file(shared / "boundaries" / "kommuner_sverige.gpkg")
    kommuner = kommuner[kommuner["code"].str.startswith(COUNTY_CODE)].to_crs(areas.crs)
    kind = areas["objekttyp"].str.replace(r"\s*\(\d+\)$", "", regex=True)
    names = []
    for geom, typ in zip(areas.geometry, kind):
        overlap = kommuner.geometry.intersection(geom).area
        where = kommuner["name"].iloc[int(np.argmax(overlap))] if overlap.max() > 0 else "utanför Norrbotten"
        names.append(f"{typ}, {where}")
    areas.insert(0, "namn", names)
    areas.insert(0, "id", [f"MO{i + 1:02d}" for i in range(len(areas))])
    target = out / MILITARY_AREAS
    target.parent.mkdir(parents=True, exist_ok=True)
    write_gpkg({"militart_omrade": areas}, target)
    return target


def build_official(shared: Path, out: Path = DATA_DIR) -> None:
    """Copy the real Norrbotten subsets of SCB boundaries, tätorter, the GTFS feeds and Lantmäteriet's roads and military areas."""
    out.mkdir(parents=True, exist_ok=True)
    kommuner = gpd.read_file(shared / "boundaries" / "kommuner_sverige.gpkg")
    kommuner = kommuner[kommuner["code"].str.startswith(COUNTY_CODE)].sort_values("code")
    write_gpkg({"kommuner": kommuner.reset_index(drop=True)}, out / "kommuner.gpkg")
    lan = gpd.read_file(shared / "boundaries" / "lan_sverige.gpkg")
    write_gpkg({"lan": lan[lan["code"] == COUNTY_CODE].reset_index(drop=True)}, out / "lan.gpkg")
    tatorter = gpd.read_file(shared / "tatorter" / "tatorter_2020_sverige.gpkg")
    tatorter = tatorter[tatorter["lan_code"] == COUNTY_CODE].sort_values("code").reset_index(drop=True)
    tatorter = tatorter[["code", "name", "mun_code", "mun_name", "lan_code", "area", "pop", "year", "geometry"]]
    write_gpkg({"tatorter": tatorter}, out / "tatorter.gpkg")
    seats = [(code, name) for code, name in CENTRALORTER.items()]
    mask = pd.Series(False, index=tatorter.index)
    for code, name in seats:
        mask |= (tatorter["mun_code"] == code) & (tatorter["name"] == name)
    centralorter = tatorter[mask].reset_index(drop=True)
    if len(centralorter) != len(CENTRALORTER):
        raise RuntimeError(f"found {len(centralorter)} of {len(CENTRALORTER)} centralorter in the tätorter")
    write_gpkg({"centralorter": centralorter}, out / "centralorter.gpkg")
    copy_gtfs_feeds(shared, out)
    shutil.copyfile(shared / "befolkning" / "kommun_folkmangd.csv", out / POPULATION_FILE)
    copy_main_roads(shared, out)
    copy_military_areas(shared, out)


def build_schematic(out: Path = DATA_DIR) -> None:
    """Regenerate the schematic demo layers (deterministic)."""
    target = out / "schematic"
    target.mkdir(parents=True, exist_ok=True)
    for name, features in _schematic_features().items():
        write_gpkg({name: _schematic_frame(name, features, PREFIXES[name])}, target / f"{name}.gpkg")
    tatorter = gpd.read_file(out / "tatorter.gpkg")
    write_gpkg({"bostader": _housing_from_tatorter(tatorter)}, target / "bostader.gpkg")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=None, help="the shared data folder (../shared/data)")
    args = parser.parse_args(argv)
    if args.shared is not None:
        build_official(args.shared)
    build_schematic()


if __name__ == "__main__":
    main()
