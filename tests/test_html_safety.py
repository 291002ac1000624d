"""Nothing from an input file runs as code (issue 10, item 9).

Every name a user's file can carry (feature names and ids, kommun, tätort, centralort
and stop names, theme strings, map-spec texts, the folder name) is planted with an
HTML/JS payload; the strukturbild and ``rapport.html`` must show it as text and never
run it.  The browser tests open every tooltip and popup in headless Chromium.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from landuse._io import write_gpkg
from landuse.errors import ConfigError
from landuse.maps import inputs_from_dir, load_map_spec, strukturbild_map, write_map
from landuse.report import write_report
from landuse.settings import DATA_DIR

#: Each payload bumps ``window.__pwned`` if the browser runs it as markup or script.
PAYLOADS = (
    '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">',
    "<script>window.__pwned=1</script>",
    '"><svg onload="window.__pwned=1">',
    "'); window.__pwned=1; //",
    "[klick](javascript:window.__pwned=1) *a* `b` &amp; | c",
)
#: The folder name of the report test: a file name is an input too (no "/" allowed).
HOSTILE_FOLDER = 'ut <img src=x onerror="window.__pwned=7"> `x`'
GTFS = DATA_DIR / "gtfs" / "ltnbd_gtfs_2022-12-14.zip"


def hostile(tag: str, i: int) -> str:
    """A payload tagged with where it was planted, so a test can look for that source's text."""
    return f"{tag}{i}{PAYLOADS[i % len(PAYLOADS)]}"


