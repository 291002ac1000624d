"""The closed set of themes: riksintressen, other land-use interests and reference layers."""

from __future__ import annotations

from enum import Enum

from landuse.errors import UnknownThemeError

__all__ = ["Theme", "INTEREST_THEMES", "AREA_THEMES", "POINT_THEMES", "parse_theme", "THEME_LABELS"]


class Theme(str, Enum):
    """Theme of a layer; the value is the ASCII name used in files and on the CLI."""

    RENNARING = "rennaring"
    TOTALFORSVAR = "totalforsvar"
    NATURVARD = "naturvard"
    FRILUFTSLIV = "friluftsliv"
    ENERGI = "energi"
    MINERAL = "mineral"
    KULTURMILJO = "kulturmiljo"
    BOSTADER = "bostader"
    JORDBRUK = "jordbruk"
    KOMMUN = "kommun"
    LAN = "lan"
    TATORT = "tatort"
    CENTRALORT = "centralort"
    HALLPLATS = "hallplats"

    def __str__(self) -> str:
        return self.value


#: Themes whose features are interests that can conflict (målkonflikter).
INTEREST_THEMES: tuple[Theme, ...] = (
    Theme.RENNARING,
    Theme.TOTALFORSVAR,
    Theme.NATURVARD,
    Theme.FRILUFTSLIV,
    Theme.ENERGI,
    Theme.MINERAL,
    Theme.KULTURMILJO,
    Theme.BOSTADER,
    Theme.JORDBRUK,
)
#: Themes whose geometry must be polygonal.
AREA_THEMES: tuple[Theme, ...] = INTEREST_THEMES + (Theme.KOMMUN, Theme.LAN)
#: Reference themes made of places (points, or polygons reduced to points by users).
POINT_THEMES: tuple[Theme, ...] = (Theme.TATORT, Theme.CENTRALORT, Theme.HALLPLATS)

#: Swedish labels for maps and reports.
THEME_LABELS: dict[Theme, str] = {
    Theme.RENNARING: "Rennäring",
    Theme.TOTALFORSVAR: "Totalförsvaret",
    Theme.NATURVARD: "Naturvård",
    Theme.FRILUFTSLIV: "Friluftsliv",
    Theme.ENERGI: "Energiproduktion (vindbruk)",
    Theme.MINERAL: "Värdefulla ämnen och material",
    Theme.KULTURMILJO: "Kulturmiljövård",
    Theme.BOSTADER: "Bostäder och bebyggelse",
    Theme.JORDBRUK: "Jordbruksmark",
    Theme.KOMMUN: "Kommun",
    Theme.LAN: "Län",
    Theme.TATORT: "Tätort",
    Theme.CENTRALORT: "Centralort",
    Theme.HALLPLATS: "Hållplats",
}


def parse_theme(value: str | Theme) -> Theme:
    """The :class:`Theme` for ``value`` (case-insensitive; Swedish spellings with å/ä/ö too).

    Parameters
    ----------
    value : str or Theme
        A theme name (``"naturvard"``, ``"Naturvård"``, ``"vindbruk"`` for energi) or a member.

    Returns
    -------
    Theme

    Raises
    ------
    UnknownThemeError
        If ``value`` names no theme; the message lists the valid ones.

    Examples
    --------
    >>> parse_theme("Naturvard")
    <Theme.NATURVARD: 'naturvard'>
    """
    if isinstance(value, Theme):
        return value
    key = str(value).strip().lower()
    aliases = {"rennäring": "rennaring", "totalförsvar": "totalforsvar", "naturvård": "naturvard",
               "vindbruk": "energi", "bostäder": "bostader", "län": "lan"}
    key = aliases.get(key, key)
    try:
        return Theme(key)
    except ValueError:
        valid = ", ".join(t.value for t in Theme)
        raise UnknownThemeError(f"Unknown theme {value!r}. Valid themes: {valid}.") from None
