"""Integration: a real Celery worker process, on the real Redis and PostgreSQL, runs the
daily dispatcher and delivers the reminders (in-app, console mail, a DingTalk robot
mocked by tests/webhook_stub.py). Skips without the services; fails under CI=true."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import need_service
from wuxing.notifications.models import Channel, Delivery, DeliveryStatus, GroupRobot, Notification

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
SECRET = "SECintegration"


def _redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis
    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def worker(transactional_db, tmp_path, webhook):
    need_service(connection.vendor == "postgresql",
                 "the worker integration test needs PostgreSQL (DATABASE_URL)")
    need_service(_redis_available(), "the worker integration test needs Redis (REDIS_URL)")
    db = connection.settings_dict
    env = {**os.environ,
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "REDIS_URL": settings.REDIS_URL, "WUXING_TEST_WEBHOOK_PORT": str(webhook.port),
           "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
           "CELERY_TASK_ALWAYS_EAGER": "false", "PYTHONUNBUFFERED": "1"}
    if db.get("PASSWORD"):
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(
            f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@")
    log = tmp_path / "worker.log"
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    with open(log, "w") as out:
        process = subprocess.Popen(
            # The worker with WeCom/DingTalk diverted to the local stand-in.
            [sys.executable, "-m", "tests.webhook_stub", "-A", "wuxing", "worker", "--pool=solo",
             "-l", "info", "-n", name, "--purge", "--without-gossip", "--without-mingle"],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: "ready." in log.read_text(), 120, log)
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(condition, seconds, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out; worker log:\n{log.read_text()[-3000:]}")


@pytest.fixture
def queued():
    """Publish tasks to the real broker instead of running them in-process."""
    from wuxing.celery import app
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    yield
    app.conf.CELERY_TASK_ALWAYS_EAGER = True


def test_a_real_worker_delivers_the_daily_reminders_once(ruleset, star_groups, official_a,
                                                         webhook, worker, queued):
    from scoring.reminders.tasks import dispatch_reminders
    # In November the reference rule set has monthly ecology indicators due (and none
    # entered), so the ecology group is overdue.
    ecology = star_groups["ecology"]
    ecology.members.add(official_a)
    GroupRobot.objects.create(group=ecology, kind=Channel.DINGTALK,
                              webhook_url=webhook.dingtalk,
                              secret=SECRET)
    # Two beats (or a redelivered task) run the dispatcher for the same day.
    dispatch_reminders.delay("2026-12-06")
    dispatch_reminders.delay("2026-12-06")
    overdue = Delivery.objects.filter(message__kind="overdue", message__period="2026-11")

    def delivered():
        return overdue.count() == 3 and not overdue.exclude(status=DeliveryStatus.SENT)

    _wait_for(delivered, 120, worker)
    time.sleep(1)  # give a duplicate, if any, the time to show
    note = Notification.objects.get(recipient=official_a, message__kind="overdue")
    assert "甲村（未填报）" in note.body
    assert overdue.count() == 3  # in-app, email and the group's DingTalk robot
    assert len(webhook.requests) == 1 and webhook.requests[0]["query"]["sign"]
    log = worker.read_text()
    assert log.count("Subject: =?utf-8?") >= 1 and "official@example.com" in log
