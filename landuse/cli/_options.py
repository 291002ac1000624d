"""Option objects shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

from landuse._io import check_out_dir

def ensure_out_dir(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Check --out before any work, so a bad folder fails at once, in one line; create nothing yet.

    The folder is made when the run's files are moved into it (see
    :func:`landuse._io.staged_outputs`), so a failed run leaves no empty folder behind.
    """
    if value is None:
        return value
    return check_out_dir(value)


out_dir_option = click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    callback=ensure_out_dir,
    help="Output folder (created when missing). A run writes all its files beside it first and moves them in "
         "together at the end: a failed run leaves the folder as it was.",
)


def parse_minutes(ctx: click.Context, param: click.Parameter, value: str) -> tuple[float, ...]:
    """Parse ``45,60,90`` into a tuple of positive minutes."""
    try:
        minutes = tuple(float(v) for v in str(value).split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of minutes, e.g. 45,60,90.") from None
    if not minutes or any(m <= 0 for m in minutes):
        raise click.BadParameter(f"{value!r}: give one or more positive minutes, e.g. 45,60,90.")
    return minutes


minutes_option = click.option(
    "--minutes",
    default="45,60,90",
    show_default=True,
    callback=parse_minutes,
    help="Travel-time thresholds in minutes, comma-separated.",
)


#: A strictly positive number (speeds, factors); click refuses 0 and below with exit code 2.
POSITIVE = click.FloatRange(min=0, min_open=True)
#: A number >= 0 (distances).
NON_NEGATIVE = click.FloatRange(min=0)


def parse_window_option(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Check ``--window HH:MM-HH:MM`` while parsing, so a typo is a usage error (exit code 2)."""
    from landuse.errors import InvalidSettingError
    from landuse.access.transit_router import parse_window

    try:
        parse_window(value)
    except InvalidSettingError as err:
        raise click.BadParameter(str(err).removeprefix("--window ")) from None
    return value


def parse_date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check that ``--date`` is a real calendar date (YYYY-MM-DD); the feed's validity is checked later."""
    import datetime as dt

    if value is None:
        return None
    try:
        dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD, e.g. 2023-03-14.") from None
    return value.strip()


xlsx_option = click.option(
    "--xlsx", is_flag=True,
    help="Also write the table as an Excel workbook next to the CSV (same name, .xlsx): Swedish headers, number "
         "formats (km², %, head counts) that Excel with Swedish settings shows right, a frozen header row, the "
         "bounds over all inhabitants where the origins are the tätorter, and a sheet 'Om data' with sources, "
         "licences and what is schematic.",
)


def transit_options(func):  # noqa: ANN001, ANN201 - a click decorator
    """The options `access transit` and `access trend` share, defaults from ``Settings()``.

    ``--window --statistic --population --population-column --centralorter --minutes
    --target --walk-speed-kph --max-walk-m --transfer-max-m --source-crs``.
    """
    from pathlib import Path

    from landuse.choices import Statistic, Target
    from landuse.settings import Settings

    defaults = Settings()
    options = [
        click.option("--window", default="06:00-09:00", show_default=True, metavar="HH:MM-HH:MM",
                     callback=parse_window_option, help="Departure window [start, end), one departure per minute."),
        click.option("--statistic", type=click.Choice(Statistic.values(), case_sensitive=False), default="best",
                     show_default=True, help="Travel time over the window that the indicator uses."),
        click.option("--population", type=click.Path(path_type=Path), default=None,
                     help="Origins with a population column [default: SCB tätorter 2020 as areas]."),
        click.option("--population-column", default=None, help="Population column of --population."),
        click.option("--centralorter", type=click.Path(path_type=Path), default=None,
                     help="Target points or polygons [default: the 14 centralorter as areas]."),
        minutes_option,
        click.option("--target", type=click.Choice(Target.values(), case_sensitive=False), default="any",
                     show_default=True, help="Any centralort, or the one of the origin's own kommun."),
        click.option("--walk-speed-kph", type=POSITIVE, default=defaults.walk_speed_kph, show_default=True,
                     help="Walking speed, km/h."),
        click.option("--max-walk-m", type=NON_NEGATIVE, default=defaults.max_walk_m, show_default=True,
                     help="Longest walk to or from a stop, metres (inclusive)."),
        click.option("--transfer-max-m", type=NON_NEGATIVE, default=defaults.transfer_max_m, show_default=True,
                     help="Longest walk between two stops for a transfer without a transfers.txt row (0: none)."),
        click.option("--source-crs", default=None, metavar="CRS",
                     help="CRS to assume for --population and --centralorter files without one, e.g. EPSG:3006."),
    ]
    for option in reversed(options):
        func = option(func)
    return func
