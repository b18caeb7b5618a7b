"""Dask: a client for local workers or a running scheduler, and a task's independent parts run
on them. Below the tasks (which run their parts here) and the sweep engine (which runs whole
task calls), so neither imports the other to reach the workers.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

import torch

from . import runtime
from .checks import ConfigError
from .io import default_dir

CONNECT_TIMEOUT = "10s"  # a scheduler that does not answer by then is reported, not waited for


def check_shared(client, folder) -> None:
    """Refuse (one-line :class:`ConfigError`) a cluster whose workers do not see ``folder``, the
    cache they hand their results back through: a probe file written here must exist there."""
    folder = Path(folder)
    probe = folder / f".probe-{uuid.uuid4().hex}"
    probe.write_bytes(b"")
    try:
        seen = client.run(os.path.exists, str(probe))
    finally:
        probe.unlink(missing_ok=True)
    blind = sorted(worker for worker, found in seen.items() if not found)
    if blind:
        raise ConfigError(f"{len(blind)} of {len(seen)} workers do not see the cache folder {folder} "
                          f"(e.g. {blind[0]}): give a --cache-dir on storage every worker mounts at that path")


def cache_on_workers(fn, calls, workers: int, scheduler: str | None, folder=None) -> None:
    """``fn(*args)`` for every ``args`` of ``calls`` on ``workers`` local Dask workers of one
    thread each, or on the cluster of ``scheduler``, for the disk cache those calls write (the
    caller then reads their results from it); nothing when neither is given. A task's ``run``
    uses it for its independent parts; on a cluster the workers must see ``folder``, that cache
    (:func:`check_shared`)."""
    client = client_for(workers, scheduler)
    if client is None:
        return
    try:
        if scheduler is not None:
            check_shared(client, folder or default_dir())
        client.gather([client.submit(_with_threads, runtime.threads(), fn, args, pure=False) for args in calls])
    finally:
        close(client)


def _with_threads(threads: int, fn, args) -> None:
    torch.set_num_threads(threads)
    fn(*args)


def close(client) -> None:
    """Close ``client`` and, when :func:`client_for` started it, its LocalCluster."""
    if client is None:
        return
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def client_for(workers: int | None, scheduler: str | None, threads: int = 1):
    """A ``distributed.Client``: to the scheduler at ``scheduler``, or to a new LocalCluster of
    ``workers`` processes with ``threads`` threads each; ``None`` when neither is given."""
    if scheduler is None and not workers:
        return None
    from distributed import Client, LocalCluster  # here: importing distributed takes a second

    if scheduler is not None:
        try:
            return Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as error:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler} within {CONNECT_TIMEOUT} "
                              f"({type(error).__name__}); is it running, and is the address right?") from None
    # an interrupted cluster leaves the resource tracker a note about semaphores it then cleans
    # up itself: the tracker process (started now) is told not to print it
    quiet = "ignore:resource_tracker:UserWarning"
    if quiet not in os.environ.get("PYTHONWARNINGS", ""):
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), quiet]))
    cluster = LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                           # CRITICAL: a worker that outlives the scheduler by a heartbeat at
                           # shut-down logs an error that is no failure (a call's own error
                           # reaches the client)
                           dashboard_address=":0", silence_logs=logging.CRITICAL)
    return Client(cluster)
