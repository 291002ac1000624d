"""The demo report: what is schematic is said first, and beside every schematic number."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from landuse.outputs import read_outputs
from landuse.demo import report_step
from landuse.report import ACCESS_PNG, CONFLICTS_PNG, write_report
from landuse.settings import DATA_DIR

ACCESS_HEADING = "2. Tillgänglighet: andel som når centralort inom 60 minuter"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    """The car files say they rest on the GTFS stand-in (schematic)."""
    from test_maps import write_synthetic_outputs

    folder = write_synthetic_outputs(tmp_path_factory.mktemp("report"), include=("conflicts", "car", "transit"))
    report_step(folder)
    return folder


@pytest.fixture(scope="module")
def real_car_dir(tmp_path_factory) -> Path:
    """The car files say they rest on Lantmäteriet's main roads (not schematic)."""
    from test_maps import write_synthetic_outputs

    folder = write_synthetic_outputs(tmp_path_factory.mktemp("report_real"), include=("conflicts", "car", "transit"),
                                     car_schematic=False)
    report_step(folder)
    return folder


def _opening(folder: Path) -> str:
    """The report's text before its first section."""
    text = (folder / "rapport.md").read_text(encoding="utf-8")
    return text.split("\n## ", 1)[0]


def _swedish_pct(value: float) -> str:
    return f"{100 * value:.1f}".replace(".", ",")


def _sections(text: str) -> dict[str, list[str]]:
    """Lines of the report by their nearest heading."""
    out: dict[str, list[str]] = {}
    heading = ""
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("# ").strip()
        out.setdefault(heading, []).append(line)
    return out


