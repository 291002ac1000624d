"""The ``landuse`` command line: a thin click group, one module per command.

Each command parses options (the shared ones in :mod:`landuse.cli._options`), builds
:class:`~landuse.settings.Settings`, calls one library function and writes its
outputs.  A :class:`~landuse.errors.LanduseError` becomes one line on stderr and exit
code 1; ``-v`` shows the traceback.  Command modules import the engines inside the
command function only, so ``landuse --help`` loads no geopandas.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading

from landuse.cli import access, conflicts, demo, layers, op_check
from landuse.cli import map as map_command  # the module; `map` would shadow the builtin here
from landuse.cli.group import cli

__all__ = ["cli", "main"]

#: Container allocations between two young-generation garbage collections in the ``landuse`` process
#: (CPython's default is 700; see :func:`main`).
GC_YOUNG_THRESHOLD = 10_000
#: Arrow's memory pool in the ``landuse`` process (see :func:`main`).
ARROW_MEMORY_POOL = "system"

for _command in (layers.layers, conflicts.conflicts, op_check.op_check, access.access, map_command.map_,
                 demo.demo):
    cli.add_command(_command)


def main() -> None:
    """Console entry point: run the command, then end the process at once.

    Python's own teardown frees every object one by one, which after a large run
    does nothing the operating system does not do anyway: 0.1-0.3 s after the
    dense målkonflikt case (86 000 faces, 20 000 features).  When the command is
    done (its files fsynced and renamed by then), the atexit handlers run, the
    output streams are flushed and the process exits with the command's code
    (``os._exit``).  Should a non-daemon thread still run, the normal exit waits
    for it instead.

    The process also collects cyclic garbage less often (:data:`GC_YOUNG_THRESHOLD`):
    every shapely geometry is tracked by the collector, and with CPython's
    defaults the dense case spent 0.10-0.14 s in collections that freed next to
    nothing, 0.03-0.04 s with this threshold.

    Arrow (pandas' text columns, the faces' ``feature_ids``) allocates from the C
    library's allocator (:data:`ARROW_MEMORY_POOL`), unless the user chose a pool
    with ``ARROW_DEFAULT_MEMORY_POOL``.  Its bundled mimalloc asks the kernel for
    huge pages, and on machines that compact memory to provide them a 10 MB array
    took 0.05 s in one run and 0.01 s in the next; the system allocator takes
    0.01-0.02 s every time.  This applies to the ``landuse`` process only (pyarrow
    reads the variable when it is first imported, after this point).
    """
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", ARROW_MEMORY_POOL)
    try:
        cli(prog_name="landuse")
        code: int | str | None = 0
    except SystemExit as done:
        code = done.code
    _exit_now(code)


def _exit_now(code: int | str | None) -> None:
    """Exit as ``sys.exit(code)`` would, without freeing the objects one by one."""
    if any(t is not threading.main_thread() and t.is_alive() and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    if isinstance(code, str):  # sys.exit("text") prints the text and exits with 1
        print(code, file=sys.stderr)
    status = 0 if code is None else code if isinstance(code, int) else 1
    atexit._run_exitfuncs()  # what a normal exit runs first: logging's flush, multiprocessing's finalizers
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the stream closed (`>&-`)
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a pipe the reader closed (`| head`), or a closed stream: nowhere to write
            pass
    os._exit(status)
