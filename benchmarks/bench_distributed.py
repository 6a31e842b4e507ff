"""Benchmark Monte Carlo on a Dask LocalCluster against the local threaded run.

Usage::

    pip install ".[dask]"
    python benchmarks/bench_distributed.py                       # 10^8 runs of venezuela-2025, ~10 min
    python benchmarks/bench_distributed.py --runs 10000000       # a quicker look
    python benchmarks/bench_distributed.py --json bench.json     # also write the figures

Four measurements, each after a warm-up (numba's cache loaded, on every worker):

1. headline: ``--runs`` trajectories of venezuela-2025 (horizon 90) with
   ``simulate(workers=2)`` (local threads) and with ``simulate(client=...)`` on a
   LocalCluster of 2 worker processes of 1 thread; the two results must be identical and
   the target is cluster time <= 1.3 x local time;
2. scaling: ``--scaling-runs`` trajectories on local threads and on LocalClusters of 1 and
   2 workers;
3. overhead per task: ``--tasks`` no-op tasks through :func:`escalation.distributed.map_ordered`
   (scheduler round trip, pickling, bounded in-flight window);
4. chunk size: ``--sweep-runs`` trajectories walked in chunks of 2^10 ... 2^16 (the engine's
   own size is 2^16 and fixed; smaller sizes here only show where the per-task cost stops
   mattering), on local threads and on the 2-worker cluster.

The machine is shared with other work: the load average is recorded before and after each
measurement; rerun when it is quieter and compare. Ratios measured back to back are more
stable than seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np

SCENARIO = "venezuela-2025"


def _noop(shared: object, item: int) -> int:
    return item


def _walk_size(job: Any, item: tuple[int, int]) -> int:
    c, size = item
    return int(job.walk(c, size).first_hits.sum())


def timed(label: str, fn: Callable[[], Any]) -> tuple[float, Any, dict[str, Any]]:
    """Seconds spent in ``fn()``, its value, and a record with the load average around it."""
    before = os.getloadavg()[0]
    started = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - started
    record = {"label": label, "seconds": round(seconds, 3), "load_before": round(before, 2),
              "load_after": round(os.getloadavg()[0], 2)}
    print(f"  {label:<52} {seconds:9.2f} s   load {before:.1f} -> {record['load_after']:.1f}", flush=True)
    return seconds, value, record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000_000, help="headline trajectories [10^8]")
    parser.add_argument("--scaling-runs", type=int, default=10_000_000, help="trajectories for 1 vs 2 workers")
    parser.add_argument("--tasks", type=int, default=2_000, help="no-op tasks for the per-task overhead")
    parser.add_argument("--sweep-runs", type=int, default=1 << 21, help="trajectories per chunk-size point")
    parser.add_argument("--skip-headline", action="store_true")
    parser.add_argument("--json", default=None, help="write the figures here")
    args = parser.parse_args()

    from escalation import load_scenario
    from escalation.compiled import compile_model
    from escalation.distributed import connect, map_ordered
    from escalation.engines.montecarlo import CHUNK_SIZE, ChunkJob, simulate

    scenario = load_scenario(SCENARIO)
    model = compile_model(scenario)
    out: dict[str, Any] = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                                       "numpy": np.__version__}, "records": []}
    import dask
    import distributed

    out["machine"]["dask"] = dask.__version__
    out["machine"]["distributed"] = distributed.__version__
    print(f"{SCENARIO}: {model.n_actors} actors, {model.n_moves} moves; chunks of {CHUNK_SIZE:,}; "
          f"dask {dask.__version__}; {os.cpu_count()} cores", flush=True)
    simulate(model, runs=1_000, seed=0, workers=1)  # numba's cache, in this process

    def sim(runs: int, **kw: Any) -> Any:
        return simulate(model, runs=runs, seed=1, n_sample=0, top_paths=5, **kw)

    rec = out["records"]
    local_threads: dict[int, float] = {}
    with connect(local=True, n_workers=2) as client2:
        sim(CHUNK_SIZE * 4, client=client2)  # warm-up: every worker loads numba's cache
        if not args.skip_headline:
            print(f"1. headline: {args.runs:,} trajectories", flush=True)
            t_local, a, r = timed("local threads, workers=2", lambda: sim(args.runs, workers=2))
            rec.append({**r, "runs": args.runs})
            t_dask, b, r = timed("LocalCluster, 2 processes x 1 thread", lambda: sim(args.runs, client=client2))
            rec.append({**r, "runs": args.runs})
            same = bool(np.array_equal(a.first_hits, b.first_hits) and np.array_equal(a.level_counts, b.level_counts)
                        and a.top_paths == b.top_paths)
            out["headline"] = {"runs": args.runs, "local_s": round(t_local, 2), "dask_s": round(t_dask, 2),
                               "ratio": round(t_dask / t_local, 3), "identical": same}
            print(f"  ratio cluster / local = {t_dask / t_local:.3f} (target <= 1.3); identical: {same}", flush=True)

        print(f"2. scaling: {args.scaling_runs:,} trajectories", flush=True)
        for w in (1, 2):
            local_threads[w], _, r = timed(f"local threads, workers={w}", lambda w=w: sim(args.scaling_runs, workers=w))
            rec.append({**r, "runs": args.scaling_runs, "kind": "local", "workers": w})
        t2, _, r = timed("LocalCluster, 2 workers", lambda: sim(args.scaling_runs, client=client2))
        rec.append({**r, "runs": args.scaling_runs, "kind": "dask", "workers": 2})

        print(f"3. overhead: {args.tasks:,} no-op tasks", flush=True)
        t_noop, _, r = timed("no-op tasks, 2 workers", lambda: list(map_ordered(client2, _noop, range(args.tasks),
                                                                                 shared=None)))
        rec.append({**r, "tasks": args.tasks})
        out["overhead_ms_per_task_2_workers"] = round(1e3 * t_noop / args.tasks, 3)

        print(f"4. chunk size: {args.sweep_runs:,} trajectories per point", flush=True)
        job = ChunkJob(model=model, target_idx=np.arange(len(model.target_names), dtype=np.int64),
                       horizon=scenario.horizon, entropy=1, n_sample=0, race_idx=np.zeros((0, 2), dtype=np.int64))
        sweep = []
        for log2 in range(10, 17, 2):
            size = 1 << log2
            items = [(c, size) for c in range(args.sweep_runs // size)]
            tl, _, r1 = timed(f"chunks of {size:>6,}: local threads",
                              lambda items=items: list(map_ordered(None, _walk_size, items, shared=job, workers=2)))
            td, _, r2 = timed(f"chunks of {size:>6,}: LocalCluster 2 workers",
                              lambda items=items: list(map_ordered(client2, _walk_size, items, shared=job)))
            rec.extend([{**r1, "chunk": size}, {**r2, "chunk": size}])
            sweep.append({"chunk": size, "tasks": len(items), "local_s": round(tl, 3), "dask_s": round(td, 3),
                          "ratio": round(td / tl, 3)})
        out["chunk_sweep"] = sweep

    with connect(local=True, n_workers=1) as client1:
        sim(CHUNK_SIZE * 2, client=client1)
        t1, _, r = timed("LocalCluster, 1 worker", lambda: sim(args.scaling_runs, client=client1))
        rec.append({**r, "runs": args.scaling_runs, "kind": "dask", "workers": 1})
        t_noop1, _, r = timed("no-op tasks, 1 worker", lambda: list(map_ordered(client1, _noop, range(args.tasks),
                                                                                 shared=None)))
        rec.append({**r, "tasks": args.tasks})
    out["overhead_ms_per_task_1_worker"] = round(1e3 * t_noop1 / args.tasks, 3)
    out["scaling"] = {"runs": args.scaling_runs, "local_1_s": round(local_threads[1], 2),
                      "local_2_s": round(local_threads[2], 2), "dask_1_s": round(t1, 2), "dask_2_s": round(t2, 2),
                      "dask_speedup_2_over_1": round(t1 / t2, 3)}
    print(json.dumps({k: v for k, v in out.items() if k != "records"}, indent=2))
    if args.json:
        from escalation.outputs import write_text

        write_text(args.json, json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
