"""Faces of the målkonflikt engine: theme masks, scores and the faces table (vector mode here).

Vector mode overlays the dissolved themes exactly (:func:`landuse._overlay.theme_faces`);
the functions that turn theme bit masks into scores, names and the ``faces`` table
are shared with raster mode (:mod:`landuse.conflict_raster`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from landuse._overlay import popcount
from landuse.choices import Faces, ScoreMethod
from landuse.progress import progress_bar
from landuse.settings import WORK_CRS, Settings

__all__ = ["popcount", "score_of_masks", "theme_strings", "FaceTable", "face_table", "join_labels", "vector_overlay"]


def score_of_masks(masks: np.ndarray, weights: np.ndarray, method: ScoreMethod) -> np.ndarray:
    """Score of each theme mask: sum (or max) of the weights of the theme pairs it holds.

    Parameters
    ----------
    masks : numpy.ndarray of int
        Theme bit masks (bit i: ``themes[i]`` present).
    weights : numpy.ndarray
        Symmetric theme x theme conflict weights (:meth:`ConflictMatrix.weight_array`).
    method : ScoreMethod
        ``sum`` adds the weights of every pair present, ``max`` takes the largest.

    Returns
    -------
    numpy.ndarray of float64
        One score per mask; 0 for a mask of fewer than two themes.

    Examples
    --------
    >>> w = np.array([[0, 3, 1], [3, 0, 2], [1, 2, 0]])
    >>> score_of_masks(np.array([0b011, 0b111]), w, ScoreMethod.SUM).tolist()
    [3.0, 6.0]
    >>> score_of_masks(np.array([0b011, 0b111]), w, ScoreMethod.MAX).tolist()
    [3.0, 3.0]
    """
    n = weights.shape[0]
    score = np.zeros(len(masks), dtype=np.float64)
    for a in range(n):
        for b in range(a + 1, n):  # themes, not features: at most 120 pairs
            present = ((masks >> a) & 1).astype(bool) & ((masks >> b) & 1).astype(bool)
            if method == "max":
                score = np.where(present, np.maximum(score, weights[a, b]), score)
            else:
                score += present * weights[a, b]
    return score


def theme_strings(masks: np.ndarray, themes: list[str]) -> np.ndarray:
    """The theme names of each mask joined by "," (the ``themes`` column of the faces).

    Parameters
    ----------
    masks : numpy.ndarray of int
        Theme bit masks.
    themes : list of str
        Theme names by bit, sorted (so the joined names are sorted too).

    Returns
    -------
    numpy.ndarray of object
        One string per mask, e.g. ``"energi,rennaring"``.
    """
    names, inverse = _mask_names(masks, themes)
    return np.asarray(names, dtype=object)[inverse]


def _mask_names(masks: np.ndarray, themes: list[str]) -> tuple[list[str], np.ndarray]:
    """The joined theme names of each distinct mask, and the distinct mask of each row."""
    unique, inverse = np.unique(masks, return_inverse=True)
    names = [",".join(t for i, t in enumerate(themes) if (m >> i) & 1) for m in unique.tolist()]
    return names, inverse.reshape(-1)


def _text(values: Any, rows: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A pandas text column of ``values[rows]``; ``values`` is a list, numpy array or pyarrow array of str.

    The strings go through one pyarrow array and a vectorised ``take``: pandas wraps
    an Arrow array without a copy, where it converts a numpy array of Python str
    one by one (0.1 s for the dense case's 86 000 ``feature_ids``).
    """
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pa.array(np.asarray(values, dtype=object), type=pa.string())
    return pd.array(values.take(pa.array(rows, type=pa.int64())), dtype=str)


