"""Option objects shared by the commands, and the one reading of ``-q``.

As rasterio's ``rio`` keeps its options in ``rasterio/rio/options.py``, an option that
several commands take is declared once here and applied as a decorator, so its flag,
type, default (from :class:`~landuse.settings.Settings`) and help read the same in every
command.  Only light modules are imported: ``landuse --help`` loads no geopandas.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from landuse._io import check_out_dir
from landuse.choices import Statistic, Target
from landuse.settings import Settings

__all__ = [
    "DEFAULTS", "NON_NEGATIVE", "POSITIVE", "DEFAULT_MINUTES", "DEFAULT_WINDOW", "QUIET_RULE",
    "is_quiet", "command_settings", "deprecated_alias",
    "verbose_option", "quiet_option", "out_dir_option", "source_crs_option", "theme_paths_option",
    "file_layer_option", "check_kommuner", "kommun_option", "xlsx_option", "minutes_option", "target_option",
    "population_option", "population_column_option", "centralorter_option", "transit_options",
    "parse_theme_paths", "parse_minutes", "parse_window_option", "parse_date_option", "ensure_out_dir",
]

#: Every numeric default of an option comes from here (the one Settings object).
DEFAULTS = Settings()

#: A strictly positive number (speeds, factors, cell sides); click refuses 0 and below with exit code 2.
POSITIVE = click.FloatRange(min=0, min_open=True)
#: A number >= 0 (distances).
NON_NEGATIVE = click.FloatRange(min=0)

#: The thresholds of the RUS indicator (the default ``minutes`` of ``landuse.access.*.accessibility``).
DEFAULT_MINUTES = "45,60,90"
#: ``landuse.access.transit_router.DEFAULT_WINDOW``, spelled here because that module loads numpy and
#: pandas (``tests/cli`` checks that the two agree).
DEFAULT_WINDOW = "06:00-09:00"

QUIET_RULE = ("-q hides warnings and progress (bars, and the step log of demo); a command's result - its summary "
              "and the files it wrote or removed - and every error print with or without it.")


# --------------------------------------------------------------------------- -q and -v, read one way


def is_quiet(ctx: click.Context | None = None) -> bool:
    """Whether ``landuse -q`` was given: the one place a command reads it (see :data:`QUIET_RULE`).

    Parameters
    ----------
    ctx : click.Context, optional
        Any context of the run; default the current one.  A command invoked without
        the ``landuse`` group (in a test, say) is not quiet.
    """
    root = (ctx or click.get_current_context()).find_root()
    return bool(root.params.get("quiet", 0))


def command_settings(ctx: click.Context | None = None, **values: Any) -> Settings:
    """The :class:`~landuse.settings.Settings` of one command: its options in ``values``, progress unless ``-q``."""
    return Settings(progress=not is_quiet(ctx), **values)


verbose_option = click.option("-v", "--verbose", count=True,
                              help="More output; -v also shows the traceback of an error.")
quiet_option = click.option("-q", "--quiet", count=True,
                            help="No warnings and no progress; results and errors still print.")


# --------------------------------------------------------------------------- deprecated spellings


def deprecated_alias(old: str, new: str, dest: str, **option: Any) -> Callable:
    """A hidden option ``old`` that still works as ``new``: planners' scripts keep running.

    Using it prints one warning on stderr (``-q`` hides it, as every warning); giving
    both spellings is a usage error.  ``option`` holds the click options of ``old``
    (its ``type``), which must match those of ``new``.

    Parameters
    ----------
    old, new : str
        The deprecated flag and the flag that replaces it, e.g. ``--resolution`` and
        ``--resolution-m``.
    dest : str
        The command's parameter that ``new`` fills.
    """
    alias = f"{dest}__deprecated"

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def command(*args: Any, **params: Any) -> Any:
            value = params.pop(alias)
            if value is not None:
                if click.get_current_context().get_parameter_source(dest) is ParameterSource.COMMANDLINE:
                    raise click.UsageError(f"{old} is the deprecated spelling of {new}; give {new} only.")
                warnings.warn(f"{old} is deprecated; use {new} (the same value).", FutureWarning, stacklevel=2)
                params[dest] = value
            return func(*args, **params)

        return click.option(old, alias, hidden=True, default=None, **option)(command)

    return decorator


# --------------------------------------------------------------------------- inputs and outputs


def ensure_out_dir(ctx: click.Context, param: click.Parameter, value: str | Path | None) -> Path | None:
    """Check --out before any work, so a bad folder fails at once, in one line; create nothing yet.

    The folder is made when the run's files are moved into it (see
    :func:`landuse._io.staged_outputs`), so a failed run leaves no empty folder behind.
    """
    if value is None:
        return value
    if not str(value).strip():  # an unset shell variable: never write into whatever folder this is
        raise click.BadParameter("is empty; name the output folder, e.g. --out out.")
    return check_out_dir(Path(value))


out_dir_option = click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    callback=ensure_out_dir,
    help="Output folder (created when missing). A run writes all its files beside it first and moves them in "
         "together at the end: a failed run leaves the folder as it was; the files of an earlier run of the "
         "command are replaced.",
)


def source_crs_option(files: str) -> Callable:
    """``--source-crs CRS``: the CRS to assume for the command's input ``files`` that have none.

    Parameters
    ----------
    files : str
        Which inputs it applies to, e.g. ``"--layer files"``.
    """
    return click.option("--source-crs", default=None, metavar="CRS",
                        help=f"CRS to assume for {files} without one, e.g. EPSG:3006.")


def interest_theme(name: str) -> str:
    """``name`` as an interest theme's value, or a usage error listing the interest themes.

    Parameters
    ----------
    name : str
        A theme as the user wrote it (any case, å/ä/ö or not).

    Returns
    -------
    str
        The theme's value, e.g. ``"rennaring"``.
    """
    from landuse.errors import UnknownThemeError
    from landuse.themes import INTEREST_THEMES, parse_theme

    known = ", ".join(t.value for t in INTEREST_THEMES)
    try:
        theme = parse_theme(name)
    except UnknownThemeError:
        raise click.BadParameter(f"{name!r} is not an interest theme. Interest themes: {known}.") from None
    if theme not in INTEREST_THEMES:
        raise click.BadParameter(f"{name!r} is not an interest theme. Interest themes: {known}.")
    return theme.value


def parse_theme_paths(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, Path]:
    """Parse repeated ``THEME=PATH`` into a mapping (one file per interest theme)."""
    flag = param.opts[0] if param.opts else "--layer"
    out: dict[str, Path] = {}
    for value in values:
        theme, sep, path = value.partition("=")
        if not sep or not theme.strip() or not path.strip():
            raise click.BadParameter(f"{value!r} is not THEME=PATH, e.g. {flag} naturvard=RI_naturvard.gpkg.")
        interest_theme(theme.strip())
        if theme.strip() in out:
            raise click.BadParameter(f"theme {theme.strip()!r} is given twice; pass one file per theme.")
        out[theme.strip()] = Path(path.strip())
    return out


def theme_paths_option(flag: str, dest: str) -> Callable:
    """A repeatable ``THEME=PATH`` option: the user's file replaces a theme's embedded layers."""
    return click.option(flag, dest, multiple=True, callback=parse_theme_paths, metavar="THEME=PATH",
                        help="Replace a theme's embedded layers with your file (repeatable).")


def file_layer_option(dest: str, of: str) -> Callable:
    """``--layer NAME``: the layer inside a multi-layer file (a GeoPackage) given as ``of``."""
    return click.option("--layer", dest, default=None, metavar="NAME",
                        help=f"Layer inside {of} when it is a multi-layer file (GeoPackage).")


def check_kommuner(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """Each ``--kommun`` names one of the embedded kommuner: a bad value is a usage error (exit 2)."""
    if not value:
        return value
    from landuse.errors import InvalidSettingError
    from landuse.layers import load_kommuner  # geopandas: only when --kommun is given

    try:
        load_kommuner(list(value))
    except InvalidSettingError as err:
        raise click.BadParameter(str(err).removeprefix("--kommun "), ctx=ctx, param=param) from err
    return value


kommun_option = click.option("--kommun", "kommuner", multiple=True, metavar="NAME_OR_CODE", callback=check_kommuner,
                             help="Analyse only this kommun (name or code, repeatable); default all 14.")

xlsx_option = click.option(
    "--xlsx", is_flag=True,
    help="Also write the table as an Excel workbook next to the CSV (same name, .xlsx): Swedish headers, number "
         "formats (km², %, head counts) that Excel with Swedish settings shows right, a frozen header row, the "
         "bounds over all inhabitants where the origins are the tätorter, and a sheet 'Om data' with sources, "
         "licences and what is schematic.",
)


# --------------------------------------------------------------------------- accessibility (car, transit, trend)


def parse_minutes(ctx: click.Context, param: click.Parameter, value: str) -> tuple[float, ...]:
    """Parse ``45,60,90`` into a tuple of positive minutes."""
    try:
        minutes = tuple(float(v) for v in str(value).split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of minutes, e.g. 45,60,90.") from None
    if not minutes or any(m <= 0 for m in minutes):
        raise click.BadParameter(f"{value!r}: give one or more positive minutes, e.g. 45,60,90.")
    return minutes


minutes_option = click.option("--minutes", default=DEFAULT_MINUTES, show_default=True, callback=parse_minutes,
                              help="Travel-time thresholds in minutes, comma-separated.")

target_option = click.option(
    "--target", type=click.Choice(Target.values(), case_sensitive=False), default=Target.ANY.value,
    show_default=True, help="any: the nearest centralort of any kommun; own: the origin's own kommun's centralort.",
)

population_option = click.option(
    "--population", type=click.Path(path_type=Path), default=None,
    help="Origins: population points or grid polygons [default: the embedded SCB tätorter 2020, as areas].",
)

population_column_option = click.option(
    "--population-column", default=None,
    help="Column of --population with head counts [default: population/pop/befolkning/Totalt].",
)

centralorter_option = click.option(
    "--centralorter", type=click.Path(path_type=Path), default=None,
    help="Targets: centralort points or polygons with a name column [default: the embedded 14 centralorter].",
)


def parse_window_option(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Check ``--window HH:MM-HH:MM`` while parsing, so a typo is a usage error (exit code 2)."""
    from landuse.access.transit_router import parse_window
    from landuse.errors import InvalidSettingError

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


