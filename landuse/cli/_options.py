"""Option objects shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

from landuse.errors import OutputFolderError

def ensure_out_dir(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Create the output folder before any work, so a bad --out fails at once, in one line."""
    if value is None:
        return value
    try:
        value.mkdir(parents=True, exist_ok=True)
        probe = value / ".landuse-write-test"
        probe.touch()
        probe.unlink()
    except OSError as err:
        raise OutputFolderError(
            f"--out {value}: cannot create or write to this folder ({err.strerror or err}). "
            "Choose a folder you can write to."
        ) from err
    return value


out_dir_option = click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    callback=ensure_out_dir,
    help="Output folder (created when missing; files in it are replaced atomically).",
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
