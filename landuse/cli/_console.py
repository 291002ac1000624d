"""The rich console of the commands' results (tables, summary lines) on stdout.

Two differences from a plain ``rich.console.Console``:

* output that goes to a file or a pipe is not wrapped or folded at 80 columns (a
  terminal wraps long lines itself; a script greps whole lines and rows); a set
  ``COLUMNS`` still chooses the width, as rich reads it;
* a reader that closes the pipe early (``landuse layers list | head -3``) raises
  :class:`BrokenPipeError`, which the group turns into a quiet exit with code 141,
  as for any Unix tool ended by SIGPIPE; rich's default would exit with code 1
  and no message.
"""

from __future__ import annotations

import errno
import os
import sys

from rich.console import Console

__all__ = ["output_console"]

#: Columns of the results when stdout is no terminal: wide enough never to fold a row.
PIPE_WIDTH = 1000


class _ResultConsole(Console):
    def on_broken_pipe(self) -> None:  # rich's documented hook for a closed pipe
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def output_console() -> Console:
    """A console on stdout for a command's results (see the module's notes)."""
    piped = (sys.stdout is None or not sys.stdout.isatty()) and "COLUMNS" not in os.environ
    return _ResultConsole(width=PIPE_WIDTH if piped else None)
