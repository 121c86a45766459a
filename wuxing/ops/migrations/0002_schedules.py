"""Beat's schedule for the worker heartbeat (every minute) and the audit purge (daily).

Idempotent: found by name, created only when missing (an administrator's changes kept)."""

from django.db import migrations
from django.utils import timezone

HEARTBEAT = ("工作进程心跳", "wuxing.ops.tasks.heartbeat")
PURGE = ("审计日志过期清理", "wuxing.ops.tasks.purge_audit_events")


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if not PeriodicTask.objects.filter(name=HEARTBEAT[0]).exists():
        every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
        PeriodicTask.objects.create(
            name=HEARTBEAT[0], task=HEARTBEAT[1], interval=every_minute, enabled=True,
            description="每分钟写一次心跳；/health/ 据此判断 beat 与工作进程是否在运行。")
    if not PeriodicTask.objects.filter(name=PURGE[0]).exists():
        nightly, _ = CrontabSchedule.objects.get_or_create(
            minute="20", hour="3", day_of_week="*", day_of_month="*", month_of_year="*",
            timezone="Asia/Shanghai")
        PeriodicTask.objects.create(
            name=PURGE[0], task=PURGE[1], crontab=nightly, enabled=True,
            description="每天删除超过保留期（至少 180 天）的审计日志。")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[HEARTBEAT[0], PURGE[0]]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0001_heartbeat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
