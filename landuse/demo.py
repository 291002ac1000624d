"""The demo run: every engine on the embedded Norrbotten data, in one output folder.

Each engine module offers ``demo_step(out_dir, *, settings) -> list[str]``: it writes
its files into ``out_dir`` and returns the lines to print.  The steps run in order;
the first step writes ``layers.gpkg`` with every embedded layer in EPSG:3006.
"""

from __future__ import annotations

import importlib
import time
import warnings
from pathlib import Path
from typing import Callable

from landuse._io import write_gpkg
from landuse.errors import LanduseWarning
from landuse.layers import catalogue, load_layer
from landuse.outputs import DEMO_FILES, LAYERS_FILE
from landuse.settings import Settings, resolve

__all__ = ["DEMO_STEPS", "DEMO_FILES", "run_demo", "write_layers"]

#: (label, "module:function") in run order.  Later steps may read earlier outputs.
DEMO_STEPS: list[tuple[str, str]] = [
    (f"Embedded layers -> {LAYERS_FILE}", "landuse.demo:demo_step"),
    ("Målkonflikter", "landuse.conflicts:demo_step"),
    ("Accessibility by car", "landuse.access.car:demo_step"),
    ("Accessibility by public transport", "landuse.access.transit:demo_step"),
    ("Accessibility by public transport over three timetables", "landuse.trend:demo_step"),
    ("Excel workbooks of the tables", "landuse.excel:demo_step"),
    ("Strukturbild map", "landuse.maps:demo_step"),
    ("Report", "landuse.report:demo_step"),
]



def write_layers(out_dir: Path, settings: Settings | None = None) -> Path:
    """Load every embedded catalogue layer and write ``out_dir/layers.gpkg`` (one layer each).

    Parameters
    ----------
    out_dir : Path
        The output folder.
    settings : Settings, optional
        Where the catalogue and its data are read.

    Returns
    -------
    Path
        The GeoPackage: one layer per catalogue layer with a source, in EPSG:3006.
    """
    settings = resolve(settings)
    frames = {}
    with warnings.catch_warnings():
        # the embedded line/point layers are buffered on purpose; their specs say so
        warnings.simplefilter("ignore", LanduseWarning)
        for name, spec in catalogue(settings).items():
            if spec.source is not None:
                frames[name] = load_layer(name, settings=settings)
    return write_gpkg(frames, Path(out_dir) / LAYERS_FILE)


def demo_step(out_dir: Path, *, settings: Settings | None = None) -> list[str]:
    """Demo step: write ``layers.gpkg``.

    Parameters
    ----------
    out_dir : Path
        The demo's output folder.
    settings : Settings, optional

    Returns
    -------
    list of str
        The lines the demo prints.
    """
    path = write_layers(out_dir, settings)
    n = len(catalogue(settings))
    return [f"wrote {path} ({n} layers, EPSG:3006; schematic layers are marked schematic=True)"]


def _resolve_step(target: str) -> Callable[..., list[str]]:
    module_name, func_name = target.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def run_demo(out_dir: Path, *, settings: Settings | None = None,
             echo: Callable[[str], None] = print) -> list[Path]:
    """Run every demo step, printing progress with ``echo``.

    Parameters
    ----------
    out_dir : Path
        The output folder (created when missing); later steps read earlier outputs.
    settings : Settings, optional
    echo : callable
        Receives each line of progress.

    Returns
    -------
    list of Path
        The files in ``out_dir`` after the run.
    """
    settings = resolve(settings)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    available = [(label, _resolve_step(target)) for label, target in DEMO_STEPS]
    for i, (label, func) in enumerate(available, start=1):
        echo(f"[{i}/{len(available)}] {label}")
        start = time.perf_counter()
        for line in func(out_dir, settings=settings):
            echo(f"    {line}")
        echo(f"    done in {time.perf_counter() - start:.1f} s")
    return sorted(p for p in out_dir.iterdir() if p.is_file())
