"""Run independent batches of database work in forked worker processes.

A bulk recompute is CPU-bound Python (the engine, serialisation) interleaved with
PostgreSQL work; on a machine with several cores, forked workers that each read, judge
and store their own batches finish in a fraction of the time. Each worker opens its own
database connection; each batch is its own transaction.

Falls back to running the batches in this process when a pool would be wrong or
useless: one worker or one batch, inside a transaction (workers could not see its
uncommitted rows), in a daemonic process (a Celery prefork child cannot fork), or on
SQLite (one writer at a time).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.db import connection, connections

Batch = TypeVar("Batch")


def default_workers() -> int:
    """SCORING_RECOMPUTE_WORKERS, else one more than the cores: while one worker waits
    for PostgreSQL (which shares the cores), another computes."""
    configured = int(getattr(settings, "SCORING_RECOMPUTE_WORKERS", 0) or 0)
    return max(1, configured or (os.cpu_count() or 1) + 1)


def can_fork() -> bool:
    return (connection.vendor == "postgresql" and not connection.in_atomic_block
            and not multiprocessing.current_process().daemon
            and "fork" in multiprocessing.get_all_start_methods())


def run(function: Callable[[Batch], int], batches: Sequence[Batch], *,
        workers: int | None = None,
        done: Callable[[Batch, int], None] | None = None) -> int:
    """Call `function(batch)` for every batch; returns the sum of the results.

    `done(batch, result)` is called in this process as each batch finishes, in
    completion order. The first failure is raised once running batches have ended;
    batches not yet started are cancelled (finished ones stay stored).
    """
    workers = min(workers or default_workers(), len(batches))
    if workers <= 1 or not can_fork():
        return sum(_report(batch, function(batch), done) for batch in batches)
    connections.close_all()  # children must not share this process's sockets
    context = multiprocessing.get_context("fork")
    total = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_worker_started) as pool:
        futures = {pool.submit(function, batch): batch for batch in batches}
        try:
            for future in as_completed(futures):
                total += _report(futures[future], future.result(), done)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return total


def _worker_started() -> None:
    connections.close_all()
    # Everything inherited from the parent (a long-lived process may hold millions of
    # objects) moves out of the collector's sight: collections no longer walk it, and
    # its pages are not copied just to update GC bookkeeping.
    gc.freeze()


def _report(batch, result: int, done) -> int:
    if done is not None:
        done(batch, result)
    return result


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees memory)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
