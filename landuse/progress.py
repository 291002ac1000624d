"""Progress bars on stderr for the long phases of a run (rich), silent in logs and CI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from landuse.settings import Settings, resolve

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(settings: Settings | None, description: str) -> Iterator[Callable[[int, int], None]]:
    """Yield ``update(done, total)`` driving a transient progress bar on stderr.

    Parameters
    ----------
    settings : Settings, optional
        ``Settings.progress`` False turns every bar off (``landuse -q``).
    description : str
        What the phase does, e.g. ``"overlaying dissolved themes"``.

    Yields
    ------
    callable
        ``update(done, total)``; a phase that never calls it shows a running
        timer (a spinner) until it ends.  A no-op when progress is off or stderr
        is not a terminal (logs, CI).
    """
    console = None
    if resolve(settings).progress:
        from rich.console import Console

        console = Console(stderr=True)
    if console is None or not console.is_terminal:
        yield lambda done, total: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)
