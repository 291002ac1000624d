"""``landuse conflicts``: målkonflikter between interest themes, per kommun."""

from __future__ import annotations

from pathlib import Path

import click

from landuse.cli._options import (
    DEFAULTS,
    POSITIVE,
    command_settings,
    deprecated_alias,
    interest_theme,
    kommun_option,
    out_dir_option,
    source_crs_option,
    theme_paths_option,
    xlsx_option,
)
from landuse.choices import Mode, ScoreMethod
from landuse.outputs import CONFLICT_FILES

__all__ = ["conflicts"]


def _scheduler(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--scheduler``: a well-formed ``[tcp://]HOST:PORT`` or a usage error (exit 2) at once."""
    if not value:
        return None
    from landuse._parallel import check_address
    from landuse.errors import InvalidSettingError

    try:
        return check_address(value)
    except InvalidSettingError as err:
        raise click.BadParameter(str(err).removeprefix("--scheduler ")) from None


def _parse_themes(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    themes = [v.strip() for v in value.split(",") if v.strip()]
    if len(themes) < 2:
        raise click.BadParameter(f"{value!r}: name at least two themes, comma-separated, e.g. rennaring,energi.")
    for theme in themes:
        interest_theme(theme)
    return themes


def _odd(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and value % 2 == 0:
        raise click.BadParameter(f"{value} is even; give an odd number of samples per cell side (1, 3, 5 ...).")
    return value


@click.command("conflicts")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Conflict matrix TOML (default analyses/malkonflikter.toml).")
@theme_paths_option("--layer", "layers")
@click.option("--themes", callback=_parse_themes, default=None, metavar="A,B,...",
              help="Analyse only these themes (comma-separated).")
@kommun_option
@click.option("--mode", type=click.Choice(Mode.values(), case_sensitive=False), default=Mode.VECTOR.value,
              show_default=True, help="Exact polygon overlay, or theme bit planes on a grid.")
@click.option("--resolution-m", "resolution_m", type=POSITIVE, default=None, metavar="M",
              help=f"Raster cell side in metres, EPSG:3006 (raster mode; default {DEFAULTS.raster_resolution_m:g}).")
@deprecated_alias("--resolution", "--resolution-m", "resolution_m", type=POSITIVE)
@click.option("--oversample", type=click.IntRange(min=1), default=None, metavar="K", callback=_odd,
              help="Raster mode: K x K sample points per cell (odd K) for the areas; faces and the score "
                   "GeoTIFF stay at --resolution-m. Default: 5, 3 or 1, the largest within "
                   f"{DEFAULTS.raster_sample_budget / 1e6:g} million samples (1 for the county at 100 m).")
@click.option("--score", type=click.Choice(ScoreMethod.values(), case_sensitive=False),
              default=ScoreMethod.SUM.value, show_default=True,
              help="Face score: sum or maximum of the weights of the theme pairs present.")
@click.option("--faces", type=click.Choice(["conflicts", "all", "none"], case_sensitive=False), default=None,
              help=f"Faces written to {CONFLICT_FILES['gpkg']}: those with two or more themes (conflicts, the vector "
                   "default), every covered face (all), or none (the raster default: the score GeoTIFF is the map). "
                   "Areas are the same.")
@click.option("--scheduler", default=None, metavar="ADDRESS", callback=_scheduler,
              help="Run the tile and theme tasks on this dask.distributed scheduler (tcp://host:8786); "
                   "default DASK_SCHEDULER_ADDRESS, else locally.")
@source_crs_option("--layer files")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Rows in the summary.")
@xlsx_option
@out_dir_option
def conflicts(config: Path | None, layers: dict[str, Path], themes: list[str] | None, kommuner: tuple[str, ...],
              mode: str, resolution_m: float | None, oversample: int | None, score: str, faces: str | None,
              scheduler: str | None, source_crs: str | None, top: int, xlsx: bool, out_dir: Path) -> None:
    """Where interests claim the same ground: areas per theme pair and kommun.

    Each theme is dissolved first; faces are the largest regions of one kommun
    and theme set.  Writes OUT/malkonflikter.gpkg (layers faces, pairs_per_kommun),
    OUT/malkonflikter_per_kommun.csv and, with --mode raster,
    OUT/malkonflikter_score.tif; prints a summary.  A vector run removes a
    malkonflikter_score.tif left in OUT by an earlier raster run.  --xlsx also
    writes OUT/malkonflikter_per_kommun.xlsx (a run without it removes an old one).

    \b
    $ landuse conflicts --out out
    $ landuse conflicts --layer naturvard=RI_naturvard.gpkg --kommun Kiruna --out out
    $ landuse conflicts --themes rennaring,energi,mineral --mode raster --resolution-m 100 --out out
    $ landuse conflicts --mode raster --resolution-m 100 --oversample 3 --out out
    $ landuse conflicts --xlsx --out out
    $ landuse conflicts --faces all --scheduler tcp://10.0.0.5:8786 --out out
    """
    from landuse._io import staged_outputs
    from landuse._parallel import scheduler_address
    from landuse.conflicts import (
        conflicts_from_layers,
        load_interest_layers,
        load_kommuner,
        read_conflict_matrix,
        write_conflicts,
    )
    from landuse.excel import workbook_from_csv
    from landuse.outputs import workbook_name
    from landuse.progress import progress_bar

    if resolution_m is not None and Mode.parse(mode) is not Mode.RASTER:
        raise click.UsageError("--resolution-m applies to --mode raster only; add --mode raster or drop "
                               "--resolution-m.")
    if oversample is not None and Mode.parse(mode) is not Mode.RASTER:
        raise click.UsageError("--oversample applies to --mode raster only; add --mode raster or drop --oversample.")
    settings = command_settings(scheduler=scheduler_address(scheduler))
    if settings.scheduler and not settings.progress:
        # -q hides warnings: dask's own log lines too (a rescheduled task after a lost worker)
        import logging

        logging.getLogger("distributed").setLevel(logging.ERROR)
    matrix = read_conflict_matrix(config, settings=settings)
    features = load_interest_layers(themes, layers=layers, matrix=matrix, source_crs=source_crs, settings=settings)
    zones = load_kommuner(list(kommuner) or None, settings=settings)
    result = conflicts_from_layers(features, matrix, kommuner=zones, score=score.lower(),  # type: ignore[arg-type]
                                   mode=mode.lower(), resolution_m=resolution_m, oversample=oversample,
                                   faces=faces.lower() if faces else None, settings=settings)  # type: ignore[arg-type]
    owned = (*CONFLICT_FILES.values(), workbook_name(CONFLICT_FILES["csv"]))
    with staged_outputs(out_dir, owned=owned) as stage, progress_bar(settings, "writing outputs"):
        written = [stage.final(path) for path in write_conflicts(result, stage.path)]
        if xlsx:
            workbook = workbook_from_csv(stage.path / CONFLICT_FILES["csv"], settings=settings)
            written.append(stage.final(workbook))
    _print_summary(result, top)
    for path in written:
        click.echo(f"wrote {path}")
    for path in stage.removed:
        click.echo(f"removed {path} (left by an earlier run; this run writes none)")


def _print_summary(result, top: int) -> None:  # noqa: ANN001 - ConflictResult, imported lazily
    from landuse.cli._console import output_console
    from rich.table import Table

    console = output_console()
    lines = result.summary_lines(top=top)
    for line in lines[:2 if result.schematic else 1]:  # the run line (and the schematic one); the table follows
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    table = Table(title="Theme pairs, all kommuner analysed")
    for column, justify in (("theme pair", "left"), ("weight", "right"), ("area km²", "right"),
                            ("share", "right"), ("kommuner", "right"), ("data", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    pairs = result.ranked_pairs()
    counts = result.pairs_per_kommun.groupby(["theme_a", "theme_b"]).size()
    for row in pairs.head(top).itertuples():
        table.add_row(f"{row.theme_a} × {row.theme_b}", str(row.weight), f"{row.area_km2:,.1f}",
                      f"{row.share_of_area:.2%}", str(int(counts.get((row.theme_a, row.theme_b), 0))),
                      "schematisk" if row.schematic else "")
    console.print(table)
    if len(pairs) > top:
        console.print(f"... and {len(pairs) - top} more pairs (see the CSV)", highlight=False)
    for line in lines[-3:]:
        if line.startswith(("union area", "hotspots")):
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    from landuse.summaries import outside_line

    if result.outside_km2 > 0:
        console.print(outside_line(result), markup=False, highlight=False, soft_wrap=True)
    if result.cluster:
        console.print(f"tasks ran on the dask cluster at {result.cluster}", markup=False, highlight=False,
                      soft_wrap=True)
