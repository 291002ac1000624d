"""QML, the XML of a QGIS layer style: colours, symbols, renderers and the style document.

Writes only what :mod:`landuse.qgis_styles` needs (single, categorized and graduated
renderers of simple fills, lines and circle markers), as QGIS 3.22 reads it.
"""

from __future__ import annotations

import colorsys
import html
from dataclasses import dataclass
from typing import Iterable

from landuse.formatting import short_num
from landuse.map_spec import NEUTRAL_COLOUR

__all__ = ["OUTLINE", "Symbol", "bin_labels", "categorized", "graduated", "qml_document", "quoted", "rgba",
           "single"]

#: QGIS's own default outline, for markers on coloured classes.
OUTLINE = "#232323"


def rgba(colour: str, alpha: float = 1.0) -> str:
    """A CSS colour of the map spec as QGIS's ``r,g,b,a`` (0–255), with ``alpha`` applied.

    Parameters
    ----------
    colour : str
        ``#rgb``, ``#rrggbb(aa)``, ``rgb()``/``rgba()``, ``hsl()``/``hsla()`` or a CSS name
        (an unknown name is neutral grey).
    alpha : float
        Opacity 0–1, multiplied with the colour's own.

    Returns
    -------
    str

    Examples
    --------
    >>> rgba("#ff0000", 0.5), rgba("white")
    ('255,0,0,128', '255,255,255,255')
    """
    text = colour.strip().lower()
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) in (3, 4):
            digits = "".join(d * 2 for d in digits)
        rgb = [int(digits[i:i + 2], 16) for i in (0, 2, 4)]
        alpha *= int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
    elif text.startswith(("rgb", "hsl")):
        parts = [p.strip() for p in text[text.index("(") + 1:text.rindex(")")].split(",")]

        def value(p: str, scale: float) -> float:
            return float(p[:-1]) / 100 * scale if p.endswith("%") else float(p)

        if text.startswith("rgb"):
            rgb = [round(value(p, 255)) for p in parts[:3]]
        else:
            r, g, b = colorsys.hls_to_rgb(float(parts[0]) / 360, value(parts[2], 1), value(parts[1], 1))
            rgb = [round(255 * c) for c in (r, g, b)]
        alpha *= value(parts[3], 1) if len(parts) > 3 else 1.0
    else:
        from matplotlib.colors import CSS4_COLORS  # the CSS colour names

        return rgba(CSS4_COLORS.get(text, NEUTRAL_COLOUR), alpha)
    return ",".join(str(max(0, min(255, c))) for c in rgb) + f",{round(255 * max(0.0, min(1.0, alpha)))}"


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def _options(props: dict[str, object]) -> str:
    items = "".join(f'<Option name="{k}" type="QString" value="{_attr(v)}"/>' for k, v in props.items())
    return f'<Option type="Map">{items}</Option>'


@dataclass(frozen=True)
class Symbol:
    """One QGIS symbol: ``kind`` fill, line or marker; widths and sizes in ``unit`` (MM or Pixel)."""

    kind: str
    colour: str
    alpha: float = 1.0
    outline: str = OUTLINE
    outline_width: float = 0.26
    outline_style: str = "solid"
    width: float = 0.5
    size: float = 2.0
    unit: str = "MM"
    level: int = 0  # rendering pass when the renderer draws by symbol levels (higher on top)

    def xml(self, name: str) -> str:
        """The ``<symbol>`` element, named ``name`` (its index in the renderer)."""
        if self.kind == "fill":
            cls, props = "SimpleFill", {
                "color": rgba(self.colour, self.alpha), "style": "solid", "outline_color": rgba(self.outline),
                "outline_style": self.outline_style, "outline_width": f"{self.outline_width:g}",
                "outline_width_unit": self.unit, "joinstyle": "bevel"}
        elif self.kind == "line":
            cls, props = "SimpleLine", {
                "line_color": rgba(self.colour, self.alpha), "line_style": self.outline_style,
                "line_width": f"{self.width:g}", "line_width_unit": self.unit, "capstyle": "round",
                "joinstyle": "round"}
        else:
            cls, props = "SimpleMarker", {
                "name": "circle", "color": rgba(self.colour, self.alpha), "outline_color": rgba(self.outline),
                "outline_style": self.outline_style, "outline_width": f"{self.outline_width:g}",
                "outline_width_unit": self.unit, "size": f"{self.size:g}", "size_unit": "MM",
                "scale_method": "diameter"}
        return (f'<symbol type="{self.kind}" name="{_attr(name)}" alpha="1" clip_to_extent="1" force_rhr="0">'
                f'<layer class="{cls}" enabled="1" locked="0" pass="{self.level}">{_options(props)}</layer></symbol>')


