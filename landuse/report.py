"""The demo report: ``rapport.md`` and ``rapport.html`` with PNG charts, from the files in an output folder.

The report opens by saying which inputs are real (SCB, Länstrafiken, Lantmäteriet) and
which are schematic, read from the files (:func:`landuse.outputs.read_outputs`) and the
layer catalogue; every figure computed from schematic data carries the word "schematisk"
on the same line, and every accessibility share stands beside its bounds over the whole
population (:func:`landuse.access.indicator.share_bounds`).  The charts are drawn by
:mod:`landuse.report_charts`.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from landuse._io import write_text
from landuse._markdown import Md, markdown_to_html, md_code, md_strong, md_table, md_text
from landuse.formatting import SCHEMATISK, num, pair_label, pct, schematic_suffix, theme_label
from landuse.html_page import html_page
from landuse.outputs import (
    ACCESS_FILES,
    CONFLICT_FILES,
    COUNTY_CODE,
    MAIN_ROAD_SOURCE,
    MAP_FILE,
    MODES,
    REPORT_FILES,
    TREND_FILES,
    Outputs,
    read_outputs,
)
from landuse.report_charts import chart_access_per_kommun, chart_conflicts_per_kommun
from landuse.settings import Settings, resolve

__all__ = ["ACCESS_PNG", "CONFLICTS_PNG", "report_markdown", "write_report",
           "chart_conflicts_per_kommun", "chart_access_per_kommun"]

#: The charts the report links, written beside it.
CONFLICTS_PNG = REPORT_FILES["conflicts_chart"]
ACCESS_PNG = REPORT_FILES["access_chart"]


@dataclass(frozen=True)
class _Catalogue:
    """What the layer catalogue says of the report's inputs.

    ``schematic_labels``: Swedish labels of the themes whose catalogue layers are
    schematic stand-ins; ``real_interest_layers``: ``(title, theme)`` of the real
    (non-schematic) interest layers, e.g. Lantmäteriet's military areas.
    """

    schematic_labels: list[str]
    real_interest_layers: list[tuple[str, str]]


def _catalogue_facts(settings: Settings) -> _Catalogue:
    from landuse.layers import catalogue
    from landuse.themes import INTEREST_THEMES

    specs = list(catalogue(settings).values())
    labels = [theme_label(s.theme.value) for s in specs if s.schematic]
    return _Catalogue(list(dict.fromkeys(labels)),
                      [(s.title, s.theme.value) for s in specs
                       if not s.schematic and s.theme in INTEREST_THEMES and s.source is not None])


def _share_at(table: pd.DataFrame | None, code: str, minutes: float = 60) -> float | None:
    if table is None:
        return None
    hit = table[(table["kommun_code"] == code) & np.isclose(pd.to_numeric(table["minutes"]), minutes)]
    return float(hit["share_within"].iloc[0]) if len(hit) else None



#: What a real layer of a theme is NOT, where the theme's riksintressen stay schematic stand-ins.
_REAL_LAYER_NOTES = {
    "totalforsvar": "verkliga områden på Lantmäteriets karta, men inte Försvarsmaktens riksintressen för "
                    "totalförsvaret, som här är schematiska",
}


def _is_main_roads(source: str | None) -> bool:
    return bool(source) and str(source).startswith(MAIN_ROAD_SOURCE)


def _network_text(found: Outputs) -> Md:
    """The car network in Swedish (Markdown-safe): Lantmäteriet's main roads, the stand-in or the user's file."""
    source = found.car_network
    if found.car_schematic:
        return Md("ett schematiskt nät byggt ur busstidtabellerna (inget riktigt vägnät)")
    if _is_main_roads(source):
        return Md("Lantmäteriets verkliga huvudvägnät ur Topografi 250 (motorväg, motortrafikled, mötesfri väg "
                   "och landsväg; mindre vägar ingår inte)")
    return Md("vägnätet " + (md_text(source) if source else "i indata"))


def _area_model(found: Outputs) -> list[str]:
    """Two sentences on tätorter and centralorter as areas, when the origins layers say they are."""
    if not found.origins_as_areas:
        return []
    from landuse.access.indicator import ORIGIN_CELL_M

    points = max(found.origins_as_areas.values())
    return [
        "**Tätorter och centralorter är ytor.** SCB ger tätortens landareal men inte dess form, så varje tätort "
        "modelleras som en cirkel med tätortens landareal runt SCB:s punkt, och dess invånare fördelas jämnt på "
        f"punkter i ett rutnät med {num(ORIGIN_CELL_M, 0)} meters avstånd inom cirkeln"
        + (f" ({num(points, 0)} punkter i länet)" if points else "") + ". "
        "Restiden räknas för varje punkt, så en tätort kan ligga delvis inom 60 minuter, och en centralort "
        "är nådd var som helst inom sin cirkel.",
    ]


def _approximate_text(found: Outputs, settings: Settings) -> str:
    if found.car_approximate is None or found.car_schematic:
        return ""
    return (f"; de är ungefärliga för {num(found.car_approximate, 0)} personer som bor där vägen fram till "
            f"vägnätet (fågelvägen × {num(settings.access_detour_factor, 1)} i "
            f"{num(settings.access_speed_kph, 0)} km/h) är mer än halva resan")


def _opening(found: Outputs, layers: _Catalogue, settings: Settings) -> list[str]:
    real = ["SCB:s kommungränser", "SCB:s tätorter 2020 med folkmängd och landareal", "SCB:s folkmängd per kommun",
            "Länstrafiken Norrbottens tidtabell (GTFS från Samtrafiken/Trafiklab, version 2022-12-14)"]
    if found.car is not None and not found.car_schematic and _is_main_roads(found.car_network):
        real.append("Lantmäteriets huvudvägnät ur Topografi 250")
    for title, theme in layers.real_interest_layers:
        note = _REAL_LAYER_NOTES.get(theme, "")
        real.append(md_text(title) + (f" – {note}" if note else ""))
    real_themes = {theme for _, theme in layers.real_interest_layers}
    schematic = [md_text(label.lower()) + (" (riksintressena)" if _theme_value(label) in real_themes else "")
                 for label in layers.schematic_labels]
    lines = [
        "**Vad är verkligt och vad är schematiskt.** Verkliga data: " + "; ".join(real) + ". "
        "Schematiska data (demodata som står i för officiella data, inte myndighetsgränser): lagren för "
        + (", ".join(schematic) if schematic else "inga teman")
        + ("; bilvägnätet, som är ett schematiskt nät byggt ur busstidtabellerna" if found.car_schematic else "")
        + ".",
        "",
    ]
    area = _area_model(found)
    if area:
        lines += area + [""]
    conclusions = ["Därför är alla målkonfliktsytor " + ("schematiska" if found.conflicts_schematic
                                                          else "beräknade på verkliga lager") + "."]
    if found.car is not None:
        conclusions.append("Bilens restider " + ("är schematiska: de går på " if found.car_schematic else "går på ")
                           + _network_text(found) + _approximate_text(found, settings) + ".")
    if found.transit is not None:
        conclusions.append("Kollektivtrafikens restider " + (
            "är schematiska." if found.transit_schematic else
            "bygger på Länstrafikens verkliga tidtabell och SCB:s tätorter (verkliga data); den regionala "
            "tidtabellen tycks sakna Luleås stadsbussar (Luleå Lokaltrafik), så Luleås andel är en undre gräns."))
    lines.append(" ".join(conclusions) + " Varje schematisk siffra i rapporten står med ordet *schematisk* "
                                         "bredvid sig.")
    if found.missing:
        lines += ["", "**Saknade underlag:** " + ", ".join(f"`{m}`" for m in found.missing)
                  + " finns inte i mappen; avsnitten som bygger på dem är tomma. Kör `landuse demo --out MAPP` "
                    "för att skapa allt."]
    return lines


def _theme_value(label: str) -> str | None:
    """The theme whose Swedish label is ``label`` (None for an unknown label)."""
    from landuse.themes import THEME_LABELS

    return next((t.value for t, text in THEME_LABELS.items() if text == label), None)


def _conflict_section(found: Outputs, chart: str | None) -> list[str]:
    sch = found.conflicts_schematic
    lines = ["## 1. Målkonflikter" + schematic_suffix(sch), ""]
    table = found.conflicts
    if table is None:
        return lines + [f"Målkonflikttabellen `{CONFLICT_FILES['csv']}` saknas: inga målkonflikter redovisas.", ""]
    lines += [
        "Ytor där två teman gör anspråk på samma mark, per kommun (km², EPSG:3006). Vikten anger hur allvarlig "
        "konflikten är (0 förenlig, 1 mindre, 2 betydande, 3 allvarlig) enligt `analyses/malkonflikter.toml`."
        + (" Underlaget är schematiskt: siffrorna visar metoden, inte verkliga konflikter." if sch else ""),
        "",
        "### Länet per temapar" + schematic_suffix(sch),
        "",
    ]
    county = (table.groupby(["theme_a", "theme_b"], as_index=False)
              .agg(weight=("weight", "max"), area_km2=("area_km2", "sum"))
              .sort_values("area_km2", ascending=False))
    lines += md_table(
        ["Temapar", "Vikt", "Yta km²", "Underlag"],
        [[pair_label(r.theme_a, r.theme_b), str(r.weight), num(r.area_km2, 1) + schematic_suffix(sch),
          SCHEMATISK if sch else "verkligt"]
         for r in county.itertuples()],
    )
    lines += ["", f"Summa av temaparens ytor i länet: {num(county['area_km2'].sum(), 1)} km²{schematic_suffix(sch)} "
                  "(en yta där tre teman möts räknas i tre par).", ""]
    if chart:
        lines += [f"![Målkonfliktsyta per kommun och temapar{schematic_suffix(sch)}]({chart})", "",
                  f"*Figur 1. Målkonfliktsyta per kommun och temapar, km²{schematic_suffix(sch)}.*", ""]
    lines += ["### Per kommun" + schematic_suffix(sch), ""]
    rows = []
    for (code, name), group in table.groupby(["kommun_code", "kommun"], sort=True):
        top = group.sort_values("area_km2", ascending=False).iloc[0]
        rows.append([f"{name} ({code})", str(len(group)), num(group["area_km2"].sum(), 1) + schematic_suffix(sch),
                     pair_label(top.theme_a, top.theme_b), num(top.area_km2, 1) + schematic_suffix(sch),
                     pct(float(top.share_of_kommun), 1) + schematic_suffix(sch)])
    lines += md_table(["Kommun", "Temapar", "Summa km²", "Största temapar", "Dess yta km²",
                       "Andel av kommunen"], rows)
    lines += ["", "Hela tabellen per kommun och temapar står i bilaga A.", ""]
    return lines


def _bounds(table: pd.DataFrame | None, code: str, minutes: float = 60) -> str:
    """``"82,9–99,8 %"``: the share over the whole population, between its bounds (share_bounds columns)."""
    if table is None or "share_lower" not in table.columns:
        return "–"
    hit = table[(table["kommun_code"] == code) & np.isclose(pd.to_numeric(table["minutes"]), minutes)]
    if not len(hit) or not np.isfinite(float(hit["share_lower"].iloc[0])):
        return "–"
    return _bounds_row(hit.iloc[0])


def _bounds_row(row: pd.Series) -> str:
    lower, upper = float(row["share_lower"]), float(row["share_upper"])
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return "–"
    return f"{num(100 * lower, 1)}–{num(100 * upper, 1)}\u00a0%"


def _access_section(found: Outputs, chart: str | None, settings: Settings) -> list[str]:
    lines = ["## 2. Tillgänglighet: andel som når centralort inom 60 minuter", ""]
    if found.car is None and found.transit is None:
        tables = " och ".join(f"`{ACCESS_FILES[mode]['csv']}`" for mode in MODES)
        return lines + [f"Tabellerna {tables} saknas: ingen tillgänglighet redovisas.", ""]
    method = [
        "RUS 2030-indikatorn: andel av befolkningen som når sin centralort (närmaste centralort) inom 60 minuter "
        "med bil respektive kollektivtrafik."
    ]
    if found.origins_as_areas:
        method.append("Startpunkterna är SCB:s tätorter 2020 som ytor: varje tätort är en cirkel med sin landareal, "
                      "med invånarna fördelade på punkter var 250:e meter; centralorten är nådd var som helst "
                      "inom sin cirkel.")
    else:
        method.append("Startpunkterna är befolkningen i indata (SCB:s tätorter 2020 som punkter om inget annat "
                      "anges).")
    if found.car is not None:
        method.append("Bil: restiden går på " + _network_text(found)
                      + (f", med vägen från varje punkt till närmaste nod på nätet som fågelvägen × "
                         f"{num(settings.access_detour_factor, 1)} i {num(settings.access_speed_kph, 0)} km/h "
                         f"(högst {num(settings.max_snap_m / 1000, 0)} km)" if not found.car_schematic else "")
                      + "."
                      + (f" Där den vägen är mer än halva resan är restiden ungefärlig: det gäller "
                         f"{num(found.car_approximate, 0)} personer." if found.car_approximate and not
                         found.car_schematic else "")
                      + (" Bilens restider är därför schematiska." if found.car_schematic else ""))
    if found.transit is not None:
        method.append("Kollektivtrafik: Länstrafikens tidtabell (GTFS), med gång till och från hållplatser.")
    base = found.transit if found.transit is not None else found.car
    base = base[np.isclose(pd.to_numeric(base["minutes"]), 60)]
    county = base[base["kommun_code"] == COUNTY_CODE]
    held = (float(county["population"].iloc[0]) / float(county["population_total"].iloc[0])
            if len(county) and float(county["population_total"].iloc[0]) > 0 else None)
    method.append("Andelarna räknas på befolkningen i startpunkterna"
                  + (f" ({pct(held, 1)} av länets invånare)" if held is not None else "") + ". Bredvid varje andel "
                  "står vad den blir över alla invånare (SCB 31 dec 2020): mellan en nedre gräns, om ingen utanför "
                  "startpunkterna når centralorten, och en övre, om alla utanför dem gör det.")
    lines += [" ".join(method), ""]
    rows = []
    for r in base.itertuples():
        total = float(r.population_total) if np.isfinite(float(r.population_total)) else None
        row: list[object] = [
            f"{r.kommun} ({r.kommun_code})" if r.kommun_code != COUNTY_CODE else md_strong(r.kommun),
            num(float(r.population), 0),
            num(total, 0) if total else "–",
        ]
        for table, sch in ((found.car, found.car_schematic), (found.transit, found.transit_schematic)):
            if table is None:
                row += ["saknas", "saknas"]
                continue
            row += [pct(_share_at(table, r.kommun_code), 1) + schematic_suffix(sch),
                    _bounds(table, r.kommun_code) + schematic_suffix(sch)]
        row.append(pct(float(r.population) / total, 1) if total else "–")
        rows.append(row)
    lines += md_table(["Kommun", "Befolkning i tätorter", "Alla invånare (SCB)", "Bil inom 60 min (tätorter)",
                       "Bil, alla invånare (gränser)", "Kollektivtrafik inom 60 min (tätorter)",
                       "Kollektivtrafik, alla invånare (gränser)", "Täckning (tätorter / SCB)"], rows)
    lines.append("")
    if chart:
        lines += [f"![Andel inom 60 minuter per kommun{' (bil: schematisk)' if found.car_schematic else ''}]({chart})",
                  "", "*Figur 2. Andel av befolkningen i tätorter inom 60 minuter till centralort, per kommun"
                  + ("; bilens staplar är schematiska" if found.car is not None and found.car_schematic else "")
                  + ".*", ""]
    lines += ["Alla tröskelvärden (45, 60 och 90 minuter) står i bilaga B.", ""]
    return lines


def _trend_section(found: Outputs, top: int = 5) -> list[str]:
    """Section 2b: the transit indicator per timetable version, and why it changed (Swedish)."""
    if found.trend is None or found.trend.empty:
        return []
    table = found.trend
    at60 = table[table["minutes"] == 60]
    county = at60[at60["kommun_code"] == COUNTY_CODE]
    lines = ["### Kollektivtrafik över tid", "",
             "Samma tätorter och centralorter, en tidtabellsversion i taget (Länstrafiken Norrbotten); "
             "trafikdagen är den första vanliga tisdagen minst en vecka in i versionens giltighet, om inget "
             "datum angavs. Andel av tätortsbefolkningen som når centralort inom 60 minuter:", ""]
    lines += md_table(["tidtabell", "trafikdag", "andel inom 60 min", "personer"],
                      [[md_text(r.feed), md_text(r.date), pct(r.share_within, 1),
                        num(r.population_within, 0)] for r in county.itertuples()])
    lines += ["", f"![Andel inom 60 minuter per tidtabell]({TREND_FILES['png']})", ""]
    kommuner = found.trend_changes.get("kommun_changes")
    origins = found.trend_changes.get("origin_changes")
    routes = found.trend_changes.get("route_changes")
    if kommuner is None or kommuner.empty:
        return lines
    lines += ["**Vad ändrades, och varför.** Per byte av tidtabell: de kommuner och tätorter vars andel inom "
              "60 minuter ändrades mest, och de linjer vars direkta turer från tätortens hållplatser till "
              "centralorten (antal, första ankomst) ändrades.", ""]
    for (a, b), group in kommuner.groupby(["feed_from", "feed_to"], sort=False):
        changed = group[(group["kommun_code"] != COUNTY_CODE) & (group["people_change"].abs() > 0.5)].head(top)
        lines.append(f"- {md_text(a)} → {md_text(b)}: " + ("; ".join(
            f"{md_text(r.kommun)} {pct(r.share_from, 1)} → {pct(r.share_to, 1)} ({num(r.people_change, 0)} "
            "personer)" for r in changed.itertuples()) or "ingen kommun ändrades"))
        if origins is None:
            continue
        mine = origins[(origins["feed_from"] == a) & (origins["people_change"].abs() > 0.5)].head(top)
        for r in mine.itertuples():
            causes = routes[(routes["feed_from"] == a) & (routes["origin_id"] == r.origin_id)] \
                if routes is not None else pd.DataFrame()
            why = "; ".join(f"{md_text(c.route)}: {c.trips_from} → {c.trips_to} direkta turer, första ankomst "
                            f"{md_text(c.first_arrival_from or '–')} → {md_text(c.first_arrival_to or '–')}"
                            for c in causes.head(3).itertuples())
            lines.append(f"  - {md_text(r.name)}: {pct(r.share_from, 1)} → {pct(r.share_to, 1)} inom 60 min"
                         + (f" – {why}" if why else " – inga ändrade direkta turer (byten eller gångväg)"))
    lines.append("")
    return lines


def _appendix(found: Outputs) -> list[str]:
    lines = ["## Bilaga A. Målkonflikter per kommun och temapar" + schematic_suffix(found.conflicts_schematic), ""]
    sch = found.conflicts_schematic
    if found.conflicts is None:
        lines += [f"Saknas (`{CONFLICT_FILES['csv']}`).", ""]
    else:
        table = found.conflicts.sort_values(["kommun_code", "area_km2"], ascending=[True, False])
        lines += md_table(
            ["Kommun", "Temapar", "Vikt", "Yta km²", "Andel av kommunen"],
            [[f"{r.kommun} ({r.kommun_code})", pair_label(r.theme_a, r.theme_b), str(r.weight),
              num(r.area_km2, 2) + schematic_suffix(sch),
              pct(float(r.share_of_kommun), 1) + schematic_suffix(sch)]
             for r in table.itertuples()])
        lines.append("")
    lines += ["## Bilaga B. Tillgänglighet, alla tröskelvärden", ""]
    for mode, label in zip(MODES, ("Bil", "Kollektivtrafik")):
        sch = found.access_schematic(mode)
        table = found.access_table(mode)
        lines += [f"### {label}{schematic_suffix(sch)}", ""]
        if table is None:
            lines += [f"Saknas (`{ACCESS_FILES[mode]['csv']}`).", ""]
            continue
        lines += md_table(
            ["Kommun", "Minuter", "Befolkning i tätorter", "Inom tröskeln", "Andel (tätorter)",
             "Andel av alla invånare (gränser)"],
            [[f"{r.kommun} ({r.kommun_code})", num(float(r.minutes), 0), num(float(r.population), 0),
              num(float(r.population_within), 0) + schematic_suffix(sch),
              pct(float(r.share_within), 1) + schematic_suffix(sch),
              _bounds_row(pd.Series(r._asdict())) + schematic_suffix(sch)]
             for r in table.itertuples()])
        lines.append("")
    return lines


#: The staging folder a run writes into before moving its files (``.OUT.landuse-XXXX``, see landuse._io).
_STAGING = re.compile(r"^\.(?P<name>.+)\.landuse-[^.]+$")


def _folder_name(folder: Path) -> str:
    """The output folder's name as the user gave it (a staging folder is named after its ``--out``)."""
    match = _STAGING.match(folder.name)
    return match.group("name") if match else folder.name


