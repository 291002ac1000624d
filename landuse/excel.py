"""Excel workbooks of the output tables, for planners who open them with Swedish settings.

One workbook beside each CSV (same stem, ``.xlsx``): Swedish headers, the numbers as numbers
with Excel number formats (so Swedish Excel shows "12,3" and "45,6 %" by itself), a frozen
header row, and a sheet "Om data" with the sources, licences, date and which figures are schematic.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from landuse.formatting import num
from landuse.outputs import (
    ACCESS_FILES,
    CONFLICT_FILES,
    DATAPACKAGE,
    OP_FILES,
    TREND_FILES,
    read_table,
    workbook_name,
)
from landuse.settings import Settings, resolve

__all__ = ["ABOUT_SHEET", "FORMATS", "HEADERS", "Sheet", "workbook_from_csv", "workbook_name",
           "write_workbook"]

#: Name of the sheet that says where the figures come from.
ABOUT_SHEET = "Om data"

#: Swedish header of each contract column (a column not listed keeps its name).
HEADERS: dict[str, str] = {
    "kommun_code": "Kommunkod",
    "kommun": "Kommun",
    "theme_a": "Tema A",
    "theme_b": "Tema B",
    "weight": "Vikt (0–3)",
    "area_km2": "Yta (km²)",
    "share_of_kommun": "Andel av kommunens yta",
    "n_kommuner": "Antal kommuner",
    "minutes": "Minuter",
    "population": "Folkmängd",
    "population_within": "Folkmängd inom",
    "share_within": "Andel inom",
    "population_total": "Folkmängd, alla invånare (SCB 2020)",
    "share_lower": "Andel, alla invånare, lägst",
    "share_upper": "Andel, alla invånare, högst",
    "feed": "Tidtabell",
    "date": "Trafikdag",
    "plan_id": "Planområde",
    "use": "Planerad användning",
    "theme": "Tema",
    "layer": "Lager",
    "feature_id": "Objekt-id",
    "feature_name": "Objekt",
    "overlap_m2": "Överlapp (m²)",
    "share_of_plan_area": "Andel av planområdet",
    "schematic": "Schematisk",
}

#: Excel number format of each column; cells hold the numbers, Excel's locale picks the separators.
#: Codes are text ("@"), so Excel keeps them as written.
FORMATS: dict[str, str] = {
    "kommun_code": "@",
    "plan_id": "@",
    "feature_id": "@",
    "weight": "0",
    "area_km2": "0.0",
    "share_of_kommun": "0.0%",
    "n_kommuner": "0",
    "population": "#,##0",
    "population_within": "#,##0",
    "share_within": "0.0%",
    "population_total": "#,##0",
    "share_lower": "0.0%",
    "share_upper": "0.0%",
    "date": "yyyy-mm-dd",
    "overlap_m2": "#,##0",
    "share_of_plan_area": "0.0%",
}

#: The conflict workbook's second sheet: the kommun rows summed per theme pair.
_SUMMARY_SHEET = "Summa per temapar"
_MAX_WIDTH = 60
_ABOUT_WIDTH = 100


@dataclass(frozen=True)
class Sheet:
    """One table of a workbook.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows in order; columns named as in the CSV contracts (:data:`HEADERS`
        gives their Swedish headers).  NaN becomes an empty cell.
    formats : dict
        Column -> Excel number format (``"0.0"``, ``"0.0%"``, ``"#,##0"``), over
        the defaults of :data:`FORMATS`.
    """

    frame: pd.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- writing


def _cell_value(value: Any) -> Any:
    """A value openpyxl writes as itself: Python numbers, dates and text; None for NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
        if isinstance(value, float) and value != value:
            return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _shown_width(value: Any, number_format: str) -> int:
    """Characters a value takes in its number format (for the column width)."""
    if value is None:
        return 0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if number_format.endswith("%"):
            return len(f"{value:.1%}") + 1
        if number_format == "0.0":
            return len(f"{value:,.1f}")
        if number_format in {"0", "#,##0"}:
            return len(f"{value:,.0f}")
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    return len(str(value))


