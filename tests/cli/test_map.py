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


def test_map_out_an_existing_file_that_is_no_map_names_both_choices(work):
    # --out takes an .html file or a folder: an existing other file is neither
    line = fails_in_one_line(work, ["map", "--out", "{d}/a_file"], out=False)
    assert line.startswith("Error: --out ") and "is an existing file that is not a map" in line, line
    assert "an .html file" in line and "a folder" in line
    line = fails_in_one_line(work, ["map", "--out", "{d}/table.csv"], out=False)
    assert "is an existing file that is not a map" in line, line


def test_a_map_written_into_an_output_folder_joins_its_datapackage(tmp_path):
    import hashlib
    import json

    from landuse.datapackage import write_datapackage

    from test_maps import write_synthetic_outputs

    folder = write_synthetic_outputs(tmp_path / "out", include=("layers",))
    write_datapackage(folder)
    before = {r["path"] for r in json.loads((folder / "datapackage.json").read_text())["resources"]}
    result = CliRunner().invoke(cli, ["-q", "map", "--from", str(folder), "--out", str(folder), "--no-gtfs"])
    assert result.exit_code == 0, result.output
    resources = {r["path"]: r for r in json.loads((folder / "datapackage.json").read_text())["resources"]}
    assert set(resources) == before | {"strukturbild.html"}
    html = (folder / "strukturbild.html").read_bytes()
    assert resources["strukturbild.html"]["hash"] == "sha256:" + hashlib.sha256(html).hexdigest()
    assert resources["strukturbild.html"]["bytes"] == len(html)
    # a folder that is no landuse output folder gets the map only
    plain = tmp_path / "plain"
    plain.mkdir()
    result = CliRunner().invoke(cli, ["-q", "map", "--from", str(folder), "--out", str(plain / "karta.html"),
                                      "--no-gtfs"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in plain.iterdir()) == ["karta.html"]


def test_map_out_empty_is_refused_and_an_existing_folder_is_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["-q", "map", "--out", "", "--no-gtfs"])
    assert result.exit_code == 2 and "Invalid value for '--out': is empty" in result.output
    assert list(tmp_path.iterdir()) == []
    folder = tmp_path / "kartor.html"  # a folder, though its name ends in .html
    folder.mkdir()
    result = CliRunner().invoke(cli, ["-q", "map", "--out", str(folder), "--no-gtfs", "--no-car"])
    assert result.exit_code == 0, result.output
    assert (folder / "strukturbild.html").is_file()
    # what the user left out on purpose is not reported as missing
    (missing,) = [line for line in result.output.splitlines() if line.startswith("missing")]
    assert "GTFS" not in missing and "access_car" not in missing and "access_transit" in missing


def test_a_map_into_a_folder_the_system_refuses_is_one_line(tmp_path):
    # /proc takes no new files: the writer's temporary file fails before any map is written
    result = CliRunner().invoke(cli, ["-q", "map", "--out", "/proc/landuse_karta.html", "--no-gtfs"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: cannot write /proc/landuse_karta.html"), lines
    assert "internal error" not in result.output and ".landuse_karta." not in result.output


def test_a_map_into_a_folder_with_a_broken_datapackage_warns_and_leaves_it(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "datapackage.json").write_text("{bad", encoding="utf-8")
    result = CliRunner().invoke(cli, ["map", "--out", str(folder), "--no-gtfs"])
    assert result.exit_code == 0, result.output
    assert (folder / "strukturbild.html").is_file() and (folder / "datapackage.json").read_text() == "{bad"
    warned = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1 and "datapackage.json is no valid JSON, so the map is not added to it" in warned[0]
