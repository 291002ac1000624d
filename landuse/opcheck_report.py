"""The ÖP-check report: ``op_check.md`` and ``op_check.html`` with one static map per planned area.

It presents what :func:`landuse.opcheck.op_check` returned as the consequence table that
planners attach to an översiktsplan's samrådshandling: a summary per use category and
theme, then for every planned area with overlaps a map and the interests it meets, with
legal basis, authority, weight, the conflict matrix's rationale and whom to consult.
Names and figures from schematic layers carry "(schematisk)".
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landuse._io import atomic_path, write_text
from landuse.conflicts import ConflictMatrix, read_conflict_matrix
from landuse.errors import LanduseError
from landuse.html_page import html_page
from landuse.opcheck import OP_MAP_PREFIX, OP_REPORT_FILES
from landuse.settings import WORK_CRS, Settings, resolve
from landuse.themes import THEME_LABELS, parse_theme

__all__ = ["WEIGHT_LABELS", "Consult", "pair_rationale", "consult_for", "map_file_names", "plan_map",
           "op_report_markdown", "write_op_report"]

SCHEMATISK = "schematisk"
#: The conflict matrix's weight scale, in Swedish (analyses/malkonflikter.toml).
WEIGHT_LABELS = {0: "förenliga", 1: "mindre konflikt", 2: "betydande konflikt", 3: "allvarlig konflikt"}
#: Fill colour of a theme the map spec does not colour.
_FALLBACK_COLOUR = "#7f7f7f"


# --------------------------------------------------------------------------- text


class _Md(str):
    """Markdown that is already safe (built from :func:`_md` fragments): not escaped again."""


#: Characters Markdown reads as emphasis, code or links; backslash-escaped in names.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")


def _md(value: object) -> _Md:
    """``value`` (text from an input file or the catalogue) as Markdown that renders as exactly that text.

    HTML is escaped (Markdown passes raw HTML through), Markdown syntax is
    backslash-escaped, ``|`` becomes ``&#124;`` (it would split a table cell) and line
    breaks become spaces (they would end a table row).
    """
    if isinstance(value, _Md):
        return value
    text = " ".join(str(value).splitlines())
    text = html.escape(text, quote=True)
    return _Md(_MD_SPECIAL.sub(r"\\\1", text).replace("|", "&#124;"))


def _md_table(header: list[str], rows: Iterable[list[object]], align: str = "") -> list[str]:
    """A Markdown table, every cell escaped; ``align`` gives ``l``/``r`` per column (default left)."""
    rule = ["---:" if a == "r" else "---" for a in align.ljust(len(header), "l")]
    out = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "|".join(rule) + "|"]
    out += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return out


def _num(value: float, decimals: int = 0) -> str:
    """Swedish number format: no-break space as thousands separator, decimal comma."""
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")


def _pct(share: float) -> str:
    return f"{_num(100 * share, 1)}\u00a0%"


def _tag(schematic: bool) -> str:
    return f" ({SCHEMATISK})" if schematic else ""


def _statutes(text: str) -> str:
    """A legal basis with no-break spaces inside each reference ("MB 3 kap 7 §" stays on one line)."""
    return "; ".join(part.strip().replace(" ", "\u00a0") for part in text.split(";") if part.strip())


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _theme_label(theme: str) -> str:
    try:
        return THEME_LABELS[parse_theme(theme)]
    except LanduseError:
        return str(theme)


def _feature_text(name: str, feature_id: str, schematic: bool) -> str:
    """The feature's name and id; "(schematisk)" added when the name does not say it already."""
    name = str(name).strip()
    text = f"{name}, {feature_id}" if name else str(feature_id)
    return text + (_tag(True) if schematic and SCHEMATISK not in name.casefold() else "")


# --------------------------------------------------------------------------- matrix and catalogue


