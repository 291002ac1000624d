"""HTML of the map: escaped text, the popup tables and the class of a value.

Swedish numbers, shares and labels come from :mod:`landuse.formatting`, shared with
the reports, the Excel sheets and the QGIS styles.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from markupsafe import Markup, escape

__all__ = ["bin_index", "esc", "popup_html", "rows_html"]


def esc(value: Any) -> Markup:
    """``value`` as HTML text: ``&<>"'`` escaped, None and NaN empty; Markup passes unchanged.

    Parameters
    ----------
    value : object
        Text from an input file or the spec.

    Returns
    -------
    markupsafe.Markup
    """
    return escape("" if value is None or (isinstance(value, float) and np.isnan(value)) else value)


def rows_html(rows: list[tuple[str, Any]]) -> Markup:
    """Table rows ``<tr><th>key</th><td>value</td></tr>``; keys and plain-text values are escaped.

    Parameters
    ----------
    rows : list of (str, object)
        Label and value of each row; a Markup value passes unescaped.

    Returns
    -------
    markupsafe.Markup
    """
    return Markup("").join(Markup("<tr><th>{}</th><td>{}</td></tr>").format(k, esc(v)) for k, v in rows)


def popup_html(title: str, rows: list[tuple[str, Any]], *, schematic: bool) -> Markup:
    """A feature popup: ``title`` and ``rows`` are plain text (names from the inputs), escaped here.

    Parameters
    ----------
    title : str
        The popup's heading.
    rows : list of (str, object)
        See :func:`rows_html`.
    schematic : bool
        Adds the note that the feature is schematic demo data.

    Returns
    -------
    markupsafe.Markup
    """
    note = Markup('<p class="lu-schematic">Obs: schematisk demodata – inte officiella uppgifter.</p>'
                  if schematic else "")
    return Markup('<div class="lu-popup"><h4>{}</h4>{}<table>{}</table></div>').format(
        title, note, rows_html(rows))


def bin_index(values: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    """Index of the class of each value: ``<= edges[0]`` is 0, above the last edge is ``len(edges)``.

    Parameters
    ----------
    values : numpy.ndarray
        Values in the unit of ``edges`` (minutes, score ...); NaN falls in the last class.
    edges : tuple of float
        Upper class edges, ascending.

    Returns
    -------
    numpy.ndarray
        Integer class per value.
    """
    return np.searchsorted(np.asarray(edges, dtype=float), values, side="left")
