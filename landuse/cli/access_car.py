"""``landuse access car``: share of the population reaching a centralort within N minutes by car."""

from __future__ import annotations

from pathlib import Path

import click

from landuse.cli._options import (
    DEFAULTS,
    NON_NEGATIVE,
    POSITIVE,
    centralorter_option,
    command_settings,
    minutes_option,
    out_dir_option,
    population_column_option,
    population_option,
    source_crs_option,
    target_option,
    xlsx_option,
)

__all__ = ["access_car"]


@click.command("car")
@click.option("--network", "network_path", type=click.Path(path_type=Path),
              help="Road network: .osm, .osm.pbf, .graphml, an NVDB/Pipos line layer, or a GTFS zip. "
                   "Default: Lantmäteriet Topografi 250 main roads (embedded, real); a GTFS zip gives the "
                   "schematic bus-timetable stand-in.")
@population_option
@population_column_option
@centralorter_option
@minutes_option
@target_option
@click.option("--access-speed-kph", type=POSITIVE, default=DEFAULTS.access_speed_kph, show_default=True,
              help="Speed (km/h) of the straight-line leg between a point and its network node.")
@click.option("--max-snap-m", type=NON_NEGATIVE, default=DEFAULTS.max_snap_m, show_default=True,
              help="Origins farther than this (metres) from the network are reported unreachable.")
@click.option("--speed-factor", type=POSITIVE, default=DEFAULTS.speed_factor, show_default=True,
              help="Multiply network travel times (a factor: free-flow speeds run 20-40 % fast; e.g. 1.25).")
@click.option("--speed-column", default="speed_kph", show_default=True,
              help="Speed column (km/h) of a line-layer network.")
@click.option("--oneway-column", default=None, help="One-way column of a line-layer network (1/-1/yes/FT/TF).")
@source_crs_option("--population, --centralorter (and a line-layer --network) files")
@xlsx_option
@out_dir_option
def access_car(network_path: Path | None, population: Path | None, population_column: str | None,
               centralorter: Path | None, minutes: tuple[float, ...], target: str, access_speed_kph: float,
               max_snap_m: float, speed_factor: float, speed_column: str, oneway_column: str | None,
               source_crs: str | None, xlsx: bool, out_dir: Path) -> None:
    """Share of the population reaching a centralort within N minutes by car.

    Writes OUT/access_car.csv (kommun_code, kommun, minutes, population,
    population_within, share_within; county row 25) and OUT/access_car.gpkg
    (layers origins, origin_points, isochrones and network, EPSG:3006); with
    --xlsx also OUT/access_car.xlsx (a run without it removes an old one).

    \b
    $ landuse access car --out out
    $ landuse access car --network norrbotten.osm.pbf --minutes 60 --target own --out out
    $ landuse access car --network nvdb.gpkg --speed-column HTHAST --population grid.gpkg \\
          --population-column Totalt --speed-factor 1.25 --out out
    $ landuse access car --population rutor.shp --source-crs EPSG:3006 --out out
    $ landuse access car --xlsx --out out
    """
    from landuse._io import staged_outputs
    from landuse.access import car as car_mode
    from landuse.access.indicator import load_centralorter, load_origins
    from landuse.excel import workbook_from_csv
    from landuse.network import network_from_file
    from landuse.outputs import ACCESS_FILES, workbook_name

    settings = command_settings(access_speed_kph=access_speed_kph, max_snap_m=max_snap_m, speed_factor=speed_factor)
    # the user's files first: a wrong path fails in one line before the network is built
    origins = population if population is None else load_origins(
        population, population_column=population_column, source_crs=source_crs, settings=settings)
    targets = centralorter if centralorter is None else load_centralorter(
        centralorter, source_crs=source_crs, settings=settings)
    network = network_path if network_path is None else network_from_file(
        network_path, speed_column=speed_column, oneway_column=oneway_column, source_crs=source_crs,
        settings=settings,
    )
    result = car_mode.accessibility(origins, targets, source=network, minutes=minutes, target=target,
                                    population_column=population_column, settings=settings)
    files = ACCESS_FILES["car"]
    with staged_outputs(out_dir, owned=(files["csv"], files["gpkg"], workbook_name(files["csv"]))) as stage:
        paths = [stage.final(path) for path in car_mode.write_outputs(result, stage.path)]
        if xlsx:  # the bounds over all inhabitants only where the origins are the tätorter
            paths.append(stage.final(workbook_from_csv(stage.path / files["csv"], bounds=population is None,
                                                       settings=settings)))
    threshold = 60 if 60 in minutes else minutes[0]
    for line in car_mode.summary_lines(result, threshold=threshold, settings=settings):
        click.echo(line)
    for path in paths:
        click.echo(f"wrote {path}")
