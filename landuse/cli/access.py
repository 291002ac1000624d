"""``landuse access``: the RUS 60-minute indicator by car and by public transport."""

from __future__ import annotations

import click

from landuse.cli.access_car import car
from landuse.cli.access_transit import transit
from landuse.cli.access_trend import trend


@click.group("access")
def command() -> None:
    """Share of the population reaching its centralort within N minutes.

    \b
    $ landuse access car --out out
    $ landuse access transit --out out
    $ landuse access trend --out out
    """


# one module per mode
command.add_command(car)
command.add_command(transit)
command.add_command(trend)