def _put(ws: Any, row: int, column: int, value: Any) -> Any:
    """Write one cell; text is always text (a name starting with "=" never becomes a formula)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = _cell_value(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _table_sheet(ws: Any, sheet: Sheet) -> None:
    """Headers in bold, one row per frame row, number formats, frozen header, filter, fitted widths."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    formats = {**FORMATS, **sheet.formats}
    frame = sheet.frame
    bold = Font(bold=True)
    for j, column in enumerate(frame.columns, start=1):
        header = HEADERS.get(str(column), str(column))
        _put(ws, 1, j, header).font = bold
        number_format = formats.get(str(column), "General")
        width = len(header)
        for i, value in enumerate(frame[column].tolist(), start=2):
            cell = _put(ws, i, j, value)
            if number_format != "General":
                cell.number_format = number_format
            width = max(width, _shown_width(cell.value, number_format))
        ws.column_dimensions[get_column_letter(j)].width = min(width, _MAX_WIDTH) + 2
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"


def _about_sheet(ws: Any, about: Sequence[Sequence[Any]]) -> None:
    """Rows of (label, text, ...): labels in bold, long texts wrapped; a one-cell row is a heading."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    widths: dict[int, int] = {}
    for i, row in enumerate(about, start=1):
        for j, value in enumerate(row, start=1):
            cell = _put(ws, i, j, value)
            if j == 1:
                cell.font = bold
            elif isinstance(cell.value, str) and len(cell.value) > _ABOUT_WIDTH:
                cell.alignment = wrap
            widths[j] = max(widths.get(j, 0), min(_shown_width(cell.value, "General"), _ABOUT_WIDTH))
    for j, width in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = width + 2
    ws.freeze_panes = "A2"


def write_workbook(path: str | os.PathLike[str], sheets: Mapping[str, Sheet | pd.DataFrame], *,
                   about: Sequence[Sequence[Any]], title: str | None = None) -> Path:
    """Write an Excel workbook (``.xlsx``) of tables and an "Om data" sheet, atomically.

    Parameters
    ----------
    path : path
        The workbook to write; written to a temporary name beside it and renamed.
    sheets : mapping
        Sheet name (at most 31 characters) -> :class:`Sheet` (or a DataFrame, with
        the default formats), in sheet order.  Each sheet gets the Swedish headers of
        :data:`HEADERS` in bold, the number formats of :data:`FORMATS` and
        ``Sheet.formats``, a frozen header row (``A2``), a filter and fitted widths.
    about : sequence of sequences
        Rows of the last sheet, :data:`ABOUT_SHEET`: ``(label, text, ...)``; the
        label is bold.  Say there where the figures come from, under which licence,
        when they were made and which are schematic.
    title : str, optional
        The workbook's document title (File > Info in Excel).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    landuse.errors.InvalidSettingError
        A sheet name is longer than 31 characters, holds ``[]:*?/\\`` or is
        :data:`ABOUT_SHEET`.
    """
    from openpyxl import Workbook

    import landuse
    from landuse._io import atomic_path
    from landuse.errors import InvalidSettingError

    for name in sheets:
        if len(name) > 31 or any(ch in name for ch in "[]:*?/\\") or name == ABOUT_SHEET or not name:
            raise InvalidSettingError(f"sheet name {name!r}: Excel takes 1-31 characters without []:*?/\\, and "
                                      f"{ABOUT_SHEET!r} is reserved. Choose another name.")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, sheet in sheets.items():
        _table_sheet(workbook.create_sheet(name), sheet if isinstance(sheet, Sheet) else Sheet(sheet))
    _about_sheet(workbook.create_sheet(ABOUT_SHEET), about)
    workbook.properties.creator = f"landuse {landuse.__version__}"
    if title:
        workbook.properties.title = title
    path = Path(path)
    with atomic_path(path) as tmp:
        workbook.save(tmp)
    return path


# --------------------------------------------------------------------------- the landuse tables


@dataclass(frozen=True)
class _Table:
    """How one CSV output becomes a workbook.

    ``layers``: catalogue layers whose sources the table rests on by default;
    ``theme_columns``: columns naming interest themes, whose layers' sources count too;
    ``pair_summary``: add the sheet :data:`_SUMMARY_SHEET` (the conflict table).
    """

    sheet: str
    title: str
    indicator: bool = False
    layers: tuple[str, ...] = ()
    theme_columns: tuple[str, ...] = ()
    pair_summary: bool = False


_ORIGINS = ("tatorter", "centralorter", "kommuner")


def _tables() -> dict[str, _Table]:
    """The CSV outputs a workbook can be made of, by file name."""
    return {
        CONFLICT_FILES["csv"]: _Table("Målkonflikter per kommun", "Målkonflikter: yta per kommun och temapar",
                                      layers=("kommuner",), theme_columns=("theme_a", "theme_b"),
                                      pair_summary=True),
        ACCESS_FILES["car"]["csv"]: _Table("Tillgänglighet bil", "Andel av befolkningen inom N minuter från en "
                                           "centralort med bil", indicator=True, layers=_ORIGINS),
        ACCESS_FILES["transit"]["csv"]: _Table("Tillgänglighet kollektivtrafik", "Andel av befolkningen inom N "
                                               "minuter från en centralort med kollektivtrafik", indicator=True,
                                               layers=(*_ORIGINS, "hallplatser")),
        TREND_FILES["csv"]: _Table("Kollektivtrafik per tidtabell", "Andel av befolkningen inom N minuter från en "
                                   "centralort med kollektivtrafik, per tidtabellsversion", indicator=True,
                                   layers=(*_ORIGINS, "hallplatser")),
        OP_FILES["csv"]: _Table("ÖP-kontroll", "Översiktsplanens områden mot riksintressen och andra intressen",
                                theme_columns=("theme",)),
    }


def _read_table(path: Path) -> pd.DataFrame:
    """A CSV output as written (:func:`landuse.outputs.read_table`), with its dates as dates."""
    table = read_table(path)
    if "date" in table.columns:  # a real date cell, so Excel sorts and filters it as a date
        table["date"] = [dt.date.fromisoformat(v) if isinstance(v, str) else None for v in table["date"]]
    return table


def _pair_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per theme pair: the sum of the kommun rows, the weight and the number of kommuner; worst first."""
    grouped = table.groupby(["theme_a", "theme_b"], sort=True).agg(
        weight=("weight", "max"), area_km2=("area_km2", "sum"), n_kommuner=("kommun_code", "nunique"))
    summary = grouped.reset_index()
    order = (summary["weight"] * summary["area_km2"]).sort_values(ascending=False, kind="stable").index
    return summary.loc[order].reset_index(drop=True)


