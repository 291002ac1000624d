"""`landuse demo` through click's CliRunner: the folder check, and what -q does to the demo's log.

The demo itself (every engine on the embedded data) runs in the engine tests and in
``tests/test_wheel.py``; here :func:`landuse.demo.run_demo` is replaced by a stand-in
that records how the command calls it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import landuse.demo
from landuse.cli import cli


def test_unwritable_out_folder_fails_at_once_in_one_line(runner, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    result = runner.invoke(cli, ["demo", "--out", str(blocker / "out")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: --out ") and "is a file, so no folder can be made under it" in lines[0]


@pytest.fixture
def calls(monkeypatch) -> list[dict]:
    """Replace run_demo by a stand-in that logs two steps into the staging folder and writes nothing."""
    seen: list[dict] = []

    def fake_run_demo(out_dir: Path, *, settings=None, echo=print):  # noqa: ANN001, ANN202
        seen.append({"out_dir": out_dir, "settings": settings})
        echo(f"[1/1] step writing into {out_dir}")
        echo("    done in 0.0 s")
        return []

    monkeypatch.setattr(landuse.demo, "run_demo", fake_run_demo)
    return seen


@pytest.mark.parametrize("quiet", [False, True])
def test_the_step_log_is_progress_and_the_file_list_the_result(runner, tmp_path, calls, quiet):
    out = tmp_path / "out"
    result = runner.invoke(cli, [*(["-q"] if quiet else []), "demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert call["settings"].progress is not quiet  # -q: no progress bars in any step
    assert call["out_dir"] != out  # the staging folder, moved into --out at the end
    # the result alone on stdout; the step log is progress, on stderr (as --help says)
    assert result.stdout.splitlines() == [f"1 files in {out}: datapackage.json"]
    if quiet:
        assert "[1/1]" not in result.stderr
    else:  # the log names --out, never the staging folder
        assert f"[1/1] step writing into {out}" in result.stderr and str(call["out_dir"]) not in result.stderr