def _poison(frame: pd.DataFrame, tag: str, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = frame.copy()
    for column in columns:
        if column in frame.columns:
            frame[column] = [hostile(f"{tag}.{column}#", i) for i in range(len(frame))]
    return frame


def _poison_gpkg(path: Path, columns: dict[str, tuple[str, ...]]) -> None:
    """Rewrite the layers of ``path`` with hostile text in ``columns[layer]`` (``"*"``: every layer)."""
    frames = {}
    for layer in pyogrio.list_layers(path)[:, 0]:
        frame = pyogrio.read_dataframe(path, layer=layer)
        frames[layer] = _poison(frame, layer, columns.get(layer, columns.get("*", ())))
    path.unlink()
    write_gpkg(frames, path)


def _rewrite_gpkg(path: Path, layer: str, change) -> None:
    """Rewrite ``layer`` of ``path`` as ``change(frame)``, keeping the other layers."""
    frames = {name: pyogrio.read_dataframe(path, layer=name) for name in pyogrio.list_layers(path)[:, 0]}
    frames[layer] = change(frames[layer])
    path.unlink()
    write_gpkg(frames, path)


def _poison_gtfs(target: Path) -> Path:
    """The embedded GTFS feed with every stop name replaced by a payload."""
    with zipfile.ZipFile(GTFS) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "stops.txt":
                with source.open(info) as handle:
                    stops = pd.read_csv(handle, dtype=str, keep_default_na=False)
                data = _poison(stops, "stop", ("stop_name",)).to_csv(index=False).encode("utf-8")
            out.writestr(info.filename, data)
    return target


def write_hostile_outputs(folder: Path) -> Path:
    """Synthetic landuse outputs (as in test_maps) whose every displayed text is a payload."""
    from test_maps import write_synthetic_outputs

    write_synthetic_outputs(folder)
    tatort_ids = pyogrio.read_dataframe(folder / "layers.gpkg", layer="tatorter", read_geometry=False)["feature_id"]
    _poison_gpkg(folder / "layers.gpkg", {"*": ("name", "feature_id"), "tatorter": ("name", "kommun", "feature_id"),
                                          "centralorter": ("name", "kommun"), "kommuner": ("name",)})
    # the origins keep pointing at their tätort, whose id is now a payload too
    new_ids = {old: hostile("tatorter.feature_id#", i) for i, old in enumerate(tatort_ids)}
    _poison_gpkg(folder / "malkonflikter.gpkg", {"faces": ("kommun",), "pairs_per_kommun": ("kommun",)})
    faces = gpd.read_file(folder / "malkonflikter.gpkg", layer="faces", engine="pyogrio")
    pairs = pyogrio.read_dataframe(folder / "malkonflikter.gpkg", layer="pairs_per_kommun")
    # an unknown theme string is shown as it is: plant one in the faces and the pair tables
    faces["themes"] = faces["themes"].str.replace("rennaring", "tema" + PAYLOADS[0], regex=False)
    pairs["theme_b"] = pairs["theme_b"].where(pairs.index != 0, "tema" + PAYLOADS[1])
    (folder / "malkonflikter.gpkg").unlink()
    write_gpkg({"faces": faces, "pairs_per_kommun": pairs}, folder / "malkonflikter.gpkg")
    pd.DataFrame(pairs.drop(columns="geometry", errors="ignore")).to_csv(folder / "malkonflikter_per_kommun.csv",
                                                                        index=False)
    for mode in ("car", "transit"):
        _poison_gpkg(folder / f"access_{mode}.gpkg", {"isochrones": ("centralort",), "origins": ("target",),
                                                      "network": ("road", "klass", "source")})
        _rewrite_gpkg(folder / f"access_{mode}.gpkg", "origins",
                      lambda origins: origins.assign(origin_id=origins["origin_id"].map(new_ids)))
        table = pd.read_csv(folder / f"access_{mode}.csv", dtype={"kommun_code": str})
        names = {code: hostile("kommun#", i) for i, code in enumerate(sorted(set(table["kommun_code"])))}
        table.assign(kommun=table["kommun_code"].map(names)).to_csv(folder / f"access_{mode}.csv", index=False)
    _poison_gtfs(folder / "gtfs_hostile.zip")
    return folder


#: Texts of the map spec (a file, so an input): payload appended; the first overlay's id too.
_SPEC_TEXTS = re.compile(r'^(title|subtitle|schematic_note|label|group) = "(.*)"$', re.M)
TITLE_PAYLOAD = '</title><img src=x onerror="window.__pwned=1">'


def hostile_spec(folder: Path) -> Path:
    """The strukturbild spec with payloads in its texts and in one overlay id."""
    spec = load_map_spec()
    text = spec.path.read_text(encoding="utf-8")

    def plant(m: re.Match[str]) -> str:
        payload = TITLE_PAYLOAD if m[1] == "title" else PAYLOADS[0]
        return f"{m[1]} = {json.dumps(m[2] + ' ' + payload)}"  # a JSON string is a valid TOML string

    text = _SPEC_TEXTS.sub(plant, text)
    text = text.replace('id = "kommuner"', f"id = {json.dumps('kommuner' + PAYLOADS[2])}", 1)
    path = folder / "hostile_spec.toml"
    path.write_text(text, encoding="utf-8")
    assert len(load_map_spec(path).overlays) == len(spec.overlays)
    return path


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory) -> Path:
    return write_hostile_outputs(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def hostile_map(hostile_folder) -> Path:
    m = strukturbild_map(**inputs_from_dir(hostile_folder), gtfs=hostile_folder / "gtfs_hostile.zip",
                         spec=hostile_spec(hostile_folder))
    return write_map(m, hostile_folder / "strukturbild.html")


@pytest.fixture(scope="module")
def hostile_report(hostile_folder, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report") / HOSTILE_FOLDER
    shutil.copytree(hostile_folder, folder)
    (folder / "strukturbild.html").unlink(missing_ok=True)
    # a real car network of the user's own: the report names it by its (hostile) source label
    _rewrite_gpkg(folder / "access_car.gpkg", "isochrones", lambda iso: iso.assign(schematic=False))
    write_report(folder)
    return folder / "rapport.html"


# --------------------------------------------------------------------------- without a browser


def test_map_html_holds_no_payload_as_markup(hostile_map):
    from test_maps import unescape_json

    text = unescape_json(hostile_map.read_text(encoding="utf-8"))
    for payload in ("<img src=x", "<script>window", "<svg onload"):
        assert payload not in text


def test_report_holds_no_payload_as_markup(hostile_report):
    text = hostile_report.read_text(encoding="utf-8")
    for payload in ("<img src=x", "<script>window", "<svg onload", 'href="javascript'):
        assert payload not in text
    assert "&lt;img src=x" in text


@pytest.mark.parametrize("key, value", [("colour", '#3d3d3d"><svg onload="window.__pwned=1">'),
                                        ("colour", "red</script><script>window.__pwned=1//"),
                                        ("fill_opacity", '"0.1</script>"')])
def test_spec_values_pasted_into_script_are_checked(tmp_path, key, value):
    """folium writes styles into <script> with plain json.dumps: the spec must hold only colours and numbers."""
    text = load_map_spec().path.read_text(encoding="utf-8")
    old = {"colour": 'colour = "#3d3d3d"', "fill_opacity": "fill_opacity = 0.03"}[key]
    path = tmp_path / "spec.toml"
    path.write_text(text.replace(old, f"{key} = {json.dumps(value) if key == 'colour' else value}", 1),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=f"overlay 1 \\(kommuner\\): .*{key if key != 'colour' else 'CSS colour'}"):
        load_map_spec(path)


# --------------------------------------------------------------------------- in Chromium

_OPEN_EVERYTHING = """async () => {
    // show every overlay, then open each feature's tooltip and popup as a user would
    for (const box of document.querySelectorAll('.leaflet-control-layers-overlays input')) {
        if (!box.checked) box.click();
    }
    const map = Object.keys(window).filter(k => k.startsWith('map_') && window[k] instanceof L.Map)
                                   .map(k => window[k])[0];
    const seen = new Set();
    const read = sel => document.querySelectorAll(sel).forEach(e => seen.add(e.textContent));
    const leaves = [];
    map.eachLayer(layer => { if (layer.feature) leaves.push(layer); });
    for (const layer of leaves) {
        const at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
        layer.fire('mouseover', {latlng: at}, true);
        read('.leaflet-tooltip');
        layer.fire('mouseout', {latlng: at}, true);
        layer.fire('click', {latlng: at}, true);
        read('.leaflet-popup-content');
        map.closePopup();
    }
    read('.leaflet-control-layers, .lu-legend, title');
    await new Promise(r => setTimeout(r, 500));  // img onerror fires after the failed load
    return {features: leaves.length, texts: Array.from(seen), pwned: window.__pwned};
}"""

#: Sources whose planted text the map must show (tag before the running number).
_MAP_SOURCES = ("kommuner.name#", "naturvard.name#", "rennaring_karnomraden.name#", "tatorter.name#",
                "tatorter.kommun#", "tatorter.feature_id#", "centralorter.name#", "centralorter.kommun#",
                "faces.kommun#", "isochrones.centralort#", "origins.target#", "stop.stop_name#",
                "network.road#", "network.klass#", "network.source#")


def browser_test(func):
    """Mark ``func`` as the map tests of test_browser are marked (``browser``, skipped without Chromium)."""
    import test_browser

    for mark in test_browser.pytestmark:
        func = mark(func)
    return func


def _page(browser, path: Path):
    """A page with ``path`` loaded, every non-file request blocked, and the page's JS errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page.goto(path.as_uri(), wait_until="load")
    return context, page, errors


@browser_test
def test_hostile_names_in_map_are_shown_not_run(browser, hostile_map):
    context, page, errors = _page(browser, hostile_map)
    page.wait_for_function("document.querySelectorAll('.leaflet-control-layers-overlays label').length > 0",
                           timeout=15_000)
    info = page.evaluate(_OPEN_EVERYTHING)
    context.close()
    assert info["pwned"] is None, f"a planted name ran as code ({info['pwned']})"
    assert errors == [], f"page errors: {errors[:3]}"
    assert info["features"] > 1000
    text = "\n".join(info["texts"])
    for payload in PAYLOADS:
        assert payload in text, f"payload not shown as text: {payload}"
    for source in _MAP_SOURCES:
        assert any(hostile(source, i) in text for i in range(100)), f"no {source} name shown as text"
    assert "tema" + PAYLOADS[0] in text  # the unknown theme string, in a conflict tooltip
    assert TITLE_PAYLOAD in text  # the spec's title, in <title> and the legend


@browser_test
def test_hostile_names_in_report_are_shown_not_run(browser, hostile_report):
    context, page, errors = _page(browser, hostile_report)
    page.wait_for_timeout(500)
    pwned = page.evaluate("() => window.__pwned")
    text = page.evaluate("() => document.body.innerText")
    links = page.evaluate("() => Array.from(document.links).map(a => a.getAttribute('href'))")
    context.close()
    assert pwned is None, f"a planted name ran as code ({pwned})"
    assert errors == []
    assert not any(str(href).startswith("javascript") for href in links), links
    for payload in PAYLOADS:
        assert payload in text, f"payload not shown as text: {payload}"
    assert hostile("pairs_per_kommun.kommun#", 0) in text and hostile("kommun#", 0) in text
    assert "tema" + PAYLOADS[1] in text and HOSTILE_FOLDER in text
    assert hostile("network.source#", 0) in text  # the car network's source label


