"""``landuse op-check``: the interests each planned area of an översiktsplan overlaps."""

from __future__ import annotations

from pathlib import Path

import click

from landuse.cli._options import out_dir_option
from landuse.cli.conflicts import _parse_layer


@click.command("op-check")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--use-column", required=True, help="Column with the use category (ÖP-modell 2.1 mark- och vattenanvändning).")
@click.option("--id-column", default=None, help="Column with unique ids of the planned areas (default row number).")
@click.option("--layer", "plan_layer", default=None, help="Layer inside PLAN when it is a multi-layer GeoPackage.")
@click.option("--source-crs", default=None, help="CRS to assume when PLAN (or an --interest file) has none.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Conflict matrix TOML with [op_categories] (default analyses/malkonflikter.toml).")
@click.option("--interest", "interests", multiple=True, callback=_parse_layer, metavar="THEME=PATH",
              help="Replace a theme's embedded layers with your file (repeatable).")
@out_dir_option
@click.pass_context
def command(ctx: click.Context, plan: Path, use_column: str, id_column: str | None, plan_layer: str | None,
            source_crs: str | None, config: Path | None, interests: dict[str, Path], out_dir: Path) -> None:
    """Check an översiktsplan's planned areas against the interest layers.

    For every planned area and every interest feature it overlaps: theme,
    feature, overlap in m², share of the planned area and the conflict weight of
    the planned use against the theme.  Writes OUT/op_check.csv and
    OUT/op_check.gpkg.

    \b
    $ landuse op-check op_lulea.gpkg --layer mark_och_vattenanvandning --use-column anvandning --out out
    """
    from landuse.conflicts import load_interest_layers, read_conflict_matrix
    from landuse._io import staged_outputs
    from landuse.opcheck import OP_FILES, load_plan, op_check, write_op_check
    from landuse.settings import Settings

    quiet = bool(ctx.obj.get("quiet", False)) if ctx.obj else False
    settings = Settings(progress=not quiet)
    matrix = read_conflict_matrix(config, settings=settings)
    planned = load_plan(plan, use_column=use_column, id_column=id_column, layer=plan_layer, source_crs=source_crs,
                        settings=settings)
    features = load_interest_layers(layers=interests, matrix=matrix, source_crs=source_crs, settings=settings)
    result = op_check(planned, features, matrix, settings=settings, display=f"`{plan.name}`")
    with staged_outputs(out_dir, owned=OP_FILES.values()) as stage:
        written = [stage.final(path) for path in write_op_check(result, stage.path)]
    n_plans = result["plan_id"].nunique()
    click.echo(f"{len(planned)} planned areas, {n_plans} overlap interests: {len(result)} overlaps, "
               f"{int((result['weight'] >= 2).sum())} with weight 2 or 3"
               + (" (schematisk: some interest data is schematic)" if result["schematic"].any() else ""))
    if len(result):
        worst = result.sort_values(["weight", "overlap_m2"], ascending=False).head(10)
        for row in worst.itertuples():
            click.echo(f"  {row.plan_id:<10} {row.use:<34} {row.theme:<12} {(row.feature_name or row.feature_id)[:28]:<28} "
                       f"{row.overlap_m2 / 1e6:>9.3f} km² {row.share_of_plan_area:>6.1%}  weight {row.weight}"
                       + (" [schematisk]" if row.schematic else ""))
    for path in written:
        click.echo(f"wrote {path}")
