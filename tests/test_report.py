"""The demo report: what is schematic is said first, and beside every schematic number."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from landuse.report import ACCESS_PNG, CONFLICTS_PNG, ReportInputs, demo_step, write_report


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    from test_maps import write_synthetic_outputs

    folder = write_synthetic_outputs(tmp_path_factory.mktemp("report"), include=("conflicts", "car", "transit"))
    demo_step(folder)
    return folder


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
    opening = " ".join(lines[:5])
    assert lines[0].startswith("# ")
    assert "SCB" in opening and "Länstrafiken" in opening
    assert "Schematiska data" in opening and "rennäring" in opening and "bilvägnätet" in opening
    assert "kollektivtrafik beräknade på verkliga data" in opening


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


def test_schematic_flags_follow_the_files(report_dir):
    found = ReportInputs.from_dir(report_dir)
    assert found.conflicts_schematic and found.car_schematic and not found.transit_schematic
    assert found.missing == []
