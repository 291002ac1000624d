"""Atomic writers: every output goes to a temporary name and is renamed at the end.

A crash or an error half-way leaves the old file (or nothing), never a half-written
GeoPackage or CSV that QGIS would open without complaint.  :func:`staged_outputs`
does the same for a whole run: every file of a command goes to a staging folder
beside ``--out`` and all are moved in together at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping

from landuse.errors import OutputFolderError
from landuse.outputs import DATAPACKAGE

if TYPE_CHECKING:  # pragma: no cover - annotations only; the writers import geopandas when they run
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import pyarrow as pa

__all__ = ["atomic_path", "EncodedLayer", "write_gpkg", "write_csv", "write_text", "OutputStage", "staged_outputs",
           "check_out_dir", "remove_unfinished", "defer_while_moving"]

#: SQLite page size (bytes) of the GeoPackages landuse writes.  Faces are blobs of a few kB each: with
#: SQLite's default 4 kB pages most spill into overflow pages, with 64 kB pages few do.  At the dense
#: målkonflikt case (86 000 faces) GDAL writes the faces layer in 0.26 s instead of 0.33 s, and the
#: file is 75 MB instead of 85 MB.  QGIS and every SQLite reader open any page size.
GPKG_PAGE_SIZE = 65_536
#: How many GeoPackage writes use :data:`GPKG_PAGE_SIZE` now, whether landuse set GDAL's option, and its
#: value before.
_PAGE_USERS: dict = {"count": 0, "ours": False, "before": None}
_PAGE_LOCK = threading.Lock()

#: Staging folders and temporary files of the writes in progress: what a killed run must remove.
_IN_PROGRESS: set[Path] = set()
#: Whether a staging folder's files are being moved into ``out_dir`` now, and what a signal that came
#: meanwhile asked to run once they all are (see :func:`defer_while_moving`).
_MOVING: dict = {"active": False, "pending": None}


def defer_while_moving(action: Callable[[], None]) -> bool:
    """Hold ``action`` until the files being moved into an output folder all are; True if held.

    A signal handler (``landuse`` on SIGTERM) asks this first: stopping between two
    renames would leave ``out_dir`` with files of two runs and a ``datapackage.json``
    that describes neither.  The renames take milliseconds; the held action runs
    as soon as the last one is done.

    Parameters
    ----------
    action : callable
        What to run once the moves are done (the handler's own exit).

    Returns
    -------
    bool
        True when files are being moved now and ``action`` was held; False when
        nothing is being moved (the caller acts at once).
    """
    if not _MOVING["active"]:
        return False
    _MOVING["pending"] = action
    return True


@contextmanager
def _moving_files() -> Iterator[None]:
    """Mark the block that moves a run's files into ``out_dir``; run a held action after it."""
    _MOVING["active"] = True
    try:
        yield
    finally:
        _MOVING["active"] = False
        pending, _MOVING["pending"] = _MOVING["pending"], None
        if pending is not None:
            pending()


def remove_unfinished() -> None:
    """Remove the staging folders and temporary files of the writes in progress (``landuse`` on SIGTERM)."""
    for path in list(_IN_PROGRESS):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            for leftover in (path, Path(str(path) + "-journal"), Path(str(path) + "-wal"), Path(str(path) + "-shm")):
                leftover.unlink(missing_ok=True)
    _IN_PROGRESS.clear()


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    The temporary file keeps the suffix of ``path`` so drivers that infer the
    format from the name (GDAL) still work.

    Parameters
    ----------
    path : path
        The file to write (its folder is created when missing).

    Yields
    ------
    Path
        The temporary path to write to; renamed to ``path`` when the block succeeds.

    Raises
    ------
    OutputFolderError
        When no file can be made in the folder of ``path``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    except OSError as err:  # a folder the system refuses (/proc, /sys, a read-only mount): no file to write
        raise OutputFolderError(
            f"cannot write {path}: no file can be made in `{path.parent}` ({err.strerror or err}). "
            "Choose a folder you can write to."
        ) from err
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # drivers want to create the file themselves
    _IN_PROGRESS.add(tmp)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(str(tmp) + "-journal"), Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
            if leftover.exists():
                leftover.unlink()
        _IN_PROGRESS.discard(tmp)


@dataclass(frozen=True)
class EncodedLayer:
    """A layer to write whose geometry is WKB already, e.g. as worker processes sent it.

    Attributes
    ----------
    attributes : pandas.DataFrame
        The columns, one row per feature (no index is written).
    wkb : numpy.ndarray of bytes
        One WKB geometry per row, in ``crs``.
    crs : str
        E.g. ``"EPSG:3006"``.
    geometry_type : str
        The layer's OGR geometry type, e.g. ``"Polygon"`` (every row has it).
    """

    attributes: pd.DataFrame
    wkb: np.ndarray
    crs: str
    geometry_type: str


def write_gpkg(layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame | EncodedLayer], path: str | os.PathLike[str], *,
               descriptions: Mapping[str, str] | None = None,
               empty_geometry_types: Mapping[str, str] | None = None) -> Path:
    """Write one GeoPackage with one layer per mapping entry, atomically.

    Parameters
    ----------
    layers : mapping
        Layer name -> GeoDataFrame (any CRS; landuse writes EPSG:3006), DataFrame (no
        geometry: an attribute table) or :class:`EncodedLayer` (WKB, written as it is).
    path : path
        The GeoPackage to write.
    descriptions : mapping, optional
        Layer name -> text (at most 1 000 characters kept): the layers' GeoPackage
        descriptions, which QGIS shows as the layer's abstract.
    empty_geometry_types : mapping, optional
        Layer name -> OGR geometry type (e.g. ``"Polygon"``) declared when that
        layer has no rows, so QGIS opens an empty layer as a map layer in its CRS
        rather than as a table (with rows the type is read from the data).

    Returns
    -------
    Path
        ``path``.
    """
    import geopandas as gpd

    path = Path(path)
    descriptions = descriptions or {}
    with atomic_path(path) as tmp, _large_pages():
        for name, frame in layers.items():
            options = {"DESCRIPTION": descriptions[name][:1000]} if name in descriptions else None
            if isinstance(frame, EncodedLayer):
                _write_encoded(frame, tmp, name, options)
            elif not isinstance(frame, gpd.GeoDataFrame):
                frame = gpd.GeoDataFrame(frame, geometry=[None] * len(frame))
                frame = frame.drop(columns="geometry")
                gpd.GeoDataFrame(frame).to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", layer_options=options,
                                                use_arrow=True)
            else:
                declared = (empty_geometry_types or {}).get(name) if frame.empty else None
                extra = {"geometry_type": declared} if declared else {}
                # through Arrow: GDAL takes whole columns, a third faster than feature by feature
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", layer_options=options, use_arrow=True,
                              **extra)
    return path


