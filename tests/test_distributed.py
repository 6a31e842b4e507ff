"""Scale-out on Dask: a 2-process LocalCluster gives exactly the local results.

One cluster for the whole module (starting one costs ~2 s); runs are 2-4 chunks of 65,536.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask.distributed", reason='dask.distributed is not installed: pip install "escalation[dask]"')

from click.testing import CliRunner

from escalation import load_scenario
from escalation.analysis import run
from escalation.cli import cli
from escalation.compiled import compile_model
from escalation.distributed import (
    ClusterError,
    SchedulerUnreachableError,
    _walk_chunk,
    connect,
    map_ordered,
    run_chunks,
)
from escalation.engines.montecarlo import CHUNK_SIZE, ChunkJob, simulate
from escalation.errors import MissingDependencyError

UNREACHABLE = "tcp://127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture(scope="module")
def client():
    with connect(local=True, n_workers=2) as c:
        c.wait_for_workers(2, timeout=60)
        yield c


@pytest.fixture(scope="module")
def venezuela():
    return load_scenario("venezuela-2025")


def _same_simulation(a, b) -> None:
    for name in ("first_hits", "level_counts", "sample_paths"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.top_paths == b.top_paths and a.path_count_error == b.path_count_error
    assert a.runs == b.runs and a.entropy == b.entropy and a.targets == b.targets


def _worker_pids(client) -> dict[str, int]:
    return client.run(os.getpid)


def _tasks_on_scheduler(client) -> int:
    return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))


def _wait_until_idle(client, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    n = _tasks_on_scheduler(client)
    while n and time.monotonic() < deadline:
        time.sleep(0.05)
        n = _tasks_on_scheduler(client)
    return n


def test_simulate_on_a_cluster_is_bit_for_bit_the_local_run(client, venezuela):
    runs = 2 * CHUNK_SIZE + 1_234  # three chunks, the last one short
    races = [("direct_strikes", "de_escalation")]
    local = simulate(venezuela, runs=runs, seed=11, races=races)
    remote = simulate(venezuela, runs=runs, seed=11, races=races, client=client)
    _same_simulation(local, remote)
    assert remote.race("direct_strikes", "de_escalation").cumulative().tolist() == \
        local.race("direct_strikes", "de_escalation").cumulative().tolist()
    assert remote.hits("direct_strikes") > 0  # the comparison is not between two empty runs
    assert _wait_until_idle(client) == 0  # the scattered job and the chunk results are released


def test_run_mc_on_a_cluster_matches_local(client, tutorial):
    local = run(tutorial, method="mc", runs=CHUNK_SIZE + 99, seed=4)
    remote = run(tutorial, method="mc", runs=CHUNK_SIZE + 99, seed=4, client=client)
    assert list(remote) == list(local)
    for name in local:
        a, b = local[name], remote[name]
        fields = ("hits", "probability", "ci95", "first_day_median", "first_day_q1", "first_day_q3")
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
        np.testing.assert_array_equal(a.first_day_pmf, b.first_day_pmf)
    _same_simulation(local.simulation, remote.simulation)


def test_the_job_is_scattered_once_to_every_worker_and_tasks_refer_to_it(client, venezuela):
    from dask.distributed import Future

    class Spy:
        def __init__(self, inner):
            self.inner, self.scatters, self.submits = inner, [], []

        def scatter(self, data, **kw):
            self.scatters.append(kw)
            futures = self.inner.scatter(data, **kw)
            # who holds it right after the scatter (later, Dask's active memory manager may drop
            # replicas that no waiting task needs, so a count taken mid-run is timing-dependent)
            self.holders = [sum(f.key in keys for keys in client.has_what().values()) for f in futures]
            return futures

        def submit(self, fn, *args, **kw):
            self.submits.append((args, kw))
            return self.inner.submit(fn, *args, **kw)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    spy = Spy(client)
    sim = simulate(venezuela, runs=3 * CHUNK_SIZE, seed=2, client=spy)
    assert len(spy.scatters) == 1 and spy.scatters[0]["broadcast"] is True
    assert spy.holders == [2]  # on both workers
    assert len(spy.submits) == 3
    assert all(isinstance(args[0], Future) and not isinstance(args[1], ChunkJob) for args, _ in spy.submits)
    assert all(kw["retries"] >= 1 for _, kw in spy.submits)
    assert sim.runs == 3 * CHUNK_SIZE


def test_map_ordered_keeps_item_order_and_raises_the_task_error(client):
    items = list(range(1, 40))
    assert list(map_ordered(client, divmod, items, shared=1000)) == [divmod(1000, i) for i in items]
    assert list(map_ordered(None, divmod, items, shared=1000, workers=2)) == [divmod(1000, i) for i in items]
    seen: list[int] = []
    assert list(map_ordered(client, pow, [2, 3], shared=5, progress=seen.append)) == [25, 125]
    assert seen == [1, 2]
    with pytest.raises(ZeroDivisionError):
        list(map_ordered(client, divmod, [1, 2, 0, 3], shared=7, retries=0))
    assert _wait_until_idle(client) == 0


def test_stopping_early_cancels_the_futures(client, venezuela):
    job = ChunkJob(model=compile_model(venezuela), target_idx=np.array([0], dtype=np.int64),
                   horizon=90, entropy=3, n_sample=0, race_idx=np.zeros((0, 2), dtype=np.int64))
    chunks = [(c, CHUNK_SIZE) for c in range(40)]

    def interrupt(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        list(map_ordered(client, _walk_chunk, chunks, shared=job, progress=interrupt))
    assert _wait_until_idle(client) == 0
    stream = run_chunks(client, job, 40 * CHUNK_SIZE)
    size, counts = next(stream)
    assert size == CHUNK_SIZE and counts.first_hits.shape == (1, 91)
    stream.close()  # the consumer stops: what is queued or running is cancelled
    assert _wait_until_idle(client) == 0


def test_a_worker_killed_mid_run_changes_nothing(client, venezuela):
    runs = 4 * CHUNK_SIZE
    local = simulate(venezuela, runs=runs, seed=21)
    before = _worker_pids(client)
    killed: list[int] = []

    def kill_one(done: int) -> None:  # chunks 1-3 are in flight when chunk 0 comes back
        if not killed:
            busy = [a for a, tasks in client.processing().items() if tasks]
            assert busy, "a worker has chunks in flight"
            pid = before[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    remote = simulate(venezuela, runs=runs, seed=21, client=client, progress=kill_one)
    _same_simulation(local, remote)
    assert killed
    client.wait_for_workers(2, timeout=60)  # the nanny starts a new worker process
    after = set(_worker_pids(client).values())
    assert killed[0] not in after and len(after) == 2


def test_every_worker_killed_mid_run_still_changes_nothing(client, venezuela):
    # Both copies of the scattered job die with their workers: Dask cancels the chunks that
    # need it, and the job is scattered again to the restarted workers.
    runs = 3 * CHUNK_SIZE
    local = simulate(venezuela, runs=runs, seed=22)
    before = _worker_pids(client)
    killed: list[int] = []

    def kill_all(done: int) -> None:
        if not killed:
            for pid in before.values():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    remote = simulate(venezuela, runs=runs, seed=22, client=client, progress=kill_all)
    _same_simulation(local, remote)
    client.wait_for_workers(2, timeout=60)
    assert len(killed) == 2 and not set(killed) & set(_worker_pids(client).values())
    assert _wait_until_idle(client) == 0


def test_uncertainty_on_a_cluster_matches_local(client, venezuela):
    from escalation.analysis.uncertainty import uncertain_odds

    # exact: blocks of 16 draws are the tasks; Monte Carlo: one draw per task
    for kw in (dict(draws=40, horizon=60), dict(draws=3, horizon=30, method="mc", runs=3000)):
        local = uncertain_odds(venezuela, seed=5, **kw)
        done: list[int] = []
        remote = uncertain_odds(venezuela, seed=5, client=client, progress=done.append, **kw)
        np.testing.assert_array_equal(local.curves, remote.curves)
        np.testing.assert_array_equal(local.samples, remote.samples)
        assert local.targets == remote.targets and remote.engine == kw.get("method", "exact")
        assert done[-1] == kw["draws"]


def test_compare_sensitivity_and_backtest_on_a_cluster_match_local(client, tutorial, venezuela):
    from escalation.analysis import compare_scenarios, range_sensitivity
    from escalation.evidence import backtest, load_events

    variant = tutorial.with_start(RED="mobilised")
    local = compare_scenarios(tutorial, variant, method="mc", runs=CHUNK_SIZE + 7, seed=4)
    remote = compare_scenarios(tutorial, variant, method="mc", runs=CHUNK_SIZE + 7, seed=4, client=client)
    assert local.to_dict()["targets"] == remote.to_dict()["targets"]
    assert remote["red_retaliates"].difference != 0
    a = range_sensitivity(venezuela, target="direct_strikes", horizon=45)
    b = range_sensitivity(venezuela, target="direct_strikes", horizon=45, client=client)
    assert a.to_dict() == b.to_dict() and len(b) > 10
    log = load_events("venezuela-2025", venezuela)
    a = backtest(venezuela, log, horizons=[30], workers=1)
    b = backtest(venezuela, log, horizons=[30], client=client)
    assert a.cases == b.cases and len(b.cases) > 10


def test_cli_uncertainty_and_compare_on_a_local_cluster_print_the_local_tables():
    for args in (["run", "tutorial", "--uncertainty", "20", "--seed", "2"],
                 ["compare", "tutorial", "--set", "RED.start=mobilised", "--method", "mc", "--runs", "3000",
                  "--seed", "2"]):
        local = CliRunner().invoke(cli, [*args, "-q"])
        remote = CliRunner().invoke(cli, [*args, "--dask", "--workers", "1"])
        assert local.exit_code == 0 and remote.exit_code == 0, remote.output
        assert "dask: 1 worker, 1 thread on a local cluster" in remote.stderr
        strip = lambda text: [line for line in text.splitlines() if not line.startswith("(")]  # noqa: E731 - wall time
        assert strip(local.stdout) == strip(remote.stdout) and len(strip(local.stdout)) > 3


def test_unreachable_scheduler_is_one_line_and_exit_2(tmp_path):
    exe = shutil.which("escalation", path=str(Path(sys.executable).parent))
    assert exe is not None, "the console script is installed next to the interpreter"
    out = tmp_path / "r.json"
    # The subprocess waits out its connect timeout while CliRunner does the same in-process.
    proc = subprocess.Popen([exe, "run", "venezuela-2025", "--runs", "1000", "--scheduler", UNREACHABLE,
                             "--json", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    r = CliRunner().invoke(cli, ["run", "venezuela-2025", "--runs", "1000", "--scheduler", UNREACHABLE])
    assert time.monotonic() - started < 20
    assert r.exit_code == 2, r.output
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ") and UNREACHABLE in r.stderr
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2, stderr
    assert stderr.count("\n") == 1 and UNREACHABLE in stderr and "Traceback" not in stderr and stdout == ""
    assert not out.exists()
    with (pytest.raises(SchedulerUnreachableError, match="no Dask scheduler answered at tcp://127.0.0.1:9"),
          connect(scheduler=UNREACHABLE, timeout=0.5)):
        pass  # pragma: no cover


def test_cluster_option_errors():
    r = CliRunner().invoke(cli, ["run", "tutorial", "--dask", "--scheduler", UNREACHABLE])
    assert r.exit_code == 2 and "--dask and --scheduler cannot be used together" in r.stderr
    with pytest.raises(ClusterError, match="not neither"), connect():
        pass  # pragma: no cover
    with (pytest.raises(ClusterError, match="expected an address like"),
          connect(scheduler="nosuchprotocol://x:1", timeout=0.5)):
        pass  # pragma: no cover


def test_without_dask_the_option_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # makes the import fail
    how = r'--dask needs dask\.distributed.*pip install "escalation\[dask\]"'
    with pytest.raises(MissingDependencyError, match=how), connect(local=True):
        pass  # pragma: no cover
    r = CliRunner().invoke(cli, ["run", "tutorial", "--runs", "100", "--dask"])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and 'pip install "escalation[dask]"' in r.stderr


def test_dask_option_runs_a_local_cluster_with_the_local_answer():
    args = ["run", "tutorial", "--method", "mc", "--runs", str(CHUNK_SIZE + 5), "--seed", "8", "--json", "-"]
    local = CliRunner().invoke(cli, [*args, "-q"])
    remote = CliRunner().invoke(cli, [*args, "--dask", "--workers", "1"])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert "dask: 1 worker, 1 thread on a local cluster" in remote.stderr
    a, b = json.loads(local.stdout)["targets"], json.loads(remote.stdout)["targets"]
    assert a == b and a["blue_strikes"]["probability"] > 0


def test_import_stays_light():
    code = ("import sys, escalation, escalation.distributed, escalation.cli.distributed; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
