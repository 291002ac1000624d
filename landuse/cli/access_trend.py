"""``landuse access trend``: the transit indicator over several timetable versions, and what changed."""

from __future__ import annotations

from pathlib import Path

import click

from landuse.cli._options import command_settings, out_dir_option, transit_options, xlsx_option

__all__ = ["access_trend"]


def _parse_feeds(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list:
    from landuse.errors import InvalidSettingError
    from landuse.trend import parse_feed_option

    try:
        return [parse_feed_option(value) for value in values]
    except InvalidSettingError as err:
        raise click.BadParameter(str(err).removeprefix("--gtfs ")) from None


@click.command("trend")
@click.option("--gtfs", "feeds", multiple=True, callback=_parse_feeds, metavar="PATH[=YYYY-MM-DD]",
              help="A timetable version (GTFS zip or folder), optionally with its service day; repeatable, in "
                   "time order. Without a date: the first normal Tuesday a week into its validity. Default: the "
                   "three embedded Länstrafiken feeds.")
@transit_options
@xlsx_option
@out_dir_option
def access_trend(feeds: list, window: str, statistic: str, population: Path | None, population_column: str | None,
                 centralorter: Path | None, minutes: tuple[float, ...], target: str, walk_speed_kph: float,
                 max_walk_m: float, transfer_max_m: float, source_crs: str | None, xlsx: bool,
                 out_dir: Path) -> None:
    """The share reaching a centralort by public transport on several timetables, and why it changed.

    Writes OUT/access_trend.csv (feed, date, kommun_code, kommun, minutes,
    population, population_within, share_within), OUT/access_trend.gpkg (each
    origin's travel time per feed; the changes between consecutive feeds) and
    OUT/access_trend.png; with --xlsx also OUT/access_trend.xlsx (a run without
    it removes an old one).

    \b
    $ landuse access trend --out trend
    $ landuse access trend --gtfs ltnbd_2022.zip --gtfs ltnbd_2023.zip=2023-03-14 --out trend
    $ landuse access trend --gtfs a.zip --gtfs b.zip --statistic median --target own --out trend
    $ landuse access trend --xlsx --out trend
    """
    from landuse._io import staged_outputs
    from landuse.excel import workbook_from_csv
    from landuse.outputs import TREND_FILES, workbook_name
    from landuse.trend import access_trend as trend_from_feeds
    from landuse.trend import change_lines, write_trend

    settings = command_settings(walk_speed_kph=walk_speed_kph, max_walk_m=max_walk_m, transfer_max_m=transfer_max_m)
    if feeds:
        chosen = feeds
    else:
        from landuse.gtfs import EMBEDDED_FEEDS

        chosen = [(settings.data_dir / name, None) for name in EMBEDDED_FEEDS]
    result = trend_from_feeds(chosen, window=window, statistic=statistic.lower(), population=population,
                              population_column=population_column, centralorter=centralorter, minutes=minutes,
                              target=target.lower(), source_crs=source_crs, settings=settings)
    owned = (*TREND_FILES.values(), workbook_name(TREND_FILES["csv"]))
    with staged_outputs(out_dir, owned=owned) as stage:
        written = [stage.final(path) for path in write_trend(result, stage.path)]
        if xlsx:  # the bounds over all inhabitants only where the origins are the tätorter
            written.append(stage.final(workbook_from_csv(stage.path / TREND_FILES["csv"], bounds=population is None,
                                                         settings=settings)))
    for line in change_lines(result):
        click.echo(line)
    for path in written:
        click.echo(f"wrote {path}")
