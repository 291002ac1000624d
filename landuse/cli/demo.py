"""``landuse demo``: run everything on the embedded Norrbotten data."""

from __future__ import annotations

from pathlib import Path

import click

from landuse.cli._options import command_settings, is_quiet, out_dir_option

__all__ = ["demo"]


@click.command("demo")
@out_dir_option
def demo(out_dir: Path) -> None:
    """Run every engine on the embedded data and write all outputs to --out.

    \b
    $ landuse demo --out out
    """
    from landuse._io import staged_outputs
    from landuse.demo import run_demo  # geopandas: only when the demo runs
    from landuse.outputs import DATAPACKAGE, DEMO_FILES

    settings = command_settings()
    # the whole demo is one run: every step writes into the staging folder (later steps read
    # earlier steps' files there), and all files move into --out together at the end
    with staged_outputs(out_dir, owned=DEMO_FILES) as stage:
        # the step log is progress: on stderr, and -q hides it, as it hides the bars
        echo = (lambda line: None) if is_quiet() else (lambda line: click.echo(stage.public(line), err=True))
        files = run_demo(stage.path, settings=settings, echo=echo)
    names = sorted({p.name for p in files} | {DATAPACKAGE})
    click.echo(f"{len(names)} files in {out_dir}: {', '.join(names)}")
