"""Text and HTML formatting shared by the map, the report and the QGIS styles.

Swedish numbers and shares, theme labels, the "(schematisk)" marks and the escaped
popup tables of the map.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from markupsafe import Markup, escape

from landuse.errors import LanduseError
from landuse.themes import THEME_LABELS, parse_theme

__all__ = [
    "MODE_LABELS", "bin_index", "esc", "num", "pct", "popup_html", "rows_html", "schematic_suffix",
    "theme_label", "themes_text", "with_schematic",
]

#: Swedish names of the travel modes.
MODE_LABELS = {"car": "bil", "transit": "kollektivtrafik"}


def num(value: float | None, decimals: int = 0) -> str:
    """Swedish number format: space as thousands separator, decimal comma."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def pct(share: float | None) -> str:
    if share is None or not np.isfinite(share):
        return "–"
    return f"{num(100 * share, 0)}\u00a0%"


def esc(value: Any) -> Markup:
    """``value`` as HTML text (``&<>"'`` escaped; None and NaN empty); Markup passes unchanged."""
    return escape("" if value is None or (isinstance(value, float) and np.isnan(value)) else value)


def theme_label(theme: str) -> str:
    try:
        return THEME_LABELS[parse_theme(theme)]
    except LanduseError:
        return theme


def themes_text(themes: str) -> str:
    return ", ".join(theme_label(t.strip()) for t in str(themes).split(",") if t.strip())


def schematic_suffix(schematic: bool) -> str:
    return " (schematisk)" if schematic else ""


def with_schematic(label: str, schematic: bool) -> str:
    return label + ("" if not schematic or "schematisk" in label.lower() else " (schematisk)")


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
