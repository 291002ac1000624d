"""`--xlsx`: Excel workbooks beside the CSVs, checked cell by cell against the CSV they copy."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import frictionless
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from landuse.cli import cli
from landuse.errors import InvalidSettingError
from landuse.excel import ABOUT_SHEET, Sheet, workbook_from_csv, write_workbook
from landuse.gtfs import EMBEDDED_FEEDS
from landuse.access.indicator import COUNTY_CODE, share_bounds
from landuse.settings import DATA_DIR

TEXT = ("kommun_code", "kommun", "theme_a", "theme_b", "feed", "date")
PAIR_HEADERS = ["Kommunkod", "Kommun", "Tema A", "Tema B", "Vikt (0–3)", "Yta (km²)", "Andel av kommunens yta"]
INDICATOR_HEADERS = ["Kommunkod", "Kommun", "Minuter", "Folkmängd", "Folkmängd inom", "Andel inom"]
BOUND_HEADERS = ["Folkmängd, alla invånare (SCB 2020)", "Andel, alla invånare, lägst", "Andel, alla invånare, högst"]
INDICATOR_FORMATS = {"Folkmängd": "#,##0", "Folkmängd inom": "#,##0", "Andel inom": "0.0%",
                     BOUND_HEADERS[0]: "#,##0", BOUND_HEADERS[1]: "0.0%", BOUND_HEADERS[2]: "0.0%",
                     "Kommunkod": "@"}


def read_csv(path: Path) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0).columns
    return pd.read_csv(path, dtype={c: str for c in TEXT if c in header})


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["-q", *args])
    assert result.exit_code == 0, result.output
    return result.output


def sheet_rows(ws) -> list[tuple]:  # noqa: ANN001 - openpyxl Worksheet
    return list(ws.iter_rows(values_only=True))


def assert_same(got: object, want: object, where: str) -> None:
    """One cell against its CSV value: text equal, NaN empty, numbers equal to 1e-9 relative."""
    if isinstance(want, str):
        if isinstance(got, dt.datetime):  # a date cell
            got = got.date().isoformat()
        assert got == want, where
    elif pd.isna(want):
        assert got is None, where
    else:
        assert isinstance(got, (int, float)) and not isinstance(got, bool), f"{where}: {got!r} is not a number"
        assert got == pytest.approx(float(want), rel=1e-9, abs=0), where


def assert_sheet_equals(ws, frame: pd.DataFrame, headers: list[str], formats: dict[str, str]) -> None:  # noqa: ANN001
    """Same headers, rows in the same order, every value equal; the formats; a frozen header row."""
    rows = sheet_rows(ws)
    assert list(rows[0]) == headers
    assert len(rows) - 1 == len(frame)
    for i, (got, want) in enumerate(zip(rows[1:], frame.itertuples(index=False)), start=2):
        assert len(got) == len(frame.columns)
        for header, g, w in zip(headers, got, want):
            assert_same(g, w, f"{ws.title}!{header} row {i}")
    for j, header in enumerate(headers, start=1):
        if header in formats:
            assert {ws.cell(row=i, column=j).number_format for i in range(2, ws.max_row + 1)} == {formats[header]}, \
                header
    assert ws.freeze_panes == "A2"
    assert all(cell.font.b for cell in ws[1])


def about_text(workbook) -> str:  # noqa: ANN001 - openpyxl Workbook
    return "\n".join(" | ".join(str(v) for v in row if v is not None) for row in sheet_rows(workbook[ABOUT_SHEET]))


# --------------------------------------------------------------------------- one run per command


@pytest.fixture(scope="module")
def conflicts_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("conflicts")
    run("conflicts", "--xlsx", "--out", str(out))
    return out


@pytest.fixture(scope="module")
def access_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("access")
    run("access", "car", "--xlsx", "--out", str(out))
    run("access", "transit", "--xlsx", "--out", str(out))
    feed = DATA_DIR / EMBEDDED_FEEDS[-1]
    run("access", "trend", "--gtfs", f"{feed}=2023-01-17", "--xlsx", "--out", str(out))
    return out


def test_conflict_workbook_is_the_csv(conflicts_out: Path):
    table = read_csv(conflicts_out / "malkonflikter_per_kommun.csv")
    workbook = openpyxl.load_workbook(conflicts_out / "malkonflikter_per_kommun.xlsx")
    assert workbook.sheetnames == ["Målkonflikter per kommun", "Summa per temapar", ABOUT_SHEET]
    assert_sheet_equals(workbook["Målkonflikter per kommun"], table, PAIR_HEADERS,
                        {"Yta (km²)": "0.0", "Andel av kommunens yta": "0.0%", "Vikt (0–3)": "0", "Kommunkod": "@"})
    # the county sheet is the sum of the kommun rows per pair, worst (weight x area) first
    summary = table.groupby(["theme_a", "theme_b"]).agg(weight=("weight", "max"), area_km2=("area_km2", "sum"),
                                                        n=("kommun_code", "nunique")).reset_index()
    summary = summary.loc[(summary["weight"] * summary["area_km2"]).sort_values(ascending=False,
                                                                                  kind="stable").index]
    assert_sheet_equals(workbook["Summa per temapar"], summary,
                        ["Tema A", "Tema B", "Vikt (0–3)", "Yta (km²)", "Antal kommuner"], {"Yta (km²)": "0.0"})
    about = about_text(workbook)
    assert "Schematiska siffror | JA" in about and "Yta (km²), Andel av kommunens yta" in about
    assert "schematic demo layers" in about and "SCB" in about and "CC0" in about
    assert "Lantmäteriet" in about  # the military areas of theme totalforsvar are real
    assert "Samtrafiken" not in about  # no timetable in a conflict table
    assert "malkonflikter_per_kommun.csv" in about and dt.date.today().isoformat() in about


@pytest.mark.parametrize("mode,sheet", [("car", "Tillgänglighet bil"), ("transit", "Tillgänglighet kollektivtrafik")])
def test_access_workbook_is_the_csv_with_bounds(access_out: Path, mode: str, sheet: str):
    table = read_csv(access_out / f"access_{mode}.csv")
    bounded = share_bounds(table)
    workbook = openpyxl.load_workbook(access_out / f"access_{mode}.xlsx")
    assert workbook.sheetnames == [sheet, ABOUT_SHEET]
    assert_sheet_equals(workbook[sheet], bounded, INDICATOR_HEADERS + BOUND_HEADERS, INDICATOR_FORMATS)
    county = bounded[bounded["kommun_code"] == COUNTY_CODE]
    assert len(county) == 3 and county["share_lower"].notna().all()
    about = about_text(workbook)
    assert "Schematiska siffror | NEJ" in about and "schematic demo layers" not in about
    assert "SCB öppna geodata Tätorter 2020" in about and "CC0" in about
    assert "lägst" in about and "249\u00a0614" in about
    if mode == "car":  # the default network: Lantmäteriet's main roads, real
        assert "huvudvägnät" in about and "© Lantmäteriet" in about and "Samtrafiken" not in about
    else:
        assert "Samtrafiken" in about and "Trafiklab" in about and "huvudvägnät" not in about


def test_trend_workbook_is_the_csv(access_out: Path):
    table = read_csv(access_out / "access_trend.csv")
    workbook = openpyxl.load_workbook(access_out / "access_trend.xlsx")
    ws = workbook["Kollektivtrafik per tidtabell"]
    assert_sheet_equals(ws, share_bounds(table), ["Tidtabell", "Trafikdag"] + INDICATOR_HEADERS + BOUND_HEADERS,
                        {**INDICATOR_FORMATS, "Trafikdag": "yyyy-mm-dd"})
    assert ws["B2"].is_date and ws["B2"].value.date() == dt.date(2023, 1, 17)
    assert "Schematiska siffror | NEJ" in about_text(workbook)


def test_own_population_gets_no_bounds(access_out: Path, tmp_path: Path):
    shutil.copy(access_out / "access_car.csv", tmp_path / "access_car.csv")
    workbook = openpyxl.load_workbook(workbook_from_csv(tmp_path / "access_car.csv", bounds=False))
    ws = workbook["Tillgänglighet bil"]
    assert_sheet_equals(ws, read_csv(tmp_path / "access_car.csv"), INDICATOR_HEADERS, INDICATOR_FORMATS)
    assert "--population" in about_text(workbook)


def test_a_run_without_xlsx_removes_the_old_workbook(tmp_path: Path):
    out = tmp_path / "out"
    run("conflicts", "--themes", "rennaring,energi", "--xlsx", "--out", str(out))
    assert (out / "malkonflikter_per_kommun.xlsx").is_file()
    result = CliRunner().invoke(cli, ["conflicts", "--themes", "rennaring,energi", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not (out / "malkonflikter_per_kommun.xlsx").exists()
    assert "removed" in result.output and "malkonflikter_per_kommun.xlsx" in result.output
    paths = [r["path"] for r in json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["resources"]]
    assert "malkonflikter_per_kommun.xlsx" not in paths


def test_demo_writes_four_workbooks_and_a_valid_package(tmp_path: Path):
    out = tmp_path / "demo"
    run("demo", "--out", str(out))
    for name in ("malkonflikter_per_kommun", "access_car", "access_transit", "access_trend"):
        workbook = openpyxl.load_workbook(out / f"{name}.xlsx")
        assert len(sheet_rows(workbook.worksheets[0])) - 1 == len(read_csv(out / f"{name}.csv")), name
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    res = {r["path"]: r for r in package["resources"]}
    assert res["access_car.xlsx"]["mediatype"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert res["malkonflikter_per_kommun.xlsx"]["schematic"] is True
    assert res["access_car.xlsx"]["schematic"] is False and res["access_trend.xlsx"]["schematic"] is False
    assert frictionless.validate(str(out / "datapackage.json")).valid
    binary = Path(sys.executable).parent / "frictionless"
    done = subprocess.run([str(binary), "validate", str(out / "datapackage.json")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["demo"], "no staging folder may be left behind"


# --------------------------------------------------------------------------- write_workbook


def test_write_workbook_keeps_text_as_text_and_is_atomic(tmp_path: Path):
    frame = pd.DataFrame({"kommun": ["=HYPERLINK(\"x\")", "Luleå\x07"], "area_km2": [12.34, float("nan")],
                          "share_within": [0.456, 1.0], "egen": [1, 2]})
    path = write_workbook(tmp_path / "t.xlsx", {"Tabell": Sheet(frame, formats={"egen": "0.00"})},
                          about=[("Uppgift", "Innehåll"), ("Källa", "test")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]
    ws = openpyxl.load_workbook(path)["Tabell"]
    assert [c.value for c in ws[1]] == ["Kommun", "Yta (km²)", "Andel inom", "egen"]
    assert ws["A2"].data_type == "s" and ws["A2"].value == "=HYPERLINK(\"x\")" and ws["A3"].value == "Luleå"
    assert ws["B2"].value == 12.34 and ws["B2"].number_format == "0.0" and ws["B3"].value is None
    assert ws["C2"].value == 0.456 and ws["C2"].number_format == "0.0%" and ws["D2"].number_format == "0.00"
    assert ws.column_dimensions["A"].width >= len("=HYPERLINK(\"x\")")


def test_bad_sheet_names_and_unknown_csvs_are_refused(tmp_path: Path):
    with pytest.raises(InvalidSettingError, match="31 characters"):
        write_workbook(tmp_path / "t.xlsx", {"x" * 32: pd.DataFrame()}, about=[])
    with pytest.raises(InvalidSettingError, match="reserved"):
        write_workbook(tmp_path / "t.xlsx", {ABOUT_SHEET: pd.DataFrame()}, about=[])
    (tmp_path / "egen.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(InvalidSettingError, match="no workbook layout"):
        workbook_from_csv(tmp_path / "egen.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["egen.csv"]
