"""The options that put a command on a Dask cluster, defined once: ``--dask`` and ``--scheduler``.

A command takes them with ``@cluster_options`` and opens the cluster around its one library
call with ``with open_cluster(dask, scheduler, workers=workers, quiet=quiet) as client:``;
``client`` is None when neither option is given, so the same call runs locally. Leaving the
block (normally, on an error or on Ctrl-C) cancels the cluster's work for this command and
shuts down a cluster the command started. See docs/distributed.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from dask.distributed import Client

__all__ = ["cluster_options", "open_cluster"]

F = TypeVar("F", bound=Callable[..., Any])


def cluster_options(f: F) -> F:
    """``--dask`` and ``--scheduler ADDRESS``: where the command's Monte Carlo chunks and draws run."""
    options = [
        click.option("--dask", "dask", is_flag=True,
                     help='Run on a Dask LocalCluster of --workers processes [default: one per core]; needs '
                          'pip install "escalation[dask]". Results are identical to the local run.'),
        click.option("--scheduler", metavar="ADDRESS", default=None,
                     help="Run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786) or is "
                          "described by a scheduler file. Results are identical to the local run."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@contextmanager
def open_cluster(dask: bool, scheduler: str | None, *, workers: int | None = None,
                 quiet: bool = False) -> Iterator[Client | None]:
    """The Dask client asked for by ``--dask`` or ``--scheduler``, or None for neither.

    Parameters
    ----------
    dask : bool
        ``--dask``: start a LocalCluster of ``workers`` processes (default one per core).
    scheduler : str or None
        ``--scheduler``: connect to a running cluster.
    workers : int, optional
        ``--workers``: the LocalCluster's size with ``--dask``; unused with ``--scheduler``.
    quiet : bool
        No note on stderr about the cluster.

    Raises
    ------
    click.UsageError
        For both options at once.
    MissingDependencyError, SchedulerUnreachableError, ClusterError
        From :func:`escalation.distributed.connect` (the command line prints them as one line
        and exits 2).
    """
    if dask and scheduler is not None:
        raise click.UsageError("--dask and --scheduler cannot be used together")
    if not dask and scheduler is None:
        yield None
        return
    from ..distributed import cluster_threads, connect

    with connect(scheduler=scheduler, local=dask, n_workers=workers if dask else None) as client:
        if not quiet:
            n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {}))
            where = "a local cluster" if dask else f"the cluster at {scheduler}"
            n_threads = cluster_threads(client)
            click.echo(f"dask: {n_workers} worker{'s' * (n_workers != 1)}, {n_threads} thread{'s' * (n_threads != 1)} "
                       f"on {where}", err=True)
        yield client
