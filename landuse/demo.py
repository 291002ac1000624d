"""The demo run: every engine on the embedded Norrbotten data, into one output folder.

:func:`run_demo` reads top to bottom: one step per engine, each a plain call that
computes, writes into the folder and returns the lines of :mod:`landuse.summaries` to
print.  Later steps present what earlier ones wrote (the workbooks, the map and the
report read the folder).  The engines are imported inside the steps, so
``import landuse.demo`` (and ``landuse --help``) loads no geopandas.
"""

from __future__ import annotations

import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

from landuse import summaries
from landuse.errors import LanduseWarning, PartialLossWarning, SchematicDataWarning
from landuse.outputs import ACCESS_FILES, CONFLICT_FILES, DEMO_FILES, LAYERS_FILE, MAP_FILE, MODES, TREND_FILES
from landuse.settings import Settings, resolve

__all__ = [
    "DEMO_FILES",
    "STEPS",
    "run_demo",
    "write_layers",
    "layers_step",
    "conflicts_step",
    "car_step",
    "transit_step",
    "trend_step",
    "workbooks_step",
    "map_step",
    "report_step",
]

#: How many steps :func:`run_demo` takes (its progress reads ``[i/STEPS]``).
STEPS = 8


def run_demo(out_dir: str | Path, *, settings: Settings | None = None,
             echo: Callable[[str], None] = print) -> list[Path]:
    """Run every engine on the embedded data into ``out_dir``, printing progress with ``echo``.

    Parameters
    ----------
    out_dir : str or Path
        The output folder (created when missing); later steps read earlier outputs there.
    settings : Settings, optional
        Where the embedded data and the catalogue are read, and the models' settings.
    echo : callable
        Receives each line of progress: ``[i/8] step``, the step's lines indented,
        ``done in N s``.

    Returns
    -------
    list of Path
        The files in ``out_dir`` after the run (:data:`~landuse.outputs.DEMO_FILES`).
    """
    settings = resolve(settings)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = _Progress(echo)
    with progress.step(f"Embedded layers -> {LAYERS_FILE}") as say:
        say(layers_step(out_dir, settings=settings))
    with progress.step("Målkonflikter") as say:
        say(conflicts_step(out_dir, settings=settings))
    with progress.step("Accessibility by car") as say:
        say(car_step(out_dir, settings=settings))
    with progress.step("Accessibility by public transport") as say:
        say(transit_step(out_dir, settings=settings))
    with progress.step("Accessibility by public transport over three timetables") as say:
        say(trend_step(out_dir, settings=settings))
    with progress.step("Excel workbooks of the tables") as say:
        say(workbooks_step(out_dir, settings=settings))
    with progress.step("Strukturbild map") as say:
        say(map_step(out_dir, settings=settings))
    with progress.step("Report") as say:
        say(report_step(out_dir, settings=settings))
    return sorted(p for p in out_dir.iterdir() if p.is_file())


