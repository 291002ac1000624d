"""The demo report: ``rapport.md`` and ``rapport.html`` with PNG charts, from the files in an output folder.

The report opens by saying which inputs are real (SCB, Länstrafiken, Lantmäteriet) and
which are schematic, read from the files and the layer catalogue; every figure computed
from schematic data carries the word "schematisk" on the same line, and every
accessibility share stands beside its bounds over the whole population
(:func:`landuse.indicator.share_bounds`).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from landuse._io import atomic_path, write_text
from landuse.html_page import html_page
from landuse.map_format import num as _num, theme_label as _theme_label
from landuse.settings import Settings, resolve

__all__ = ["ReportInputs", "report_markdown", "write_report", "demo_step",
           "chart_conflicts_per_kommun", "chart_access_per_kommun"]

SCHEMATISK = "schematisk"
COUNTY_CODE = "25"
CONFLICTS_PNG = "rapport_malkonflikter.png"
ACCESS_PNG = "rapport_tillganglighet.png"


@dataclass
class ReportInputs:
    """What the report found in the output folder (``None`` where a file is missing).

    Attributes
    ----------
    conflicts : DataFrame or None
        ``malkonflikter_per_kommun.csv``.
    conflicts_schematic : bool
        True when the målkonflikt inputs include schematic layers (faces' ``schematic`` column).
    car, transit : DataFrame or None
        ``access_car.csv`` / ``access_transit.csv`` with the columns of
        :func:`landuse.indicator.share_bounds` added (``population_total``,
        ``share_lower``, ``share_upper``: the share over the whole population).
    car_schematic, transit_schematic : bool
        From the isochrones' ``schematic`` column (else the network's source label).
    car_network : str or None
        Source label of the car network, from the ``network`` layer of
        ``access_car.gpkg`` (else the layer descriptions).
    car_approximate : float or None
        People living where the access leg off the network is more than half the trip
        (the ``approximate`` flag of the car ``origin_points`` layer, applied to the
        ``origin_points`` layer); None without that layer.
    origins_as_areas : dict
        Per mode: True when the origins layer holds tätorter modelled as discs
        (``radius_m`` > 0), with ``points`` the number of points they were spread over.
    schematic_layers : list of str
        Swedish labels of the themes whose catalogue layers are schematic stand-ins.
    real_interest_layers : list of (str, str)
        ``(title, theme)`` of the catalogue's real (non-schematic) interest layers,
        e.g. Lantmäteriet's military areas.
    trend : DataFrame or None
        ``access_trend.csv`` (the transit indicator per timetable version).
    trend_changes : dict of DataFrame
        The ``kommun_changes``, ``origin_changes`` and ``route_changes`` tables of
        ``access_trend.gpkg``.
    missing : list of str
        File names looked for and not found.
    """

    folder: Path
    conflicts: pd.DataFrame | None = None
    conflicts_schematic: bool = True
    car: pd.DataFrame | None = None
    car_schematic: bool = True
    car_network: str | None = None
    car_approximate: float | None = None
    transit: pd.DataFrame | None = None
    transit_schematic: bool = False
    origins_as_areas: dict[str, int] = field(default_factory=dict)
    schematic_layers: list[str] = field(default_factory=list)
    real_interest_layers: list[tuple[str, str]] = field(default_factory=list)
    trend: pd.DataFrame | None = None
    trend_changes: dict[str, pd.DataFrame] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    has_map: bool = False

    @classmethod
    def from_dir(cls, folder: str | Path, settings: Settings | None = None) -> "ReportInputs":
        """Read the landuse outputs present in ``folder``."""
        import pyogrio

        from landuse.access.indicator import share_bounds
        from landuse.layers import catalogue
        from landuse.themes import INTEREST_THEMES

        settings = resolve(settings)
        folder = Path(folder)
        found = cls(folder=folder)
        specs = list(catalogue(settings).values())
        labels = [_theme_label(s.theme.value) for s in specs if s.schematic]
        found.schematic_layers = list(dict.fromkeys(labels))
        found.real_interest_layers = [(s.title, s.theme.value) for s in specs
                                      if not s.schematic and s.theme in INTEREST_THEMES and s.source is not None]
        interest_schematic = bool(found.schematic_layers)
        csv = folder / "malkonflikter_per_kommun.csv"
        if csv.is_file():
            found.conflicts = pd.read_csv(csv, dtype={"kommun_code": str})
        else:
            found.missing.append(csv.name)
        gpkg = folder / "malkonflikter.gpkg"
        found.conflicts_schematic = interest_schematic
        if gpkg.is_file():
            faces = pyogrio.read_dataframe(gpkg, layer="faces", columns=["schematic"], read_geometry=False)
            if len(faces):
                found.conflicts_schematic = bool(faces["schematic"].astype(bool).any())
        for mode in ("car", "transit"):
            table = folder / f"access_{mode}.csv"
            if table.is_file():
                setattr(found, mode, share_bounds(pd.read_csv(table, dtype={"kommun_code": str}), settings))
            else:
                found.missing.append(table.name)
            gpkg = folder / f"access_{mode}.gpkg"
            layers = set(pyogrio.list_layers(gpkg)[:, 0]) if gpkg.is_file() else set()
            flag = None
            if "isochrones" in layers:
                iso = pyogrio.read_dataframe(gpkg, layer="isochrones", columns=["schematic"], read_geometry=False)
                if len(iso) and "schematic" in iso.columns:
                    flag = bool(iso["schematic"].astype(bool).any())
            if mode == "car":
                found.car_network = _network_source(gpkg, layers)
                if flag is None and found.car_network is not None:
                    flag = "SCHEMATIC" in found.car_network.upper()
                if "origin_points" in layers:
                    found.car_approximate = _access_dominated_people(
                        pyogrio.read_dataframe(gpkg, layer="origin_points", read_geometry=False))
            if flag is not None:
                setattr(found, f"{mode}_schematic", flag)
            if "origins" in layers:
                origins = pyogrio.read_dataframe(gpkg, layer="origins", read_geometry=False)
                if "radius_m" in origins.columns and (pd.to_numeric(origins["radius_m"]) > 0).any():
                    points = (int(pyogrio.read_info(gpkg, layer="origin_points")["features"])
                              if "origin_points" in layers else 0)
                    found.origins_as_areas[mode] = points
        trend = folder / "access_trend.csv"
        if trend.is_file():
            found.trend = pd.read_csv(trend, dtype={"kommun_code": str, "date": str, "feed": str})
            gpkg = folder / "access_trend.gpkg"
            layers = set(pyogrio.list_layers(gpkg)[:, 0]) if gpkg.is_file() else set()
            for name in ("kommun_changes", "origin_changes", "route_changes"):
                if name in layers:
                    found.trend_changes[name] = pyogrio.read_dataframe(gpkg, layer=name, read_geometry=False)
        found.has_map = (folder / "strukturbild.html").is_file()
        return found


def _network_source(gpkg: Path, layers: set[str]) -> str | None:
    """The car network's source label: the ``network`` layer's ``source``, else a layer description."""
    import pyogrio

    if "network" in layers:
        edges = pyogrio.read_dataframe(gpkg, layer="network", columns=["source"], read_geometry=False, max_features=1)
        if len(edges) and "source" in edges.columns and isinstance(edges["source"].iloc[0], str):
            return edges["source"].iloc[0]
    for layer in ("isochrones", "origins"):
        if layer in layers:
            text = (pyogrio.read_info(gpkg, layer=layer).get("layer_metadata") or {}).get("DESCRIPTION") or ""
            if "network: " in text:
                return text.split("network: ", 1)[1]
    return None


def _access_dominated_people(points: pd.DataFrame) -> float | None:
    """People whose access leg is more than half their trip: the ``approximate`` flag the car engine wrote.

    Older files without the flag get the engine's own rule (:func:`landuse.access.access_dominated`).
    """
    from landuse.access.car import access_dominated

    if "approximate" in points.columns:
        dominated = points["approximate"].fillna(False).astype(bool).to_numpy()
    elif {"travel_time_min", "access_min"} <= set(points.columns):
        dominated = access_dominated(points["travel_time_min"], points["access_min"])
    else:
        return None
    if "population" not in points.columns:
        return None
    return float(pd.to_numeric(points.loc[dominated, "population"]).sum())


def _tag(schematic: bool) -> str:
    return f" ({SCHEMATISK})" if schematic else ""


def _pct1(share: float | None) -> str:
    """A share in per cent with one decimal (small kommun shares would round to 0 %)."""
    if share is None or not np.isfinite(share):
        return "–"
    return f"{_num(100 * share, 1)}\u00a0%"


class _Md(str):
    """Markdown that is already safe (built from :func:`_md_text` fragments): not escaped again."""


#: Characters Markdown would read as emphasis, code, links or table cells; escaped in names.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")


def _md_text(value: object) -> _Md:
    """``value`` (a name from an input file) as Markdown that renders as exactly that text.

    HTML is escaped (Markdown passes raw HTML through), Markdown syntax is
    backslash-escaped (a name must not become a link or emphasis), and ``|`` becomes
    ``&#124;`` (it would split a table cell).  Already safe :class:`_Md` passes unchanged.
    """
    if isinstance(value, _Md):
        return value
    text = html.escape(str(value), quote=True)
    return _Md(_MD_SPECIAL.sub(r"\\\1", text).replace("|", "&#124;"))


def _md_strong(value: object) -> _Md:
    return _Md(f"**{_md_text(value)}**")


def _md_code(value: object) -> _Md:
    """``value`` as a code span, fenced by more backticks than it holds (a file name may hold some)."""
    text = str(value)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return _Md(f"{fence} {text} {fence}")


def _md_table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table; every cell is escaped with :func:`_md_text` (names come from the inputs)."""
    out = ["| " + " | ".join(_md_text(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_md_text(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


def _pair(a: str, b: str) -> str:
    """Plain text (escape it for Markdown): the theme pair, an unknown theme string as it is."""
    return f"{_theme_label(a)} × {_theme_label(b)}"


def _share_at(table: pd.DataFrame | None, code: str, minutes: float = 60) -> float | None:
    if table is None:
        return None
    hit = table[(table["kommun_code"] == code) & np.isclose(pd.to_numeric(table["minutes"]), minutes)]
    return float(hit["share_within"].iloc[0]) if len(hit) else None


# --------------------------------------------------------------------------- charts


def _save(fig, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    return path


def chart_conflicts_per_kommun(table: pd.DataFrame, path: str | Path, *, schematic: bool = True,
                               top_pairs: int = 8) -> Path:
    """Stacked bars: målkonflikt area per kommun (km²) by theme pair, the ``top_pairs`` largest pairs named.

    Parameters
    ----------
    table : DataFrame
        ``malkonflikter_per_kommun.csv`` columns.
    path : path
        PNG to write (atomically).
    schematic : bool
        Title and a watermark say "schematisk" when True.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    frame = table.assign(pair=[_pair(a, b) for a, b in zip(table["theme_a"], table["theme_b"])])
    totals = frame.groupby("pair")["area_km2"].sum().sort_values(ascending=False)
    named = list(totals.index[:top_pairs])
    frame["pair"] = frame["pair"].where(frame["pair"].isin(named), "Övriga temapar")
    wide = frame.pivot_table(index="kommun", columns="pair", values="area_km2", aggfunc="sum", fill_value=0.0)
    wide = wide[[c for c in named + ["Övriga temapar"] if c in wide.columns]]
    wide = wide.loc[wide.sum(axis=1).sort_values().index]
    fig = Figure(figsize=(9, 6.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    left = np.zeros(len(wide))
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    for i, column in enumerate(wide.columns):
        colour = "#bbbbbb" if column == "Övriga temapar" else cmap(i % 10)
        ax.barh(wide.index, wide[column], left=left, label=column, color=colour)
        left += wide[column].to_numpy()
    ax.set_xlabel("Yta km² (summa av temaparens ytor)" + _tag(schematic))
    ax.set_title("Målkonfliktsyta per kommun och temapar" + _tag(schematic))
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    if schematic:
        fig.text(0.5, 0.5, "SCHEMATISK", fontsize=60, color="#cc0000", alpha=0.12, ha="center", va="center",
                 rotation=25)
    fig.tight_layout()
    return _save(fig, Path(path))


def chart_access_per_kommun(car: pd.DataFrame | None, transit: pd.DataFrame | None, path: str | Path, *,
                            minutes: float = 60, car_schematic: bool = True, transit_schematic: bool = False) -> Path:
    """Grouped bars: share of the population within ``minutes`` of the centralort, by car and by transit."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = []
    for table, label, colour, hatch, sch in ((car, "Bil", "#1f78b4", "//", car_schematic),
                                             (transit, "Kollektivtrafik", "#6a3d9a", "", transit_schematic)):
        if table is None:
            continue
        rows = table[np.isclose(pd.to_numeric(table["minutes"]), minutes)].set_index("kommun")
        series.append((label + _tag(sch), colour, hatch, rows["share_within"].astype(float)))
    kommuner = sorted(set().union(*[set(s[3].index) for s in series]) - {"Norrbottens län"})
    order = kommuner + (["Norrbottens län"] if any("Norrbottens län" in s[3].index for s in series) else [])
    fig = Figure(figsize=(9, 6.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = np.arange(len(order))
    height = 0.8 / max(len(series), 1)
    for i, (label, colour, hatch, values) in enumerate(series):
        ax.barh(y + i * height - 0.4 + height / 2, [100 * values.get(k, np.nan) for k in order], height=height,
                label=label, color=colour, hatch=hatch, edgecolor="white")
    ax.set_yticks(y, order)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"Andel av befolkningen i tätorter inom {minutes:g} min till centralort (%)")
    ax.set_title(f"Inom {minutes:g} minuter till centralort, per kommun"
                 + (" (bil: schematisk)" if car is not None and car_schematic else ""))
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _save(fig, Path(path))


# --------------------------------------------------------------------------- text


#: What a real layer of a theme is NOT, where the theme's riksintressen stay schematic stand-ins.
_REAL_LAYER_NOTES = {
    "totalforsvar": "verkliga områden på Lantmäteriets karta, men inte Försvarsmaktens riksintressen för "
                    "totalförsvaret, som här är schematiska",
}


def _is_main_roads(source: str | None) -> bool:
    from landuse.network import MAIN_ROAD_SOURCE

    return bool(source) and str(source).startswith(MAIN_ROAD_SOURCE)


def _network_text(found: ReportInputs) -> _Md:
    """The car network in Swedish (Markdown-safe): Lantmäteriet's main roads, the stand-in or the user's file."""
    source = found.car_network
    if found.car_schematic:
        return _Md("ett schematiskt nät byggt ur busstidtabellerna (inget riktigt vägnät)")
    if _is_main_roads(source):
        return _Md("Lantmäteriets verkliga huvudvägnät ur Topografi 250 (motorväg, motortrafikled, mötesfri väg "
                   "och landsväg; mindre vägar ingår inte)")
    return _Md("vägnätet " + (_md_text(source) if source else "i indata"))


def _area_model(found: ReportInputs) -> list[str]:
    """Two sentences on tätorter and centralorter as areas, when the origins layers say they are."""
    if not found.origins_as_areas:
        return []
    from landuse.access.indicator import ORIGIN_CELL_M

    points = max(found.origins_as_areas.values())
    return [
        "**Tätorter och centralorter är ytor.** SCB ger tätortens landareal men inte dess form, så varje tätort "
        "modelleras som en cirkel med tätortens landareal runt SCB:s punkt, och dess invånare fördelas jämnt på "
        f"punkter i ett rutnät med {_num(ORIGIN_CELL_M, 0)} meters avstånd inom cirkeln"
        + (f" ({_num(points, 0)} punkter i länet)" if points else "") + ". "
        "Restiden räknas för varje punkt, så en tätort kan ligga delvis inom 60 minuter, och en centralort "
        "är nådd var som helst inom sin cirkel.",
    ]


def _approximate_text(found: ReportInputs, settings: Settings) -> str:
    if found.car_approximate is None or found.car_schematic:
        return ""
    return (f"; de är ungefärliga för {_num(found.car_approximate, 0)} personer som bor där vägen fram till "
            f"vägnätet (fågelvägen × {_num(settings.access_detour_factor, 1)} i "
            f"{_num(settings.access_speed_kph, 0)} km/h) är mer än halva resan")


def _opening(found: ReportInputs, settings: Settings) -> list[str]:
    real = ["SCB:s kommungränser", "SCB:s tätorter 2020 med folkmängd och landareal", "SCB:s folkmängd per kommun",
            "Länstrafiken Norrbottens tidtabell (GTFS från Samtrafiken/Trafiklab, version 2022-12-14)"]
    if found.car is not None and not found.car_schematic and _is_main_roads(found.car_network):
        real.append("Lantmäteriets huvudvägnät ur Topografi 250")
    for title, theme in found.real_interest_layers:
        note = _REAL_LAYER_NOTES.get(theme, "")
        real.append(_md_text(title) + (f" – {note}" if note else ""))
    real_themes = {theme for _, theme in found.real_interest_layers}
    schematic = [_md_text(label.lower()) + (" (riksintressena)" if _theme_value(label) in real_themes else "")
                 for label in found.schematic_layers]
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


def _conflict_section(found: ReportInputs, chart: str | None) -> list[str]:
    sch = found.conflicts_schematic
    lines = ["## 1. Målkonflikter" + _tag(sch), ""]
    table = found.conflicts
    if table is None:
        return lines + ["Målkonflikttabellen `malkonflikter_per_kommun.csv` saknas: inga målkonflikter redovisas.", ""]
    lines += [
        "Ytor där två teman gör anspråk på samma mark, per kommun (km², EPSG:3006). Vikten anger hur allvarlig "
        "konflikten är (0 förenlig, 1 mindre, 2 betydande, 3 allvarlig) enligt `analyses/malkonflikter.toml`."
        + (" Underlaget är schematiskt: siffrorna visar metoden, inte verkliga konflikter." if sch else ""),
        "",
        "### Länet per temapar" + _tag(sch),
        "",
    ]
    county = (table.groupby(["theme_a", "theme_b"], as_index=False)
              .agg(weight=("weight", "max"), area_km2=("area_km2", "sum"))
              .sort_values("area_km2", ascending=False))
    lines.append(_md_table(
        ["Temapar", "Vikt", "Yta km²", "Underlag"],
        [[_pair(r.theme_a, r.theme_b), str(r.weight), _num(r.area_km2, 1) + _tag(sch), SCHEMATISK if sch else "verkligt"]
         for r in county.itertuples()],
    ))
    lines += ["", f"Summa av temaparens ytor i länet: {_num(county['area_km2'].sum(), 1)} km²{_tag(sch)} "
                  "(en yta där tre teman möts räknas i tre par).", ""]
    if chart:
        lines += [f"![Målkonfliktsyta per kommun och temapar{_tag(sch)}]({chart})", "",
                  f"*Figur 1. Målkonfliktsyta per kommun och temapar, km²{_tag(sch)}.*", ""]
    lines += ["### Per kommun" + _tag(sch), ""]
    rows = []
    for (code, name), group in table.groupby(["kommun_code", "kommun"], sort=True):
        top = group.sort_values("area_km2", ascending=False).iloc[0]
        rows.append([f"{name} ({code})", str(len(group)), _num(group["area_km2"].sum(), 1) + _tag(sch),
                     _pair(top.theme_a, top.theme_b), _num(top.area_km2, 1) + _tag(sch),
                     _pct1(float(top.share_of_kommun)) + _tag(sch)])
    lines.append(_md_table(["Kommun", "Temapar", "Summa km²", "Största temapar", "Dess yta km²",
                            "Andel av kommunen"], rows))
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
    return f"{_num(100 * lower, 1)}–{_num(100 * upper, 1)}\u00a0%"


def _access_section(found: ReportInputs, chart: str | None, settings: Settings) -> list[str]:
    lines = ["## 2. Tillgänglighet: andel som når centralort inom 60 minuter", ""]
    if found.car is None and found.transit is None:
        return lines + ["Tabellerna `access_car.csv` och `access_transit.csv` saknas: ingen tillgänglighet redovisas.", ""]
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
                         f"{_num(settings.access_detour_factor, 1)} i {_num(settings.access_speed_kph, 0)} km/h "
                         f"(högst {_num(settings.max_snap_m / 1000, 0)} km)" if not found.car_schematic else "")
                      + "."
                      + (f" Där den vägen är mer än halva resan är restiden ungefärlig: det gäller "
                         f"{_num(found.car_approximate, 0)} personer." if found.car_approximate and not
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
                  + (f" ({_pct1(held)} av länets invånare)" if held is not None else "") + ". Bredvid varje andel "
                  "står vad den blir över alla invånare (SCB 31 dec 2020): mellan en nedre gräns, om ingen utanför "
                  "startpunkterna når centralorten, och en övre, om alla utanför dem gör det.")
    lines += [" ".join(method), ""]
    rows = []
    for r in base.itertuples():
        total = float(r.population_total) if np.isfinite(float(r.population_total)) else None
        row: list[object] = [
            f"{r.kommun} ({r.kommun_code})" if r.kommun_code != COUNTY_CODE else _md_strong(r.kommun),
            _num(float(r.population), 0),
            _num(total, 0) if total else "–",
        ]
        for table, sch in ((found.car, found.car_schematic), (found.transit, found.transit_schematic)):
            if table is None:
                row += ["saknas", "saknas"]
                continue
            row += [_pct1(_share_at(table, r.kommun_code)) + _tag(sch), _bounds(table, r.kommun_code) + _tag(sch)]
        row.append(_pct1(float(r.population) / total) if total else "–")
        rows.append(row)
    lines.append(_md_table(["Kommun", "Befolkning i tätorter", "Alla invånare (SCB)", "Bil inom 60 min (tätorter)",
                            "Bil, alla invånare (gränser)", "Kollektivtrafik inom 60 min (tätorter)",
                            "Kollektivtrafik, alla invånare (gränser)", "Täckning (tätorter / SCB)"], rows))
    lines.append("")
    if chart:
        lines += [f"![Andel inom 60 minuter per kommun{' (bil: schematisk)' if found.car_schematic else ''}]({chart})",
                  "", "*Figur 2. Andel av befolkningen i tätorter inom 60 minuter till centralort, per kommun"
                  + ("; bilens staplar är schematiska" if found.car is not None and found.car_schematic else "")
                  + ".*", ""]
    lines += ["Alla tröskelvärden (45, 60 och 90 minuter) står i bilaga B.", ""]
    return lines


def _trend_section(found: ReportInputs, top: int = 5) -> list[str]:
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
    lines.append(_md_table(["tidtabell", "trafikdag", "andel inom 60 min", "personer"],
                           [[_md_text(r.feed), _md_text(r.date), _pct1(r.share_within),
                             _num(r.population_within, 0)] for r in county.itertuples()]))
    lines += ["", "![Andel inom 60 minuter per tidtabell](access_trend.png)", ""]
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
        lines.append(f"- {_md_text(a)} → {_md_text(b)}: " + ("; ".join(
            f"{_md_text(r.kommun)} {_pct1(r.share_from)} → {_pct1(r.share_to)} ({_num(r.people_change, 0)} "
            "personer)" for r in changed.itertuples()) or "ingen kommun ändrades"))
        if origins is None:
            continue
        mine = origins[(origins["feed_from"] == a) & (origins["people_change"].abs() > 0.5)].head(top)
        for r in mine.itertuples():
            causes = routes[(routes["feed_from"] == a) & (routes["origin_id"] == r.origin_id)] \
                if routes is not None else pd.DataFrame()
            why = "; ".join(f"{_md_text(c.route)}: {c.trips_from} → {c.trips_to} direkta turer, första ankomst "
                            f"{_md_text(c.first_arrival_from or '–')} → {_md_text(c.first_arrival_to or '–')}"
                            for c in causes.head(3).itertuples())
            lines.append(f"  - {_md_text(r.name)}: {_pct1(r.share_from)} → {_pct1(r.share_to)} inom 60 min"
                         + (f" – {why}" if why else " – inga ändrade direkta turer (byten eller gångväg)"))
    lines.append("")
    return lines


def _appendix(found: ReportInputs) -> list[str]:
    lines = ["## Bilaga A. Målkonflikter per kommun och temapar" + _tag(found.conflicts_schematic), ""]
    sch = found.conflicts_schematic
    if found.conflicts is None:
        lines += ["Saknas (`malkonflikter_per_kommun.csv`).", ""]
    else:
        table = found.conflicts.sort_values(["kommun_code", "area_km2"], ascending=[True, False])
        lines.append(_md_table(
            ["Kommun", "Temapar", "Vikt", "Yta km²", "Andel av kommunen"],
            [[f"{r.kommun} ({r.kommun_code})", _pair(r.theme_a, r.theme_b), str(r.weight),
              _num(r.area_km2, 2) + _tag(sch), _pct1(float(r.share_of_kommun)) + _tag(sch)]
             for r in table.itertuples()]))
        lines.append("")
    lines += ["## Bilaga B. Tillgänglighet, alla tröskelvärden", ""]
    for mode, label, sch in (("car", "Bil", found.car_schematic), ("transit", "Kollektivtrafik", found.transit_schematic)):
        table = getattr(found, mode)
        lines += [f"### {label}{_tag(sch)}", ""]
        if table is None:
            lines += [f"Saknas (`access_{mode}.csv`).", ""]
            continue
        lines.append(_md_table(
            ["Kommun", "Minuter", "Befolkning i tätorter", "Inom tröskeln", "Andel (tätorter)",
             "Andel av alla invånare (gränser)"],
            [[f"{r.kommun} ({r.kommun_code})", _num(float(r.minutes), 0), _num(float(r.population), 0),
              _num(float(r.population_within), 0) + _tag(sch), _pct1(float(r.share_within)) + _tag(sch),
              _bounds_row(pd.Series(r._asdict())) + _tag(sch)]
             for r in table.itertuples()]))
        lines.append("")
    return lines


#: The staging folder a run writes into before moving its files (``.OUT.landuse-XXXX``, see landuse._io).
_STAGING = re.compile(r"^\.(?P<name>.+)\.landuse-[^.]+$")


def _folder_name(folder: Path) -> str:
    """The output folder's name as the user gave it (a staging folder is named after its ``--out``)."""
    match = _STAGING.match(folder.name)
    return match.group("name") if match else folder.name


def report_markdown(found: ReportInputs, *, charts: dict[str, str] | None = None,
                    settings: Settings | None = None) -> str:
    """The report as Markdown (Swedish).

    Parameters
    ----------
    found : ReportInputs
        From :meth:`ReportInputs.from_dir`.
    charts : dict, optional
        ``{"conflicts": file name, "access": file name}`` of the PNG charts to link.
    """
    settings = resolve(settings)
    charts = charts or {}
    today = dt.date.today().isoformat()
    lines = ["# Målkonflikter och tillgänglighet i Norrbotten – demorapport", ""]
    lines += _opening(found, settings)
    lines += ["", f"*Skapad {today} med landuse ur filerna i {_md_code(_folder_name(found.folder) + '/')}.*", ""]
    if found.has_map:
        lines += ["Strukturbilden (noder, stråk och områden) finns som interaktiv karta: "
                  "[strukturbild.html](strukturbild.html) – den fungerar utan nätverk.", ""]
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
                     "vägnätet " + (_md_text(found.car_network) if found.car_network else "i indata") + "."),
        "- Folkmängd utanför tätorterna (för gränserna över alla invånare): SCB, folkmängd per kommun "
        "31 dec 2020.",
    ]
    for title, _theme in found.real_interest_layers:
        lines.append(f"- {_md_text(title)}: verkligt lager i landuse (se `landuse layers list`).")
    lines.append("")
    lines += _appendix(found)
    return "\n".join(lines).rstrip() + "\n"




def _markdown_to_html(text: str) -> str:
    """The report's Markdown as HTML, with raw HTML shown as text.

    The report holds no HTML of its own, so Markdown's raw-HTML pass-through is turned
    off: should a name from an input reach the text unescaped, it still cannot run.
    """
    import markdown

    md = markdown.Markdown(extensions=["tables"])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md.convert(text)


def write_report(folder: str | Path, *, settings: Settings | None = None) -> tuple[list[Path], ReportInputs]:
    """Write ``rapport.md``, ``rapport.html`` and the PNG charts into ``folder`` from the files there.

    Returns
    -------
    (list of Path, ReportInputs)
        The files written, and what was found (``missing`` names absent inputs).
    """
    settings = resolve(settings)
    folder = Path(folder)
    found = ReportInputs.from_dir(folder, settings)
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
    written.insert(0, write_text(text, folder / "rapport.md"))
    body = _markdown_to_html(text)
    title = html.escape(text.splitlines()[0].lstrip("# "))
    written.insert(1, write_text(html_page(title, body), folder / "rapport.html"))
    return written, found


def demo_step(out_dir: Path, *, settings: Settings | None = None) -> list[str]:
    """Demo step: ``rapport.md`` + ``rapport.html`` (+ PNG charts) from the outputs in ``out_dir``."""
    written, found = write_report(out_dir, settings=settings)
    lines = ["wrote " + ", ".join(p.name for p in written)]
    if found.missing:
        lines.append("the report says these inputs are missing: " + ", ".join(found.missing))
    return lines
