"""``landuse op-check --report``: the consequence table per planned area, its maps, and ``--themes``.

The plan is shaped like a Boverket ÖP-modell 2.1 GeoPackage (layer
``mark_och_vattenanvandning``, column ``anvandning``) with areas placed on the embedded
interest layers in Kiruna and Luleå kommun, plus one area that overlaps nothing.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from landuse.cli import cli
from landuse.conflicts import load_interest_layers
from landuse.opcheck import OP_COLUMNS
from landuse.settings import Settings

from conftest import CHROMIUM  # noqa: E402 - the shared browser fixture lives there too

HOSTILE = '<img src=x onerror="window.__pwned=1">'
USES = ["Verksamheter och industri", "Sammanhängande bostadsbebyggelse", "Natur och friluftsliv",
        "Sammanhängande bostadsbebyggelse"]
#: A 2 km square in Luleå kommun that no embedded interest layer touches (asserted in the fixture).
FREE = shapely.box(809_000, 7_299_000, 811_000, 7_301_000)


@pytest.fixture(scope="module")
def interests() -> gpd.GeoDataFrame:
    return load_interest_layers(settings=Settings(progress=False))


def _site(interests: gpd.GeoDataFrame, feature_id: str) -> shapely.Point:
    return interests.loc[interests["feature_id"] == feature_id].geometry.iloc[0].representative_point()


@pytest.fixture(scope="module")
def plan_areas(interests) -> list[shapely.Geometry]:
    """Industry on Kiirunavaara, housing on the Kiruna skjutfält (real layer), nature on Persöfjärden, one free."""
    mine, field, wind = (_site(interests, f) for f in ("MI001", "MO10", "EV004"))
    areas = [mine.buffer(1500), shapely.box(field.x - 2000, field.y - 1500, field.x + 2000, field.y + 1500),
             shapely.box(wind.x - 2000, wind.y - 2000, wind.x + 2000, wind.y + 2000), FREE]
    assert not interests.intersects(FREE).any()
    return areas


def _write_plan(path: Path, areas: list[shapely.Geometry], **columns: list[str]) -> Path:
    gpd.GeoDataFrame(columns, geometry=areas, crs="EPSG:3006").to_file(
        path, layer="mark_och_vattenanvandning", engine="pyogrio")
    return path


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["-q", "op-check", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, plan_areas) -> Path:
    folder = tmp_path_factory.mktemp("op_report")
    plan = _write_plan(folder / "op_plan.gpkg", plan_areas, anvandning=USES)
    _run(str(plan), "--layer", "mark_och_vattenanvandning", "--use-column", "anvandning", "--report",
         "--out", str(folder / "out"))
    return folder / "out"


def _sections(markdown: str) -> dict[str, list[list[str]]]:
    """Plan id -> the rows (cells) of its table in section 2 of the report."""
    out: dict[str, list[list[str]]] = {}
    current = None
    for line in markdown.splitlines():
        heading = re.match(r"### 2\.\d+ Område (.+?): ", line)
        if heading:
            current = out.setdefault(heading.group(1), [])
        elif line.startswith("## 3"):
            current = None
        elif current is not None and line.startswith("| ") and not line.startswith("| Tema"):
            current.append([c.strip() for c in line.strip("|").split(" | ")])
    return out


def _m2(cell: str) -> int:
    """The overlap in m² of a table cell such as "7 057 234 (schematisk)"."""
    return int(re.sub(r"\D", "", cell.split("(")[0]))


def test_report_files_and_overlaps_match_the_csv(report_dir, plan_areas, interests):
    names = {p.name for p in report_dir.iterdir()}
    assert {"op_check.csv", "op_check.gpkg", "op_check.md", "op_check.html"} <= names
    table = pd.read_csv(report_dir / "op_check.csv", dtype={"plan_id": str})
    assert list(table.columns) == OP_COLUMNS
    assert set(table["plan_id"]) == {"1", "2", "3"}  # area 4 overlaps nothing
    sections = _sections((report_dir / "op_check.md").read_text(encoding="utf-8"))
    assert set(sections) == {"1", "2", "3"}
    for row in table.itertuples():
        cells = [c for c in sections[row.plan_id] if c[1].endswith(f", {row.feature_id}")
                 or f", {row.feature_id} (" in c[1]]
        assert len(cells) == 1, (row.plan_id, row.feature_id)
        assert _m2(cells[0][4]) == round(row.overlap_m2)
        assert cells[0][6].startswith(f"{row.weight}\u00a0– ")
        assert cells[0][7]  # the matrix's rationale
    # independent check: Kiirunavaara under planned area 1, intersected by hand
    mine = interests.loc[interests["feature_id"] == "MI001"].geometry.iloc[0]
    by_hand = shapely.intersection(plan_areas[0], mine).area
    assert by_hand > 1e6
    assert table.set_index(["plan_id", "feature_id"]).loc[("1", "MI001"), "overlap_m2"] == pytest.approx(by_hand, rel=1e-9)
    row = next(c for c in sections["1"] if "MI001" in c[1])
    assert [c.replace("\u00a0", " ") for c in row[:4]] == ["Värdefulla ämnen och material", "Kiirunavaara (schematisk), MI001", "MB 3 kap 7 §", "SGU"]
    assert _m2(row[4]) == round(by_hand)
    html = (report_dir / "op_check.html").read_text(encoding="utf-8")
    assert "Gruvdrift och bostäder kräver skyddsavstånd" in html and "Sametinget" in html


def test_every_overlapping_area_has_its_map(report_dir):
    markdown = (report_dir / "op_check.md").read_text(encoding="utf-8")
    html = (report_dir / "op_check.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in report_dir.glob("op_check_*.png")) == [
        "op_check_1.png", "op_check_2.png", "op_check_3.png"]
    for name in ("op_check_1.png", "op_check_2.png", "op_check_3.png"):
        data = (report_dir / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        assert f"]({name})" in markdown and f'src="{name}"' in html
    free = markdown.split("## 3. Planerade områden utan överlapp")[1]
    assert "| 4 | Sammanhängande bostadsbebyggelse | 400,0 |" in free


def test_schematic_features_are_marked(report_dir):
    table = pd.read_csv(report_dir / "op_check.csv", dtype={"plan_id": str})
    assert table["schematic"].any() and not table["schematic"].all()
    sections = _sections((report_dir / "op_check.md").read_text(encoding="utf-8"))
    for row in table.itertuples():
        cells = next(c for c in sections[row.plan_id] if f", {row.feature_id}" in c[1])
        assert ("schematisk" in cells[1]) == row.schematic  # the name
        assert cells[4].endswith("(schematisk)") == row.schematic  # the overlap
    real = next(c for c in sections["2"] if "MO10" in c[1])
    assert real[1] == "Militärt skjutfält, Kiruna, MO10" and "schematisk" not in "".join(real)
    markdown = (report_dir / "op_check.md").read_text(encoding="utf-8")
    summary = markdown.split("## 1.")[1].split("## 2.")[0]
    mine = next(line for line in summary.splitlines() if line.startswith("| Verksamheter och industri | Värdefulla"))
    assert mine.count("(schematisk)") == 2  # the theme and its overlap area
    field = next(line for line in summary.splitlines()
                 if line.startswith("| Sammanhängande bostadsbebyggelse | Totalförsvaret"))
    assert field.count("(schematisk)") == 2  # the skjutfält is real, Kalixfors övningsfält schematic
    assert "![Karta: område 1 och intressena det överlappar (schematisk)](op_check_1.png)" in markdown


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory, plan_areas) -> Path:
    """A plan whose ids and use category carry an HTML payload (mapped in a copy of the matrix)."""
    folder = tmp_path_factory.mktemp("op_hostile")
    config = folder / "matris.toml"
    matrix = (Settings().analyses_dir / "malkonflikter.toml").read_text(encoding="utf-8")
    assert matrix.rstrip().splitlines()[-1].startswith('"Vatten"')  # [op_categories] is the last table
    config.write_text(matrix + f"'{HOSTILE}' = [\"bostader\"]\n", encoding="utf-8")
    plan = _write_plan(folder / "op_plan.gpkg", plan_areas[:2], id=[HOSTILE, f"B{HOSTILE}"],
                       anvandning=[HOSTILE, "Natur och friluftsliv"])
    _run(str(plan), "--use-column", "anvandning", "--id-column", "id", "--config", str(config), "--report",
         "--out", str(folder / "out"))
    return folder / "out"


def test_hostile_plan_ids_and_uses_are_text(hostile_dir):
    html = (hostile_dir / "op_check.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "onerror=\"window" not in html
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in html
    assert html.count("<img ") == 2  # the two maps, nothing else
    maps = sorted(p.name for p in hostile_dir.glob("op_check_*.png"))
    assert len(maps) == 2 and all(re.fullmatch(r"op_check_[A-Za-z0-9_-]+\.png", m) for m in maps)
    table = pd.read_csv(hostile_dir / "op_check.csv")
    assert set(table["plan_id"]) == {HOSTILE, f"B{HOSTILE}"} and HOSTILE in set(table["use"])


def test_themes_limit_the_check(tmp_path, plan_areas):
    plan = _write_plan(tmp_path / "op_plan.gpkg", plan_areas, anvandning=USES)
    out = tmp_path / "out"
    _run(str(plan), "--use-column", "anvandning", "--report", "--out", str(out))
    assert len(list(out.glob("op_check_*.png"))) == 3
    _run(str(plan), "--use-column", "anvandning", "--themes", "naturvard,Rennäring", "--report", "--out", str(out))
    table = pd.read_csv(out / "op_check.csv", dtype={"plan_id": str})
    assert set(table["theme"]) == {"rennaring"} and set(table["plan_id"]) == {"1", "2"}
    markdown = (out / "op_check.md").read_text(encoding="utf-8")
    assert "Kontrollerade teman: Rennäring, Naturvård." in markdown
    assert "Totalförsvaret" not in markdown and "Värdefulla ämnen" not in markdown
    # area 3 no longer overlaps anything checked: its map of the first run is gone
    assert sorted(p.name for p in out.glob("op_check_*.png")) == ["op_check_1.png", "op_check_2.png"]
    _run(str(plan), "--use-column", "anvandning", "--themes", "mineral", "--out", str(out))
    assert not list(out.glob("op_check_*.png")) and not (out / "op_check.md").exists()
    bad = CliRunner().invoke(cli, ["op-check", str(plan), "--use-column", "anvandning", "--themes", "naturvard,tatort,x",
                                   "--out", str(out)])
    assert bad.exit_code == 2 and "'tatort', 'x' are not interest themes" in bad.output
    stray = CliRunner().invoke(cli, ["op-check", str(plan), "--use-column", "anvandning", "--themes", "naturvard",
                                     "--interest", f"mineral={plan}", "--out", str(out)])
    assert stray.exit_code == 2 and "--interest gives a file for mineral" in stray.output


def test_examples():
    import landuse.opcheck_report as module

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() or importlib.util.find_spec("playwright") is None,
                    reason="needs Debian chromium at /usr/bin/chromium and the playwright package")
def test_report_in_a_browser_offline(browser, hostile_dir):
    context = browser.new_context(viewport={"width": 1200, "height": 1600}, service_workers="block")
    page = context.new_page()
    errors: list[str] = []
    attempted: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def route(request_route) -> None:  # noqa: ANN001 - playwright Route
        if request_route.request.url.startswith(("file:", "data:")):
            request_route.continue_()
        else:
            attempted.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    try:
        page.goto((hostile_dir / "op_check.html").as_uri(), wait_until="load")
        info = page.evaluate("""() => ({
            pwned: window.__pwned === undefined ? null : window.__pwned,
            images: Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth]),
            text: document.body.innerText,
        })""")
    finally:
        context.close()
    assert errors == [] and attempted == []
    assert info["pwned"] is None
    assert len(info["images"]) == 2 and all(done and width > 0 for _, done, width in info["images"]), info["images"]
    assert f"Område {HOSTILE}: {HOSTILE}" in info["text"]


def test_op_check_xlsx_is_the_csv(tmp_path, plan_areas) -> None:
    import openpyxl

    plan = _write_plan(tmp_path / "op_plan.gpkg", plan_areas, anvandning=USES)
    _run(str(plan), "--layer", "mark_och_vattenanvandning", "--use-column", "anvandning", "--xlsx",
         "--out", str(tmp_path / "out"))
    table = pd.read_csv(tmp_path / "out" / "op_check.csv")
    sheet = openpyxl.load_workbook(tmp_path / "out" / "op_check.xlsx").worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(table) > 0
    column = [c.value for c in sheet[1]].index("Överlapp (m²)")
    assert [r[column] for r in rows] == pytest.approx(table["overlap_m2"].tolist(), rel=1e-9)
    assert sheet.freeze_panes == "A2"
