"""The ``landuse`` group: one-line failures, the one -q rule, shared options, and a light ``--help``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import landuse
import landuse.conflicts
from landuse.cli import _options, cli

from .conftest import one_error_line, snapshot

CLI_DIR = Path(landuse.__file__).parent / "cli"


def _commands(group: click.Group = cli, prefix: str = "") -> dict[str, click.Command]:
    """Every command under ``group`` by its path without ``landuse`` ("access car"), groups included."""
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        found[prefix + name] = command
        if isinstance(command, click.Group):
            found |= _commands(command, prefix + name + " ")
    return found


# --------------------------------------------------------------------------- failures


def test_a_library_exception_is_an_internal_error_line(work, monkeypatch) -> None:
    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(landuse.conflicts, "conflicts_from_layers", broken)
    before = snapshot(work)
    result = CliRunner().invoke(cli, ["-q", "conflicts", "--themes", "rennaring,energi", "--out", str(work / "out")])
    assert result.exit_code == 1
    assert one_error_line(result, prefix="internal error: ") == (
        "internal error: ZeroDivisionError: float division by zero (run `landuse -v conflicts …` for the traceback)")
    assert snapshot(work) == before
    verbose = CliRunner().invoke(cli, ["-v", "conflicts", "--themes", "rennaring,energi", "--out", str(work / "out")])
    assert verbose.exit_code == 1
    assert isinstance(verbose.exception, ZeroDivisionError), "-v lets the traceback through"


@pytest.mark.parametrize("args, expected", [
    (["conflicts", "--bogus"], "No such option '--bogus'"),
    (["conflicts", "--mode", "hexagons", "--out", "x"], "Invalid value for '--mode'"),
    (["access", "car", "--minutes", "soon", "--out", "x"], "Invalid value for '--minutes'"),
    (["access", "car", "--speed-factor", "0", "--out", "x"], "'--speed-factor': 0.0 is not in the range x>0"),
    (["access", "transit", "--max-walk-m", "-3", "--out", "x"], "'--max-walk-m': -3.0 is not in the range x>=0"),
    (["access", "transit", "--window", "09:00-06:00", "--out", "x"], "'--window': '09:00-06:00' ends before it"),
    (["access", "transit", "--date", "2023-02-30", "--out", "x"], "'--date': '2023-02-30' is not a date"),
    (["conflicts", "--mode", "raster", "--oversample", "4", "--out", "x"], "'--oversample': 4 is even"),
    (["conflicts", "--mode", "raster", "--resolution-m", "0", "--out", "x"], "'--resolution-m': 0.0 is not in the range x>0"),
])
def test_usage_errors_are_one_line_with_exit_code_2(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    line = one_error_line(result, code=2)
    assert expected in line and "--help`" in line, line


# --------------------------------------------------------------------------- the commands and their options


def test_commands_are_registered_and_named_after_their_command() -> None:
    commands = _commands()
    assert set(commands) == {"layers", "layers list", "layers check", "conflicts", "op-check", "access",
                             "access car", "access transit", "access trend", "map", "demo"}
    for path, command in commands.items():
        name = path.replace("-", "_").replace(" ", "_")
        assert command.callback.__name__ in (name, name + "_"), f"{path}: {command.callback.__name__}"


def test_shared_options_read_the_same_everywhere() -> None:
    """--source-crs, --out, THEME=PATH and --layer NAME: one declaration each, in landuse.cli._options."""
    by_name: dict[str, list[tuple[str, click.Parameter]]] = {}
    for path, command in _commands().items():
        for param in command.params:
            by_name.setdefault(param.opts[0] if param.opts else param.name, []).append((path, param))
    crs = by_name["--source-crs"]
    assert sorted(path for path, _ in crs) == ["access car", "access transit", "access trend", "conflicts",
                                               "layers check", "op-check"]
    for path, param in crs:
        assert param.metavar == "CRS" and param.help.startswith("CRS to assume for ") and "EPSG:3006" in param.help
    outs = [param for path, param in by_name["--out"] if path != "map"]  # map's --out is an HTML file or a folder
    assert len(outs) == 6 and all(p.callback is _options.ensure_out_dir for p in outs)
    theme_paths = [param for _, param in by_name["--layer"] + by_name["--interest"] if param.multiple]
    assert len(theme_paths) == 2 and all(p.callback is _options.parse_theme_paths for p in theme_paths)
    assert {path for path, param in by_name["--layer"] if not param.multiple} == {"layers check", "op-check"}


def test_every_numeric_option_names_its_unit() -> None:
    """A number in metres ends in -m, in km/h in -kph; --minutes and the counts and factors say theirs."""
    unitless = {"--oversample", "--top", "--speed-factor"}  # samples per cell side, rows, a factor
    for path, command in _commands().items():
        for param in command.params:
            if isinstance(param.type, (click.types.FloatParamType, click.types.IntParamType)) and not param.hidden:
                flag = param.opts[0]
                assert flag.endswith(("-m", "-kph", "-min")) or flag in unitless, f"{path} {flag}"


def test_out_output_files_are_replaced_not_refused() -> None:
    """No --overwrite: a command owns its files in --out and replaces them (OutputExistsError is gone)."""
    import landuse.errors

    assert not hasattr(landuse.errors, "OutputExistsError")
    assert all("--overwrite" not in (p.opts or []) for c in _commands().values() for p in c.params)


# --------------------------------------------------------------------------- -q, one rule


def test_help_states_the_quiet_rule() -> None:
    help_text = " ".join(CliRunner().invoke(cli, ["--help"]).output.split())
    assert " ".join(_options.QUIET_RULE.split()) in help_text


def test_quiet_is_read_in_one_place() -> None:
    """Commands ask landuse.cli._options.is_quiet; none reads ctx.obj or the flag itself."""
    for path in sorted(CLI_DIR.glob("*.py")):
        if path.name in ("_options.py", "group.py"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "ctx.obj" not in text and '"quiet"' not in text, path.name


# --------------------------------------------------------------------------- a light --help


def _imported_modules(*args: str) -> set[str]:
    """Top-level packages that ``landuse ARGS`` imports: ``python -X importtime -m landuse.cli ARGS``, a fresh process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(landuse.__file__).parents[1]), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "landuse.cli", *args],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Usage: landuse" in done.stdout
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "landuse.cli" in modules  # the measure works
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("args", [["--help"], ["conflicts", "--help"], ["access", "car", "--help"],
                                  ["access", "transit", "--help"], ["access", "trend", "--help"],
                                  ["op-check", "--help"], ["layers", "check", "--help"], ["map", "--help"],
                                  ["demo", "--help"]], ids=" ".join)
