"""``landuse layers``: list the catalogue and check a user's file."""

from __future__ import annotations

from pathlib import Path

import click

from landuse.cli._options import file_layer_option, source_crs_option

__all__ = ["layers"]


@click.group("layers")
def layers() -> None:
    """List the layer catalogue or validate a file against a theme."""


@layers.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per layer).")
def layers_list(as_json: bool) -> None:
    """List every catalogue layer: name, theme, source, feature count, schematic flag.

    \b
    $ landuse layers list
    $ landuse layers list --json
    """
    from landuse.layers import list_layers

    table = list_layers()
    if as_json:
        import json

        click.echo(json.dumps(table.to_dict(orient="records"), ensure_ascii=False, indent=2))
        return
    from landuse.cli._console import output_console
    from rich.table import Table

    out = Table(title="landuse layer catalogue")
    # the name is what a user types (load_layer("…")): never shortened; long texts fold instead
    out.add_column("name", no_wrap=True, min_width=max(len(str(n)) for n in table["name"]))
    for column in ("theme", "features", "schematic", "authority", "source"):
        out.add_column(column, overflow="fold")
    for row in table.itertuples():
        out.add_row(row.name, row.theme, str(row.feature_count), "yes" if row.schematic else "no",
                    row.authority, str(row.source))
    output_console().print(out)


@layers.command("check")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--theme", required=True, help="Theme of the file, e.g. naturvard or rennaring.")
@file_layer_option("layer", of="PATH")
@source_crs_option("the file PATH")
@click.option("--id-column", default=None, help="Column holding unique feature ids.")
@click.option("--name-column", default=None, help="Column holding feature names.")
def layers_check(path: Path, theme: str, layer: str | None, source_crs: str | None, id_column: str | None,
                 name_column: str | None) -> None:
    """Validate a file as landuse would load it; exit 0 if it is usable (readable, and some of it in Norrbotten).

    \b
    $ landuse layers check RI_naturvard.shp --theme naturvard --source-crs EPSG:3006
    """
    from landuse.layers import check_layer

    report = check_layer(path, theme=theme, layer=layer, source_crs=source_crs,
                         id_column=id_column, name_column=name_column)
    for line in report.lines():
        click.echo(line)
    if report.share_in_county <= 0:
        # readable, but nothing of it lies in the county: every analysis would find nothing
        click.echo("usable: no (nothing in Norrbotten)")
        raise SystemExit(1)
    click.echo("usable: yes")
