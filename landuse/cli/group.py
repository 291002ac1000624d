"""The ``landuse`` click group: logging from ``-v``/``-q``, and every failure as one line.

The commands live one per module beside this one and are added to the group in
:mod:`landuse.cli`.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import sys
import threading
import warnings

import click

from landuse.cli._options import QUIET_RULE, quiet_option, verbose_option
from landuse.errors import LanduseError

__all__ = ["cli"]

#: errno values of a full disk or an exhausted quota.
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


class _LanduseGroup(click.Group):
    """A group whose every failure is one line on stderr (``-v`` shows the traceback).

    * a :class:`~landuse.errors.LanduseError`: ``Error: <message>``, exit code 1;
    * anything else raised while a command runs (a library's exception, a bug):
      ``internal error: <type>: <message> (run with -v for the traceback)``, exit 1;
    * a usage error (unknown option, bad value): click's message and where the help
      is, on one line, exit code 2.
    """

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        verbosity = ctx.params.get("verbose", 0) - ctx.params.get("quiet", 0)
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _show_warning
                warnings.simplefilter("default")
                return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # the reader closed the pipe (`| head`): end quietly, as SIGPIPE ends any Unix tool (128 + 13)
            _silence_output()
            ctx.exit(141)
        except LanduseError as err:
            if verbosity >= 1:  # -v: the traceback, for bug reports
                raise
            click.echo(f"Error: {_one_line(str(err))}", err=True)
            ctx.exit(1)
        except Exception as err:  # noqa: BLE001 - the CLI's last line of defence
            if verbosity >= 1:
                raise
            if isinstance(err, OSError) and err.errno in _DISK_FULL:  # no bug: say where, and what to do
                where = f"writing `{err.filename}`" if err.filename else "writing the output"
                click.echo(f"Error: {err.strerror} ({where}). Free space on that disk or write elsewhere.", err=True)
            else:
                click.echo(f"internal error: {type(err).__name__}: {_one_line(str(err))} "
                           f"(run `landuse -v {ctx.invoked_subcommand or ''} …` for the traceback)", err=True)
            ctx.exit(1)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: ANN001
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        if threading.current_thread() is threading.main_thread():
            # `kill` (SIGTERM) ends a run without half-written files: see _terminated
            global _HANDLER_PID
            _HANDLER_PID = os.getpid()
            signal.signal(signal.SIGTERM, _terminated)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.UsageError as err:
            if type(err).__name__ == "NoArgsIsHelpError" and err.ctx is not None:  # bare `landuse`: its help
                click.echo(err.ctx.get_help())
                sys.exit(0)
            where = err.ctx.command_path if err.ctx is not None else (prog_name or "landuse")
            click.echo(f"Error: {_one_line(err.format_message())} (see `{where} --help`)", err=True)
            sys.exit(err.exit_code)
        except click.exceptions.ClickException as err:
            click.echo(f"Error: {_one_line(err.format_message())}", err=True)
            sys.exit(err.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


#: The process that installed the SIGTERM handler (forked workers inherit the handler, not the job).
_HANDLER_PID: int | None = None


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM: remove the run's staging folder and temporary files, then exit 143 as the shell expects.

    Done here and at once, not by raising an exception, which a library's catch-all
    or a finalizer could swallow.  A forked worker (dask's pool ends its workers with
    SIGTERM) just exits: the run's files belong to the parent.  While the finished
    files are being renamed into ``--out`` (milliseconds), the exit waits for the
    last rename, so the folder holds one run, the old or the new, never parts of both.
    """
    if os.getpid() == _HANDLER_PID:
        from landuse._io import defer_while_moving, remove_unfinished

        if defer_while_moving(lambda: _terminated(signum, None)):
            return
        remove_unfinished()
    os._exit(128 + signum)


def _silence_output() -> None:
    """Point stdout and stderr at the null device, so that no later write or flush fails again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError):  # a stream without a file descriptor (a test runner's buffer)
            pass
    os.close(devnull)


def _one_line(message: str) -> str:
    """Fold a message onto one line (library messages sometimes span several)."""
    return " ".join(message.split())


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    # -q raises the level of the landuse logger above WARNING: this is where -q hides warnings
    if logging.getLogger("landuse").isEnabledFor(logging.WARNING):
        click.echo(f"warning: {message}", err=True)


@click.group(cls=_LanduseGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=f"Output: a command prints its result on stdout; warnings, progress and errors go to stderr. "
                    f"{QUIET_RULE} An error is one line and exit code 1 (-v: its traceback); a usage error, "
                    "exit code 2.")
@verbose_option
@quiet_option
@click.version_option(package_name="landuse")
def cli(verbose: int, quiet: int) -> None:
    """Land-use conflict and accessibility analysis for Norrbotten.

    \b
    $ landuse layers list
    $ landuse demo --out out
    $ landuse -q conflicts --out out
    """
    level = logging.WARNING - 10 * verbose + 10 * quiet
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(message)s", stream=sys.stderr)
    logging.getLogger("landuse").setLevel(max(level, logging.DEBUG))
