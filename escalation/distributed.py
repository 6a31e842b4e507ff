"""Scale-out on Dask: the same results on a laptop or a cluster.

Monte Carlo chunks and parameter sets become tasks of a ``dask.distributed`` cluster (the
optional extra ``pip install "escalation[dask]"``). Nothing here decides a random number:
chunk ``i`` of a run draws from ``SeedSequence(entropy, spawn_key=(i,))`` wherever it runs
(:mod:`escalation.rng`), and results come back and are merged in chunk order, so a run on a
cluster is bit-for-bit the run on one machine with the same seed and runs.

Three pieces:

- :func:`connect` opens a :class:`~dask.distributed.Client`: to a running scheduler, or to a
  ``LocalCluster`` sized to the machine. It is a context manager that closes what it started.
- :func:`map_ordered` applies a function to items on the cluster (or on local threads when
  ``client`` is None), yielding results in item order with a bounded number of tasks in
  flight. What every task needs (``shared``: a compiled model, arrays of parameter draws) is
  scattered once to every worker, never sent with each task.
- :func:`run_chunks` is the Monte Carlo engine's hook: the counts of every chunk of a run, in
  chunk order (:func:`escalation.engines.montecarlo.simulate` with ``client=``).

Dask itself is imported only inside these functions, so ``import escalation`` stays light.

Notes
-----
Failure handling is Dask's: a task whose worker dies is rescheduled on another worker (up to
the scheduler's ``allowed-failures``), and a task that raises is retried ``retries`` times;
either way it recomputes the same chunk from the same seed, so the result does not change.
If every worker holding the scattered data dies (a one-worker cluster), Dask cancels the
tasks that need it; it is then scattered again and the pending items resubmitted.
When iteration stops early (an error, Ctrl-C, or the consumer closing the iterator) the tasks
still queued or running are cancelled and the scattered data released.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import EscalationError, MissingDependencyError
from .limits import available_cores

if TYPE_CHECKING:
    from dask.distributed import Client

    from .engines.montecarlo import ChunkCounts, ChunkJob

__all__ = [
    "CONNECT_TIMEOUT",
    "RETRIES",
    "ClusterError",
    "SchedulerUnreachableError",
    "cluster_threads",
    "connect",
    "map_ordered",
    "run_chunks",
]

#: Seconds to wait for a scheduler before giving up with :class:`SchedulerUnreachableError`.
CONNECT_TIMEOUT = 5.0
#: Times a task that raised is resubmitted (a worker that dies is handled by the scheduler).
RETRIES = 2
#: Seconds between two looks at the cluster's size while tasks are submitted.
_RESIZE_EVERY = 1.0
#: Times the shared data of a map is scattered again after the cluster lost every copy.
_RESCATTERS = 3

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")


class ClusterError(EscalationError):
    """A Dask cluster cannot be used as asked (a malformed address, conflicting options)."""


class SchedulerUnreachableError(ClusterError, ConnectionError):
    """No Dask scheduler answered at the given address within the timeout."""


def _require_dask() -> None:
    try:
        import dask.distributed  # noqa: F401 - checking that it is installed
    except ImportError:
        raise MissingDependencyError("--dask", "dask.distributed", extra="dask") from None


@contextmanager
def connect(*, scheduler: str | None = None, local: bool = False, n_workers: int | None = None,
            timeout: float = CONNECT_TIMEOUT) -> Iterator[Client]:
    """Open a Dask client; close on exit whatever was started here.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``), or the path of a scheduler file
        written by ``dask scheduler --scheduler-file`` (as on HPC systems). Closing the client
        leaves that cluster running.
    local : bool
        Start a ``LocalCluster`` of ``n_workers`` worker processes of one thread each, shut
        down on exit. Exactly one of ``scheduler`` and ``local`` must be given.
    n_workers : int, optional
        Worker processes of the local cluster; default every available core.
    timeout : float
        Seconds to wait for the scheduler.

    Yields
    ------
    dask.distributed.Client
        Not made the default Dask client: nothing outside this package's calls uses it.

    Raises
    ------
    MissingDependencyError
        If ``dask.distributed`` is not installed.
    SchedulerUnreachableError
        If no scheduler answers at ``scheduler`` within ``timeout`` seconds.
    ClusterError
        For a malformed address, or both or neither of ``scheduler`` and ``local``.

    Examples
    --------
    >>> from escalation import load_scenario, simulate
    >>> with connect(local=True, n_workers=2) as client:  # doctest: +SKIP
    ...     sim = simulate(load_scenario("tutorial"), runs=200_000, seed=1, client=client)
    """
    if (scheduler is None) == (not local):
        raise ClusterError("give either a scheduler address or local=True (--scheduler ADDRESS or --dask), not "
                           + ("both" if local else "neither"))
    if n_workers is not None and (isinstance(n_workers, bool) or n_workers < 1):
        raise ClusterError(f"n_workers must be >= 1, found {n_workers!r}")
    _require_dask()
    from dask.distributed import Client, LocalCluster

    if local:
        # One thread per process: the walk kernel releases the GIL, but processes keep a
        # crashing or memory-hungry chunk from taking the others down, as on a real cluster.
        # No dashboard, and the scheduler's small HTTP server (health, metrics) on a free port
        # of the loopback interface, so that two local clusters, or one next to a dashboard
        # already on 8787, never compete for a port.
        cluster = LocalCluster(n_workers=n_workers or available_cores(), threads_per_worker=1, processes=True,
                               dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
        try:
            with Client(cluster, set_as_default=False) as client:
                yield client
        finally:
            cluster.close()
        return
    assert scheduler is not None
    client = _open(scheduler, timeout)
    try:
        yield client
    finally:
        client.close()


def _open(scheduler: str, timeout: float) -> Client:
    from dask.distributed import Client

    try:
        if os.path.isfile(scheduler):
            return Client(scheduler_file=scheduler, timeout=timeout, set_as_default=False)
        return Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:  # distributed raises OSError("Timed out trying to connect ...")
        raise SchedulerUnreachableError(
            f"no Dask scheduler answered at {scheduler} within {timeout:g} s; start one with `dask scheduler` "
            "(see docs/distributed.md) or check the address") from exc
    except ValueError as exc:  # an unknown protocol or a malformed address
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise ClusterError(f"--scheduler: expected an address like tcp://host:8786 or a scheduler file, "
                           f"found {scheduler!r} ({first})") from exc


def cluster_threads(client: Client) -> int:
    """Worker threads of the cluster behind ``client`` now (at least 1)."""
    workers = client.scheduler_info(n_workers=-1).get("workers", {})
    return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))


def map_ordered(client: Client | None, fn: Callable[[S, T], R], items: Iterable[T], *, shared: S,
                workers: int | None = None, progress: Callable[[int], None] | None = None,
                retries: int = RETRIES) -> Iterator[R]:
    """Yield ``fn(shared, item)`` for each item, in item order, on a Dask cluster or local threads.

    Parameters
    ----------
    client : dask.distributed.Client or None
        The cluster; ``None`` runs on ``workers`` local threads (the same results, so callers
        need one code path).
    fn : callable
        ``fn(shared, item) -> result``. On a cluster it must pickle (a module-level function,
        or a closure over small values: what is big goes in ``shared``) and so must its
        results. It should be deterministic: a task may be run again after a failure.
    items : iterable
        Consumed lazily, as tasks are submitted.
    shared : object
        What every task needs, sent once: on a cluster it is scattered to every worker
        (``broadcast=True``) and tasks refer to it, so it is not pickled per task.
    workers : int, optional
        Local threads when ``client`` is None; default every available core. Ignored with a
        client (the cluster's threads are used).
    progress : callable, optional
        Called with the number of results yielded so far, after each one.
    retries : int
        Times the cluster resubmits a task that raised.

    Yields
    ------
    object
        The results, in the order of ``items``.

    Raises
    ------
    Exception
        Whatever ``fn`` raised for the first failing item (after its retries), with its type.

    Notes
    -----
    At most ``2 x`` (threads of the cluster, or ``workers``) tasks are in flight, so memory
    does not grow with the number of items and results stream back in order; the cluster's
    threads are counted again every second, so an adaptive cluster that grows is used. When the
    iteration stops early (an exception, Ctrl-C, or ``close()`` of the iterator) tasks not
    yet done are cancelled and the scattered ``shared`` is released.

    Examples
    --------
    >>> def scaled(factor, x):
    ...     return factor * x
    >>> list(map_ordered(None, scaled, range(5), shared=10, workers=2))
    [0, 10, 20, 30, 40]
    """
    if client is None:
        return _map_threads(fn, items, shared, available_cores() if workers is None else max(1, int(workers)),
                            progress)
    return _map_dask(client, fn, items, shared, progress, retries)


def _map_threads(fn: Callable[[S, T], R], items: Iterable[T], shared: S, workers: int,
                 progress: Callable[[int], None] | None) -> Iterator[R]:
    done = 0
    if workers == 1:
        for item in items:
            yield fn(shared, item)
            done += 1
            if progress is not None:
                progress(done)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[R]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, shared, item))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
                    done += 1
                    if progress is not None:
                        progress(done)
            while pending:
                yield pending.popleft().result()
                done += 1
                if progress is not None:
                    progress(done)
        finally:
            for fut in pending:
                fut.cancel()


def _map_dask(client: Client, fn: Callable[[S, T], R], items: Iterable[T], shared: S,
              progress: Callable[[int], None] | None, retries: int) -> Iterator[R]:
    _require_dask()
    limit = 2 * cluster_threads(client)
    checked = time.monotonic()
    run_id = uuid.uuid4().hex[:12]
    name = getattr(fn, "__name__", "task").strip("_<>") or "task"
    generation = 0  # how many times ``shared`` was scattered again after being lost

    def scatter() -> Any:
        # Inside a one-element list: a list or dict ``shared`` stays one object.
        [future] = client.scatter([shared], broadcast=True, hash=False)
        return future

    def submit(i: int, item: T) -> Any:
        return client.submit(fn, shared_future, item, key=f"escalation-{name}-{run_id}-{generation}-{i}",
                             retries=retries, pure=False)

    def first_result() -> R:
        nonlocal shared_future, generation
        while True:
            try:
                value = pending[0][2].result()
            except CancelledError as exc:
                # Dask cancels the tasks that depend on scattered data when every worker
                # holding it is gone (a one-worker cluster whose worker died); scatter it
                # again and resubmit what was pending: the same items give the same results.
                if generation >= _RESCATTERS:
                    raise ClusterError(f"the Dask cluster lost the data of this run {generation + 1} times "
                                       "(its workers keep dying); check the workers' logs and memory") from exc
                generation += 1
                client.cancel([f for _, _, f in pending] + [shared_future])
                shared_future = scatter()
                again = [(i, item, submit(i, item)) for i, item, _ in pending]
                pending.clear()
                pending.extend(again)
                continue
            pending.popleft()
            return value

    shared_future = scatter()
    pending: deque[tuple[int, T, Any]] = deque()
    done = 0
    try:
        for i, item in enumerate(items):
            pending.append((i, item, submit(i, item)))
            if time.monotonic() - checked > _RESIZE_EVERY:  # an adaptive cluster may have grown or shrunk
                limit, checked = 2 * cluster_threads(client), time.monotonic()
            while len(pending) >= limit:
                yield first_result()
                done += 1
                if progress is not None:
                    progress(done)
        while pending:
            yield first_result()
            done += 1
            if progress is not None:
                progress(done)
    finally:
        leftover = [f for _, _, f in pending] + [shared_future]
        pending.clear()
        client.cancel(leftover)


def _walk_chunk(job: ChunkJob, chunk: tuple[int, int]) -> tuple[int, ChunkCounts]:
    c, size = chunk
    return size, job.walk(c, size)


def run_chunks(client: Client, job: ChunkJob, runs: int) -> Iterator[tuple[int, ChunkCounts]]:
    """``(size, counts)`` of every chunk of a run, in chunk order, walked on a Dask cluster.

    The cluster counterpart of :func:`escalation.engines.montecarlo.run_chunks_locally`:
    ``job`` (the compiled model, targets, horizon, seed entropy) is scattered once to every
    worker, each chunk is one task, at most ``2 x`` the cluster's threads are in flight, and
    counts come back in chunk order, so the merged result is identical to the local run.

    Parameters
    ----------
    client : dask.distributed.Client
    job : ChunkJob
        From :func:`~escalation.engines.montecarlo.simulate`.
    runs : int
        Trajectories in the run.

    Yields
    ------
    (int, ChunkCounts)
        Size and counts of chunk 0, 1, ...
    """
    from .engines.montecarlo import chunks

    return map_ordered(client, _walk_chunk, chunks(runs), shared=job)
