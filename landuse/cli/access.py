"""``landuse access``: the RUS 60-minute indicator by car and by public transport."""

from __future__ import annotations

import importlib

import click


@click.group("access")
def command() -> None:
    """Share of the population reaching its centralort within N minutes.

    \b
    $ landuse access car --out out
    $ landuse access transit --out out
    """


# one module per mode: landuse.cli.access_car:car, landuse.cli.access_transit:transit
for _module, _name in (("landuse.cli.access_car", "car"), ("landuse.cli.access_transit", "transit")):
    try:
        command.add_command(getattr(importlib.import_module(_module), _name))
    except ModuleNotFoundError as _err:
        if _err.name != _module:
            raise