def pair_rationale(matrix: ConflictMatrix, use: str, theme: str) -> tuple[int, str]:
    """Weight and rationale of a planned use against an interest theme, as :func:`op_check` weighs it.

    The weight is the largest matrix weight between a theme the use stands for
    (``[op_categories]``) and ``theme``; the rationale is that pair's sentence from
    ``[pairs]`` (``ConflictMatrix.rationale``).

    Parameters
    ----------
    matrix : ConflictMatrix
    use : str
        ÖP use category, e.g. "Verksamheter och industri".
    theme : str
        Interest theme of the feature.

    Returns
    -------
    (int, str)
        Weight 0..3 and a Swedish sentence.

    Raises
    ------
    ConfigError
        If ``use`` is not mapped in the matrix.

    Examples
    --------
    >>> weight, why = pair_rationale(read_conflict_matrix(), "Verksamheter och industri", "mineral")
    >>> weight, why.split()[0]
    (3, 'Gruvdrift')
    """
    use_themes = matrix.op_themes(use)
    if not use_themes:
        return 0, "Användningen står i konfliktmatrisen inte för något intresse som gör anspråk på marken."
    weight, other, own = max((matrix.weight(t, theme), t != theme, t) for t in use_themes)
    if not other:
        return 0, "Användningen står för samma intresse som temat; inom ett tema är det ingen målkonflikt."
    return weight, matrix.rationale.get(tuple(sorted((own, theme))), "")  # type: ignore[arg-type]


@dataclass(frozen=True)
class Consult:
    """What the layer catalogue says about an interest layer: law, authority, where the official data is."""

    legal_basis: str
    authority: str
    download: str


def consult_for(layer: str, theme: str, settings: Settings | None = None) -> Consult:
    """Legal basis, authority and download of an interest layer, from the layer catalogue.

    A user's file (``--interest THEME=PATH``) is named after the file, not a catalogue
    spec: it gets the theme's riksintresse spec (the one with a legal basis).

    Examples
    --------
    >>> consult_for("rennaring_karnomraden", "rennaring").authority
    'Sametinget'
    """
    from landuse.layers import catalogue

    specs = catalogue(settings)
    spec = specs.get(layer)
    if spec is None or spec.theme.value != theme:
        related = [s for s in specs.values() if s.theme.value == theme]
        spec = next((s for s in related if s.legal_basis), related[0] if related else None)
    if spec is None:
        return Consult("", "", "")
    return Consult(spec.legal_basis, spec.authority, spec.download)


#: A URL at the start of a catalogue ``download`` text (no characters that could leave a Markdown link).
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+")


def _download_md(text: str) -> _Md:
    """A catalogue download text as Markdown: its leading URL as a link, the rest as text."""
    match = _URL.match(text.strip())
    if not match:
        return _md(text)
    url = match.group(0)
    rest = text.strip()[len(url):]
    return _Md(f"[{_md(url)}]({url}){_md(rest)}")


# --------------------------------------------------------------------------- maps


