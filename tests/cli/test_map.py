"""`landuse map` through click's CliRunner: where the map goes, and failures in one line.

What the map draws is tested in ``tests/test_maps.py`` and, in a browser, ``tests/test_browser.py``.
"""

from __future__ import annotations

from click.testing import CliRunner

from landuse.cli import cli

from .conftest import fails_in_one_line


def test_map_from_a_missing_folder_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["map", "--from", str(tmp_path / "nope"), "--out", str(tmp_path / "m.html")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: --from ") and "no such folder" in lines[0]
    assert not (tmp_path / "m.html").exists()


def test_map_under_a_file_is_one_line_and_leaves_the_folder_untouched(work):
    line = fails_in_one_line(work, ["map", "--out", "{d}/a_file/karta.html"], out=False)
    assert line.startswith("Error: ") and "a_file: this is a file, not a folder" in line, line
