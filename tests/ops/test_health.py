"""/health/: up (200) or down (503) per dependency, no login, details only for
administrators; with Redis stopped it reports down while the portal pages still answer."""

import os
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.conftest import need_service
from tests.test_cache_outage import DEAD_REDIS
from wuxing.ops import tasks
from wuxing.ops.models import Heartbeat

pytestmark = pytest.mark.django_db
URL = "/health/"


@pytest.fixture(autouse=True)
def _healthy(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REDIS_URL = ""
    tasks.heartbeat()


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(is_superuser=True, is_staff=True)


def _failing(client, admin_user) -> dict:
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 503
    return {name for name, result in response.json()["checks"].items() if result != "ok"}


def test_it_answers_up_without_a_login_and_without_detail(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.content == b"up\n"
    assert response["Cache-Control"].startswith("max-age=0")


def test_an_administrator_sees_every_check(client, admin_user):
    client.force_login(admin_user)
    body = client.get(URL).json()
    assert body["status"] == "up"
    assert set(body["checks"]) == {"Database", "Cache", "EvidenceStorage",
                                   "CeleryHeartbeat", "DiskSpace"}


def test_other_signed_in_users_get_no_detail_either(client, official_a):
    client.force_login(official_a)
    assert client.get(URL).content == b"up\n"


def test_a_stale_worker_heartbeat_is_down(client, admin_user):
    Heartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=6))
    anonymous = client.get(URL)
    assert (anonymous.status_code, anonymous.content) == (503, b"down\n")
    assert _failing(client, admin_user) == {"CeleryHeartbeat"}


def test_a_worker_that_never_beat_is_down(client, admin_user):
    Heartbeat.objects.all().delete()
    assert _failing(client, admin_user) == {"CeleryHeartbeat"}


def test_an_unwritable_evidence_storage_is_down(client, admin_user, settings, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = blocker / "media"
    assert "EvidenceStorage" in _failing(client, admin_user)


def test_a_full_disk_is_down(client, admin_user, settings):
    settings.WUXING_HEALTH_DISK_MAX_PERCENT = 0
    assert _failing(client, admin_user) == {"DiskSpace"}


def test_an_unreachable_database_is_down(client, admin_user, monkeypatch):
    client.force_login(admin_user)  # the session is stored before the database "fails"

    def refuse(self):
        raise OperationalError("connection refused")
    monkeypatch.setattr(BaseDatabaseWrapper, "temporary_connection", refuse)
    assert _failing(client, admin_user) == {"Database"}


def test_with_redis_stopped_health_is_down_and_pages_still_answer(
        client, admin_user, settings, official_a):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = DEAD_REDIS
    assert client.get(URL).status_code == 503
    assert _failing(client, admin_user) == {"Redis", "Cache"}
    client.force_login(official_a)
    assert client.get(reverse("home"), follow=True).status_code == 200
    assert client.get(reverse("villages:list")).status_code == 200


def test_with_redis_running_health_is_up(client, admin_user, settings):
    url = os.environ.get("REDIS_URL", "")
    need_service(bool(url), "REDIS_URL is not set")
    settings.REDIS_URL = url
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["Redis"] == "ok"


def test_beat_schedules_the_heartbeat_every_minute_and_the_purge_daily():
    from django_celery_beat.models import PeriodicTask
    beat = PeriodicTask.objects.get(task="wuxing.ops.tasks.heartbeat")
    assert (beat.interval.every, beat.interval.period, beat.enabled) == (1, "minutes", True)
    assert PeriodicTask.objects.get(task="wuxing.ops.tasks.purge_audit_events").crontab
