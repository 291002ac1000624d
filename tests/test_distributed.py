"""The målkonflikt engine on a real dask.distributed cluster (LocalCluster, 2 worker processes).

The cluster runs the tile tasks (shared inputs scattered once), the pair areas equal the
local run's, a worker lost mid-task is replaced and its task run again, and a client is
taken for the scheduler only when it is dask's scheduler.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

distributed = pytest.importorskip("distributed")

from click.testing import CliRunner  # noqa: E402

from landuse._parallel import active_client, parallel_map, use_scheduler  # noqa: E402
from landuse.cli import cli  # noqa: E402

KEY = ["kommun_code", "theme_a", "theme_b"]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0", silence_logs=50) as local:
        yield local


@pytest.fixture(scope="module")
def local_pairs(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("local")
    result = CliRunner().invoke(cli, ["-q", "conflicts", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out / "malkonflikter_per_kommun.csv", dtype={"kommun_code": str}).set_index(KEY)


def _tasks_seen(cluster) -> list[str]:  # noqa: ANN001 - LocalCluster
    """Keys of every task the scheduler has run (its task stream)."""
    with distributed.Client(cluster, set_as_default=False) as client:
        return client.run_on_scheduler(lambda dask_scheduler: [str(t["key"]) for t in
                                                               dask_scheduler.plugins["task-stream"].buffer])


def _pairs_equal(out: Path, local: pd.DataFrame) -> None:
    remote = pd.read_csv(out / "malkonflikter_per_kommun.csv", dtype={"kommun_code": str}).set_index(KEY)
    assert remote.index.equals(local.index)
    assert remote["area_km2"].to_numpy() == pytest.approx(local["area_km2"].to_numpy(), rel=1e-9)


def test_conflicts_on_the_cluster_match_the_local_run(cluster, local_pairs, tmp_path):
    with distributed.Client(cluster, set_as_default=False) as client:
        client.run_on_scheduler(_start_task_stream)
    out = tmp_path / "remote"
    result = CliRunner().invoke(cli, ["-q", "conflicts", "--scheduler", cluster.scheduler_address, "--out", str(out)])
    assert result.exit_code == 0, result.output
    _pairs_equal(out, local_pairs)
    keys = _tasks_seen(cluster)
    assert any("_tile_job" in key for key in keys), keys  # the tiles ran on the cluster, not here
    assert f"tasks ran on the dask cluster at {cluster.scheduler_address} (2 workers)" in result.output


def _start_task_stream(dask_scheduler) -> None:  # noqa: ANN001 - distributed.Scheduler
    from distributed.diagnostics.task_stream import TaskStreamPlugin

    if "task-stream" not in dask_scheduler.plugins:
        dask_scheduler.add_plugin(TaskStreamPlugin(dask_scheduler))


def test_dask_scheduler_address_is_read_like_dask_reads_it(cluster, local_pairs, tmp_path, monkeypatch):
    import dask

    out = tmp_path / "env"
    with dask.config.set({"scheduler-address": cluster.scheduler_address}):
        result = CliRunner().invoke(cli, ["-q", "conflicts", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _pairs_equal(out, local_pairs)
    assert os.environ.get("DASK_SCHEDULER_ADDRESS") is None  # nothing leaked into the environment


def test_raster_mode_on_the_cluster_matches_the_local_run(cluster, tmp_path):
    args = ["-q", "conflicts", "--mode", "raster", "--resolution-m", "1000", "--kommun", "Kiruna"]
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert CliRunner().invoke(cli, [*args, "--out", str(local)]).exit_code == 0
    result = CliRunner().invoke(cli, [*args, "--scheduler", cluster.scheduler_address, "--out", str(remote)])
    assert result.exit_code == 0, result.output
    left = pd.read_csv(local / "malkonflikter_per_kommun.csv", dtype={"kommun_code": str})
    right = pd.read_csv(remote / "malkonflikter_per_kommun.csv", dtype={"kommun_code": str})
    pd.testing.assert_frame_equal(left, right)  # the same grid, cell for cell


def _die_once(shared: dict, item: int) -> float:
    """Kill this worker process the first time item 0 runs; its area otherwise."""
    marker = Path(shared["marker"])
    if item == 0 and not marker.exists():
        marker.write_text("died once")
        os._exit(1)  # the worker is lost mid-task; the nanny starts a new one
    return float(shapely.area(shared["geoms"][item]))


def test_a_lost_worker_is_replaced_and_the_result_is_unchanged(cluster, tmp_path):
    geoms = np.array([shapely.box(0, 0, i + 1, i + 1) for i in range(6)])
    shared = {"geoms": geoms, "marker": str(tmp_path / "marker")}
    seen: list[int] = []
    with use_scheduler(cluster.scheduler_address):
        out = parallel_map(_die_once, list(range(6)), shared, on_done=lambda done, total: seen.append(done))
    assert (tmp_path / "marker").exists()  # a worker did die
    assert out == [float((i + 1) ** 2) for i in range(6)]
    assert seen == [1, 2, 3, 4, 5, 6]


def test_a_client_counts_only_when_it_is_the_scheduler(cluster):
    import dask

    assert active_client() is None
    with distributed.Client(cluster) as client:  # the default client: dask's scheduler
        assert active_client() is client
        with dask.config.set(scheduler="threads"):  # the user chose threads: no cluster
            assert active_client() is None
        with dask.config.set(scheduler="sync"):
            assert active_client() is None


def test_a_scheduler_that_does_not_answer_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["-q", "conflicts", "--scheduler", "tcp://127.0.0.1:9", "--out",
                                      str(tmp_path / "o")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "scheduler tcp://127.0.0.1:9 (--scheduler or DASK_SCHEDULER_ADDRESS): nothing " \
        "answers there" in lines[0], result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("address", ["nonsense", "http://127.0.0.1:8786", "tcp://127.0.0.1:99999", "tcp://:8786"])
def test_a_malformed_scheduler_address_is_a_usage_error_at_once(tmp_path, address):
    result = CliRunner().invoke(cli, ["-q", "conflicts", "--scheduler", address, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "is not a dask scheduler address" in lines[0] and "tcp://HOST:PORT" in lines[0]


def test_a_malformed_environment_address_names_the_variable(tmp_path, monkeypatch):
    import dask

    with dask.config.set({"scheduler-address": "bad"}):
        result = CliRunner().invoke(cli, ["-q", "conflicts", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: DASK_SCHEDULER_ADDRESS 'bad' is not a dask scheduler address")


def test_a_scheduler_without_workers_says_to_start_them(tmp_path, monkeypatch):
    import landuse._parallel as parallel

    monkeypatch.setattr(parallel, "WORKER_WAIT_S", 1)
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=":0", silence_logs=50) as empty:
        result = CliRunner().invoke(cli, ["-q", "conflicts", "--scheduler", empty.scheduler_address,
                                          "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: scheduler {empty.scheduler_address} has no workers (none joined within "
                                     f"1 s). Start some: `dask worker {empty.scheduler_address}` on each machine.")


def test_shared_inputs_travel_as_wkb_and_survive_a_second_trip():
    import pickle

    from landuse._parallel import _Shipped

    geoms = np.array([shapely.box(0, 0, i + 1, i + 1) for i in range(5)] + [None], dtype=object)
    shipped = pickle.loads(pickle.dumps(_Shipped({"geoms": geoms, "theme": np.arange(6), "n": 2})))
    for trip in (shipped, pickle.loads(pickle.dumps(shipped))):  # decoded on a worker, then sent on
        inputs = trip.inputs()
        assert [g.area for g in inputs["geoms"][:5]] == [float((i + 1) ** 2) for i in range(5)]
        assert inputs["geoms"][5] is None and inputs["n"] == 2 and list(inputs["theme"]) == list(range(6))