def report_markdown(found: Outputs, *, charts: dict[str, str] | None = None,
                    settings: Settings | None = None) -> str:
    """The report as Markdown (Swedish).

    Parameters
    ----------
    found : Outputs
        The output folder's files, from :func:`landuse.outputs.read_outputs`.
    charts : dict, optional
        ``{"conflicts": file name, "access": file name}`` of the PNG charts to link.
    settings : Settings, optional
        The access-leg settings the car text quotes, and where the layer catalogue is read.

    Returns
    -------
    str
        The Markdown text: what is real and what is schematic, målkonflikter, accessibility
        (with the bounds over the whole population), sources and the full tables.
    """
    settings = resolve(settings)
    layers = _catalogue_facts(settings)
    charts = charts or {}
    today = dt.date.today().isoformat()
    lines = ["# Målkonflikter och tillgänglighet i Norrbotten – demorapport", ""]
    lines += _opening(found, layers, settings)
    lines += ["", f"*Skapad {today} med landuse ur filerna i {md_code(_folder_name(found.folder) + '/')}.*", ""]
    if found.has_map:
        lines += ["Strukturbilden (noder, stråk och områden) finns som interaktiv karta: "
                  f"[{MAP_FILE}]({MAP_FILE}) – den fungerar utan nätverk.", ""]
    lines += _conflict_section(found, charts.get("conflicts"))
    lines += _access_section(found, charts.get("access"), settings)
    lines += _trend_section(found)
    lines += [
        "## 3. Källor och metod", "",
        "- Kommuner, län och tätorter: SCB öppna geodata (CC0). Folkmängd per kommun: SCB (31 dec 2020).",
        "- Kollektivtrafik: Länstrafiken Norrbotten, GTFS Regional via Samtrafiken/Trafiklab (CC0), "
        "giltig 2022-12-11 – 2023-12-10.",
        "- Riksintressen, jordbruksmark och bostäder: schematiska demolager i landuse; hämta de officiella "
        "filerna från myndigheterna (se `landuse layers list`).",
        "- Bil: " + ("schematiskt vägnät ur busstidtabellerna (demo); använd Lantmäteriets huvudvägar "
                     "(standard), OpenStreetMap eller NVDB för verkliga restider." if found.car_schematic else
                     "Lantmäteriet, Topografi 250 Nedladdning vektor, huvudvägnätet (CC0, © Lantmäteriet)."
                     if _is_main_roads(found.car_network) else
                     "vägnätet " + (md_text(found.car_network) if found.car_network else "i indata") + "."),
        "- Folkmängd utanför tätorterna (för gränserna över alla invånare): SCB, folkmängd per kommun "
        "31 dec 2020.",
    ]
    for title, _theme in layers.real_interest_layers:
        lines.append(f"- {md_text(title)}: verkligt lager i landuse (se `landuse layers list`).")
    lines.append("")
    lines += _appendix(found)
    return "\n".join(lines).rstrip() + "\n"