def test_help_imports_no_geopandas_shapely_or_pandas(args: list[str]) -> None:
    heavy = _imported_modules(*args) & {"geopandas", "shapely", "pandas", "numpy", "pyogrio", "rasterio"}
    assert not heavy, f"landuse {' '.join(args)} imports {sorted(heavy)}"


def test_an_empty_out_is_refused_before_anything_is_written(work) -> None:
    before = snapshot(work)
    result = CliRunner().invoke(cli, ["-q", "conflicts", "--out", ""])
    assert result.exit_code == 2
    assert "'--out': is empty; name the output folder" in one_error_line(result, code=2)
    assert snapshot(work) == before


def test_sigterm_removes_the_staging_folder(tmp_path) -> None:
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    exe = Path(sys.executable).with_name("landuse")
    run = subprocess.Popen([str(exe), "-q", "demo", "--out", str(out)], cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.landuse-*")) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.poll() is None, "the demo ended before its staging folder appeared"
    time.sleep(0.5)  # well inside the run: files are being written into the staging folder
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=60) == 143
    assert not list(tmp_path.glob(".out.landuse-*")) and not out.exists()


def test_sigterm_while_the_files_are_moved_into_out_waits_for_the_last_one(tmp_path) -> None:
    # stopping between two renames would leave --out with files of two runs: the exit waits (milliseconds)
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "import landuse.cli.group as group\n"
        "from landuse import _io\n"
        "group._HANDLER_PID = os.getpid()\n"
        "signal.signal(signal.SIGTERM, group._terminated)\n"
        "real, moved = os.replace, []\n"
        "def replace(a, b):\n"
        "    real(a, b)\n"
        "    moved.append(b)\n"
        "    if len(moved) == 1:\n"
        "        os.kill(os.getpid(), signal.SIGTERM)  # right after the first of three files is in place\n"
        "os.replace = replace\n"
        "with _io.staged_outputs(Path(sys.argv[1]), describe=False) as stage:\n"
        "    for name in ('a.txt', 'b.txt', 'c.txt'):\n"
        "        (stage.path / name).write_text('new run')\n"
        "print('not reached')\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (out / name).write_text("old run")
    env = {**os.environ, "PYTHONPATH": str(Path(landuse.__file__).parents[1])}
    done = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 143 and "not reached" not in done.stdout, done.stderr
    assert {p.name: p.read_text() for p in out.iterdir()} == {name: "new run" for name in ("a.txt", "b.txt", "c.txt")}
    assert not list(tmp_path.glob(".out.landuse-*"))


