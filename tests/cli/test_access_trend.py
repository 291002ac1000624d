"""`landuse access trend` through click's CliRunner: the contract on hand-made feeds, bad dates, -q."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
from click.testing import CliRunner

from landuse.cli import cli
from landuse.trend import TREND_COLUMNS

# the hand-made feeds of the engine tests: two timetables that differ by one trip
from test_trend import TRIPS, _feed, places  # noqa: F401, F811 - places is a fixture


def test_one_feed_gives_exactly_the_figures_of_access_transit(tmp_path: Path) -> None:
    from landuse.gtfs import EMBEDDED_FEEDS
    from landuse.settings import DATA_DIR

    feed = DATA_DIR / EMBEDDED_FEEDS[-1]
    runner = CliRunner()
    trend = runner.invoke(cli, ["access", "trend", "--gtfs", f"{feed}=2023-01-17", "--out", str(tmp_path / "t")])
    transit = runner.invoke(cli, ["access", "transit", "--gtfs", str(feed), "--date", "2023-01-17",
                                  "--out", str(tmp_path / "s")])
    assert trend.exit_code == 0 and transit.exit_code == 0, trend.output + transit.output
    a = pd.read_csv(tmp_path / "t" / "access_trend.csv", dtype={"kommun_code": str})
    b = pd.read_csv(tmp_path / "s" / "access_transit.csv", dtype={"kommun_code": str})
    assert list(a.columns) == TREND_COLUMNS
    assert set(a["feed"]) == {"2022-12-14"} and set(a["date"]) == {"2023-01-17"}
    pd.testing.assert_frame_equal(a.drop(columns=["feed", "date"]), b)


def test_cli_contract_and_bad_dates(tmp_path: Path, places) -> None:
    origins, targets = places
    feeds = [_feed(tmp_path / name, TRIPS, version=name) for name in ("v1", "v2")]
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["access", "trend", "--gtfs", str(feeds[0]), "--gtfs", f"{feeds[1]}=2024-03-14",
                                      "--population", str(origins), "--centralorter", str(targets),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["access_trend.csv", "access_trend.gpkg", "access_trend.png",
                                                     "datapackage.json"]
    table = pd.read_csv(out / "access_trend.csv", dtype={"kommun_code": str, "date": str})
    assert list(table.columns) == TREND_COLUMNS
    assert table.groupby("feed")["date"].first().to_dict() == {"v1": "2024-03-12", "v2": "2024-03-14"}
    assert [name for name, _ in pyogrio.list_layers(out / "access_trend.gpkg")] == [
        "origins", "kommun_changes", "origin_changes", "route_changes", "layer_styles"]
    assert (out / "access_trend.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = CliRunner().invoke(cli, ["access", "trend", "--gtfs", f"{feeds[0]}=2024-13-01", "--out", str(out)])
    assert bad.exit_code == 2 and "'2024-13-01' is not a date" in bad.output
    outside = CliRunner().invoke(cli, ["access", "trend", "--gtfs", f"{feeds[0]}=2025-01-01", "--out", str(out)])
    assert outside.exit_code == 1 and "=2025-01-01: the day is outside the feed's validity, 2024-03-01 to 2024-03-31" \
        in outside.output


def test_quiet_prints_the_changes_and_the_files(tmp_path: Path, places) -> None:
    """The changes between timetables are the result: -q prints them (one rule for every command)."""
    origins, targets = places
    feeds = [_feed(tmp_path / name, TRIPS if name == "a" else {t: v for t, v in TRIPS.items() if t != "t1"},
                   version=name) for name in ("a", "b")]
    args = ["access", "trend", "--gtfs", str(feeds[0]), "--gtfs", str(feeds[1]), "--population", str(origins),
            "--centralorter", str(targets)]
    loud = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "loud")])
    quiet = CliRunner().invoke(cli, ["-q", *args, "--out", str(tmp_path / "quiet")])
    assert loud.exit_code == 0 and quiet.exit_code == 0, loud.output + quiet.output
    assert quiet.stdout.replace(str(tmp_path / "quiet"), str(tmp_path / "loud")) == loud.stdout
    assert "linje 100" in quiet.stdout and f"wrote {tmp_path / 'quiet' / 'access_trend.csv'}" in quiet.stdout
    assert not quiet.stderr
