"""``landuse demo``: run everything on the embedded Norrbotten data."""

from __future__ import annotations

from pathlib import Path

import click

from landuse.cli._options import out_dir_option
from landuse.demo import run_demo


@click.command()
@out_dir_option
@click.pass_context
def demo(ctx: click.Context, out_dir: Path) -> None:
    """Run every engine on the embedded data and write all outputs to --out.

    \b
    $ landuse demo --out out
    """
    quiet = ctx.obj.get("quiet", False) if ctx.obj else False
    files = run_demo(out_dir, echo=(lambda line: None) if quiet else click.echo)
    click.echo(f"{len(files)} files in {out_dir}: {', '.join(p.name for p in files)}")