def _landuse(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(landuse.__file__).parents[1]), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "landuse.cli", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def test_the_entry_point_keeps_exit_codes_and_every_line_when_it_skips_teardown(tmp_path) -> None:
    # main() ends the process with os._exit after flushing: nothing printed may be lost, no code changed
    done = _landuse("--version", cwd=tmp_path)
    assert (done.returncode, done.stdout.strip()) == (0, f"landuse, version {landuse.__version__}")
    done = _landuse("nosuch", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.strip().startswith("Error: No such command")
    done = _landuse("layers", "check", "missing.gpkg", "--theme", "naturvard", cwd=tmp_path)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1 and "does not exist" in done.stderr
    done = _landuse("layers", "list", cwd=tmp_path)  # a long table through a pipe: all of it arrives
    assert done.returncode == 0
    assert done.stdout == CliRunner().invoke(cli, ["layers", "list"], terminal_width=80).stdout


def test_the_entry_point_collects_young_garbage_less_often(tmp_path) -> None:
    # every shapely geometry is tracked by the collector: at CPython's 700 the dense case lost 0.1 s to it
    from landuse.cli import GC_YOUNG_THRESHOLD

    code = ("import atexit, gc, sys; import landuse.cli as c; sys.argv = ['landuse', '--version']; "
            "atexit.register(lambda: print('threshold', gc.get_threshold())); c.main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(Path(landuse.__file__).parents[1])})
    assert done.returncode == 0, done.stderr
    threshold = done.stdout.strip().splitlines()[-1]
    assert threshold.startswith(f"threshold ({GC_YOUNG_THRESHOLD}, ") and GC_YOUNG_THRESHOLD > 700


@pytest.mark.parametrize("chosen", [None, "mimalloc"])
def test_the_entry_point_gives_arrow_the_system_allocator_unless_the_user_chose_one(tmp_path, chosen) -> None:
    # Arrow's mimalloc stalled 0.05 s on huge-page faults in some runs; the user's own choice wins
    import pyarrow

    from landuse.cli import ARROW_MEMORY_POOL

    if chosen and chosen not in pyarrow.supported_memory_backends():
        pytest.skip(f"this pyarrow has no {chosen}")
    code = ("import atexit, sys; import landuse.cli as c; sys.argv = ['landuse', '--version']; "
            "atexit.register(lambda: print('pool', __import__('pyarrow').default_memory_pool().backend_name)); "
            "c.main()")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    env.update({"ARROW_DEFAULT_MEMORY_POOL": chosen} if chosen else {})
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**env, "PYTHONPATH": str(Path(landuse.__file__).parents[1])})
    assert done.returncode == 0, done.stderr
    assert ARROW_MEMORY_POOL == "system"
    assert done.stdout.strip().splitlines()[-1] == f"pool {chosen or ARROW_MEMORY_POOL}"


def test_exit_waits_for_a_running_thread_like_a_normal_exit() -> None:
    import threading

    from landuse.cli import _exit_now

    release = threading.Event()
    worker = threading.Thread(target=release.wait, daemon=False)
    worker.start()
    try:
        with pytest.raises(SystemExit) as done:  # the normal exit path; os._exit would end pytest itself
            _exit_now(3)
        assert done.value.code == 3
    finally:
        release.set()
        worker.join()


@pytest.mark.parametrize("args", [["layers", "list"], ["layers", "check", "{data}/layers_3006.parquet",
                                                         "--theme", "naturvard"]])
def test_a_reader_that_closes_the_pipe_ends_the_command_quietly_with_141(tmp_path, args) -> None:
    # as SIGPIPE ends any Unix tool: no "internal error", no bare exit 1
    data = Path(__file__).parents[1] / "data"
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to stdout now fails with EPIPE
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(landuse.__file__).parents[1]), env.get("PYTHONPATH", "")])
    try:
        done = subprocess.run([sys.executable, "-m", "landuse.cli", *[a.format(data=data) for a in args]],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path, timeout=300)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


def test_closed_stdout_and_a_full_disk_are_no_internal_errors(tmp_path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(landuse.__file__).parents[1]), env.get("PYTHONPATH", "")])
    command = f"'{sys.executable}' -m landuse.cli layers list"
    closed = subprocess.run(["bash", "-c", command + " >&-"], capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=300)  # started with stdout closed: nothing to print to, no failure either
    assert (closed.returncode, closed.stderr) == (0, "")
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    full = subprocess.run(["bash", "-c", command + " > /dev/full"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert full.returncode == 1
    assert full.stderr.strip() == ("Error: No space left on device (writing the output). Free space on that disk or "
                                   "write elsewhere."), full.stderr
