"""The conflict matrix: weights (0-3) and rationales between interest themes.

Read from ``analyses/malkonflikter.toml`` (or a user's copy, ``--config``) and
validated in one pass, every problem named in one message.  Used by the
målkonflikt engine (:mod:`landuse.conflicts`) and the ÖP-check (:mod:`landuse.opcheck`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from landuse.errors import ConfigError, InputFileNotFoundError, UnknownThemeError
from landuse.settings import Settings, resolve
from landuse.themes import INTEREST_THEMES, parse_theme

__all__ = ["DEFAULT_MATRIX", "ConflictMatrix", "read_conflict_matrix"]

#: File name of the shipped matrix in ``Settings.analyses_dir``.
DEFAULT_MATRIX = "malkonflikter.toml"


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
        """Weight between two themes; 0 for a theme with itself (never a conflict).

        Parameters
        ----------
        theme_a, theme_b : str
            Theme names of the matrix, in either order.

        Returns
        -------
        int
            0 (compatible) to 3 (severe conflict), as the matrix's ``[pairs]`` says.

        Raises
        ------
        ConfigError
            If the matrix has no weight for the pair.
        """
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
        """Symmetric matrix of weights for ``themes`` (zero diagonal).

        Parameters
        ----------
        themes : sequence of str
            Theme names of the matrix; their order is the order of rows and columns.

        Returns
        -------
        numpy.ndarray of int64
            Shape (n, n): ``out[i, j]`` is :meth:`weight` of ``themes[i]`` and ``themes[j]``.

        Raises
        ------
        ConfigError
            If a pair has no weight.
        """
        n = len(themes)
        out = np.zeros((n, n), dtype=np.int64)
        for i in range(n):
            for j in range(i + 1, n):
                out[i, j] = out[j, i] = self.weight(themes[i], themes[j])
        return out

    def op_themes(self, category: str) -> tuple[str, ...]:
        """Themes of an ÖP use category, matched case- and whitespace-insensitively.

        Parameters
        ----------
        category : str
            A planned-use category of the översiktsplan (e.g. ``"Verksamheter och industri"``).

        Returns
        -------
        tuple of str
            The themes ``[op_categories]`` maps it to.

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
        ``analyses_dir``: where the default matrix ``malkonflikter.toml`` lies.

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