def map_file_names(plan_ids: Iterable[str]) -> dict[str, str]:
    """File names ``op_check_<id>.png`` for plan ids: ASCII letters, digits, ``-`` and ``_``, unique.

    Accents are dropped (``Älvsbyn`` -> ``Alvsbyn``), other characters become ``_``, names
    are cut at 60 characters, and ids that end up alike (also case-insensitively, for
    file systems that fold case) get ``_2``, ``_3`` ...

    Examples
    --------
    >>> map_file_names(["P 1", "p/1", "Ön"])
    {'P 1': 'op_check_P_1.png', 'p/1': 'op_check_p_1_2.png', 'Ön': 'op_check_On.png'}
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for plan_id in plan_ids:
        if plan_id in out:
            continue
        ascii_id = unicodedata.normalize("NFKD", str(plan_id)).encode("ascii", "ignore").decode()
        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_id).strip("_-")[:60] or "omrade"
        name, i = stem, 2
        while name.casefold() in taken:
            name, i = f"{stem}_{i}", i + 1
        taken.add(name.casefold())
        out[plan_id] = f"{OP_MAP_PREFIX}{name}.png"
    return out


def _theme_colours(settings: Settings) -> dict[str, str]:
    """Theme fill colours from the strukturbild map spec, so the report matches the map."""
    from landuse.map_spec import load_map_spec

    spec = load_map_spec(settings=settings)
    return {parse_theme(o.theme).value: o.colour for o in spec.overlays if o.kind == "theme" and o.theme}


def _scale_km(width_m: float) -> float:
    """A round scale-bar length (km) of at most a quarter of the map width."""
    steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200]
    return max([s for s in steps if s * 1000 <= width_m / 4] or [steps[0]])


def plan_map(
    plan_id: str,
    use: str,
    geometry: shapely.Geometry,
    features: gpd.GeoDataFrame,
    kommuner: gpd.GeoDataFrame,
    path: str | Path,
    *,
    colours: dict[str, str] | None = None,
    pad_m: float | None = None,
) -> Path:
    """A static map (PNG) of one planned area and the interest features it overlaps.

    No basemap tiles: the map is drawn offline from the vectors alone, in EPSG:3006.

    Parameters
    ----------
    plan_id, use : str
        Shown in the title as plain text.
    geometry : shapely geometry
        The planned area, EPSG:3006.
    features : geopandas.GeoDataFrame
        The interest features it overlaps (``theme``, ``name``, ``schematic``), EPSG:3006;
        drawn clipped to a buffer of ``pad_m`` around the area, schematic ones hatched.
    kommuner : geopandas.GeoDataFrame
        Kommun boundaries (``name``), EPSG:3006.
    path : path
        PNG to write (atomically).
    colours : dict, optional
        Theme -> colour.
    pad_m : float, optional
        Buffer around the planned area in metres; default half its larger side, at least 1 000 m.

    Returns
    -------
    Path
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    colours = colours or {}
    x0, y0, x1, y1 = shapely.bounds(geometry)
    pad = pad_m if pad_m is not None else max(1000.0, 0.5 * max(x1 - x0, y1 - y0))
    window = shapely.buffer(geometry, pad)
    wx0, wy0, wx1, wy1 = shapely.bounds(window)
    side = max(wx1 - wx0, wy1 - wy0) * 1.04
    cx, cy = (wx0 + wx1) / 2, (wy0 + wy1) / 2
    frame = shapely.box(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)

    fig = Figure(figsize=(6.0, 7.0))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.05, 0.135, 0.9, 0.771))  # square: 5.4 in by 5.4 in
    ax.set_facecolor("#f7f7f4")
    handles: list = []
    seen: set[tuple[str, bool]] = set()
    clipped = features.assign(geometry=shapely.intersection(np.asarray(features.geometry.values), window))
    clipped = clipped[~clipped.geometry.is_empty]
    groups = sorted(clipped.groupby(["theme", "schematic"], sort=True),
                    key=lambda item: -float(item[1].geometry.area.sum()))  # large areas first, small on top
    for (theme, schematic), group in groups:
        colour = colours.get(str(theme), _FALLBACK_COLOUR)
        style = {"facecolor": colour, "edgecolor": colour, "alpha": 0.35, "linewidth": 1.0,
                 "hatch": "///" if schematic else None}
        group.plot(ax=ax, **style)
        gpd.GeoSeries(group.geometry.values).boundary.plot(ax=ax, color=colour, linewidth=1.2)
        if (theme, bool(schematic)) not in seen:
            seen.add((theme, bool(schematic)))
            handles.append(Patch(label=_theme_label(str(theme)) + _tag(bool(schematic)), **style))
    gpd.GeoSeries([window]).boundary.plot(ax=ax, color="#999999", linewidth=0.6, linestyle=":")
    near = kommuner[kommuner.intersects(frame)]
    for geom, name in zip(near.geometry.values, near["name"]):
        line = shapely.intersection(shapely.boundary(geom), frame)
        if not line.is_empty:
            gpd.GeoSeries([line]).plot(ax=ax, color="#444444", linewidth=1.4, linestyle="--")
        inside = shapely.difference(shapely.intersection(geom, shapely.buffer(frame, -side * 0.08)),
                                    shapely.buffer(geometry, side * 0.03))  # the label keeps off the plan
        if not inside.is_empty and len(near) > 1:
            point = inside.representative_point()
            ax.text(point.x, point.y, f"{name} kommun", fontsize=8, color="#444444", style="italic",
                    ha="center", va="center", parse_math=False)
    if len(near):
        handles.append(Line2D([], [], color="#444444", linewidth=1.4, linestyle="--",
                              label="Kommungräns: " + ", ".join(sorted(map(str, near["name"])))))
    gpd.GeoSeries([geometry]).plot(ax=ax, facecolor="none", edgecolor="#000000", linewidth=2.2)
    handles.insert(0, Patch(facecolor="none", edgecolor="#000000", linewidth=2.2, label="Planerat område"))
    ax.set_xlim(cx - side / 2, cx + side / 2)
    ax.set_ylim(cy - side / 2, cy + side / 2)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    # scale bar in km, lower left, on a white box
    km = _scale_km(side)
    bx, by = cx - side / 2 + side * 0.04, cy - side / 2 + side * 0.05
    ax.add_patch(Rectangle((bx - side * 0.015, by - side * 0.02), km * 1000 + side * 0.03, side * 0.075,
                           facecolor="white", edgecolor="none", alpha=0.85))
    ax.add_patch(Rectangle((bx, by), km * 500, side * 0.012, facecolor="black", edgecolor="black"))
    ax.add_patch(Rectangle((bx + km * 500, by), km * 500, side * 0.012, facecolor="white", edgecolor="black"))
    ax.text(bx + km * 500, by + side * 0.02, f"{_num(km, 1 if km < 1 else 0)} km", ha="center", va="bottom",
            fontsize=8, parse_math=False)
    ax.text(cx + side / 2 - side * 0.02, cy - side / 2 + side * 0.02, "SWEREF 99 TM (EPSG:3006)", fontsize=7,
            ha="right", va="bottom", color="#555555")
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.005), ncol=2, fontsize=8,
               frameon=False)
    title = f"Område {plan_id}: {use}"
    fig.suptitle(title if len(title) <= 80 else title[:79] + "…", fontsize=10, y=0.975, parse_math=False)
    if any(s for _, s in seen):
        fig.text(0.5, 0.93, "Streckat: schematiska demolager, inte verkliga gränser", ha="center", fontsize=8,
                 color="#b00000")
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    return path