def write_report(folder: str | Path, *, settings: Settings | None = None) -> tuple[list[Path], Outputs]:
    """Write ``rapport.md``, ``rapport.html`` and the PNG charts into ``folder`` from the files there.

    Parameters
    ----------
    folder : str or Path
        An output folder (read with :func:`landuse.outputs.read_outputs`); the report is
        written into it (:data:`landuse.outputs.REPORT_FILES`).
    settings : Settings, optional
        Passed to :func:`report_markdown`; also where SCB's population per kommun is read.

    Returns
    -------
    (list of Path, Outputs)
        The files written (Markdown, HTML, then the charts), and what was found
        (``missing`` names absent inputs).
    """
    settings = resolve(settings)
    folder = Path(folder)
    found = read_outputs(folder, settings=settings)
    written: list[Path] = []
    charts: dict[str, str] = {}
    if found.conflicts is not None and len(found.conflicts):
        written.append(chart_conflicts_per_kommun(found.conflicts, folder / CONFLICTS_PNG,
                                                  schematic=found.conflicts_schematic))
        charts["conflicts"] = CONFLICTS_PNG
    if found.car is not None or found.transit is not None:
        written.append(chart_access_per_kommun(found.car, found.transit, folder / ACCESS_PNG,
                                               car_schematic=found.car_schematic,
                                               transit_schematic=found.transit_schematic))
        charts["access"] = ACCESS_PNG
    text = report_markdown(found, charts=charts, settings=settings)
    written.insert(0, write_text(text, folder / REPORT_FILES["md"]))
    body = markdown_to_html(text)
    title = html.escape(text.splitlines()[0].lstrip("# "))
    written.insert(1, write_text(html_page(title, body), folder / REPORT_FILES["html"]))
    return written, found
