"""The strukturbild map: spec, inputs present or absent, schematic labels, offline HTML, size."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from landuse._io import write_csv, write_gpkg
from landuse.cli import cli
from landuse.demo import write_layers
from landuse.errors import (
    ConfigError,
    InputFileNotFoundError,
    InvalidSettingError,
    LanduseWarning,
    LayerNotFoundError,
    MissingCRSError,
)
from landuse.access.indicator import indicator_table
from landuse.layers import load_layer
from landuse.maps import (
    inputs_from_dir,
    load_map_spec,
    render_map,
    simplify_geometry,
    strukturbild_map,
    write_map,
)
from landuse.outputs import MAP_INPUTS as DEMO_INPUTS

CONFLICT_COLUMNS = ["kommun_code", "kommun", "theme_a", "theme_b", "weight", "area_km2", "share_of_kommun"]


# --------------------------------------------------------------------------- synthetic inputs


def unescape_json(text: str) -> str:
    """The HTML with the JSON \\uXXXX escapes of folium's embedded GeoJSON decoded."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _load(name: str) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LanduseWarning)
        return load_layer(name)


#: Source label of the GTFS stand-in network as landuse.network writes it (it says SCHEMATIC).
STAND_IN_SOURCE = ("GTFS stand-in from ltnbd_gtfs_2022-12-14.zip (bus running times x 0.85; APPROXIMATE/SCHEMATIC, "
                   "not a road network)")
ROAD_CLASSES = ["motorvag", "motortrafikled", "motesfri", "landsvag", "landsvag"]


def synthetic_network(centralorter: gpd.GeoDataFrame, *, real: bool) -> gpd.GeoDataFrame:
    """A ``network`` layer as the car engine writes it: each centralort joined to the next, in 3 edges each.

    ``real``: Lantmäteriet's main-road label with road numbers and classes; else the
    GTFS stand-in's label, without numbers or classes (as ``network_edges`` writes it).
    """
    from landuse.network import EDGE_COLUMNS, MAIN_ROAD_LIMITS, MAIN_ROAD_SOURCE

    xy = np.column_stack([centralorter.geometry.x, centralorter.geometry.y])
    rows, lines = [], []
    for i in range(len(xy) - 1):
        a, b = xy[i], xy[i + 1]
        for k in range(3):
            p, q = a + (b - a) * k / 3, a + (b - a) * (k + 1) / 3
            length = float(np.hypot(*(q - p)))
            klass = ROAD_CLASSES[(i + k) % len(ROAD_CLASSES)] if real else None
            speed = {"motorvag": 110.0, "motortrafikled": 100.0, "motesfri": 100.0, "landsvag": 80.0}.get(klass, 70.0)
            rows.append({"u": 3 * i + k, "v": 3 * i + k + 1, "length_m": length, "speed_kph": speed,
                         "travel_time_min": length / 1000 / speed * 60,
                         "road": (["E4", "97", None][k] if real else None), "klass": klass,
                         "source": f"{MAIN_ROAD_SOURCE}; {MAIN_ROAD_LIMITS}" if real else STAND_IN_SOURCE})
            lines.append(shapely.LineString([p, q]))
    frame = gpd.GeoDataFrame(rows, geometry=lines, crs="EPSG:3006")
    return frame[EDGE_COLUMNS + ["geometry"]]