# --------------------------------------------------------------------------- report text


def _union_area(geoms: Iterable[shapely.Geometry]) -> float:
    return float(shapely.area(shapely.union_all(np.asarray(list(geoms), dtype=object))))


def _summary(result: gpd.GeoDataFrame, plan: gpd.GeoDataFrame, themes: list[str]) -> list[str]:
    lines = ["## 1. Sammanfattning per användning och tema", ""]
    per_use = plan.groupby("use", sort=True).agg(areas=("plan_id", "size"), area_m2=("plan_area_m2", "sum"))
    hit = result.groupby("use")["plan_id"].nunique()
    worst = result.groupby("use")["weight"].max()
    lines += _md_table(
        ["Användning", "Planerade områden", "varav med överlapp", "Yta (ha)", "Högsta vikt"],
        [[use, int(areas), int(hit.get(use, 0)), _num(area_m2 / 1e4, 1),
          int(worst[use]) if use in worst.index else "–"]
         for use, areas, area_m2 in zip(per_use.index, per_use["areas"], per_use["area_m2"])],
        align="lrrrr")
    lines += ["", "Per användning och tema: antal planerade områden som överlappar temat, överlappets yta "
              "(överlappande objekt inom ett tema räknas en gång) och den högsta vikten.", ""]
    if not len(result):
        return lines + ["Inget planerat område överlappar de kontrollerade intressena.", ""]
    order = {t: i for i, t in enumerate(themes)}
    rows = []
    groups = result.groupby(["use", "theme"], sort=False)
    for (use, theme) in sorted(groups.groups, key=lambda k: (k[0], order.get(k[1], len(order)), k[1])):
        group = groups.get_group((use, theme))
        schematic = bool(group["schematic"].any())
        rows.append([use, _theme_label(theme) + _tag(schematic), group["plan_id"].nunique(),
                     _num(_union_area(group.geometry.values) / 1e4, 1) + _tag(schematic),
                     f"{int(group['weight'].max())}\u00a0– {WEIGHT_LABELS.get(int(group['weight'].max()), '')}"])
    lines += _md_table(["Användning", "Tema", "Planerade områden", "Överlapp (ha)", "Högsta vikt"], rows,
                       align="llrrl")
    return lines + [""]


