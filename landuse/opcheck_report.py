"""The ÖP-check report: ``op_check.md`` and ``op_check.html`` with one static map per planned area.

It presents what :func:`landuse.opcheck.op_check` returned as the consequence table that
planners attach to an översiktsplan's samrådshandling: a summary per use category and
theme, then for every planned area with overlaps a map (:mod:`landuse.opcheck_maps`) and
the interests it meets, with legal basis, authority, weight, the conflict matrix's
rationale and whom to consult.  Names and figures from schematic layers carry "(schematisk)".
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landuse._io import write_text
from landuse._markdown import Md, markdown_to_html, md_table, md_text
from landuse.conflict_matrix import ConflictMatrix, read_conflict_matrix
from landuse.formatting import SCHEMATISK, num, pct, schematic_suffix, theme_label
from landuse.html_page import html_page
from landuse.opcheck_maps import plan_map, theme_colours
from landuse.outputs import OP_FILES, OP_REPORT_FILES, op_map_names
from landuse.settings import WORK_CRS, Settings, resolve

__all__ = ["WEIGHT_LABELS", "Consult", "pair_rationale", "consult_for", "plan_map", "op_report_markdown",
           "write_op_report"]

#: The conflict matrix's weight scale, in Swedish (analyses/malkonflikter.toml).
WEIGHT_LABELS = {0: "förenliga", 1: "mindre konflikt", 2: "betydande konflikt", 3: "allvarlig konflikt"}


# --------------------------------------------------------------------------- text


def _statutes(text: str) -> str:
    """A legal basis with no-break spaces inside each reference ("MB 3 kap 7 §" stays on one line)."""
    return "; ".join(part.strip().replace(" ", "\u00a0") for part in text.split(";") if part.strip())


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _feature_text(name: str, feature_id: str, schematic: bool) -> str:
    """The feature's name and id; "(schematisk)" added when the name does not say it already."""
    name = str(name).strip()
    text = f"{name}, {feature_id}" if name else str(feature_id)
    return text + (schematic_suffix(True) if schematic and SCHEMATISK not in name.casefold() else "")


# --------------------------------------------------------------------------- matrix and catalogue


