"""``landuse demo``: run everything on the embedded Norrbotten data."""

from __future__ import annotations

from pathlib import Path

import click

from landuse.cli._options import out_dir_option
from landuse.demo import DEMO_FILES, run_demo


@click.command()
@out_dir_option
@click.pass_context
def demo(ctx: click.Context, out_dir: Path) -> None:
    """Run every engine on the embedded data and write all outputs to --out.

    \b
    $ landuse demo --out out
    """
    from landuse._io import staged_outputs

    quiet = ctx.obj.get("quiet", False) if ctx.obj else False
    # the whole demo is one run: every step writes into the staging folder (later steps read
    # earlier steps' files there), and all files move into --out together at the end
    with staged_outputs(out_dir, owned=DEMO_FILES) as stage:
        files = run_demo(stage.path, echo=(lambda line: None) if quiet else (lambda line: click.echo(stage.public(line))))
    names = sorted({p.name for p in files} | {"datapackage.json"})
    click.echo(f"{len(names)} files in {out_dir}: {', '.join(names)}")
