"""``landuse map``: the strukturbild as one offline HTML file."""

from __future__ import annotations

import html
from pathlib import Path

import click

from landuse.errors import InputFileNotFoundError, OutputFolderError
from landuse.outputs import CONFLICT_LAYERS, MAP_FILE, MAP_INPUTS

__all__ = ["map_"]

_INPUT_OPTIONS = {
    "layers": f"{MAP_INPUTS['layers']} (catalogue layers; those it lacks come from the embedded catalogue, and a "
              "file with none of them is refused); default the embedded catalogue.",
    "conflicts": f"{MAP_INPUTS['conflicts']} (layers {', '.join(CONFLICT_LAYERS)}).",
    "conflicts_table": f"{MAP_INPUTS['conflicts_table']}.",
    "car": f"{MAP_INPUTS['car']} (layers origins, isochrones, network).",
    "car_table": f"{MAP_INPUTS['car_table']}.",
    "transit": f"{MAP_INPUTS['transit']} (layers origins, isochrones).",
    "transit_table": f"{MAP_INPUTS['transit_table']}.",
}


def _input_options(func):
    for name in reversed(list(_INPUT_OPTIONS)):
        flag = name.replace("_", "-")
        func = click.option(f"--{flag}", name, type=click.Path(dir_okay=False, path_type=Path), default=None,
                            help=_INPUT_OPTIONS[name])(func)
    for name in ("conflicts", "car", "transit"):
        func = click.option(f"--no-{name}", f"no_{name}", is_flag=True,
                            help=f"Leave the {name} overlays out even when --from holds them.")(func)
    return func


def _not_empty(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """``--out`` as a Path; an empty one (an unset shell variable) would be ".", so it is refused."""
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("is empty; name the map, e.g. --out karta.html, or a folder.")
    return Path(value)


@click.command("map")
@click.option("--out", "out", required=True, type=click.Path(), callback=_not_empty,
              help=f"HTML file to write, or a folder (then FOLDER/{MAP_FILE}).")
@click.option("--from", "from_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A `landuse demo` output folder: every input found there is drawn.")
@_input_options
@click.option("--gtfs", type=click.Path(path_type=Path), default=None,
              help="GTFS feed for the stråk; default the embedded Länstrafiken feed.")
@click.option("--no-gtfs", is_flag=True, help="Leave the public-transport stråk out.")
@click.option("--spec", type=str, default=None,
              help="Map spec: a TOML file or the name of one in maps/; default strukturbild.")
@click.option("--tiles", type=str, default=None,
              help="Basemap name, e.g. OpenStreetMap, OpenTopoMap or 'Esri WorldImagery' (needs network; "
                   "URL templates are refused). Default none: fully offline.")
def map_(out: Path, from_dir: Path | None, gtfs: Path | None, no_gtfs: bool, spec: str | None,
         tiles: str | None, no_conflicts: bool, no_car: bool, no_transit: bool, **paths: Path | None) -> None:
    """Draw the strukturbild (noder, stråk, områden) as one offline HTML map.

    Inputs come from --from (a `landuse demo` folder) and the per-input options,
    which win over --from.  An overlay whose input is absent is left out and named
    in the legend.  Leaflet is inlined: the map opens with the network cut.

    \b
    $ landuse map --from out --out out/strukturbild.html
    $ landuse map --layers out/layers.gpkg --transit out/access_transit.gpkg --out karta.html
    $ landuse map --from out --out karta.html --tiles OpenStreetMap
    """
    from landuse._io import check_out_dir, staged_outputs
    from landuse.maps import strukturbild_map, write_map
    from landuse.outputs import read_outputs

    if from_dir is not None and not from_dir.is_dir():
        raise InputFileNotFoundError(
            f"--from {from_dir}: no such folder. Pass the folder `landuse demo --out DIR` wrote, or name the inputs "
            "with --layers/--conflicts/--car/--transit."
        )
    inputs: dict[str, object] = read_outputs(from_dir).map_inputs() if from_dir is not None else {}
    inputs.update({k: v for k, v in paths.items() if v is not None})
    overlays_left_out = ((no_conflicts, ("conflicts", "conflicts_table")), (no_car, ("car", "car_table")),
                         (no_transit, ("transit", "transit_table")))
    for flag, names in overlays_left_out:
        if flag:
            for name in names:
                inputs.pop(name, None)
    if out.is_file() and out.suffix.lower() not in (".html", ".htm"):
        raise OutputFolderError(
            f"--out {out} is an existing file that is not a map. Name an .html file (e.g. karta.html) or a folder "
            f"(then FOLDER/{MAP_FILE})."
        )
    if out.suffix and out.suffix.lower() not in (".html", ".htm") and not out.is_dir():
        raise OutputFolderError(f"--out {out}: name an .html file or a folder (then {out}/{MAP_FILE}).")
    # an existing folder is a folder, whatever its name ends in
    target = out if out.suffix.lower() in (".html", ".htm") and not out.is_dir() else out / MAP_FILE
    check_out_dir(target.parent)
    m = strukturbild_map(**inputs, gtfs=False if no_gtfs else gtfs, spec=spec, tiles=tiles)
    if _is_output_folder(target.parent):
        # a landuse output folder: the map joins its datapackage.json (bytes, sha256), which stays true
        with staged_outputs(target.parent) as stage:
            write_map(m, stage.path / target.name)
        path = target
    else:
        path = write_map(m, target)
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {len(m.landuse_overlays)} overlays"
               f"{', tiles ' + tiles if tiles else ', offline'})")
    from landuse.map_spec import INPUT_LABELS

    # what the user left out on purpose (--no-gtfs, --no-car, ...) is not reported as missing
    left_out = {INPUT_LABELS[n] for flag, names in (*overlays_left_out, (no_gtfs, ("gtfs",))) for n in names if flag}
    missing = [text for text in (html.unescape(x) for x in m.landuse_missing) if text not in left_out]
    if missing:
        click.echo("missing (no input given): " + ", ".join(missing))


def _is_output_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a ``datapackage.json`` that landuse wrote (its generator says so).

    A ``datapackage.json`` that is no JSON is left as it is, with a warning: the map
    cannot join it, and whether landuse wrote it no longer shows.
    """
    import json
    import warnings

    from landuse.errors import LanduseWarning
    from landuse.outputs import DATAPACKAGE

    path = folder / DATAPACKAGE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:  # none there (or unreadable): a plain folder
        return False
    try:
        descriptor = json.loads(text)
    except ValueError:
        warnings.warn(f"{path} is no valid JSON, so the map is not added to it. Run the command that wrote "
                      f"{folder} again to rewrite it, or delete the file.", LanduseWarning, stacklevel=2)
        return False
    return isinstance(descriptor, dict) and str(descriptor.get("generator", "")).startswith("landuse ")


assert set(_INPUT_OPTIONS) == set(MAP_INPUTS)
