"""Queueing a task after a change was stored: never an error for the stored change.

Whatever a task would do is also recorded durably beside the change (a PendingRecompute
mark, an open Delivery row) and swept periodically, so a broker that refuses the task
delays the work; it must not turn the stored change into a 500."""

from __future__ import annotations

import logging
import threading

from celery import current_app
from celery.exceptions import NotRegistered

logger = logging.getLogger(__name__)
# gunicorn's threads share a process: the second thread to miss a task while the first
# is still importing the tasks modules must wait for it (under the month-end peak a
# save answered 500 that way).
_importing = threading.Lock()


def registered(name: str):
    """The task registered as `name`, importing the apps' tasks modules on first use: a
    web process imports none of them itself (Celery's autodiscovery waits for this)."""
    try:
        return current_app.tasks[name]
    except NotRegistered:
        with _importing:
            current_app.loader.import_default_modules()
            return current_app.tasks[name]


def send(name: str, *args) -> bool:
    """Queue the task registered as `name` with `args`; False, logged, if the broker
    refused it. By name, so that services need not import their tasks modules (tasks
    import services, never the other way round)."""
    try:
        registered(name).delay(*args)
    except Exception:
        # In-process (tests, debugging) the task itself ran and failed: say so loudly.
        if current_app.conf.task_always_eager:
            raise
        logger.warning("task %s%r not queued; its sweep will queue it", name, args,
                       exc_info=True)
        return False
    return True