@contextmanager
def _large_pages() -> Iterator[None]:
    """GeoPackages created inside the block get :data:`GPKG_PAGE_SIZE` pages.

    GDAL takes SQLite pragmas from its process-wide option ``OGR_SQLITE_PRAGMA``
    (there is no creation option for the page size).  The option is set while any
    write is in this block and put back as it was after the last one.  Pragmas the
    user set there are kept (``page_size`` is added to them); a ``page_size`` of the
    user's own wins.  ``page_size`` acts only when a file is created: files GDAL
    merely opens meanwhile keep theirs.
    """
    import pyogrio

    with _PAGE_LOCK:
        if _PAGE_USERS["count"] == 0:
            users = pyogrio.get_gdal_config_option("OGR_SQLITE_PRAGMA")
            _PAGE_USERS["before"] = users
            if not users or "page_size" not in str(users).lower():
                ours = f"page_size={GPKG_PAGE_SIZE}"
                pyogrio.set_gdal_config_options({"OGR_SQLITE_PRAGMA": f"{users},{ours}" if users else ours})
                _PAGE_USERS["ours"] = True
        _PAGE_USERS["count"] += 1
    try:
        yield
    finally:
        with _PAGE_LOCK:
            _PAGE_USERS["count"] -= 1
            if _PAGE_USERS["count"] == 0 and _PAGE_USERS["ours"]:
                pyogrio.set_gdal_config_options({"OGR_SQLITE_PRAGMA": _PAGE_USERS["before"]})
                _PAGE_USERS["ours"] = False


