"""Atomic writers: every output goes to a temporary name and is renamed at the end.

A crash or an error half-way leaves the old file (or nothing), never a half-written
GeoPackage or CSV that QGIS would open without complaint.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

import geopandas as gpd
import pandas as pd

__all__ = ["atomic_path", "write_gpkg", "write_csv", "write_text"]


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    The temporary file keeps the suffix of ``path`` so drivers that infer the
    format from the name (GDAL) still work.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # drivers want to create the file themselves
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(str(tmp) + "-journal"), Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
            if leftover.exists():
                leftover.unlink()


def write_gpkg(layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write one GeoPackage with one layer per mapping entry, atomically.

    Plain DataFrames (no geometry) are written as attribute tables.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        for name, frame in layers.items():
            if not isinstance(frame, gpd.GeoDataFrame):
                frame = gpd.GeoDataFrame(frame, geometry=[None] * len(frame))
                frame = frame.drop(columns="geometry")
                gpd.GeoDataFrame(frame).to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
            else:
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    return path


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a CSV (UTF-8, no index), atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8")
    return path


def write_text(text: str, path: str | os.PathLike[str]) -> Path:
    """Write a text file (UTF-8), atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
