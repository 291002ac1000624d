"""The one settings object of landuse.

Functions take ``settings: Settings | None = None`` and fall back to
:data:`default_settings`.  Only the CLI reads environment variables and files.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

from landuse.errors import InvalidSettingError

__all__ = ["Settings", "default_settings", "PACKAGE_DIR", "DATA_DIR", "CATALOGUE_DIR"]

# Package data, wherever the package is installed (a wheel in site-packages or a checkout):
# the catalogue and configs live in landuse/_catalogue/ (the top-level layers/, analyses/
# and maps/ folders of a checkout are links to them, the place to read and edit them).
PACKAGE_DIR = Path(str(resources.files("landuse")))
DATA_DIR = PACKAGE_DIR / "data"
CATALOGUE_DIR = PACKAGE_DIR / "_catalogue"

WORK_CRS = "EPSG:3006"


def _positive(name: str, value: Any) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise InvalidSettingError(f"Setting {name}={value!r} must be a positive number.")


def _non_negative(name: str, value: Any) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise InvalidSettingError(f"Setting {name}={value!r} must be a number >= 0.")


@dataclass
class Settings:
    """Options shared by the engines, validated on assignment.

    Size: over 150 lines, most of them this list: every setting documented with its unit, in the one settings object.

    Parameters
    ----------
    data_dir : Path
        Folder of the embedded data (kommuner, tätorter, GTFS, schematic layers).
    catalogue_dir : Path
        Folder of the layer specs (``layers/*.toml``).
    analyses_dir : Path
        Folder of the analysis configs (``analyses/*.toml``).
    maps_dir : Path
        Folder of the map specs (``maps/*.toml``).
    progress : bool
        Show progress bars on long steps.
    sweden_bounds_m : tuple of float
        (xmin, ymin, xmax, ymax) in EPSG:3006 metres that any input must fall
        inside; coordinates outside mean a wrongly declared CRS.
    raster_resolution_m : float
        Cell size in metres of raster mode in the målkonflikt engine.
    raster_sample_budget : int
        Raster mode without an explicit ``oversample``: the largest of 5 x 5, 3 x 3
        or 1 sample points per cell whose total count stays within this budget
        (default 40 million: one sample per cell, the centre, for the county at
        100 m, 17.5 million cells, whose pair areas then agree with the exact ones
        within 0.1 %; 3 x 3 for a kommun or the county at 250 m).
    speed_factor : float
        The network part of car travel times is multiplied by this factor (>= 1
        slows cars down; the straight-line legs to and from the network are not).
        Free-flow speeds underestimate real car times by 20-40 %; default 1.0
        reports free-flow times, 1.3 is a common correction.
    access_speed_kph : float
        Car: speed in km/h on the access leg between a point and its nearest network
        node (the smaller roads a network of main roads leaves out).
    access_detour_factor : float
        Car: the access leg is the straight line x this factor (roads are not
        straight; 1.3 is the usual Swedish rural detour index).
    max_snap_m : float
        Car: points farther than this straight-line distance (metres) from the
        network are unreachable.
    gtfs_car_time_factor : float
        In the GTFS demo road stand-in, car time = scheduled bus running time x factor.
    walk_speed_kph : float
        Walking speed in km/h for access, egress and transfers in transit routing.
    max_walk_m : float
        Largest straight-line walk in metres to or from a stop (inclusive).
    transfer_max_m : float
        Largest straight-line walk in metres between two stops for a transfer
        without a ``transfers.txt`` row; 0 disables walking transfers.
    scheduler : str or None
        Address of a dask.distributed scheduler (``tcp://host:8786``) on which the
        målkonflikt engine runs its tile and theme tasks; None runs them locally.
        The CLI fills it from ``--scheduler`` or ``DASK_SCHEDULER_ADDRESS``.
    """

    data_dir: Path = DATA_DIR
    catalogue_dir: Path = CATALOGUE_DIR / "layers"
    analyses_dir: Path = CATALOGUE_DIR / "analyses"
    maps_dir: Path = CATALOGUE_DIR / "maps"
    progress: bool = True
    sweden_bounds_m: tuple[float, float, float, float] = (180_000.0, 6_050_000.0, 1_000_000.0, 7_750_000.0)
    raster_resolution_m: float = 100.0
    raster_sample_budget: int = 40_000_000
    speed_factor: float = 1.0
    access_speed_kph: float = 50.0
    access_detour_factor: float = 1.3
    max_snap_m: float = 25_000.0
    gtfs_car_time_factor: float = 0.85
    walk_speed_kph: float = 5.0
    max_walk_m: float = 1000.0
    transfer_max_m: float = 300.0
    scheduler: str | None = None

    # not a field: a class attribute without annotation
    _validators = {
        "raster_resolution_m": _positive,
        "raster_sample_budget": _positive,
        "speed_factor": _positive,
        "access_speed_kph": _positive,
        "access_detour_factor": _positive,
        "max_snap_m": _non_negative,
        "gtfs_car_time_factor": _positive,
        "walk_speed_kph": _positive,
        "max_walk_m": _non_negative,
        "transfer_max_m": _non_negative,
    }

    def __setattr__(self, name: str, value: Any) -> None:
        known = {f.name for f in fields(self)}
        if name not in known:
            raise InvalidSettingError(
                f"Unknown setting {name!r}. Known settings: {', '.join(sorted(known))}."
            )
        if name.endswith("_dir") and not isinstance(value, Path):
            value = Path(value)
        check = self._validators.get(name)
        if check is not None:
            check(name, value)
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            default = f.default if f.default is not dataclasses.MISSING else None
            mark = "" if value == default else f" (default {default!r})"
            parts.append(f"  {f.name}={value!r}{mark}")
        return "Settings(\n" + ",\n".join(parts) + "\n)"

    def replace(self, **changes: Any) -> "Settings":
        """A copy with ``changes`` applied (validated like assignment); this object is unchanged.

        Parameters
        ----------
        **changes
            Setting name -> new value (units as the fields: ``max_walk_m`` in metres,
            ``walk_speed_kph`` in km/h ...).

        Returns
        -------
        Settings

        Raises
        ------
        InvalidSettingError
            For an unknown name or an invalid value.
        """
        new = dataclasses.replace(self)
        for key, value in changes.items():
            setattr(new, key, value)
        return new

    @contextmanager
    def override(self, **changes: Any) -> Iterator["Settings"]:
        """Temporarily change settings in place; old values come back on exit.

        Not thread-safe by design: the change is seen by every thread that uses this
        object (including :data:`default_settings`) until the block ends.  For one
        call in a threaded program, pass ``settings=s.replace(...)`` instead: a copy
        that no other thread sees.

        Parameters
        ----------
        **changes
            Setting name -> value for the block (validated like assignment).

        Yields
        ------
        Settings
            This object, changed until the block ends.

        Raises
        ------
        InvalidSettingError
            For an invalid value (the values set before it are restored).
        AttributeError
            For an unknown name, before anything is changed.

        Examples
        --------
        >>> s = Settings()
        >>> with s.override(max_walk_m=500):
        ...     s.max_walk_m
        500
        >>> s.max_walk_m
        1000.0
        """
        old = {key: getattr(self, key) for key in changes}
        try:
            for key, value in changes.items():
                setattr(self, key, value)
            yield self
        finally:
            for key, value in old.items():
                object.__setattr__(self, key, value)


default_settings = Settings()


def resolve(settings: Settings | None) -> Settings:
    """``settings``, or the package default when it is None.

    Parameters
    ----------
    settings : Settings or None
        The caller's settings.

    Returns
    -------
    Settings
        ``settings`` itself, or :data:`default_settings`.
    """
    return default_settings if settings is None else settings