def transit_options(func: Callable) -> Callable:
    """The options `access transit` and `access trend` share, defaults from ``Settings()``.

    ``--window --statistic --population --population-column --centralorter --minutes
    --target --walk-speed-kph --max-walk-m --transfer-max-m --source-crs``.
    """
    options = [
        click.option("--window", default=DEFAULT_WINDOW, show_default=True, metavar="HH:MM-HH:MM",
                     callback=parse_window_option, help="Departure window [start, end), one departure per minute."),
        click.option("--statistic", type=click.Choice(Statistic.values(), case_sensitive=False),
                     default=Statistic.BEST.value, show_default=True,
                     help="Travel time over the window that the indicator uses."),
        population_option,
        population_column_option,
        centralorter_option,
        minutes_option,
        target_option,
        click.option("--walk-speed-kph", type=POSITIVE, default=DEFAULTS.walk_speed_kph, show_default=True,
                     help="Walking speed, km/h."),
        click.option("--max-walk-m", type=NON_NEGATIVE, default=DEFAULTS.max_walk_m, show_default=True,
                     help="Longest walk to or from a stop, metres (inclusive)."),
        click.option("--transfer-max-m", type=NON_NEGATIVE, default=DEFAULTS.transfer_max_m, show_default=True,
                     help="Longest walk between two stops for a transfer without a transfers.txt row, metres "
                          "(0: none)."),
        source_crs_option("--population and --centralorter files"),
    ]
    for option in reversed(options):
        func = option(func)
    return func