def _write_encoded(layer: EncodedLayer, path: Path, name: str, options: dict[str, str] | None) -> None:
    """One :class:`EncodedLayer` into the GeoPackage at ``path``: GDAL takes the WKB column as it is.

    The file is the one geopandas' Arrow path writes (same columns, types, geometry
    column ``geom``, CRS and spatial index), without decoding and encoding the shapes.
    """
    import pyarrow as pa
    from pyogrio.raw import write_arrow

    table = pa.Table.from_pandas(layer.attributes, preserve_index=False)
    table = table.append_column("geometry", _binary_array(layer.wkb))
    write_arrow(table, path, layer=name, driver="GPKG", geometry_name="geometry", geometry_type=layer.geometry_type,
                crs=layer.crs, layer_options=options)


#: Bytes that Arrow's ``binary`` type can offset (int32); more need ``large_binary``.
_INT32_OFFSETS = 2**31


def _binary_array(blobs: np.ndarray) -> pa.Array:
    """The WKB blobs as one Arrow binary array, copied once into a buffer of the exact size.

    ``pyarrow.array`` grows its buffer while it copies; at the dense case's 40 MB of
    faces that took 0.02 s in one run and 0.15 s in the next (the kernel's huge-page
    faults behind Arrow's allocator).  Joining the blobs first costs 0.035 s every time.
    """
    import numpy as np
    import pyarrow as pa

    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs)), out=offsets[1:])
    data = pa.py_buffer(b"".join(blobs.tolist()))
    if offsets[-1] < _INT32_OFFSETS:
        return pa.Array.from_buffers(pa.binary(), len(blobs), [None, pa.py_buffer(offsets.astype(np.int32)), data])
    return pa.Array.from_buffers(pa.large_binary(), len(blobs), [None, pa.py_buffer(offsets), data])


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a CSV (UTF-8, no index), atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, columns in contract order.
    path : path
        The CSV to write.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8")
    return path