def _area_section(plan_row: pd.Series, rows: pd.DataFrame, *, map_name: str | None,
                  rationales: dict[tuple[str, str], tuple[int, str]], consult: dict[tuple[str, str], Consult],
                  number: int) -> list[str]:
    schematic = bool(rows["schematic"].any())
    top = int(rows["weight"].max())
    lines = [f"### 2.{number} Område {_md(plan_row['plan_id'])}: {_md(plan_row['use'])}", "",
             f"Yta {_num(plan_row['plan_area_m2'] / 1e4, 1)} ha. {len(rows)} överlapp med "
             f"{_count(rows['theme'].nunique(), 'tema', 'teman')}, högsta vikt {top} ({WEIGHT_LABELS.get(top, '')}).", ""]
    if map_name:
        alt = _md(f"Karta: område {plan_row['plan_id']} och intressena det överlappar" + _tag(schematic))
        lines += [f"![{alt}]({map_name})", ""]
    table = []
    for r in rows.itertuples():
        info = consult[(r.layer, r.theme)]
        table.append([_theme_label(r.theme), _feature_text(r.feature_name, r.feature_id, r.schematic),
                      _statutes(info.legal_basis) or "– (anges inte i lagerkatalogen)", info.authority or "–",
                      _num(r.overlap_m2) + _tag(r.schematic), _pct(r.share_of_plan_area),
                      f"{r.weight}\u00a0– {WEIGHT_LABELS.get(int(r.weight), '')}", rationales[(r.use, r.theme)][1]])
    lines += _md_table(["Tema", "Objekt", "Lagstöd", "Ansvarig myndighet", "Överlapp (m²)", "Andel av området",
                        "Vikt", "Motivering (konfliktmatrisen)"], table, align="llllrrll")
    lines += ["", "Samråd:", ""]
    by_authority: dict[str, list[tuple[str, Consult]]] = {}
    for layer, theme in dict.fromkeys(zip(rows["layer"], rows["theme"])):
        info = consult[(layer, theme)]
        by_authority.setdefault(info.authority or "okänd myndighet", []).append((theme, info))
    for authority, items in by_authority.items():
        themes = ", ".join(dict.fromkeys(_theme_label(t) for t, _ in items))
        downloads = list(dict.fromkeys(i.download for _, i in items if i.download))
        where = "; ".join(_download_md(d) for d in downloads)
        lines.append(f"- **{_md(authority)}** ({_md(themes)})" + (f" – officiella data: {where}" if where else ""))
    return lines + [""]


