"""The målkonflikt engine: where interests claim the same ground, how much, and how severe.

Interest layers are overlaid into atomic faces (vector mode) or theme bit planes
(raster mode); each pair of themes is weighted by the editable conflict matrix in
``analyses/malkonflikter.toml``, and areas are aggregated per kommun.
"""

from __future__ import annotations

import gc
import math
import os
import tomllib
import unicodedata
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landuse._io import write_csv, write_gpkg
from landuse.errors import (
    ColumnNotFoundError,
    ConfigError,
    CRSMismatchError,
    EmptyLayerError,
    GeometryRepairWarning,
    GeometryTypeError,
    InputFileNotFoundError,
    InvalidSettingError,
    LanduseWarning,
    LayerNotFoundError,
    MissingCRSError,
    PartialLossWarning,
    UnknownThemeError,
)
from landuse.layers import layers_for_theme, load_layer
from landuse.settings import WORK_CRS, Settings, resolve
from landuse.themes import INTEREST_THEMES, parse_theme

__all__ = [
    "PAIR_COLUMNS",
    "FACE_COLUMNS",
    "CONFLICT_FILES",
    "ConflictMatrix",
    "ConflictResult",
    "read_conflict_matrix",
    "load_interest_layers",
    "load_kommuner",
    "conflicts_from_layers",
    "write_conflicts",
    "demo_step",
]

ScoreMethod = Literal["sum", "max"]
Mode = Literal["vector", "raster"]
FacesChoice = Literal["none", "conflicts", "all"]
#: Faces written per --faces choice: the least number of themes a kept face holds (0: none kept).
_FACES_MIN_THEMES = {"none": 0, "conflicts": 2, "all": 1}

#: Columns of ``malkonflikter_per_kommun.csv`` and of the ``pairs_per_kommun`` layer, in order.
PAIR_COLUMNS = ["kommun_code", "kommun", "theme_a", "theme_b", "weight", "area_km2", "share_of_kommun"]
#: Attribute columns of the ``faces`` layer, in order (then ``geometry``).
FACE_COLUMNS = ["face_id", "kommun_code", "kommun", "themes", "n_themes", "score", "area_km2", "feature_ids",
                "schematic"]
#: Output file names inside the output folder.
CONFLICT_FILES = {
    "gpkg": "malkonflikter.gpkg",
    "csv": "malkonflikter_per_kommun.csv",
    "tif": "malkonflikter_score.tif",
}
DEFAULT_MATRIX = "malkonflikter.toml"
_MAX_THEMES = 16  # bits of the uint16 theme mask


# --------------------------------------------------------------------------- conflict matrix


@dataclass(frozen=True)
class ConflictMatrix:
    """Weights (0-3) and rationales for every pair of interest themes.

    Attributes
    ----------
    themes : tuple of str
        Interest themes the matrix covers.
    weights : dict
        ``(theme_a, theme_b) -> weight`` with ``theme_a < theme_b``; 0 compatible,
        1 minor, 2 significant, 3 severe.
    rationale : dict
        ``(theme_a, theme_b) -> one sentence``.
    op_categories : dict
        ÖP use category (as written in the file) -> themes the planned use stands for.
    path : Path or None
        File the matrix was read from.
    """

    themes: tuple[str, ...]
    weights: dict[tuple[str, str], int]
    rationale: dict[tuple[str, str], str] = field(default_factory=dict)
    op_categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    path: Path | None = None
    title: str = ""

    @property
    def display(self) -> str:
        return f"`{self.path.name}`" if self.path is not None else "the conflict matrix"

    def weight(self, theme_a: str, theme_b: str) -> int:
        """Weight between two themes; 0 for a theme with itself (never a conflict)."""
        if theme_a == theme_b:
            return 0
        key = (theme_a, theme_b) if theme_a < theme_b else (theme_b, theme_a)
        try:
            return self.weights[key]
        except KeyError:
            raise ConfigError(
                f"{self.display} has no weight for {key[0]}/{key[1]}. Add the pair to [pairs] with a weight 0..3."
            ) from None

    def weight_array(self, themes: list[str] | tuple[str, ...]) -> np.ndarray:
        """Symmetric matrix of weights for ``themes`` (zero diagonal)."""
        n = len(themes)
        out = np.zeros((n, n), dtype=np.int64)
        for i in range(n):
            for j in range(i + 1, n):
                out[i, j] = out[j, i] = self.weight(themes[i], themes[j])
        return out

    def op_themes(self, category: str) -> tuple[str, ...]:
        """Themes of an ÖP use category, matched case- and whitespace-insensitively.

        Raises
        ------
        ConfigError
            If the category is not mapped; the message lists the mapped ones.
        """
        wanted = " ".join(str(category).split()).casefold()
        for name, themes in self.op_categories.items():
            if " ".join(name.split()).casefold() == wanted:
                return themes
        raise ConfigError(
            f"ÖP use category {category!r} is not mapped in {self.display}. Mapped categories: "
            f"{', '.join(self.op_categories)}. Add it to [op_categories] or fix the plan's use column."
        )


def _check_theme(name: Any, problems: list[str], where: str) -> str | None:
    try:
        theme = parse_theme(str(name))
    except UnknownThemeError:
        problems.append(f"unknown theme {name!r} in {where}")
        return None
    if theme not in INTEREST_THEMES:
        problems.append(f"{theme.value!r} in {where} is not an interest theme")
        return None
    return theme.value