@dataclass
class FaceTable:
    """The ``faces`` of a run, ranked: their attributes, and one polygon per row as shapely or WKB.

    A vector run keeps the faces as the WKB its tile tasks sent, so a run that
    only writes them (the CLI) never decodes the polygons to encode them again
    (0.25 s at the dense case's 86 000 faces); :meth:`frame` makes the
    GeoDataFrame when someone asks for it.

    Attributes
    ----------
    attributes : pandas.DataFrame
        :data:`~landuse.outputs.FACE_COLUMNS`, in ``face_id`` order.
    geometry : numpy.ndarray of shapely.Polygon, optional
        The faces (EPSG:3006), decoded from ``wkb`` when first needed.
    wkb : numpy.ndarray of bytes, optional
        The same as WKB, encoded from ``geometry`` when first needed.
    """

    attributes: pd.DataFrame
    geometry: np.ndarray | None = None
    wkb: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.attributes)

    def geometries(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The polygons of all faces, or of some.

        Parameters
        ----------
        rows : numpy.ndarray of int, optional
            Positions of the faces wanted; only those are decoded.  Default all
            (decoded once and kept).

        Returns
        -------
        numpy.ndarray of shapely.Polygon
            In EPSG:3006, in the order of ``rows``.
        """
        if self.geometry is not None:
            return self.geometry if rows is None else self.geometry[rows]
        if rows is not None:
            return shapely.from_wkb(self.wkb[rows])
        self.geometry = shapely.from_wkb(self.wkb)
        return self.geometry

    def encoded(self) -> np.ndarray:
        """The faces as WKB.

        Returns
        -------
        numpy.ndarray of bytes
            One WKB polygon (EPSG:3006) per row, encoded once when the table holds shapely polygons.
        """
        if self.wkb is None:
            self.wkb = shapely.to_wkb(self.geometry)
        return self.wkb

    def frame(self, rows: np.ndarray | None = None) -> gpd.GeoDataFrame:
        """The faces as a GeoDataFrame.

        Parameters
        ----------
        rows : numpy.ndarray of int, optional
            Positions of the faces wanted (default all).

        Returns
        -------
        geopandas.GeoDataFrame
            :data:`~landuse.outputs.FACE_COLUMNS` and the geometry, EPSG:3006; the
            index is each face's position in the table.
        """
        attributes = self.attributes if rows is None else self.attributes.iloc[rows]
        geoms = gpd.GeoSeries(self.geometries(rows), index=attributes.index, crs=WORK_CRS)
        return gpd.GeoDataFrame(attributes, geometry=geoms, crs=WORK_CRS)


def face_table(zone: np.ndarray, mask: np.ndarray, score: np.ndarray, schematic: np.ndarray,
               feature_ids: np.ndarray, themes: list[str], zones: gpd.GeoDataFrame, *,
               geometry: np.ndarray | None = None, wkb: np.ndarray | None = None,
               area_m2: np.ndarray | None = None) -> FaceTable:
    """The ``faces`` table, shared by vector and raster mode: ranked by score, then area.

    Parameters
    ----------
    zone : numpy.ndarray of int
        Row of ``zones`` (the kommun) of each face.
    mask : numpy.ndarray of int
        Theme bit mask of each face.
    score : numpy.ndarray of float
        Score of each face (:func:`score_of_masks`).
    schematic : numpy.ndarray of bool
        Whether any feature covering the face is schematic.
    feature_ids : numpy.ndarray or pyarrow.Array of str
        ``"layer:feature_id"`` of the covering features joined by ";" (:func:`join_labels`).
    themes : list of str
        Theme names by bit.
    zones : geopandas.GeoDataFrame
        The kommuner, with ``kommun_code`` and ``kommun``.
    geometry, wkb : numpy.ndarray, optional
        The face polygons in EPSG:3006, as shapely geometries or as WKB (one of them).
    area_m2 : numpy.ndarray of float, optional
        Area of each face in m²; measured on ``geometry`` when not given.

    Returns
    -------
    FaceTable
        :data:`~landuse.outputs.FACE_COLUMNS`; ``face_id`` 1 is the face of the highest
        score (ties: largest area first), ``area_km2`` in km².
    """
    if area_m2 is None:
        area_m2 = shapely.area(geometry)
    area_km2 = np.asarray(area_m2, dtype=np.float64) / 1e6
    order = np.lexsort((-area_km2, -score))
    mask_names, mask_row = _mask_names(mask[order], themes)
    attributes = pd.DataFrame({
        "face_id": np.arange(1, len(order) + 1, dtype=np.int64),
        "kommun_code": _text(zones["kommun_code"].astype(str).tolist(), zone[order]),
        "kommun": _text(zones["kommun"].astype(str).tolist(), zone[order]),
        "themes": _text(mask_names, mask_row),
        "n_themes": popcount(mask[order]),
        "score": score[order].astype(np.float64),
        "area_km2": area_km2[order],
        "feature_ids": _text(feature_ids, order),
        "schematic": schematic[order].astype(bool),
    })
    return FaceTable(attributes, geometry=None if geometry is None else np.asarray(geometry, dtype=object)[order],
                     wkb=None if wkb is None else np.asarray(wkb, dtype=object)[order])


def join_labels(face_index: np.ndarray, labels: Any, n_faces: int) -> pa.Array:
    """``labels`` grouped by ``face_index`` (sorted) and joined with ";".

    Parameters
    ----------
    face_index : numpy.ndarray of int
        The face of each label, sorted ascending.
    labels : numpy.ndarray or pyarrow.Array of str
        One label per (face, feature) pair, e.g. ``"rennaring:12"``.
    n_faces : int
        How many faces there are (faces without a label get "").

    Returns
    -------
    pyarrow.Array of str
        One string per face.

    Examples
    --------
    >>> join_labels(np.array([0, 0, 2]), np.array(["a:1", "b:2", "a:3"]), 3).to_pylist()
    ['a:1;b:2', '', 'a:3']
    """
    if not isinstance(labels, (pa.Array, pa.ChunkedArray)):
        labels = pa.array(np.asarray(labels, dtype=object), type=pa.string())
    # one list of labels per face (runs of equal face ids), joined in Arrow: no Python string per pair
    offsets = np.searchsorted(np.asarray(face_index, dtype=np.int64), np.arange(n_faces + 1))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), labels)
    return pc.binary_join(lists, ";")


def vector_overlay(features: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, themes: list[str], weights: np.ndarray,
            method: ScoreMethod, settings: Settings, faces: Faces) -> tuple[Any, ...]:
    """Vector mode: the exact overlay of the dissolved themes inside the kommuner.

    Parameters
    ----------
    features : geopandas.GeoDataFrame
        Valid polygons in EPSG:3006 with ``theme``, ``layer``, ``feature_id`` and
        ``schematic`` (:func:`landuse.conflict_inputs.prepare_layers`).
    zones : geopandas.GeoDataFrame
        The kommuner in EPSG:3006 (:func:`landuse.conflict_inputs.prepare_zones`).
    themes : list of str
        The themes present, sorted; a theme's position is its bit.
    weights : numpy.ndarray
        Theme x theme weights in the order of ``themes``.
    method : ScoreMethod
        How a face is scored (:func:`score_of_masks`).
    settings : Settings
        ``progress``, for the progress bar over the tiles.
    faces : Faces
        Which faces to keep; the areas are the same whatever the choice.

    Returns
    -------
    tuple
        ``(zone, mask, area_m2, faces, outside_km2, grid, transform, oversample)``: one
        record per covered piece (zone row, theme bit mask, area in m²), from which
        :mod:`landuse.conflicts` sums the pair and theme areas; the ``faces`` table
        (:class:`FaceTable`, WKB in EPSG:3006); the km² of interest area outside every zone;
        then ``None, None, None`` (no grid in vector mode).
    """
    from landuse._overlay import theme_faces

    geoms = np.asarray(features.geometry.values, dtype=object)
    code = pd.Categorical(features["theme"], categories=themes).codes.astype(np.int64)
    min_themes = Faces(faces).min_themes
    with progress_bar(settings, "overlaying dissolved themes") as update:
        arr = theme_faces(geoms, code, np.asarray(zones.geometry.values, dtype=object), min_themes=min_themes,
                          labels=min_themes > 0, on_tile=update)
    n_faces = len(arr.face_wkb)
    schem = features["schematic"].to_numpy(dtype=bool)
    face_schematic = np.zeros(n_faces, dtype=bool)
    face_schematic[arr.face_index[schem[arr.feature_index]]] = True
    labels = pa.array((features["layer"].astype(str) + ":" + features["feature_id"].astype(str)).tolist(),
                      type=pa.string())
    feature_ids = join_labels(arr.face_index, labels.take(pa.array(arr.feature_index, type=pa.int64())), n_faces)
    score = score_of_masks(arr.face_mask, weights, method)
    table = face_table(arr.face_zone, arr.face_mask, score, face_schematic, feature_ids, themes, zones,
                       wkb=arr.face_wkb, area_m2=arr.face_area_m2)
    return arr.zone, arr.mask, arr.area_m2, table, arr.outside_m2 / 1e6, None, None, None