def pair_rationale(matrix: ConflictMatrix, use: str, theme: str) -> tuple[int, str]:
    """Weight and rationale of a planned use against an interest theme, as :func:`op_check` weighs it.

    The weight is the largest matrix weight between a theme the use stands for
    (``[op_categories]``) and ``theme``; the rationale is that pair's sentence from
    ``[pairs]`` (``ConflictMatrix.rationale``).

    Parameters
    ----------
    matrix : ConflictMatrix
        The conflict matrix: ``[op_categories]`` and the weights and sentences of ``[pairs]``.
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

    Parameters
    ----------
    layer : str
        The ``layer`` of an overlap: a catalogue layer or the user's file.
    theme : str
        Its interest theme.
    settings : Settings, optional
        Where the catalogue is read.

    Returns
    -------
    Consult
        Empty texts when the catalogue knows neither the layer nor the theme.

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


def _download_md(text: str) -> Md:
    """A catalogue download text as Markdown: its leading URL as a link, the rest as text."""
    match = _URL.match(text.strip())
    if not match:
        return md_text(text)
    url = match.group(0)
    rest = text.strip()[len(url):]
    return Md(f"[{md_text(url)}]({url}){md_text(rest)}")


# --------------------------------------------------------------------------- report text


def _union_area(geoms: Iterable[shapely.Geometry]) -> float:
    return float(shapely.area(shapely.union_all(np.asarray(list(geoms), dtype=object))))


def _summary(result: gpd.GeoDataFrame, plan: gpd.GeoDataFrame, themes: list[str]) -> list[str]:
    lines = ["## 1. Sammanfattning per användning och tema", ""]
    per_use = plan.groupby("use", sort=True).agg(areas=("plan_id", "size"), area_m2=("plan_area_m2", "sum"))
    hit = result.groupby("use")["plan_id"].nunique()
    worst = result.groupby("use")["weight"].max()
    lines += md_table(
        ["Användning", "Planerade områden", "varav med överlapp", "Yta (ha)", "Högsta vikt"],
        [[use, int(areas), int(hit.get(use, 0)), num(area_m2 / 1e4, 1),
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
        rows.append([use, theme_label(theme) + schematic_suffix(schematic), group["plan_id"].nunique(),
                     num(_union_area(group.geometry.values) / 1e4, 1) + schematic_suffix(schematic),
                     f"{int(group['weight'].max())}\u00a0– {WEIGHT_LABELS.get(int(group['weight'].max()), '')}"])
    lines += md_table(["Användning", "Tema", "Planerade områden", "Överlapp (ha)", "Högsta vikt"], rows,
                       align="llrrl")
    return lines + [""]


def _area_section(plan_row: pd.Series, rows: pd.DataFrame, *, map_name: str | None,
                  rationales: dict[tuple[str, str], tuple[int, str]], consult: dict[tuple[str, str], Consult],
                  number: int) -> list[str]:
    schematic = bool(rows["schematic"].any())
    top = int(rows["weight"].max())
    lines = [f"### 2.{number} Område {md_text(plan_row['plan_id'])}: {md_text(plan_row['use'])}", "",
             f"Yta {num(plan_row['plan_area_m2'] / 1e4, 1)} ha. {len(rows)} överlapp med "
             f"{_count(rows['theme'].nunique(), 'tema', 'teman')}, högsta vikt {top} "
             f"({WEIGHT_LABELS.get(top, '')}).", ""]
    if map_name:
        alt = md_text(f"Karta: område {plan_row['plan_id']} och intressena det överlappar"
                      + schematic_suffix(schematic))
        lines += [f"![{alt}]({map_name})", ""]
    table = []
    for r in rows.itertuples():
        info = consult[(r.layer, r.theme)]
        table.append([theme_label(r.theme), _feature_text(r.feature_name, r.feature_id, r.schematic),
                      _statutes(info.legal_basis) or "– (anges inte i lagerkatalogen)", info.authority or "–",
                      num(r.overlap_m2) + schematic_suffix(r.schematic), pct(r.share_of_plan_area, 1),
                      f"{r.weight}\u00a0– {WEIGHT_LABELS.get(int(r.weight), '')}", rationales[(r.use, r.theme)][1]])
    lines += md_table(["Tema", "Objekt", "Lagstöd", "Ansvarig myndighet", "Överlapp (m²)", "Andel av området",
                       "Vikt", "Motivering (konfliktmatrisen)"], table, align="llllrrll")
    lines += ["", "Samråd:", ""]
    by_authority: dict[str, list[tuple[str, Consult]]] = {}
    for layer, theme in dict.fromkeys(zip(rows["layer"], rows["theme"])):
        info = consult[(layer, theme)]
        by_authority.setdefault(info.authority or "okänd myndighet", []).append((theme, info))
    for authority, items in by_authority.items():
        themes = ", ".join(dict.fromkeys(theme_label(t) for t, _ in items))
        downloads = list(dict.fromkeys(i.download for _, i in items if i.download))
        where = "; ".join(_download_md(d) for d in downloads)
        lines.append(f"- **{md_text(authority)}** ({md_text(themes)})"
                     + (f" – officiella data: {where}" if where else ""))
    return lines + [""]


def op_report_markdown(
    result: gpd.GeoDataFrame,
    plan: gpd.GeoDataFrame,
    *,
    matrix: ConflictMatrix,
    themes: list[str],
    maps: dict[str, str] | None = None,
    plan_name: str = "",
    schematic_themes: list[str] | tuple[str, ...] = (),
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
    schematic_themes : sequence of str
        Themes checked against schematic demo layers; with no schematic overlap the
        report still says that those themes' "no overlap" is illustrative only.
    settings : Settings, optional
        ``catalogue_dir``: the layer specs that name the authority to consult per layer.

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
             f"Konsekvenstabell per planerat område i {md_text(plan_name or 'planen')} (underlag till "
             f"samrådshandlingen). Skapad {today} med landuse.", ""]
    if n_schematic:
        lines += [f"**Schematiska data:** {n_schematic} av {len(result)} överlapp gäller schematiska demolager, "
                  "markerade (schematisk): de visar metoden, inte verkliga gränser. Ersätt dem med myndigheternas "
                  "data (`--interest TEMA=FIL`, länkarna under Samråd) innan tabellen används i en "
                  "samrådshandling.", ""]
    elif schematic_themes:
        # no overlap with a stand-in layer says as little as an overlap with one
        lines += [f"**Schematiska data:** temana {md_text(', '.join(theme_label(t) for t in schematic_themes))} "
                  "kontrollerades mot schematiska demolager (schematisk): att inget överlapp hittades där visar "
                  "metoden, inte verkliga förhållanden. Ersätt dem med myndigheternas data (`--interest TEMA=FIL`) "
                  "innan tabellen används i en samrådshandling.", ""]
    lines += [f"- Kontrollerade teman: {md_text(', '.join(theme_label(t) for t in themes))}.",
              f"- Planerade områden: {len(plan)}, varav {result['plan_id'].nunique()} överlappar något intresse "
              f"({len(result)} överlapp).",
              f"- Vikter ur konfliktmatrisen {md_text(matrix.path.name if matrix.path else matrix.title)}: "
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
        lines += md_table(["Område", "Användning", "Yta (ha)"],
                          [[r.plan_id, r.use, num(r.plan_area_m2 / 1e4, 1)] for r in free.itertuples()],
                          align="llr")
    else:
        lines.append("Inga: alla planerade områden överlappar något av de kontrollerade intressena.")
    lines += ["", "## 4. Metod", "",
              "- Överlapp: planerade områden skurna med intresseobjekten i SWEREF 99 TM (EPSG:3006); "
              "ytor i m², andel av det planerade områdets yta. Samma siffror finns i "
              f"{md_text(OP_FILES['csv'])} och {md_text(OP_FILES['gpkg'])}.",
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
        Default :func:`landuse.conflict_matrix.read_conflict_matrix`.
    plan_name : str
        The plan's file name, for the report's text.
    settings : Settings, optional
        ``analyses_dir`` (the default matrix), ``catalogue_dir`` and ``data_dir`` (the kommuner and theme
        colours of the maps).

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
    names = op_map_names(with_overlaps)
    written: list[Path] = []
    if with_overlaps:
        kommuner = load_layer("kommuner", settings=settings).to_crs(WORK_CRS)
        colours = theme_colours(settings)
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
    schematic_themes = [t for t in themes if interests.loc[interests["theme"].astype(str) == t, "schematic"].any()]
    text = op_report_markdown(result, plan, matrix=matrix, themes=themes, maps=names, plan_name=plan_name,
                              schematic_themes=schematic_themes,
                              settings=settings)
    title = html.escape(text.splitlines()[0].lstrip("# "))
    md_path = write_text(text, out_dir / OP_REPORT_FILES["md"])
    html_path = write_text(html_page(title, markdown_to_html(text), max_width_px=1150, extra_css=_EXTRA_CSS),
                           out_dir / OP_REPORT_FILES["html"])
    return [md_path, html_path, *written]