def read_conflict_matrix(path: str | Path | None = None, *, settings: Settings | None = None) -> ConflictMatrix:
    """Read and validate a conflict matrix file.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file shaped like ``analyses/malkonflikter.toml``; default that file
        in ``Settings.analyses_dir``.
    settings : Settings, optional

    Returns
    -------
    ConflictMatrix

    Raises
    ------
    InputFileNotFoundError
        If the file does not exist.
    ConfigError
        If the TOML is invalid, a theme is unknown, a weight lies outside 0..3 or
        is not an integer, a rationale is missing, a pair is missing or given twice.
        Every problem is listed in one message naming the file.

    Examples
    --------
    >>> matrix = read_conflict_matrix()
    >>> matrix.weight("totalforsvar", "energi")
    3
    """
    settings = resolve(settings)
    path = Path(path) if path is not None else settings.analyses_dir / DEFAULT_MATRIX
    if not path.is_file():
        raise InputFileNotFoundError(
            f"Conflict matrix `{path}` does not exist. Pass --config with a copy of analyses/{DEFAULT_MATRIX}."
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"Conflict matrix `{path.name}` cannot be read: {err}. Fix the TOML syntax.") from err
    problems: list[str] = []
    unknown = sorted(set(data) - {"title", "themes", "pairs", "op_categories"})
    if unknown:
        problems.append(f"unknown top-level keys {', '.join(unknown)} (known: title, themes, pairs, op_categories)")
    raw_themes = data.get("themes")
    if not isinstance(raw_themes, list) or len(raw_themes) < 2:
        problems.append("`themes` must list at least two interest themes")
        raw_themes = []
    themes: list[str] = []
    for name in raw_themes:
        theme = _check_theme(name, problems, "themes")
        if theme is not None:
            if theme in themes:
                problems.append(f"theme {theme!r} is listed twice in themes")
            else:
                themes.append(theme)
    weights: dict[tuple[str, str], int] = {}
    rationale: dict[tuple[str, str], str] = {}
    pairs = data.get("pairs", {})
    if not isinstance(pairs, dict):
        problems.append("[pairs] must be a table of \"a/b\" = { weight = 0..3, rationale = \"...\" }")
        pairs = {}
    for key, value in pairs.items():
        names = str(key).split("/")
        if len(names) != 2:
            problems.append(f"pair key {key!r} must be two themes joined by '/', e.g. \"energi/totalforsvar\"")
            continue
        parsed = [_check_theme(n.strip(), problems, f"pair {key!r}") for n in names]
        if None in parsed:
            continue
        a, b = sorted(parsed)  # type: ignore[type-var]
        if a == b:
            problems.append(f"pair {key!r} names one theme twice (overlaps within a theme are never conflicts)")
            continue
        if a not in themes or b not in themes:
            problems.append(f"pair {key!r} uses a theme missing from `themes`")
            continue
        if (a, b) in weights:
            problems.append(f"pair {a}/{b} is given twice")
            continue
        if not isinstance(value, dict):
            problems.append(f"pair {key!r} must be a table {{ weight = 0..3, rationale = \"...\" }}")
            continue
        extra = sorted(set(value) - {"weight", "rationale"})
        if extra:
            problems.append(f"pair {key!r} has unknown keys {', '.join(extra)}")
        weight = value.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 3:
            problems.append(f"weight of {key!r} is {weight!r} (must be an integer 0..3)")
            continue
        text = value.get("rationale")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"pair {key!r} has no rationale (one sentence on why)")
        weights[(a, b)] = weight
        rationale[(a, b)] = str(text or "").strip()
    missing = [f"{a}/{b}" for i, a in enumerate(sorted(themes)) for b in sorted(themes)[i + 1:]
               if (a, b) not in weights]
    if missing and themes:
        shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        problems.append(f"missing pairs {shown}")
    op_categories: dict[str, tuple[str, ...]] = {}
    raw_op = data.get("op_categories", {})
    if not isinstance(raw_op, dict):
        problems.append("[op_categories] must be a table of \"category\" = [themes]")
        raw_op = {}
    for category, mapped in raw_op.items():
        if not isinstance(mapped, list):
            problems.append(f"ÖP category {category!r} must map to a list of themes")
            continue
        checked = [_check_theme(m, problems, f"ÖP category {category!r}") for m in mapped]
        bad = [m for m, c in zip(mapped, checked) if c is not None and c not in themes]
        if bad:
            problems.append(f"ÖP category {category!r} maps to {', '.join(map(str, bad))}, not in `themes`")
        op_categories[str(category)] = tuple(c for c in checked if c is not None)
    if problems:
        raise ConfigError(
            f"Conflict matrix `{path.name}` is invalid: {'; '.join(problems)}. Edit the file: list the themes, "
            "give every pair of them one entry with an integer weight 0..3 and a rationale, "
            f"as in analyses/{DEFAULT_MATRIX}."
        )
    return ConflictMatrix(themes=tuple(themes), weights=weights, rationale=rationale, op_categories=op_categories,
                          path=path, title=str(data.get("title", "")))


# --------------------------------------------------------------------------- inputs


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of short-lived objects are made.

    Coordinate lists for rasterio and face labels hold no reference cycles; without
    this the collector runs over and over and doubles the run time of large inputs.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _progress(settings: Settings, description: str) -> Iterator[Callable[[int, int], None]]:
    """Yield ``update(done, total)`` driving a rich progress bar on stderr.

    A no-op when ``Settings.progress`` is False or stderr is not a terminal (logs, CI).
    """
    console = None
    if settings.progress:
        from rich.console import Console

        console = Console(stderr=True)
    if console is None or not console.is_terminal:
        yield lambda done, total: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _parse_themes(themes: list[str] | tuple[str, ...], matrix: ConflictMatrix, option: str) -> list[str]:
    out: list[str] = []
    for name in themes:
        theme = parse_theme(name)
        if theme not in INTEREST_THEMES:
            raise InvalidSettingError(
                f"{option} {name!r} is not an interest theme. Interest themes: "
                f"{', '.join(t.value for t in INTEREST_THEMES)}."
            )
        if theme.value not in matrix.themes:
            raise ConfigError(
                f"Theme {theme.value!r} ({option}) is not in the conflict matrix {matrix.display} "
                f"(themes: {', '.join(matrix.themes)}). Add it and its pairs to the file."
            )
        if theme.value not in out:
            out.append(theme.value)
    return out


def load_interest_layers(
    themes: list[str] | tuple[str, ...] | None = None,
    *,
    layers: Mapping[str, str | Path] | None = None,
    matrix: ConflictMatrix | None = None,
    source_crs: str | int | None = None,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Load every interest layer of the analysis into one frame.

    Parameters
    ----------
    themes : list of str, optional
        Themes to analyse; default every theme of ``matrix`` with data (embedded or
        given in ``layers``).
    layers : mapping, optional
        Theme -> path of a user's file that replaces that theme's embedded layers
        (read with :func:`landuse.layers.load_layer`).
    matrix : ConflictMatrix, optional
        Default :func:`read_conflict_matrix`.
    source_crs : str or int, optional
        CRS to assume for user files without one.
    settings : Settings, optional

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006; columns ``layer, theme, feature_id, name, schematic, geometry``
        (valid polygons). One theme may come from several layers (rennaring =
        kärnområden + flyttleder + svåra passager).

    Raises
    ------
    UnknownThemeError, InvalidSettingError, ConfigError
        For themes that are unknown, not interest themes, or not in the matrix.
    LayerNotFoundError
        If a theme named in ``themes`` has no embedded layer and no file.
    The errors of :func:`landuse.layers.load_layer`.

    Warns
    -----
    The warnings of :func:`landuse.layers.load_layer` for user files only; the
    embedded line and point layers are buffered on purpose (their specs say so).
    """
    settings = resolve(settings)
    matrix = matrix if matrix is not None else read_conflict_matrix(settings=settings)
    overrides = {parse_theme(k).value: Path(v) for k, v in (layers or {}).items()}
    _parse_themes(list(overrides), matrix, "--layer")
    explicit = themes is not None
    chosen = _parse_themes(list(themes), matrix, "--themes") if themes is not None else list(matrix.themes)
    stray = [t for t in overrides if t not in chosen]
    if stray:
        raise InvalidSettingError(
            f"--layer gives a file for {', '.join(stray)}, which --themes leaves out ({', '.join(chosen)}). "
            "Add the theme to --themes or drop the --layer."
        )
    frames: list[gpd.GeoDataFrame] = []
    columns = ["layer", "theme", "feature_id", "name", "schematic", "geometry"]
    with _progress(settings, "loading layers") as update:
        for done, theme in enumerate(chosen, start=1):
            if theme in overrides:
                frame = load_layer(overrides[theme], theme=theme, source_crs=source_crs, settings=settings)
                frames.append(frame[columns])
            else:
                specs = [s for s in layers_for_theme(theme, settings) if s.source is not None]
                if not specs and explicit:
                    raise LayerNotFoundError(
                        f"Theme {theme!r} has no embedded layer. Pass your file for it: --layer {theme}=PATH in "
                        f"`landuse conflicts`, --interest {theme}=PATH in `landuse op-check`."
                    )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", LanduseWarning)
                    frames += [load_layer(s.name, settings=settings)[columns] for s in specs]
            update(done, len(chosen))
    if not frames:
        raise EmptyLayerError("No interest layer has data. Pass files with --layer THEME=PATH.")
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=WORK_CRS)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = " ".join(text.casefold().split())
    return text.removesuffix(" kommun")


def load_kommuner(select: list[str] | tuple[str, ...] | None = None, *,
                  settings: Settings | None = None) -> gpd.GeoDataFrame:
    """The embedded kommun boundaries (SCB), optionally only some of them.

    Parameters
    ----------
    select : list of str, optional
        Kommun names (``"Luleå"``, ``"lulea"``, ``"Luleå kommun"``) or codes (``"2580"``).
    settings : Settings, optional

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006; columns ``kommun_code`` (str), ``kommun`` (str), ``geometry``;
        sorted by code.

    Raises
    ------
    InvalidSettingError
        If a name or code matches no kommun; the message lists them all.

    Examples
    --------
    >>> load_kommuner(["Kiruna", "2580"])["kommun"].tolist()
    ['Luleå', 'Kiruna']
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LanduseWarning)
        frame = load_layer("kommuner", settings=settings)
    frame = gpd.GeoDataFrame({"kommun_code": frame["kommun_code"].astype(str), "kommun": frame["name"].astype(str)},
                             geometry=frame.geometry.values, crs=WORK_CRS)
    frame = frame.sort_values("kommun_code", ignore_index=True)
    if not select:
        return frame
    wanted: list[int] = []
    unknown: list[str] = []
    folded = [_fold(n) for n in frame["kommun"]]
    for item in select:
        text = str(item).strip()
        hits = [i for i, (code, name) in enumerate(zip(frame["kommun_code"], folded)) if text == code or _fold(text) == name]
        if hits:
            wanted += [h for h in hits if h not in wanted]
        else:
            unknown.append(text)
    if unknown:
        known = ", ".join(f"{n} ({c})" for c, n in zip(frame["kommun_code"], frame["kommun"]))
        raise InvalidSettingError(f"--kommun {', '.join(map(repr, unknown))} matches no kommun. Kommuner: {known}.")
    return frame.iloc[sorted(wanted)].reset_index(drop=True)


