"""Work queued after a stored change: a broker that refuses it is logged, never raised."""

import pytest
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


def test_a_web_process_that_never_imported_the_tasks_can_queue_them():
    """As under gunicorn: Django set up, no worker started, no tasks module imported."""
    import os
    import subprocess
    import sys

    from django.conf import settings
    script = (
        "import django, sys; django.setup()\n"
        "from wuxing import queueing\n"
        "assert 'scoring.tasks' not in sys.modules\n"
        "print(queueing._task('scoring.tasks.recompute_village_month').name)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ,
                               "DJANGO_SETTINGS_MODULE": "wuxing.settings"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "scoring.tasks.recompute_village_month"