class _Progress:
    """Prints ``[i/STEPS] label``, then the step's lines indented, then its time."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo
        self.done = 0

    @contextmanager
    def step(self, label: str) -> Iterator[Callable[[Iterable[str]], None]]:
        self.done += 1
        self.echo(f"[{self.done}/{STEPS}] {label}")
        start = time.perf_counter()

        def say(lines: Iterable[str]) -> None:
            for line in lines:
                self.echo(f"    {line}")

        yield say
        self.echo(f"    done in {time.perf_counter() - start:.1f} s")


# --------------------------------------------------------------------------- the steps


def write_layers(out_dir: str | Path, settings: Settings | None = None) -> Path:
    """Load every embedded catalogue layer and write ``out_dir/layers.gpkg`` (one layer each).

    Parameters
    ----------
    out_dir : str or Path
        The output folder.
    settings : Settings, optional
        Where the catalogue and its data are read.

    Returns
    -------
    Path
        The GeoPackage (:data:`~landuse.outputs.LAYERS_FILE`): one layer per catalogue
        layer with a source, in EPSG:3006.
    """
    from landuse._io import write_gpkg
    from landuse.layers import catalogue, load_layer

    settings = resolve(settings)
    frames = {}
    with warnings.catch_warnings():
        # the embedded line/point layers are buffered on purpose; their specs say so
        warnings.simplefilter("ignore", LanduseWarning)
        for name, spec in catalogue(settings).items():
            if spec.source is not None:
                frames[name] = load_layer(name, settings=settings)
    return write_gpkg(frames, Path(out_dir) / LAYERS_FILE)


def layers_step(out_dir: str | Path, *, settings: Settings | None = None) -> list[str]:
    """Step 1: every embedded layer into ``layers.gpkg`` (:func:`write_layers`).

    Parameters
    ----------
    out_dir : str or Path
        The demo's output folder.
    settings : Settings, optional
        Where the catalogue and its data are read.

    Returns
    -------
    list of str
        The lines to print (:func:`landuse.summaries.layers_line`).
    """
    from landuse.layers import catalogue

    path = write_layers(out_dir, settings)
    return [summaries.layers_line(path, len(catalogue(settings)))]


def conflicts_step(out_dir: str | Path, *, settings: Settings | None = None) -> list[str]:
    """Step 2: the målkonflikt analysis of the embedded interest layers, per kommun (vector mode).

    Parameters
    ----------
    out_dir : str or Path
        The demo's output folder: ``malkonflikter.gpkg`` and ``malkonflikter_per_kommun.csv``
        are written there.
    settings : Settings, optional
        Where the conflict matrix, the layers and the kommuner are read.

    Returns
    -------
    list of str
        The files written, then :func:`landuse.summaries.conflict_lines`; figures on
        schematic inputs end in "[schematisk]".
    """
    from landuse.conflict_matrix import read_conflict_matrix
    from landuse.conflicts import conflicts_from_layers, load_interest_layers, write_conflicts

    settings = resolve(settings)
    matrix = read_conflict_matrix(settings=settings)
    layers = load_interest_layers(matrix=matrix, settings=settings)
    result = conflicts_from_layers(layers, matrix, settings=settings)
    written = write_conflicts(result, out_dir)
    return [summaries.conflict_files_line(result, written)] + summaries.conflict_lines(result)


def car_step(out_dir: str | Path, *, settings: Settings | None = None) -> list[str]:
    """Step 3: the car indicator on the embedded data (Lantmäteriet's main roads, tätorter, centralorter).

    Parameters
    ----------
    out_dir : str or Path
        The demo's output folder: ``access_car.csv`` and ``access_car.gpkg`` are written there.
    settings : Settings, optional
        The access model and where the embedded data are read.

    Returns
    -------
    list of str
        :func:`landuse.summaries.car_lines` (the network, the county and per-kommun
        shares within 60 minutes, the coverage), the partial losses as notes, the files.
    """
    from landuse.access import car

    settings = resolve(settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PartialLossWarning)
        # the schematic nature is printed on the first line instead
        warnings.simplefilter("ignore", SchematicDataWarning)
        result = car.accessibility(settings=settings)
        written = car.write_outputs(result, out_dir)
    mark = summaries.MARK if result.schematic else ""
    return (summaries.car_lines(result, settings=settings)
            + summaries.note_lines(caught, PartialLossWarning, mark=mark)
            + [summaries.car_files_line(result, written)])


def transit_step(out_dir: str | Path, *, settings: Settings | None = None) -> list[str]:
    """Step 4: the transit indicator on the real Länstrafiken feed, SCB tätorter as origins.

    Parameters
    ----------
    out_dir : str or Path
        The demo's output folder: ``access_transit.csv`` and ``access_transit.gpkg`` are
        written there.
    settings : Settings, optional
        Walking settings and where the embedded data are read.

    Returns
    -------
    list of str
        :func:`landuse.summaries.transit_lines`, the partial losses as notes, the files.
    """
    from landuse.access import transit

    settings = resolve(settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PartialLossWarning)
        result = transit.accessibility(settings=settings)
        written = transit.write_outputs(result, out_dir)
    for w in caught:  # other warnings keep their way to the caller
        if not issubclass(w.category, PartialLossWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return (summaries.transit_lines(result, settings=settings)
            + summaries.note_lines(caught, PartialLossWarning)
            + [summaries.transit_files_line(written)])


def trend_step(out_dir: str | Path, *, settings: Settings | None = None) -> list[str]:
    """Step 5: the transit indicator over the three embedded feeds (2022-05-05, 2022-06-22, 2022-12-14).

    Parameters
    ----------
    out_dir : str or Path
        The demo's output folder: ``access_trend.csv``, ``.gpkg`` and ``.png`` are written there.
    settings : Settings, optional
        Where the feeds are read (``data_dir``) and the walking settings.

    Returns
    -------
    list of str
        :func:`landuse.summaries.trend_lines`, then the files.
    """
    from landuse.gtfs import EMBEDDED_FEEDS
    from landuse.trend import access_trend, write_trend

    settings = resolve(settings)
    with warnings.catch_warnings():
        # the origins without a stop are the same in every feed; the transit step reports them
        warnings.simplefilter("ignore", PartialLossWarning)
        result = access_trend([(settings.data_dir / name, None) for name in EMBEDDED_FEEDS], settings=settings)
    written = write_trend(result, out_dir)
    return summaries.trend_lines(result) + [summaries.files_line(written)]


def workbooks_step(out_dir: str | Path, *, settings: Settings | None = None) -> list[str]:
    """Step 6: an Excel workbook beside each table CSV (Swedish headers and number formats).

    Every demo table has the SCB tätorter as origins, so the accessibility sheets carry
    the bounds over all inhabitants.

    Parameters
    ----------
    out_dir : str or Path
        The demo's output folder, holding the CSV tables of steps 2-5.
    settings : Settings, optional
        Where SCB's population and the catalogue are read.

    Returns
    -------
    list of str
        :func:`landuse.summaries.workbooks_line`: the workbooks, those of schematic
        tables marked.
    """
    from landuse.datapackage import describe_folder
    from landuse.excel import workbook_from_csv

    settings = resolve(settings)
    out_dir = Path(out_dir)
    package = describe_folder(out_dir, settings=settings)
    tables = (CONFLICT_FILES["csv"], *(ACCESS_FILES[mode]["csv"] for mode in MODES), TREND_FILES["csv"])
    written = [workbook_from_csv(out_dir / name, bounds=True, package=package, settings=settings) for name in tables]
    schematic = [r["path"] for r in package["resources"] if r.get("schematic") and r["path"] in tables]
    return [summaries.workbooks_line(written, schematic)]


def map_step(out_dir: str | Path, *, settings: Settings | None = None) -> list[str]:
    """Step 7: the strukturbild map (``strukturbild.html``) of the outputs in ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        The demo's output folder: the map draws the outputs found there and is written into it.
    settings : Settings, optional
        Where the map spec and the catalogue are read.

    Returns
    -------
    list of str
        :func:`landuse.summaries.map_lines`.
    """
    from landuse.maps import strukturbild_map, write_map
    from landuse.outputs import read_outputs

    out_dir = Path(out_dir)
    m = strukturbild_map(**read_outputs(out_dir, settings=settings).map_inputs(), settings=settings)
    path = write_map(m, out_dir / MAP_FILE)
    return summaries.map_lines(m, path)


def report_step(out_dir: str | Path, *, settings: Settings | None = None) -> list[str]:
    """Step 8: ``rapport.md``, ``rapport.html`` and their charts from the outputs in ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        The demo's output folder: the report reads the outputs found there and is written into it.
    settings : Settings, optional
        Where SCB's population and the catalogue are read.

    Returns
    -------
    list of str
        :func:`landuse.summaries.report_lines`.
    """
    from landuse.report import write_report

    written, found = write_report(out_dir, settings=settings)
    return summaries.report_lines(written, found.missing)
