"""Compiled kernels of the transit router: a reverse profile connection scan and its lookup.

Plumbing for :mod:`landuse.access.transit_router`; the semantics are documented there.  All times are
float64 seconds of the service day; ``inf`` means unreachable.

Profiles are stored per stop in one flat array (CSR): the entries of stop ``s`` sit at
``ptr[s] .. ptr[s] + length[s]`` with *decreasing* departure time and strictly
*decreasing* arrival time, so "the earliest arrival when ready to board at ``s`` at time
``q``" is the arrival of the last entry whose departure is ``>= q``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["profile_scan", "profile_lookup", "earliest_arrivals"]


@njit(cache=True, nogil=True)
def profile_lookup(ptr, length, dep, arr, stop, q):
    """Earliest arrival at the target when ready to board at ``stop`` at time ``q``."""
    n = length[stop]
    if n == 0:
        return np.inf
    base = ptr[stop]
    if dep[base + n - 1] >= q:  # the earliest departure is still late enough
        return arr[base + n - 1]
    if dep[base] < q:  # even the latest departure has gone
        return np.inf
    # invariant: dep[base + lo] >= q > dep[base + hi]
    lo = 0
    hi = n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if dep[base + mid] >= q:
            lo = mid
        else:
            hi = mid
    return arr[base + lo]


@njit(cache=True, nogil=True)
def profile_scan(c_dep_stop, c_arr_stop, c_dep, c_arr, c_trip, c_board, c_alight, n_trips,
                 egress, nb_ptr, nb_stop, nb_time, ptr, length, dep, arr):
    """Fill the board profiles of every stop towards one target.

    Connections must be sorted ascending by (departure, arrival, trip, sequence); they are
    scanned backwards.  ``egress[s]`` is the walk time from stop ``s`` to the target
    (inf beyond the walk limit); ``nb_*`` (CSR) list for each stop the stops one may
    board after alighting there, with the transfer time.  ``ptr`` must leave room for
    every boardable connection of each stop.  ``length``, ``dep``, ``arr`` are outputs.
    """
    trip_best = np.full(n_trips, np.inf)
    length[:] = 0
    for i in range(c_dep.shape[0] - 1, -1, -1):
        trip = c_trip[i]
        best = trip_best[trip]
        if c_alight[i]:
            v = c_arr_stop[i]
            tau = c_arr[i]
            cand = tau + egress[v]
            if cand < best:
                best = cand
            for k in range(nb_ptr[v], nb_ptr[v + 1]):
                cand = profile_lookup(ptr, length, dep, arr, nb_stop[k], tau + nb_time[k])
                if cand < best:
                    best = cand
        trip_best[trip] = best
        if c_board[i] and best < np.inf:
            u = c_dep_stop[i]
            n = length[u]
            base = ptr[u]
            if n == 0 or best < arr[base + n - 1]:
                if n > 0 and dep[base + n - 1] == c_dep[i]:
                    arr[base + n - 1] = best
                else:
                    dep[base + n] = c_dep[i]
                    arr[base + n] = best
                    length[u] = n + 1


@njit(cache=True, nogil=True)
def earliest_arrivals(acc_ptr, acc_stop, acc_walk, direct, times, ptr, length, dep, arr, out):
    """``out[o, k]``: earliest arrival at the target leaving origin ``o`` at ``times[k]``.

    ``acc_*`` (CSR) list each origin's stops within the walk limit with the walk time;
    ``direct[o]`` is the walk time straight to the target (inf beyond the limit).
    """
    for o in range(acc_ptr.shape[0] - 1):
        for k in range(times.shape[0]):
            t = times[k]
            best = t + direct[o]
            for j in range(acc_ptr[o], acc_ptr[o + 1]):
                cand = profile_lookup(ptr, length, dep, arr, acc_stop[j], t + acc_walk[j])
                if cand < best:
                    best = cand
            out[o, k] = best
