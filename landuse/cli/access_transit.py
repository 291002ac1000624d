"""``landuse access transit``: the 60-minute indicator by public transport (GTFS)."""

from __future__ import annotations

from pathlib import Path

import click

from landuse.cli._options import command_settings, out_dir_option, parse_date_option, transit_options, xlsx_option

__all__ = ["access_transit"]


@click.command("transit")
@click.option("--gtfs", "gtfs", type=click.Path(path_type=Path), default=None,
              help="GTFS zip or folder [default: the embedded Länstrafiken Norrbotten feed].")
@click.option("--date", default=None, metavar="YYYY-MM-DD", callback=parse_date_option,
              help="Service date inside the feed's validity [default: a typical Tuesday].")
@transit_options
@xlsx_option
@out_dir_option
def access_transit(gtfs: Path | None, date: str | None, window: str, statistic: str, population: Path | None,
                   population_column: str | None, centralorter: Path | None, minutes: tuple[float, ...],
                   target: str, walk_speed_kph: float, max_walk_m: float, transfer_max_m: float,
                   source_crs: str | None, xlsx: bool, out_dir: Path) -> None:
    """Share of the population reaching a centralort within N minutes by public transport.

    Writes OUT/access_transit.csv (per kommun and county) and OUT/access_transit.gpkg
    (layers origins, origin_points and isochrones); with --xlsx also
    OUT/access_transit.xlsx (a run without it removes an old one).

    \b
    $ landuse access transit --out out
    $ landuse access transit --date 2023-03-14 --statistic median --target own --out out
    $ landuse access transit --population rutor.shp --source-crs EPSG:3006 --out out
    $ landuse access transit --xlsx --out out
    """
    from landuse._io import staged_outputs
    from landuse.access import transit as transit_mode
    from landuse.access.indicator import COUNTY_CODE, bounds_text, share_bounds
    from landuse.access.transit_router import TransitRouter
    from landuse.excel import workbook_from_csv
    from landuse.outputs import ACCESS_FILES, workbook_name

    settings = command_settings(walk_speed_kph=walk_speed_kph, max_walk_m=max_walk_m, transfer_max_m=transfer_max_m)
    router = TransitRouter(gtfs, date, window=window, statistic=statistic, settings=settings)
    result = transit_mode.accessibility(population, centralorter, source=router, minutes=minutes, target=target,
                                        population_column=population_column, source_crs=source_crs,
                                        settings=settings)
    files = ACCESS_FILES["transit"]
    with staged_outputs(out_dir, owned=(files["csv"], files["gpkg"], workbook_name(files["csv"]))) as stage:
        csv_path, gpkg_path = (stage.final(path) for path in transit_mode.write_outputs(result, stage.path))
        if xlsx:  # the bounds over all inhabitants only where the origins are the tätorter
            workbook = stage.final(workbook_from_csv(stage.path / files["csv"], bounds=population is None,
                                                     settings=settings))
    table = result.table
    county = table[table["kommun_code"] == COUNTY_CODE]
    if population is None:  # the tätorter: say what the share over everybody can be
        county = share_bounds(county, settings)
    people = "of tätort people " if population is None else ""
    click.echo(f"{router.date.isoformat()} {window}, {router.statistic} travel time, target {target.lower()}, county:")
    for _, row in county.iterrows():
        click.echo(f"  {row['share_within']:.1%} {people}within {row['minutes']} min{bounds_text(row)}")
    click.echo(f"wrote {csv_path} and {gpkg_path}")
    if xlsx:
        click.echo(f"wrote {workbook}")
