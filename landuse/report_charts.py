"""The charts of the demo report: målkonflikt area and the 60-minute share per kommun, as PNG.

Each chart is a matplotlib Figure drawn without pyplot (no global state) and written
atomically; figures from schematic data say "schematisk" in their title.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from landuse._io import atomic_path
from landuse.formatting import pair_label, schematic_suffix

__all__ = ["chart_access_per_kommun", "chart_conflicts_per_kommun"]


def _save(fig, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    return path


def chart_conflicts_per_kommun(table: pd.DataFrame, path: str | Path, *, schematic: bool = True,
                               top_pairs: int = 8) -> Path:
    """Stacked bars: målkonflikt area per kommun (km²) by theme pair, the ``top_pairs`` largest pairs named.

    Parameters
    ----------
    table : DataFrame
        The pair table (:data:`landuse.outputs.PAIR_COLUMNS`; ``area_km2`` in km²).
    path : path
        PNG to write (atomically).
    schematic : bool
        Title and a watermark say "schematisk" when True.
    top_pairs : int
        The pairs with the largest county area are named; the rest are "Övriga temapar".

    Returns
    -------
    Path
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    frame = table.assign(pair=[pair_label(a, b) for a, b in zip(table["theme_a"], table["theme_b"])])
    totals = frame.groupby("pair")["area_km2"].sum().sort_values(ascending=False)
    named = list(totals.index[:top_pairs])
    frame["pair"] = frame["pair"].where(frame["pair"].isin(named), "Övriga temapar")
    wide = frame.pivot_table(index="kommun", columns="pair", values="area_km2", aggfunc="sum", fill_value=0.0)
    wide = wide[[c for c in named + ["Övriga temapar"] if c in wide.columns]]
    wide = wide.loc[wide.sum(axis=1).sort_values().index]
    fig = Figure(figsize=(9, 6.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    left = np.zeros(len(wide))
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    for i, column in enumerate(wide.columns):
        colour = "#bbbbbb" if column == "Övriga temapar" else cmap(i % 10)
        ax.barh(wide.index, wide[column], left=left, label=column, color=colour)
        left += wide[column].to_numpy()
    ax.set_xlabel("Yta km² (summa av temaparens ytor)" + schematic_suffix(schematic))
    ax.set_title("Målkonfliktsyta per kommun och temapar" + schematic_suffix(schematic))
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    if schematic:
        fig.text(0.5, 0.5, "SCHEMATISK", fontsize=60, color="#cc0000", alpha=0.12, ha="center", va="center",
                 rotation=25)
    fig.tight_layout()
    return _save(fig, Path(path))


def chart_access_per_kommun(car: pd.DataFrame | None, transit: pd.DataFrame | None, path: str | Path, *,
                            minutes: float = 60, car_schematic: bool = True, transit_schematic: bool = False) -> Path:
    """Grouped bars: share of the population within ``minutes`` of the centralort, by car and by transit.

    Parameters
    ----------
    car, transit : DataFrame or None
        Indicator tables (:data:`landuse.outputs.INDICATOR_COLUMNS`; ``share_within`` 0–1);
        a mode without a table gets no bars.
    path : path
        PNG to write (atomically).
    minutes : float
        The threshold shown, in minutes.
    car_schematic, transit_schematic : bool
        The mode's legend entry says "schematisk" when True.

    Returns
    -------
    Path
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = []
    for table, label, colour, hatch, sch in ((car, "Bil", "#1f78b4", "//", car_schematic),
                                             (transit, "Kollektivtrafik", "#6a3d9a", "", transit_schematic)):
        if table is None:
            continue
        rows = table[np.isclose(pd.to_numeric(table["minutes"]), minutes)].set_index("kommun")
        series.append((label + schematic_suffix(sch), colour, hatch, rows["share_within"].astype(float)))
    kommuner = sorted(set().union(*[set(s[3].index) for s in series]) - {"Norrbottens län"})
    order = kommuner + (["Norrbottens län"] if any("Norrbottens län" in s[3].index for s in series) else [])
    fig = Figure(figsize=(9, 6.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = np.arange(len(order))
    height = 0.8 / max(len(series), 1)
    for i, (label, colour, hatch, values) in enumerate(series):
        ax.barh(y + i * height - 0.4 + height / 2, [100 * values.get(k, np.nan) for k in order], height=height,
                label=label, color=colour, hatch=hatch, edgecolor="white")
    ax.set_yticks(y, order)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"Andel av befolkningen i tätorter inom {minutes:g} min till centralort (%)")
    ax.set_title(f"Inom {minutes:g} minuter till centralort, per kommun"
                 + (" (bil: schematisk)" if car is not None and car_schematic else ""))
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _save(fig, Path(path))
