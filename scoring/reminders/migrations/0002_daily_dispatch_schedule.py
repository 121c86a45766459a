"""The daily dispatcher's schedule in django-celery-beat, editable in the admin.

Idempotent: found by its name, created only when missing (an administrator's changes to
the time are kept)."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "每日提醒调度"
TASK = "scoring.reminders.tasks.dispatch_reminders"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=TASK_NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="8", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Shanghai")
    PeriodicTask.objects.create(
        name=TASK_NAME, task=TASK, crontab=crontab, enabled=True,
        description="每天发送当日到期且尚未发送的提醒（漏跑的日子会补发，同一提醒不会重复发送）。")
    # Tell a running beat that the schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1,
                                         defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_reminder_policy"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
