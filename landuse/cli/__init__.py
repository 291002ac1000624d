"""The ``landuse`` command line: a thin click group, one module per command.

Each command parses options, builds :class:`~landuse.settings.Settings`, calls one
library function and writes its outputs.  A :class:`~landuse.errors.LanduseError`
becomes one line on stderr and exit code 1; ``-v`` shows the traceback.
"""

from __future__ import annotations

import logging
import sys
import warnings

import click

from landuse.errors import LanduseError

__all__ = ["cli", "main"]


class _LanduseGroup(click.Group):
    """A group that turns our errors into one line and routes warnings to stderr."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        verbosity = ctx.params.get("verbose", 0) - ctx.params.get("quiet", 0)
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _show_warning
                warnings.simplefilter("default")
                return super().invoke(ctx)
        except LanduseError as err:
            if verbosity >= 1:  # -v: the traceback, for bug reports
                raise
            click.echo(f"Error: {err}", err=True)
            ctx.exit(1)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    if logging.getLogger("landuse").isEnabledFor(logging.WARNING):
        click.echo(f"warning: {message}", err=True)


@click.group(cls=_LanduseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More output; -v also shows the traceback of an error.")
@click.option("-q", "--quiet", count=True, help="Less output (no warnings, no progress bars).")
@click.version_option(package_name="landuse")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int) -> None:
    """Land-use conflict and accessibility analysis for Norrbotten.

    \b
    $ landuse layers list
    $ landuse demo --out out
    """
    level = logging.WARNING - 10 * verbose + 10 * quiet
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(message)s", stream=sys.stderr)
    logging.getLogger("landuse").setLevel(max(level, logging.DEBUG))
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet > 0
    ctx.obj["verbose"] = verbose


def _register() -> None:
    from landuse.cli import demo, layers

    cli.add_command(layers.layers)
    cli.add_command(demo.demo)
    for module_name in ("conflicts", "op_check", "access", "map"):
        try:
            module = __import__(f"landuse.cli.{module_name}", fromlist=["command"])
        except ModuleNotFoundError as err:
            if err.name != f"landuse.cli.{module_name}":
                raise
            continue
        cli.add_command(module.command)


_register()


def main() -> None:
    """Console entry point."""
    cli(prog_name="landuse")
