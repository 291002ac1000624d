"""Run independent tasks in parallel: locally on dask, or on a dask.distributed cluster.

Private plumbing of the engines (:mod:`landuse._overlay`, :mod:`landuse._rasterize`).
One function, :func:`parallel_map`, runs ``func(shared, item)`` for every item:

* on a **dask.distributed cluster** when one is in use — the client opened by
  :func:`use_scheduler` (``landuse conflicts --scheduler ADDRESS``, or
  ``DASK_SCHEDULER_ADDRESS`` as dask itself reads it), or a ``distributed.Client``
  that is dask's current scheduler.  ``shared`` is scattered to every worker once
  (not embedded in the task graph), each item is one future, progress advances as
  futures complete, and a task whose worker is lost is run again by the scheduler;
* otherwise on dask's local schedulers: forked worker processes that inherit
  ``shared`` copy-on-write (``processes=True``), or threads.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable

from landuse.errors import InvalidSettingError

__all__ = ["parallel_map", "use_scheduler", "active_client", "scheduler_address"]

#: Inputs of the running process-based calls, by call token; forked workers inherit the
#: registry copy-on-write and look their call's inputs up by its token, so concurrent
#: calls (two threads, a notebook and a web service) never see each other's.
_FORK_INPUTS: dict[int, dict] = {}
_FORK_INPUTS_LOCK = threading.Lock()
_CALL_TOKENS = itertools.count()
#: The client opened by use_scheduler in this context (thread / task).
_CLIENT: ContextVar[Any] = ContextVar("landuse_dask_client", default=None)
#: Seconds to wait for a scheduler to answer before telling the user it does not.
CONNECT_TIMEOUT_S = 10


def scheduler_address(option: str | None = None) -> str | None:
    """The dask scheduler to use: ``option`` if given, else ``DASK_SCHEDULER_ADDRESS``.

    Parameters
    ----------
    option : str, optional
        The ``--scheduler`` value.

    Returns
    -------
    str or None
        ``option``; else dask's config key ``scheduler-address``, which dask fills from
        the environment variable ``DASK_SCHEDULER_ADDRESS`` (empty means none); else None.

    Raises
    ------
    InvalidSettingError
        When the address is not ``[tcp://]HOST:PORT`` (:func:`check_address`).
    """
    if option:
        return check_address(option, "--scheduler")
    import dask

    configured = dask.config.get("scheduler-address", None) or os.environ.get("DASK_SCHEDULER_ADDRESS")
    return check_address(str(configured), "DASK_SCHEDULER_ADDRESS") if configured else None


def check_address(address: str, source: str = "--scheduler") -> str:
    """``address`` when it names a scheduler as ``[tcp://]HOST:PORT`` (or ``tls://``).

    Parameters
    ----------
    address : str
        What the user gave.
    source : str
        Where it came from, for the message (``--scheduler``, ``DASK_SCHEDULER_ADDRESS``).

    Returns
    -------
    str
        The address, with ``tcp://`` added when no protocol was given.

    Raises
    ------
    InvalidSettingError
        Naming ``source`` and the expected form.
    """
    text = str(address).strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    host, colon, port = rest.rpartition(":")
    if scheme not in ("tcp", "tls") or not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidSettingError(
            f"{source} {address!r} is not a dask scheduler address. Give it as tcp://HOST:PORT, "
            "e.g. tcp://10.0.0.5:8786 (the address `dask scheduler` prints)."
        )
    return f"{scheme}://{host}:{port}"


#: Seconds to wait for a connected scheduler to have a worker before telling the user it has none.
WORKER_WAIT_S = 10


def _probe(address: str) -> str | None:
    """None when something listens at ``address``; else why not (a plain TCP connect, no dask)."""
    import socket

    host, _, port = address.partition("://")[2].rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
            return None
    except OSError as err:
        return err.strerror or type(err).__name__


@contextmanager
def use_scheduler(address: str | None) -> Iterator[Any]:
    """Run every :func:`parallel_map` call inside the block on the cluster at ``address``.

    Parameters
    ----------
    address : str or None
        A dask scheduler address such as ``tcp://10.0.0.5:8786``; None runs locally.

    Yields
    ------
    distributed.Client or None
        The connected client (closed when the block ends), or None.

    Raises
    ------
    InvalidSettingError
        When the address is malformed, nothing answers there, the scheduler has no
        worker, or distributed is not installed; one line naming the fix.
    """
    if not address:
        yield None
        return
    address = check_address(address)
    try:
        from distributed import Client
    except ImportError as err:
        raise InvalidSettingError(
            f"scheduler {address}: dask.distributed is not installed. Install it (pip install distributed) "
            "or run without --scheduler."
        ) from err
    why = _probe(address)
    if why is not None:
        raise InvalidSettingError(
            f"scheduler {address} (--scheduler or DASK_SCHEDULER_ADDRESS): nothing answers there ({why}). "
            f"Start one (`dask scheduler`, then `dask worker {address}`) and pass its address, "
            "or run without --scheduler."
        )
    try:
        client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InvalidSettingError(
            f"scheduler {address}: no dask scheduler answered within {CONNECT_TIMEOUT_S} s ({reason}). "
            "Check that the address is a `dask scheduler`'s, or run without --scheduler."
        ) from None
    try:
        if not client.scheduler_info().get("workers"):
            try:
                client.wait_for_workers(1, timeout=WORKER_WAIT_S)
            except (TimeoutError, OSError):
                raise InvalidSettingError(
                    f"scheduler {address} has no workers (none joined within {WORKER_WAIT_S} s). "
                    f"Start some: `dask worker {address}` on each machine."
                ) from None
        token = _CLIENT.set(client)
        try:
            yield client
        finally:
            _CLIENT.reset(token)
    finally:
        client.close()


def active_client() -> Any:
    """The dask.distributed client tasks run on, or None for the local schedulers.

    The client of :func:`use_scheduler` when inside one; otherwise a
    ``distributed.Client`` only when it *is* dask's current scheduler (a client made
    the default with no ``dask.config.set(scheduler=...)`` pointing elsewhere).
    """
    client = _CLIENT.get()
    if client is not None:
        return client
    if "distributed" not in sys.modules:
        return None  # nobody made a client (and importing distributed to ask costs 0.3 s)
    from dask.base import get_scheduler
    from distributed import Client

    owner = getattr(get_scheduler(), "__self__", None)
    return owner if isinstance(owner, Client) else None


def _run_on_shared(func: Callable[[dict, object], object], token: int, item: object) -> object:
    return func(_FORK_INPUTS[token], item)


class _Shipped:
    """``shared`` as sent to a cluster: geometry arrays travel as one WKB buffer each.

    Pickling a shapely array calls Python once per geometry on both ends; one
    contiguous WKB buffer per array pickles at memory speed.  Each worker decodes
    the geometries once, on first use, and keeps them with the scattered object.
    """

    def __init__(self, shared: dict) -> None:
        import numpy as np
        import shapely

        self.plain: dict = {}
        self.wkb: dict[str, tuple[bytes, Any]] = {}
        for key, value in shared.items():
            if (isinstance(value, np.ndarray) and value.dtype == object and len(value)
                    and all(isinstance(v, shapely.Geometry) or v is None for v in value[:16])):
                self.wkb[key] = self._encode(value)
            else:
                self.plain[key] = value
        self._decoded: dict | None = None

    @staticmethod
    def _encode(geoms: Any) -> tuple[bytes, Any]:
        import numpy as np
        import shapely

        blobs = shapely.to_wkb(geoms)
        sizes = np.fromiter((len(b) if b is not None else -1 for b in blobs), dtype=np.int64, count=len(blobs))
        return b"".join(b for b in blobs if b is not None), sizes

    def __getstate__(self) -> dict:
        if self._decoded is not None and not self.wkb:  # sent on from a worker (a replica for a new worker)
            keys = [k for k in self._decoded if k not in self.plain]
            return {"plain": self.plain, "wkb": {k: self._encode(self._decoded[k]) for k in keys}}
        return {"plain": self.plain, "wkb": self.wkb}

    def __setstate__(self, state: dict) -> None:
        self.plain, self.wkb, self._decoded = state["plain"], state["wkb"], None

    def inputs(self) -> dict:
        if self._decoded is None:
            import numpy as np
            import shapely

            decoded = dict(self.plain)
            for key, (buffer, sizes) in self.wkb.items():
                ends = np.cumsum(np.maximum(sizes, 0))
                starts = ends - np.maximum(sizes, 0)
                blobs = np.array([buffer[a:b] if n >= 0 else None
                                  for a, b, n in zip(starts.tolist(), ends.tolist(), sizes.tolist())], dtype=object)
                decoded[key] = shapely.from_wkb(blobs)
            self._decoded = decoded
            self.wkb = {}  # the geometries now; the buffers would double the worker's memory
        return self._decoded


def _call(item: object, func: Callable[[dict, object], object], shipped: _Shipped) -> object:
    return func(shipped.inputs(), item)


def _on_cluster(client: Any, func: Callable[[dict, object], object], items: list, shared: dict,
                on_done: Callable[[int, int], None] | None) -> list:
    """One future per item on ``client``'s cluster; ``shared`` scattered to every worker once."""
    from distributed import as_completed

    # broadcast: every worker holds a replica, so losing one worker loses no input
    [shared_future] = client.scatter([_Shipped(shared)], broadcast=True, hash=False)
    name = getattr(func, "__name__", "task")
    run = uuid.uuid4().hex[:8]
    futures = [client.submit(_call, item, func, shared_future, key=f"landuse-{name}-{run}-{i}", pure=False)
               for i, item in enumerate(items)]
    position = {future.key: i for i, future in enumerate(futures)}
    results: list = [None] * len(items)
    try:
        for done, future in enumerate(as_completed(futures, loop=client.loop), start=1):
            results[position[future.key]] = future.result()
            if on_done is not None:
                on_done(done, len(items))
    finally:
        client.cancel(futures + [shared_future])
    return results


def parallel_map(func: Callable[[dict, object], object], items: list, shared: dict, *, workers: int | None = None,
                 processes: bool = False, on_done: Callable[[int, int], None] | None = None) -> list:
    """``[func(shared, item) for item in items]``, in parallel.

    Parameters
    ----------
    func : callable
        ``func(shared, item)``; a module-level function (it is pickled).
    items : list
        One task per item.
    shared : dict
        Read-only inputs of every task.
    workers : int, optional
        Threads or processes of the local scheduler; default the CPU count
        (1 runs serially in this thread).  Ignored on a cluster.
    processes : bool
        Locally, run the tasks on dask's multiprocessing scheduler with forked
        workers, which inherit ``shared`` copy-on-write instead of receiving a
        pickled copy; only items and results are pickled.  For tasks that hold the
        GIL part of the time (shapely's Python-level glue around GEOS).  Otherwise
        dask's threaded scheduler runs them: shapely 2 releases the GIL inside GEOS.
    on_done : callable, optional
        ``on_done(done, total)`` after each finished task (progress bars).

    Returns
    -------
    list
        The results in the order of ``items``.

    Notes
    -----
    With a cluster (:func:`active_client`) every call runs there, one task
    included, so a user sees the cluster at work.  Thread safety: calls from
    several threads at once are safe; forked workers are started only from the
    main thread (forking while other threads run can copy a lock held by one of
    them), from any other thread ``processes=True`` runs on threads instead.
    """
    if not items:
        return []
    client = active_client()
    if client is not None:
        return _on_cluster(client, func, items, shared, on_done)
    if len(items) == 1 or workers == 1:
        results = []
        for done, item in enumerate(items, start=1):
            results.append(func(shared, item))
            if on_done:
                on_done(done, len(items))
        return results
    import dask
    from dask.callbacks import Callback

    use_fork = (processes and "fork" in multiprocessing.get_all_start_methods()
                and threading.current_thread() is threading.main_thread())
    token = next(_CALL_TOKENS)
    if use_fork:
        tasks = [dask.delayed(_run_on_shared, pure=False)(func, token, item) for item in items]
    else:
        shared_node = dask.delayed(shared, traverse=False, name=f"landuse-shared-{token}")
        tasks = [dask.delayed(func, pure=False)(shared_node, item) for item in items]
    task_keys = {task.key for task in tasks}
    finished = [0]

    class _Progress(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):  # noqa: ANN001 - dask's signature
            if key in task_keys and on_done is not None:
                finished[0] += 1
                on_done(finished[0], len(items))

    import dask.multiprocessing
    import dask.threaded

    # the scheduler's get function itself: a name ("processes") makes dask import
    # distributed (0.2 s) just to look for a client we have already ruled out
    options: dict = {"num_workers": workers or os.cpu_count() or 1,
                     "scheduler": dask.multiprocessing.get if use_fork else dask.threaded.get}
    if use_fork:
        # dask's multiprocessing scheduler hands out tasks in batches of 6 by default: with
        # a few long tasks (one per theme) one worker would run 6 of 8 while the other idles
        options["chunksize"] = 1
        with _FORK_INPUTS_LOCK:
            _FORK_INPUTS[token] = shared
    try:
        with _Progress(), dask.config.set({"multiprocessing.context": "fork"}):
            return list(dask.compute(*tasks, **options))
    finally:
        if use_fork:
            with _FORK_INPUTS_LOCK:
                _FORK_INPUTS.pop(token, None)