def op_report_markdown(
    result: gpd.GeoDataFrame,
    plan: gpd.GeoDataFrame,
    *,
    matrix: ConflictMatrix,
    themes: list[str],
    maps: dict[str, str] | None = None,
    plan_name: str = "",
    settings: Settings | None = None,
) -> str:
    """The ÖP-check report as Markdown (Swedish); every name from an input is escaped.

    Parameters
    ----------
    result : geopandas.GeoDataFrame
        From :func:`landuse.opcheck.op_check` (with the overlap geometries).
    plan : geopandas.GeoDataFrame
        From :func:`landuse.opcheck.load_plan`.
    matrix : ConflictMatrix
        The matrix ``result`` was weighed with.
    themes : list of str
        The interest themes checked.
    maps : dict, optional
        Plan id -> PNG file name of its map.
    plan_name : str
        The plan's file name, shown as text.
    settings : Settings, optional

    Returns
    -------
    str
    """
    maps = maps or {}
    today = dt.date.today().isoformat()
    rationales = {(u, t): pair_rationale(matrix, u, t) for u, t in dict.fromkeys(zip(result["use"], result["theme"]))}
    consult = {(layer, t): consult_for(layer, t, settings)
               for layer, t in dict.fromkeys(zip(result["layer"], result["theme"]))}
    n_schematic = int(result["schematic"].sum())
    lines = ["# ÖP-check: planerade områden mot riksintressen och andra intressen", "",
             f"Konsekvenstabell per planerat område i {_md(plan_name or 'planen')} (underlag till "
             f"samrådshandlingen). Skapad {today} med landuse.", ""]
    if n_schematic:
        lines += [f"**Schematiska data:** {n_schematic} av {len(result)} överlapp gäller schematiska demolager, "
                  "markerade (schematisk): de visar metoden, inte verkliga gränser. Ersätt dem med myndigheternas "
                  "data (`--interest TEMA=FIL`, länkarna under Samråd) innan tabellen används i en "
                  "samrådshandling.", ""]
    lines += [f"- Kontrollerade teman: {_md(', '.join(_theme_label(t) for t in themes))}.",
              f"- Planerade områden: {len(plan)}, varav {result['plan_id'].nunique()} överlappar något intresse "
              f"({len(result)} överlapp).",
              f"- Vikter ur konfliktmatrisen {_md(matrix.path.name if matrix.path else matrix.title)}: "
              + ", ".join(f"{w} {label}" for w, label in WEIGHT_LABELS.items()) + ".", ""]
    lines += _summary(result, plan, themes)
    lines += ["## 2. Planerade områden med överlapp", ""]
    if not len(result):
        lines += ["Inga.", ""]
    by_plan = {pid: rows for pid, rows in result.groupby("plan_id", sort=False)}
    number = 0
    for _, plan_row in plan.iterrows():
        rows = by_plan.get(plan_row["plan_id"])
        if rows is None:
            continue
        number += 1
        lines += _area_section(plan_row, rows, map_name=maps.get(plan_row["plan_id"]), rationales=rationales,
                               consult=consult, number=number)
    free = plan[~plan["plan_id"].isin(by_plan)]
    lines += ["## 3. Planerade områden utan överlapp", ""]
    if len(free):
        lines += _md_table(["Område", "Användning", "Yta (ha)"],
                           [[r.plan_id, r.use, _num(r.plan_area_m2 / 1e4, 1)] for r in free.itertuples()],
                           align="llr")
    else:
        lines.append("Inga: alla planerade områden överlappar något av de kontrollerade intressena.")
    lines += ["", "## 4. Metod", "",
              "- Överlapp: planerade områden skurna med intresseobjekten i SWEREF 99 TM (EPSG:3006); "
              "ytor i m², andel av det planerade områdets yta. Samma siffror finns i op\\_check.csv och "
              "op\\_check.gpkg.",
              "- Vikt: den högsta vikten i konfliktmatrisen mellan de teman användningen står för "
              "(`[op_categories]`) och objektets tema; motiveringen är det temaparets mening i matrisen.",
              "- Lagstöd, ansvarig myndighet och var de officiella data finns: landuse lagerkatalog "
              "(`landuse layers list`).",
              "- Kartorna visar det planerade området, de överlappande objekten inom en buffert runt det "
              "och kommungränsen (SCB); inga bakgrundskartor."]
    return "\n".join(lines).rstrip() + "\n"


