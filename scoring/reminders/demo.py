"""Reminders in the demo: mail addresses for the demo users and a one-off beat task that
runs the dispatcher a few seconds after beat starts, so that `make run` shows reminders
arriving without waiting for the daily schedule. Idempotent."""

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from villages.demo import DEMO_USERS
from wuxing.accounts.models import User

DEMO_TASK_NAME = "演示：启动后运行一次提醒调度"


@transaction.atomic
def load() -> None:
    for spec in DEMO_USERS:
        User.objects.filter(username=spec.username, email="").update(
            email=f"{spec.username}@example.com")
    every, _ = IntervalSchedule.objects.get_or_create(every=10,
                                                      period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name=DEMO_TASK_NAME,
        defaults={"task": "scoring.reminders.tasks.dispatch_reminders", "interval": every,
                  "one_off": True, "enabled": True, "last_run_at": None,
                  "total_run_count": 0,
                  "description": "演示数据：beat 启动后运行一次每日提醒调度。"})