def _renderer(kind: str, items: str, symbols: Iterable[Symbol], **attrs: str) -> str:
    extra = "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items())
    symbols = list(symbols)
    body = "".join(s.xml(str(i)) for i, s in enumerate(symbols))
    levels = int(any(s.level for s in symbols))
    return (f'<renderer-v2 type="{kind}"{extra} symbollevels="{levels}" enableorderby="0" forceraster="0" '
            f'referencescale="-1">{items}<symbols>{body}</symbols></renderer-v2>')


def single(symbol: Symbol) -> str:
    """A single-symbol renderer: every feature drawn with ``symbol``."""
    return _renderer("singleSymbol", "", [symbol])


def categorized(attr: str, categories: list[tuple[str, str, Symbol]]) -> str:
    """A categorized renderer.

    Parameters
    ----------
    attr : str
        The field or QGIS expression whose value picks the category.
    categories : list of (str, str, Symbol)
        Value, legend label and symbol; the value "" is QGIS's class of all other values (and NULL).

    Returns
    -------
    str
        The ``<renderer-v2>`` element.
    """
    items = "".join(f'<category value="{_attr(v)}" symbol="{i}" label="{_attr(label)}" render="true"/>'
                    for i, (v, label, _) in enumerate(categories))
    return _renderer("categorizedSymbol", f"<categories>{items}</categories>", [c[2] for c in categories],
                     attr=attr)


def graduated(attr: str, ranges: list[tuple[float, float, str, Symbol]]) -> str:
    """A graduated renderer.

    Parameters
    ----------
    attr : str
        The numeric field.
    ranges : list of (float, float, str, Symbol)
        Lower and upper bound, legend label and symbol; QGIS puts a value on a shared
        edge in the lower range.

    Returns
    -------
    str
        The ``<renderer-v2>`` element.
    """
    items = "".join(f'<range lower="{lo!r}" upper="{hi!r}" symbol="{i}" label="{_attr(label)}" render="true"/>'
                    for i, (lo, hi, label, _) in enumerate(ranges))
    return _renderer("graduatedSymbol", f"<ranges>{items}</ranges>", [r[3] for r in ranges], attr=attr,
                     graduatedMethod="GraduatedColor")


_GEOMETRY_TYPES = {"marker": 0, "line": 1, "fill": 2}


def qml_document(renderer: str | None, aliases: dict[str, str], *, kind: str | None, display: str | None) -> str:
    """A QML document: renderer (spatial layers), field aliases, the field shown as the feature's name.

    Parameters
    ----------
    renderer : str or None
        The ``<renderer-v2>`` element; None for an attribute table.
    aliases : dict
        Field -> Swedish alias.
    kind : {"marker", "line", "fill"} or None
        The layer's symbol type; None for an attribute table.
    display : str or None
        The field QGIS names features by.

    Returns
    -------
    str
    """
    alias_xml = "".join(f'<alias field="{_attr(f)}" name="{_attr(a)}"/>' for f, a in aliases.items())
    parts = [
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>",
        '<qgis version="3.22.0" styleCategories="Symbology|Fields|Rendering">',
        renderer or "",
        f"<aliases>{alias_xml}</aliases>",
        f"<previewExpression>{html.escape(quoted(display))}</previewExpression>" if display else "",
        f"<layerGeometryType>{_GEOMETRY_TYPES[kind]}</layerGeometryType>" if kind else "",
        "</qgis>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def quoted(column: str) -> str:
    """A field reference in a QGIS expression (double quotes, inner quotes doubled).

    Parameters
    ----------
    column : str

    Returns
    -------
    str
    """
    return '"' + column.replace('"', '""') + '"'


def bin_labels(edges: tuple[float, ...], unit: str = "") -> list[str]:
    """Legend labels "≤ a", "a–b", …, "> z" for upper bin edges (the last class is open).

    Parameters
    ----------
    edges : tuple of float
        Upper class edges, ascending, in ``unit``.
    unit : str
        Appended to each label (``"min"``).

    Returns
    -------
    list of str
        One label more than ``edges``.

    Examples
    --------
    >>> bin_labels((30.0, 60.0), "min")
    ['≤ 30 min', '30–60 min', '> 60 min']
    """
    unit = f" {unit}" if unit else ""
    labels = [f"≤ {short_num(edges[0])}{unit}"]
    labels += [f"{short_num(a)}–{short_num(b)}{unit}" for a, b in zip(edges, edges[1:])]
    return labels + [f"> {short_num(edges[-1])}{unit}"]
