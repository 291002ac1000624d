"""``landuse op-check``: the interests each planned area of an översiktsplan overlaps."""

from __future__ import annotations

from pathlib import Path

import click

from landuse.cli._options import (
    command_settings,
    file_layer_option,
    out_dir_option,
    source_crs_option,
    theme_paths_option,
    xlsx_option,
)
from landuse.outputs import OP_FILES, OP_MAP_PREFIX, OP_REPORT_FILES

__all__ = ["op_check"]


def _parse_op_themes(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    """Parse ``--themes naturvard,rennaring``: one or more interest themes (checking one theme is useful here)."""
    from landuse.errors import UnknownThemeError
    from landuse.themes import INTEREST_THEMES, parse_theme

    if value is None:
        return None
    themes: list[str] = []
    problems: list[str] = []
    for name in (v.strip() for v in value.split(",")):
        if not name:
            continue
        try:
            theme = parse_theme(name)
        except UnknownThemeError:
            problems.append(repr(name))
            continue
        if theme not in INTEREST_THEMES:
            problems.append(repr(name))
        elif theme.value not in themes:
            themes.append(theme.value)
    if problems or not themes:
        found = f"{', '.join(problems)} {'is not an interest theme' if len(problems) == 1 else 'are not interest themes'}. " if problems else ""
        raise click.BadParameter(f"{found}Name one or more of {', '.join(t.value for t in INTEREST_THEMES)}, "
                                 "comma-separated, e.g. naturvard,rennaring.")
    return themes


@click.command("op-check")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--use-column", required=True, help="Column with the use category (ÖP-modell 2.1 mark- och vattenanvändning).")
@click.option("--id-column", default=None, help="Column with unique ids of the planned areas (default row number).")
@file_layer_option("plan_layer", of="PLAN")
@source_crs_option("PLAN and --interest files")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Conflict matrix TOML with [op_categories] (default analyses/malkonflikter.toml).")
@theme_paths_option("--interest", "interests")
@click.option("--themes", callback=_parse_op_themes, default=None, metavar="A,B,...",
              help="Check only these interest themes (comma-separated); default every theme of the matrix.")
@click.option("--report", is_flag=True, default=False,
              help=f"Also write OUT/{OP_REPORT_FILES['md']} and OUT/{OP_REPORT_FILES['html']} (Swedish consequence "
                   f"table per planned area) with a map OUT/{OP_MAP_PREFIX}<id>.png per planned area with overlaps.")
@xlsx_option
@out_dir_option
def op_check(plan: Path, use_column: str, id_column: str | None, plan_layer: str | None, source_crs: str | None,
             config: Path | None, interests: dict[str, Path], themes: list[str] | None, report: bool, xlsx: bool,
             out_dir: Path) -> None:
    """Check an översiktsplan's planned areas against the interest layers.

    For every planned area and every interest feature it overlaps: theme,
    feature, overlap in m², share of the planned area and the conflict weight of
    the planned use against the theme.  Writes OUT/op_check.csv and
    OUT/op_check.gpkg; with --report also OUT/op_check.md, OUT/op_check.html and
    one map OUT/op_check_<id>.png per planned area with overlaps (maps of an
    earlier run that this run does not write are removed).

    \b
    $ landuse op-check op_lulea.gpkg --layer mark_och_vattenanvandning --use-column anvandning --out out
    $ landuse op-check op_lulea.gpkg --use-column anvandning --themes naturvard,rennaring --report --out out
    """
    from landuse.conflicts import load_interest_layers, read_conflict_matrix
    from landuse._io import staged_outputs
    from landuse.excel import workbook_from_csv
    from landuse.outputs import workbook_name
    from landuse.opcheck import load_plan, write_op_check
    from landuse.opcheck import op_check as overlaps_of_plan
    from landuse.themes import parse_theme

    if themes is not None:
        stray = [t for t in interests if parse_theme(t).value not in themes]
        if stray:
            raise click.UsageError(f"--interest gives a file for {', '.join(stray)}, which --themes leaves out "
                                   f"({', '.join(themes)}). Add the theme to --themes or drop the --interest.")
    settings = command_settings()
    matrix = read_conflict_matrix(config, settings=settings)
    planned = load_plan(plan, use_column=use_column, id_column=id_column, layer=plan_layer, source_crs=source_crs,
                        settings=settings)
    features = load_interest_layers(themes, layers=interests, matrix=matrix, source_crs=source_crs,
                                    settings=settings)
    result = overlaps_of_plan(planned, features, matrix, settings=settings, display=f"`{plan.name}`")
    # the report and the maps of an earlier run go when this run does not write them
    earlier_maps = sorted(p.name for p in out_dir.glob(f"{OP_MAP_PREFIX}*.png")) if out_dir.is_dir() else []
    owned = [*OP_FILES.values(), workbook_name(OP_FILES["csv"]), *OP_REPORT_FILES.values(), *earlier_maps]
    with staged_outputs(out_dir, owned=owned) as stage:
        paths = write_op_check(result, stage.path)
        if xlsx:
            paths.append(workbook_from_csv(stage.path / OP_FILES["csv"], settings=settings))
        if report:
            from landuse.opcheck_report import write_op_report

            paths += write_op_report(result, planned, features, stage.path, matrix=matrix, plan_name=plan.name,
                                     settings=settings)
        written = [stage.final(path) for path in paths]
    n_plans = result["plan_id"].nunique()
    areas = "1 planned area" if len(planned) == 1 else f"{len(planned)} planned areas"
    click.echo(f"{areas}, {n_plans} overlap interests: {len(result)} overlaps, "
               f"{int((result['weight'] >= 2).sum())} with weight 2 or 3"
               + (" (schematisk: some interest data is schematic)" if result["schematic"].any() else "")
               + (_checked_against_schematic(features) if not result["schematic"].any() else ""))
    if len(result):
        worst = result.sort_values(["weight", "overlap_m2"], ascending=False).head(10)
        for row in worst.itertuples():
            click.echo(f"  {row.plan_id:<10} {row.use:<34} {row.theme:<12} {(row.feature_name or row.feature_id)[:28]:<28} "
                       f"{row.overlap_m2 / 1e6:>9.3f} km² {row.share_of_plan_area:>6.1%}  weight {row.weight}"
                       + (" [schematisk]" if row.schematic else ""))
        if len(result) > len(worst):
            click.echo(f"  ... and {len(result) - len(worst)} more (see the CSV)")
    maps = [p for p in written if p.suffix == ".png"]
    written = [p for p in written if p.suffix != ".png"]
    for path in written:
        click.echo(f"wrote {path}")
    if maps:
        click.echo(f"wrote {len(maps)} maps {out_dir / (OP_MAP_PREFIX + '*.png')}")
    for path in stage.removed:
        click.echo(f"removed {path} (left by an earlier run; this run writes none)")


def _checked_against_schematic(features) -> str:  # noqa: ANN001 - GeoDataFrame, imported lazily
    """" [schematisk: …]" when some themes were checked against schematic demo layers (even with no overlap)."""
    themes = sorted(set(features.loc[features["schematic"].astype(bool), "theme"].astype(str)))
    return (f" [schematisk: {', '.join(themes)} checked against schematic demo layers, so no overlap there is "
            "illustrative only]") if themes else ""