def test_files_written(report_dir):
    for name in ("rapport.md", "rapport.html", CONFLICTS_PNG, ACCESS_PNG):
        assert (report_dir / name).is_file(), name
    for png in (CONFLICTS_PNG, ACCESS_PNG):
        data = (report_dir / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_opening_says_what_is_real_and_what_is_schematic(report_dir):
    lines = (report_dir / "rapport.md").read_text(encoding="utf-8").splitlines()
    opening = _opening(report_dir)
    assert lines[0].startswith("# ")
    assert "SCB" in opening and "Länstrafiken" in opening
    assert "Schematiska data" in opening and "rennäring" in opening
    # the car files say GTFS stand-in: the opening calls the car network schematic, not Lantmäteriet's
    assert "bilvägnätet, som är ett schematiskt nät byggt ur busstidtabellerna" in opening
    assert "Bilens restider är schematiska" in opening and "Lantmäteriets huvudvägnät" not in opening
    assert "Kollektivtrafikens restider bygger på Länstrafikens verkliga tidtabell" in opening


def test_opening_on_the_real_main_roads(real_car_dir):
    opening = _opening(real_car_dir)
    real, schematic = opening.split("Schematiska data", 1)
    # car: Lantmäteriet's real main roads, never called schematic
    assert "Lantmäteriets huvudvägnät ur Topografi 250" in real
    assert "Bilens restider går på Lantmäteriets verkliga huvudvägnät ur Topografi 250" in opening
    assert "bil: schematisk" not in opening and "bilvägnätet" not in opening
    assert not re.search(r"[Bb]il[^.]{0,40}schematisk", opening), opening
    # the military areas are real, and not the riksintresse (which stays schematic)
    assert "Militära övnings- och skjutfält (Lantmäteriet)" in real
    assert "inte Försvarsmaktens riksintressen för totalförsvaret" in real
    assert "totalförsvaret (riksintressena)" in schematic.split(".")[0]
    assert "Militära" not in schematic.split(".")[0]
    # riksintressen, farmland and housing stay schematic
    for label in ("rennäring", "naturvård", "jordbruksmark", "bostäder och bebyggelse"):
        assert label in schematic.split(".")[0], label
    # the area model in two sentences, and transit on the real feed
    assert "Tätorter och centralorter är ytor." in opening and "250 meters avstånd" in opening
    assert "Kollektivtrafikens restider bygger på Länstrafikens verkliga tidtabell" in opening


def test_approximate_people_are_counted_from_the_points(real_car_dir):
    points = pyogrio.read_dataframe(real_car_dir / "access_car.gpkg", layer="origin_points", read_geometry=False)
    time, access = points["travel_time_min"].to_numpy(float), points["access_min"].to_numpy(float)
    people = points.loc[(time > 0) & (access > 0.5 * time), "population"].sum()
    assert people > 0
    expected = f"{people:,.0f}".replace(",", "\u00a0")
    opening = _opening(real_car_dir)
    assert f"ungefärliga för {expected} personer" in opening, opening
    found = read_outputs(real_car_dir)
    assert found.car_approximate == pytest.approx(people)
    assert not found.car_schematic and found.car_network.startswith("Lantmäteriet Topografi 250")


@pytest.mark.parametrize("mode, column", [("car", 3), ("transit", 5)])
def test_every_share_stands_beside_its_bounds(real_car_dir, mode, column):
    """Each kommun and the county: the tätort share, then the bounds over everybody, computed by hand."""
    text = (real_car_dir / "rapport.md").read_text(encoding="utf-8")
    access = text.split("## " + ACCESS_HEADING, 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in access.splitlines()
            if line.startswith("| ") and re.search(r"\(\d{4}\)|\*\*", line)]
    table = pd.read_csv(real_car_dir / f"access_{mode}.csv", dtype={"kommun_code": str})
    table = table[table["minutes"] == 60].set_index("kommun_code")
    totals = pd.read_csv(DATA_DIR / "kommun_folkmangd.csv", dtype={"kommun_code": str})
    total = dict(zip(totals["kommun_code"], totals["folkmangd_2020_12_31"]))
    assert len(rows) == len(table) == 15  # 14 kommuner and the county
    for cells in rows:
        code = re.search(r"\((\d{4})\)", cells[0])
        code = code.group(1) if code else "25"
        row = table.loc[code]
        lower = row["population_within"] / total[code]
        upper = (row["population_within"] + max(total[code] - row["population"], 0)) / total[code]
        assert cells[column] == f"{_swedish_pct(row['share_within'])}\u00a0%", cells
        assert cells[column + 1] == f"{_swedish_pct(lower)}–{_swedish_pct(upper)}\u00a0%", cells
        assert lower <= row["share_within"] + 1e-12 and upper >= lower


def test_appendix_rows_carry_bounds(real_car_dir):
    text = (real_car_dir / "rapport.md").read_text(encoding="utf-8")
    appendix = text.split("## Bilaga B", 1)[1]
    rows = [line for line in appendix.splitlines() if line.startswith("| ") and re.search(r"\d", line)
            and not line.startswith("| Kommun")]
    assert len(rows) == 2 * 3 * 15
    assert all(re.search(r"\| \d+,\d–\d+,\d\u00a0% \|$", line) for line in rows), rows[:3]


def test_staging_folder_is_named_after_its_out(tmp_path):
    from test_maps import write_synthetic_outputs

    folder = write_synthetic_outputs(tmp_path / ".ut.landuse-abc123", include=("transit",))
    write_report(folder)
    text = (folder / "rapport.md").read_text(encoding="utf-8")
    assert "` ut/ `" in text and "landuse-abc123" not in text


def test_no_schematic_number_without_the_word(report_dir):
    text = (report_dir / "rapport.md").read_text(encoding="utf-8")
    sections = _sections(text)
    schematic_headings = [h for h in sections if "schematisk" in h.lower()]
    assert any(h.startswith("1. Målkonflikter") for h in schematic_headings)
    assert any(h.startswith("Bil") for h in schematic_headings)
    for heading in schematic_headings:
        for line in sections[heading]:
            if line.startswith("|") and re.search(r"\d", line) and not line.startswith("|---"):
                assert "schematisk" in line, f"{heading}: {line}"
    # car shares in the mixed accessibility table; conflict areas anywhere
    for line in text.splitlines():
        if re.search(r"\d[\d\u00a0,]* km²", line):
            assert "schematisk" in line, line
    access = sections["2. Tillgänglighet: andel som når centralort inom 60 minuter"]
    rows = [line for line in access if line.startswith("|") and re.search(r"\d", line) and "Kommun |" not in line]
    assert rows and all("(schematisk)" in line for line in rows)
    # the real transit figures are not called schematic
    transit = sections["Kollektivtrafik"]
    assert all("schematisk" not in line for line in transit if line.startswith("|"))


def test_html_has_tables_and_charts(report_dir):
    page = (report_dir / "rapport.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<table>" in page
    assert f'src="{CONFLICTS_PNG}"' in page and f'src="{ACCESS_PNG}"' in page
    assert "http://" not in page and "https://" not in page  # opens offline


def test_missing_inputs_are_named(tmp_path):
    written, found = write_report(tmp_path)
    assert [p.name for p in written] == ["rapport.md", "rapport.html"]
    assert set(found.missing) == {"malkonflikter_per_kommun.csv", "access_car.csv", "access_transit.csv"}
    text = (tmp_path / "rapport.md").read_text(encoding="utf-8")
    head = "\n".join(text.splitlines()[:8])
    assert "Saknade underlag" in head and "malkonflikter_per_kommun.csv" in head
    assert "inga målkonflikter redovisas" in text and "ingen tillgänglighet redovisas" in text


def test_schematic_flags_follow_the_files(report_dir, real_car_dir):
    found = read_outputs(report_dir)
    assert found.conflicts_schematic and found.car_schematic and not found.transit_schematic
    assert found.missing == []
    assert "SCHEMATIC" in found.car_network
    real = read_outputs(real_car_dir)
    assert not real.car_schematic and not real.transit_schematic
    assert set(real.origins_as_areas) == {"car", "transit"}


def test_car_flag_falls_back_to_the_network_source(real_car_dir, tmp_path):
    """Without a schematic column, the network layer's source decides (the stand-in's label says SCHEMATIC)."""
    import shutil

    from landuse._io import write_gpkg
    from test_maps import STAND_IN_SOURCE

    folder = tmp_path / "out"
    shutil.copytree(real_car_dir, folder)
    gpkg = folder / "access_car.gpkg"
    frames = {name: pyogrio.read_dataframe(gpkg, layer=name) for name in pyogrio.list_layers(gpkg)[:, 0]}
    frames["isochrones"] = frames["isochrones"].drop(columns="schematic")
    gpkg.unlink()
    write_gpkg(frames, gpkg)
    assert not read_outputs(folder).car_schematic
    frames["network"]["source"] = STAND_IN_SOURCE
    gpkg.unlink()
    write_gpkg(frames, gpkg)
    assert read_outputs(folder).car_schematic
