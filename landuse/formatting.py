"""Swedish text for every presentation: numbers, shares, theme and mode labels, the "(schematisk)" mark.

The map, the two reports, the Excel "Om data" sheet and the QGIS legends all print
figures for Swedish readers; they format them here, so "12 345,6" and "45,6 %" are
written one way.  HTML and Markdown escaping stay with their presentations
(:mod:`landuse.map_format`, :mod:`landuse._markdown`).
"""

from __future__ import annotations

import math

from landuse.errors import LanduseError
from landuse.themes import THEME_LABELS, parse_theme

__all__ = [
    "MODE_LABELS", "SCHEMATISK", "num", "pair_label", "pct", "schematic_suffix", "short_num", "theme_label",
    "themes_text", "with_schematic",
]

#: Swedish names of the travel modes.
MODE_LABELS = {"car": "bil", "transit": "kollektivtrafik"}
#: The word every figure computed from schematic stand-in data carries.
SCHEMATISK = "schematisk"

_NO_BREAK = "\u00a0"


def _missing(value: float | None) -> bool:
    """None, NaN and the infinities print as a dash."""
    if value is None:
        return True
    try:
        return not math.isfinite(value)
    except TypeError:
        return False


def num(value: float | None, decimals: int = 0) -> str:
    """A number in Swedish format: no-break space between thousands, decimal comma.

    Parameters
    ----------
    value : float or None
        Any real number (an area in km², a head count ...); None, NaN and the
        infinities give "–".
    decimals : int
        Digits after the decimal comma.

    Returns
    -------
    str

    Examples
    --------
    >>> num(12345.678, 1)
    '12\\xa0345,7'
    >>> num(float("nan"))
    '–'
    """
    if _missing(value):
        return "–"
    return f"{value:,.{decimals}f}".replace(",", _NO_BREAK).replace(".", ",")


def pct(share: float | None, decimals: int = 0) -> str:
    """A share (0–1) in per cent, Swedish format: ``0.456`` -> ``"46 %"`` (no-break space before %).

    Parameters
    ----------
    share : float or None
        A share 0–1; None, NaN and the infinities give "–".
    decimals : int
        Digits after the decimal comma (small kommun shares need one).

    Returns
    -------
    str

    Examples
    --------
    >>> pct(0.4567), pct(0.4567, 1), pct(None)
    ('46\\xa0%', '45,7\\xa0%', '–')
    """
    if _missing(share):
        return "–"
    return f"{num(100 * share, decimals)}{_NO_BREAK}%"


def short_num(value: float) -> str:
    """A class edge as Swedish text: decimal comma, no trailing zeros.

    Parameters
    ----------
    value : float
        A class edge (minutes, a score ...).

    Returns
    -------
    str

    Examples
    --------
    >>> short_num(2.5), short_num(30.0)
    ('2,5', '30')
    """
    return f"{value:g}".replace(".", ",")


def theme_label(theme: str) -> str:
    """The Swedish label of a theme; an unknown theme as it is.

    Parameters
    ----------
    theme : str
        A theme value or name, any case (``"rennaring"``).

    Returns
    -------
    str

    Examples
    --------
    >>> theme_label("rennaring"), theme_label("okänt")
    ('Rennäring', 'okänt')
    """
    try:
        return THEME_LABELS[parse_theme(theme)]
    except LanduseError:
        return str(theme)


def pair_label(theme_a: str, theme_b: str) -> str:
    """A theme pair as plain text (escape it for HTML or Markdown).

    Parameters
    ----------
    theme_a, theme_b : str
        The pair's themes (``theme_a``, ``theme_b`` of the pair table).

    Returns
    -------
    str
        ``"<label a> × <label b>"``.
    """
    return f"{theme_label(theme_a)} × {theme_label(theme_b)}"


def themes_text(themes: str) -> str:
    """Comma-separated themes (a face's ``themes``) as their Swedish labels.

    Parameters
    ----------
    themes : str
        ``"mineral,rennaring"``.

    Returns
    -------
    str
        The labels, comma-separated.
    """
    return ", ".join(theme_label(t.strip()) for t in str(themes).split(",") if t.strip())


def schematic_suffix(schematic: bool) -> str:
    """The mark beside a figure computed from schematic data.

    Parameters
    ----------
    schematic : bool
        Whether the figure rests on schematic input.

    Returns
    -------
    str
        ``" (schematisk)"``, or ``""``.
    """
    return f" ({SCHEMATISK})" if schematic else ""


def with_schematic(label: str, schematic: bool) -> str:
    """``label`` marked "(schematisk)" when ``schematic`` and it does not say so already.

    Parameters
    ----------
    label : str
        A legend or layer label.
    schematic : bool
        Whether what it labels rests on schematic input.

    Returns
    -------
    str
    """
    return label + ("" if not schematic or SCHEMATISK in label.lower() else schematic_suffix(True))