def write_text(text: str, path: str | os.PathLike[str]) -> Path:
    """Write a text file (UTF-8), atomically.

    Parameters
    ----------
    text : str
    path : path
        The file to write.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _fsync(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk, so a rename never exposes an empty file."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if path.is_dir() else 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # some file systems do not open folders; nothing to flush then
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_out_dir(out_dir: str | os.PathLike[str], option: str = "--out") -> Path:
    """Check, before any work, that ``out_dir`` can become an output folder; create nothing.

    Parameters
    ----------
    out_dir : path
        The output folder, existing or not.
    option : str
        The option that named it, for the error message.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    OutputFolderError
        When ``out_dir`` is a file, lies under a file, or its nearest existing
        folder is not writable.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputFolderError(f"{option} {out_dir}: this is a file, not a folder. Choose a folder name.")
    existing = out_dir
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputFolderError(
            f"{option} {out_dir}: `{existing}` is a file, so no folder can be made under it. Choose another folder."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputFolderError(f"{option} {out_dir}: `{existing}` is not writable. Choose a folder you can write to.")
    return out_dir


@dataclass
class OutputStage:
    """A staging folder beside ``out_dir`` that receives every file of one run.

    Attributes
    ----------
    path : Path
        The staging folder: engines write their files here.
    out_dir : Path
        Where the files go when the run succeeds.
    owned : tuple of str
        File names this command writes; those that this run did not write, but an
        earlier landuse run did (its ``datapackage.json`` lists them), are removed
        from ``out_dir`` at the end (e.g. the score grid of an earlier raster run),
        so the folder never mixes two runs of one command.  A user's own file that
        only carries such a name stays.
    removed : list of Path
        Files of ``out_dir`` removed at the end because this run did not write them.
    """

    path: Path
    out_dir: Path
    owned: tuple[str, ...] = ()
    removed: list[Path] = field(default_factory=list)

    def final(self, path: str | os.PathLike[str]) -> Path:
        """Where a file of the staging folder ends up (``out_dir / name``)."""
        return self.out_dir / Path(path).name

    def public(self, text: str) -> str:
        """``text`` with the staging folder's path replaced by ``out_dir`` (for printed lines)."""
        return text.replace(str(self.path), str(self.out_dir))

    def commit(self, *, describe: bool = True) -> list[Path]:
        """Move every staged file into ``out_dir``; return their final paths."""
        files = sorted(p for p in self.path.iterdir() if p.is_file() and not p.name.startswith("."))
        for p in files:  # refuse before anything moves, so out_dir is left as it was
            target = self.out_dir / p.name
            if target.is_dir():
                raise OutputFolderError(
                    f"`{target}` is a folder, but this run writes a file of that name. Move or delete the folder, "
                    "or choose another --out."
                )
        # an owned name goes only when an earlier landuse run wrote it (its datapackage.json lists it):
        # a user's own file that happens to carry the name stays
        written_before = set(_described_files(self.out_dir / DATAPACKAGE))
        stale = [self.out_dir / name for name in self.owned
                 if name in written_before and (self.out_dir / name).is_file() and not (self.path / name).exists()]
        gpkgs = [p for p in files if p.suffix.lower() == ".gpkg"]
        if gpkgs:  # QGIS styles inside each GeoPackage (its layer_styles table), before it is described
            from landuse.errors import ConfigError, LanduseWarning
            from landuse.map_spec import load_map_spec
            from landuse.qgis_styles import style_geopackage

            try:
                spec = load_map_spec()
            except ConfigError as err:  # a broken map spec must not cost the run its results
                import warnings

                warnings.warn(f"GeoPackages written without QGIS styles: {err}", LanduseWarning, stacklevel=3)
            else:
                for p in gpkgs:
                    style_geopackage(p, spec=spec)
        if describe:
            files.append(self._describe(files, stale))
        for p in files:
            _fsync(p)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with _moving_files():  # all of them or, when stopped before, none: never two runs mixed
            for p in files:
                os.replace(p, self.out_dir / p.name)
            for p in stale:
                p.unlink()
                self.removed.append(p)
            _fsync(self.out_dir)
        return [self.out_dir / p.name for p in files]

    def _describe(self, files: list[Path], stale: list[Path]) -> Path:
        """Write ``datapackage.json`` for this run's files and the earlier outputs that stay in ``out_dir``.

        The earlier files are linked (or copied) into the staging folder only to be
        described; they are not moved.
        """
        from landuse.datapackage import write_datapackage

        ours = {p.name for p in files}
        previous = _described_files(self.out_dir / DATAPACKAGE)
        for name in previous:
            source = self.out_dir / name
            if name in ours or source in stale or not source.is_file():
                continue
            try:
                os.link(source, self.path / name)
            except OSError:
                shutil.copy2(source, self.path / name)
        return write_datapackage(self.path)


def _described_files(datapackage: Path) -> list[str]:
    """File names listed as resources in an earlier run's ``datapackage.json`` (none if unreadable)."""
    import json

    try:
        resources = json.loads(datapackage.read_text(encoding="utf-8")).get("resources", [])
    except (OSError, ValueError, AttributeError):
        return []
    names = []
    for resource in resources if isinstance(resources, list) else []:
        path = resource.get("path") if isinstance(resource, dict) else None
        if isinstance(path, str) and Path(path).name == path and not path.startswith("."):
            names.append(path)
    return names


@contextmanager
def staged_outputs(out_dir: str | os.PathLike[str], *, owned: Iterable[str] = (),
                   describe: bool = True) -> Iterator[OutputStage]:
    """Run a command's writers in a staging folder; move the files into ``out_dir`` at the end.

    On success every file is fsynced and renamed into ``out_dir`` (created when
    missing), with a ``datapackage.json`` describing the folder's landuse outputs.
    On any error the staging folder is removed and ``out_dir`` is left untouched.

    Parameters
    ----------
    out_dir : path
        The output folder (``--out``).
    owned : iterable of str
        File names the command writes (see :class:`OutputStage`).
    describe : bool
        Write ``datapackage.json``.
    """
    out_dir = check_out_dir(out_dir)
    parent = out_dir.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage_dir = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.landuse-", dir=parent))
    except OSError as err:
        raise OutputFolderError(
            f"--out {out_dir}: cannot write beside it in `{parent}` ({err.strerror or err}). "
            "Choose a folder you can write to."
        ) from err
    stage = OutputStage(path=stage_dir, out_dir=out_dir, owned=tuple(owned))
    _IN_PROGRESS.add(stage_dir)
    try:
        yield stage
        stage.commit(describe=describe)
    finally:
        shutil.rmtree(stage_dir, ignore_errors=True)
        _IN_PROGRESS.discard(stage_dir)
