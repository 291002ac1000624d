"""Shared helpers of the CLI tests: a runner, the one-line-error check, a CSV reader, a work folder.

Every command is run the way a planner runs it, through the ``landuse`` group (``cli``),
so its one-line errors and exit codes are what the tests see.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner, Result

from landuse.cli import cli

DATA = Path(__file__).parents[1] / "data"
X0, Y0 = 830_000.0, 7_290_000.0  # Luleå, EPSG:3006
#: An earlier run's table, left in ``out/`` by :func:`work`: a failed run must leave it as it is.
OLD = "kommun_code,kommun\n0000,left by an earlier run\n"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(*args: str) -> Result:
    """``landuse ARGS`` through the group, exceptions caught (as a planner's shell sees them)."""
    return CliRunner().invoke(cli, list(args))


def one_error_line(result: Result, *, code: int = 1, prefix: str = "Error: ") -> str:
    """The one line a failed command printed: exit ``code``, that line alone on stderr, nothing else, no traceback."""
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert [line for line in result.stderr.splitlines() if line.strip()] == lines, "the error goes to stderr"
    assert "Traceback" not in result.output
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


def read_csv(path: Path) -> pd.DataFrame:
    """An output table with plain pandas; codes and dates stay text (kommun_code 0180 keeps its 0)."""
    header = pd.read_csv(path, nrows=0).columns
    return pd.read_csv(path, dtype={c: str for c in ("kommun_code", "date") if c in header})


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes); folders as b'<dir>'."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A work folder with an earlier run's output in out/ and bad inputs beside it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "malkonflikter_per_kommun.csv").write_text(OLD, encoding="utf-8")
    (out / "access_car.csv").write_text(OLD, encoding="utf-8")
    boxes = [shapely.box(X0 + i * 2000, Y0, X0 + i * 2000 + 1000, Y0 + 1000) for i in range(3)]
    gpd.GeoDataFrame({"id": [1, None, 3], "namn": ["a", "b", "c"]}, geometry=boxes,
                     crs="EPSG:3006").to_file(tmp_path / "null_ids.gpkg")
    pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]}).to_csv(tmp_path / "table.csv", index=False)
    pyogrio.write_dataframe(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), tmp_path / "table.xlsx", driver="XLSX")
    points = [shapely.Point(X0, Y0), shapely.Point(X0 + 1000, Y0 + 1000)]
    gpd.GeoDataFrame({"pop": ["12", "tolv"]}, geometry=points, crs="EPSG:3006").to_file(tmp_path / "pop_text.gpkg")
    gpd.GeoDataFrame({"pop": [12, -5]}, geometry=points, crs="EPSG:3006").to_file(tmp_path / "pop_negative.gpkg")
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    return tmp_path


def fails_in_one_line(work: Path, args: list[str], *, out: bool = True) -> str:
    """Run ``landuse -q ARGS`` (``{d}`` is ``work``; ``--out work/out`` added when ``out``): one error line, exit 1.

    Returns the line, after checking that the failed run neither created, changed nor left
    any file under ``work``.
    """
    before = snapshot(work)
    args = [a.format(d=work) for a in args] + (["--out", str(work / "out")] if out else [])
    line = one_error_line(CliRunner().invoke(cli, ["-q", *args]))
    assert snapshot(work) == before, "a failed run must not create, change or leave any file"
    return line
