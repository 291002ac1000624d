"""``landuse layers``: list the catalogue and check a user's file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from landuse.layers import check_layer, list_layers


@click.group()
def layers() -> None:
    """List the layer catalogue or validate a file against a theme."""


@layers.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per layer).")
def list_command(as_json: bool) -> None:
    """List every catalogue layer: name, theme, source, feature count, schematic flag.

    \b
    $ landuse layers list
    $ landuse layers list --json
    """
    table = list_layers()
    if as_json:
        click.echo(json.dumps(table.to_dict(orient="records"), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    out = Table(title="landuse layer catalogue")
    for column in ("name", "theme", "features", "schematic", "authority", "source"):
        out.add_column(column)
    for row in table.itertuples():
        out.add_row(row.name, row.theme, str(row.feature_count), "yes" if row.schematic else "no",
                    row.authority, str(row.source))
    Console().print(out)


@layers.command("check")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--theme", required=True, help="Theme of the file, e.g. naturvard or rennaring.")
@click.option("--layer", default=None, help="Layer inside a multi-layer file (GeoPackage).")
@click.option("--source-crs", default=None, help="CRS to assume when the file has none, e.g. EPSG:3006.")
@click.option("--id-column", default=None, help="Column holding unique feature ids.")
@click.option("--name-column", default=None, help="Column holding feature names.")
def check_command(path: Path, theme: str, layer: str | None, source_crs: str | None,
                  id_column: str | None, name_column: str | None) -> None:
    """Validate a file as landuse would load it; exit 0 if it is usable.

    \b
    $ landuse layers check RI_naturvard.shp --theme naturvard --source-crs EPSG:3006
    """
    report = check_layer(path, theme=theme, layer=layer, source_crs=source_crs,
                         id_column=id_column, name_column=name_column)
    for line in report.lines():
        click.echo(line)
    click.echo("usable: yes")
