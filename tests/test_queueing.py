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
