"""The strukturbild HTML in a real headless Chromium with the network cut.

Debian's ``chromium`` is driven by Playwright through its executable path (Playwright
never downloads a browser here).  Every request that is not ``file:`` or ``data:`` is
blocked and recorded; the tests assert that none was attempted, that the console has
no errors, that a Leaflet map exists with one layer-control entry per spec overlay,
and that a screenshot (kept in ``tests/artifacts/``) is not blank.
"""

from __future__ import annotations

import importlib.util
import io
import os
import time
from pathlib import Path

import numpy as np
import pytest

from landuse.maps import inputs_from_dir, load_map_spec, strukturbild_map, write_map

from conftest import CHROMIUM  # noqa: E402 - the shared browser fixture lives there too
ARTIFACTS = Path(__file__).parent / "artifacts"

# CI installs chromium (`make chromium`); there a missing browser is a failure, not a skip
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not IN_CI,
                       reason="Debian chromium is not installed at /usr/bin/chromium: run `make chromium` "
                              "(apt-get install chromium chromium-driver)"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None,
                       reason="the playwright Python package is not installed: pip install -e '.[test]'"),
]


def open_offline(browser, path: Path, screenshot: str) -> dict:
    """Open ``path`` with every non-file request blocked; return what the page showed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    attempted: list[str] = []
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(("file:", "data:")):
            request_route.continue_()
        else:
            attempted.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda req: None if req.url.startswith(("file:", "data:")) else attempted.append(req.url))
    start = time.perf_counter()
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("document.querySelectorAll('.leaflet-control-layers-overlays label').length > 0",
                           timeout=15_000)
    load_s = time.perf_counter() - start
    info = page.evaluate(
        """() => ({
            leaflet: typeof L !== 'undefined' ? L.version : null,
            maps: document.querySelectorAll('.leaflet-container').length,
            overlays: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
                           .map(l => l.textContent.trim()),
            ids: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays .lu-overlay'))
                      .map(s => s.dataset.overlay),
            base: document.querySelectorAll('.leaflet-control-layers-base label').length,
            shapes: document.querySelectorAll('.leaflet-overlay-pane path').length,
            legend: (document.getElementById('lu-legend') || {}).innerText || '',
        })"""
    )
    ARTIFACTS.mkdir(exist_ok=True)
    png = page.screenshot(path=str(ARTIFACTS / screenshot))
    # click the first kommun polygon: its popup holds the conflict table and the 60-minute shares
    info["kommun_popup"] = page.evaluate(
        """() => {
            for (const key of Object.keys(window)) {
                if (!key.startsWith('geo_json_') || !window[key] || !window[key].getLayers) continue;
                const layers = window[key].getLayers();
                const first = layers[0];
                if (!first || !first.feature || !String(first.feature.properties.popup || '').includes(' kommun (')) continue;
                first.fire('click', {latlng: first.getBounds().getCenter()}, true);
                const popup = document.querySelector('.leaflet-popup-content');
                return popup ? popup.innerText : '';
            }
            return null;
        }"""
    )
    page.screenshot(path=str(ARTIFACTS / screenshot.replace(".png", "_popup.png")))
    context.close()
    info.update(attempted=attempted, errors=errors, load_s=load_s, png=png)
    return info


def assert_not_blank(png: bytes) -> None:
    import matplotlib.image as mpimg

    image = mpimg.imread(io.BytesIO(png), format="png")[..., :3]
    colours = np.unique((image.reshape(-1, 3) * 255).astype(np.uint8), axis=0)
    assert len(colours) > 50, f"screenshot looks blank ({len(colours)} colours)"
    assert image.std() > 0.02


@pytest.fixture(scope="module")
def synthetic_map(tmp_path_factory) -> Path:
    from test_maps import write_synthetic_outputs

    folder = write_synthetic_outputs(tmp_path_factory.mktemp("browser_full"))
    return write_map(strukturbild_map(**inputs_from_dir(folder)), folder / "strukturbild.html")


def test_full_map_offline_in_chromium(browser, synthetic_map):
    spec = load_map_spec()
    info = open_offline(browser, synthetic_map, "strukturbild_synthetic.png")
    assert info["attempted"] == [], f"network requests attempted: {info['attempted'][:5]}"
    assert info["errors"] == [], f"console errors: {info['errors'][:5]}"
    assert info["leaflet"] == "1.9.3" and info["maps"] == 1
    assert len(info["overlays"]) == len(spec.overlays)
    assert info["ids"] == spec.overlay_ids
    assert info["base"] == 0  # no basemap by default
    assert info["shapes"] > 100
    assert "schematisk" in info["legend"]
    print(f"synthetic map opened in {info['load_s']:.2f} s")
    assert_not_blank(info["png"])
    popup = info["kommun_popup"]
    assert popup and "Målkonflikter (schematisk)" in popup and "Temapar" in popup
    assert "Bil, inom 60 min till centralort" in popup and "(schematisk)" in popup
    assert "Kollektivtrafik, inom 60 min till centralort" in popup


def test_partial_map_counts_only_present_inputs(browser, tmp_path):
    from test_maps import write_synthetic_outputs

    folder = write_synthetic_outputs(tmp_path, include=("layers", "transit"))
    m = strukturbild_map(**inputs_from_dir(folder), gtfs=False)
    path = write_map(m, folder / "strukturbild.html")
    info = open_offline(browser, path, "strukturbild_partial.png")
    assert info["attempted"] == [] and info["errors"] == []
    assert info["ids"] == m.landuse_overlays
    assert "car" not in " ".join(info["ids"]) and "isokron_kollektiv_60" in info["ids"]
    assert "Saknas i denna karta" in info["legend"]


_ENGINES = ("landuse.conflicts", "landuse.access.car", "landuse.access.transit")


@pytest.mark.slow
@pytest.mark.skipif(any(importlib.util.find_spec(m) is None for m in _ENGINES),
                    reason="the målkonflikt and accessibility engines are not all present yet")
def test_demo_map_offline_and_size(browser, tmp_path_factory):
    """The full `landuse demo` output: every spec overlay, ≤ 10 MB, opens offline (the time is printed)."""
    from landuse.demo import run_demo
    from landuse.settings import Settings

    out = tmp_path_factory.mktemp("demo")
    run_demo(out, settings=Settings(progress=False), echo=lambda line: None)
    path = out / "strukturbild.html"
    assert path.is_file()
    size_mb = path.stat().st_size / 1e6
    assert size_mb <= 10.0
    info = open_offline(browser, path, "strukturbild_demo.png")
    assert info["attempted"] == [] and info["errors"] == []
    assert len(info["overlays"]) == len(load_map_spec().overlays)
    assert_not_blank(info["png"])
    print(f"demo map: {size_mb:.1f} MB, opened in {info['load_s']:.2f} s")