def _polygonal_parts(geom: Any) -> Any:
    parts = shapely.get_parts(geom)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(parts) if len(parts) else None


def _prepare(layers: gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame], matrix: ConflictMatrix, *,
             min_themes: int = 2) -> gpd.GeoDataFrame:
    """One frame in EPSG:3006 with valid polygons and the standard columns."""
    if not isinstance(layers, (gpd.GeoDataFrame, Mapping)):
        raise GeometryTypeError(
            f"layers is a {type(layers).__name__}, not a GeoDataFrame or a mapping theme -> GeoDataFrame. "
            "Load files first, e.g. load_interest_layers(layers={'naturvard': 'ri_naturvard.gpkg'})."
        )
    if isinstance(layers, Mapping):
        parts = []
        for theme, frame in layers.items():
            frame = frame.copy()
            frame["theme"] = parse_theme(theme).value
            parts.append(frame)
        if not parts:
            raise EmptyLayerError("No layers were given. Pass at least two themes' layers.")
        without = [theme for theme, p in zip(layers, parts) if p.crs is None]
        if without and len(without) < len(parts):
            # never guess: a frame without a CRS among frames with one may be in any CRS
            raise MissingCRSError(
                f"The layer of theme {', '.join(map(str, without))} has no CRS while the others have one. "
                "Set it (e.g. frame.set_crs('EPSG:3006')) before the analysis."
            )
        crs = {str(p.crs) for p in parts}
        if len(crs) > 1:
            parts = [p.to_crs(WORK_CRS) if p.crs is not None else p for p in parts]
        frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry=parts[0].geometry.name,
                                 crs=parts[0].crs if len(crs) == 1 else WORK_CRS)
    else:
        frame = layers.copy()
    if "theme" not in frame.columns:
        raise ConfigError("The layers have no `theme` column. Load them with landuse.layers.load_layer, or pass a "
                          "mapping theme -> GeoDataFrame.")
    if frame.crs is None:
        raise MissingCRSError("The layers have no CRS. Set it (e.g. frame.set_crs('EPSG:3006')) before the analysis.")
    if frame.crs.is_geographic:
        raise CRSMismatchError(
            f"The layers are in the geographic CRS {frame.crs.to_string()}: areas need metres. "
            "Reproject with frame.to_crs('EPSG:3006')."
        )
    if not frame.crs.equals(WORK_CRS):
        frame = frame.to_crs(WORK_CRS)
    frame = frame.reset_index(drop=True)
    names = {t: parse_theme(t).value for t in pd.unique(frame["theme"])}
    frame["theme"] = frame["theme"].map(names).astype(str)
    outside = sorted(set(frame["theme"]) - set(matrix.themes))
    if outside:
        raise ConfigError(
            f"Themes {', '.join(outside)} of the layers are not in the conflict matrix {matrix.display} "
            f"(themes: {', '.join(matrix.themes)}). Add them with weights for every pair, or drop those features."
        )
    n = len(frame)
    if "feature_id" not in frame.columns:
        frame["feature_id"] = [str(i + 1) for i in range(n)]
    if "layer" not in frame.columns:
        frame["layer"] = frame["theme"]
    if "name" not in frame.columns:
        frame["name"] = ""
    frame["schematic"] = frame["schematic"].fillna(False).astype(bool) if "schematic" in frame.columns else False
    geoms = np.asarray(frame.geometry.values, dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    wrong = ~empty & ~np.isin(types, (3, 6, 7))
    if wrong.any():
        raise GeometryTypeError(
            f"{int(wrong.sum())} features are points or lines; the conflict engine needs polygons. "
            "Load the layers with landuse.layers.load_layer (it buffers line and point objects) or buffer them."
        )
    from landuse._overlay import is_valid

    invalid = ~empty & ~is_valid(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        warnings.warn(f"repaired {int(invalid.sum())} of {n} invalid geometries with make_valid "
                      "(kept the polygonal part).", GeometryRepairWarning, stacklevel=3)
    mixed = ~empty & (shapely.get_type_id(geoms) == 7)
    for i in np.flatnonzero(mixed):
        geoms[i] = _polygonal_parts(geoms[i])
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    frame = gpd.GeoDataFrame(frame.drop(columns=frame.geometry.name), geometry=geoms, crs=WORK_CRS)
    frame = frame[~empty].reset_index(drop=True)
    if len(set(frame["theme"])) < min_themes:
        raise InvalidSettingError(
            f"The analysis needs at least {min_themes} theme(s) with polygons; found {', '.join(sorted(set(frame['theme']))) or 'none'}. "
            "Add layers (--layer THEME=PATH) or widen --themes."
        )
    if len(set(frame["theme"])) > _MAX_THEMES:
        raise InvalidSettingError(f"At most {_MAX_THEMES} themes can be analysed at once.")
    return frame


# --------------------------------------------------------------------------- result


@dataclass
class ConflictResult:
    """Everything one målkonflikt run produces.

    Attributes
    ----------
    faces : geopandas.GeoDataFrame
        EPSG:3006; one row per face covered by at least two themes, split by kommun:
        ``face_id`` (int, 1 = highest score), ``kommun_code``, ``kommun``, ``themes``
        (sorted names joined by ","), ``n_themes``, ``score`` (sum or max of the pair
        weights present), ``area_km2``, ``feature_ids`` ("layer:feature_id" joined by
        ";"), ``schematic`` (any covering feature schematic), ``geometry``.  In raster
        mode a face is a 4-connected region of cells with one kommun and theme set, and
        ``feature_ids`` lists the features of those themes that intersect it.
    pairs_per_kommun : pandas.DataFrame
        :data:`PAIR_COLUMNS`: one row per kommun and theme pair with non-zero area.
    pairs : pandas.DataFrame
        The same summed over the kommuner analysed: ``theme_a, theme_b, weight,
        area_km2, share_of_area`` (share of the kommuner's total area), ``schematic``.
    theme_area : pandas.DataFrame
        ``theme, area_km2``: union area of each theme inside the kommuner.
    kommun_area : pandas.DataFrame
        ``kommun_code, kommun, area_km2`` of the kommuner analysed.
    """

    faces: gpd.GeoDataFrame
    pairs_per_kommun: pd.DataFrame
    pairs: pd.DataFrame
    theme_area: pd.DataFrame
    kommun_area: pd.DataFrame
    themes: tuple[str, ...]
    mode: Mode = "vector"
    score_method: ScoreMethod = "sum"
    resolution_m: float | None = None
    schematic_themes: tuple[str, ...] = ()
    outside_km2: float = 0.0
    score_grid: np.ndarray | None = None
    transform: Any = None
    #: Raster mode: sample points per cell side the areas were counted from (None in vector mode).
    oversample: int | None = None
    #: Stale outputs of an earlier run that :func:`write_conflicts` deleted.
    removed: list[Path] = field(default_factory=list)

    @property
    def schematic(self) -> bool:
        """True when any input feature is schematic (demo data)."""
        return bool(self.schematic_themes)

    def hotspots(self, n: int = 10, *, min_area_km2: float = 0.01) -> gpd.GeoDataFrame:
        """The ``n`` faces with the highest score (ties: largest area first).

        Faces under ``min_area_km2`` (default 1 ha) are left out: overlaying layers
        digitised independently leaves slivers along shared boundaries, and a sliver
        where many themes happen to meet is no place to start a dialogue.
        """
        faces = self.faces[self.faces["area_km2"] >= min_area_km2]
        return faces.sort_values(["score", "area_km2"], ascending=False).head(n)

    def summary_lines(self, top: int = 10) -> list[str]:
        """Plain-text summary: run, county pairs by weighted area, kommuner, hotspots."""
        mark = " [schematisk]"
        total_km2 = float(self.kommun_area["area_km2"].sum())
        where = f"{len(self.kommun_area)} kommuner, " + f"{total_km2:,.0f} km²".replace(",", " ")
        mode = "vector"
        if self.mode == "raster":
            k = self.oversample or 1
            samples = f"{k} x {k} samples per cell" if k > 1 else "1 sample per cell (its centre)"
            mode = f"raster {self.resolution_m:g} m, {samples}"
        lines = [f"målkonflikter: {mode}, score={self.score_method}, themes {', '.join(self.themes)}; {where}"]
        if self.schematic:
            lines.append("schematisk / schematic: themes " + ", ".join(self.schematic_themes)
                         + " rest on schematic demo data, so every figure marked [schematisk] is illustrative only")
        pairs = self.pairs.assign(weighted=self.pairs["weight"] * self.pairs["area_km2"])
        pairs = pairs.sort_values(["weighted", "area_km2"], ascending=False)
        lines.append(f"{'pair':<26} {'weight':>6} {'area km²':>10} {'share':>7}")
        for row in pairs.head(top).itertuples():
            lines.append(f"{row.theme_a + ' x ' + row.theme_b:<26} {row.weight:>6d} {row.area_km2:>10.1f} "
                         f"{row.share_of_area:>7.2%}{mark if row.schematic else ''}")
        run_mark = mark if self.schematic else ""
        if len(pairs) > top:
            lines.append(f"... and {len(pairs) - top} more pairs{run_mark}")
        per = self.pairs_per_kommun.assign(weighted=self.pairs_per_kommun["weight"] * self.pairs_per_kommun["area_km2"])
        by_kommun = per.groupby(["kommun_code", "kommun"], as_index=False).agg(
            pairs=("theme_a", "size"), weighted=("weighted", "sum"))
        by_kommun = by_kommun.sort_values("weighted", ascending=False)
        lines.append(f"per kommun ({len(by_kommun)} with overlaps; weighted km² = Σ weight × area){run_mark}:")
        for row in by_kommun.itertuples():
            lines.append(f"  {row.kommun_code} {row.kommun:<12} {row.pairs:>3} pairs {row.weighted:>9.1f} weighted km²"
                         f"{run_mark}")
        areas = ", ".join(f"{r.theme} {r.area_km2:,.0f}" for r in self.theme_area.itertuples())
        lines.append(f"union area per theme, km²: {areas}{run_mark}")
        hot = self.hotspots(3)
        if len(hot):
            lines.append("hotspots (highest score, faces of 1 ha or more): " + "; ".join(
                f"#{r.face_id} {r.kommun} {r.themes} score {r.score:g}, {r.area_km2:.2f} km²" for r in hot.itertuples())
                + (mark if hot["schematic"].any() else ""))
        if self.outside_km2 > 0:
            lines.append(f"{self.outside_km2:,.1f} km² of interest area lies outside the kommuner analysed and is left out"
                         f"{run_mark}")
        return lines


def _popcount(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.int64)
    out = np.zeros(len(values), dtype=np.int64)
    for bit in range(_MAX_THEMES):
        out += (values >> bit) & 1
    return out


def _score_of_masks(masks: np.ndarray, weights: np.ndarray, method: ScoreMethod) -> np.ndarray:
    """Score of each theme mask: sum (or max) of the weights of the theme pairs it holds."""
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


def _aggregate(zone: np.ndarray, mask: np.ndarray, area_m2: np.ndarray, themes: list[str], weights: np.ndarray,
               zones: gpd.GeoDataFrame, schematic_themes: set[str]) -> tuple[pd.DataFrame, ...]:
    """Pair and theme areas per kommun from (zone, mask, area) records."""
    n_bits = len(themes)
    n_zones = len(zones)
    key = zone.astype(np.int64) * (1 << n_bits) + mask.astype(np.int64)
    table = np.bincount(key, weights=area_m2, minlength=n_zones * (1 << n_bits)).reshape(n_zones, 1 << n_bits)
    masks = np.arange(1 << n_bits)
    kommun_km2 = shapely.area(np.asarray(zones.geometry.values)) / 1e6
    rows = []
    for a in range(n_bits):
        for b in range(a + 1, n_bits):
            both = ((masks >> a) & 1).astype(bool) & ((masks >> b) & 1).astype(bool)
            per_zone = table[:, both].sum(axis=1) / 1e6
            for z in np.flatnonzero(per_zone > 0):
                rows.append((zones["kommun_code"].iat[z], zones["kommun"].iat[z], themes[a], themes[b],
                             int(weights[a, b]), float(per_zone[z]), float(per_zone[z] / kommun_km2[z])))
    per_kommun = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    per_kommun = per_kommun.astype({"kommun_code": str, "kommun": str, "theme_a": str, "theme_b": str,
                                    "weight": np.int64, "area_km2": np.float64, "share_of_kommun": np.float64})
    per_kommun = per_kommun.sort_values(["kommun_code", "theme_a", "theme_b"], ignore_index=True)
    county = per_kommun.groupby(["theme_a", "theme_b", "weight"], as_index=False)["area_km2"].sum()
    county["share_of_area"] = county["area_km2"] / kommun_km2.sum()
    county["schematic"] = [a in schematic_themes or b in schematic_themes
                           for a, b in zip(county["theme_a"], county["theme_b"])]
    theme_area = pd.DataFrame({
        "theme": themes,
        "area_km2": [float(table[:, ((masks >> t) & 1).astype(bool)].sum() / 1e6) for t in range(n_bits)],
    })
    kommun_area = pd.DataFrame({"kommun_code": zones["kommun_code"].astype(str), "kommun": zones["kommun"].astype(str),
                                "area_km2": kommun_km2})
    return per_kommun, county, theme_area, kommun_area


def _theme_strings(masks: np.ndarray, themes: list[str]) -> np.ndarray:
    unique, inverse = np.unique(masks, return_inverse=True)
    names = np.array([",".join(t for i, t in enumerate(themes) if (m >> i) & 1) for m in unique], dtype=object)
    return names[inverse]


def _faces_frame(geoms: np.ndarray, zone: np.ndarray, mask: np.ndarray, score: np.ndarray, schematic: np.ndarray,
                 feature_ids: np.ndarray, themes: list[str], zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    area_km2 = shapely.area(geoms) / 1e6
    order = np.lexsort((-area_km2, -score))
    codes = zones["kommun_code"].to_numpy(dtype=object)
    names = zones["kommun"].to_numpy(dtype=object)
    frame = pd.DataFrame({
        "face_id": np.arange(1, len(geoms) + 1, dtype=np.int64),
        "kommun_code": pd.array(codes[zone[order]] if len(order) else [], dtype=str),
        "kommun": pd.array(names[zone[order]] if len(order) else [], dtype=str),
        "themes": pd.array(_theme_strings(mask[order], themes) if len(order) else [], dtype=str),
        "n_themes": _popcount(mask[order]),
        "score": score[order].astype(np.float64),
        "area_km2": area_km2[order],
        "feature_ids": pd.array(feature_ids[order] if len(order) else [], dtype=str),
        "schematic": schematic[order].astype(bool),
    })
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms[order], crs=WORK_CRS), crs=WORK_CRS)


def _join_labels(face_index: np.ndarray, labels: np.ndarray, n_faces: int) -> np.ndarray:
    """``labels`` grouped by ``face_index`` (sorted) and joined with ";"."""
    out = np.full(n_faces, "", dtype=object)
    if len(face_index):
        # runs of equal face ids; a plain join per run beats a pandas groupby by ~50x here
        cut = np.flatnonzero(np.diff(face_index)) + 1
        starts = np.concatenate([[0], cut])
        ends = np.concatenate([cut, [len(face_index)]])
        labels = labels.tolist()
        out[face_index[starts]] = [";".join(labels[s:e]) for s, e in zip(starts.tolist(), ends.tolist())]
    return out


def _vector(features: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, themes: list[str], weights: np.ndarray,
            method: ScoreMethod, settings: Settings, faces: FacesChoice) -> tuple[Any, ...]:
    from landuse._overlay import theme_faces

    geoms = np.asarray(features.geometry.values, dtype=object)
    code = pd.Categorical(features["theme"], categories=themes).codes.astype(np.int64)
    min_themes = _FACES_MIN_THEMES[faces]
    with _progress(settings, "overlaying dissolved themes") as update:
        arr = theme_faces(geoms, code, np.asarray(zones.geometry.values, dtype=object), min_themes=min_themes,
                          labels=min_themes > 0, on_tile=update)
    schem = features["schematic"].to_numpy(dtype=bool)
    face_schematic = np.zeros(len(arr.faces), dtype=bool)
    face_schematic[arr.face_index[schem[arr.feature_index]]] = True
    labels = (features["layer"].astype(str) + ":" + features["feature_id"].astype(str)).to_numpy(dtype=object)
    feature_ids = _join_labels(arr.face_index, labels[arr.feature_index], len(arr.faces))
    score = _score_of_masks(arr.face_mask, weights, method)
    out = _faces_frame(arr.faces, arr.face_zone, arr.face_mask, score, face_schematic, feature_ids, themes, zones)
    return arr.zone, arr.mask, arr.area_m2, out, arr.outside_m2 / 1e6, None, None, None


def _intersects_chunk(shared: dict, span: tuple[int, int]) -> np.ndarray:
    a, b = span
    return shapely.intersects(shared["features"][a:b], shared["faces"][a:b])


def _raster_face_features(faces: np.ndarray, face_mask: np.ndarray, geoms: np.ndarray,
                          theme_code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(face, feature) pairs where a feature of a theme the raster face holds intersects it.

    Parameters
    ----------
    faces : numpy.ndarray of shapely.Polygon
        Raster faces: unions of whole cells.
    face_mask : numpy.ndarray of int
        Theme bits of each face.
    geoms, theme_code : numpy.ndarray
        The features and the bit index of their themes.

    Returns
    -------
    face, feature : numpy.ndarray of int
        Sorted by face, then feature.

    Notes
    -----
    Candidates are the features of the face's themes whose bounding box meets the
    face's.  Every cell centre of a face lies in some feature of each of its themes
    (that is how the cell got the theme's bit), and that feature is a candidate; so
    when a theme has a single candidate for a face, that candidate intersects the
    face and needs no test.  Only themes with several candidates are tested exactly
    (``shapely.intersects``, in chunks on worker threads).
    """
    from landuse._overlay import parallel_map

    feature, face = shapely.STRtree(faces).query(geoms)
    theme = theme_code[feature]
    wanted = ((face_mask[face] >> theme) & 1).astype(bool)
    face, feature, theme = face[wanted], feature[wanted], theme[wanted]
    group = face.astype(np.int64) * 64 + theme
    _, first, counts = np.unique(group, return_inverse=True, return_counts=True)
    test = np.flatnonzero(counts[first] > 1)
    hit = np.ones(len(face), dtype=bool)
    if len(test):
        n_chunks = max(1, min(len(test) // 20_000, 4 * (os.cpu_count() or 1)))
        edges = np.linspace(0, len(test), n_chunks + 1).astype(int)
        spans = list(zip(edges[:-1].tolist(), edges[1:].tolist()))
        parts = parallel_map(_intersects_chunk, spans, {"features": geoms[feature[test]], "faces": faces[face[test]]})
        hit[test] = np.concatenate(parts)
    face, feature = face[hit].astype(np.int64), feature[hit].astype(np.int64)
    order = np.lexsort((feature, face))
    return face[order], feature[order]


#: A kommun covered by fewer cells than this gets areas too rough to report without a warning.
_MIN_CELLS_PER_ZONE = 10


def _nice_resolution(resolution_m: float, factor: float) -> float:
    """The next 1-2-5 step at or above ``resolution_m * factor`` (metres)."""
    target = resolution_m * factor
    step = 10.0 ** math.floor(math.log10(target))
    for mult in (1, 2, 5, 10):
        if mult * step >= target:
            return mult * step
    return 10 * step


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:,.0f} GiB" if n_bytes >= 2**30 else f"{n_bytes / 2**20:,.1f} MiB"


def _check_grid_budget(bounds: tuple[float, ...], resolution_m: float, *, extra_bytes_per_cell: float = 0,
                       oversample: int = 1) -> None:
    """Refuse a grid too large to allocate, before numpy tries (and dies with a MemoryError)."""
    from landuse._rasterize import BYTES_PER_CELL, MAX_CELLS, available_memory_bytes, grid_shape

    rows, cols = grid_shape(bounds, resolution_m)  # type: ignore[arg-type]
    cells = rows * cols
    per_cell = BYTES_PER_CELL + extra_bytes_per_cell
    need = cells * per_cell
    available = available_memory_bytes()
    limit = MAX_CELLS if available is None else min(MAX_CELLS, int(available // per_cell))
    if cells > limit:
        coarser = _nice_resolution(resolution_m, math.sqrt(cells / max(limit, 1)))
        memory = f", {_gib(available)} available" if available is not None else ""
        raise InvalidSettingError(
            f"--resolution {resolution_m:g} m (resolution_m) gives a grid of {rows:,} x {cols:,} = {cells:.3g} cells "
            f"over the kommuner analysed, about {_gib(need)} (limit {limit:.3g} cells{memory}). "
            + (f"Use --oversample 1 (now {oversample} x {oversample} samples per cell), a coarser resolution, "
               if oversample > 1 else "Use a coarser resolution, ")
            + f"e.g. --resolution {coarser:g}, or fewer kommuner (--kommun)."
        )


def _check_cells_per_zone(cells: np.ndarray, zones: gpd.GeoDataFrame, bounds: tuple[float, ...],
                          resolution_m: float) -> None:
    """Raise when no cell centre falls inside any kommun; warn for kommuner with only a few cells."""
    extent = f"{(bounds[2] - bounds[0]) / 1000:,.0f} x {(bounds[3] - bounds[1]) / 1000:,.0f} km"
    if not cells.any():
        raise InvalidSettingError(
            f"--resolution {resolution_m:g} m (resolution_m) leaves no cell inside the kommuner analysed "
            f"(extent {extent}), so every area would be 0. Use a resolution well below the kommuner's size, "
            "e.g. --resolution 100."
        )
    few = np.flatnonzero(cells < _MIN_CELLS_PER_ZONE)
    if len(few):
        names = ", ".join(f"{zones['kommun'].iat[z]} ({int(cells[z])})" for z in few[:8])
        names += f" and {len(few) - 8} more" if len(few) > 8 else ""
        finest = float(np.sqrt(shapely.area(np.asarray(zones.geometry.values))[few].min() / _MIN_CELLS_PER_ZONE))
        warnings.warn(
            f"--resolution {resolution_m:g} m leaves {len(few)} of {len(zones)} kommuner with fewer than "
            f"{_MIN_CELLS_PER_ZONE} cells ({names}): their pair areas are rough or 0. "
            f"Use a finer resolution (at most {_nice_resolution(finest, 0.2):g} m) for figures per kommun.",
            PartialLossWarning, stacklevel=4)


#: Sample points per cell side that the default oversampling tries, best first.
_OVERSAMPLE_CHOICES = (5, 3, 1)


def default_oversample(bounds: tuple[float, float, float, float], resolution_m: float, *,
                       settings: Settings | None = None) -> int:
    """Sample points per cell side raster mode uses when none is given.

    The largest of 5, 3 and 1 for which ``cells * k**2`` stays within
    ``Settings.raster_sample_budget``: a county-sized grid at 100 m gets one sample
    per cell (fast; pair areas within 0.1 % of the exact ones on dense layers), a
    kommun or a coarser grid 3 x 3 or 5 x 5 (small inputs can afford them).

    Parameters
    ----------
    bounds : tuple of float
        (xmin, ymin, xmax, ymax) of the grid in EPSG:3006 metres.
    resolution_m : float
        Cell side in metres.

    Examples
    --------
    >>> default_oversample((0, 0, 400_000, 440_000), 100)   # 17.6 million cells, about the county
    1
    >>> default_oversample((0, 0, 400_000, 440_000), 250)   # 2.8 million cells
    3
    >>> default_oversample((0, 0, 700_000, 700_000), 100)   # 49 million cells
    1
    """
    from landuse._rasterize import grid_shape

    rows, cols = grid_shape(bounds, resolution_m)
    budget = resolve(settings).raster_sample_budget
    return next((k for k in _OVERSAMPLE_CHOICES if rows * cols * k * k <= budget), 1)


def _oversample_bytes(n_themes: int, oversample: int) -> float:
    """Extra bytes per cell of oversampling: the packed fine planes (k² bits per cell and theme)
    and one unpacked fine plane (k² bytes per cell) per concurrent worker."""
    if oversample == 1:
        return 0.0
    return n_themes * oversample**2 / 8 + min(n_themes, os.cpu_count() or 1) * oversample**2


def _raster(features: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, themes: list[str], weights: np.ndarray,
            method: ScoreMethod, resolution_m: float, settings: Settings, oversample: int | None = None,
            faces: FacesChoice = "none") -> tuple[Any, ...]:

    from landuse._rasterize import rasterize_themes, regions

    geoms = np.asarray(features.geometry.values, dtype=object)
    code = pd.Categorical(features["theme"], categories=themes).codes.astype(np.int64)
    zone_geoms = np.asarray(zones.geometry.values, dtype=object)
    bounds = tuple(shapely.total_bounds(zone_geoms))
    chosen = None
    if oversample is None:
        # the default never refuses a grid that fits with one sample per cell: it takes fewer samples
        chosen = oversample = default_oversample(bounds, resolution_m, settings=settings)  # type: ignore[arg-type]
        while oversample > 1:
            try:
                _check_grid_budget(bounds, resolution_m, extra_bytes_per_cell=_oversample_bytes(len(themes), oversample))
                break
            except InvalidSettingError:
                oversample -= 2
    _check_grid_budget(bounds, resolution_m, extra_bytes_per_cell=_oversample_bytes(len(themes), oversample),
                       oversample=oversample)
    if chosen is not None and oversample < chosen:
        warnings.warn(
            f"raster mode counts {oversample} x {oversample} samples per cell instead of {chosen} x {chosen}: "
            "the memory available now is too small for more, so areas of small pairs are rougher. "
            f"Free memory, or pass --oversample {chosen} to require it.", PartialLossWarning, stacklevel=3)
    with _progress(settings, "rasterizing themes") as update:
        planes = rasterize_themes(geoms, code, len(themes), zone_geoms, bounds, resolution_m, on_theme=update,
                                  oversample=oversample)
    n_bits = len(themes)
    counts = planes.counts(len(zones), n_bits)
    _check_cells_per_zone(counts.sum(axis=1) / oversample**2, zones, bounds, resolution_m)
    z_idx, m_idx = np.nonzero(counts)
    area_m2 = counts[z_idx, m_idx] * planes.sample_area_m2
    outside_km2 = float(planes.outside_count() * planes.sample_area_m2 / 1e6)
    lut = _score_of_masks(np.arange(1 << n_bits), weights, method)
    score_grid = lut.astype(np.float32)[planes.mask]
    score_grid[planes.zone < 0] = -1.0
    if faces == "none":
        empty = _faces_frame(np.empty(0, dtype=object), *(np.zeros(0, dtype=np.int64),) * 2, np.zeros(0),
                             np.zeros(0, dtype=bool), np.empty(0, dtype=object), themes, zones)
        return z_idx, m_idx, area_m2, empty, outside_km2, score_grid, planes.transform, planes.oversample
    # faces: connected cells with one kommun and one theme set (of at least two themes unless --faces all)
    multi_lut = _popcount(np.arange(1 << n_bits)) >= _FACES_MIN_THEMES[faces]
    inside = (planes.zone >= 0) & multi_lut[planes.mask]
    key = (planes.zone.astype(np.int32) * (1 << n_bits) + planes.mask.astype(np.int32))
    face_geoms, keys = regions(key, inside, planes.transform)
    f_zone, f_mask = keys >> n_bits, keys & ((1 << n_bits) - 1)
    # covering features: those intersecting the face whose theme the face holds
    if len(face_geoms):
        fi, gj = _raster_face_features(face_geoms, f_mask, geoms, code)
    else:
        fi = gj = np.zeros(0, dtype=np.int64)
    labels = (features["layer"].astype(str) + ":" + features["feature_id"].astype(str)).to_numpy(dtype=object)
    schem = features["schematic"].to_numpy(dtype=bool)
    face_schematic = np.zeros(len(face_geoms), dtype=bool)
    face_schematic[fi[schem[gj]]] = True
    faces = _faces_frame(face_geoms, f_zone, f_mask, lut[f_mask] if len(f_mask) else np.zeros(0), face_schematic,
                         _join_labels(fi, labels[gj], len(face_geoms)), themes, zones)
    return z_idx, m_idx, area_m2, faces, outside_km2, score_grid, planes.transform, planes.oversample


def conflicts_from_layers(
    layers: gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame],
    matrix: ConflictMatrix | None = None,
    *,
    kommuner: gpd.GeoDataFrame | None = None,
    score: ScoreMethod = "sum",
    mode: Mode = "vector",
    resolution_m: float | None = None,
    oversample: int | None = None,
    faces: FacesChoice | None = None,
    settings: Settings | None = None,
) -> ConflictResult:
    """Overlay interest layers and measure where their themes conflict, per kommun.

    Parameters
    ----------
    layers : geopandas.GeoDataFrame or mapping
        Polygons with a ``theme`` column (as from :func:`load_interest_layers`), or a
        mapping theme -> GeoDataFrame.  Projected CRS (reprojected to EPSG:3006);
        ``layer``, ``feature_id`` and ``schematic`` are used when present.
    matrix : ConflictMatrix, optional
        Weights between themes; default :func:`read_conflict_matrix`.
    kommuner : geopandas.GeoDataFrame, optional
        Zones with ``kommun_code`` and ``kommun`` (or ``name``) columns; default the
        14 embedded kommuner.  Faces are split by them; interest area outside them
        is left out (and reported as ``outside_km2``).
    score : {"sum", "max"}
        Face score: sum (default) or maximum of the weights of the theme pairs present.
    mode : {"vector", "raster"}
        Exact overlay of polygons, or bit planes on a grid.
    resolution_m : float, optional
        Raster cell side in metres (EPSG:3006); default ``Settings.raster_resolution_m``.
    oversample : int, optional
        Raster mode: odd number k of sample points per cell side.  Pair and theme
        areas come from the bit counts of k x k samples per cell, each standing for
        ``(resolution_m / k)**2``; faces and the score grid stay at ``resolution_m``
        (the centre sample is the cell centre, so they equal those of k = 1).
        Default: the largest of 5, 3 and 1 whose samples fit
        ``Settings.raster_sample_budget`` (:func:`default_oversample`) — 1 for the
        county at 100 m; ``ConflictResult.oversample`` tells which was used.
    faces : {"conflicts", "all", "none"}, optional
        Which faces ``ConflictResult.faces`` holds: those with two or more themes
        (``"conflicts"``, the vector default), every covered face (``"all"``), or
        none (``"none"``, the raster default: the score grid is the map).  Areas
        are the same whatever the choice.
    settings : Settings, optional
        ``Settings.scheduler`` (a dask scheduler address) runs the tile and theme
        tasks on that dask.distributed cluster.

    Returns
    -------
    ConflictResult
        Faces (EPSG:3006), areas per kommun and pair in km², county pairs, theme
        union areas, and in raster mode the score grid.

    Raises
    ------
    MissingCRSError, CRSMismatchError
        If the layers have no CRS or a geographic one.
    UnknownThemeError, ConfigError
        If a theme is unknown or not in the matrix.
    GeometryTypeError
        If features are points or lines.
    InvalidSettingError
        If fewer than two themes have polygons, or an option is invalid; in raster
        mode also if the grid would not fit in memory (or exceed 2e9 cells), or if
        ``resolution_m`` leaves no cell centre inside the kommuner.

    Warns
    -----
    GeometryRepairWarning
        When invalid polygons (e.g. a bow-tie) are repaired with ``make_valid``.
    PartialLossWarning
        When a theme's features have area but none of it lies inside the kommuner
        (or, in raster mode, covers a sample point), so every pair with it is 0; and
        in raster mode when kommuner are covered by fewer than 10 cells.

    Notes
    -----
    Vector mode builds the planar arrangement of every feature and kommun boundary
    (linework noded by a unary union, then polygonized); an interior point of each
    face, queried against an STRtree, gives the features covering it, and their
    themes form a bit mask.  Features of one theme overlapping each other set the
    same bit, so within-theme overlaps are counted once and never as conflicts.
    The area of pair (a, b) in a kommun is the summed area of the faces whose mask
    holds both a and b, i.e. area(∪a ∩ ∪b ∩ kommun); kommun figures therefore add
    up to the county figure.  Raster mode sets a bit where a cell centre lies in a
    feature of the theme (rasterio, GDAL's rule) and counts k x k sample points per
    cell per (kommun, mask) (an unbiased estimate whose sampling error falls roughly
    as 1/k along boundaries; k = 3 by default for a county-sized grid); its faces are
    the connected cells of one kommun and theme set, and their ``feature_ids`` list
    the features of those themes that intersect the face.

    Examples
    --------
    >>> result = conflicts_from_layers(load_interest_layers(), settings=Settings(progress=False))
    >>> sorted(result.pairs_per_kommun.columns) == sorted(PAIR_COLUMNS)
    True
    """
    settings = resolve(settings)
    method = str(score).lower()
    if method not in ("sum", "max"):
        raise InvalidSettingError(f"score={score!r} is not a score method. Use 'sum' or 'max'.")
    mode_name = str(mode).lower()
    if mode_name not in ("vector", "raster"):
        raise InvalidSettingError(f"mode={mode!r} is not a mode. Use 'vector' or 'raster'.")
    resolution = float(resolution_m if resolution_m is not None else settings.raster_resolution_m)
    if not resolution > 0:
        raise InvalidSettingError(f"resolution_m={resolution_m!r} must be a positive number of metres.")
    if oversample is not None and (isinstance(oversample, bool) or not isinstance(oversample, (int, np.integer))
                                   or oversample < 1 or oversample % 2 == 0):
        raise InvalidSettingError(
            f"oversample={oversample!r} must be an odd positive integer (1, 3, 5): the centre sample of each "
            "cell then lies on the cell centre. Use 1 for one sample per cell or 3 for 3 x 3."
        )
    faces_choice = str(faces if faces is not None else ("conflicts" if mode_name == "vector" else "none")).lower()
    if faces_choice not in _FACES_MIN_THEMES:
        raise InvalidSettingError(f"faces={faces!r} is not a faces choice. Use 'conflicts', 'all' or 'none'.")
    matrix = matrix if matrix is not None else read_conflict_matrix(settings=settings)
    features = _prepare(layers, matrix)
    zones = load_kommuner(settings=settings) if kommuner is None else _zones(kommuner)
    themes = sorted(set(features["theme"]))
    weights = matrix.weight_array(themes)
    schematic_themes = tuple(sorted(set(features.loc[features["schematic"], "theme"])))
    from landuse._parallel import use_scheduler

    with _no_gc(), use_scheduler(settings.scheduler):
        if mode_name == "vector":
            zone, mask, area_m2, face_frame, outside_km2, grid, transform, samples = _vector(
                features, zones, themes, weights, method, settings, faces_choice)  # type: ignore[arg-type]
        else:
            zone, mask, area_m2, face_frame, outside_km2, grid, transform, samples = _raster(
                features, zones, themes, weights, method, resolution, settings, oversample,
                faces_choice)  # type: ignore[arg-type]
    per_kommun, county, theme_area, kommun_area = _aggregate(zone, mask, area_m2, themes, weights, zones,
                                                             set(schematic_themes))
    _warn_empty_themes(features, theme_area, mode_name, resolution)
    return ConflictResult(faces=face_frame, pairs_per_kommun=per_kommun, pairs=county, theme_area=theme_area,
                          kommun_area=kommun_area, themes=tuple(themes), mode=mode_name,  # type: ignore[arg-type]
                          score_method=method, resolution_m=resolution if mode_name == "raster" else None,  # type: ignore[arg-type]
                          schematic_themes=schematic_themes, outside_km2=outside_km2, score_grid=grid,
                          transform=transform, oversample=samples)


def _warn_empty_themes(features: gpd.GeoDataFrame, theme_area: pd.DataFrame, mode: str, resolution_m: float) -> None:
    """Warn for each theme whose features have area but whose area inside the kommuner is 0.

    Such a theme contributes no pair at all, typically a file covering another region
    or in a CRS that put it elsewhere; without the warning the run would look complete.
    """
    empty = theme_area.loc[theme_area["area_km2"] <= 0, "theme"].tolist()
    for theme in empty:
        rows = features[features["theme"] == theme]
        area_km2 = float(shapely.area(np.asarray(rows.geometry.values, dtype=object)).sum() / 1e6)
        if area_km2 <= 0:
            continue
        layers = ", ".join(f"`{name}`" for name in pd.unique(rows["layer"].astype(str)))
        where = "lie outside the kommuner analysed" if mode == "vector" else (
            f"lie outside the kommuner analysed or cover no sample point at {resolution_m:g} m "
            "(a finer --resolution or a larger --oversample samples more densely)")
        warnings.warn(
            f"Theme {theme!r} (layer {layers}) contributes nothing: all {len(rows)} of its features "
            f"({area_km2:,.1f} km²) {where}, so its area and every pair with it are 0. "
            "If the layer is your file, check that it covers these kommuner and that its CRS is right; "
            "otherwise choose other kommuner (--kommun).",
            PartialLossWarning, stacklevel=3)


def _zones(kommuner: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if "kommun" not in kommuner.columns and "name" in kommuner.columns:
        kommuner = kommuner.rename(columns={"name": "kommun"})
    missing = [c for c in ("kommun_code", "kommun") if c not in kommuner.columns]
    if missing:
        raise ColumnNotFoundError(
            f"kommuner has no column {', '.join(missing)}. Columns found: {', '.join(map(str, kommuner.columns))}. "
            "Pass kommun boundaries with kommun_code and kommun (or name), e.g. load_kommuner()."
        )
    if kommuner.crs is None:
        raise MissingCRSError("kommuner has no CRS. Set it before the analysis (EPSG:3006).")
    zones = kommuner.to_crs(WORK_CRS) if not kommuner.crs.equals(WORK_CRS) else kommuner
    geoms = np.asarray(zones.geometry.values, dtype=object)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = [_polygonal_parts(g) for g in shapely.make_valid(geoms[invalid])]
    return gpd.GeoDataFrame({"kommun_code": zones["kommun_code"].astype(str).to_numpy(),
                             "kommun": zones["kommun"].astype(str).to_numpy()}, geometry=geoms, crs=WORK_CRS)


# --------------------------------------------------------------------------- output


def write_conflicts(result: ConflictResult, out_dir: str | Path) -> list[Path]:
    """Write the outputs of a run into ``out_dir``, each file atomically.

    Writes ``malkonflikter.gpkg`` (layers ``faces`` and ``pairs_per_kommun``),
    ``malkonflikter_per_kommun.csv`` (:data:`PAIR_COLUMNS`) and, in raster mode,
    ``malkonflikter_score.tif`` (float32 score, nodata -1 outside the kommuner).
    A vector run deletes a ``malkonflikter_score.tif`` left in ``out_dir`` by an
    earlier raster run, so the folder never mixes two runs; the deleted path is
    appended to ``result.removed``.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = result.pairs_per_kommun[PAIR_COLUMNS]
    faces = result.faces[FACE_COLUMNS + ["geometry"]]
    run = (f"{result.mode} run" + (f" at {result.resolution_m:g} m" if result.resolution_m else "")
           + f", score={result.score_method}, themes {', '.join(result.themes)}")
    if result.schematic:
        # the mark travels with the run even when no face is written (--faces none)
        run += (f"; themes {', '.join(result.schematic_themes)} rest on SCHEMATIC demo data, so the figures are "
                "illustrative only (schematisk)")
    descriptions = {"faces": f"Målkonflikt faces of one kommun and theme set; {run}",
                    "pairs_per_kommun": f"Overlap area (km²) per kommun and theme pair; {run}"}
    written = [write_gpkg({"faces": faces, "pairs_per_kommun": table}, out_dir / CONFLICT_FILES["gpkg"],
                          descriptions=descriptions),
               write_csv(table, out_dir / CONFLICT_FILES["csv"])]
    tif = out_dir / CONFLICT_FILES["tif"]
    if result.score_grid is not None:
        from landuse._rasterize import write_score_tif

        written.append(write_score_tif(result.score_grid, result.transform, tif))
    elif tif.exists():
        # a score grid left by an earlier raster run would pass for this vector run's
        tif.unlink()
        result.removed.append(tif)
    return written


def demo_step(out_dir: Path, *, settings: Settings | None = None) -> list[str]:
    """Demo step: the målkonflikt analysis of the embedded layers, per kommun.

    Writes ``malkonflikter.gpkg`` and ``malkonflikter_per_kommun.csv`` into
    ``out_dir`` and returns the summary lines (figures on schematic inputs are
    marked "schematisk").
    """
    settings = resolve(settings)
    matrix = read_conflict_matrix(settings=settings)
    layers = load_interest_layers(matrix=matrix, settings=settings)
    result = conflicts_from_layers(layers, matrix, settings=settings)
    written = write_conflicts(result, out_dir)
    kommuner = result.pairs_per_kommun["kommun_code"].nunique()
    lines = [f"wrote {', '.join(p.name for p in written)}: {len(result.faces)} faces, "
             f"{len(result.pairs_per_kommun)} kommun x pair rows for {kommuner} kommuner"
             + (" [schematisk]" if result.schematic else "")]
    return lines + result.summary_lines()
