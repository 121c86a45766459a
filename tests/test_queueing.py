"""Work queued after a stored change: a broker that refuses it is logged, never raised."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from kombu.exceptions import OperationalError

from wuxing import queueing
from wuxing.notifications import delivery


@pytest.fixture
def refusing_task(monkeypatch):
    from wuxing.celery import app
    from wuxing.notifications.tasks import deliver_deliveries

    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    monkeypatch.setattr(deliver_deliveries, "delay", refuse)
    return deliver_deliveries


def test_a_refused_task_is_reported_not_raised(refusing_task, caplog):
    assert queueing.send(refusing_task.name, [1, 2]) is False
    assert "not queued" in caplog.text


@pytest.mark.django_db
def test_deliveries_queued_with_the_broker_down_leave_the_transaction_alone(
        refusing_task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        delivery.enqueue([3, 1, 2])
    assert len(callbacks) == 1  # ran, and raised nothing


def test_a_fresh_process_finds_tasks_it_never_imported():
    # A web process imports no tasks module; queueing by name must still find the task.
    script = ("import django; django.setup(); import sys; from wuxing import queueing; "
              "assert 'scoring.tasks' not in sys.modules; "
              "print(queueing.registered('scoring.tasks.recompute_batch').name)")
    done = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "true"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "scoring.tasks.recompute_batch"


def test_a_task_that_cannot_be_found_is_reported_not_raised(monkeypatch):
    # A stored change never answers 500 because its task could not be looked up (a
    # second gunicorn thread raced the first one's import of the tasks modules).
    from wuxing.celery import app
    monkeypatch.setattr(app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    assert queueing.send("scoring.tasks.no_such_task", 1) is False
