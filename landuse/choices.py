"""The closed sets of options, as case-insensitive string enums parsed in one place.

Each set is a :class:`enum.StrEnum`, so a member *is* its lowercase string
(``Target.OWN == "own"``, ``f"{Target.OWN}"`` gives ``own``) and goes straight into
output columns and messages.  ``Target("OWN")`` works as r5py's ``TransportMode("walk")``
does: ``_missing_`` folds case and surrounding blanks.  :meth:`Choice.parse` is the one
parser the engines and commands use; it raises :class:`~landuse.errors.InvalidSettingError`
with one line naming the option and listing the allowed values.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from landuse.errors import InvalidSettingError

__all__ = ["Choice", "Target", "Statistic", "ScoreMethod", "Mode", "Faces"]


class Choice(StrEnum):
    """Base of the closed sets: every member equals its lowercase value."""

    @classmethod
    def _missing_(cls, value: Any) -> Choice | None:
        # any case and surrounding blanks: "OWN", " own " and "Own" are all Target.OWN
        if isinstance(value, str):
            folded = value.strip().lower()
            for member in cls:
                if member.value == folded:
                    return member
        return None

    @classmethod
    def option(cls) -> str:
        """The command-line option of this set, named in error messages.

        Returns
        -------
        str
            ``--`` + the class name in lower case (``--target``).
        """
        return "--" + cls.__name__.lower()

    @classmethod
    def values(cls) -> list[str]:
        """The allowed values in order, e.g. for ``click.Choice``.

        Returns
        -------
        list of str
        """
        return [member.value for member in cls]

    @classmethod
    def parse(cls, value: Any, option: str | None = None) -> Any:
        """The member ``value`` names, in any case.

        Parameters
        ----------
        value : str or Choice
            The user's text (``"own"``, ``"OWN"``) or a member.
        option : str, optional
            The option or argument named in the message; default :meth:`option`.

        Returns
        -------
        Choice
            The member of this set (a ``str``).

        Raises
        ------
        InvalidSettingError
            If ``value`` names no member; the one-line message lists the allowed values.

        Examples
        --------
        >>> Target.parse("OWN")
        <Target.OWN: 'own'>
        >>> Statistic.parse("mean")
        Traceback (most recent call last):
        ...
        landuse.errors.InvalidSettingError: --statistic 'mean' is not one of 'best', 'median' (any case).
        """
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in cls)
            raise InvalidSettingError(f"{option or cls.option()} {value!r} is not one of {allowed} (any case).") \
                from None


class Target(Choice):
    """Which centralort an origin travels to (``--target``)."""

    #: The fastest centralort of any kommun.
    ANY = "any"
    #: The centralort(s) of the origin's own kommun.
    OWN = "own"


class Statistic(Choice):
    """Which travel time over the departure window is the transit figure (``--statistic``)."""

    #: The fastest departure in the window.
    BEST = "best"
    #: The median over the departures (unreachable counted as infinite).
    MEDIAN = "median"


class ScoreMethod(Choice):
    """How the målkonflikt engine scores a face where several theme pairs meet (``--score``)."""

    #: The sum of the weights of the pairs present.
    SUM = "sum"
    #: The largest weight of the pairs present.
    MAX = "max"

    @classmethod
    def option(cls) -> str:
        """The command-line option of this set.

        Returns
        -------
        str
            ``--score``.
        """
        return "--score"


class Mode(Choice):
    """How the målkonflikt engine overlays the layers (``--mode``)."""

    #: Exact polygon overlay.
    VECTOR = "vector"
    #: Sampling on a grid of ``Settings.raster_resolution_m``.
    RASTER = "raster"


class Faces(Choice):
    """Which faces the målkonflikt engine keeps in its ``faces`` layer (``--faces``); the areas never change."""

    #: Faces covered by two or more themes (the vector default).
    CONFLICTS = "conflicts"
    #: Every face covered by at least one theme.
    ALL = "all"
    #: No faces (the raster default: the score grid is the map).
    NONE = "none"

    @property
    def min_themes(self) -> int:
        """The least number of themes a kept face holds (0: none is kept).

        Returns
        -------
        int
            2 for :attr:`CONFLICTS`, 1 for :attr:`ALL`, 0 for :attr:`NONE`.
        """
        return {"conflicts": 2, "all": 1, "none": 0}[self.value]
