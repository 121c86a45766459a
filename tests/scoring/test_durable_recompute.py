"""A stored change always answers as saved, and the recompute it needs is never lost: it is
marked in the change's transaction, queued after commit, and swept when queueing failed."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from scoring import services
from scoring.models import Assessment, PendingRecompute
from scoring.progress.models import Entry
from tests.factories import enter
from tests.progress.conftest import in_may  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db
MAY = date(2026, 5, 1)


@pytest.fixture
def broker_down(monkeypatch):
    """Queueing fails as it does with Redis stopped; tasks are not run in-process."""
    from scoring.tasks import recompute_village_month
    from wuxing.celery import app

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    monkeypatch.setattr(recompute_village_month, "delay", refuse)


def _official(village, month):
    return Assessment.objects.official().filter(village=village, month=month).first()


@pytest.mark.usefixtures("in_may")
def test_a_save_with_the_broker_down_answers_as_saved_and_keeps_its_mark(
        client, official_a, village_a, ruleset, broker_down,
        django_capture_on_commit_callbacks):
    client.force_login(official_a)
    url = reverse("progress:save", args=[village_a.code, "2026-05", "member_points_rate"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"value": "95", "version": "0"},
                               HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Entry.objects.get(village=village_a, indicator__code="member_points_rate")
    assert PendingRecompute.objects.filter(village=village_a, month=MAY).exists()


def test_the_sweep_queues_a_left_mark_and_the_recompute_clears_it(
        village_a, ruleset, broker_down, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enter(village_a, ruleset, "criminal_cases", MAY, 0)
    assert _official(village_a, MAY) is None  # nothing ran: the broker was down
    monkeypatch.undo()  # the broker is back; tasks run in-process again

    assert services.queue_stale_recomputes() == 0  # too fresh: its own task may still run
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert services.queue_stale_recomputes() == 1
    assert _official(village_a, MAY).result["indicators"]["criminal_cases"]["reported"]
    assert not PendingRecompute.objects.exists()


def test_a_sweep_with_the_broker_still_down_tries_again_next_minute(
        village_a, ruleset, broker_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enter(village_a, ruleset, "criminal_cases", MAY, 0)
    later = timezone.now() + timedelta(minutes=3)
    assert services.queue_stale_recomputes(now=later) == 0
    assert PendingRecompute.objects.get().swept_at is None


def test_a_queued_sweep_is_not_repeated_while_its_worker_is_busy(village_a, ruleset):
    PendingRecompute.objects.mark(village_a.pk, MAY)
    PendingRecompute.objects.update(swept_at=timezone.now())
    soon, much_later = (timezone.now() + timedelta(minutes=m) for m in (5, 11))
    quiet, requeue = services.SWEEP_QUIET, services.SWEEP_REQUEUE_AFTER
    assert not PendingRecompute.objects.due_for_sweep(soon, quiet, requeue).exists()
    assert PendingRecompute.objects.due_for_sweep(much_later, quiet, requeue).exists()


def test_a_change_during_a_recompute_keeps_its_mark(village_a, ruleset):
    PendingRecompute.objects.mark(village_a.pk, MAY)
    seen = PendingRecompute.objects.read(village_a.pk, MAY)
    with time_machine.travel(timezone.now() + timedelta(seconds=1)):
        PendingRecompute.objects.mark(village_a.pk, MAY)  # saved while the recompute ran
    PendingRecompute.objects.clear(village_a.pk, MAY, seen)
    assert PendingRecompute.objects.filter(village=village_a, month=MAY).exists()


def test_an_eager_task_error_is_not_hidden(village_a, monkeypatch):
    # In-process (tests, debugging) a failing task must still fail loudly.
    from scoring.tasks import recompute_village_month

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(recompute_village_month, "delay", broken)
    with pytest.raises(RuntimeError):
        services._QueuedRecompute(village_a.pk, MAY)()


def test_tasks_queued_behind_a_recompute_that_covered_them_do_nothing(
        village_a, ruleset, broker_down, monkeypatch, django_capture_on_commit_callbacks):
    # three entries of one village-month saved while their tasks wait in the queue
    for code, value in (("criminal_cases", 0), ("members_recruited", 1),
                        ("trees_planted", 4)):
        with django_capture_on_commit_callbacks(execute=True):
            enter(village_a, ruleset, code, MAY, value)
    monkeypatch.undo()
    assert services.recompute_marked(village_a.pk, MAY) > 0  # the first covers all three
    assert not PendingRecompute.objects.filter(village=village_a, month=MAY).exists()
    stored = _official(village_a, MAY).computed_at
    assert services.recompute_marked(village_a.pk, MAY) == 0
    assert services.recompute_marked(village_a.pk, MAY) == 0
    assert _official(village_a, MAY).computed_at == stored
