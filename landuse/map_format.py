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
    """``value`` as HTML text (``&<>"'`` escaped; None and NaN empty); Markup passes unchanged."""
    return escape("" if value is None or (isinstance(value, float) and np.isnan(value)) else value)


def rows_html(rows: list[tuple[str, Any]]) -> Markup:
    """Table rows ``<tr><th>key</th><td>value</td></tr>``; keys and plain-text values are escaped."""
    return Markup("").join(Markup("<tr><th>{}</th><td>{}</td></tr>").format(k, esc(v)) for k, v in rows)


def popup_html(title: str, rows: list[tuple[str, Any]], *, schematic: bool) -> Markup:
    """A feature popup: ``title`` and ``rows`` are plain text (names from the inputs), escaped here."""
    note = Markup('<p class="lu-schematic">Obs: schematisk demodata – inte officiella uppgifter.</p>'
                  if schematic else "")
    return Markup('<div class="lu-popup"><h4>{}</h4>{}<table>{}</table></div>').format(
        title, note, rows_html(rows))


def bin_index(values: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    """Index of the class of each value: ``<= edges[0]`` is 0, above the last edge is len(edges)."""
    return np.searchsorted(np.asarray(edges, dtype=float), values, side="left")