#: Tables with maps: wider text, cells aligned to the top, images at a fixed width.
_EXTRA_CSS = ("th,td{vertical-align:top} td[style*=right]{white-space:nowrap} "
              "img{width:500px;border:1px solid #ddd} h3{margin-top:2em;border-top:1px solid #ddd;padding-top:.8em}")




def _markdown_to_html(text: str) -> str:
    """Markdown as HTML with raw HTML turned off: input names are escaped already, and cannot run even if not."""
    import markdown

    md = markdown.Markdown(extensions=["tables"])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md.convert(text)


def write_op_report(
    result: gpd.GeoDataFrame,
    plan: gpd.GeoDataFrame,
    interests: gpd.GeoDataFrame,
    out_dir: str | Path,
    *,
    matrix: ConflictMatrix | None = None,
    plan_name: str = "",
    settings: Settings | None = None,
) -> list[Path]:
    """Write ``op_check.md``, ``op_check.html`` and one map ``op_check_<id>.png`` per planned area with overlaps.

    Parameters
    ----------
    result : geopandas.GeoDataFrame
        From :func:`landuse.opcheck.op_check`.
    plan : geopandas.GeoDataFrame
        From :func:`landuse.opcheck.load_plan`.
    interests : geopandas.GeoDataFrame
        The interest features ``result`` was computed from
        (:func:`landuse.conflicts.load_interest_layers`); drawn on the maps.
    out_dir : path
        Folder to write into (created when missing).
    matrix : ConflictMatrix, optional
        Default :func:`landuse.conflicts.read_conflict_matrix`.
    plan_name : str
        The plan's file name, for the report's text.
    settings : Settings, optional

    Returns
    -------
    list of Path
        The Markdown, the HTML, then the maps in plan order.
    """
    from landuse.layers import load_layer

    settings = resolve(settings)
    matrix = matrix if matrix is not None else read_conflict_matrix(settings=settings)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    present = set(interests["theme"].astype(str))
    themes = [t for t in matrix.themes if t in present] + sorted(present - set(matrix.themes))
    overlapping = set(result["plan_id"])
    with_overlaps = [pid for pid in plan["plan_id"] if pid in overlapping]
    names = map_file_names(with_overlaps)
    written: list[Path] = []
    if with_overlaps:
        kommuner = load_layer("kommuner", settings=settings).to_crs(WORK_CRS)
        colours = _theme_colours(settings)
        key = interests["layer"].astype(str) + "\x00" + interests["feature_id"].astype(str)
        position = pd.Series(np.arange(len(interests)), index=key.to_numpy())
        position = position[~position.index.duplicated()]
        geoms = dict(zip(plan["plan_id"], plan.geometry.values))
        uses = dict(zip(plan["plan_id"], plan["use"]))
        for pid, rows in result.groupby("plan_id", sort=False):
            keys = (rows["layer"].astype(str) + "\x00" + rows["feature_id"].astype(str)).unique()
            features = interests.iloc[position.loc[keys].to_numpy()]
            written.append(plan_map(pid, uses[pid], geoms[pid], features, kommuner, out_dir / names[pid],
                                    colours=colours))
        order = {name: i for i, name in enumerate(names.values())}
        written.sort(key=lambda p: order[p.name])
    text = op_report_markdown(result, plan, matrix=matrix, themes=themes, maps=names, plan_name=plan_name,
                              settings=settings)
    title = html.escape(text.splitlines()[0].lstrip("# "))
    md_path = write_text(text, out_dir / OP_REPORT_FILES["md"])
    html_path = write_text(html_page(title, _markdown_to_html(text), max_width_px=1150, extra_css=_EXTRA_CSS),
                           out_dir / OP_REPORT_FILES["html"])
    return [md_path, html_path, *written]
