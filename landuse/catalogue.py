"""The layer catalogue: one declarative spec per source layer (``layers/*.toml``).

A spec says what a layer is (theme, legal basis, authority, licence, download),
where its embedded file lies and how to read it; :mod:`landuse.layers` loads the
layers the specs describe.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyogrio

from landuse._readers import read_gtfs_stops
from landuse.errors import ConfigError, LayerNotFoundError
from landuse.settings import Settings, resolve
from landuse.themes import Theme, parse_theme

__all__ = ["LayerSpec", "catalogue", "get_spec", "layers_for_theme", "list_layers"]

GeometryKind = Literal["polygon", "line", "point"]

_SPEC_KEYS = {
    "name", "title", "theme", "legal_basis", "authority", "download", "licence", "attribution",
    "geometry", "source", "source_layer", "format", "schematic", "id_columns", "name_columns",
    "renames", "buffer_m", "source_crs", "description",
}


@dataclass(frozen=True)
class LayerSpec:
    """A declarative description of one source layer (one ``layers/*.toml`` file).

    Attributes
    ----------
    name : str
        Catalogue name, e.g. ``"naturvard"``.
    title : str
        Human title in Swedish.
    theme : Theme
        Theme of every feature.
    legal_basis : str
        e.g. ``"MB 3 kap 6 §"``; empty for reference layers.
    authority : str
        Responsible authority (Sametinget, Försvarsmakten, SGU ...).
    download : str
        Where a planner downloads the official file.
    licence : str
        Licence of the official data (and of the embedded copy).
    geometry : {"polygon", "line", "point"}
        Expected geometry type of the source.
    source : str or None
        Embedded file, relative to ``Settings.data_dir``; None if nothing ships.
    source_layer : str or None
        Layer inside ``source``.
    format : {"vector", "gtfs_stops"}
        How to read ``source``.
    schematic : bool
        True when the embedded file is a schematic stand-in, never official data.
    id_columns, name_columns : list of str
        Candidate columns, tried in order (field names differ between years).
    renames : dict
        Source column -> output column.
    buffer_m : float
        Half-width in metres used to turn line or point objects into polygons.
    source_crs : str or None
        CRS to assume when the embedded file declares none.
    """

    name: str
    title: str
    theme: Theme
    legal_basis: str = ""
    authority: str = ""
    download: str = ""
    licence: str = ""
    attribution: str = ""
    description: str = ""
    geometry: GeometryKind = "polygon"
    source: str | None = None
    source_layer: str | None = None
    format: Literal["vector", "gtfs_stops"] = "vector"
    schematic: bool = False
    id_columns: tuple[str, ...] = ()
    name_columns: tuple[str, ...] = ()
    renames: dict[str, str] = field(default_factory=dict)
    buffer_m: float = 0.0
    source_crs: str | None = None

    @classmethod
    def from_toml(cls, path: Path) -> "LayerSpec":
        """Read and validate one spec file.

        Parameters
        ----------
        path : Path
            A layer spec (TOML) of the catalogue folder, e.g. ``layers/rennaring.toml``.

        Returns
        -------
        LayerSpec
            The spec, its ``theme`` parsed into a :class:`~landuse.themes.Theme`.

        Raises
        ------
        ConfigError
            If the TOML does not parse, or keys are unknown or missing (all named at once).
        """
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise ConfigError(f"Layer spec `{path.name}` cannot be read: {err}. Fix the TOML syntax.") from err
        unknown = sorted(set(data) - _SPEC_KEYS)
        missing = [k for k in ("name", "title", "theme") if k not in data]
        problems = []
        if unknown:
            problems.append(f"unknown keys {', '.join(unknown)}")
        if missing:
            problems.append(f"missing keys {', '.join(missing)}")
        if data.get("geometry", "polygon") not in ("polygon", "line", "point"):
            problems.append("geometry must be polygon, line or point")
        if problems:
            raise ConfigError(f"Layer spec `{path.name}`: {'; '.join(problems)}. Valid keys: {', '.join(sorted(_SPEC_KEYS))}.")
        data["theme"] = parse_theme(data["theme"])
        data["id_columns"] = tuple(data.get("id_columns", ()))
        data["name_columns"] = tuple(data.get("name_columns", ()))
        data["buffer_m"] = float(data.get("buffer_m", 0.0))
        return cls(**data)

    def to_record(self) -> dict[str, Any]:
        """A flat, JSON-ready description.

        Returns
        -------
        dict
            ``name, title, theme, legal_basis, authority, licence, download, geometry,
            schematic, source`` (the row of :func:`list_layers`, without the feature count).
        """
        return {
            "name": self.name,
            "title": self.title,
            "theme": self.theme.value,
            "legal_basis": self.legal_basis,
            "authority": self.authority,
            "licence": self.licence,
            "download": self.download,
            "geometry": self.geometry,
            "schematic": self.schematic,
            "source": self.source,
        }


@lru_cache(maxsize=8)
def _read_catalogue(folder: Path) -> dict[str, LayerSpec]:
    if not folder.is_dir():
        raise ConfigError(f"The layer catalogue folder `{folder}` does not exist. Set Settings.catalogue_dir.")
    specs: dict[str, LayerSpec] = {}
    for path in sorted(folder.glob("*.toml")):
        spec = LayerSpec.from_toml(path)
        if spec.name in specs:
            raise ConfigError(f"Layer name {spec.name!r} is declared twice in `{folder}`. Rename one spec.")
        specs[spec.name] = spec
    return specs


def catalogue(settings: Settings | None = None) -> dict[str, LayerSpec]:
    """Every layer spec in the catalogue, by name.

    Parameters
    ----------
    settings : Settings, optional
        ``catalogue_dir``: the folder of layer specs (read once per folder).

    Returns
    -------
    dict of str to LayerSpec
        In file-name order.
    """
    return dict(_read_catalogue(resolve(settings).catalogue_dir))


def get_spec(name: str, settings: Settings | None = None) -> LayerSpec:
    """The spec of catalogue layer ``name``.

    Parameters
    ----------
    name : str
        A layer name, e.g. ``"rennaring_riksintresse"``.
    settings : Settings, optional
        ``catalogue_dir``: the folder of layer specs.

    Returns
    -------
    LayerSpec

    Raises
    ------
    LayerNotFoundError
        If no spec has that name; the message lists the names that exist.
    """
    specs = catalogue(settings)
    try:
        return specs[name]
    except KeyError:
        raise LayerNotFoundError(
            f"No catalogue layer named {name!r}. Known layers: {', '.join(sorted(specs))}."
        ) from None


def layers_for_theme(theme: str | Theme, settings: Settings | None = None) -> list[LayerSpec]:
    """All catalogue specs of ``theme``, in catalogue order.

    Parameters
    ----------
    theme : str or Theme
        An interest theme (``"rennaring"``; any case).
    settings : Settings, optional
        ``catalogue_dir``: the folder of layer specs.

    Returns
    -------
    list of LayerSpec
        Empty when no layer has the theme.

    Raises
    ------
    UnknownThemeError
        If ``theme`` is not a theme.
    """
    theme = parse_theme(theme)
    return [spec for spec in catalogue(settings).values() if spec.theme is theme]


def _feature_count(spec: LayerSpec, settings: Settings) -> int | None:
    if spec.source is None:
        return None
    path = settings.data_dir / spec.source
    if spec.format == "gtfs_stops":
        return len(read_gtfs_stops(path))
    info = pyogrio.read_info(path, layer=spec.source_layer)
    return int(info["features"])


def list_layers(settings: Settings | None = None) -> pd.DataFrame:
    """Describe every catalogue layer.

    Parameters
    ----------
    settings : Settings, optional
        ``catalogue_dir`` (the specs) and ``data_dir`` (the embedded files counted).

    Returns
    -------
    pandas.DataFrame
        Columns ``name, title, theme, legal_basis, authority, licence, download,
        geometry, schematic, source, feature_count`` (features in the embedded file).
    """
    settings = resolve(settings)
    rows = []
    for spec in catalogue(settings).values():
        record = spec.to_record()
        record["feature_count"] = _feature_count(spec, settings)
        rows.append(record)
    return pd.DataFrame(rows)