def write_synthetic_outputs(folder: Path, *, include: tuple[str, ...] = ("layers", "conflicts", "car", "transit"),
                            car_schematic: bool = True) -> Path:
    """Small files in the schemas of the målkonflikt, car and transit outputs (issues 3-5, 12).

    Faces are squares around four centralorter; travel times grow with the distance to
    the nearest centralort; isochrones are 30/60 km discs; tätorter are discs of their
    land area spread over a few points; the car network joins the centralorter.
    ``car_schematic``: the car files say they rest on the GTFS stand-in (default), else
    on Lantmäteriet's main roads.  Nothing here is a real figure.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    centralorter = _load("centralorter")
    kommuner = _load("kommuner")
    if "layers" in include:
        write_layers(folder)
    if "conflicts" in include:
        rows, geoms = [], []
        pairs = [("energi,rennaring", 2, 5.0), ("naturvard,rennaring", 2, 2.0), ("mineral,naturvard,rennaring", 3, 9.0),
                 ("bostader,jordbruk", 2, 1.0)]
        for i, (place, (themes, n, score)) in enumerate(zip(centralorter.head(4).itertuples(), pairs)):
            x, y = place.geometry.x, place.geometry.y
            square = shapely.box(x + 2000, y + 2000, x + 6000, y + 6000)
            rows.append({"face_id": i + 1, "kommun_code": place.kommun_code, "kommun": place.kommun, "themes": themes,
                         "n_themes": n, "score": score, "area_km2": square.area / 1e6, "feature_ids": f"f{i}",
                         "schematic": True})
            geoms.append(square)
        # a single-theme face: not a conflict, must not be drawn
        x, y = centralorter.geometry.iloc[5].x, centralorter.geometry.iloc[5].y
        rows.append({"face_id": 99, "kommun_code": centralorter.kommun_code.iloc[5], "kommun": "x", "themes": "naturvard",
                     "n_themes": 1, "score": 0.0, "area_km2": 16.0, "feature_ids": "f99", "schematic": True})
        geoms.append(shapely.box(x, y, x + 4000, y + 4000))
        faces = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:3006")
        table = pd.DataFrame([
            {"kommun_code": r["kommun_code"], "kommun": r["kommun"], "theme_a": r["themes"].split(",")[0],
             "theme_b": r["themes"].split(",")[1], "weight": 2, "area_km2": r["area_km2"], "share_of_kommun": 0.001}
            for r in rows if r["n_themes"] >= 2
        ], columns=CONFLICT_COLUMNS)
        write_gpkg({"faces": faces, "pairs_per_kommun": table}, folder / "malkonflikter.gpkg")
        write_csv(table, folder / "malkonflikter_per_kommun.csv")
    tatorter = _load("tatorter")
    dist = np.min(
        np.hypot(tatorter.geometry.x.to_numpy()[:, None] - centralorter.geometry.x.to_numpy()[None, :],
                 tatorter.geometry.y.to_numpy()[:, None] - centralorter.geometry.y.to_numpy()[None, :]), axis=1)
    for mode, speed, schematic in (("car", 1000.0, car_schematic), ("transit", 600.0, False)):
        if mode not in include:
            continue
        minutes = dist / speed
        minutes[::17] = np.nan  # some unreachable origins
        origins = gpd.GeoDataFrame(
            {"origin_id": tatorter["feature_id"], "kommun_code": tatorter["kommun_code"].astype(str),
             "population": tatorter["population"].astype(float), "travel_time_min": minutes,
             "target": "närmaste centralort", "name": tatorter["name"],
             "share_within": np.where(np.nan_to_num(minutes, nan=1e9) <= 60, 1.0, 0.0),
             "radius_m": np.sqrt(tatorter["area_ha"].astype(float) * 1e4 / np.pi)},
            geometry=tatorter.geometry, crs="EPSG:3006",
        )
        # two points per origin, the second 200 m east, sharing its people
        points = pd.concat([origins.assign(point_id=origins["origin_id"] + "#0"),
                            origins.assign(point_id=origins["origin_id"] + "#1",
                                           geometry=origins.geometry.translate(200, 0))], ignore_index=True)
        points = gpd.GeoDataFrame(points.assign(population=points["population"] / 2), crs="EPSG:3006")
        layers = {"origins": origins}
        if mode == "car":
            # the access leg: a tenth of the trip, but all of it for every fifth point
            access = points["travel_time_min"] * np.where(np.arange(len(points)) % 5 == 0, 0.9, 0.1)
            points = points.assign(access_min=access, access_m=access * 50_000 / 60 / 1.3)
            origins["access_min"] = origins["travel_time_min"] * 0.1
            origins["access_m"] = origins["access_min"] * 50_000 / 60 / 1.3
        if mode == "transit":
            origins["best_min"] = minutes
            origins["median_min"] = minutes * 1.3
        iso = []
        for place in centralorter.itertuples():
            for m in (30, 60):
                iso.append({"target_id": place.feature_id, "centralort": place.name, "kommun_code": place.kommun_code,
                            "minutes": m, "mode": mode, "schematic": schematic,
                            "geometry": place.geometry.buffer(m * speed, quad_segs=16)})
        isochrones = gpd.GeoDataFrame(iso, geometry="geometry", crs="EPSG:3006")
        layers.update(origin_points=points.drop(columns=["name", "share_within", "radius_m"]), isochrones=isochrones)
        if mode == "car":
            layers["network"] = synthetic_network(centralorter, real=not car_schematic)
        write_gpkg(layers, folder / f"access_{mode}.gpkg")
        write_csv(indicator_table(origins, (45, 60, 90)), folder / f"access_{mode}.csv")
    assert len(kommuner) == 14
    return folder


@pytest.fixture(scope="module")
def map_outputs(tmp_path_factory) -> Path:
    return write_synthetic_outputs(tmp_path_factory.mktemp("map_outputs"))


@pytest.fixture(scope="module")
def full_map(map_outputs):
    return strukturbild_map(**inputs_from_dir(map_outputs))


# --------------------------------------------------------------------------- spec


def test_spec_lists_overlays_with_unique_ids():
    spec = load_map_spec()
    ids = spec.overlay_ids
    assert len(ids) == len(set(ids)) >= 10
    kinds = {o.kind for o in spec.overlays}
    assert {"kommuner", "theme", "conflicts", "isochrones", "origins", "strak", "roads", "tatorter",
            "centralorter"} <= kinds


def test_roads_overlay_spec_is_checked(tmp_path):
    text = load_map_spec().path.read_text(encoding="utf-8")
    bad = tmp_path / "roads.toml"
    bad.write_text(text.replace("widths = [4.0, 3.5, 3.0, 1.8]", "widths = [4.0, 3.5]"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"vagar_bil\): give one colour, width and class label per road class"):
        load_map_spec(bad)
    bad.write_text(text.replace('input = "car"\nclasses', 'input = "transit"\nclasses'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"vagar_bil\): input must be car"):
        load_map_spec(bad)


def test_bad_spec_lists_every_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('colour = 1\n[[overlay]]\nid = "a"\nkind = "nope"\nlabel = "A"\ninput = "layers"\nfoo = 2\n'
                   '[[overlay]]\nid = "b"\nkind = "theme"\ntheme = "nope"\nlabel = "B"\ninput = "layers"\n',
                   encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown top-level keys colour.*unknown keys foo.*kind 'nope'.*Unknown theme"):
        load_map_spec(bad)


def test_missing_spec_names_the_known_ones(tmp_path):
    with pytest.raises(ConfigError, match="strukturbild"):
        load_map_spec("no_such_map")


# --------------------------------------------------------------------------- geometry


def test_simplify_coverage_keeps_shared_edges():
    kommuner = _load("kommuner")
    simple = simplify_geometry(kommuner.geometry, 2000, coverage=True)
    assert simple.is_valid.all() and not simple.is_empty.any()
    assert shapely.get_num_coordinates(simple.values).sum() < shapely.get_num_coordinates(kommuner.geometry.values).sum()
    # no overlaps appear between neighbours (per-geometry simplification would create them)
    union_area = shapely.union_all(simple.values).area
    assert union_area == pytest.approx(simple.area.sum(), rel=1e-9)
    # tolerance 0 is a no-op
    geoms = kommuner.geometry
    assert simplify_geometry(geoms, 0) is geoms


def test_simplify_refuses_degrees():
    geoms = gpd.GeoSeries([shapely.box(20, 65, 21, 66)], crs="EPSG:4326")
    with pytest.raises(MissingCRSError, match="metres"):
        simplify_geometry(geoms, 100)


# --------------------------------------------------------------------------- the map


def test_full_map_draws_every_spec_overlay(full_map):
    spec = load_map_spec()
    assert full_map.landuse_overlays == spec.overlay_ids
    assert full_map.landuse_missing == []


def test_map_html_is_offline_and_labels_schematic(full_map, tmp_path):
    path = write_map(full_map, tmp_path / "karta.html")
    text = unescape_json(path.read_text(encoding="utf-8"))
    # no script or stylesheet from the network; Leaflet itself is inline
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"?(https?:)?//", text)
    assert "cdn.jsdelivr" not in text and "code.jquery.com" not in text and "bootstrapcdn" not in text
    assert "L.map(" in text or "L.map (" in text
    # the inlined Leaflet is the installed xstatic-leaflet, not a CDN copy of another version
    from xstatic.pkg import leaflet

    inlined = re.findall(r"\bversion=\"(\d+\.\d+\.\d+)\"", text)
    assert inlined == [leaflet.VERSION]
    assert f"Leaflet {inlined[0]}," in text
    # schematic layers say so in the legend and popups; the real feed is not called schematic
    legend = re.search(r'<div class="lu-legend".*?</div>\s*</div>|<div class="lu-legend".*?Källor', text, re.S).group(0)
    assert "Rennäring (riksintresse) (schematisk)" in legend
    assert "Målkonflikter" in legend and "schematisk" in legend
    assert "Inom 60 min med bil från centralorten (schematisk)" in legend
    assert "Inom 60 min med kollektivtrafik från centralorten (schematisk)" not in legend
    assert "Obs: schematisk demodata" in text  # popup note
    # Swedish popups: legal basis, area, conflicts
    assert "MB 3 kap 5 §" in text and "km²" in text and "Målkonflikter" in text
    # the single-theme face is not drawn as a conflict
    assert "Målkonflikt, poäng 0" not in text
    assert path.stat().st_size < 10e6


def test_kommun_popup_has_conflict_table_and_shares(full_map):
    text = unescape_json(render_map(full_map))
    assert "Andel av befolkningen (tätorter) som når centralort" in text
    assert "Bil, inom 60 min till centralort" in text
    assert re.search(r"\d+\u00a0%\s*\(schematisk\)", text)
    assert "Temapar" in text


def test_map_without_optional_inputs(tmp_path):
    folder = write_synthetic_outputs(tmp_path, include=("layers",))
    m = strukturbild_map(**inputs_from_dir(folder))
    spec = load_map_spec()
    skipped = {o.id for o in spec.overlays if o.input in ("conflicts", "car", "transit")}
    assert m.landuse_overlays == [i for i in spec.overlay_ids if i not in skipped]
    assert any("malkonflikter" in x for x in m.landuse_missing)
    assert any("access_car" in x for x in m.landuse_missing)
    # each missing input is named once (the roads overlay needs the car input too)
    assert sum("access_car.gpkg" in x for x in m.landuse_missing) == 1
    assert len(set(m.landuse_missing)) == len(m.landuse_missing)
    text = unescape_json(render_map(m))
    assert "Saknas i denna karta" in text
    assert "ej beräknade (malkonflikter saknas)" in text


def test_map_from_embedded_data_without_gtfs():
    m = strukturbild_map(gtfs=False)
    assert "strak" not in m.landuse_overlays
    assert "kommuner" in m.landuse_overlays and "noder_centralorter" in m.landuse_overlays


def test_missing_input_file_is_an_error(tmp_path):
    with pytest.raises(InputFileNotFoundError, match="does not exist"):
        strukturbild_map(conflicts=tmp_path / "nope.gpkg")


def test_tiles_option_adds_a_base_layer(tmp_path):
    m = strukturbild_map(gtfs=False, tiles="OpenStreetMap")
    text = render_map(m)
    assert "tile.openstreetmap.org" in text
    assert "Bakgrundskarta: OpenStreetMap" in text


def test_demo_step_and_cli(map_outputs, tmp_path):
    from landuse.demo import map_step

    lines = map_step(map_outputs)
    assert (map_outputs / "strukturbild.html").is_file()
    assert "overlays" in lines[0]
    runner = CliRunner()
    out = tmp_path / "karta.html"
    result = runner.invoke(cli, ["map", "--from", str(map_outputs), "--out", str(out), "--no-gtfs"])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "wrote" in result.output
    result = runner.invoke(cli, ["map", "--from", str(map_outputs), "--out", str(tmp_path / "dir"), "--no-conflicts",
                                 "--no-gtfs"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dir" / "strukturbild.html").is_file()
    assert "missing" not in result.output  # the conflicts and the GTFS feed were left out on purpose
    result = runner.invoke(cli, ["map", "--conflicts", str(tmp_path / "nope.gpkg"), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_demo_inputs_names():
    assert DEMO_INPUTS["conflicts"] == "malkonflikter.gpkg"
    assert DEMO_INPUTS["car_table"] == "access_car.csv"


def test_doctests_of_maps():
    import doctest

    import landuse.maps

    result = doctest.testmod(landuse.maps, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3 and result.failed == 0


def test_input_without_contract_columns_is_an_error(map_outputs):
    from landuse.errors import ColumnNotFoundError

    faces = gpd.read_file(map_outputs / "malkonflikter.gpkg", layer="faces").drop(columns=["score"])
    with pytest.raises(ColumnNotFoundError, match="no column score"):
        strukturbild_map(conflicts=faces, gtfs=False)
    table = pd.read_csv(map_outputs / "access_car.csv").drop(columns=["share_within"])
    with pytest.raises(ColumnNotFoundError, match="share_within"):
        strukturbild_map(car_table=table, gtfs=False)


@pytest.mark.parametrize("tiles", ["NopeTiles", "https://tiles.example.org/{z}/{x}/{y}.png"])
def test_unknown_tiles_are_one_line_errors(tmp_path, tiles):
    with pytest.raises(InvalidSettingError, match="OpenTopoMap.*needs an\\s+attribution"):
        strukturbild_map(gtfs=False, tiles=tiles)
    result = CliRunner().invoke(cli, ["map", "--tiles", tiles, "--out", str(tmp_path / "m.html")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: --tiles {tiles!r} is not a basemap name"), result.output
    assert "OpenStreetMap" in lines[0] and "'Esri WorldImagery'" in lines[0]
    assert not (tmp_path / "m.html").exists()


@pytest.mark.parametrize("tiles, url", [("OpenTopoMap", "tile.opentopomap.org"),
                                       ("esri worldimagery", "server.arcgisonline.com"),
                                       ("openstreetmap", "tile.openstreetmap.org")])
def test_named_tiles_are_accepted(tiles, url):
    assert url in render_map(strukturbild_map(gtfs=False, tiles=tiles))


def test_layers_file_without_catalogue_layers_is_an_error(tmp_path):
    path = tmp_path / "annat.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.box(800_000, 7_300_000, 810_000, 7_310_000)],
                     crs="EPSG:3006").to_file(path, layer="mina_omraden", engine="pyogrio")
    with pytest.raises(LayerNotFoundError, match=r"`annat\.gpkg` holds none of the catalogue layers "
                                                 r"\(found: mina_omraden; expected one or more of: .*kommuner"):
        strukturbild_map(layers=path, gtfs=False)
    result = CliRunner().invoke(cli, ["map", "--layers", str(path), "--no-gtfs", "--out", str(tmp_path / "m.html")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: The layers file `annat.gpkg` holds none") and result.output.count("\n") == 1


# --------------------------------------------------------------------------- main roads (issue 12)


def overlay_features(m, overlay_id: str) -> list[dict]:
    """The GeoJSON features drawn in the overlay ``overlay_id`` of a folium map."""
    import folium

    groups = [child for child in m._children.values() if isinstance(child, folium.FeatureGroup)
              and f'data-overlay="{overlay_id}"' in child.layer_name]
    assert len(groups) == 1, overlay_id
    return [feature for child in groups[0]._children.values() if isinstance(child, folium.GeoJson)
            for feature in child.data["features"]]


def legend_text(m) -> str:
    text = unescape_json(render_map(m))
    return re.search(r'<div class="lu-legend".*?Källor[^<]*', text, re.S).group(0)


@pytest.fixture(scope="module")
def real_car_outputs(tmp_path_factory) -> Path:
    return write_synthetic_outputs(tmp_path_factory.mktemp("map_real_car"), car_schematic=False)


def test_main_roads_drawn_from_the_network_layer(real_car_outputs):
    m = strukturbild_map(**inputs_from_dir(real_car_outputs), gtfs=False)
    assert "vagar_bil" in m.landuse_overlays
    network = gpd.read_file(real_car_outputs / "access_car.gpkg", layer="network", engine="pyogrio")
    features = overlay_features(m, "vagar_bil")
    assert len(features) == len(network) > 0
    tips = [f["properties"]["tip"] for f in features]
    assert "E4: motorväg, 110 km/h" in tips and "Väg 97: motortrafikled, 100 km/h" in tips
    assert any(t.startswith("Landsväg, 80 km/h") for t in tips)  # unnumbered
    assert not any("schematisk" in t for t in tips)
    legend = legend_text(m)
    assert "Huvudvägar (Lantmäteriet)<br>" in legend and "Huvudvägar (Lantmäteriet) (schematisk)" not in legend
    assert "Motorväg" in legend and "Lantmäteriet Topografi 250, huvudvägnät" in legend
    # the car figures are not called schematic when the engine wrote a real network
    assert "Inom 60 min med bil från centralorten" in legend
    assert "Inom 60 min med bil från centralorten (schematisk)" not in legend
    assert "Tätorter efter restid till centralort med bil (schematisk)" not in legend
    text = unescape_json(render_map(m))
    assert "Vägnät</th><td>Lantmäteriet Topografi 250" in text  # isochrone popups name the network
    assert not re.search(r"Bil, inom 60 min till centralort</th><td>[^<]*schematisk", text)


def test_stand_in_network_is_named_and_marked(map_outputs):
    m = strukturbild_map(**inputs_from_dir(map_outputs), gtfs=False)
    features = overlay_features(m, "vagar_bil")
    network = gpd.read_file(map_outputs / "access_car.gpkg", layer="network", engine="pyogrio")
    assert len(features) == len(network)
    assert all(f["properties"]["tip"].endswith("(schematisk)") for f in features)
    legend = legend_text(m)
    assert "Bilens vägnät: GTFS stand-in" in legend and "Huvudvägar (Lantmäteriet)" not in legend
    assert "not a road network) (schematisk)" in legend


def test_car_flag_read_from_the_network_source_without_a_schematic_column(real_car_outputs, map_outputs):
    frames = {k: gpd.read_file(real_car_outputs / "access_car.gpkg", layer=k, engine="pyogrio")
              for k in ("origins", "isochrones", "network")}
    frames["isochrones"] = frames["isochrones"].drop(columns="schematic")
    legend = legend_text(strukturbild_map(car=frames, gtfs=False))
    assert "Inom 60 min med bil från centralorten (schematisk)" not in legend
    frames["network"] = frames["network"].assign(source=STAND_IN_SOURCE)
    legend = legend_text(strukturbild_map(car=frames, gtfs=False))
    assert "Inom 60 min med bil från centralorten (schematisk)" in legend


def test_tatort_popups_show_the_engines_share_within(real_car_outputs):
    m = strukturbild_map(**inputs_from_dir(real_car_outputs), gtfs=False)
    origins = gpd.read_file(real_car_outputs / "access_car.gpkg", layer="origins", engine="pyogrio")
    popups = {f["properties"]["tip"].split(":")[0]: f["properties"]["popup"]
              for f in overlay_features(m, "noder_tatorter")}
    for row in origins.head(20).itertuples():
        popup = popups[row.name]
        share = f"{100 * row.share_within:,.0f}\u00a0%"
        assert f"Andel inom 60 min, bil</th><td>{share}</td>" in popup, popup
        assert "Andel inom 60 min, kollektivtrafik" in popup


def test_kommun_popup_shows_bounds_over_everybody(real_car_outputs):
    from landuse.access.indicator import share_bounds

    m = strukturbild_map(**inputs_from_dir(real_car_outputs), gtfs=False)
    table = share_bounds(pd.read_csv(real_car_outputs / "access_car.csv", dtype={"kommun_code": str}))
    row = table[(table["kommun_code"] == "2580") & (table["minutes"] == 60)].iloc[0]
    popup = next(f["properties"]["popup"] for f in overlay_features(m, "kommuner")
                 if "(2580)" in f["properties"]["popup"])
    lower, upper = (f"{100 * row[c]:,.0f}\u00a0%" for c in ("share_lower", "share_upper"))
    assert f"Bil, alla invånare (SCB 2020)</th><td>{lower}–{upper}</td>" in popup, popup


def test_military_areas_are_real_in_a_partly_schematic_theme():
    m = strukturbild_map(gtfs=False)
    legend = legend_text(m)
    assert "skjutfält (delvis schematisk)" in legend
    assert "Militära övnings- och skjutfält (Lantmäteriet): verkliga data" in legend
    assert "verkliga data; Riksintresse totalförsvaret (schematisk)</small>" in legend
    assert "© Lantmäteriet" in legend.split("Källor", 1)[1]
    tips = [f["properties"]["tip"] for f in overlay_features(m, "omrade_totalforsvar")]
    assert any("Militärt skjutfält" in t and "schematisk" not in t for t in tips)


def test_main_roads_of_the_car_engine_on_the_map(tmp_path):
    """The real engine's network layer (Lantmäteriet, ~14 000 edges): every edge drawn, nothing marked schematic."""
    from landuse.access.car import accessibility, write_outputs
    from landuse.settings import Settings

    write_outputs(accessibility(settings=Settings(progress=False)), tmp_path)
    m = strukturbild_map(car=tmp_path / "access_car.gpkg", gtfs=False)
    rows = int(__import__("pyogrio").read_info(tmp_path / "access_car.gpkg", layer="network")["features"])
    assert len(overlay_features(m, "vagar_bil")) == rows > 10_000
    legend = legend_text(m)
    assert "Huvudvägar (Lantmäteriet)<br>" in legend
    assert "Inom 60 min med bil från centralorten (schematisk)" not in legend


def test_partly_reached_tatort_says_how_many_reach(tmp_path):
    """A tätort whose median point is not reached but part of it is: the tooltip gives the share, not "når ej"."""
    folder = write_synthetic_outputs(tmp_path / "partly", include=("layers", "transit"))
    path = folder / "access_transit.gpkg"
    origins = gpd.read_file(path, layer="origins", engine="pyogrio")
    origins.loc[0, ["travel_time_min", "share_within"]] = [np.nan, 0.36]
    origins.loc[1, ["travel_time_min", "share_within"]] = [np.nan, 0.0]
    layers = {name: gpd.read_file(path, layer=name, engine="pyogrio") for name in ("origin_points", "isochrones")}
    write_gpkg({"origins": origins, **layers}, path)
    m = strukturbild_map(**inputs_from_dir(folder), gtfs=False)
    tips = [f["properties"]["tip"] for f in overlay_features(m, "restid_kollektiv")]
    assert sum("36\xa0% når inom 60 min med kollektivtrafik" in tip for tip in tips) == 1, tips[:3]
    assert sum(tip.endswith(": når ej med kollektivtrafik") for tip in tips) >= 1
