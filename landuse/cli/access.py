"""``landuse access``: the RUS 60-minute indicator by car and by public transport."""

from __future__ import annotations

import click

from landuse.cli.access_car import access_car
from landuse.cli.access_transit import access_transit
from landuse.cli.access_trend import access_trend


@click.group("access")
def access() -> None:
    """Share of the population reaching its centralort within N minutes.

    \b
    $ landuse access car --out out
    $ landuse access transit --out out
    $ landuse access trend --out out
    """


# one module per mode
for _command in (access_car, access_transit, access_trend):
    access.add_command(_command)
