"""The ``landuse`` command line: a thin click group, one module per command.

Each command parses options (the shared ones in :mod:`landuse.cli._options`), builds
:class:`~landuse.settings.Settings`, calls one library function and writes its
outputs.  A :class:`~landuse.errors.LanduseError` becomes one line on stderr and exit
code 1; ``-v`` shows the traceback.  Command modules import the engines inside the
command function only, so ``landuse --help`` loads no geopandas.
"""

from __future__ import annotations

from landuse.cli import access, conflicts, demo, layers, op_check
from landuse.cli import map as map_command  # the module; `map` would shadow the builtin here
from landuse.cli.group import cli

__all__ = ["cli", "main"]

for _command in (layers.layers, conflicts.conflicts, op_check.op_check, access.access, map_command.map_,
                 demo.demo):
    cli.add_command(_command)


def main() -> None:
    """Console entry point."""
    cli(prog_name="landuse")