def _written_with(csv_name: str, files: Sequence[str]) -> bool:
    """Whether a source's files include the GeoPackage written with ``csv_name`` (same stem or its prefix)."""
    stem = Path(csv_name).stem
    return any(stem == Path(f).stem or stem.startswith(Path(f).stem + "_") for f in files)


def _sources(package: Mapping[str, Any], csv_name: str, spec: _Table, table: pd.DataFrame,
             schematic: bool) -> list[Mapping[str, Any]]:
    """The folder's sources (``datapackage.json``) that this table rests on by default."""
    from landuse.layers import catalogue

    layers = set(spec.layers)
    themes = {str(v) for c in spec.theme_columns if c in table.columns for v in table[c].dropna()}
    layers |= {name for name, s in catalogue().items() if str(s.theme) in themes}
    out = []
    for source in package.get("sources", []):
        if "files" in source:
            keep = _written_with(csv_name, source["files"])
        else:
            keep = bool(layers & set(source.get("layers", []))) and (schematic or not source.get("schematic"))
        if keep:
            out.append(source)
    return out


def _about_rows(csv_name: str, spec: _Table, table: pd.DataFrame, sheets: Sequence[str],
                package: Mapping[str, Any], *, bounds: bool, summary: bool,
                coverage: str = "") -> list[tuple[Any, ...]]:
    """The "Om data" rows of one output table (``coverage``: how many of the county's people the origins hold)."""
    import landuse

    resource = next((r for r in package.get("resources", []) if r.get("path") == csv_name), {})
    schematic = bool(resource.get("schematic"))
    rows: list[tuple[Any, ...]] = [
        ("Uppgift", "Innehåll"),
        ("Tabell", spec.title),
        ("Blad", ", ".join(sheets)),
        ("Samma tabell som", f"{csv_name} (UTF-8, decimalpunkt, kolumnnamn på engelska; se Kolumner nedan)"),
        ("Skapad", dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M (UTC%z)")),
        ("Program", f"landuse {landuse.__version__}"),
    ]
    if schematic:
        fields = [HEADERS.get(f, f) for f in resource.get("schematicFields", [])]
        rows.append(("Schematiska siffror", "JA: tabellen bygger på schematiska ersättningsdata (påhittade ytor vid "
                     "verkliga orter, inte officiella data); siffrorna är bara illustrationer."
                     + (f" Schematiska kolumner: {', '.join(fields)}." if fields else "")))
        rows.append(("Varför", f"{resource.get('schematicReason', '')} ({DATAPACKAGE})"))
    else:
        rows.append(("Schematiska siffror", "NEJ: tabellen bygger bara på verkliga data; inget indata är "
                     "markerat schematiskt."))
    if spec.indicator:
        if bounds:
            rows.append(("Andel, alla invånare", f"Andel inom gäller folkmängden i SCB:s tätorter 2020{coverage}. "
                         "Över alla invånare (SCB, 31 dec 2020) ligger andelen mellan \"lägst\" (ingen utanför "
                         "tätorterna når centralorten) och \"högst\" (alla utanför gör det)."))
        else:
            rows.append(("Andel inom", "Andel av folkmängden i den befolkningsfil som angavs (--population)."))
    if summary:
        rows.append((_SUMMARY_SHEET, "Summan av kommunraderna per temapar (de kommuner som analyserades); "
                     "temaöverlapp inom samma tema räknas inte."))
    rows.append(("Talformat", "Cellerna innehåller talen: Excel med svenska inställningar visar decimalkomma och "
                 "procent (12,3 och 45,6 %). Yta med en decimal, andelar i procent, folkmängd i hela personer."))
    rows.append(())
    rows.append(("Källor (standarddata)",))
    for source in _sources(package, csv_name, spec, table, schematic):
        rows.append(("Källa", source.get("title", ""), source.get("licence", ""), source.get("path", "")))
    for licence in package.get("licenses", []):
        rows.append(("Licens", f"{licence.get('name', '')}: {licence.get('title', '')}", licence.get("path", "")))
    rows.append(())
    rows.append(("Kolumner (Excel: CSV)",))
    columns = list(table.columns) + (["population_total", "share_lower", "share_upper"]
                                     if spec.indicator and bounds else [])
    for column in columns:
        rows.append(("Kolumn", HEADERS.get(column, column), column))
    return rows


def workbook_from_csv(csv_path: str | os.PathLike[str], *, bounds: bool = False,
                      package: Mapping[str, Any] | None = None, settings: Settings | None = None) -> Path:
    """Write the Excel workbook of a landuse CSV output beside it (same stem, ``.xlsx``).

    Parameters
    ----------
    csv_path : path
        ``malkonflikter_per_kommun.csv``, ``access_car.csv``, ``access_transit.csv``,
        ``access_trend.csv`` or ``op_check.csv``, as written by its engine, in the
        run's (staging) folder beside the files written with it.
    bounds : bool
        Accessibility tables whose origins are the SCB tätorter (the default): add
        ``population_total``, ``share_lower`` and ``share_upper``, the bounds of the
        share over the whole population (:func:`landuse.access.indicator.share_bounds`).
        Leave False for a ``--population`` file of your own.
    package : dict, optional
        :func:`landuse.datapackage.describe_folder` of the folder, when already made
        (several workbooks of one folder); default: described here.
    settings : landuse.settings.Settings, optional
        Where SCB's population per kommun is read.

    Returns
    -------
    Path
        The workbook: one sheet with the table (the conflict table also gets
        "Summa per temapar", the sum of its kommun rows per theme pair) and
        "Om data": sources and licences, date, whether the figures are schematic
        (read from the files, as in ``datapackage.json``) and the column names.

    Raises
    ------
    landuse.errors.InvalidSettingError
        ``csv_path`` is not one of the CSV outputs above.
    """
    from landuse.errors import InvalidSettingError

    settings = resolve(settings)
    csv_path = Path(csv_path)
    tables = _tables()
    spec = tables.get(csv_path.name)
    if spec is None:
        raise InvalidSettingError(f"{csv_path.name}: no workbook layout for this file; workbooks are made of "
                                  f"{', '.join(sorted(tables))}.")
    table = _read_table(csv_path)
    if package is None:
        from landuse.datapackage import describe_folder

        package = describe_folder(csv_path.parent, settings=settings)
    shown, coverage = table, ""
    if spec.indicator and bounds:
        from landuse.access.indicator import share_bounds
        from landuse.outputs import COUNTY_CODE

        shown = share_bounds(table, settings)
        county = shown[(shown["kommun_code"] == COUNTY_CODE) & (shown["population_total"] > 0)]
        if len(county):
            people, total = float(county["population"].iloc[0]), float(county["population_total"].iloc[0])
            coverage = (f" ({num(people)} av länets {num(total)} invånare, "
                        f"{100 * people / total:.0f}\u00a0%)")
    sheets: dict[str, Sheet] = {spec.sheet: Sheet(shown)}
    if spec.pair_summary:
        sheets[_SUMMARY_SHEET] = Sheet(_pair_summary(table))
    about = _about_rows(csv_path.name, spec, table, list(sheets) + [ABOUT_SHEET], package, bounds=bounds,
                        summary=spec.pair_summary, coverage=coverage)
    return write_workbook(csv_path.with_name(workbook_name(csv_path.name)), sheets, about=about, title=spec.title)
